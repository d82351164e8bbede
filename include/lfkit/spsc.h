/*
 * lfkit/spsc.h - bounded single-producer single-consumer ring of void *
 * values, wait-free, with bulk push and pop.
 *
 * Source: L. Lamport, "Specifying Concurrent Program Modules", ACM TOPLAS
 * 5(2), 1983 (the concurrent circular buffer with one reader and one
 * writer, each owning one index).  Each side also keeps a private copy of
 * the other side's index and re-reads the shared one only when its copy
 * says the ring is full (producer) or empty (consumer), as in the
 * "cached index" rings of FastForward-style queues (J. Giacomoni et al.,
 * PPoPP 2008, discuss the cache-line cost this avoids).
 *
 * Which calls may run concurrently with which:
 *
 *   call                      | concurrently with
 *   --------------------------+------------------------------------------
 *   push, push_bulk (producer)| pop, pop_bulk, capacity
 *   pop, pop_bulk (consumer)  | push, push_bulk, capacity
 *   capacity                  | everything but init and destroy
 *   init, destroy             | nothing (quiescent)
 *
 * One thread at a time is the producer and one the consumer; handing a
 * role to another thread needs the caller's own synchronisation (a
 * happens-before edge: join, mutex, release/acquire), which also carries
 * that side's private copy of the other index.
 *
 * Indices.  tail (next to push) and head (next to pop) are free-running
 * size_t counters; value k lives in slot k & mask.  The ring holds
 * tail - head values (unsigned difference, so the counters may wrap), at
 * most capacity: all capacity slots are used, and exactly capacity values
 * fit.  Bulk calls copy a batch and publish it with one store of the
 * index.
 *
 * Progress: every call is wait-free (no loops but the copy of a batch).
 *
 * Memory order (each access below names its pair):
 *  (S1) the producer's release store of tail publishes the slots it wrote;
 *       pairs with (S2), the consumer's acquire load of tail.
 *  (S3) the consumer's release store of head orders its slot reads before
 *       the producer may overwrite them; pairs with (S4), the producer's
 *       acquire load of head.
 *  Each side reads its own index relaxed (only it writes it).  Slots are
 *  plain void *: every slot access is ordered by these pairs.
 *
 * Alignment: lf_spsc is aligned to LF_CACHELINE: the producer's line
 * (tail, its copy of head), the consumer's line (head, its copy of tail)
 * and the read-only line (slots, mask) are separate.  The slot array
 * (capacity pointers) comes from LF_ALIGNED_ALLOC (platform.h).
 */
#ifndef LFKIT_SPSC_H
#define LFKIT_SPSC_H

#include <lfkit/platform.h>

/* Largest capacity lf_spsc_init accepts (a power of two). */
#if SIZE_MAX > UINT32_MAX
#define LF_SPSC_MAX_CAPACITY ((size_t)1 << 32)
#else
#define LF_SPSC_MAX_CAPACITY ((size_t)1 << 24)
#endif

typedef struct lf_spsc {
    LF_CACHE_ALIGNED _Atomic(size_t) tail; /* written by the producer */
    size_t head_seen;                      /* producer's copy of head: never ahead of it */
    LF_CACHE_ALIGNED _Atomic(size_t) head; /* written by the consumer */
    size_t tail_seen;                      /* consumer's copy of tail: never ahead of it */
    LF_CACHE_ALIGNED void **slots;         /* immutable after init */
    size_t mask;                           /* capacity - 1 */
} lf_spsc;

/*
 * lf_spsc_init: an empty ring of capacity rounded up to a power of two.
 * q NULL, capacity 0 or above LF_SPSC_MAX_CAPACITY -> LF_EINVAL; the slot
 * array's allocation failing -> LF_ENOMEM; either way q is untouched.
 * Quiescent.
 */
static inline lf_status lf_spsc_init(lf_spsc *q, size_t capacity)
{
    if (q == NULL || capacity == 0 || capacity > LF_SPSC_MAX_CAPACITY)
        return LF_EINVAL;
    size_t n = 1;
    while (n < capacity)
        n <<= 1;
    size_t bytes = (n * sizeof(void *) + LF_CACHELINE - 1) / LF_CACHELINE * LF_CACHELINE;
    void **slots = (void **)LF_ALIGNED_ALLOC(LF_CACHELINE, bytes);
    if (slots == NULL)
        return LF_ENOMEM;
    q->slots = slots;
    q->mask = n - 1;
    /* relaxed: init is quiescent; whatever hands q to the two threads publishes it */
    atomic_store_explicit(&q->tail, 0, memory_order_relaxed);
    atomic_store_explicit(&q->head, 0, memory_order_relaxed);
    q->head_seen = 0;
    q->tail_seen = 0;
    return LF_OK;
}

/* Free slots as the producer sees them, re-reading head only if fewer than want. */
static inline size_t lf_spsc__room(lf_spsc *q, size_t tail, size_t want)
{
    size_t room = q->mask + 1 - (tail - q->head_seen);
    if (room < want) {
        /* (S4) acquire: pairs with (S3), so the consumer's reads of the
         * slots it freed happen before we overwrite them */
        q->head_seen = atomic_load_explicit(&q->head, memory_order_acquire);
        room = q->mask + 1 - (tail - q->head_seen);
    }
    return room;
}

/* Queued values as the consumer sees them, re-reading tail only if fewer than want. */
static inline size_t lf_spsc__ready(lf_spsc *q, size_t head, size_t want)
{
    size_t ready = q->tail_seen - head;
    if (ready < want) {
        /* (S2) acquire: pairs with (S1), so the slots up to tail are written */
        q->tail_seen = atomic_load_explicit(&q->tail, memory_order_acquire);
        ready = q->tail_seen - head;
    }
    return ready;
}

/*
 * lf_spsc_push: append value (NULL allowed).  Producer only.  LF_OK,
 * LF_FULL, or LF_EINVAL (q NULL).
 */
static inline lf_status lf_spsc_push(lf_spsc *q, void *value)
{
    if (q == NULL)
        return LF_EINVAL;
    /* relaxed: only the producer writes tail */
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (lf_spsc__room(q, tail, 1) == 0)
        return LF_FULL;
    q->slots[tail & q->mask] = value;
    LF_STRESS_POINT();
    /* (S1) release: publishes the slot to the consumer's (S2) */
    atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
    return LF_OK;
}

/*
 * lf_spsc_pop: remove the oldest value into *value.  Consumer only.
 * LF_OK, LF_EMPTY (*value untouched), or LF_EINVAL (q or value NULL).
 */
static inline lf_status lf_spsc_pop(lf_spsc *q, void **value)
{
    if (q == NULL || value == NULL)
        return LF_EINVAL;
    /* relaxed: only the consumer writes head */
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    if (lf_spsc__ready(q, head, 1) == 0)
        return LF_EMPTY;
    *value = q->slots[head & q->mask];
    LF_STRESS_POINT();
    /* (S3) release: our read of the slot happens before the producer's
     * (S4) sees it free */
    atomic_store_explicit(&q->head, head + 1, memory_order_release);
    return LF_OK;
}

/*
 * lf_spsc_push_bulk: push values[0..k) in order, k = as many of n as fit,
 * published together by one store; returns k.  Producer only.  q NULL, or
 * values NULL with n > 0: returns 0, nothing changes.
 */
static inline size_t lf_spsc_push_bulk(lf_spsc *q, void *const *values, size_t n)
{
    if (q == NULL || values == NULL || n == 0)
        return 0;
    /* relaxed: only the producer writes tail */
    size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    size_t room = lf_spsc__room(q, tail, n);
    size_t k = room < n ? room : n;
    if (k == 0)
        return 0;
    for (size_t i = 0; i < k; i++)
        q->slots[(tail + i) & q->mask] = values[i];
    LF_STRESS_POINT();
    /* (S1) release: publishes all k slots to the consumer's (S2) */
    atomic_store_explicit(&q->tail, tail + k, memory_order_release);
    return k;
}

/*
 * lf_spsc_pop_bulk: pop up to n values, oldest first, into values[0..k),
 * freeing their slots with one store; returns k.  Consumer only.  q NULL,
 * or values NULL with n > 0: returns 0, nothing changes.
 */
static inline size_t lf_spsc_pop_bulk(lf_spsc *q, void **values, size_t n)
{
    if (q == NULL || values == NULL || n == 0)
        return 0;
    /* relaxed: only the consumer writes head */
    size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    size_t ready = lf_spsc__ready(q, head, n);
    size_t k = ready < n ? ready : n;
    if (k == 0)
        return 0;
    for (size_t i = 0; i < k; i++)
        values[i] = q->slots[(head + i) & q->mask];
    LF_STRESS_POINT();
    /* (S3) release: our slot reads happen before the producer's (S4) */
    atomic_store_explicit(&q->head, head + k, memory_order_release);
    return k;
}

/* lf_spsc_capacity: exactly this many values fit.  Any thread. */
static inline size_t lf_spsc_capacity(const lf_spsc *q)
{
    return q->mask + 1;
}

/* lf_spsc_destroy: frees the slot array, not the values.  Quiescent. */
static inline void lf_spsc_destroy(lf_spsc *q)
{
    if (q == NULL)
        return;
    LF_FREE(q->slots);
    q->slots = NULL;
}

#endif /* LFKIT_SPSC_H */

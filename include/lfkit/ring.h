/*
 * lfkit/ring.h - bounded MPMC FIFO ring of void * values, lock-free.
 *
 * Source: R. Nikolaev, "A Scalable, Portable, and Memory-Efficient
 * Lock-Free FIFO Queue", DISC 2019 (full version arXiv:1908.04511): the
 * Scalable Circular Queue (SCQ) of indices, with its threshold and
 * catchup, and the queue of arbitrary values the paper builds from two
 * such rings ("aq" holds the indices of data slots in use, "fq" the free
 * ones).  lf_ring__index_enqueue and lf_ring__index_dequeue are SCQ's
 * enqueue and dequeue, lf_ring__catchup its catchup.  (The paper's section
 * and figure numbers could not be checked while this was written, so the
 * parts are named by content; docs/ring.md says the same.)
 *
 * Which calls may run concurrently with which:
 *
 *   call                 | concurrently with
 *   ---------------------+----------------------------------------------
 *   lf_ring_enqueue      | enqueue, dequeue, capacity (any threads)
 *   lf_ring_dequeue      | enqueue, dequeue, capacity (any threads)
 *   lf_ring_capacity     | everything but init and destroy
 *   lf_ring_init/destroy | nothing (quiescent)
 *
 * Closing (for lf_segqueue's segments, segqueue.h; never done to an
 * lf_ring).  The paper's unbounded queue (LSCQ) finalizes a full ring by
 * setting a bit in the tail of aq; from then on every aq enqueue whose
 * fetch-and-add returns the bit fails, so a finalized ring only drains.
 * Here that bit is LF_RING__CLOSED (bit 63 of tail: positions never reach
 * it), set by lf_ring__close (R14), preserved by catchup (R13) and masked
 * off wherever tail is read as a position.  lf_ring__index_drain is the
 * dequeue that a closed ring's last readers use: it ignores the threshold
 * and stops only when head has reached tail, so that every position an
 * enqueue took before the close has been taken by some dequeuer.  An
 * lf_ring's tail never carries the bit, so none of this changes lf_ring.
 *
 * The index rings.  A ring of capacity n (a power of two) has two index
 * rings of 2n entries each, as the paper requires for n indices.
 * Each entry is one 64-bit word:
 *
 *   bits [order+1, 64)  cycle: which lap of the ring wrote it
 *   bit  order          IsSafe (cleared by a dequeuer that had to skip an
 *                       entry an older lap still occupies)
 *   bits [0, order)     index, 0..n-1, or BOT (all ones: no index)
 *
 * where 2n = 1 << order.  head and tail are 64-bit position counters
 * advanced by fetch-and-add; position p maps to entry remap(p mod 2n) and
 * belongs to lap p >> order.  Enqueue takes a position and writes its
 * index there if the entry is from an older lap and empty (and either
 * safe, or head has not yet passed the position); dequeue takes a position
 * and consumes the entry if it is from the same lap, else marks the entry
 * so that no late enqueue fills a position its dequeuer has passed.  A
 * dequeuer that sees tail at or behind its position reports empty and
 * moves tail up to head (catchup), so tail never lags far behind.  The
 * threshold (3n - 1, reset by every successful enqueue, decremented by
 * every futile dequeue attempt) bounds the work of dequeuers on an empty
 * ring: when it is negative, dequeue returns at once (the paper's argument
 * that no value can be missed once 3n - 1 attempts failed).
 *
 * The values.  enqueue takes a free index i from fq (none left: LF_FULL),
 * writes the value to data[i] and puts i into aq; dequeue takes i from aq
 * (none: LF_EMPTY), reads data[i] and returns i to fq.  The ring is
 * linearizable because aq is: a value is in the ring from its aq enqueue
 * to its aq dequeue.  LF_EMPTY therefore means aq was empty at some point
 * during the call; LF_FULL means fq was, i.e. every index was held by a
 * queued value or by an enqueue or dequeue between its two index-ring
 * operations.  With no concurrent call exactly capacity values fit.
 *
 * Departures from the paper.
 *  - Positions start at 2n (lap 1) and entries at lap 0, and cycles are
 *    compared as plain unsigned numbers.  The paper's code compares
 *    wrapping cycles; here a 64-bit position would need 2^63 operations
 *    to overflow, so there is no wrap to handle.
 *  - remap (the paper's Cache_Remap) rotates the entry number left by
 *    log2(entries per cache line) bits, so consecutive positions fall on
 *    different cache lines; rings too small for that use the identity.
 *  - The paper's two empty markers (one written by OR on consumption, one
 *    by the dequeuer that skips an empty entry) are one here, BOT: both
 *    are treated alike by enqueue and dequeue.
 *
 * Progress: enqueue and dequeue are lock-free (the paper's proof); a thread stalled
 * anywhere inside an operation never stops the others.  Nothing is
 * allocated after init and nothing needs reclaiming.
 *
 * Memory order.  SCQ's correctness argument reasons about one total order
 * of all operations on head, tail, threshold and the entries (for
 * example, an enqueuer that finds an entry unsafe must see the head
 * advance of the dequeuer that marked it; a dequeuer's threshold and tail
 * checks are argued against the enqueues' entry writes).  So every access
 * to them is seq_cst, labelled (R1)..(R14) below: they are all in C11's
 * single total order S, and the paper's sequentially consistent argument
 * applies to them unchanged.  (No proof of SCQ under a weaker model is
 * known to us; on x86-64 these compile to the same instructions as
 * acquire/release except the rare threshold reset store.)  Every entry
 * write is a read-modify-write, so each entry's modifications form one
 * release sequence, and the seq_cst (so acquire) entry loads synchronise
 * with the enqueue that wrote the index they read.  That is what orders
 * the plain data[] slots, labelled (D1), (D2): see docs/ring.md.
 *
 * Memory: per place of capacity (after rounding to a power of two),
 * 2 index rings x 2 entries x 8 bytes + one void * = 40 bytes on 64-bit
 * targets, 36 on 32-bit ones, in one allocation, plus the lf_ring itself
 * (9 cache lines: 1152 bytes where LF_CACHELINE is 128).  2^24 places take 640 MiB.
 *
 * Alignment: lf_ring is aligned to LF_CACHELINE (each index ring's head,
 * tail and threshold have a line each); allocate it statically, on the
 * stack or with aligned_alloc.  Entries are 8-aligned on every target.
 */
#ifndef LFKIT_RING_H
#define LFKIT_RING_H

#include <lfkit/platform.h>

/* Largest capacity lf_ring_init accepts (a power of two). */
#if SIZE_MAX > UINT32_MAX
#define LF_RING_MAX_CAPACITY ((size_t)1 << 32)
#else
#define LF_RING_MAX_CAPACITY ((size_t)1 << 24)
#endif

/* The closed bit of an index ring's tail (see "Closing" above). */
#define LF_RING__CLOSED ((uint64_t)1 << 63)

/* One index-ring entry: cycle, IsSafe, index (see above). */
typedef struct lf_ring_entry {
    LF_ALIGNED(8) _Atomic(uint64_t) word;
} lf_ring_entry;

/* One SCQ ring of indices. */
typedef struct lf_ring_index {
    LF_CACHE_ALIGNED _Atomic(uint64_t) head;    /* next position to dequeue */
    LF_CACHE_ALIGNED _Atomic(uint64_t) tail;    /* next position to enqueue */
    LF_CACHE_ALIGNED _Atomic(int64_t) threshold; /* < 0: empty, dequeue returns at once */
    LF_CACHE_ALIGNED lf_ring_entry *entries;    /* 2n entries; immutable after init */
} lf_ring_index;

typedef struct lf_ring {
    LF_CACHE_ALIGNED size_t capacity; /* n, a power of two; immutable after init */
    unsigned order;                   /* 2n == 1 << order */
    unsigned remap_shift;             /* rotation of remap; 0: identity */
    void **data;                      /* n value slots, indexed by the indices */
    void *block;                      /* the one allocation */
    lf_ring_index aq;                 /* indices of slots holding queued values */
    lf_ring_index fq;                 /* indices of free slots */
} lf_ring;

/* Entry n of a position: the paper's Cache_Remap. */
static inline size_t lf_ring__remap(const lf_ring *r, uint64_t pos)
{
    uint64_t mask = ((uint64_t)1 << r->order) - 1;
    uint64_t e = pos & mask;
    if (r->remap_shift == 0)
        return (size_t)e;
    return (size_t)(((e << r->remap_shift) | (e >> (r->order - r->remap_shift))) & mask);
}

static inline uint64_t lf_ring__bot(const lf_ring *r)
{
    return ((uint64_t)1 << r->order) - 1;
}

static inline uint64_t lf_ring__safe(const lf_ring *r)
{
    return (uint64_t)1 << r->order;
}

/* The lap of a position, and the lap that wrote an entry word. */
static inline uint64_t lf_ring__pos_cycle(const lf_ring *r, uint64_t pos)
{
    return pos >> r->order;
}

static inline uint64_t lf_ring__word_cycle(const lf_ring *r, uint64_t word)
{
    return word >> (r->order + 1);
}

static inline uint64_t lf_ring__word(const lf_ring *r, uint64_t cycle, uint64_t safe,
                                     uint64_t index)
{
    return cycle << (r->order + 1) | safe | index;
}

/* The threshold an enqueue restores: 3n - 1. */
static inline int64_t lf_ring__threshold(const lf_ring *r)
{
    return (int64_t)(3 * r->capacity) - 1;
}

/*
 * SCQ enqueue: put index into q.  False only when q is closed (the
 * position came back with LF_RING__CLOSED): index is not in q.  Never
 * fails otherwise: q never holds more than n indices.
 */
static inline bool lf_ring__index_enqueue(lf_ring *r, lf_ring_index *q, uint64_t index)
{
    const uint64_t bot = lf_ring__bot(r), safe = lf_ring__safe(r);
    for (;;) {
        /* (R1) seq_cst: takes a position; in S with every head/tail access;
         * it is an RMW, so it reads the closing R14 if that came first in
         * tail's modification order */
        uint64_t t = atomic_fetch_add_explicit(&q->tail, 1, memory_order_seq_cst);
        if ((t & LF_RING__CLOSED) != 0)
            return false;
        uint64_t tcycle = lf_ring__pos_cycle(r, t);
        lf_ring_entry *e = &q->entries[lf_ring__remap(r, t)];
        /* (R2) seq_cst: reads the entry; acquire part pairs with the
         * dequeuer's marking CAS (R10) so a cleared IsSafe comes with that
         * dequeuer's head advance (R7) */
        uint64_t w = atomic_load_explicit(&e->word, memory_order_seq_cst);
        for (;;) {
            if (lf_ring__word_cycle(r, w) >= tcycle || (w & bot) != bot)
                break; /* a lap at least ours wrote it, or it is occupied */
            /* (R3) seq_cst: an unsafe entry may be filled only while no
             * dequeuer has passed position t (pairs with R7) */
            if ((w & safe) == 0 && atomic_load_explicit(&q->head, memory_order_seq_cst) > t)
                break;
            LF_STRESS_POINT();
            /* (R4) seq_cst: writes the index; its release part publishes
             * data[index] (D1) to the dequeuer's load (R8); on failure
             * re-examine the entry someone else changed */
            if (atomic_compare_exchange_strong_explicit(&e->word, &w,
                                                        lf_ring__word(r, tcycle, safe, index),
                                                        memory_order_seq_cst,
                                                        memory_order_seq_cst)) {
                /* (R5) seq_cst load and store: restore the threshold, in S
                 * after R4, for the dequeuers' checks (R6, R12) */
                if (atomic_load_explicit(&q->threshold, memory_order_seq_cst) !=
                    lf_ring__threshold(r))
                    atomic_store_explicit(&q->threshold, lf_ring__threshold(r),
                                          memory_order_seq_cst);
                return true;
            }
        }
    }
}

/* SCQ catchup: move tail (a raw word, closed bit included) up to head
 * after head overtook it, keeping the closed bit. */
static inline void lf_ring__catchup(lf_ring_index *q, uint64_t tail, uint64_t head)
{
    /* (R13) seq_cst: CAS of tail, and the reloads of head and tail, in S
     * with R1 and R7; on failure tail is reloaded into `tail`.  The bit
     * once set stays set: every CAS carries over the one it replaces */
    while (!atomic_compare_exchange_strong_explicit(&q->tail, &tail,
                                                    head | (tail & LF_RING__CLOSED),
                                                    memory_order_seq_cst,
                                                    memory_order_seq_cst)) {
        head = atomic_load_explicit(&q->head, memory_order_seq_cst);
        tail = atomic_load_explicit(&q->tail, memory_order_seq_cst);
        if ((tail & ~LF_RING__CLOSED) >= head)
            break;
        LF_STRESS_POINT();
    }
}

/*
 * SCQ dequeue: take the oldest index of q into *index; false when q is
 * empty.  counted: SCQ's dequeue, bounded by the threshold.  Not counted
 * (lf_ring__index_drain): the threshold is neither read nor decremented,
 * and false means head reached tail.
 */
static inline bool lf_ring__index_take(lf_ring *r, lf_ring_index *q, uint64_t *index,
                                       bool counted)
{
    const uint64_t bot = lf_ring__bot(r), safe = lf_ring__safe(r);
    /* (R6) seq_cst: a negative threshold means 3n - 1 attempts failed since
     * the last enqueue's reset (R5): empty */
    if (counted && atomic_load_explicit(&q->threshold, memory_order_seq_cst) < 0)
        return false;
    for (;;) {
        /* (R7) seq_cst: takes a position; in S with R1, R3 and R13 */
        uint64_t h = atomic_fetch_add_explicit(&q->head, 1, memory_order_seq_cst);
        uint64_t hcycle = lf_ring__pos_cycle(r, h);
        lf_ring_entry *e = &q->entries[lf_ring__remap(r, h)];
        /* (R8) seq_cst: reads the entry; acquire part synchronises with the
         * enqueue (R4) that wrote the index, through the entry's release
         * sequence (every later write to it is an RMW) */
        uint64_t w = atomic_load_explicit(&e->word, memory_order_seq_cst);
        for (;;) {
            uint64_t ecycle = lf_ring__word_cycle(r, w);
            if (ecycle == hcycle) {
                /* only the enqueue of position h writes lap(h) with an
                 * index (a dequeuer writes lap(h) only at its own h) */
                LF_STRESS_POINT();
                /* our lap's enqueue wrote it: consume.  (R9) seq_cst OR:
                 * index becomes BOT, cycle and IsSafe stay */
                atomic_fetch_or_explicit(&e->word, bot, memory_order_seq_cst);
                *index = w & bot;
                return true;
            }
            if (ecycle > hcycle)
                break; /* a later lap already used it: we were too slow */
            uint64_t marked;
            if ((w & bot) != bot) {
                /* an older lap's value not yet taken: make it unsafe for
                 * enqueues of our lap (they check head, R3) */
                marked = w & ~safe;
                if (marked == w)
                    break;
            } else {
                /* empty: advance it to our lap so our lap's enqueue fails */
                marked = lf_ring__word(r, hcycle, w & safe, bot);
            }
            LF_STRESS_POINT();
            /* (R10) seq_cst: mark the entry; pairs with R2 (see there) */
            if (atomic_compare_exchange_strong_explicit(&e->word, &w, marked,
                                                        memory_order_seq_cst,
                                                        memory_order_seq_cst))
                break;
        }
        /* nothing for us at h.  (R11) seq_cst: tail, in S with R1 and R13 */
        uint64_t t = atomic_load_explicit(&q->tail, memory_order_seq_cst);
        if ((t & ~LF_RING__CLOSED) <= h + 1) {
            LF_STRESS_POINT();
            lf_ring__catchup(q, t, h + 1);
            /* (R12) seq_cst: count the failed attempt (pairs with R5, R6) */
            if (counted)
                atomic_fetch_sub_explicit(&q->threshold, 1, memory_order_seq_cst);
            return false;
        }
        /* (R12) seq_cst: count it; out of attempts: empty */
        if (counted && atomic_fetch_sub_explicit(&q->threshold, 1, memory_order_seq_cst) <= 0)
            return false;
    }
}

static inline bool lf_ring__index_dequeue(lf_ring *r, lf_ring_index *q, uint64_t *index)
{
    return lf_ring__index_take(r, q, index, true);
}

/* Dequeue from a closed ring until head reaches tail (see "Closing"). */
static inline bool lf_ring__index_drain(lf_ring *r, lf_ring_index *q, uint64_t *index)
{
    return lf_ring__index_take(r, q, index, false);
}

/* Close q: every enqueue whose position comes after this fails (see "Closing"). */
static inline void lf_ring__close(lf_ring_index *q)
{
    /* (R14) seq_cst RMW: in tail's modification order with R1 and R13, so
     * every later R1 returns the bit; seq_cst like every head/tail access */
    atomic_fetch_or_explicit(&q->tail, LF_RING__CLOSED, memory_order_seq_cst);
}

/* Initialise q over entries: empty, or (full) holding indices 0..n-1 at positions 2n..3n-1. */
static inline void lf_ring__index_init(lf_ring *r, lf_ring_index *q, lf_ring_entry *entries,
                                       bool full)
{
    const uint64_t two_n = (uint64_t)1 << r->order, n = r->capacity;
    q->entries = entries;
    /* relaxed (here and below): init is quiescent; whatever hands r to
     * other threads publishes it */
    for (uint64_t p = 0; p < two_n; p++)
        atomic_store_explicit(&entries[p].word, lf_ring__word(r, 0, lf_ring__safe(r),
                                                              lf_ring__bot(r)),
                              memory_order_relaxed);
    if (full)
        for (uint64_t i = 0; i < n; i++)
            atomic_store_explicit(&entries[lf_ring__remap(r, two_n + i)].word,
                                  lf_ring__word(r, 1, lf_ring__safe(r), i), memory_order_relaxed);
    atomic_store_explicit(&q->head, two_n, memory_order_relaxed);
    atomic_store_explicit(&q->tail, full ? two_n + n : two_n, memory_order_relaxed);
    atomic_store_explicit(&q->threshold, full ? lf_ring__threshold(r) : -1,
                          memory_order_relaxed);
}

/*
 * lf_ring_init: an empty ring of capacity rounded up to a power of two.
 * r NULL, capacity 0 or above LF_RING_MAX_CAPACITY -> LF_EINVAL; the one
 * allocation (40 bytes a place on 64-bit targets) failing -> LF_ENOMEM;
 * either way r is untouched.  Quiescent.
 */
static inline lf_status lf_ring_init(lf_ring *r, size_t capacity)
{
    if (r == NULL || capacity == 0 || capacity > LF_RING_MAX_CAPACITY)
        return LF_EINVAL;
    size_t n = 1;
    unsigned order = 1; /* 2n == 1 << order */
    while (n < capacity) {
        n <<= 1;
        order++;
    }
    size_t entry_bytes = 2 * n * sizeof(lf_ring_entry);
    size_t bytes = 2 * entry_bytes + n * sizeof(void *);
    bytes = (bytes + LF_CACHELINE - 1) / LF_CACHELINE * LF_CACHELINE;
    void *block = LF_ALIGNED_ALLOC(LF_CACHELINE, bytes);
    if (block == NULL)
        return LF_ENOMEM;
    unsigned line_shift = 0;
    while (((size_t)1 << line_shift) < LF_CACHELINE / sizeof(lf_ring_entry))
        line_shift++;
    r->capacity = n;
    r->order = order;
    r->remap_shift = order > line_shift ? line_shift : 0;
    r->block = block;
    lf_ring_entry *entries = (lf_ring_entry *)block;
    r->data = (void **)(void *)((char *)block + 2 * entry_bytes);
    for (size_t i = 0; i < n; i++)
        r->data[i] = NULL;
    lf_ring__index_init(r, &r->aq, entries, false);
    lf_ring__index_init(r, &r->fq, entries + 2 * n, true);
    return LF_OK;
}

/*
 * lf_ring_enqueue: append value (any value, NULL too).  Any thread.
 * LF_OK, LF_FULL (see the top of this header), or LF_EINVAL for r NULL.
 */
static inline lf_status lf_ring_enqueue(lf_ring *r, void *value)
{
    if (r == NULL)
        return LF_EINVAL;
    uint64_t i;
    if (!lf_ring__index_dequeue(r, &r->fq, &i))
        return LF_FULL;
    /* (D1) plain: slot i is ours from taking i out of fq (R8 acquired the
     * fq enqueue R4 that freed it, after its dequeuer's read D2) until R4
     * publishes it in aq */
    r->data[i] = value;
    (void)lf_ring__index_enqueue(r, &r->aq, i); /* never closed: cannot fail */
    return LF_OK;
}

/*
 * lf_ring_dequeue: remove the oldest value into *value.  Any thread.
 * LF_OK, LF_EMPTY (never spurious: the ring was empty at some point during
 * the call; *value untouched), or LF_EINVAL for r or value NULL.
 */
static inline lf_status lf_ring_dequeue(lf_ring *r, void **value)
{
    if (r == NULL || value == NULL)
        return LF_EINVAL;
    uint64_t i;
    if (!lf_ring__index_dequeue(r, &r->aq, &i))
        return LF_EMPTY;
    /* (D2) plain: R8 acquired the aq enqueue R4 that published data[i] (D1);
     * the fq enqueue R4 below releases the slot to its next writer */
    *value = r->data[i];
    (void)lf_ring__index_enqueue(r, &r->fq, i); /* never closed: cannot fail */
    return LF_OK;
}

/* lf_ring_capacity: the rounded capacity (exactly this many values fit).  Any thread. */
static inline size_t lf_ring_capacity(const lf_ring *r)
{
    return r->capacity;
}

/* lf_ring_destroy: frees what init allocated, not the values.  Quiescent. */
static inline void lf_ring_destroy(lf_ring *r)
{
    if (r == NULL)
        return;
    LF_FREE(r->block);
    r->block = NULL;
    r->data = NULL;
}

#endif /* LFKIT_RING_H */

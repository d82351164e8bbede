/*
 * lfkit/deque.h - Chase-Lev work-stealing deque with a growable circular
 * buffer.
 *
 * Algorithm: D. Chase and Y. Lev, "Dynamic Circular Work-Stealing Deque",
 * SPAA 2005 (the circular array, its growth, and the owner's push/pop
 * against the thieves' steal).  Memory orders: N. M. Le, A. Pop, A. Cohen
 * and F. Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak
 * Memory Models", PPoPP 2013, Figure 1 (the C11 code; the paper proves the
 * ARM/POWER version), with the one correction found by model checking it
 * (B. Norris and B. Demsky, CDSChecker, OOPSLA 2013): resize must publish
 * the new buffer with a release store, read with acquire in steal.
 * lf_deque_push is Figure 1's push, lf_deque_pop its take, lf_deque_steal
 * its steal and lf_deque__grow its resize.  They follow it statement for
 * statement except in three places, each explained where it occurs: push
 * tests fullness against a stale copy of top ("The owner's copy of top"
 * below); push publishes bottom with a release store where Figure 1 has a
 * release fence and a relaxed store ("ThreadSanitizer"); and take's store
 * of bottom is release, not relaxed (see lf_deque_pop).
 *
 * Roles.  One thread, the owner, pushes and pops at the bottom (LIFO); any
 * number of threads (the owner too) steal at the top (FIFO).  Ownership
 * may move between threads only through a happens-before edge (thread
 * join, a mutex, a release/acquire hand-off); top_seen moves with it.
 *
 * Indices.  top and bottom are ever-increasing size_t counters; the items
 * live in slots [top, bottom) of the current buffer, slot i at
 * i & mask.  Only the owner writes bottom; top only ever grows, by a CAS
 * (a thief's steal, or the owner's pop of the last item).  Emptiness tests
 * use the signed difference (ptrdiff_t)(bottom - top), so the counters may
 * wrap around (take briefly stores bottom = top - 1 when the deque is
 * empty: the paper's Figure 1 writes "t <= b" on size_t, which misreads
 * that case).
 *
 * Progress.  push and pop are wait-free (push does one allocation when it
 * grows; pop does at most one CAS, and only for the last item).  steal is
 * lock-free: it fails with LF_RETRY only when another steal, or the
 * owner's pop of the last item, took the item it had read, so some
 * operation completed.
 *
 * Buffers.  A full push doubles the buffer: it copies slots [top, bottom)
 * into a new buffer twice the size and publishes it.  A thief that loaded
 * the old buffer pointer before the switch may still read a slot of it, so
 * an old buffer is never freed before lf_deque_destroy: each buffer links
 * to its predecessor and destroy frees the chain.  Bound: with a final
 * buffer of N slots grown from an initial C, the retired buffers hold
 * C + 2C + ... + N/2 = N - C < N slots, so the deque never uses more than
 * twice its current buffer.  Buffers never shrink.  (The copy is safe
 * because the item with index i sits in slot i & mask of every buffer
 * that holds it, and a slot of an old buffer is never written again.)
 *
 * The owner's copy of top.  Figure 1's push loads top on every call, a
 * load of the cache line every thief CASes.  Here the owner keeps
 * top_seen, the value its last acquire load of top returned, and tests
 * fullness against it: top only grows, so b - top_seen >= b - top, and a
 * deque that is not full by top_seen is not full.  Only when top_seen says
 * full does push load top again (acquire), and grow if it is still full.
 * The two things push needs from top hold with the stale value:
 *  - Slot reuse.  Writing item b into slot b & mask overwrites item
 *    b - capacity, which a thief may be reading (steal reads its slot
 *    before its CAS).  Should that thief's CAS succeed, its read must
 *    happen before the overwrite, or it could return item b as the old
 *    one.  push writes the slot only if top_seen > b - capacity, so the
 *    acquire load that returned top_seen read the CAS that took item
 *    b - capacity, or a later one; every write to top is a CAS, so the
 *    later ones continue that CAS's release sequence, and the owner
 *    synchronises with it.  A thief whose CAS fails may read item b, but
 *    discards it.
 *  - Growth copies [top_seen, b) with top_seen just re-read.  Items below
 *    it are taken for good (a thief holding a smaller top fails its CAS);
 *    items taken after the re-read are copied too, harmlessly.
 * pop and steal do not use top_seen.  It lags top by the steals and
 * last-item pops since push last looked, so push re-reads top at most
 * about once per that many pushes, and only when the deque looks full.
 *
 * Slots are _Atomic(void *) accessed relaxed: a thief reads a slot racily
 * (its CAS on top then decides whether the value it read counts), so plain
 * loads would be data races.
 *
 * ThreadSanitizer.  TSan does not model atomic_thread_fence (and gcc warns
 * about it under -fsanitize=thread).  Figure 1 needs three fences:
 *  - push's release fence before the store to bottom.  It orders only that
 *    store, so this code writes it, in every build, as a release store of
 *    bottom: the same edge (slot write -> thief's acquire load of bottom),
 *    and one TSan models.
 *  - the seq_cst fences in take (between the store to bottom and the load
 *    of top) and in steal (between the load of top and the load of
 *    bottom).  Under LF_TSAN each is replaced by making the two accesses
 *    around it seq_cst operations.  This is equivalent for the property
 *    the fences exist for (no item taken by both take and a steal): take's
 *    store of bottom and load of top, steal's loads of top and bottom, and
 *    the CAS on top are then all in the single total order S.  If take
 *    read a top older than the one a thief read, take's load precedes in S
 *    the CAS that wrote the thief's value, which precedes the thief's load
 *    of bottom; so that load follows take's store in S and reads it (or a
 *    later value), and the thief sees the item gone.  The fenced version
 *    gives the same order through the fences' positions in S.  In normal
 *    builds the fences are kept as in the paper.
 *
 * Alignment: lf_deque is aligned to LF_CACHELINE (top and bottom sit on
 * separate cache lines); allocate it statically, on the stack, or with
 * aligned_alloc.  Buffers are allocated with LF_MALLOC and freed with
 * LF_FREE (platform.h), so tests can inject allocation failure.
 */
#ifndef LFKIT_DEQUE_H
#define LFKIT_DEQUE_H

#include <lfkit/platform.h>

/*
 * One circular buffer: a header followed, in the same allocation, by
 * mask + 1 slots.  prev links to the buffer this one replaced (kept until
 * destroy, see "Buffers" above).
 */
typedef struct lf_deque_buffer {
    size_t mask;                      /* capacity - 1, capacity a power of two */
    struct lf_deque_buffer *prev;     /* the retired buffer this one replaced */
} lf_deque_buffer;

typedef struct lf_deque {
    /* Thieves' end: CAS'd by thieves and by the owner's pop of the last item. */
    LF_CACHE_ALIGNED _Atomic(size_t) top;
    /* Owner's end: written only by the owner, read by thieves. */
    LF_CACHE_ALIGNED _Atomic(size_t) bottom;
    /* Current buffer: written only by the owner when it grows. */
    _Atomic(lf_deque_buffer *) buffer;
    /* Owner only: the value push's last acquire load of top returned, so
       no newer than top (top only grows).  push tests fullness against it
       and re-reads top only when it says full, sparing a load of the
       thieves' line per push (see "The owner's copy of top"). */
    size_t top_seen;
} lf_deque;

/*
 * Largest capacity lf_deque_init accepts, and the largest a deque grows
 * to: a power of two whose buffer (header + slots) fits in half of size_t.
 */
#define LF_DEQUE_MAX_CAPACITY ((((size_t)-1 >> 1) / sizeof(void *) + 1) / 2)

/* The slots of buffer a: they follow the header in the same allocation. */
static inline _Atomic(void *) *lf_deque__slots(lf_deque_buffer *a)
{
    return (_Atomic(void *) *)(void *)(a + 1);
}

/* A new buffer of capacity slots (a power of two <= LF_DEQUE_MAX_CAPACITY), or NULL. */
static inline lf_deque_buffer *lf_deque__buffer_new(size_t capacity)
{
    lf_deque_buffer *a = (lf_deque_buffer *)LF_MALLOC(sizeof(lf_deque_buffer) +
                                                      capacity * sizeof(_Atomic(void *)));
    if (a == NULL)
        return NULL;
    a->mask = capacity - 1;
    a->prev = NULL;
    return a;
}

/*
 * lf_deque_init: capacity 0, or above LF_DEQUE_MAX_CAPACITY after
 * rounding up to a power of two, or d NULL -> LF_EINVAL; the buffer
 * allocation failing -> LF_ENOMEM.  Capacity is rounded up to a power of
 * two, at least 2.  Quiescent: d is not yet shared.
 */
static inline lf_status lf_deque_init(lf_deque *d, size_t capacity)
{
    if (d == NULL || capacity == 0 || capacity > LF_DEQUE_MAX_CAPACITY)
        return LF_EINVAL;
    size_t cap = 2;
    while (cap < capacity)
        cap <<= 1;
    lf_deque_buffer *a = lf_deque__buffer_new(cap);
    if (a == NULL)
        return LF_ENOMEM;
    /* relaxed: d is published to other threads by whatever hands it to them. */
    atomic_store_explicit(&d->top, 0, memory_order_relaxed);
    atomic_store_explicit(&d->bottom, 0, memory_order_relaxed);
    atomic_store_explicit(&d->buffer, a, memory_order_relaxed);
    d->top_seen = 0;
    return LF_OK;
}

/*
 * resize (Chase & Lev section 2.2): copy items [t, b) into a buffer twice
 * the size and publish it.  Owner only.  On allocation failure the deque
 * is untouched and NULL is returned.
 */
static inline lf_deque_buffer *lf_deque__grow(lf_deque *d, lf_deque_buffer *a, size_t t,
                                              size_t b)
{
    size_t cap = a->mask + 1;
    if (cap > LF_DEQUE_MAX_CAPACITY / 2)
        return NULL;
    lf_deque_buffer *na = lf_deque__buffer_new(cap * 2);
    if (na == NULL)
        return NULL;
    _Atomic(void *) *from = lf_deque__slots(a);
    _Atomic(void *) *to = lf_deque__slots(na);
    for (size_t i = t; i != b; i++) {
        /* relaxed: the owner reads its own writes; thieves read na's slots
           only after the release store of na below. */
        void *x = atomic_load_explicit(&from[i & a->mask], memory_order_relaxed);
        atomic_store_explicit(&to[i & na->mask], x, memory_order_relaxed);
    }
    na->prev = a;
    /* release: publishes na's header and copied slots to the acquire load
       of buffer in steal (Figure 1 stores it relaxed and loads it consume:
       the bug CDSChecker found). */
    atomic_store_explicit(&d->buffer, na, memory_order_release);
    return na;
}

/*
 * lf_deque_push (Figure 1, push, with the owner's copy of top): put item
 * at the bottom.  Owner only, concurrently with any number of
 * lf_deque_steal.  LF_OK; LF_ENOMEM when the deque is full and cannot
 * grow (item not added, deque intact); LF_EINVAL when d is NULL.
 */
static inline lf_status lf_deque_push(lf_deque *d, void *item)
{
    if (d == NULL)
        return LF_EINVAL;
    /* relaxed: only the owner writes bottom and buffer. */
    size_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    lf_deque_buffer *a = atomic_load_explicit(&d->buffer, memory_order_relaxed);
    if (b - d->top_seen > a->mask) {
        /* Full by the owner's last look at top: look again.  acquire: pairs
           with the release half of the seq_cst CAS on top (steal's, or
           pop's for the last item), so a winning thief's read of a slot
           happens before the owner reuses that slot after wrapping around.
           Slots reused while top_seen is stale were covered by the acquire
           load that returned it: the CASes on top form one release
           sequence (see "The owner's copy of top"). */
        d->top_seen = atomic_load_explicit(&d->top, memory_order_acquire);
        LF_STRESS_POINT();
        if (b - d->top_seen > a->mask) {
            a = lf_deque__grow(d, a, d->top_seen, b);
            if (a == NULL)
                return LF_ENOMEM;
        }
    }
    /* relaxed: published by the release store of bottom just below. */
    atomic_store_explicit(&lf_deque__slots(a)[b & a->mask], item, memory_order_relaxed);
    /* release (the paper's release fence then relaxed store): publishes the
       slot, and the item's contents, to the acquire load of bottom in
       steal. */
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
    return LF_OK;
}

/*
 * lf_deque_pop (Figure 1, take): take the item at the bottom (the one
 * pushed last).  Owner only, concurrently with any number of
 * lf_deque_steal.  LF_OK with *item set; LF_EMPTY (also when a thief won
 * the race for the last item); LF_EINVAL when d or item is NULL.
 */
static inline lf_status lf_deque_pop(lf_deque *d, void **item)
{
    if (d == NULL || item == NULL)
        return LF_EINVAL;
    /* relaxed: only the owner writes bottom and buffer. */
    size_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
    lf_deque_buffer *a = atomic_load_explicit(&d->buffer, memory_order_relaxed);
#if LF_TSAN
    /* seq_cst store and load in place of the fence (see "ThreadSanitizer"). */
    atomic_store_explicit(&d->bottom, b, memory_order_seq_cst);
    size_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
#else
    /* Store, then the seq_cst fence: claims slot b before reading top;
       pairs with the seq_cst fence in steal (between its loads of top and
       bottom), so a thief and this pop cannot both miss each other.
       release, where Figure 1 has relaxed: a thief that reads this value
       of bottom goes on to take an item below b, and needs the push that
       wrote that item to happen before its read of the slot.  C11's
       release sequences include later stores by the same thread, so
       there the acquire load of bottom would synchronise with the push
       through a relaxed store; C++20 dropped that rule, and this header
       is also C++.  Same instruction as relaxed on x86 (a plain store). */
    atomic_store_explicit(&d->bottom, b, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    size_t t = atomic_load_explicit(&d->top, memory_order_relaxed);
#endif
    if ((ptrdiff_t)(b - t) < 0) {
        /* Empty: restore bottom.  relaxed: top > b now, so a thief that
           reads this value finds the deque empty or fails its CAS; it
           takes nothing on the strength of it. */
        atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
        return LF_EMPTY;
    }
    /* relaxed: the owner wrote this slot itself. */
    void *x = atomic_load_explicit(&lf_deque__slots(a)[b & a->mask], memory_order_relaxed);
    if (b != t) {
        *item = x;
        return LF_OK;
    }
    /* The last item: race the thieves for it with the same CAS they use. */
    LF_STRESS_POINT();
    /* seq_cst: in the same total order as the thieves' CAS on top; relaxed
       on failure (a thief took it; nothing read depends on it). */
    bool won = atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                       memory_order_relaxed);
    /* relaxed: the deque is empty either way, bottom = top again; as for
       the restore above, no thief takes an item on the strength of it. */
    atomic_store_explicit(&d->bottom, b + 1, memory_order_relaxed);
    if (!won)
        return LF_EMPTY;
    *item = x;
    return LF_OK;
}

/*
 * lf_deque_steal (Figure 1, steal): take the item at the top (the oldest).
 * Any thread, concurrently with the owner's push/pop and other steals
 * (the owner too, between its own push and pop calls: to its own
 * operations it is just another thief).  LF_OK with *item set; LF_EMPTY; LF_RETRY when it lost the
 * race for the item to another steal or to the owner's pop (try again);
 * LF_EINVAL when d or item is NULL.
 */
static inline lf_status lf_deque_steal(lf_deque *d, void **item)
{
    if (d == NULL || item == NULL)
        return LF_EINVAL;
#if LF_TSAN
    /* seq_cst loads in place of the fence (see "ThreadSanitizer"); seq_cst
       includes the acquires below. */
    size_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
    size_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
#else
    /* acquire (as in Figure 1): pairs with the seq_cst CAS on top of the
       steal or pop that wrote t, so what that thread had seen of bottom
       and of the buffer is visible to the loads below. */
    size_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    /* seq_cst fence: pairs with the fence in pop (see there). */
    atomic_thread_fence(memory_order_seq_cst);
    /* acquire: pairs with the release store of bottom in push (or in pop,
       which push's happens before), making the slot, and the item it
       points to, visible. */
    size_t b = atomic_load_explicit(&d->bottom, memory_order_acquire);
#endif
    if ((ptrdiff_t)(b - t) <= 0)
        return LF_EMPTY;
    /* acquire (the paper's consume): pairs with the release store of a new
       buffer in lf_deque__grow. */
    lf_deque_buffer *a = atomic_load_explicit(&d->buffer, memory_order_acquire);
    /* relaxed: racy on purpose; the CAS below decides whether x counts. */
    void *x = atomic_load_explicit(&lf_deque__slots(a)[t & a->mask], memory_order_relaxed);
    LF_STRESS_POINT();
    /* seq_cst: one total order with pop's fence/CAS (the proof needs it);
       its release half pairs with the acquire load of top in push.
       relaxed on failure: x is discarded. */
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return LF_RETRY;
    *item = x;
    return LF_OK;
}

/*
 * lf_deque_size: number of items.  Any thread; exact when quiescent,
 * otherwise a value the deque had at some instant or close to it (0 when
 * d is NULL).
 */
static inline size_t lf_deque_size(const lf_deque *d)
{
    if (d == NULL)
        return 0;
    /* relaxed: a snapshot; callers that need ordering synchronise
       otherwise.  A concurrent pop may briefly make bottom < top: 0. */
    size_t t = atomic_load_explicit(&d->top, memory_order_relaxed);
    size_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
    return (ptrdiff_t)(b - t) > 0 ? b - t : 0;
}

/*
 * lf_deque_capacity: slots in the current buffer.  Owner only, or
 * quiescent.
 */
static inline size_t lf_deque_capacity(const lf_deque *d)
{
    /* relaxed: only the owner writes buffer. */
    return atomic_load_explicit(&d->buffer, memory_order_relaxed)->mask + 1;
}

/*
 * lf_deque_destroy: free the current buffer and every retired one.  Items
 * still in the deque are not touched.  Quiescent.  d may be NULL.
 */
static inline void lf_deque_destroy(lf_deque *d)
{
    if (d == NULL)
        return;
    /* relaxed: quiescent. */
    lf_deque_buffer *a = atomic_load_explicit(&d->buffer, memory_order_relaxed);
    while (a != NULL) {
        lf_deque_buffer *prev = a->prev;
        LF_FREE(a);
        a = prev;
    }
    atomic_store_explicit(&d->buffer, (lf_deque_buffer *)NULL, memory_order_relaxed);
}

#endif /* LFKIT_DEQUE_H */

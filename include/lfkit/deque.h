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
 * statement except in four places, each explained where it occurs: push
 * tests fullness against a stale copy of top ("The owner's copy of top"
 * below); push publishes bottom with a release store where Figure 1 has a
 * release fence and a relaxed store ("Fences"); take's store of bottom is
 * release, not relaxed (see lf_deque_pop); and resize initialises the new
 * buffer's slots that it does not copy ("Buffers").
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
 * Every slot of a buffer is initialised before the buffer is published:
 * init stores NULL in all of them, and growth, besides copying [t, b),
 * stores NULL in the others.  A thief whose top is stale reads a slot it
 * will not get (its CAS fails); that slot may lie outside the copied
 * range, and reading an atomic object never initialised is undefined in
 * C11.  The cost is one relaxed store per uncopied slot, capacity of them
 * per doubling, as many as the copy's: growth stays amortised O(1) per
 * push.
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
 * Fences.  Figure 1 has three:
 *  - push's release fence before the relaxed store of bottom.  It orders
 *    only that store, so this code writes it as a release store of bottom
 *    (P2): the same edge (slot write -> thief's acquire load of bottom),
 *    written as an access, in every build.
 *  - the seq_cst fences in take (T2, between its store of bottom and its
 *    load of top) and in steal (S2, between its loads of top and bottom),
 *    written lf_fence_seq_cst() (platform.h).  They exist for the property
 *    that no item is taken twice: if take's load of top (T3) read a value
 *    older than the one a thief's load of top (S1) read, T3 is
 *    coherence-ordered before the CAS that wrote the thief's value, so T2
 *    precedes that CAS, which precedes S2, in S; had the thief's load of
 *    bottom (S3) read a value older than take's store (T1), S2 would
 *    precede T2 in S (C++20 [atomics.order]p4): a contradiction, so the
 *    thief sees the item gone.
 *
 * ThreadSanitizer.  The TSan build runs exactly the code above: every
 * atomic access has the same order as in other builds, and T2 and S2 are
 * lf_fence_seq_cst(), a hardware fence TSan cannot see.  Both fences are
 * used only through their place in S, which restricts the values loads
 * may read (T2 orders the store T1 before the load T3, S2 the load S1
 * before the load S3); neither is used to synchronise.  Every
 * happens-before edge the deque needs is a release access read by an
 * acquire access (P2 -> S3 for the items, the CAS on top -> push's load
 * of top for slot reuse, the buffer store -> steal's buffer load), which
 * TSan models.  What TSan does not see: in C11 each seq_cst fence is also
 * a release and an acquire fence, so it synchronises relaxed atomics
 * around it (C11 7.17.4): for example, T3 reads a thief's CAS relaxed,
 * and the owner's next pop's fence then synchronises with that CAS.  No
 * lfkit code relies on that; a user who relies on it for ordering (this
 * header does not promise it) gets a TSan report where C11 has none.  TSan
 * sees no order the real build lacks, so it still reports a user's race
 * across a steal and a pop (tests/tsan_races/deque_steal_then_pop.c;
 * docs/tsan.md).
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
    /* relaxed (here and below): d is published to other threads by
       whatever hands it to them.  Every slot initialised ("Buffers"). */
    for (size_t i = 0; i < cap; i++)
        atomic_store_explicit(&lf_deque__slots(a)[i], (void *)NULL, memory_order_relaxed);
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
    /* relaxed, as the copy: the slots not copied, [b, t + 2 cap), get NULL,
       so a thief with a stale top never reads an uninitialised slot
       ("Buffers"). */
    for (size_t i = b; i != t + 2 * cap; i++)
        atomic_store_explicit(&to[i & na->mask], (void *)NULL, memory_order_relaxed);
    na->prev = a;
    /* (G1) release: publishes na's header and every slot to the acquire
       load of buffer in steal (S4) (Figure 1 stores it relaxed and loads it
       consume: the bug CDSChecker found). */
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
    /* Slot b is ours by top_seen, however far thieves have moved top since
       (it only grows): widen that window in stress builds. */
    LF_STRESS_POINT();
    /* (P1) relaxed: published by the release store of bottom just below. */
    atomic_store_explicit(&lf_deque__slots(a)[b & a->mask], item, memory_order_relaxed);
    /* (P2) release (the paper's release fence then relaxed store):
       publishes the slot, and the item's contents, to the acquire load of
       bottom in steal (S3). */
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
    /* (T1) Store, then the fence T2: claims slot b before reading top.
       release, where Figure 1 has relaxed: a thief that reads this value
       of bottom goes on to take an item below b, and needs the push that
       wrote that item to happen before its read of the slot.  C11's
       release sequences include later stores by the same thread, so
       there the acquire load of bottom would synchronise with the push
       through a relaxed store; C++20 dropped that rule, and this header
       is also C++.  Same instruction as relaxed on x86 (a plain store). */
    atomic_store_explicit(&d->bottom, b, memory_order_release);
    /* A thief may read top and the old bottom now: the window where the
       last item is raced for (and, were T2 missing, taken twice). */
    LF_STRESS_POINT();
    /* (T2) seq_cst fence: orders T1 before T3 in S; pairs with S2 in
       steal, so a thief and this pop cannot both miss each other ("Fences").
       Store before load only, no happens-before needed: invisible to TSan
       ("ThreadSanitizer"). */
    lf_fence_seq_cst();
    /* (T3) relaxed: the fence T2 orders it; nothing read depends on the
       thieves' writes (a non-last item is the owner's own; the last is
       decided by the CAS T4). */
    size_t t = atomic_load_explicit(&d->top, memory_order_relaxed);
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
    /* (T4) seq_cst: in the same total order as the thieves' CAS on top (S6);
       relaxed on failure (a thief took it; nothing read depends on it). */
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
    /* (S1) acquire (as in Figure 1): pairs with the seq_cst CAS on top (S6
       or T4) of the steal or pop that wrote t, so what that thread had
       seen of bottom and of the buffer is visible to the loads below. */
    size_t t = atomic_load_explicit(&d->top, memory_order_acquire);
    /* (S2) seq_cst fence: orders S1 before S3 in S; pairs with T2 in pop
       ("Fences").  Used for that order only, not to synchronise: invisible
       to TSan ("ThreadSanitizer"). */
    lf_fence_seq_cst();
    /* (S3) acquire: pairs with the release store of bottom in push (P2) or
       in pop (T1, which push's happens before), making the slot, and the
       item it points to, visible. */
    size_t b = atomic_load_explicit(&d->bottom, memory_order_acquire);
    if ((ptrdiff_t)(b - t) <= 0)
        return LF_EMPTY;
    /* (S4) acquire (the paper's consume): pairs with the release store of a
       new buffer in lf_deque__grow (G1). */
    lf_deque_buffer *a = atomic_load_explicit(&d->buffer, memory_order_acquire);
    /* (S5) relaxed: racy on purpose; the CAS below decides whether x counts. */
    void *x = atomic_load_explicit(&lf_deque__slots(a)[t & a->mask], memory_order_relaxed);
    LF_STRESS_POINT();
    /* (S6) seq_cst: one total order with pop's fence/CAS (the proof needs
       it); its release half pairs with the acquire load of top in push.
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

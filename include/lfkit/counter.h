/*
 * lfkit/counter.h - event counters: a plain atomic counter (fetch-add and
 * CAS-loop variants), a counter padded to its own cache line, and a sharded
 * counter with one padded slot per shard.
 *
 * Memory order: every operation here is relaxed.  A counter counts; it
 * publishes no other data, so there is nothing for an acquire or release to
 * order.  Atomicity alone makes the total exact: each increment is one
 * read-modify-write, and all RMWs on one object are totally ordered
 * (C11 5.1.2.4 p7, modification order).  A reader that needs the final total
 * after other threads stop must synchronise with them (thread join, or its
 * own acquire/release flag); then a relaxed load sees every increment.
 *
 * Sharding trades an exact instantaneous read for scalable updates: each
 * writer adds into its own cache line, so writers never contend; the sum
 * reads every line (see lf_sharded_counter_sum).
 *
 * Alignment: lf_padded_counter is aligned to, and exactly the size of,
 * LF_CACHELINE.  lf_counter is 8-byte aligned on every target (i686 gcc
 * would give an 8-byte atomic member 4: a 64-bit atomic straddling a cache
 * line is a split lock, and its loads there can tear).  lf_sharded_counter
 * has natural alignment.
 */
#ifndef LFKIT_COUNTER_H
#define LFKIT_COUNTER_H

#include <lfkit/platform.h>

typedef struct lf_counter {
    LF_ALIGNED(8) _Atomic(uint64_t) value;
} lf_counter;

LF_STATIC_ASSERT(sizeof(lf_counter) == 8 && LF_ALIGNOF(lf_counter) == 8,
                 "lf_counter: one 8-aligned 64-bit word on every target");

/* Static initialiser: lf_counter c = LF_COUNTER_INIT(0); */
#define LF_COUNTER_INIT(v) { (v) }

/* Quiescent: no other thread may use c yet. */
static inline void lf_counter_init(lf_counter *c, uint64_t v)
{
    atomic_store_explicit(&c->value, v, memory_order_relaxed); /* relaxed: published by whatever hands c to other threads */
}

/* Any thread, concurrently with every counter operation. */
static inline uint64_t lf_counter_load(const lf_counter *c)
{
    return atomic_load_explicit(&c->value, memory_order_relaxed); /* relaxed: a count orders nothing (see top) */
}

/* Any thread.  One atomic fetch-add; returns the value before the add. */
static inline uint64_t lf_counter_fetch_add(lf_counter *c, uint64_t n)
{
    return atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed); /* relaxed: atomic RMW, orders nothing */
}

/*
 * Any thread.  The same as lf_counter_fetch_add but as a load + CAS retry
 * loop, the shape every lock-free update takes when no single instruction
 * does the job; kept so benchmarks can show what the loop costs.
 * Returns the value before the add.
 */
static inline uint64_t lf_counter_cas_add(lf_counter *c, uint64_t n)
{
    uint64_t seen = atomic_load_explicit(&c->value, memory_order_relaxed); /* relaxed: only a CAS guess */
    for (;;) {
        LF_STRESS_POINT();
        /* relaxed both ways: the CAS itself makes the add atomic; on failure `seen` is refreshed */
        if (atomic_compare_exchange_weak_explicit(&c->value, &seen, seen + n,
                                                  memory_order_relaxed, memory_order_relaxed))
            return seen;
    }
}

/*
 * Any thread.  Strong CAS: if c holds *expected, store desired and return
 * true; otherwise write the current value to *expected and return false.
 * Relaxed like every counter operation: do not use it to publish data.
 */
static inline bool lf_counter_cas(lf_counter *c, uint64_t *expected, uint64_t desired)
{
    return atomic_compare_exchange_strong_explicit(&c->value, expected, desired,
                                                   memory_order_relaxed, /* relaxed: orders nothing else */
                                                   memory_order_relaxed);
}

/* A counter alone on its cache line: sizeof == alignof == LF_CACHELINE. */
typedef struct lf_padded_counter {
    LF_CACHE_ALIGNED _Atomic(uint64_t) value;
} lf_padded_counter;

LF_STATIC_ASSERT(sizeof(lf_padded_counter) == LF_CACHELINE &&
                     LF_ALIGNOF(lf_padded_counter) == LF_CACHELINE,
                 "lf_padded_counter: exactly one cache line");

/* Quiescent. */
static inline void lf_padded_counter_init(lf_padded_counter *c, uint64_t v)
{
    atomic_store_explicit(&c->value, v, memory_order_relaxed); /* relaxed: published by whatever hands c over */
}

/* Any thread.  Returns the value before the add. */
static inline uint64_t lf_padded_counter_fetch_add(lf_padded_counter *c, uint64_t n)
{
    return atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed); /* relaxed: atomic RMW, orders nothing */
}

/* Any thread. */
static inline uint64_t lf_padded_counter_load(const lf_padded_counter *c)
{
    return atomic_load_explicit(&c->value, memory_order_relaxed); /* relaxed: a count orders nothing */
}

/*
 * Owner of c only (one writer at a time).  Adds n without a read-modify-
 * write: a plain load and store of the owner's own line, no lock prefix,
 * the per-CPU counter of kernels.  Never mixed with
 * lf_padded_counter_fetch_add on the same counter; handing it to another
 * writer needs the caller's own synchronisation (a join, a mutex, a
 * release/acquire hand-off).
 */
static inline void lf_padded_counter_add_owned(lf_padded_counter *c, uint64_t n)
{
    /* (O1) relaxed load: only the owner writes the counter, so this reads
       its own last store (coherence); no other thread's write to order after. */
    uint64_t old = atomic_load_explicit(&c->value, memory_order_relaxed);
    /* (O2) relaxed store: atomic only so that a concurrent load (a sum)
       reads a whole value; what makes a total exact when quiescent is the
       caller's own synchronisation with the owner (e.g. a join). */
    atomic_store_explicit(&c->value, old + n, memory_order_relaxed);
}

/*
 * A counter split over nshards padded slots.  Give each thread its own
 * shard (e.g. its thread index) and additions never share a cache line.
 */
typedef struct lf_sharded_counter {
    lf_padded_counter *slots;
    unsigned nshards;
} lf_sharded_counter;

/*
 * Quiescent.  Allocates nshards padded slots, all zero.
 * LF_EINVAL: c is NULL or nshards is 0.  LF_ENOMEM: allocation failed
 * (c is left untouched).
 */
static inline lf_status lf_sharded_counter_init(lf_sharded_counter *c, unsigned nshards)
{
    if (c == NULL || nshards == 0)
        return LF_EINVAL;
    size_t bytes = (size_t)nshards * sizeof(lf_padded_counter);
    if (bytes / sizeof(lf_padded_counter) != nshards) /* overflow, on 32-bit size_t */
        return LF_EINVAL;
    lf_padded_counter *slots = (lf_padded_counter *)LF_ALIGNED_ALLOC(LF_CACHELINE, bytes);
    if (slots == NULL)
        return LF_ENOMEM;
    for (unsigned i = 0; i < nshards; i++)
        lf_padded_counter_init(&slots[i], 0);
    c->slots = slots;
    c->nshards = nshards;
    return LF_OK;
}

/*
 * Any thread.  The slot that shard maps to (shard mod nshards).  For a
 * thread that adds to its own shard in a loop: look the slot up once and
 * call lf_padded_counter_add_owned on it, which saves the two loads of c
 * (slots, nshards) that every lf_sharded_counter_add_owned repeats: an
 * atomic store is a compiler barrier, so they are not hoisted out of a
 * caller's loop (docs/BENCHMARKS.md measures the difference).
 */
static inline lf_padded_counter *lf_sharded_counter_shard(lf_sharded_counter *c, unsigned shard)
{
    return &c->slots[shard < c->nshards ? shard : shard % c->nshards];
}

/* Any thread.  Adds n to slot (shard mod nshards). */
static inline void lf_sharded_counter_add(lf_sharded_counter *c, unsigned shard, uint64_t n)
{
    /* The usual caller passes its thread index, already below nshards: skip
       the division then (it cost about 15% of an uncontended add here). */
    lf_padded_counter_fetch_add(lf_sharded_counter_shard(c, shard), n);
}

/*
 * lf_sharded_counter_add_owned: adds n to the slot shard mod nshards
 * without a read-modify-write, for the slot's owner only: one thread at a
 * time owns a slot, never mixed with lf_sharded_counter_add on that slot
 * (see lf_padded_counter_add_owned).  lf_sharded_counter_sum stays exact
 * when quiescent.
 */
static inline void lf_sharded_counter_add_owned(lf_sharded_counter *c, unsigned shard, uint64_t n)
{
    lf_padded_counter_add_owned(lf_sharded_counter_shard(c, shard), n);
}

/*
 * Any thread.  The sum of all slots.  Exact when no add runs concurrently;
 * otherwise some value between the totals before and after those adds
 * (each slot is read once, at some moment during the call).
 */
static inline uint64_t lf_sharded_counter_sum(const lf_sharded_counter *c)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < c->nshards; i++)
        sum += lf_padded_counter_load(&c->slots[i]);
    return sum;
}

/* Quiescent.  Frees the slots; c may be initialised again afterwards. */
static inline void lf_sharded_counter_destroy(lf_sharded_counter *c)
{
    if (c == NULL)
        return;
    LF_FREE(c->slots);
    c->slots = NULL;
    c->nshards = 0;
}

#endif /* LFKIT_COUNTER_H */

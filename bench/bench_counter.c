/*
 * Counter benchmarks.
 *  counter:       every thread increments one shared counter (lf fetch-add,
 *                 lf CAS loop, pthread mutex, Concurrency Kit ck_pr_faa_64)
 *                 against lf_sharded_counter, where each thread adds into
 *                 its own shard.
 *  false_sharing: every thread increments its own counter; the counters are
 *                 packed in one array (sharing cache lines), padded to 64 or
 *                 to 128 bytes, or lf_sharded_counter's LF_CACHELINE slots,
 *                 added to by fetch-add (lf_sharded) or by their owner's
 *                 load and store (lf_sharded_owned: add_owned, which looks
 *                 the slot up per call; lf_sharded_shard_owned: the slot
 *                 looked up once, lf_padded_counter_add_owned), against plain_store:
 *                 a 128-byte padded slot bumped by a relaxed load and store,
 *                 the limit for counting (no lock prefix, no sharing).
 * Each trial checks that the counters hold exactly the increments done.
 */
#include "bench.h"

#include <ck_pr.h>
#include <lfkit/counter.h>
#include <pthread.h>
#include <stdlib.h>

enum { BATCH = 64, MAX_THREADS = 256 };

typedef struct padded64 {
    _Alignas(64) _Atomic(uint64_t) value;
} padded64;

typedef struct padded128 {
    _Alignas(128) _Atomic(uint64_t) value;
} padded128;

typedef struct counter_state {
    lf_counter shared;
    _Alignas(128) uint64_t ck_value;
    _Alignas(128) pthread_mutex_t lock;
    uint64_t locked_value;
    _Alignas(128) _Atomic(uint64_t) packed[MAX_THREADS];
    padded64 pad64[MAX_THREADS];
    padded128 pad128[MAX_THREADS];
    lf_sharded_counter sharded;
    unsigned nthreads;
    uint64_t done[MAX_THREADS]; /* increments per thread, written once at the end */
} counter_state;

static void *counter_setup(unsigned nthreads)
{
    counter_state *s = (counter_state *)harness_alloc(128, sizeof *s);
    lf_counter_init(&s->shared, 0);
    pthread_mutex_init(&s->lock, NULL);
    if (lf_sharded_counter_init(&s->sharded, nthreads) != LF_OK)
        abort();
    s->nthreads = nthreads;
    return s;
}

static void counter_teardown(void *p)
{
    counter_state *s = (counter_state *)p;
    lf_sharded_counter_destroy(&s->sharded);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static uint64_t total_done(const counter_state *s)
{
    uint64_t t = 0;
    for (unsigned i = 0; i < s->nthreads; i++)
        t += s->done[i];
    return t;
}

/*
 * Each entry is one increment over counter_state (the adapters below); one
 * loop runs them all.  `mine` is the thread's lf_sharded_counter slot,
 * looked up once before the loop as an owner would (lf_sharded_shard_owned
 * adds through it); the other entries ignore it.
 */
typedef struct counter_ops {
    void (*add)(counter_state *s, unsigned tid, lf_padded_counter *mine);
} counter_ops;

BENCH_INLINE void fetch_add_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    (void)tid;
    lf_counter_fetch_add(&s->shared, 1);
}

BENCH_INLINE void cas_add_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    (void)tid;
    lf_counter_cas_add(&s->shared, 1);
}

BENCH_INLINE void ck_faa_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    (void)tid;
    ck_pr_faa_64(&s->ck_value, 1);
}

BENCH_INLINE void mutex_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    (void)tid;
    pthread_mutex_lock(&s->lock);
    s->locked_value++;
    pthread_mutex_unlock(&s->lock);
}

BENCH_INLINE void sharded_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    lf_sharded_counter_add(&s->sharded, tid, 1);
}

BENCH_INLINE void packed_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    atomic_fetch_add_explicit(&s->packed[tid], 1, memory_order_relaxed); /* relaxed: a count */
}

BENCH_INLINE void pad64_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    atomic_fetch_add_explicit(&s->pad64[tid].value, 1, memory_order_relaxed); /* relaxed: a count */
}

BENCH_INLINE void pad128_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    atomic_fetch_add_explicit(&s->pad128[tid].value, 1, memory_order_relaxed); /* relaxed: a count */
}

BENCH_INLINE void sharded_owned_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    lf_sharded_counter_add_owned(&s->sharded, tid, 1);
}

BENCH_INLINE void shard_owned_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)s;
    (void)tid;
    lf_padded_counter_add_owned(mine, 1);
}

BENCH_INLINE void plain_store_add(counter_state *s, unsigned tid, lf_padded_counter *mine)
{
    (void)mine;
    /* relaxed load and store: the slot has one writer; a count */
    uint64_t v = atomic_load_explicit(&s->pad128[tid].value, memory_order_relaxed);
    atomic_store_explicit(&s->pad128[tid].value, v + 1, memory_order_relaxed);
}

static const counter_ops fetch_add_ops = {fetch_add_add}, cas_add_ops = {cas_add_add}, ck_faa_ops = {ck_faa_add},
                         mutex_ops = {mutex_add}, sharded_ops = {sharded_add}, packed_ops = {packed_add},
                         pad64_ops = {pad64_add}, pad128_ops = {pad128_add},
                         sharded_owned_ops = {sharded_owned_add}, shard_owned_ops = {shard_owned_add},
                         plain_store_ops = {plain_store_add};

/* Increments until stop; returns them (and leaves them in done[tid] for the check). */
BENCH_INLINE uint64_t counter_run(const counter_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    counter_state *s = (counter_state *)p;
    lf_padded_counter *mine = lf_sharded_counter_shard(&s->sharded, tid);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++)
            ops->add(s, tid, mine);
        n += BATCH;
    }
    s->done[tid] = n;
    return n;
}

#define COUNTER_ENTRY_FNS(X)                                                                          \
    static uint64_t X##_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)        \
    {                                                                                                 \
        (void)nthreads;                                                                               \
        return counter_run(&X##_ops, p, tid, stop);                                                   \
    }

COUNTER_ENTRY_FNS(fetch_add)
COUNTER_ENTRY_FNS(cas_add)
COUNTER_ENTRY_FNS(ck_faa)
COUNTER_ENTRY_FNS(mutex)
COUNTER_ENTRY_FNS(sharded)
COUNTER_ENTRY_FNS(packed)
COUNTER_ENTRY_FNS(pad64)
COUNTER_ENTRY_FNS(pad128)
COUNTER_ENTRY_FNS(sharded_owned)
COUNTER_ENTRY_FNS(shard_owned)
COUNTER_ENTRY_FNS(plain_store)

/* The checks, after the trial (each shared by the entries counting into the same place). */
static const char *wrong(bool ok)
{
    return ok ? NULL : "counter total differs from the increments done";
}
static const char *check_shared(void *p)
{
    counter_state *s = (counter_state *)p;
    return wrong(lf_counter_load(&s->shared) == total_done(s));
}
static const char *check_ck(void *p)
{
    counter_state *s = (counter_state *)p;
    return wrong(ck_pr_load_64(&s->ck_value) == total_done(s));
}
static const char *check_mutex(void *p)
{
    counter_state *s = (counter_state *)p;
    return wrong(s->locked_value == total_done(s));
}
static const char *check_sharded(void *p)
{
    counter_state *s = (counter_state *)p;
    return wrong(lf_sharded_counter_sum(&s->sharded) == total_done(s));
}
static const char *check_per_thread(void *p)
{
    counter_state *s = (counter_state *)p;
    for (unsigned i = 0; i < s->nthreads; i++) {
        uint64_t got = atomic_load_explicit(&s->packed[i], memory_order_relaxed) +
                       atomic_load_explicit(&s->pad64[i].value, memory_order_relaxed) +
                       atomic_load_explicit(&s->pad128[i].value, memory_order_relaxed);
        if (got != s->done[i])
            return "a per-thread counter differs from its thread's increments";
    }
    return NULL;
}

static const bench_entry counter_entries[] = {
    {"mutex", counter_setup, mutex_run, check_mutex, counter_teardown},
    {"ck_pr_faa_64", counter_setup, ck_faa_run, check_ck, counter_teardown},
    {"lf_fetch_add", counter_setup, fetch_add_run, check_shared, counter_teardown},
    {"lf_cas_add", counter_setup, cas_add_run, check_shared, counter_teardown},
    {"lf_sharded", counter_setup, sharded_run, check_sharded, counter_teardown},
};

const bench_family bench_counter = {
    "counter", "increments of one shared counter (lf_sharded: one shard per thread)", false,
    {1, 2, 4, 0}, {"mutex", "lf_fetch_add", NULL},
    counter_entries, sizeof counter_entries / sizeof counter_entries[0],
};

static const bench_entry false_sharing_entries[] = {
    {"packed", counter_setup, packed_run, check_per_thread, counter_teardown},
    {"padded64", counter_setup, pad64_run, check_per_thread, counter_teardown},
    {"padded128", counter_setup, pad128_run, check_per_thread, counter_teardown},
    {"lf_sharded", counter_setup, sharded_run, check_sharded, counter_teardown},
    {"lf_sharded_owned", counter_setup, sharded_owned_run, check_sharded, counter_teardown},
    {"lf_sharded_shard_owned", counter_setup, shard_owned_run, check_sharded, counter_teardown},
    {"plain_store", counter_setup, plain_store_run, check_per_thread, counter_teardown},
};

const bench_family bench_false_sharing = {
    "false_sharing", "per-thread counters: packed in one array vs padded to 64 / 128 bytes; owner-only slots", false,
    {1, 2, 4, 0}, {"packed", "lf_sharded", "plain_store"},
    false_sharing_entries, sizeof false_sharing_entries / sizeof false_sharing_entries[0],
};

/*
 * The bounded rings (lf_ring, lf_spsc) and the MPSC queue (lf_mpsc) under
 * stress, through one driver.
 *
 * P producers put (producer, seq) values, seq = 0, 1, 2, ... (producer 0's
 * first value is NULL); C consumers take until every producer has finished
 * and the container is empty.  Checks:
 *  - per-producer FIFO: every consumer sees each producer's values with
 *    strictly increasing seq;
 *  - exactly once: a bit per value, set when taken (a second take fails at
 *    once), all set at the end for every value put;
 *  - no spurious LF_EMPTY: where there is one consumer, it reads the
 *    producers' count of completed puts before each take; an LF_EMPTY (or
 *    a short pop_bulk) while it has taken fewer fails;
 *  - no spurious LF_FULL: where there is one producer and one consumer,
 *    the producer reads the consumer's count of completed takes before
 *    each put; LF_FULL (or a short push_bulk) with fewer than capacity
 *    values outstanding fails (a value the consumer is still taking counts
 *    as outstanding, so it covers the place a dequeue in progress holds);
 *  - pairs (ring_pairs): every thread puts one value, then takes one; with
 *    at least as many places as threads neither LF_FULL nor LF_EMPTY may
 *    ever be returned.
 * lf_spsc runs with random batch sizes (push_bulk, pop_bulk and single
 * calls mixed); lf_mpsc producers allocate each node and the consumer
 * frees it at once (ASan sees any later access).  Thread counts exceed the
 * 2 CPUs the suite is sized for: 3P1C, 4P4C, and --threads for pairs.
 */
#include "stress.h"

#include <lfkit/mpsc.h>
#include <lfkit/ring.h>
#include <lfkit/spsc.h>
#include <stdlib.h>

enum { RING_MAX_PER_PRODUCER = 1u << 25, RING_MAX_PRODUCERS = 64, RING_MAX_BATCH = 8,
       MPSC_MAX_BACKLOG = 4096, RING_SPINS_BEFORE_YIELD = 64 };

typedef enum ring_kind { KIND_RING, KIND_SPSC, KIND_MPSC } ring_kind;

typedef struct mpsc_item {
    lf_mpsc_node link;
    void *value;
} mpsc_item;

typedef struct ring_run {
    lf_ring ring;
    lf_spsc spsc;
    lf_mpsc mpsc;
    ring_kind kind;
    stress_report *r;
    const stress_opts *o;
    unsigned producers, consumers;
    bool pairs;
    size_t capacity;
    LF_CACHE_ALIGNED _Atomic(uint64_t) put_done;   /* completed puts, all producers */
    LF_CACHE_ALIGNED _Atomic(uint64_t) taken_done; /* completed takes, all consumers */
    LF_CACHE_ALIGNED _Atomic(unsigned) producers_done;
    _Atomic(bool) abort;
    uint64_t produced[RING_MAX_PRODUCERS];         /* per producer: values put */
    _Atomic(uint64_t) *seen[RING_MAX_PRODUCERS];   /* per producer: a bit per seq */
} ring_run;

/* A value: the producer above bit 25, its seq (< RING_MAX_PER_PRODUCER = 2^25) below,
   so 64 producers fit 31 bits: 32-bit pointers too. */
enum { RING_SEQ_SHIFT = 25 };
static void *ring_value(unsigned producer, uint64_t seq)
{
    return (void *)(uintptr_t)((uint64_t)producer << RING_SEQ_SHIFT | seq);
}

static bool ring_failed(ring_run *s)
{
    return atomic_load_explicit(&s->abort, memory_order_relaxed);
}

static bool ring_fail(ring_run *s, const char *what, uint64_t a, uint64_t b)
{
    atomic_store(&s->abort, true);
    return stress_fail(s->r, "%s (%llu, %llu)", what, (unsigned long long)a,
                       (unsigned long long)b);
}

/* Put values[0..n): how many went in (the rest found the container full). */
static size_t ring_put(ring_run *s, void *const *values, size_t n)
{
    switch (s->kind) {
    case KIND_SPSC:
        if (n == 1)
            return lf_spsc_push(&s->spsc, values[0]) == LF_OK;
        return lf_spsc_push_bulk(&s->spsc, values, n);
    case KIND_RING:
        for (size_t i = 0; i < n; i++)
            if (lf_ring_enqueue(&s->ring, values[i]) != LF_OK)
                return i;
        return n;
    case KIND_MPSC:
        for (size_t i = 0; i < n; i++) {
            mpsc_item *it = (mpsc_item *)malloc(sizeof *it);
            if (it == NULL)
                return i;
            it->value = values[i];
            lf_mpsc_push(&s->mpsc, &it->link);
        }
        return n;
    }
    return 0;
}

/* Take up to n values: how many were taken; *retry: an lf_mpsc pop said LF_RETRY. */
static size_t ring_take(ring_run *s, void **values, size_t n, bool *retry)
{
    *retry = false;
    switch (s->kind) {
    case KIND_SPSC:
        if (n == 1)
            return lf_spsc_pop(&s->spsc, values) == LF_OK;
        return lf_spsc_pop_bulk(&s->spsc, values, n);
    case KIND_RING:
        for (size_t i = 0; i < n; i++)
            if (lf_ring_dequeue(&s->ring, &values[i]) != LF_OK)
                return i;
        return n;
    case KIND_MPSC:
        for (size_t i = 0; i < n; i++) {
            lf_mpsc_node *node;
            lf_status st = lf_mpsc_pop(&s->mpsc, &node);
            if (st != LF_OK) {
                *retry = st == LF_RETRY;
                return i;
            }
            mpsc_item *it = lf_container_of(node, mpsc_item, link);
            values[i] = it->value;
            free(it); /* the popped node is ours at once */
        }
        return n;
    }
    return 0;
}

/* Record one taken value: FIFO per producer (last[]) and exactly once. */
static bool ring_account(ring_run *s, void *v, int64_t *last)
{
    uint64_t x = (uint64_t)(uintptr_t)v;
    unsigned p = (unsigned)(x >> RING_SEQ_SHIFT);
    int64_t seq = (int64_t)(x & (RING_MAX_PER_PRODUCER - 1));
    if (p >= s->producers || seq >= RING_MAX_PER_PRODUCER)
        return ring_fail(s, "took a value never put", p, (uint64_t)seq);
    if (seq <= last[p])
        return ring_fail(s, "FIFO broken: producer, seq after a later one", p, (uint64_t)seq);
    last[p] = seq;
    uint64_t bit = UINT64_C(1) << (seq % 64);
    /* relaxed RMW: RMWs on one word are totally ordered, so a duplicate sees its bit */
    if (atomic_fetch_or_explicit(&s->seen[p][seq / 64], bit, memory_order_relaxed) & bit)
        return ring_fail(s, "taken twice: producer, seq", p, (uint64_t)seq);
    return true;
}

/* A batch size: 1 for lf_ring and lf_mpsc, 1..RING_MAX_BATCH for lf_spsc. */
static size_t ring_batch(const ring_run *s, uint64_t *rng)
{
    return s->kind == KIND_SPSC ? (size_t)(harness_rand(rng) % RING_MAX_BATCH) + 1 : 1;
}

static void ring_wait(unsigned *spins)
{
    if (++*spins % RING_SPINS_BEFORE_YIELD == 0)
        sched_yield();
    else
        lf_cpu_relax();
}

static void ring_producer(ring_run *s, unsigned p)
{
    uint64_t rng = stress_seed(s->o, p);
    uint64_t seq = 0;
    bool check_full = s->producers == 1 && s->consumers == 1;
    unsigned spins = 0;
    while (stress_running(s->r) && seq < RING_MAX_PER_PRODUCER - RING_MAX_BATCH &&
           !ring_failed(s)) {
        void *batch[RING_MAX_BATCH];
        size_t n = ring_batch(s, &rng);
        for (size_t i = 0; i < n; i++)
            batch[i] = ring_value(p, seq + i);
        if (s->kind == KIND_MPSC)
            /* relaxed: a rough backlog bound; nothing is read through it */
            while ((int64_t)(atomic_load_explicit(&s->put_done, memory_order_relaxed) -
                             atomic_load_explicit(&s->taken_done, memory_order_relaxed)) >
                       MPSC_MAX_BACKLOG &&
                   stress_running(s->r) && !ring_failed(s))
                sched_yield();
        /* acquire: pairs with the consumer's release count; a lower bound on takes done */
        uint64_t taken = atomic_load_explicit(&s->taken_done, memory_order_acquire);
        size_t k = ring_put(s, batch, n);
        if (check_full && k < n) {
            uint64_t outstanding = seq + k - taken;
            if (outstanding < s->capacity) {
                ring_fail(s, "spurious LF_FULL: values outstanding, capacity", outstanding,
                          s->capacity);
                break;
            }
        }
        seq += k;
        if (k > 0) {
            /* release: the consumer's acquire read bounds what it must find */
            atomic_fetch_add_explicit(&s->put_done, k, memory_order_release);
            stress_count(s->r, k);
            spins = 0;
        } else {
            ring_wait(&spins);
        }
    }
    s->produced[p] = seq;
    /* release: publishes produced[p] (and every put) to consumers and the final check */
    atomic_fetch_add_explicit(&s->producers_done, 1, memory_order_release);
}

static void ring_consumer(ring_run *s, unsigned index)
{
    int64_t last[RING_MAX_PRODUCERS];
    for (unsigned p = 0; p < s->producers; p++)
        last[p] = -1;
    uint64_t rng = stress_seed(s->o, 1000 + index);
    uint64_t mine = 0;
    bool check_empty = s->consumers == 1;
    unsigned spins = 0;
    while (!ring_failed(s)) {
        /* acquire: once all producers are done, an empty container stays empty */
        bool finished = atomic_load_explicit(&s->producers_done, memory_order_acquire) ==
                        s->producers;
        /* acquire: pairs with the producers' release counts */
        uint64_t put = atomic_load_explicit(&s->put_done, memory_order_acquire);
        void *got[RING_MAX_BATCH];
        size_t n = ring_batch(s, &rng);
        bool retry;
        size_t k = ring_take(s, got, n, &retry);
        for (size_t i = 0; i < k; i++)
            if (!ring_account(s, got[i], last))
                return;
        if (check_empty && k < n && !retry && mine + k < put) {
            ring_fail(s, "spurious LF_EMPTY: taken, known put", mine + k, put);
            return;
        }
        mine += k;
        if (k > 0) {
            /* release: the producer's acquire read bounds the places we freed */
            atomic_fetch_add_explicit(&s->taken_done, k, memory_order_release);
            spins = 0;
        } else if (finished && !retry) {
            break;
        } else {
            ring_wait(&spins);
        }
    }
}

/* Pairs: put one value, then take one (lf_ring only). */
static void ring_pairs_worker(ring_run *s, unsigned p)
{
    int64_t last[RING_MAX_PRODUCERS];
    for (unsigned i = 0; i < s->producers; i++)
        last[i] = -1;
    uint64_t seq = 0;
    while (stress_running(s->r) && seq < RING_MAX_PER_PRODUCER && !ring_failed(s)) {
        if (lf_ring_enqueue(&s->ring, ring_value(p, seq)) != LF_OK) {
            ring_fail(s, "LF_FULL with at most one value per thread: threads, capacity",
                      s->producers, s->capacity);
            break;
        }
        seq++;
        void *v;
        if (lf_ring_dequeue(&s->ring, &v) != LF_OK) {
            ring_fail(s, "LF_EMPTY while the caller's own value was queued: thread, seq", p, seq);
            break;
        }
        if (!ring_account(s, v, last))
            break;
        if (seq % 256 == 0)
            stress_count(s->r, 512);
    }
    s->produced[p] = seq;
}

static void ring_worker(void *arg, unsigned index)
{
    ring_run *s = (ring_run *)arg;
    if (s->pairs)
        ring_pairs_worker(s, index);
    else if (index < s->producers)
        ring_producer(s, index);
    else
        ring_consumer(s, index - s->producers);
}

/* Every value put was taken exactly once, and the container is empty. */
static bool ring_check_all(ring_run *s)
{
    stress_report *r = s->r;
    for (unsigned p = 0; p < s->producers && !r->failed; p++) {
        uint64_t n = s->produced[p];
        for (uint64_t w = 0; w < RING_MAX_PER_PRODUCER / 64; w++) {
            uint64_t want = n >= 64 * (w + 1) ? ~UINT64_C(0)
                          : n <= 64 * w      ? 0
                                             : (UINT64_C(1) << (n - 64 * w)) - 1;
            uint64_t got = atomic_load_explicit(&s->seen[p][w], memory_order_relaxed);
            if (got != want) {
                uint64_t bit = (uint64_t)__builtin_ctzll(got ^ want);
                return stress_fail(r, "producer %u seq %llu %s", p,
                                   (unsigned long long)(64 * w + bit),
                                   got >> bit & 1 ? "taken but never put" : "put but lost");
            }
            if (want == 0)
                break;
        }
    }
    void *v;
    bool retry;
    if (!r->failed && ring_take(s, &v, 1, &retry) != 0)
        return stress_fail(r, "a value was left after every put one was taken");
    return !r->failed;
}

/* One run: kind, P producers, C consumers (0: P threads doing pairs), capacity, seconds. */
static bool ring_scenario(const stress_opts *o, stress_report *r, ring_kind kind,
                          unsigned producers, unsigned consumers, size_t capacity,
                          double seconds, uint64_t *total)
{
    if (producers > RING_MAX_PRODUCERS)
        producers = RING_MAX_PRODUCERS;
    ring_run *s = (ring_run *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->kind = kind;
    s->r = r;
    s->o = o;
    s->producers = producers;
    s->consumers = consumers;
    s->pairs = consumers == 0;
    bool ok = true;
    switch (kind) {
    case KIND_RING:
        ok = lf_ring_init(&s->ring, capacity) == LF_OK;
        s->capacity = ok ? lf_ring_capacity(&s->ring) : 0;
        break;
    case KIND_SPSC:
        ok = lf_spsc_init(&s->spsc, capacity) == LF_OK;
        s->capacity = ok ? lf_spsc_capacity(&s->spsc) : 0;
        break;
    case KIND_MPSC:
        lf_mpsc_init(&s->mpsc);
        break;
    }
    if (!ok) {
        free(s);
        return stress_fail(r, "init failed");
    }
    for (unsigned p = 0; p < producers; p++)
        s->seen[p] = (_Atomic(uint64_t) *)calloc(RING_MAX_PER_PRODUCER / 64, sizeof **s->seen);

    stress_run(r, producers + consumers, ring_worker, s, seconds);

    ring_check_all(s);
    for (unsigned p = 0; p < producers; p++) {
        *total += s->produced[p];
        free(s->seen[p]);
    }
    if (kind == KIND_RING)
        lf_ring_destroy(&s->ring);
    else if (kind == KIND_SPSC)
        lf_spsc_destroy(&s->spsc);
    free(s);
    return !r->failed;
}

static bool ring_note(stress_report *r, uint64_t total, const char *what)
{
    if (!r->failed)
        stress_note(r, "%llu values, each once, FIFO per producer; %s",
                    (unsigned long long)total, what);
    return !r->failed;
}

bool stress_ring_1p1c(const stress_opts *o, stress_report *r)
{
    uint64_t total = 0;
    ring_scenario(o, r, KIND_RING, 1, 1, 64, o->seconds, &total);
    return ring_note(r, total, "capacity 64, no spurious FULL/EMPTY");
}

bool stress_ring_3p1c(const stress_opts *o, stress_report *r)
{
    uint64_t total = 0;
    ring_scenario(o, r, KIND_RING, 3, 1, 16, o->seconds, &total);
    return ring_note(r, total, "capacity 16, no spurious EMPTY");
}

bool stress_ring_4p4c(const stress_opts *o, stress_report *r)
{
    uint64_t total = 0;
    static const size_t caps[] = {1, 2, 8};
    for (unsigned i = 0; i < 3 && !r->failed; i++)
        ring_scenario(o, r, KIND_RING, 4, 4, caps[i], o->seconds / 3, &total);
    return ring_note(r, total, "capacities 1, 2, 8");
}

bool stress_ring_pairs(const stress_opts *o, stress_report *r)
{
    uint64_t total = 0;
    ring_scenario(o, r, KIND_RING, o->threads, 0, o->threads, o->seconds, &total);
    return ring_note(r, total, "never FULL, never EMPTY");
}

bool stress_spsc_1p1c(const stress_opts *o, stress_report *r)
{
    uint64_t total = 0;
    ring_scenario(o, r, KIND_SPSC, 1, 1, 1, o->seconds / 2, &total);
    if (!r->failed)
        ring_scenario(o, r, KIND_SPSC, 1, 1, 16, o->seconds / 2, &total);
    return ring_note(r, total, "capacities 1, 16, bulk batches 1..8, no spurious FULL/EMPTY");
}

bool stress_mpsc_np1c(const stress_opts *o, stress_report *r)
{
    uint64_t total = 0;
    unsigned producers = o->threads > 3 ? o->threads - 1 : 3;
    ring_scenario(o, r, KIND_MPSC, producers, 1, 0, o->seconds, &total);
    return ring_note(r, total, "nodes freed at once, no spurious EMPTY");
}

/*
 * Hazard pointers, the Michael-Scott queue and lf_stack_pop_hp under stress.
 *
 * queue_*: P producers enqueue (producer, seq) values, seq = 0, 1, 2, ...
 * (producer 0's first value is NULL); C consumers dequeue until every
 * producer has finished and the queue is empty.  Each consumer checks
 * that every producer's values reach it strictly increasing (FIFO per
 * producer); a bit per value checks that each arrives exactly once.
 * Consumers release and reacquire their hazard record now and then, so
 * records and their retired nodes change hands, and check the retired
 * count bound after every dequeue.  At the end the queue is empty and the
 * domain destroy frees everything (ASan's leak check sees the rest).
 * Consumers never enqueue, so their safe nodes reach the producers only
 * through the queue's spare batches, and whenever the producers fall behind
 * the consumers' caches overflow and nodes are freed: ASan sees any read of
 * a reclaimed node, TSan any reuse not ordered after a reader's last access.
 *
 * queue_node_bound: 1P1C, both sides releasing and reacquiring their
 * records now and then; every allocation of this file goes through a
 * counting LF_MALLOC, and the consumer checks after every few dequeues that
 * the live allocations exceed the values possibly queued by no more than
 * queue.h's bound (plus each record and its scan array), so nodes held
 * beyond the queued ones stay bounded over the whole run; the note reports
 * allocations per value (node reuse across records).
 *
 * queue_pairs: every thread enqueues a value, then dequeues one, so dequeued
 * nodes come back through each thread's record cache into its concurrent
 * enqueues (the node-reuse and ABA path that the split scenarios never
 * take).  Same checks, plus: no dequeue may report LF_EMPTY, since the
 * caller's own value is in the queue (linearizability of the empty result).
 *
 * hp_churn: threads replace objects in a few shared slots and retire the
 * old ones; others protect and read them, sometimes again after a pause
 * (a spin or a yield) while others retire and scan; records are acquired
 * and released all the time.  Reclaim poisons then frees, so a read after
 * reclaim is seen (and ASan reports it); every retired object is
 * reclaimed exactly once; the retired count never exceeds the bound.
 *
 * stack_pop_hp: threads push fresh heap nodes and pop them with
 * lf_stack_pop_hp, retiring with free() as reclaim: conservation of ids
 * (count, sum, sum of squares) and exactly-once reclamation.
 */
#include <stdatomic.h>
#include <stdlib.h>

/* Every lfkit allocation of this file, counted (queue_node_bound). */
static _Atomic(long) queue_live_blocks, queue_alloc_calls;

static void *queue_counted(void *p)
{
    if (p != NULL) {
        /* relaxed: counters; queue_node_bound's reads are ordered by its
         * seq_cst progress counters (queue_check_nodes) */
        atomic_fetch_add_explicit(&queue_live_blocks, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&queue_alloc_calls, 1, memory_order_relaxed);
    }
    return p;
}

static void queue_counted_free(void *p)
{
    if (p != NULL)
        atomic_fetch_sub_explicit(&queue_live_blocks, 1, memory_order_relaxed);
    free(p);
}

#define LF_MALLOC(size) queue_counted(malloc(size))
#define LF_ALIGNED_ALLOC(align, size) queue_counted(aligned_alloc((align), (size)))
#define LF_FREE(p) queue_counted_free(p)

#include "stress.h"

#include <lfkit/queue.h>

/* Largest retired count the contract allows for a domain with h hazards. */
static size_t retired_bound(const lf_hp_domain *d)
{
    size_t h = lf_hp_domain_hazards(d);
    return lf_hp_scan_threshold(h) + h;
}

/* ---- queue: P producers, C consumers ---------------------------------- */

/* Values per producer at most (a bit each); a producer stops there.
 * Producers wait while the queue holds more than QUEUE_MAX_BACKLOG values,
 * so it keeps emptying and the head == tail races stay exercised. */
enum { QUEUE_MAX_PER_PRODUCER = 1u << 25, QUEUE_REC_CHURN = 4096, QUEUE_MAX_BACKLOG = 4096,
       QUEUE_BATCH = 64 };

typedef struct queue_run {
    lf_hp_domain d;
    lf_queue q;
    stress_report *r;
    unsigned producers;
    bool pairs;                         /* every thread enqueues, then dequeues */
    bool check_nodes;                   /* queue_node_bound: count and check live nodes */
    _Atomic(uint64_t) enqueues_started; /* check_nodes: before each enqueue */
    _Atomic(uint64_t) dequeues_done;    /* check_nodes: after each successful dequeue */
    _Atomic(unsigned) producers_done;
    _Atomic(bool) abort;
    _Atomic(uint64_t) enqueued;         /* in batches of QUEUE_BATCH: backlog control only */
    _Atomic(uint64_t) dequeued;
    uint64_t *produced;                 /* per producer: values enqueued */
    _Atomic(uint64_t) **seen;           /* per producer: a bit per seq, set when dequeued */
} queue_run;

/* A value: the producer above QUEUE_SEQ_SHIFT, its seq (< 2^25) below; fits 32-bit pointers too. */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define QUEUE_SEQ_SHIFT 32
#else
#define QUEUE_SEQ_SHIFT 25 /* up to 127 producers */
#endif

static void *queue_value(unsigned producer, uint64_t seq)
{
    return (void *)(uintptr_t)((uint64_t)producer << QUEUE_SEQ_SHIFT | seq);
}

/*
 * queue.h's bound on nodes held beyond the queued ones, with one enqueue
 * and one dequeue in progress, plus two allocations per record (the record
 * and its scan array).
 */
static long queue_held_bound(const lf_hp_domain *d)
{
    size_t h = lf_hp_domain_hazards(d), records = h / 2;
    size_t per_record = LF_HP_CACHE_MAX + lf_hp_scan_threshold(h) + h + 2;
    return (long)(1 + LF_QUEUE_BATCH + LF_QUEUE_BATCH + 1 + records * per_record);
}

/*
 * Live allocations <= values possibly queued + the bound.  Reads done,
 * then live, then started (seq_cst, as are the progress counters' updates):
 * at the moment live is read, at most started - done values are queued
 * (started only grows after, done was read before).  The bound grows with
 * H, which is read last.
 */
static bool queue_check_nodes(queue_run *s)
{
    uint64_t done = atomic_load(&s->dequeues_done);
    long live = atomic_load(&queue_live_blocks);
    uint64_t started = atomic_load(&s->enqueues_started);
    long bound = queue_held_bound(&s->d);
    if (live <= (long)(started - done) + bound)
        return true;
    atomic_store(&s->abort, true);
    return stress_fail(s->r, "%ld allocations live with at most %llu values queued: %ld held, bound %ld",
                       live, (unsigned long long)(started - done),
                       live - (long)(started - done), bound);
}

static void queue_producer(queue_run *s, unsigned p)
{
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    if (rec == NULL) {
        stress_fail(s->r, "lf_hp_rec_acquire failed");
        atomic_store(&s->abort, true);
        atomic_fetch_add(&s->producers_done, 1);
        return;
    }
    uint64_t seq = 0;
    while (rec != NULL && stress_running(s->r) && seq < QUEUE_MAX_PER_PRODUCER) {
        if (s->check_nodes)
            atomic_fetch_add(&s->enqueues_started, 1);
        lf_status st = lf_queue_enqueue(&s->q, rec, queue_value(p, seq));
        if (st != LF_OK) {
            stress_fail(s->r, "enqueue returned %d", (int)st);
            atomic_store(&s->abort, true);
            break;
        }
        if (s->check_nodes && (seq + 1) % QUEUE_REC_CHURN == 0) {
            lf_hp_rec_release(rec);
            rec = lf_hp_rec_acquire(&s->d);
        }
        if (++seq % QUEUE_BATCH == 0) {
            stress_count(s->r, QUEUE_BATCH);
            /* relaxed: a rough backlog; nothing is read through it */
            uint64_t in = atomic_fetch_add_explicit(&s->enqueued, QUEUE_BATCH,
                                                    memory_order_relaxed) + QUEUE_BATCH;
            while (in - atomic_load_explicit(&s->dequeued, memory_order_relaxed) > QUEUE_MAX_BACKLOG &&
                   stress_running(s->r) && !atomic_load_explicit(&s->abort, memory_order_relaxed))
                sched_yield();
        }
    }
    if (rec == NULL) {
        stress_fail(s->r, "lf_hp_rec_acquire failed");
        atomic_store(&s->abort, true);
    }
    s->produced[p] = seq;
    lf_hp_rec_release(rec);
    /* release: publishes produced[p] to the main thread's check */
    atomic_fetch_add_explicit(&s->producers_done, 1, memory_order_release);
}

static bool queue_consume_one(queue_run *s, lf_hp_rec *rec, int64_t *last)
{
    void *v;
    lf_status st = lf_queue_dequeue(&s->q, rec, &v);
    if (st == LF_EMPTY)
        return false;
    if (st != LF_OK) {
        atomic_store(&s->abort, true);
        return stress_fail(s->r, "dequeue returned %d", (int)st);
    }
    uint64_t x = (uint64_t)(uintptr_t)v;
    unsigned p = (unsigned)(x >> QUEUE_SEQ_SHIFT);
    int64_t seq = (int64_t)(x & ((UINT64_C(1) << QUEUE_SEQ_SHIFT) - 1));
    if (p >= s->producers || seq >= QUEUE_MAX_PER_PRODUCER) {
        atomic_store(&s->abort, true);
        return stress_fail(s->r, "dequeued a value never enqueued (%#llx)", (unsigned long long)x);
    }
    if (seq <= last[p]) {
        atomic_store(&s->abort, true);
        return stress_fail(s->r, "producer %u: seq %lld dequeued after %lld (FIFO broken)", p,
                           (long long)seq, (long long)last[p]);
    }
    last[p] = seq;
    uint64_t bit = UINT64_C(1) << (seq % 64);
    /* relaxed RMW: RMWs on one word are totally ordered, so a duplicate sees its bit */
    if (atomic_fetch_or_explicit(&s->seen[p][seq / 64], bit, memory_order_relaxed) & bit) {
        atomic_store(&s->abort, true);
        return stress_fail(s->r, "producer %u seq %lld dequeued twice", p, (long long)seq);
    }
    if (lf_hp_retired_count(rec) > retired_bound(&s->d)) {
        atomic_store(&s->abort, true);
        return stress_fail(s->r, "record holds %zu retired nodes, bound %zu",
                           lf_hp_retired_count(rec), retired_bound(&s->d));
    }
    return true;
}

static void queue_consumer(queue_run *s)
{
    int64_t *last = (int64_t *)malloc(s->producers * sizeof *last);
    for (unsigned p = 0; p < s->producers; p++)
        last[p] = -1;
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    uint64_t n = 0;
    while (rec != NULL && !atomic_load_explicit(&s->abort, memory_order_relaxed)) {
        /* acquire: once all producers are done, an empty queue stays empty */
        bool finished = atomic_load_explicit(&s->producers_done, memory_order_acquire) ==
                        s->producers;
        if (!queue_consume_one(s, rec, last)) {
            if (finished)
                break;
            continue;
        }
        if (s->check_nodes) {
            atomic_fetch_add(&s->dequeues_done, 1);
            if (n % 16 == 0 && !queue_check_nodes(s))
                break;
        }
        if (++n % QUEUE_BATCH == 0)
            atomic_fetch_add_explicit(&s->dequeued, QUEUE_BATCH, memory_order_relaxed);
        if (n % QUEUE_REC_CHURN == 0) {
            lf_hp_rec_release(rec);
            rec = lf_hp_rec_acquire(&s->d);
        }
    }
    if (rec == NULL)
        stress_fail(s->r, "lf_hp_rec_acquire failed");
    lf_hp_rec_release(rec);
    free(last);
}

/* queue_pairs: enqueue one value (own seq), then dequeue one.  A thread
 * between the two has a value of its own in the queue, and no thread
 * dequeues more than it enqueued, so LF_EMPTY there is a linearizability
 * violation (e.g. a node reused while still protected). */
static void queue_pairs_worker(queue_run *s, unsigned p)
{
    int64_t *last = (int64_t *)malloc(s->producers * sizeof *last);
    for (unsigned i = 0; i < s->producers; i++)
        last[i] = -1;
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    uint64_t seq = 0;
    while (rec != NULL && stress_running(s->r) && seq < QUEUE_MAX_PER_PRODUCER &&
           !atomic_load_explicit(&s->abort, memory_order_relaxed)) {
        lf_status st = lf_queue_enqueue(&s->q, rec, queue_value(p, seq));
        if (st != LF_OK) {
            stress_fail(s->r, "enqueue returned %d", (int)st);
            atomic_store(&s->abort, true);
            break;
        }
        seq++;
        if (!queue_consume_one(s, rec, last)) {
            stress_fail(s->r, "dequeue reported empty while the caller's own value was queued");
            atomic_store(&s->abort, true);
            break;
        }
        if (seq % QUEUE_REC_CHURN == 0) {
            lf_hp_rec_release(rec);
            rec = lf_hp_rec_acquire(&s->d);
        }
        if (seq % QUEUE_BATCH == 0)
            stress_count(s->r, 2 * QUEUE_BATCH);
    }
    if (rec == NULL)
        stress_fail(s->r, "lf_hp_rec_acquire failed");
    s->produced[p] = seq;
    lf_hp_rec_release(rec);
    free(last);
}

static void queue_worker(void *arg, unsigned index)
{
    queue_run *s = (queue_run *)arg;
    if (s->pairs)
        queue_pairs_worker(s, index);
    else if (index < s->producers)
        queue_producer(s, index);
    else
        queue_consumer(s);
}

/* producers + consumers threads; consumers == 0: producers threads doing
 * pairs; check_nodes: queue_node_bound's checks (and producer record churn) */
static bool queue_scenario(const stress_opts *o, stress_report *r, unsigned producers,
                           unsigned consumers, bool check_nodes)
{
    queue_run *s = (queue_run *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->r = r;
    s->producers = producers;
    s->pairs = consumers == 0;
    s->check_nodes = check_nodes;
    long live_before = atomic_load(&queue_live_blocks);
    long calls_before = atomic_load(&queue_alloc_calls);
    s->produced = (uint64_t *)calloc(producers, sizeof *s->produced);
    s->seen = (_Atomic(uint64_t) **)calloc(producers, sizeof *s->seen);
    for (unsigned p = 0; p < producers; p++)
        s->seen[p] = (_Atomic(uint64_t) *)calloc(QUEUE_MAX_PER_PRODUCER / 64, sizeof **s->seen);
    if (stress_hp_domain_init(o, &s->d, 2) != LF_OK || lf_queue_init(&s->q, &s->d) != LF_OK)
        return stress_fail(r, "init failed");

    stress_run(r, producers + consumers, queue_worker, s, o->seconds);

    uint64_t total = 0;
    for (unsigned p = 0; p < producers && !r->failed; p++) {
        for (uint64_t w = 0; w < QUEUE_MAX_PER_PRODUCER / 64; w++) {
            uint64_t n = s->produced[p];
            uint64_t want = n >= 64 * (w + 1) ? ~UINT64_C(0)
                          : n <= 64 * w      ? 0
                                             : (UINT64_C(1) << (n - 64 * w)) - 1;
            uint64_t got = atomic_load_explicit(&s->seen[p][w], memory_order_relaxed);
            if (got != want) {
                uint64_t bit = (uint64_t)__builtin_ctzll(got ^ want);
                stress_fail(r, "producer %u seq %llu %s", p, (unsigned long long)(64 * w + bit),
                            got >> bit & 1 ? "dequeued but never enqueued" : "enqueued but lost");
                break;
            }
        }
        total += s->produced[p];
    }
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    if (!r->failed && !lf_queue_is_empty(&s->q, rec))
        stress_fail(r, "values left in the queue after every producer's were consumed");
    lf_hp_rec_release(rec);
    long calls = atomic_load(&queue_alloc_calls) - calls_before;
    if (!r->failed && check_nodes)
        stress_note(r, "%llu values, each once, FIFO per producer; %zu records; held nodes "
                    "within the bound; %ld allocations (%.4f per value)",
                    (unsigned long long)total, lf_hp_domain_hazards(&s->d) / 2, calls,
                    total != 0 ? (double)calls / (double)total : 0.0);
    else if (!r->failed)
        stress_note(r, "%llu values, each once, FIFO per producer; %zu records",
                    (unsigned long long)total, lf_hp_domain_hazards(&s->d) / 2);
    lf_queue_destroy(&s->q);
    lf_hp_domain_destroy(&s->d);
    if (!r->failed && atomic_load(&queue_live_blocks) != live_before)
        stress_fail(r, "%ld lfkit allocations outlived the queue and its domain",
                    atomic_load(&queue_live_blocks) - live_before);
    for (unsigned p = 0; p < producers; p++)
        free(s->seen[p]);
    free(s->seen);
    free(s->produced);
    free(s);
    return !r->failed;
}

bool stress_queue_1p1c(const stress_opts *o, stress_report *r)
{
    return queue_scenario(o, r, 1, 1, false);
}

bool stress_queue_2p2c(const stress_opts *o, stress_report *r)
{
    return queue_scenario(o, r, 2, 2, false);
}

bool stress_queue_4p4c(const stress_opts *o, stress_report *r)
{
    return queue_scenario(o, r, 4, 4, false);
}

bool stress_queue_pairs(const stress_opts *o, stress_report *r)
{
    return queue_scenario(o, r, o->threads, 0, false);
}

bool stress_queue_node_bound(const stress_opts *o, stress_report *r)
{
    return queue_scenario(o, r, 1, 1, true);
}

/* ---- hp_churn ---------------------------------------------------------- */

enum { CHURN_SLOTS = 4, CHURN_SHARED = 8 };

#define CHURN_LIVE 0x5afe5afeu
#define CHURN_DEAD 0xdeadbeefu

typedef struct churn_obj {
    lf_hp_node hp;
    _Atomic(unsigned) magic;
    _Atomic(unsigned) reclaimed;
    struct churn_run *run;
} churn_obj;

typedef struct churn_run {
    lf_hp_domain d;
    stress_report *r;
    _Atomic(void *) shared[CHURN_SHARED];
    _Atomic(uint64_t) created;
    _Atomic(uint64_t) reclaimed;
    uint64_t seed;
} churn_run;

static void churn_reclaim(lf_hp_node *n)
{
    churn_obj *o = lf_container_of(n, churn_obj, hp);
    if (atomic_exchange_explicit(&o->reclaimed, 1u, memory_order_relaxed) != 0)
        stress_fail(o->run->r, "an object was reclaimed twice");
    atomic_store_explicit(&o->magic, CHURN_DEAD, memory_order_relaxed);
    atomic_fetch_add_explicit(&o->run->reclaimed, 1, memory_order_relaxed);
    free(o);
}

static churn_obj *churn_new(churn_run *c)
{
    churn_obj *o = (churn_obj *)malloc(sizeof *o);
    atomic_store_explicit(&o->magic, CHURN_LIVE, memory_order_relaxed);
    atomic_store_explicit(&o->reclaimed, 0u, memory_order_relaxed);
    o->run = c;
    atomic_fetch_add_explicit(&c->created, 1, memory_order_relaxed);
    return o;
}

static void churn_worker(void *arg, unsigned index)
{
    churn_run *c = (churn_run *)arg;
    uint64_t rng = c->seed ^ (index * UINT64_C(0x9E3779B97F4A7C15));
    lf_hp_rec *rec = lf_hp_rec_acquire(&c->d);
    uint64_t n = 0;
    while (rec != NULL && stress_running(c->r)) {
        uint64_t x = harness_rand(&rng);
        unsigned which = (unsigned)(x % CHURN_SHARED);
        unsigned slot = (unsigned)(x >> 8) % CHURN_SLOTS;
        if ((x >> 16) % 4 == 0) {
            /* replace and retire; the release in the exchange publishes magic */
            churn_obj *old = (churn_obj *)atomic_exchange_explicit(
                &c->shared[which], (void *)churn_new(c), memory_order_acq_rel);
            lf_hp_retire(rec, &old->hp, old, churn_reclaim);
            if (lf_hp_retired_count(rec) > retired_bound(&c->d)) {
                stress_fail(c->r, "record holds %zu retired objects, bound %zu",
                            lf_hp_retired_count(rec), retired_bound(&c->d));
                break;
            }
        } else {
            churn_obj *o = (churn_obj *)lf_hp_protect(rec, slot, &c->shared[which]);
            if (o == NULL || atomic_load_explicit(&o->magic, memory_order_relaxed) != CHURN_LIVE) {
                stress_fail(c->r, "read a reclaimed object through a hazard pointer");
                break;
            }
            if ((x >> 20) % 4 == 0) {
                /* hold it across a pause, letting others retire and scan, then use it again */
                if ((x >> 22) % 16 == 0)
                    sched_yield();
                else
                    for (unsigned i = 0; i < 256; i++)
                        lf_cpu_relax();
                if (atomic_load_explicit(&o->magic, memory_order_relaxed) != CHURN_LIVE) {
                    stress_fail(c->r, "an object was reclaimed while a hazard pointer held it");
                    break;
                }
            }
            if ((x >> 26) % 2)
                lf_hp_clear(rec, slot); /* else it stays protected until the slot is reused */
        }
        if ((x >> 24) % 512 == 0) {
            lf_hp_rec_release(rec);
            rec = lf_hp_rec_acquire(&c->d);
        }
        if ((++n & 255) == 0)
            stress_count(c->r, 256);
    }
    if (rec == NULL)
        stress_fail(c->r, "lf_hp_rec_acquire failed");
    lf_hp_rec_release(rec);
}

bool stress_hp_churn(const stress_opts *o, stress_report *r)
{
    churn_run *c = (churn_run *)harness_alloc(LF_CACHELINE, sizeof *c);
    c->r = r;
    c->seed = stress_seed(o, 0);
    if (stress_hp_domain_init(o, &c->d, CHURN_SLOTS) != LF_OK)
        return stress_fail(r, "lf_hp_domain_init failed");
    for (unsigned i = 0; i < CHURN_SHARED; i++)
        atomic_store_explicit(&c->shared[i], (void *)churn_new(c), memory_order_relaxed);

    stress_run(r, o->threads, churn_worker, c, o->seconds);

    lf_hp_rec *rec = lf_hp_rec_acquire(&c->d);
    for (unsigned i = 0; i < CHURN_SHARED; i++) {
        churn_obj *last = (churn_obj *)atomic_load_explicit(&c->shared[i], memory_order_relaxed);
        lf_hp_retire(rec, &last->hp, last, churn_reclaim);
    }
    lf_hp_rec_release(rec);
    size_t records = lf_hp_domain_hazards(&c->d) / CHURN_SLOTS;
    lf_hp_domain_destroy(&c->d);
    uint64_t created = atomic_load(&c->created), reclaimed = atomic_load(&c->reclaimed);
    if (!r->failed && reclaimed != created)
        stress_fail(r, "%llu objects retired, %llu reclaimed", (unsigned long long)created,
                    (unsigned long long)reclaimed);
    else if (!r->failed && records > o->threads + 1)
        stress_fail(r, "%zu records for %u threads: released records were not reused", records,
                    o->threads);
    else if (!r->failed)
        stress_note(r, "%llu objects reclaimed exactly once; %zu records",
                    (unsigned long long)reclaimed, records);
    free(c);
    return !r->failed;
}

/* ---- stack_pop_hp ------------------------------------------------------ */

typedef struct pop_hp_run {
    lf_hp_domain d;
    lf_stack s;
    stress_report *r;
    uint64_t seed;
    _Atomic(uint64_t) pushed_count, pushed_sum, pushed_sq;
    _Atomic(uint64_t) popped_count, popped_sum, popped_sq;
    _Atomic(uint64_t) freed;
} pop_hp_run;

typedef struct hp_item {
    lf_stack_node link;
    lf_hp_node hp;
    uint64_t id;
    pop_hp_run *run;
} hp_item;

static void pop_hp_free(lf_hp_node *n)
{
    hp_item *it = lf_container_of(n, hp_item, hp);
    atomic_fetch_add_explicit(&it->run->freed, 1, memory_order_relaxed);
    free(it);
}

static void pop_hp_account(_Atomic(uint64_t) *count, _Atomic(uint64_t) *sum,
                           _Atomic(uint64_t) *sq, uint64_t n, uint64_t s, uint64_t q)
{
    atomic_fetch_add_explicit(count, n, memory_order_relaxed);
    atomic_fetch_add_explicit(sum, s, memory_order_relaxed);
    atomic_fetch_add_explicit(sq, q, memory_order_relaxed);
}

static void pop_hp_worker(void *arg, unsigned index)
{
    pop_hp_run *p = (pop_hp_run *)arg;
    uint64_t rng = p->seed ^ (index * UINT64_C(0x9E3779B97F4A7C15));
    uint64_t pushed = 0, psum = 0, psq = 0, popped = 0, osum = 0, osq = 0, ops = 0;
    lf_hp_rec *rec = lf_hp_rec_acquire(&p->d);
    while (rec != NULL && stress_running(p->r)) {
        uint64_t x = harness_rand(&rng);
        if (x % 2 == 0) {
            hp_item *it = (hp_item *)malloc(sizeof *it);
            it->id = (uint64_t)index << 40 | pushed;
            it->run = p;
            pushed++;
            psum += it->id;
            psq += it->id * it->id;
            lf_stack_push(&p->s, &it->link);
        } else {
            lf_stack_node *n = lf_stack_pop_hp(&p->s, rec);
            if (n != NULL) {
                hp_item *it = lf_container_of(n, hp_item, link);
                popped++;
                osum += it->id;
                osq += it->id * it->id;
                lf_hp_retire(rec, &it->hp, n, pop_hp_free);
                if (lf_hp_retired_count(rec) > retired_bound(&p->d)) {
                    stress_fail(p->r, "record holds %zu retired nodes, bound %zu",
                                lf_hp_retired_count(rec), retired_bound(&p->d));
                    break;
                }
            }
        }
        if ((x >> 32) % 1024 == 0) {
            lf_hp_rec_release(rec);
            rec = lf_hp_rec_acquire(&p->d);
        }
        if ((++ops & 255) == 0)
            stress_count(p->r, 256);
    }
    if (rec == NULL)
        stress_fail(p->r, "lf_hp_rec_acquire failed");
    lf_hp_rec_release(rec);
    pop_hp_account(&p->pushed_count, &p->pushed_sum, &p->pushed_sq, pushed, psum, psq);
    pop_hp_account(&p->popped_count, &p->popped_sum, &p->popped_sq, popped, osum, osq);
}

bool stress_stack_pop_hp(const stress_opts *o, stress_report *r)
{
    pop_hp_run *p = (pop_hp_run *)harness_alloc(LF_CACHELINE, sizeof *p);
    p->r = r;
    p->seed = stress_seed(o, 0);
    if (stress_hp_domain_init(o, &p->d, 1) != LF_OK)
        return stress_fail(r, "lf_hp_domain_init failed");
    lf_stack_init(&p->s);

    stress_run(r, o->threads, pop_hp_worker, p, o->seconds);

    uint64_t n = 0, sum = 0, sq = 0;
    lf_hp_rec *rec = lf_hp_rec_acquire(&p->d);
    for (lf_stack_node *x; (x = lf_stack_pop_hp(&p->s, rec)) != NULL;) {
        hp_item *it = lf_container_of(x, hp_item, link);
        n++;
        sum += it->id;
        sq += it->id * it->id;
        lf_hp_retire(rec, &it->hp, x, pop_hp_free);
    }
    lf_hp_rec_release(rec);
    pop_hp_account(&p->popped_count, &p->popped_sum, &p->popped_sq, n, sum, sq);
    lf_hp_domain_destroy(&p->d);
    uint64_t pushed = atomic_load(&p->pushed_count), popped = atomic_load(&p->popped_count);
    if (!r->failed && (pushed != popped || atomic_load(&p->pushed_sum) != atomic_load(&p->popped_sum) ||
                       atomic_load(&p->pushed_sq) != atomic_load(&p->popped_sq)))
        stress_fail(r, "pushed %llu nodes, popped %llu (or ids differ): lost or duplicated",
                    (unsigned long long)pushed, (unsigned long long)popped);
    else if (!r->failed && atomic_load(&p->freed) != popped)
        stress_fail(r, "%llu nodes retired, %llu freed", (unsigned long long)popped,
                    (unsigned long long)atomic_load(&p->freed));
    else if (!r->failed)
        stress_note(r, "%llu nodes pushed, popped and freed exactly once",
                    (unsigned long long)pushed);
    free(p);
    return !r->failed;
}

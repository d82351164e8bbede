/*
 * Producer/consumer and queue latency benchmarks.
 *
 * prodcons: P threads only enqueue, C threads only dequeue, on one shared
 * queue; one operation counted is one value delivered.  Configurations
 * 1P1C, 2P2C, 3P1C and 1P3C (BENCH_PC); on a 2-CPU machine the 4-thread
 * ones oversubscribe on purpose.  Entries, where the configuration allows
 * (the others return BENCH_SKIP from setup):
 *  - lf_ring: lfkit's bounded lock-free MPMC ring (SCQ);
 *  - lf_spsc: lfkit's SPSC ring, 1P1C only;
 *  - lf_mpsc: lfkit's intrusive MPSC queue, C = 1 only;
 *  - lf_queue: lfkit's Michael-Scott queue, one hazard-pointer record per thread;
 *    lf_queue_asym: the same on an asymmetric domain (lf_hp_domain_init_asymmetric);
 *  - lf_segqueue: lfkit's queue of SCQ ring segments (SEGMENT_CAPACITY values
 *    each), one hazard-pointer record per thread; lf_segqueue_asym: the same
 *    on an asymmetric domain;
 *  - mutex: a linked list under a pthread mutex (a reference);
 *  - mutex_ring: a bounded array ring under a pthread mutex;
 *  - ck_ring_spsc (1P1C) and ck_ring_mpmc (a reference): Concurrency Kit's
 *    ck_ring; a ck_ring of size N holds N - 1 values, so with the same size
 *    as the others it holds one value fewer (1023, not 1024);
 *  - ck_fifo_spsc: Concurrency Kit's unbounded SPSC list, 1P1C, the
 *    producer reusing nodes through ck_fifo_spsc_recycle;
 *  - ck_hp_fifo: Concurrency Kit's Michael-Scott queue with its hazard
 *    pointers (ck_hp, 2 slots, threshold 64), a record per thread: lf_queue's
 *    closest counterpart;
 *  - urcu_wfcq: liburcu's wfcqueue (wait-free enqueue); with C = 1 its
 *    single-consumer dequeue without the dequeue lock
 *    (__cds_wfcq_dequeue_blocking), with C > 1 the locked one
 *    (cds_wfcq_dequeue_blocking);
 *  - urcu_lfq: liburcu's rculfqueue (RCU read-side sections, nodes freed
 *    through call_rcu).
 * Every bounded entry has CAPACITY places.  A producer finding its ring
 * full spins (lf_cpu_relax) until there is room or the trial ends.  The
 * unbounded entries (lf_mpsc, lf_queue, lf_segqueue, mutex, ck_fifo_spsc, ck_hp_fifo, urcu_wfcq,
 * urcu_lfq)
 * hold back instead: after each batch of BATCH enqueues a producer waits
 * while more than CAPACITY values are queued (two shared counters, added
 * to once per batch), so every entry runs with about the same backlog.
 * Node-based entries malloc a node per enqueue and the consumer frees it,
 * except lf_queue (record caches, refilled across records through the
 * queue's spare batch), ck_fifo_spsc (recycled) and lf_segqueue (no node
 * per value; a segment is allocated when one fills).
 *
 * queue_latency: every thread repeats enqueue(its next value); dequeue()
 * on one shared queue, each operation timed on its own (one harness_now_ns
 * per operation, as stack_latency), for the mutex queue, ck_ring_mpmc,
 * lf_queue and lf_ring.  Entry timer_only does the stamping and recording
 * with no queue: its latencies are what the timing costs, and they are
 * inside every other entry's.
 *
 * Every trial checks its result.  Values are (producer, seq); each consumer
 * must see each producer's seqs strictly increasing; after the trial the
 * queue is drained on the main thread (what is left must continue each
 * producer's sequence), and per producer the count and the sum of seqs
 * delivered must equal what it enqueued: each value exactly once.  In
 * queue_latency a thread's dequeue always follows its own enqueue, so an
 * empty result is also a failure.
 */
#define _LGPL_SOURCE
#include "bench.h"
#include "value_log.h"

#include <ck_fifo.h>
#include <ck_hp_fifo.h>
#include <ck_ring.h>
#include <lfkit/mpsc.h>
#include <lfkit/queue.h>
#include <lfkit/ring.h>
#include <lfkit/segqueue.h>
#include <lfkit/spsc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu.h>
#include <urcu/rculfqueue.h>
#include <urcu/wfcqueue.h>

enum { CAPACITY = 1024, SEGMENT_CAPACITY = 4 * CAPACITY, BATCH = 64, MAX_PRODUCERS = 16, MAX_THREADS = 32,
       CK_HP_THRESHOLD = 64, CK_HP_RECORDS = MAX_THREADS + 2 /* a trial's threads, the drain, the teardown */ };

/* ---- accounting ---------------------------------------------------------- */

typedef struct mpsc_item {
    lf_mpsc_node link;
    void *value;
} mpsc_item;

typedef struct mutexq_node {
    struct mutexq_node *next;
    void *value;
} mutexq_node;

typedef struct rculfq_item {
    struct cds_lfq_node_rcu node;
    struct rcu_head rcu;
    void *value;
} rculfq_item;

typedef struct wfcq_item {
    struct cds_wfcq_node node;
    void *value;
} wfcq_item;

/* One state for every entry; setup initialises the entry's own structure only. */
typedef struct pc_state {
    unsigned nthreads, np, nc; /* threads started; producers (tid < np); consumers */
    bench_value_log logs[MAX_THREADS + 1]; /* per thread, plus the drain's */
    LF_CACHE_ALIGNED _Atomic(uint64_t) enqueued; /* unbounded entries' flow control */
    LF_CACHE_ALIGNED _Atomic(uint64_t) dequeued;
    LF_CACHE_ALIGNED lf_ring ring;
    LF_CACHE_ALIGNED lf_spsc spsc;
    LF_CACHE_ALIGNED lf_mpsc mpsc;
    LF_CACHE_ALIGNED lf_queue queue;
    LF_CACHE_ALIGNED lf_segqueue segqueue;
    lf_hp_domain hp; /* lf_queue's or lf_segqueue's */
    LF_CACHE_ALIGNED pthread_mutex_t lock; /* mutex and mutex_ring */
    mutexq_node *head, *tail;              /* mutex */
    uint64_t ring_head, ring_tail;         /* mutex_ring: next to dequeue, next to enqueue */
    void **slots;                          /* mutex_ring: CAPACITY */
    LF_CACHE_ALIGNED ck_ring_t ck;
    ck_ring_buffer_t *ck_buffer; /* CAPACITY */
    LF_CACHE_ALIGNED ck_fifo_spsc_t ck_fifo;
    LF_CACHE_ALIGNED ck_hp_fifo_t ck_hp_fifo;
    ck_hp_t ck_hp;
    ck_hp_record_t *ck_hp_records; /* CK_HP_RECORDS, handed out by begin */
    void **ck_hp_pointers;         /* a cache line of hazards per record */
    _Atomic(unsigned) ck_hp_used;
    LF_CACHE_ALIGNED struct cds_lfq_queue_rcu rculfq;
    LF_CACHE_ALIGNED struct cds_wfcq_head wfcq_head;
    LF_CACHE_ALIGNED struct cds_wfcq_tail wfcq_tail;
} pc_state;

/* After the drain logged the rest into logs[nthreads]: exactly once, in each producer's order. */
static const char *verdict(pc_state *s)
{
    uint64_t disorder, empties, delivered;
    const char *why = bench_value_check(s->logs, s->nthreads, s->np, &disorder, &empties, &delivered);
    if (why != NULL)
        return why;
    if (disorder)
        return "a producer's values were delivered out of order";
    if (empties)
        return "dequeue found the queue empty right after the thread's own enqueue";
    return NULL;
}

/* malloc, or exit (bench code). */
static inline void *xmalloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        exit(2);
    }
    return p;
}

/*
 * Each entry is a set of adapters over pc_state; one loop of each kind runs
 * them all.  Everything is forced inline and the tables are const, so each
 * entry's loop compiles to its own code with no call through a pointer.
 */
typedef struct pc_ops {
    bool bounded;                                          /* false: producers hold back (see top) */
    bool (*applies)(unsigned np, unsigned nc);
    void (*init)(pc_state *s);
    void (*destroy)(pc_state *s);                          /* after the drain */
    void *(*begin)(pc_state *s);                           /* a thread's context */
    void (*end)(pc_state *s, void *ctx);
    bool (*enqueue)(pc_state *s, void *ctx, void *v);      /* false: full */
    bool (*dequeue)(pc_state *s, void *ctx, void **v);     /* false: empty (or not yet) */
} pc_ops;

static bool any_config(unsigned np, unsigned nc)
{
    (void)np;
    (void)nc;
    return true;
}

static bool one_to_one(unsigned np, unsigned nc)
{
    return np == 1 && nc == 1;
}

static bool one_consumer(unsigned np, unsigned nc)
{
    (void)np;
    return nc == 1;
}

BENCH_INLINE void *no_context(pc_state *s)
{
    (void)s;
    return NULL;
}

BENCH_INLINE void no_end(pc_state *s, void *ctx)
{
    (void)s;
    (void)ctx;
}

BENCH_INLINE void nothing(pc_state *s)
{
    (void)s;
}

/* lf_ring */
BENCH_INLINE void ring_init(pc_state *s)
{
    if (lf_ring_init(&s->ring, CAPACITY) != LF_OK) {
        fprintf(stderr, "bench: lf_ring_init failed\n");
        exit(2);
    }
}

BENCH_INLINE void ring_destroy(pc_state *s)
{
    lf_ring_destroy(&s->ring);
}

BENCH_INLINE bool ring_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    return lf_ring_enqueue(&s->ring, v) == LF_OK;
}

BENCH_INLINE bool ring_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    return lf_ring_dequeue(&s->ring, v) == LF_OK;
}

/* lf_spsc */
BENCH_INLINE void spsc_init(pc_state *s)
{
    if (lf_spsc_init(&s->spsc, CAPACITY) != LF_OK) {
        fprintf(stderr, "bench: lf_spsc_init failed\n");
        exit(2);
    }
}

BENCH_INLINE void spsc_destroy(pc_state *s)
{
    lf_spsc_destroy(&s->spsc);
}

BENCH_INLINE bool spsc_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    return lf_spsc_push(&s->spsc, v) == LF_OK;
}

BENCH_INLINE bool spsc_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    return lf_spsc_pop(&s->spsc, v) == LF_OK;
}

/* lf_mpsc */
BENCH_INLINE void mpsc_init(pc_state *s)
{
    lf_mpsc_init(&s->mpsc);
}

BENCH_INLINE bool mpsc_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    mpsc_item *it = (mpsc_item *)xmalloc(sizeof *it);
    it->value = v;
    lf_mpsc_push(&s->mpsc, &it->link);
    return true;
}

BENCH_INLINE bool mpsc_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    lf_mpsc_node *n;
    if (lf_mpsc_pop(&s->mpsc, &n) != LF_OK)
        return false; /* LF_EMPTY, or LF_RETRY: a push half done; the loop comes back */
    mpsc_item *it = lf_container_of(n, mpsc_item, link);
    *v = it->value;
    free(it);
    return true;
}

typedef lf_status (*hp_domain_init_fn)(lf_hp_domain *d, unsigned slots_per_rec);

/* The domain of lf_queue and lf_segqueue: domain_init is lf_hp_domain_init, or
   lf_hp_domain_init_asymmetric for the _asym entries (asym_name: an ordinary
   domain where there are none, and bench_warn_symmetric says so). */
BENCH_INLINE void hp_domain_setup(pc_state *s, hp_domain_init_fn domain_init, const char *asym_name)
{
    if (domain_init(&s->hp, 2) != LF_OK) {
        fprintf(stderr, "bench: lf_hp_domain_init failed\n");
        exit(2);
    }
    if (asym_name != NULL)
        bench_warn_symmetric(asym_name, lf_hp_domain_is_asymmetric(&s->hp));
}

/* lf_queue, with hazard pointers */
BENCH_INLINE void lfq_init_with(pc_state *s, hp_domain_init_fn domain_init, const char *asym_name)
{
    hp_domain_setup(s, domain_init, asym_name);
    if (lf_queue_init(&s->queue, &s->hp) != LF_OK) {
        fprintf(stderr, "bench: lf_queue_init failed\n");
        exit(2);
    }
}

BENCH_INLINE void lfq_init(pc_state *s)
{
    lfq_init_with(s, lf_hp_domain_init, NULL);
}

BENCH_INLINE void lfq_asym_init(pc_state *s)
{
    lfq_init_with(s, lf_hp_domain_init_asymmetric, "lf_queue_asym");
}

BENCH_INLINE void lfq_destroy(pc_state *s)
{
    lf_queue_destroy(&s->queue);
    lf_hp_domain_destroy(&s->hp);
}

BENCH_INLINE void *lfq_begin(pc_state *s)
{
    lf_hp_rec *r = lf_hp_rec_acquire(&s->hp);
    if (r == NULL) {
        fprintf(stderr, "bench: lf_hp_rec_acquire failed\n");
        exit(2);
    }
    return r;
}

BENCH_INLINE void lfq_end(pc_state *s, void *ctx)
{
    (void)s;
    lf_hp_rec_release((lf_hp_rec *)ctx);
}

BENCH_INLINE bool lfq_enqueue(pc_state *s, void *ctx, void *v)
{
    if (lf_queue_enqueue(&s->queue, (lf_hp_rec *)ctx, v) != LF_OK) {
        fprintf(stderr, "bench: lf_queue_enqueue failed\n");
        exit(2);
    }
    return true;
}

BENCH_INLINE bool lfq_dequeue(pc_state *s, void *ctx, void **v)
{
    return lf_queue_dequeue(&s->queue, (lf_hp_rec *)ctx, v) == LF_OK;
}

/* lf_segqueue, with hazard pointers (domain as lf_queue's; begin and end: lf_queue's) */
BENCH_INLINE void lfsq_init_with(pc_state *s, hp_domain_init_fn domain_init, const char *asym_name)
{
    hp_domain_setup(s, domain_init, asym_name);
    if (lf_segqueue_init(&s->segqueue, &s->hp, SEGMENT_CAPACITY) != LF_OK) {
        fprintf(stderr, "bench: lf_segqueue_init failed\n");
        exit(2);
    }
}

BENCH_INLINE void lfsq_init(pc_state *s)
{
    lfsq_init_with(s, lf_hp_domain_init, NULL);
}

BENCH_INLINE void lfsq_asym_init(pc_state *s)
{
    lfsq_init_with(s, lf_hp_domain_init_asymmetric, "lf_segqueue_asym");
}

BENCH_INLINE void lfsq_destroy(pc_state *s)
{
    lf_segqueue_destroy(&s->segqueue);
    lf_hp_domain_destroy(&s->hp);
}

BENCH_INLINE bool lfsq_enqueue(pc_state *s, void *ctx, void *v)
{
    if (lf_segqueue_enqueue(&s->segqueue, (lf_hp_rec *)ctx, v) != LF_OK) {
        fprintf(stderr, "bench: lf_segqueue_enqueue failed\n");
        exit(2);
    }
    return true;
}

BENCH_INLINE bool lfsq_dequeue(pc_state *s, void *ctx, void **v)
{
    return lf_segqueue_dequeue(&s->segqueue, (lf_hp_rec *)ctx, v) == LF_OK;
}

/* mutex: a linked list under a pthread mutex */
BENCH_INLINE void mutexq_init(pc_state *s)
{
    pthread_mutex_init(&s->lock, NULL);
}

BENCH_INLINE void mutexq_destroy(pc_state *s)
{
    pthread_mutex_destroy(&s->lock);
}

BENCH_INLINE bool mutexq_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    mutexq_node *n = (mutexq_node *)xmalloc(sizeof *n);
    n->value = v;
    n->next = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->tail != NULL)
        s->tail->next = n;
    else
        s->head = n;
    s->tail = n;
    pthread_mutex_unlock(&s->lock);
    return true;
}

BENCH_INLINE bool mutexq_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    pthread_mutex_lock(&s->lock);
    mutexq_node *n = s->head;
    if (n != NULL) {
        s->head = n->next;
        if (s->head == NULL)
            s->tail = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    if (n == NULL)
        return false;
    *v = n->value;
    free(n);
    return true;
}

/* mutex_ring: a bounded array ring under a pthread mutex */
BENCH_INLINE void mring_init(pc_state *s)
{
    pthread_mutex_init(&s->lock, NULL);
    s->slots = (void **)harness_alloc(LF_CACHELINE, CAPACITY * sizeof *s->slots);
}

BENCH_INLINE void mring_destroy(pc_state *s)
{
    pthread_mutex_destroy(&s->lock);
    free(s->slots);
}

BENCH_INLINE bool mring_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    pthread_mutex_lock(&s->lock);
    bool room = s->ring_tail - s->ring_head < CAPACITY;
    if (room)
        s->slots[s->ring_tail++ % CAPACITY] = v;
    pthread_mutex_unlock(&s->lock);
    return room;
}

BENCH_INLINE bool mring_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    pthread_mutex_lock(&s->lock);
    bool any = s->ring_head != s->ring_tail;
    if (any)
        *v = s->slots[s->ring_head++ % CAPACITY];
    pthread_mutex_unlock(&s->lock);
    return any;
}

/* Concurrency Kit ck_ring: size CAPACITY, so it holds CAPACITY - 1 values */
BENCH_INLINE void ckring_init(pc_state *s)
{
    ck_ring_init(&s->ck, CAPACITY);
    s->ck_buffer = (ck_ring_buffer_t *)harness_alloc(LF_CACHELINE, CAPACITY * sizeof *s->ck_buffer);
}

BENCH_INLINE void ckring_destroy(pc_state *s)
{
    free(s->ck_buffer);
}

BENCH_INLINE bool ckspsc_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    return ck_ring_enqueue_spsc(&s->ck, s->ck_buffer, v);
}

BENCH_INLINE bool ckspsc_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    return ck_ring_dequeue_spsc(&s->ck, s->ck_buffer, v);
}

BENCH_INLINE bool ckmpmc_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    return ck_ring_enqueue_mpmc(&s->ck, s->ck_buffer, v);
}

BENCH_INLINE bool ckmpmc_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    return ck_ring_dequeue_mpmc(&s->ck, s->ck_buffer, v);
}

/* Concurrency Kit ck_fifo_spsc: the producer recycles nodes the consumer has passed */
BENCH_INLINE void ckfifo_init(pc_state *s)
{
    ck_fifo_spsc_init(&s->ck_fifo, (ck_fifo_spsc_entry_t *)xmalloc(sizeof(ck_fifo_spsc_entry_t)));
}

BENCH_INLINE void ckfifo_destroy(pc_state *s)
{
    ck_fifo_spsc_entry_t *e, *next;
    ck_fifo_spsc_deinit(&s->ck_fifo, &e); /* the oldest node: every node follows it */
    for (; e != NULL; e = next) {
        next = e->next;
        free(e);
    }
}

BENCH_INLINE bool ckfifo_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    ck_fifo_spsc_entry_t *e = ck_fifo_spsc_recycle(&s->ck_fifo);
    if (e == NULL)
        e = (ck_fifo_spsc_entry_t *)xmalloc(sizeof *e);
    ck_fifo_spsc_enqueue(&s->ck_fifo, e, v);
    return true;
}

BENCH_INLINE bool ckfifo_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    return ck_fifo_spsc_dequeue(&s->ck_fifo, v);
}

/* Concurrency Kit ck_hp_fifo: a record per begin (never reused within a trial) */
static void ckhp_free_node(void *p)
{
    free(p);
}

BENCH_INLINE void ckhp_init(pc_state *s)
{
    ck_hp_init(&s->ck_hp, 2, CK_HP_THRESHOLD, ckhp_free_node);
    s->ck_hp_records = (ck_hp_record_t *)harness_alloc(LF_CACHELINE, CK_HP_RECORDS * sizeof(ck_hp_record_t));
    s->ck_hp_pointers = (void **)harness_alloc(LF_CACHELINE, (size_t)CK_HP_RECORDS * LF_CACHELINE);
    ck_hp_fifo_init(&s->ck_hp_fifo, (ck_hp_fifo_entry_t *)xmalloc(sizeof(ck_hp_fifo_entry_t)));
}

BENCH_INLINE void ckhp_destroy(pc_state *s)
{
    /* relaxed: quiescent */
    unsigned used = atomic_load_explicit(&s->ck_hp_used, memory_order_relaxed);
    for (unsigned i = 0; i < used; i++) {
        ck_hp_purge(&s->ck_hp_records[i]);
        ck_hp_unregister(&s->ck_hp_records[i]);
    }
    ck_hp_fifo_entry_t *stub;
    ck_hp_fifo_deinit(&s->ck_hp_fifo, &stub); /* drained: only the stub is left */
    free(stub);
    free(s->ck_hp_records);
    free(s->ck_hp_pointers);
}

BENCH_INLINE void *ckhp_begin(pc_state *s)
{
    /* relaxed: only hands out distinct indices; ck_hp_register publishes the record */
    unsigned i = atomic_fetch_add_explicit(&s->ck_hp_used, 1, memory_order_relaxed);
    if (i >= CK_HP_RECORDS) {
        fprintf(stderr, "bench: out of ck_hp records\n");
        exit(2);
    }
    ck_hp_register(&s->ck_hp, &s->ck_hp_records[i],
                   s->ck_hp_pointers + (size_t)i * (LF_CACHELINE / sizeof(void *)));
    return &s->ck_hp_records[i];
}

BENCH_INLINE void ckhp_end(pc_state *s, void *ctx)
{
    (void)s;
    ck_hp_clear((ck_hp_record_t *)ctx);
}

BENCH_INLINE bool ckhp_enqueue(pc_state *s, void *ctx, void *v)
{
    ck_hp_fifo_entry_t *e = (ck_hp_fifo_entry_t *)xmalloc(sizeof *e);
    ck_hp_fifo_enqueue_mpmc((ck_hp_record_t *)ctx, &s->ck_hp_fifo, e, v);
    return true;
}

BENCH_INLINE bool ckhp_dequeue(pc_state *s, void *ctx, void **v)
{
    ck_hp_record_t *r = (ck_hp_record_t *)ctx;
    ck_hp_fifo_entry_t *garbage = ck_hp_fifo_dequeue_mpmc(r, &s->ck_hp_fifo, v);
    if (garbage == NULL)
        return false;
    ck_hp_free(r, &garbage->hazard, garbage, garbage);
    return true;
}

/* liburcu wfcqueue: no dequeue lock with one consumer, its lock with several */
BENCH_INLINE void wfcq_init(pc_state *s)
{
    cds_wfcq_init(&s->wfcq_head, &s->wfcq_tail);
}

BENCH_INLINE void wfcq_destroy(pc_state *s)
{
    cds_wfcq_destroy(&s->wfcq_head, &s->wfcq_tail);
}

BENCH_INLINE bool wfcq_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    wfcq_item *it = (wfcq_item *)xmalloc(sizeof *it);
    cds_wfcq_node_init(&it->node);
    it->value = v;
    cds_wfcq_enqueue(&s->wfcq_head, &s->wfcq_tail, &it->node);
    return true;
}

BENCH_INLINE bool wfcq_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    struct cds_wfcq_node *n = s->nc == 1 ? __cds_wfcq_dequeue_blocking(&s->wfcq_head, &s->wfcq_tail)
                                         : cds_wfcq_dequeue_blocking(&s->wfcq_head, &s->wfcq_tail);
    if (n == NULL)
        return false;
    wfcq_item *it = lf_container_of(n, wfcq_item, node);
    *v = it->value;
    free(it);
    return true;
}

/* liburcu rculfqueue: every thread registered with RCU, operations in read-side
   sections, dequeued nodes freed through call_rcu */
static void rculfq_free(struct rcu_head *h)
{
    free(lf_container_of(h, rculfq_item, rcu));
}

BENCH_INLINE void rculfq_init(pc_state *s)
{
    cds_lfq_init_rcu(&s->rculfq, call_rcu);
}

BENCH_INLINE void rculfq_destroy(pc_state *s)
{
    rcu_register_thread();
    if (cds_lfq_destroy_rcu(&s->rculfq) != 0)
        fprintf(stderr, "bench: rculfqueue not empty at teardown\n");
    rcu_barrier(); /* every call_rcu callback has run: nothing leaks into the next trial */
    rcu_unregister_thread();
}

BENCH_INLINE void *rculfq_begin(pc_state *s)
{
    (void)s;
    rcu_register_thread();
    return NULL;
}

BENCH_INLINE void rculfq_end(pc_state *s, void *ctx)
{
    (void)s;
    (void)ctx;
    rcu_unregister_thread();
}

BENCH_INLINE bool rculfq_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)ctx;
    rculfq_item *it = (rculfq_item *)xmalloc(sizeof *it);
    cds_lfq_node_init_rcu(&it->node);
    it->value = v;
    rcu_read_lock();
    cds_lfq_enqueue_rcu(&s->rculfq, &it->node);
    rcu_read_unlock();
    return true;
}

BENCH_INLINE bool rculfq_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)ctx;
    rcu_read_lock();
    struct cds_lfq_node_rcu *n = cds_lfq_dequeue_rcu(&s->rculfq);
    rcu_read_unlock();
    if (n == NULL)
        return false;
    rculfq_item *it = lf_container_of(n, rculfq_item, node);
    *v = it->value;
    call_rcu(&it->rcu, rculfq_free);
    return true;
}

/* timer_only (queue_latency): no queue; enqueue succeeds, dequeue finds nothing; no check */
BENCH_INLINE bool timer_enqueue(pc_state *s, void *ctx, void *v)
{
    (void)s;
    (void)ctx;
    (void)v;
    return true;
}

BENCH_INLINE bool timer_dequeue(pc_state *s, void *ctx, void **v)
{
    (void)s;
    (void)ctx;
    (void)v;
    return false;
}

static const pc_ops ring_ops = {true, any_config, ring_init, ring_destroy, no_context, no_end, ring_enqueue, ring_dequeue},
                    spsc_ops = {true, one_to_one, spsc_init, spsc_destroy, no_context, no_end, spsc_enqueue, spsc_dequeue},
                    mpsc_ops = {false, one_consumer, mpsc_init, nothing, no_context, no_end, mpsc_enqueue, mpsc_dequeue},
                    lfq_ops = {false, any_config, lfq_init, lfq_destroy, lfq_begin, lfq_end, lfq_enqueue, lfq_dequeue},
                    lfq_asym_ops = {false, any_config, lfq_asym_init, lfq_destroy, lfq_begin, lfq_end, lfq_enqueue,
                                    lfq_dequeue},
                    lfsq_ops = {false, any_config, lfsq_init, lfsq_destroy, lfq_begin, lfq_end, lfsq_enqueue,
                                lfsq_dequeue},
                    lfsq_asym_ops = {false, any_config, lfsq_asym_init, lfsq_destroy, lfq_begin, lfq_end,
                                     lfsq_enqueue, lfsq_dequeue},
                    mutexq_ops = {false, any_config, mutexq_init, mutexq_destroy, no_context, no_end, mutexq_enqueue,
                                  mutexq_dequeue},
                    mring_ops = {true, any_config, mring_init, mring_destroy, no_context, no_end, mring_enqueue,
                                 mring_dequeue},
                    ckspsc_ops = {true, one_to_one, ckring_init, ckring_destroy, no_context, no_end, ckspsc_enqueue,
                                  ckspsc_dequeue},
                    ckmpmc_ops = {true, any_config, ckring_init, ckring_destroy, no_context, no_end, ckmpmc_enqueue,
                                  ckmpmc_dequeue},
                    ckfifo_ops = {false, one_to_one, ckfifo_init, ckfifo_destroy, no_context, no_end, ckfifo_enqueue,
                                  ckfifo_dequeue},
                    ckhp_ops = {false, any_config, ckhp_init, ckhp_destroy, ckhp_begin, ckhp_end, ckhp_enqueue,
                                ckhp_dequeue},
                    wfcq_ops = {false, any_config, wfcq_init, wfcq_destroy, no_context, no_end, wfcq_enqueue,
                                wfcq_dequeue},
                    rculfq_ops = {false, any_config, rculfq_init, rculfq_destroy, rculfq_begin, rculfq_end,
                                  rculfq_enqueue, rculfq_dequeue},
                    timer_ops = {true, any_config, nothing, nothing, no_context, no_end, timer_enqueue, timer_dequeue};

/* ---- the loops ----------------------------------------------------------- */

/* latency: every thread is a producer and a consumer. */
BENCH_INLINE void *common_setup(const pc_ops *ops, unsigned nthreads, bool latency)
{
    unsigned n = bench_threads_of(nthreads);
    unsigned np = latency ? n : bench_producers(nthreads), nc = latency ? n : bench_consumers(nthreads);
    if (n > MAX_THREADS || np > MAX_PRODUCERS || nc == 0 || !ops->applies(np, nc))
        return BENCH_SKIP;
    pc_state *s = (pc_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->nthreads = n;
    s->np = np;
    s->nc = nc;
    ops->init(s);
    return s;
}

/* Enqueue v, spinning while full; false if the trial ended first. */
BENCH_INLINE bool put(const pc_ops *ops, pc_state *s, void *ctx, void *v, const atomic_bool *stop)
{
    while (!ops->enqueue(s, ctx, v)) {
        if (!bench_running(stop))
            return false;
        lf_cpu_relax();
    }
    return true;
}

/* prodcons: tid < np produces, the rest consume; returns the values this consumer delivered. */
BENCH_INLINE uint64_t prodcons_run(const pc_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    pc_state *s = (pc_state *)p;
    bench_value_log *l = &s->logs[tid];
    void *ctx = ops->begin(s);
    if (tid < s->np) {
        while (bench_running(stop)) {
            for (int i = 0; i < BATCH; i++) {
                if (!put(ops, s, ctx, bench_value(tid, l->produced), stop))
                    break;
                l->produced++;
            }
            if (!ops->bounded) {
                /* relaxed: a rough backlog for flow control; no data is read through it */
                uint64_t in = atomic_fetch_add_explicit(&s->enqueued, BATCH, memory_order_relaxed) + BATCH;
                /* relaxed: the same flow-control count */
                while (in - atomic_load_explicit(&s->dequeued, memory_order_relaxed) > CAPACITY &&
                       bench_running(stop))
                    lf_cpu_relax();
            }
        }
        ops->end(s, ctx);
        return BENCH_UNCOUNTED;
    }
    while (bench_running(stop)) {
        uint64_t before = l->delivered;
        for (int i = 0; i < BATCH; i++) {
            void *v;
            if (ops->dequeue(s, ctx, &v))
                bench_value_log_add(l, s->np, v);
        }
        if (!ops->bounded) {
            /* relaxed: flow control only, as the producers' */
            atomic_fetch_add_explicit(&s->dequeued, l->delivered - before, memory_order_relaxed);
        }
    }
    ops->end(s, ctx);
    return l->delivered;
}

/* queue_latency: enqueue(own value); dequeue(), each timed; returns the single operations. */
BENCH_INLINE uint64_t timed_run(const pc_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    pc_state *s = (pc_state *)p;
    bench_value_log *l = &s->logs[tid];
    bench_hist *h = (bench_hist *)harness_alloc(64, sizeof *h);
    void *ctx = ops->begin(s);
    uint64_t n = 0, last = harness_now_ns();
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            if (!put(ops, s, ctx, bench_value(tid, l->produced), stop))
                break; /* cannot happen: at most one value per thread is queued */
            l->produced++;
            uint64_t t = harness_now_ns();
            bench_hist_add(h, t - last);
            void *v;
            bool got = ops->dequeue(s, ctx, &v);
            last = harness_now_ns();
            bench_hist_add(h, last - t);
            if (got)
                bench_value_log_add(l, s->np, v);
            else
                l->empties++;
        }
        n += 2 * BATCH;
    }
    ops->end(s, ctx);
    bench_report_latency(tid, h);
    free(h);
    return n;
}

/* After the trial (quiescent): drain on this thread, then the verdict. */
BENCH_INLINE const char *drained_check(const pc_ops *ops, void *p)
{
    pc_state *s = (pc_state *)p;
    void *ctx = ops->begin(s), *v;
    while (ops->dequeue(s, ctx, &v))
        bench_value_log_add(&s->logs[s->nthreads], s->np, v);
    ops->end(s, ctx);
    return verdict(s);
}

/* Teardown: whatever is still queued (a failed check stops nothing) goes, then the structure. */
BENCH_INLINE void drained_teardown(const pc_ops *ops, void *p)
{
    pc_state *s = (pc_state *)p;
    void *ctx = ops->begin(s), *v;
    while (ops->dequeue(s, ctx, &v))
        ;
    ops->end(s, ctx);
    ops->destroy(s);
    free(s);
}

#define PC_ENTRY_FNS(X)                                                                               \
    static void *X##_setup(unsigned nthreads)                                                         \
    {                                                                                                 \
        return common_setup(&X##_ops, nthreads, false);                                               \
    }                                                                                                 \
    static uint64_t X##_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)        \
    {                                                                                                 \
        (void)nthreads;                                                                               \
        return prodcons_run(&X##_ops, p, tid, stop);                                                  \
    }                                                                                                 \
    static const char *X##_check(void *p)                                                             \
    {                                                                                                 \
        return drained_check(&X##_ops, p);                                                            \
    }                                                                                                 \
    static void X##_teardown(void *p)                                                                 \
    {                                                                                                 \
        drained_teardown(&X##_ops, p);                                                                \
    }

#define PC_TIMED_FNS(X)                                                                               \
    static void *X##_lsetup(unsigned nthreads)                                                        \
    {                                                                                                 \
        return common_setup(&X##_ops, nthreads, true);                                                \
    }                                                                                                 \
    static uint64_t X##_timed(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)      \
    {                                                                                                 \
        (void)nthreads;                                                                               \
        return timed_run(&X##_ops, p, tid, stop);                                                     \
    }

PC_ENTRY_FNS(ring)
PC_ENTRY_FNS(spsc)
PC_ENTRY_FNS(mpsc)
PC_ENTRY_FNS(lfq)
PC_ENTRY_FNS(lfq_asym)
PC_ENTRY_FNS(lfsq)
PC_ENTRY_FNS(lfsq_asym)
PC_ENTRY_FNS(mutexq)
PC_ENTRY_FNS(mring)
PC_ENTRY_FNS(ckspsc)
PC_ENTRY_FNS(ckmpmc)
PC_ENTRY_FNS(ckfifo)
PC_ENTRY_FNS(ckhp)
PC_ENTRY_FNS(wfcq)
PC_ENTRY_FNS(rculfq)
PC_TIMED_FNS(ring)
PC_TIMED_FNS(lfq)
PC_TIMED_FNS(mutexq)
PC_TIMED_FNS(ckmpmc)
PC_TIMED_FNS(timer)

static void timer_teardown(void *p)
{
    free(p); /* timer_ops has no structure and nothing queued */
}

static const bench_entry prodcons_entries[] = {
    {"mutex", mutexq_setup, mutexq_run, mutexq_check, mutexq_teardown},
    {"mutex_ring", mring_setup, mring_run, mring_check, mring_teardown},
    {"ck_ring_spsc", ckspsc_setup, ckspsc_run, ckspsc_check, ckspsc_teardown},
    {"ck_ring_mpmc", ckmpmc_setup, ckmpmc_run, ckmpmc_check, ckmpmc_teardown},
    {"ck_fifo_spsc", ckfifo_setup, ckfifo_run, ckfifo_check, ckfifo_teardown},
    {"ck_hp_fifo", ckhp_setup, ckhp_run, ckhp_check, ckhp_teardown},
    {"urcu_wfcq", wfcq_setup, wfcq_run, wfcq_check, wfcq_teardown},
    {"urcu_lfq", rculfq_setup, rculfq_run, rculfq_check, rculfq_teardown},
    {"lf_queue", lfq_setup, lfq_run, lfq_check, lfq_teardown},
    {"lf_queue_asym", lfq_asym_setup, lfq_asym_run, lfq_asym_check, lfq_asym_teardown},
    {"lf_segqueue", lfsq_setup, lfsq_run, lfsq_check, lfsq_teardown},
    {"lf_segqueue_asym", lfsq_asym_setup, lfsq_asym_run, lfsq_asym_check, lfsq_asym_teardown},
    {"lf_mpsc", mpsc_setup, mpsc_run, mpsc_check, mpsc_teardown},
    {"lf_spsc", spsc_setup, spsc_run, spsc_check, spsc_teardown},
    {"lf_ring", ring_setup, ring_run, ring_check, ring_teardown},
};

const bench_family bench_prodcons = {
    "prodcons", "P producers, C consumers on one shared queue: values delivered", false,
    {BENCH_PC(1, 1), BENCH_PC(2, 2), BENCH_PC(3, 1), BENCH_PC(1, 3), 0}, {"mutex", "ck_ring_mpmc", "ck_ring_spsc"},
    prodcons_entries, sizeof prodcons_entries / sizeof prodcons_entries[0],
};

static const bench_entry queue_latency_entries[] = {
    {"timer_only", timer_lsetup, timer_timed, NULL, timer_teardown},
    {"mutex", mutexq_lsetup, mutexq_timed, mutexq_check, mutexq_teardown},
    {"ck_ring_mpmc", ckmpmc_lsetup, ckmpmc_timed, ckmpmc_check, ckmpmc_teardown},
    {"lf_queue", lfq_lsetup, lfq_timed, lfq_check, lfq_teardown},
    {"lf_ring", ring_lsetup, ring_timed, ring_check, ring_teardown},
};

const bench_family bench_queue_latency = {
    "queue_latency", "enqueue and dequeue timed one by one on one shared queue (rate: single operations)", false,
    {1, 2, 4, 0}, {"mutex", "ck_ring_mpmc", NULL},
    queue_latency_entries, sizeof queue_latency_entries / sizeof queue_latency_entries[0],
};

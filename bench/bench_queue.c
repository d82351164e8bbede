/*
 * Queue and hazard-pointer stack benchmarks.
 *
 * queue: each thread repeats enqueue(its next value); dequeue(), so one
 * operation counted is one enqueue+dequeue pair on a shared queue.
 * Separate producers and consumers: the prodcons family (bench_prodcons.c).
 *
 * Entries: lf_queue (lfkit, hazard pointers) and lf_queue_asym (the same on an
 * asymmetric domain, lf_hp_domain_init_asymmetric); Concurrency Kit's ck_hp_fifo
 * (Michael-Scott with ck_hp hazard pointers) and ck_fifo_mpmc (generation
 * counters and double-width CAS, nodes type-stable and reused at once);
 * liburcu's wfcqueue (wait-free enqueue, dequeue under its mutex) and
 * rculfqueue (RCU-protected lock-free queue, nodes freed through call_rcu);
 * a pthread_mutex queue; lfkit's bounded lf_ring (capacity RING_CAPACITY,
 * far above the at most one value per thread it holds here); and lfkit's
 * lf_segqueue and lf_segqueue_asym (on an asymmetric domain; segments of SEGMENT_CAPACITY values: here it never leaves
 * its first segment, which it reuses lap after lap).  Nodes: lf_queue recycles through its hazard
 * record's cache; ck_hp_fifo and rculfqueue malloc per enqueue and free
 * from their reclamation callback (which gets no thread context to cache
 * in); ck_fifo_mpmc, wfcqueue and the mutex queue reuse the dequeued node
 * for the thread's next enqueue (ck_fifo_mpmc's spare ones go to a shared
 * free list, since its nodes must stay readable).
 *
 * Every trial checks its result: values are (producer, seq); each
 * consumer sees every producer's seqs strictly increasing; after the
 * trial the queue is drained (the rest must continue each producer's
 * sequence in order), and per producer the count and the sum of seqs
 * delivered must equal what it enqueued (each value exactly once).  In the
 * pairs mode the queue is never empty when a thread dequeues (its own
 * value is in it, and no thread dequeues more than it enqueued), so every
 * LF_EMPTY is a linearizability failure: counted as "spurious empty".
 * For lf_queue, lf_segqueue and lf_ring any order error or spurious empty fails the trial; for the
 * other libraries they are reported on stderr (they are what is being
 * compared), while lost or duplicated values fail every trial.
 *
 * stack_hp: each thread pushes a fresh heap node and pops one, retiring
 * the popped node through hazard pointers (free() as reclaim): lfkit's
 * lf_stack_pop_hp (and lf_stack_pop_hp_asym, on an asymmetric domain) vs
 * Concurrency Kit's ck_hp_stack.  Checked: every node
 * pushed is popped (during the trial or when draining) exactly once, by
 * count and sum of ids.
 */
#define _LGPL_SOURCE
#include "bench.h"
#include "value_log.h"

#include <ck_fifo.h>
#include <ck_hp.h>
#include <ck_hp_fifo.h>
#include <ck_hp_stack.h>
#include <lfkit/queue.h>
#include <lfkit/ring.h>
#include <lfkit/segqueue.h>
#include <lfkit/stack.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu.h>
#include <urcu/rculfqueue.h>
#include <urcu/wfcqueue.h>

enum { BATCH = 64, POOL_SLACK = 1 << 14, CK_HP_THRESHOLD = 64, RING_CAPACITY = 1024,
       SEGMENT_CAPACITY = 1024 };

/* ---- per-thread accounting, shared by every entry (value_log.h) ---------- */

/* Common state: the accounting, one log per thread plus the drain's. */
typedef struct queue_common {
    unsigned nthreads;
    bench_value_log *logs;
} queue_common;

static void common_init(queue_common *c, unsigned nthreads)
{
    c->nthreads = nthreads;
    c->logs = (bench_value_log *)harness_alloc(LF_CACHELINE, (nthreads + 1) * sizeof *c->logs);
}

static void common_free(queue_common *c)
{
    free(c->logs);
}

/*
 * The verdict, after the drain logged the rest in logs[nthreads]: every
 * value exactly once; strict: order errors and spurious empties fail too,
 * else they are noted (entries known to break them).
 */
static const char *verdict(queue_common *c, const char *entry, bool strict)
{
    uint64_t disorder, empties, delivered;
    const char *why = bench_value_check(c->logs, c->nthreads, c->nthreads, &disorder, &empties, &delivered);
    if (why != NULL)
        return why;
    if (empties || disorder) {
        if (strict)
            return empties ? "dequeue reported empty on a non-empty queue"
                           : "a producer's values were delivered out of order";
        fprintf(stderr, "bench: note: %s at %u threads: %llu out-of-order, %llu spurious empty in %llu dequeues\n",
                entry, c->nthreads, (unsigned long long)disorder, (unsigned long long)empties,
                (unsigned long long)delivered);
    }
    return NULL;
}

/*
 * Each entry is a set of adapters over its own state (whose first member
 * is the queue_common); one pairs loop and one drain check, below the
 * adapters, run them all.  Everything is forced inline and the tables are
 * const, so each entry's loop compiles to its own code with no call
 * through a pointer.
 */
typedef struct queue_ops {
    const char *name; /* in the verdict's notes */
    bool strict;      /* order errors and spurious empties fail the trial */
    void *(*begin)(void *s, unsigned tid); /* a thread's context */
    void (*end)(void *s, void *ctx);
    void (*enqueue)(void *s, void *ctx, void *v);
    bool (*dequeue)(void *s, void *ctx, void **v); /* false: empty */
} queue_ops;

/* A node a thread holds between a dequeue and its next enqueue. */
typedef struct hand {
    LF_CACHE_ALIGNED void *node;
} hand;

static hand *hands_new(unsigned nthreads)
{
    return (hand *)harness_alloc(LF_CACHELINE, (nthreads + 1) * sizeof(hand));
}

static void hands_free(hand *h, unsigned nthreads)
{
    for (unsigned t = 0; t <= nthreads; t++)
        free(h[t].node);
    free(h);
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

/* Take the node in hand, else a new one. */
static inline void *hand_take(hand *h, size_t size)
{
    void *n = h->node;
    h->node = NULL;
    return n != NULL ? n : xmalloc(size);
}

/* Keep a dequeued node for the next enqueue, or free it (a spare). */
static inline void hand_keep(hand *h, void *n)
{
    if (h->node == NULL)
        h->node = n;
    else
        free(n);
}

/* ---- lfkit's hazard-pointer queues: what lf_queue and lf_segqueue share --- */

typedef lf_status (*hp_domain_init_fn)(lf_hp_domain *d, unsigned slots_per_rec);

/* The first member of lfq_state and lfsq_state: the accounting and the domain. */
typedef struct hpq_common {
    queue_common c;
    lf_hp_domain hp;
} hpq_common;

/* domain_init: lf_hp_domain_init, or lf_hp_domain_init_asymmetric for the _asym entries (named by asym_name). */
static void hpq_init(hpq_common *h, unsigned nthreads, hp_domain_init_fn domain_init, const char *asym_name)
{
    common_init(&h->c, nthreads);
    if (domain_init(&h->hp, 2) != LF_OK) {
        fprintf(stderr, "bench: lf_hp_domain_init failed\n");
        exit(2);
    }
    if (asym_name != NULL)
        bench_warn_symmetric(asym_name, lf_hp_domain_is_asymmetric(&h->hp));
}

static void hpq_free(hpq_common *h)
{
    lf_hp_domain_destroy(&h->hp);
    common_free(&h->c);
}

/* p: an lfq_state or lfsq_state, whose first member is its hpq_common. */
BENCH_INLINE void *hpq_begin(void *p, unsigned tid)
{
    hpq_common *h = (hpq_common *)p;
    (void)tid;
    lf_hp_rec *r = lf_hp_rec_acquire(&h->hp);
    if (r == NULL) {
        fprintf(stderr, "bench: lf_hp_rec_acquire failed\n");
        exit(2);
    }
    return r;
}

BENCH_INLINE void hpq_end(void *p, void *ctx)
{
    (void)p;
    lf_hp_rec_release((lf_hp_rec *)ctx);
}

/* ---- lf_queue ------------------------------------------------------------ */

typedef struct lfq_state {
    hpq_common h;
    lf_queue q;
} lfq_state;

static void *lfq_setup_with(unsigned nthreads, hp_domain_init_fn domain_init, const char *asym_name)
{
    lfq_state *s = (lfq_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    hpq_init(&s->h, nthreads, domain_init, asym_name);
    if (lf_queue_init(&s->q, &s->h.hp) != LF_OK) {
        fprintf(stderr, "bench: lf_queue_init failed\n");
        exit(2);
    }
    return s;
}

static void *lfq_setup(unsigned nthreads)
{
    return lfq_setup_with(nthreads, lf_hp_domain_init, NULL);
}

static void *lfq_asym_setup(unsigned nthreads)
{
    return lfq_setup_with(nthreads, lf_hp_domain_init_asymmetric, "lf_queue_asym");
}

static void lfq_teardown(void *p)
{
    lfq_state *s = (lfq_state *)p;
    lf_queue_destroy(&s->q);
    hpq_free(&s->h);
    free(s);
}

BENCH_INLINE void lfq_enqueue(void *p, void *ctx, void *v)
{
    lfq_state *s = (lfq_state *)p;
    if (lf_queue_enqueue(&s->q, (lf_hp_rec *)ctx, v) != LF_OK) {
        fprintf(stderr, "bench: lf_queue_enqueue failed\n");
        exit(2);
    }
}

BENCH_INLINE bool lfq_dequeue(void *p, void *ctx, void **v)
{
    lfq_state *s = (lfq_state *)p;
    return lf_queue_dequeue(&s->q, (lf_hp_rec *)ctx, v) == LF_OK;
}

static const queue_ops lfq_ops = {"lf_queue", true, hpq_begin, hpq_end, lfq_enqueue, lfq_dequeue};

/* ---- lf_segqueue (ring segments, hazard pointers) ------------------------ */

typedef struct lfsq_state {
    hpq_common h;
    lf_segqueue q;
} lfsq_state;

static void *lfsq_setup_with(unsigned nthreads, hp_domain_init_fn domain_init, const char *asym_name)
{
    lfsq_state *s = (lfsq_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    hpq_init(&s->h, nthreads, domain_init, asym_name);
    if (lf_segqueue_init(&s->q, &s->h.hp, SEGMENT_CAPACITY) != LF_OK) {
        fprintf(stderr, "bench: lf_segqueue_init failed\n");
        exit(2);
    }
    return s;
}

static void *lfsq_setup(unsigned nthreads)
{
    return lfsq_setup_with(nthreads, lf_hp_domain_init, NULL);
}

static void *lfsq_asym_setup(unsigned nthreads)
{
    return lfsq_setup_with(nthreads, lf_hp_domain_init_asymmetric, "lf_segqueue_asym");
}

static void lfsq_teardown(void *p)
{
    lfsq_state *s = (lfsq_state *)p;
    lf_segqueue_destroy(&s->q);
    hpq_free(&s->h);
    free(s);
}

BENCH_INLINE void lfsq_enqueue(void *p, void *ctx, void *v)
{
    lfsq_state *s = (lfsq_state *)p;
    if (lf_segqueue_enqueue(&s->q, (lf_hp_rec *)ctx, v) != LF_OK) {
        fprintf(stderr, "bench: lf_segqueue_enqueue failed\n");
        exit(2);
    }
}

BENCH_INLINE bool lfsq_dequeue(void *p, void *ctx, void **v)
{
    lfsq_state *s = (lfsq_state *)p;
    return lf_segqueue_dequeue(&s->q, (lf_hp_rec *)ctx, v) == LF_OK;
}

static const queue_ops lfsq_ops = {"lf_segqueue", true, hpq_begin, hpq_end, lfsq_enqueue, lfsq_dequeue};

/* ---- Concurrency Kit ck_hp_fifo ----------------------------------------- */

/* Hazard pointer arrays, one cache line per thread (ck leaves them to us). */
static void **ck_pointers_new(unsigned nrecords)
{
    return (void **)harness_alloc(LF_CACHELINE, (size_t)nrecords * LF_CACHELINE);
}

static void **ck_pointers_of(void **base, unsigned tid)
{
    return base + (size_t)tid * (LF_CACHELINE / sizeof(void *));
}

static void ck_free_node(void *p)
{
    free(p);
}

typedef struct ckhp_state {
    queue_common c;
    ck_hp_t hp;
    ck_hp_record_t *records;
    void **pointers;
    LF_CACHE_ALIGNED ck_hp_fifo_t fifo;
} ckhp_state;

static void *ckhp_setup(unsigned nthreads)
{
    ckhp_state *s = (ckhp_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    common_init(&s->c, nthreads);
    ck_hp_init(&s->hp, 2, CK_HP_THRESHOLD, ck_free_node);
    s->records = (ck_hp_record_t *)harness_alloc(LF_CACHELINE, nthreads * sizeof *s->records);
    s->pointers = ck_pointers_new(nthreads);
    for (unsigned t = 0; t < nthreads; t++)
        ck_hp_register(&s->hp, &s->records[t], ck_pointers_of(s->pointers, t));
    ck_hp_fifo_entry_t *stub = (ck_hp_fifo_entry_t *)harness_alloc(16, sizeof *stub);
    ck_hp_fifo_init(&s->fifo, stub);
    return s;
}

static void ckhp_teardown(void *p)
{
    ckhp_state *s = (ckhp_state *)p;
    for (unsigned t = 0; t < s->c.nthreads; t++)
        ck_hp_clear(&s->records[t]);
    for (unsigned t = 0; t < s->c.nthreads; t++) {
        ck_hp_purge(&s->records[t]);
        ck_hp_unregister(&s->records[t]);
    }
    ck_hp_fifo_entry_t *stub;
    ck_hp_fifo_deinit(&s->fifo, &stub);
    free(stub);
    free(s->records);
    free(s->pointers);
    common_free(&s->c);
    free(s);
}

BENCH_INLINE void *ckhp_begin(void *p, unsigned tid)
{
    ckhp_state *s = (ckhp_state *)p;
    return &s->records[tid];
}

BENCH_INLINE void ckhp_end(void *p, void *ctx)
{
    (void)p;
    ck_hp_clear((ck_hp_record_t *)ctx);
}

BENCH_INLINE void ckhp_enqueue(void *p, void *ctx, void *v)
{
    ckhp_state *s = (ckhp_state *)p;
    ck_hp_fifo_entry_t *e = (ck_hp_fifo_entry_t *)xmalloc(sizeof *e);
    ck_hp_fifo_enqueue_mpmc((ck_hp_record_t *)ctx, &s->fifo, e, v);
}

BENCH_INLINE bool ckhp_dequeue(void *p, void *ctx, void **v)
{
    ckhp_state *s = (ckhp_state *)p;
    ck_hp_record_t *r = (ck_hp_record_t *)ctx;
    ck_hp_fifo_entry_t *garbage = ck_hp_fifo_dequeue_mpmc(r, &s->fifo, v);
    if (garbage == NULL)
        return false;
    ck_hp_free(r, &garbage->hazard, garbage, garbage);
    return true;
}

static const queue_ops ckhp_ops = {"ck_hp_fifo", false, ckhp_begin, ckhp_end, ckhp_enqueue, ckhp_dequeue};

/* ---- Concurrency Kit ck_fifo_mpmc (type-stable nodes, reused at once) ---- */

typedef struct mpmc_node {
    ck_fifo_mpmc_entry_t entry;
    lf_stack_node free_link;
} mpmc_node;

typedef struct mpmc_state {
    queue_common c;
    LF_CACHE_ALIGNED ck_fifo_mpmc_t fifo;
    lf_stack free_nodes;          /* spare dequeued nodes */
    mpmc_node *pool;              /* every node; freed at teardown only */
    size_t pool_size;
    LF_CACHE_ALIGNED _Atomic(size_t) pool_used;
    hand *hands;
} mpmc_state;

static void *mpmc_setup(unsigned nthreads)
{
    mpmc_state *s = (mpmc_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    common_init(&s->c, nthreads);
    /* more than the most nodes alive at once: values queued, hands, stub */
    s->pool_size = POOL_SLACK + 2 * (size_t)BATCH * nthreads + 2 * (size_t)nthreads + 2;
    s->pool = (mpmc_node *)harness_alloc(LF_CACHELINE, s->pool_size * sizeof *s->pool);
    atomic_store_explicit(&s->pool_used, (size_t)1, memory_order_relaxed);
    ck_fifo_mpmc_init(&s->fifo, &s->pool[0].entry);
    lf_stack_init(&s->free_nodes);
    s->hands = (hand *)harness_alloc(LF_CACHELINE, (nthreads + 1) * sizeof(hand));
    return s;
}

static void mpmc_teardown(void *p)
{
    mpmc_state *s = (mpmc_state *)p;
    free(s->pool);
    free(s->hands);
    common_free(&s->c);
    free(s);
}

BENCH_INLINE void *mpmc_begin(void *p, unsigned tid)
{
    mpmc_state *s = (mpmc_state *)p;
    return &s->hands[tid];
}

BENCH_INLINE void mpmc_end(void *p, void *ctx)
{
    mpmc_state *s = (mpmc_state *)p;
    hand *h = (hand *)ctx;
    if (h->node != NULL)
        lf_stack_push(&s->free_nodes, &((mpmc_node *)h->node)->free_link);
    h->node = NULL;
}

static inline mpmc_node *mpmc_node_get(mpmc_state *s, hand *h)
{
    mpmc_node *n = (mpmc_node *)h->node;
    h->node = NULL;
    while (n == NULL) {
        lf_stack_node *f = lf_stack_pop(&s->free_nodes);
        if (f != NULL)
            return lf_container_of(f, mpmc_node, free_link);
        /* relaxed: a unique index; the pool was initialised before the trial */
        size_t i = atomic_fetch_add_explicit(&s->pool_used, (size_t)1, memory_order_relaxed);
        if (i < s->pool_size)
            return &s->pool[i];
        lf_cpu_relax();
    }
    return n;
}

BENCH_INLINE void mpmc_enqueue(void *p, void *ctx, void *v)
{
    mpmc_state *s = (mpmc_state *)p;
    ck_fifo_mpmc_enqueue(&s->fifo, &mpmc_node_get(s, (hand *)ctx)->entry, v);
}

BENCH_INLINE bool mpmc_dequeue(void *p, void *ctx, void **v)
{
    mpmc_state *s = (mpmc_state *)p;
    ck_fifo_mpmc_entry_t *garbage;
    if (!ck_fifo_mpmc_dequeue(&s->fifo, v, &garbage))
        return false;
    hand *h = (hand *)ctx;
    mpmc_node *n = lf_container_of(garbage, mpmc_node, entry);
    if (h->node == NULL)
        h->node = n;
    else
        lf_stack_push(&s->free_nodes, &n->free_link);
    return true;
}

static const queue_ops mpmc_ops = {"ck_fifo_mpmc", false, mpmc_begin, mpmc_end, mpmc_enqueue, mpmc_dequeue};

/* ---- liburcu wfcqueue (wait-free enqueue, blocking dequeue) -------------- */

typedef struct wfcq_item {
    struct cds_wfcq_node node;
    void *value;
} wfcq_item;

typedef struct wfcq_state {
    queue_common c;
    LF_CACHE_ALIGNED struct cds_wfcq_head head;
    LF_CACHE_ALIGNED struct cds_wfcq_tail tail;
    hand *hands;
} wfcq_state;

static void *wfcq_setup(unsigned nthreads)
{
    wfcq_state *s = (wfcq_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    common_init(&s->c, nthreads);
    cds_wfcq_init(&s->head, &s->tail);
    s->hands = hands_new(nthreads);
    return s;
}

static void wfcq_teardown(void *p)
{
    wfcq_state *s = (wfcq_state *)p;
    cds_wfcq_destroy(&s->head, &s->tail);
    hands_free(s->hands, s->c.nthreads);
    common_free(&s->c);
    free(s);
}

BENCH_INLINE void *wfcq_begin(void *p, unsigned tid)
{
    wfcq_state *s = (wfcq_state *)p;
    return &s->hands[tid];
}

BENCH_INLINE void wfcq_end(void *p, void *ctx)
{
    (void)p;
    (void)ctx;
}

BENCH_INLINE void wfcq_enqueue(void *p, void *ctx, void *v)
{
    wfcq_state *s = (wfcq_state *)p;
    wfcq_item *it = (wfcq_item *)hand_take((hand *)ctx, sizeof *it);
    cds_wfcq_node_init(&it->node);
    it->value = v;
    cds_wfcq_enqueue(&s->head, &s->tail, &it->node);
}

BENCH_INLINE bool wfcq_dequeue(void *p, void *ctx, void **v)
{
    wfcq_state *s = (wfcq_state *)p;
    struct cds_wfcq_node *n = cds_wfcq_dequeue_blocking(&s->head, &s->tail);
    if (n == NULL)
        return false;
    wfcq_item *it = lf_container_of(n, wfcq_item, node);
    *v = it->value;
    hand_keep((hand *)ctx, it);
    return true;
}

static const queue_ops wfcq_ops = {"urcu_wfcq", false, wfcq_begin, wfcq_end, wfcq_enqueue, wfcq_dequeue};

/* ---- liburcu rculfqueue (RCU read side, call_rcu reclamation) ------------ */

typedef struct rculfq_item {
    struct cds_lfq_node_rcu node;
    struct rcu_head rcu;
    void *value;
} rculfq_item;

typedef struct rculfq_state {
    queue_common c;
    LF_CACHE_ALIGNED struct cds_lfq_queue_rcu q;
} rculfq_state;

static void rculfq_free(struct rcu_head *h)
{
    free(lf_container_of(h, rculfq_item, rcu));
}

static void *rculfq_setup(unsigned nthreads)
{
    rculfq_state *s = (rculfq_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    common_init(&s->c, nthreads);
    cds_lfq_init_rcu(&s->q, call_rcu);
    return s;
}

static void rculfq_teardown(void *p)
{
    rculfq_state *s = (rculfq_state *)p;
    rcu_register_thread();
    if (cds_lfq_destroy_rcu(&s->q) != 0)
        fprintf(stderr, "bench: rculfqueue not empty at teardown\n");
    rcu_barrier(); /* every call_rcu callback has run: nothing leaks into the next trial */
    rcu_unregister_thread();
    common_free(&s->c);
    free(s);
}

BENCH_INLINE void *rculfq_begin(void *p, unsigned tid)
{
    (void)p;
    (void)tid;
    rcu_register_thread();
    return NULL;
}

BENCH_INLINE void rculfq_end(void *p, void *ctx)
{
    (void)p;
    (void)ctx;
    rcu_unregister_thread();
}

BENCH_INLINE void rculfq_enqueue(void *p, void *ctx, void *v)
{
    rculfq_state *s = (rculfq_state *)p;
    rculfq_item *it = (rculfq_item *)xmalloc(sizeof *it);
    (void)ctx;
    cds_lfq_node_init_rcu(&it->node);
    it->value = v;
    rcu_read_lock();
    cds_lfq_enqueue_rcu(&s->q, &it->node);
    rcu_read_unlock();
}

BENCH_INLINE bool rculfq_dequeue(void *p, void *ctx, void **v)
{
    rculfq_state *s = (rculfq_state *)p;
    (void)ctx;
    rcu_read_lock();
    struct cds_lfq_node_rcu *n = cds_lfq_dequeue_rcu(&s->q);
    rcu_read_unlock();
    if (n == NULL)
        return false;
    rculfq_item *it = lf_container_of(n, rculfq_item, node);
    *v = it->value;
    call_rcu(&it->rcu, rculfq_free);
    return true;
}

static const queue_ops rculfq_ops = {"urcu_lfq", false, rculfq_begin, rculfq_end, rculfq_enqueue, rculfq_dequeue};

/* ---- lf_ring (bounded, lock-free SCQ) ------------------------------------ */

typedef struct lfr_state {
    queue_common c;
    LF_CACHE_ALIGNED lf_ring r;
} lfr_state;

static void *lfr_setup(unsigned nthreads)
{
    lfr_state *s = (lfr_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    common_init(&s->c, nthreads);
    if (lf_ring_init(&s->r, RING_CAPACITY) != LF_OK) {
        fprintf(stderr, "bench: lf_ring_init failed\n");
        exit(2);
    }
    return s;
}

static void lfr_teardown(void *p)
{
    lfr_state *s = (lfr_state *)p;
    lf_ring_destroy(&s->r);
    common_free(&s->c);
    free(s);
}

BENCH_INLINE void *lfr_begin(void *p, unsigned tid)
{
    (void)p;
    (void)tid;
    return NULL;
}

BENCH_INLINE void lfr_end(void *p, void *ctx)
{
    (void)p;
    (void)ctx;
}

BENCH_INLINE void lfr_enqueue(void *p, void *ctx, void *v)
{
    lfr_state *s = (lfr_state *)p;
    (void)ctx;
    /* at most one value per thread is queued, far below the capacity: LF_FULL is a bug */
    if (lf_ring_enqueue(&s->r, v) != LF_OK) {
        fprintf(stderr, "bench: lf_ring_enqueue reported full with %u threads\n", s->c.nthreads);
        exit(2);
    }
}

BENCH_INLINE bool lfr_dequeue(void *p, void *ctx, void **v)
{
    lfr_state *s = (lfr_state *)p;
    (void)ctx;
    return lf_ring_dequeue(&s->r, v) == LF_OK;
}

static const queue_ops lfr_ops = {"lf_ring", true, lfr_begin, lfr_end, lfr_enqueue, lfr_dequeue};

/* ---- pthread_mutex queue ------------------------------------------------- */

typedef struct mutexq_node {
    struct mutexq_node *next;
    void *value;
} mutexq_node;

typedef struct mutexq_state {
    queue_common c;
    LF_CACHE_ALIGNED pthread_mutex_t lock;
    mutexq_node *head, *tail;
    hand *hands;
} mutexq_state;

static void *mutexq_setup(unsigned nthreads)
{
    mutexq_state *s = (mutexq_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    common_init(&s->c, nthreads);
    pthread_mutex_init(&s->lock, NULL);
    s->hands = hands_new(nthreads);
    return s;
}

static void mutexq_teardown(void *p)
{
    mutexq_state *s = (mutexq_state *)p;
    pthread_mutex_destroy(&s->lock);
    hands_free(s->hands, s->c.nthreads);
    common_free(&s->c);
    free(s);
}

BENCH_INLINE void *mutexq_begin(void *p, unsigned tid)
{
    mutexq_state *s = (mutexq_state *)p;
    return &s->hands[tid];
}

BENCH_INLINE void mutexq_end(void *p, void *ctx)
{
    (void)p;
    (void)ctx;
}

BENCH_INLINE void mutexq_enqueue(void *p, void *ctx, void *v)
{
    mutexq_state *s = (mutexq_state *)p;
    mutexq_node *n = (mutexq_node *)hand_take((hand *)ctx, sizeof *n);
    n->value = v;
    n->next = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->tail != NULL)
        s->tail->next = n;
    else
        s->head = n;
    s->tail = n;
    pthread_mutex_unlock(&s->lock);
}

BENCH_INLINE bool mutexq_dequeue(void *p, void *ctx, void **v)
{
    mutexq_state *s = (mutexq_state *)p;
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
    hand_keep((hand *)ctx, n);
    return true;
}

static const queue_ops mutexq_ops = {"mutex", false, mutexq_begin, mutexq_end, mutexq_enqueue, mutexq_dequeue};

/* ---- the loop and the check ---------------------------------------------- */

/* queue: enqueue(own next value); dequeue() pairs until stop; returns the pairs. */
BENCH_INLINE uint64_t pairs_run(const queue_ops *ops, void *p, unsigned tid, unsigned nthreads,
                                const atomic_bool *stop)
{
    queue_common *c = (queue_common *)p; /* every state's first member */
    bench_value_log *l = &c->logs[tid];
    void *ctx = ops->begin(p, tid);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            void *v;
            ops->enqueue(p, ctx, bench_value(tid, l->produced++));
            if (ops->dequeue(p, ctx, &v))
                bench_value_log_add(l, nthreads, v);
            else
                l->empties++;
        }
        n += BATCH;
    }
    ops->end(p, ctx);
    return n;
}

/* After the trial (quiescent): drain on this thread into logs[nthreads], then the verdict. */
BENCH_INLINE const char *drained_check(const queue_ops *ops, void *p)
{
    queue_common *c = (queue_common *)p;
    unsigned n = c->nthreads;
    void *ctx = ops->begin(p, 0);
    void *v;
    while (ops->dequeue(p, ctx, &v))
        bench_value_log_add(&c->logs[n], n, v);
    ops->end(p, ctx);
    return verdict(c, ops->name, ops->strict);
}

#define QUEUE_ENTRY_FNS(X)                                                                            \
    static uint64_t X##_pairs(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)      \
    {                                                                                                 \
        return pairs_run(&X##_ops, p, tid, nthreads, stop);                                           \
    }                                                                                                 \
    static const char *X##_check(void *p)                                                             \
    {                                                                                                 \
        return drained_check(&X##_ops, p);                                                            \
    }

QUEUE_ENTRY_FNS(mutexq)
QUEUE_ENTRY_FNS(ckhp)
QUEUE_ENTRY_FNS(mpmc)
QUEUE_ENTRY_FNS(wfcq)
QUEUE_ENTRY_FNS(rculfq)
QUEUE_ENTRY_FNS(lfq)
QUEUE_ENTRY_FNS(lfsq)
QUEUE_ENTRY_FNS(lfr)

/* ---- the queue families -------------------------------------------------- */

static const bench_entry queue_pair_entries[] = {
    {"mutex", mutexq_setup, mutexq_pairs, mutexq_check, mutexq_teardown},
    {"ck_hp_fifo", ckhp_setup, ckhp_pairs, ckhp_check, ckhp_teardown},
    {"ck_fifo_mpmc", mpmc_setup, mpmc_pairs, mpmc_check, mpmc_teardown},
    {"urcu_wfcq", wfcq_setup, wfcq_pairs, wfcq_check, wfcq_teardown},
    {"urcu_lfq", rculfq_setup, rculfq_pairs, rculfq_check, rculfq_teardown},
    {"lf_queue", lfq_setup, lfq_pairs, lfq_check, lfq_teardown},
    {"lf_queue_asym", lfq_asym_setup, lfq_pairs, lfq_check, lfq_teardown},
    {"lf_segqueue", lfsq_setup, lfsq_pairs, lfsq_check, lfsq_teardown},
    {"lf_segqueue_asym", lfsq_asym_setup, lfsq_pairs, lfsq_check, lfsq_teardown},
    {"lf_ring", lfr_setup, lfr_pairs, lfr_check, lfr_teardown},
};

const bench_family bench_queue = {
    "queue", "enqueue+dequeue pairs per thread on one shared queue", false,
    {1, 2, 4, 0}, {"mutex", "ck_hp_fifo", NULL},
    queue_pair_entries, sizeof queue_pair_entries / sizeof queue_pair_entries[0],
};

/* ---- stack_hp: lf_stack_pop_hp vs ck_hp_stack ----------------------------- */

typedef struct stack_totals {
    LF_CACHE_ALIGNED uint64_t pushed, pushed_sum, popped, popped_sum;
} stack_totals;

typedef struct hp_stack_item {
    lf_stack_node lf;
    ck_stack_entry_t ck;
    lf_hp_node hp;
    ck_hp_hazard_t ck_hazard;
    uint64_t id;
} hp_stack_item;

typedef struct hpstack_state {
    unsigned nthreads;
    stack_totals *totals; /* per thread, plus one for the drain */
    lf_hp_domain hp;
    lf_stack lf;
    ck_hp_t ck_hp;
    ck_hp_record_t *ck_records;
    void **ck_pointers;
    LF_CACHE_ALIGNED ck_stack_t ck;
} hpstack_state;

/* domain_init: lf_hp_domain_init, or lf_hp_domain_init_asymmetric for lf_stack_pop_hp_asym */
static void *hpstack_setup_with(unsigned nthreads,
                                lf_status (*domain_init)(lf_hp_domain *d, unsigned slots_per_rec))
{
    hpstack_state *s = (hpstack_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->nthreads = nthreads;
    s->totals = (stack_totals *)harness_alloc(LF_CACHELINE, (nthreads + 1) * sizeof *s->totals);
    if (domain_init(&s->hp, 1) != LF_OK)
        abort();
    lf_stack_init(&s->lf);
    ck_hp_init(&s->ck_hp, CK_HP_STACK_SLOTS_COUNT, CK_HP_THRESHOLD, ck_free_node);
    s->ck_records = (ck_hp_record_t *)harness_alloc(LF_CACHELINE, (nthreads + 1) * sizeof *s->ck_records);
    s->ck_pointers = ck_pointers_new(nthreads + 1);
    for (unsigned t = 0; t <= nthreads; t++)
        ck_hp_register(&s->ck_hp, &s->ck_records[t], ck_pointers_of(s->ck_pointers, t));
    ck_stack_init(&s->ck);
    return s;
}

static void *hpstack_setup(unsigned nthreads)
{
    return hpstack_setup_with(nthreads, lf_hp_domain_init);
}

static void *hpstack_asym_setup(unsigned nthreads)
{
    hpstack_state *s = (hpstack_state *)hpstack_setup_with(nthreads, lf_hp_domain_init_asymmetric);
    bench_warn_symmetric("lf_stack_pop_hp_asym", lf_hp_domain_is_asymmetric(&s->hp));
    return s;
}

static void hpstack_teardown(void *p)
{
    hpstack_state *s = (hpstack_state *)p;
    lf_hp_domain_destroy(&s->hp);
    for (unsigned t = 0; t <= s->nthreads; t++)
        ck_hp_clear(&s->ck_records[t]);
    for (unsigned t = 0; t <= s->nthreads; t++) {
        ck_hp_purge(&s->ck_records[t]);
        ck_hp_unregister(&s->ck_records[t]);
    }
    free(s->ck_records);
    free(s->ck_pointers);
    free(s->totals);
    free(s);
}

static hp_stack_item *hpstack_item(unsigned tid, uint64_t k, stack_totals *t)
{
    hp_stack_item *it = (hp_stack_item *)xmalloc(sizeof *it);
    it->id = (uint64_t)tid << BENCH_SEQ_BITS | k;
    t->pushed++;
    t->pushed_sum += it->id;
    return it;
}

static const char *hpstack_verdict(hpstack_state *s)
{
    uint64_t pushed = 0, pushed_sum = 0, popped = 0, popped_sum = 0;
    for (unsigned t = 0; t <= s->nthreads; t++) {
        pushed += s->totals[t].pushed;
        pushed_sum += s->totals[t].pushed_sum;
        popped += s->totals[t].popped;
        popped_sum += s->totals[t].popped_sum;
    }
    if (pushed != popped || pushed_sum != popped_sum)
        return "nodes lost or duplicated (count or sum of ids differs)";
    return NULL;
}

/* As the queue's: adapters over hpstack_state, one loop and one drain check for both entries. */
typedef struct hpstack_ops {
    void *(*begin)(hpstack_state *s, unsigned tid); /* a thread's hazard record */
    void (*end)(hpstack_state *s, void *ctx);
    void (*push)(hpstack_state *s, hp_stack_item *it);
    bool (*pop_retire)(hpstack_state *s, void *ctx, stack_totals *t); /* false: empty */
} hpstack_ops;

/* lf_stack_pop_hp, nodes retired to lf_hp_retire */
static void lf_item_reclaim(lf_hp_node *n)
{
    free(lf_container_of(n, hp_stack_item, hp));
}

BENCH_INLINE void *lfhp_begin(hpstack_state *s, unsigned tid)
{
    (void)tid;
    lf_hp_rec *r = lf_hp_rec_acquire(&s->hp);
    if (r == NULL) {
        fprintf(stderr, "bench: lf_hp_rec_acquire failed\n");
        exit(2);
    }
    return r;
}

BENCH_INLINE void lfhp_end(hpstack_state *s, void *ctx)
{
    (void)s;
    lf_hp_rec_release((lf_hp_rec *)ctx);
}

BENCH_INLINE void lfhp_push(hpstack_state *s, hp_stack_item *it)
{
    lf_stack_push(&s->lf, &it->lf);
}

BENCH_INLINE bool lfhp_pop_retire(hpstack_state *s, void *ctx, stack_totals *t)
{
    lf_hp_rec *r = (lf_hp_rec *)ctx;
    lf_stack_node *n = lf_stack_pop_hp(&s->lf, r);
    if (n == NULL)
        return false;
    hp_stack_item *it = lf_container_of(n, hp_stack_item, lf);
    t->popped++;
    t->popped_sum += it->id;
    lf_hp_retire(r, &it->hp, n, lf_item_reclaim);
    return true;
}

/* ck_hp_stack, nodes retired to ck_hp_free */
BENCH_INLINE void *ckhps_begin(hpstack_state *s, unsigned tid)
{
    return &s->ck_records[tid];
}

BENCH_INLINE void ckhps_end(hpstack_state *s, void *ctx)
{
    (void)s;
    ck_hp_clear((ck_hp_record_t *)ctx);
}

BENCH_INLINE void ckhps_push(hpstack_state *s, hp_stack_item *it)
{
    ck_hp_stack_push_mpmc(&s->ck, &it->ck);
}

BENCH_INLINE bool ckhps_pop_retire(hpstack_state *s, void *ctx, stack_totals *t)
{
    ck_hp_record_t *r = (ck_hp_record_t *)ctx;
    ck_stack_entry_t *e = ck_hp_stack_pop_mpmc(r, &s->ck);
    if (e == NULL)
        return false;
    hp_stack_item *it = lf_container_of(e, hp_stack_item, ck);
    t->popped++;
    t->popped_sum += it->id;
    ck_hp_free(r, &it->ck_hazard, it, e);
    return true;
}

static const hpstack_ops lfhp_ops = {lfhp_begin, lfhp_end, lfhp_push, lfhp_pop_retire},
                         ckhps_ops = {ckhps_begin, ckhps_end, ckhps_push, ckhps_pop_retire};

/* stack_hp: push(fresh node)+pop pairs until stop; returns the pairs. */
BENCH_INLINE uint64_t hp_pairs_run(const hpstack_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    hpstack_state *s = (hpstack_state *)p;
    stack_totals *t = &s->totals[tid];
    void *ctx = ops->begin(s, tid);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            ops->push(s, hpstack_item(tid, n + (uint64_t)i, t));
            ops->pop_retire(s, ctx, t);
        }
        n += BATCH;
    }
    ops->end(s, ctx);
    return n;
}

/* After the trial (quiescent): pop the rest as thread nthreads, then count. */
BENCH_INLINE const char *hp_drained_check(const hpstack_ops *ops, void *p)
{
    hpstack_state *s = (hpstack_state *)p;
    void *ctx = ops->begin(s, s->nthreads);
    while (ops->pop_retire(s, ctx, &s->totals[s->nthreads]))
        ;
    ops->end(s, ctx);
    return hpstack_verdict(s);
}

#define HPSTACK_ENTRY_FNS(X)                                                                          \
    static uint64_t X##_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)        \
    {                                                                                                 \
        (void)nthreads;                                                                               \
        return hp_pairs_run(&X##_ops, p, tid, stop);                                                  \
    }                                                                                                 \
    static const char *X##_check(void *p)                                                             \
    {                                                                                                 \
        return hp_drained_check(&X##_ops, p);                                                         \
    }

HPSTACK_ENTRY_FNS(ckhps)
HPSTACK_ENTRY_FNS(lfhp)

static const bench_entry stack_hp_entries[] = {
    {"ck_hp_stack", hpstack_setup, ckhps_run, ckhps_check, hpstack_teardown},
    {"lf_stack_pop_hp", hpstack_setup, lfhp_run, lfhp_check, hpstack_teardown},
    {"lf_stack_pop_hp_asym", hpstack_asym_setup, lfhp_run, lfhp_check, hpstack_teardown},
};

const bench_family bench_stack_hp = {
    "stack_hp", "push(fresh node)+pop pairs per thread, popped nodes retired through hazard pointers", false,
    {1, 2, 4, 0}, {"ck_hp_stack", NULL, NULL},
    stack_hp_entries, sizeof stack_hp_entries / sizeof stack_hp_entries[0],
};

/*
 * Linearizability of real executions: many short rounds, each 3-4 threads
 * doing a few operations on a small pre-filled structure, every operation
 * timed by the round's shared clock; after each round the structure is
 * drained and lincheck.h searches for a sequential order that explains
 * every result and the drained contents.  A failing round prints its
 * history.  One scenario per container: Treiber stack (LIFO), Michael-Scott
 * queue (FIFO), lf_segqueue (FIFO, segments of 1, 2 or 4 values so rounds
 * cross segments), Chase-Lev deque (owner LIFO at the back, thieves FIFO at the
 * front, LF_RETRY a no-op), SCQ ring (FIFO, capacity 4, LF_FULL as API.md
 * defines it), SPSC ring (one producer, one consumer) and MPSC queue
 * (thread 0 the consumer, LF_RETRY a no-op).
 */
#include "stress.h"
#include "lincheck.h"

#include <stdlib.h>

enum { LIN_MAX_THREADS = 4, LIN_OPS_PER_THREAD = 4, LIN_MAX_PREFILL = 3 };

/* A container under test, driven through three calls: what differs per structure. */
typedef struct lin_target {
    const char *name;
    unsigned capacity;                                         /* 0: unbounded */
    unsigned max_threads;                                      /* 0: LIN_MAX_THREADS */
    bool (*reset)(void *obj);                                  /* quiescent, before the prefill */
    lin_op (*choose)(unsigned thread, uint64_t *rng);          /* the next operation of a thread */
    lf_status (*call)(void *obj, unsigned thread, lin_op op, uintptr_t *value);
    void (*drain)(void *obj, lin_seq *out);                    /* quiescent; front to back */
} lin_target;

typedef struct lin_round {
    const lin_target *t;
    void *obj;
    stress_report *r;
    _Atomic(uint64_t) clock;
    _Atomic(unsigned) arrived; /* threads at the round's start line */
    unsigned nthreads;
    uintptr_t first_value;   /* values pushed in the round are first_value + event index */
    uint64_t seed;
    lin_event ev[LIN_MAX_EVENTS];
} lin_round;

static void lin_worker(void *arg, unsigned thread)
{
    lin_round *rd = (lin_round *)arg;
    uint64_t rng = rd->seed ^ (UINT64_C(0x9E3779B97F4A7C15) * (thread + 1));
    /* Start together: threads leave stress_run's barrier microseconds apart,
       longer than a whole round's operations, so without this line nothing
       would overlap.  Relaxed: the clock orders what needs ordering. */
    atomic_fetch_add_explicit(&rd->arrived, 1, memory_order_relaxed);
    for (unsigned spins = 1; atomic_load_explicit(&rd->arrived, memory_order_relaxed) < rd->nthreads; spins++)
        if (spins % 64 == 0)
            sched_yield(); /* oversubscribed: let the threads not yet arrived run */
        else
            lf_cpu_relax();
    for (unsigned j = 0; j < LIN_OPS_PER_THREAD; j++) {
        unsigned i = thread * LIN_OPS_PER_THREAD + j;
        lin_event *e = &rd->ev[i];
        e->thread = thread;
        e->op = rd->t->choose(thread, &rng);
        e->value = e->op == LIN_PUSH_BACK ? rd->first_value + i : 0;
        e->invoke = lin_tick(&rd->clock);
        e->status = rd->t->call(rd->obj, thread, e->op, &e->value);
        e->response = lin_tick(&rd->clock);
        if (e->op == LIN_PUSH_BACK && e->status != LF_OK && !(e->status == LF_FULL && rd->t->capacity)) {
            stress_fail(rd->r, "%s: push returned status %d", rd->t->name, (int)e->status);
            return;
        }
    }
}

/* How many operations of the history overlap in time with one of another thread. */
static unsigned lin_overlapping(const lin_event *ev, unsigned nev)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nev; i++)
        n += ev[i].overlapping > 0;
    return n;
}

static bool lin_rounds(const stress_opts *o, stress_report *r, const lin_target *t, void *obj)
{
    lin_memo_entry *memo = (lin_memo_entry *)malloc(LIN_MEMO_SLOTS * sizeof *memo);
    lin_round *rd = (lin_round *)calloc(1, sizeof *rd);
    if (memo == NULL || rd == NULL) {
        free(memo);
        free(rd);
        return stress_fail(r, "out of memory");
    }
    rd->t = t;
    rd->obj = obj;
    rd->r = r;
    rd->nthreads = o->threads >= LIN_MAX_THREADS ? LIN_MAX_THREADS : 3;
    if (t->max_threads != 0 && rd->nthreads > t->max_threads)
        rd->nthreads = t->max_threads;
    uint64_t rng = stress_seed(o, 0);
    unsigned long rounds = 0, overlapping = 0;
    double start = harness_now();
    bool ok = true;
    do {
        if (!t->reset(obj)) {
            ok = stress_fail(r, "%s: re-initialising failed", t->name);
            break;
        }
        lin_seq initial = {0, {0}}, final = {0, {0}};
        unsigned prefill = (unsigned)(harness_rand(&rng) % (LIN_MAX_PREFILL + 1));
        for (unsigned k = 0; k < prefill; k++) {
            uintptr_t v = k + 1;
            if (t->call(obj, 0, LIN_PUSH_BACK, &v) != LF_OK) {
                ok = stress_fail(r, "%s: prefill push failed", t->name);
                break;
            }
            initial.v[initial.n++] = v;
        }
        if (!ok)
            break;
        rd->first_value = LIN_MAX_PREFILL + 1;
        rd->seed = harness_rand(&rng);
        atomic_store_explicit(&rd->clock, 0, memory_order_relaxed); /* quiescent: threads start after */
        atomic_store_explicit(&rd->arrived, 0, memory_order_relaxed);
        stress_run(r, rd->nthreads, lin_worker, rd, 0);
        if (r->failed) {
            ok = false;
            break;
        }
        t->drain(obj, &final);
        unsigned nev = rd->nthreads * LIN_OPS_PER_THREAD;
        if (!lin_check(rd->ev, nev, t->capacity, &initial, &final, memo)) {
            lin_print(stderr, t->name, rd->ev, nev, &initial, &final);
            ok = stress_fail(r, "%s: round %lu has no linearization (history on stderr)", t->name, rounds);
            break;
        }
        rounds++;
        overlapping += lin_overlapping(rd->ev, nev);
        stress_count(r, nev);
    } while (harness_now() - start < o->seconds);
    if (ok)
        stress_note(r, "%lu rounds of %u threads x %u ops, every history linearizable; %.0f%% of ops overlapped another",
                    rounds, rd->nthreads, LIN_OPS_PER_THREAD,
                    100.0 * (double)overlapping / (double)(rounds * rd->nthreads * LIN_OPS_PER_THREAD + !rounds));
    free(memo);
    free(rd);
    return ok;
}

/* Any thread's next operation: push or pop at random. */
static lin_op choose_push_or(lin_op pop, uint64_t *rng)
{
    return harness_rand(rng) & 1 ? LIN_PUSH_BACK : pop;
}

/* ---- Treiber stack: push and pop at the back ---- */

typedef struct lin_stack_item {
    lf_stack_node link;
    uintptr_t value;
} lin_stack_item;

typedef struct lin_stack {
    lf_stack stack;
    lin_stack_item items[LIN_MAX_PREFILL + 1 + LIN_MAX_EVENTS]; /* item v carries value v */
} lin_stack;

static bool lin_stack_reset(void *obj)
{
    lf_stack_init(&((lin_stack *)obj)->stack);
    return true;
}

static lin_op lin_stack_choose(unsigned thread, uint64_t *rng)
{
    (void)thread;
    return choose_push_or(LIN_POP_BACK, rng);
}

static lf_status lin_stack_call(void *obj, unsigned thread, lin_op op, uintptr_t *value)
{
    lin_stack *s = (lin_stack *)obj;
    (void)thread;
    if (op == LIN_PUSH_BACK) {
        s->items[*value].value = *value;
        lf_stack_push(&s->stack, &s->items[*value].link);
        return LF_OK;
    }
    lf_stack_node *n = lf_stack_pop(&s->stack);
    if (n == NULL)
        return LF_EMPTY;
    *value = lf_container_of(n, lin_stack_item, link)->value;
    return LF_OK;
}

static void lin_stack_drain(void *obj, lin_seq *out)
{
    lin_stack *s = (lin_stack *)obj;
    lin_seq popped = {0, {0}};
    lf_stack_node *n;
    while (popped.n < LIN_MAX_VALUES && (n = lf_stack_pop(&s->stack)) != NULL)
        popped.v[popped.n++] = lf_container_of(n, lin_stack_item, link)->value;
    out->n = popped.n;
    for (unsigned i = 0; i < popped.n; i++)
        out->v[i] = popped.v[popped.n - 1 - i]; /* popped back first */
}

bool stress_lin_stack(const stress_opts *o, stress_report *r)
{
    static const lin_target target = {"lf_stack", 0, 0, lin_stack_reset, lin_stack_choose, lin_stack_call,
                                      lin_stack_drain};
    lin_stack *s = (lin_stack *)harness_alloc(LF_CACHELINE, sizeof *s);
    bool ok = lin_rounds(o, r, &target, s);
    free(s);
    return ok;
}

/* ---- Michael-Scott queue: enqueue at the back, dequeue at the front ---- */

typedef struct lin_queue {
    lf_queue queue;
    lf_hp_domain hp;
    lf_hp_rec *recs[LIN_MAX_THREADS]; /* thread i's record; the main thread uses 0 between rounds */
} lin_queue;

static bool lin_queue_reset(void *obj)
{
    (void)obj; /* drained by the previous round */
    return true;
}

static lin_op lin_queue_choose(unsigned thread, uint64_t *rng)
{
    (void)thread;
    return choose_push_or(LIN_POP_FRONT, rng);
}

static lf_status lin_queue_call(void *obj, unsigned thread, lin_op op, uintptr_t *value)
{
    lin_queue *q = (lin_queue *)obj;
    if (op == LIN_PUSH_BACK)
        return lf_queue_enqueue(&q->queue, q->recs[thread], (void *)*value);
    void *v = NULL;
    lf_status st = lf_queue_dequeue(&q->queue, q->recs[thread], &v);
    *value = (uintptr_t)v;
    return st;
}

static void lin_queue_drain(void *obj, lin_seq *out)
{
    lin_queue *q = (lin_queue *)obj;
    void *v;
    out->n = 0;
    while (out->n < LIN_MAX_VALUES && lf_queue_dequeue(&q->queue, q->recs[0], &v) == LF_OK)
        out->v[out->n++] = (uintptr_t)v;
}

bool stress_lin_queue(const stress_opts *o, stress_report *r)
{
    static const lin_target target = {"lf_queue", 0, 0, lin_queue_reset, lin_queue_choose, lin_queue_call,
                                      lin_queue_drain};
    lin_queue *q = (lin_queue *)harness_alloc(LF_CACHELINE, sizeof *q);
    bool ok = stress_hp_domain_init(o, &q->hp, 2) == LF_OK;
    if (ok && lf_queue_init(&q->queue, &q->hp) != LF_OK) {
        lf_hp_domain_destroy(&q->hp);
        ok = false;
    }
    if (!ok) {
        free(q);
        return stress_fail(r, "lf_queue or lf_hp_domain init failed");
    }
    for (unsigned i = 0; i < LIN_MAX_THREADS && ok; i++)
        ok = (q->recs[i] = lf_hp_rec_acquire(&q->hp)) != NULL;
    ok = ok ? lin_rounds(o, r, &target, q) : stress_fail(r, "lf_hp_rec_acquire failed");
    for (unsigned i = 0; i < LIN_MAX_THREADS; i++)
        if (q->recs[i] != NULL)
            lf_hp_rec_release(q->recs[i]);
    lf_queue_destroy(&q->queue);
    lf_hp_domain_destroy(&q->hp);
    free(q);
    return ok;
}

/* ---- lf_segqueue: segments of 1, 2 and 4 values in turn, a fresh queue every round ---- */

typedef struct lin_segqueue {
    lf_segqueue queue;
    lf_hp_domain hp;
    lf_hp_rec *recs[LIN_MAX_THREADS]; /* thread i's record; the main thread uses 0 between rounds */
    bool live;
    unsigned rounds;
} lin_segqueue;

/* Small segments so that rounds close segments and cross them while others operate. */
static bool lin_segqueue_reset(void *obj)
{
    lin_segqueue *q = (lin_segqueue *)obj;
    if (q->live)
        lf_segqueue_destroy(&q->queue);
    q->live = lf_segqueue_init(&q->queue, &q->hp, (size_t)1 << (q->rounds++ % 3)) == LF_OK;
    return q->live;
}

static lf_status lin_segqueue_call(void *obj, unsigned thread, lin_op op, uintptr_t *value)
{
    lin_segqueue *q = (lin_segqueue *)obj;
    if (op == LIN_PUSH_BACK)
        return lf_segqueue_enqueue(&q->queue, q->recs[thread], (void *)*value);
    void *v = NULL;
    lf_status st = lf_segqueue_dequeue(&q->queue, q->recs[thread], &v);
    *value = (uintptr_t)v;
    return st;
}

static void lin_segqueue_drain(void *obj, lin_seq *out)
{
    lin_segqueue *q = (lin_segqueue *)obj;
    void *v;
    out->n = 0;
    while (out->n < LIN_MAX_VALUES && lf_segqueue_dequeue(&q->queue, q->recs[0], &v) == LF_OK)
        out->v[out->n++] = (uintptr_t)v;
}

bool stress_lin_segqueue(const stress_opts *o, stress_report *r)
{
    static const lin_target target = {"lf_segqueue", 0, 0, lin_segqueue_reset, lin_queue_choose,
                                      lin_segqueue_call, lin_segqueue_drain};
    lin_segqueue *q = (lin_segqueue *)harness_alloc(LF_CACHELINE, sizeof *q);
    if (stress_hp_domain_init(o, &q->hp, 2) != LF_OK) {
        free(q);
        return stress_fail(r, "lf_hp_domain init failed");
    }
    bool ok = true;
    for (unsigned i = 0; i < LIN_MAX_THREADS && ok; i++)
        ok = (q->recs[i] = lf_hp_rec_acquire(&q->hp)) != NULL;
    ok = ok ? lin_rounds(o, r, &target, q) : stress_fail(r, "lf_hp_rec_acquire failed");
    for (unsigned i = 0; i < LIN_MAX_THREADS; i++)
        if (q->recs[i] != NULL)
            lf_hp_rec_release(q->recs[i]);
    if (q->live)
        lf_segqueue_destroy(&q->queue);
    lf_hp_domain_destroy(&q->hp);
    free(q);
    return ok;
}

/* ---- Chase-Lev deque: thread 0 owns it (push and pop at the back), the others steal ---- */

typedef struct lin_deque {
    lf_deque deque;
    bool live;
} lin_deque;

/* A fresh deque of capacity 2 every round, so rounds grow it while thieves steal. */
static bool lin_deque_reset(void *obj)
{
    lin_deque *d = (lin_deque *)obj;
    if (d->live)
        lf_deque_destroy(&d->deque);
    d->live = lf_deque_init(&d->deque, 2) == LF_OK;
    return d->live;
}

static lin_op lin_deque_choose(unsigned thread, uint64_t *rng)
{
    return thread == 0 ? choose_push_or(LIN_POP_BACK, rng) : LIN_POP_FRONT;
}

static lf_status lin_deque_call(void *obj, unsigned thread, lin_op op, uintptr_t *value)
{
    lin_deque *d = (lin_deque *)obj;
    (void)thread;
    if (op == LIN_PUSH_BACK)
        return lf_deque_push(&d->deque, (void *)*value);
    void *v = NULL;
    lf_status st = op == LIN_POP_BACK ? lf_deque_pop(&d->deque, &v) : lf_deque_steal(&d->deque, &v);
    *value = (uintptr_t)v;
    return st;
}

static void lin_deque_drain(void *obj, lin_seq *out)
{
    lin_deque *d = (lin_deque *)obj;
    void *v;
    lf_status st;
    out->n = 0;
    while (out->n < LIN_MAX_VALUES && (st = lf_deque_steal(&d->deque, &v)) != LF_EMPTY)
        if (st == LF_OK)
            out->v[out->n++] = (uintptr_t)v;
}

bool stress_lin_deque(const stress_opts *o, stress_report *r)
{
    static const lin_target target = {"lf_deque", 0, 0, lin_deque_reset, lin_deque_choose, lin_deque_call,
                                      lin_deque_drain};
    lin_deque *d = (lin_deque *)harness_alloc(LF_CACHELINE, sizeof *d);
    bool ok = lin_rounds(o, r, &target, d);
    if (d->live)
        lf_deque_destroy(&d->deque);
    free(d);
    return ok;
}

/* ---- SCQ ring: enqueue at the back, dequeue at the front, capacity 4 ---- */

enum { LIN_RING_CAPACITY = 4 };

typedef struct lin_ring {
    lf_ring ring;
    bool live;
} lin_ring;

static bool lin_ring_reset(void *obj)
{
    lin_ring *q = (lin_ring *)obj;
    if (!q->live)
        q->live = lf_ring_init(&q->ring, LIN_RING_CAPACITY) == LF_OK;
    return q->live; /* drained by the previous round */
}

static lf_status lin_ring_call(void *obj, unsigned thread, lin_op op, uintptr_t *value)
{
    lin_ring *q = (lin_ring *)obj;
    (void)thread;
    if (op == LIN_PUSH_BACK)
        return lf_ring_enqueue(&q->ring, (void *)*value);
    void *v = NULL;
    lf_status st = lf_ring_dequeue(&q->ring, &v);
    *value = (uintptr_t)v;
    return st;
}

static void lin_ring_drain(void *obj, lin_seq *out)
{
    lin_ring *q = (lin_ring *)obj;
    void *v;
    out->n = 0;
    while (out->n < LIN_MAX_VALUES && lf_ring_dequeue(&q->ring, &v) == LF_OK)
        out->v[out->n++] = (uintptr_t)v;
}

bool stress_lin_ring(const stress_opts *o, stress_report *r)
{
    static const lin_target target = {"lf_ring", LIN_RING_CAPACITY, 0, lin_ring_reset, lin_queue_choose,
                                      lin_ring_call, lin_ring_drain};
    lin_ring *q = (lin_ring *)harness_alloc(LF_CACHELINE, sizeof *q);
    bool ok = lin_rounds(o, r, &target, q);
    if (q->live)
        lf_ring_destroy(&q->ring);
    free(q);
    return ok;
}

/* ---- SPSC ring: thread 0 the producer, thread 1 the consumer (and main between rounds) ---- */

typedef struct lin_spsc {
    lf_spsc ring;
    bool live;
} lin_spsc;

static bool lin_spsc_reset(void *obj)
{
    lin_spsc *q = (lin_spsc *)obj;
    if (!q->live)
        q->live = lf_spsc_init(&q->ring, LIN_RING_CAPACITY) == LF_OK;
    return q->live;
}

static lin_op lin_spsc_choose(unsigned thread, uint64_t *rng)
{
    (void)rng;
    return thread == 0 ? LIN_PUSH_BACK : LIN_POP_FRONT;
}

static lf_status lin_spsc_call(void *obj, unsigned thread, lin_op op, uintptr_t *value)
{
    lin_spsc *q = (lin_spsc *)obj;
    (void)thread;
    if (op == LIN_PUSH_BACK)
        return lf_spsc_push(&q->ring, (void *)*value);
    void *v = NULL;
    lf_status st = lf_spsc_pop(&q->ring, &v);
    *value = (uintptr_t)v;
    return st;
}

static void lin_spsc_drain(void *obj, lin_seq *out)
{
    lin_spsc *q = (lin_spsc *)obj;
    void *v;
    out->n = 0;
    while (out->n < LIN_MAX_VALUES && lf_spsc_pop(&q->ring, &v) == LF_OK)
        out->v[out->n++] = (uintptr_t)v;
}

bool stress_lin_spsc(const stress_opts *o, stress_report *r)
{
    static const lin_target target = {"lf_spsc", LIN_RING_CAPACITY, 2, lin_spsc_reset, lin_spsc_choose,
                                      lin_spsc_call, lin_spsc_drain};
    lin_spsc *q = (lin_spsc *)harness_alloc(LF_CACHELINE, sizeof *q);
    bool ok = lin_rounds(o, r, &target, q);
    if (q->live)
        lf_spsc_destroy(&q->ring);
    free(q);
    return ok;
}

/* ---- Vyukov MPSC: thread 0 the consumer, the others push ---- */

typedef struct lin_mpsc_item {
    lf_mpsc_node link;
    uintptr_t value;
} lin_mpsc_item;

typedef struct lin_mpsc {
    lf_mpsc queue;
    lin_mpsc_item items[LIN_MAX_PREFILL + 1 + LIN_MAX_EVENTS]; /* item v carries value v */
} lin_mpsc;

static bool lin_mpsc_reset(void *obj)
{
    (void)obj; /* drained by the previous round */
    return true;
}

static lin_op lin_mpsc_choose(unsigned thread, uint64_t *rng)
{
    (void)rng;
    return thread == 0 ? LIN_POP_FRONT : LIN_PUSH_BACK;
}

static lf_status lin_mpsc_call(void *obj, unsigned thread, lin_op op, uintptr_t *value)
{
    lin_mpsc *q = (lin_mpsc *)obj;
    (void)thread;
    if (op == LIN_PUSH_BACK) {
        q->items[*value].value = *value;
        lf_mpsc_push(&q->queue, &q->items[*value].link);
        return LF_OK;
    }
    lf_mpsc_node *n = NULL;
    lf_status st = lf_mpsc_pop(&q->queue, &n);
    if (st == LF_OK)
        *value = lf_container_of(n, lin_mpsc_item, link)->value;
    return st;
}

static void lin_mpsc_drain(void *obj, lin_seq *out)
{
    lin_mpsc *q = (lin_mpsc *)obj;
    lf_mpsc_node *n;
    out->n = 0;
    while (out->n < LIN_MAX_VALUES && lf_mpsc_pop(&q->queue, &n) == LF_OK)
        out->v[out->n++] = lf_container_of(n, lin_mpsc_item, link)->value;
}

bool stress_lin_mpsc(const stress_opts *o, stress_report *r)
{
    static const lin_target target = {"lf_mpsc", 0, 0, lin_mpsc_reset, lin_mpsc_choose, lin_mpsc_call,
                                      lin_mpsc_drain};
    lin_mpsc *q = (lin_mpsc *)harness_alloc(LF_CACHELINE, sizeof *q);
    lf_mpsc_init(&q->queue);
    bool ok = lin_rounds(o, r, &target, q);
    free(q);
    return ok;
}

/*
 * Stack benchmark: each thread repeats push(its node); node = pop(), so
 * every operation counted is one push+pop pair on a shared stack.
 * Entries: lfkit's Treiber stack, Concurrency Kit's ck_stack (mpmc push and
 * pop, which use a generation counter against ABA), liburcu's cds_lfs
 * (lock-free push, cds_lfs_pop_blocking: its pop needs either RCU read-side
 * protection with deferred reuse, or its pop mutex - nodes here are reused
 * at once, so the mutex), a pthread_mutex stack and a pthread_spinlock stack.
 * Each trial checks conservation: every node is, at the end, either on the
 * stack or held by a thread, exactly once.
 *
 * stack_latency: the same loop, with every push and every pop timed on its
 * own (one bench_now_ns per operation: each operation's time runs from the
 * previous one's end stamp to its own), for the mutex stack, ck_stack_mpmc
 * and lf_stack.  Entry timer_only stamps and records with no stack
 * operation at all: its latencies are what the timing itself costs, and
 * they are inside every other entry's numbers.
 */
#include "bench.h"

#include <ck_stack.h>
#include <lfkit/stack.h>
#include <pthread.h>
#include <stdlib.h>
#include <urcu/lfstack.h>

enum { BATCH = 64, PRELOAD = 8, MAX_THREADS = 256 };

typedef struct stack_item {
    lf_stack_node lf;
    ck_stack_entry_t ck;
    struct cds_lfs_node urcu;
    struct stack_item *next; /* for the lock-based stacks */
    unsigned id;
} stack_item;

typedef struct stack_state {
    lf_stack lf;
    _Alignas(128) ck_stack_t ck;
    _Alignas(128) struct cds_lfs_stack urcu;
    _Alignas(128) pthread_mutex_t lock;
    pthread_spinlock_t spin;
    stack_item *top; /* lock-based stacks */
    stack_item *items;
    unsigned nitems;
    stack_item *held[MAX_THREADS]; /* each thread's node in hand at the end */
} stack_state;

static void *stack_setup(unsigned nthreads)
{
    stack_state *s = (stack_state *)bench_alloc(LF_CACHELINE, sizeof *s);
    lf_stack_init(&s->lf);
    ck_stack_init(&s->ck);
    cds_lfs_init(&s->urcu);
    pthread_mutex_init(&s->lock, NULL);
    pthread_spin_init(&s->spin, PTHREAD_PROCESS_PRIVATE);
    s->nitems = nthreads * (PRELOAD + 1);
    s->items = (stack_item *)bench_alloc(64, s->nitems * sizeof *s->items);
    for (unsigned i = 0; i < s->nitems; i++)
        s->items[i].id = i;
    return s;
}

static void stack_teardown(void *p)
{
    stack_state *s = (stack_state *)p;
    cds_lfs_destroy(&s->urcu);
    pthread_mutex_destroy(&s->lock);
    pthread_spin_destroy(&s->spin);
    free(s->items);
    free(s);
}

/* The items a thread starts with: one in hand, PRELOAD pushed. */
static stack_item *first_item(stack_state *s, unsigned tid)
{
    return &s->items[tid * (PRELOAD + 1)];
}

/* Conservation: every id appears once among `found` (n items) and the threads' hands. */
static const char *conserved(stack_state *s, stack_item **found, unsigned n, unsigned nthreads)
{
    unsigned char *seen = (unsigned char *)calloc(s->nitems, 1);
    const char *why = NULL;
    for (unsigned i = 0; i < n + nthreads && why == NULL; i++) {
        stack_item *it = i < n ? found[i] : s->held[i - n];
        if (it == NULL)
            why = "a thread ended with an empty hand";
        else if (seen[it->id]++)
            why = "a node is present twice";
    }
    if (why == NULL && n + nthreads != s->nitems)
        why = "nodes were lost";
    free(seen);
    return why;
}

static unsigned nthreads_of(const stack_state *s)
{
    return s->nitems / (PRELOAD + 1);
}

/* lfkit */
static uint64_t lf_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    stack_state *s = (stack_state *)p;
    stack_item *mine = first_item(s, tid);
    for (int i = 1; i <= PRELOAD; i++)
        lf_stack_push(&s->lf, &mine[i].lf);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            lf_stack_push(&s->lf, &mine->lf);
            mine = lf_container_of(lf_stack_pop(&s->lf), stack_item, lf);
        }
        n += BATCH;
    }
    s->held[tid] = mine;
    return n;
}

static const char *lf_check(void *p)
{
    stack_state *s = (stack_state *)p;
    stack_item **found = (stack_item **)calloc(s->nitems, sizeof *found);
    unsigned n = 0;
    for (lf_stack_node *x = lf_stack_pop(&s->lf); x && n < s->nitems; x = lf_stack_pop(&s->lf))
        found[n++] = lf_container_of(x, stack_item, lf);
    const char *why = conserved(s, found, n, nthreads_of(s));
    free(found);
    return why;
}

/* Concurrency Kit */
static uint64_t ck_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    stack_state *s = (stack_state *)p;
    stack_item *mine = first_item(s, tid);
    for (int i = 1; i <= PRELOAD; i++)
        ck_stack_push_mpmc(&s->ck, &mine[i].ck);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            ck_stack_push_mpmc(&s->ck, &mine->ck);
            mine = lf_container_of(ck_stack_pop_mpmc(&s->ck), stack_item, ck);
        }
        n += BATCH;
    }
    s->held[tid] = mine;
    return n;
}

static const char *ck_check(void *p)
{
    stack_state *s = (stack_state *)p;
    stack_item **found = (stack_item **)calloc(s->nitems, sizeof *found);
    unsigned n = 0;
    for (ck_stack_entry_t *x = ck_stack_pop_mpmc(&s->ck); x && n < s->nitems; x = ck_stack_pop_mpmc(&s->ck))
        found[n++] = lf_container_of(x, stack_item, ck);
    const char *why = conserved(s, found, n, nthreads_of(s));
    free(found);
    return why;
}

/* liburcu */
static uint64_t urcu_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    stack_state *s = (stack_state *)p;
    stack_item *mine = first_item(s, tid);
    for (int i = 1; i <= PRELOAD; i++) {
        cds_lfs_node_init(&mine[i].urcu);
        cds_lfs_push(&s->urcu, &mine[i].urcu);
    }
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            cds_lfs_node_init(&mine->urcu);
            cds_lfs_push(&s->urcu, &mine->urcu);
            mine = lf_container_of(cds_lfs_pop_blocking(&s->urcu), stack_item, urcu);
        }
        n += BATCH;
    }
    s->held[tid] = mine;
    return n;
}

static const char *urcu_check(void *p)
{
    stack_state *s = (stack_state *)p;
    stack_item **found = (stack_item **)calloc(s->nitems, sizeof *found);
    unsigned n = 0;
    for (struct cds_lfs_node *x = cds_lfs_pop_blocking(&s->urcu); x && n < s->nitems;
         x = cds_lfs_pop_blocking(&s->urcu))
        found[n++] = lf_container_of(x, stack_item, urcu);
    const char *why = conserved(s, found, n, nthreads_of(s));
    free(found);
    return why;
}

/* Lock-based baselines: one list, guarded by a pthread mutex or a spinlock. */
static inline void locked_push(stack_state *s, stack_item *it)
{
    it->next = s->top;
    s->top = it;
}

static inline stack_item *locked_pop(stack_state *s)
{
    stack_item *it = s->top;
    if (it != NULL)
        s->top = it->next;
    return it;
}

static uint64_t mutex_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    stack_state *s = (stack_state *)p;
    stack_item *mine = first_item(s, tid);
    pthread_mutex_lock(&s->lock);
    for (int i = 1; i <= PRELOAD; i++)
        locked_push(s, &mine[i]);
    pthread_mutex_unlock(&s->lock);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            pthread_mutex_lock(&s->lock);
            locked_push(s, mine);
            pthread_mutex_unlock(&s->lock);
            pthread_mutex_lock(&s->lock);
            mine = locked_pop(s);
            pthread_mutex_unlock(&s->lock);
        }
        n += BATCH;
    }
    s->held[tid] = mine;
    return n;
}

static uint64_t spin_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    stack_state *s = (stack_state *)p;
    stack_item *mine = first_item(s, tid);
    pthread_spin_lock(&s->spin);
    for (int i = 1; i <= PRELOAD; i++)
        locked_push(s, &mine[i]);
    pthread_spin_unlock(&s->spin);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            pthread_spin_lock(&s->spin);
            locked_push(s, mine);
            pthread_spin_unlock(&s->spin);
            pthread_spin_lock(&s->spin);
            mine = locked_pop(s);
            pthread_spin_unlock(&s->spin);
        }
        n += BATCH;
    }
    s->held[tid] = mine;
    return n;
}

static const char *locked_check(void *p)
{
    stack_state *s = (stack_state *)p;
    stack_item **found = (stack_item **)calloc(s->nitems, sizeof *found);
    unsigned n = 0;
    for (stack_item *x = locked_pop(s); x && n < s->nitems; x = locked_pop(s))
        found[n++] = x;
    const char *why = conserved(s, found, n, nthreads_of(s));
    free(found);
    return why;
}

/* ---- stack_latency: every push and pop timed on its own --------------- */

/* One entry's push and pop, for timed_run. */
typedef struct stack_ops {
    void (*push)(stack_state *s, stack_item *it);
    stack_item *(*pop)(stack_state *s);
} stack_ops;

static inline uint64_t timed_run(const stack_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    stack_state *s = (stack_state *)p;
    bench_hist *h = (bench_hist *)bench_alloc(64, sizeof *h);
    stack_item *mine = first_item(s, tid);
    for (int i = 1; i <= PRELOAD; i++)
        ops->push(s, &mine[i]);
    uint64_t n = 0, last = bench_now_ns();
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            ops->push(s, mine);
            uint64_t t = bench_now_ns();
            bench_hist_add(h, t - last);
            mine = ops->pop(s);
            last = bench_now_ns();
            bench_hist_add(h, last - t);
        }
        n += 2 * BATCH;
    }
    s->held[tid] = mine;
    bench_report_latency(tid, h);
    free(h);
    return n;
}

static void timer_push(stack_state *s, stack_item *it)
{
    (void)s;
    (void)it;
}

/* Nothing: the thread's node becomes NULL, which timer_push ignores (timer_only has no check). */
static stack_item *timer_pop(stack_state *s)
{
    (void)s;
    return NULL;
}

static void mutex_push(stack_state *s, stack_item *it)
{
    pthread_mutex_lock(&s->lock);
    locked_push(s, it);
    pthread_mutex_unlock(&s->lock);
}

static stack_item *mutex_pop(stack_state *s)
{
    pthread_mutex_lock(&s->lock);
    stack_item *it = locked_pop(s);
    pthread_mutex_unlock(&s->lock);
    return it;
}

static void ck_push(stack_state *s, stack_item *it)
{
    ck_stack_push_mpmc(&s->ck, &it->ck);
}

static stack_item *ck_pop(stack_state *s)
{
    return lf_container_of(ck_stack_pop_mpmc(&s->ck), stack_item, ck);
}

static void lf_push(stack_state *s, stack_item *it)
{
    lf_stack_push(&s->lf, &it->lf);
}

static stack_item *lf_pop(stack_state *s)
{
    return lf_container_of(lf_stack_pop(&s->lf), stack_item, lf);
}

static const stack_ops timer_ops = {timer_push, timer_pop}, mutex_ops = {mutex_push, mutex_pop},
                       ck_ops = {ck_push, ck_pop}, lf_ops = {lf_push, lf_pop};

static uint64_t timer_timed_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    return timed_run(&timer_ops, p, tid, stop);
}

static uint64_t mutex_timed_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    return timed_run(&mutex_ops, p, tid, stop);
}

static uint64_t ck_timed_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    return timed_run(&ck_ops, p, tid, stop);
}

static uint64_t lf_timed_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)nthreads;
    return timed_run(&lf_ops, p, tid, stop);
}

static const bench_entry stack_latency_entries[] = {
    {"timer_only", stack_setup, timer_timed_run, NULL, stack_teardown},
    {"mutex", stack_setup, mutex_timed_run, locked_check, stack_teardown},
    {"ck_stack_mpmc", stack_setup, ck_timed_run, ck_check, stack_teardown},
    {"lf_stack", stack_setup, lf_timed_run, lf_check, stack_teardown},
};

const bench_family bench_stack_latency = {
    "stack_latency", "push and pop timed one by one on one shared stack (rate: single operations)", false,
    {1, 2, 4, 0}, {"mutex", "ck_stack_mpmc", NULL},
    stack_latency_entries, sizeof stack_latency_entries / sizeof stack_latency_entries[0],
};

/* ---- stack: push+pop pairs, untimed ------------------------------------ */

static const bench_entry stack_entries[] = {
    {"mutex", stack_setup, mutex_run, locked_check, stack_teardown},
    {"spinlock", stack_setup, spin_run, locked_check, stack_teardown},
    {"ck_stack_mpmc", stack_setup, ck_run, ck_check, stack_teardown},
    {"urcu_cds_lfs", stack_setup, urcu_run, urcu_check, stack_teardown},
    {"lf_stack", stack_setup, lf_run, lf_check, stack_teardown},
};

const bench_family bench_stack = {
    "stack", "push+pop pairs per thread on one shared stack", false,
    {1, 2, 4, 0}, {"mutex", "ck_stack_mpmc", NULL},
    stack_entries, sizeof stack_entries / sizeof stack_entries[0],
};

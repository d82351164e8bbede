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
 * own (one harness_now_ns per operation: each operation's time runs from the
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
    stack_state *s = (stack_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    lf_stack_init(&s->lf);
    ck_stack_init(&s->ck);
    cds_lfs_init(&s->urcu);
    pthread_mutex_init(&s->lock, NULL);
    pthread_spin_init(&s->spin, PTHREAD_PROCESS_PRIVATE);
    s->nitems = nthreads * (PRELOAD + 1);
    s->items = (stack_item *)harness_alloc(64, s->nitems * sizeof *s->items);
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

/*
 * Each entry is a push and a pop on stack_state (the adapters below), and
 * one loop of each kind runs them all.  Everything is forced inline and
 * the tables are const, so each entry's loop compiles to its own code with
 * no call through a pointer.
 */
typedef struct stack_ops {
    void (*push)(stack_state *s, stack_item *it);
    stack_item *(*pop)(stack_state *s); /* NULL when empty */
} stack_ops;

BENCH_INLINE void lf_push(stack_state *s, stack_item *it)
{
    lf_stack_push(&s->lf, &it->lf);
}

BENCH_INLINE stack_item *lf_pop(stack_state *s)
{
    lf_stack_node *n = lf_stack_pop(&s->lf);
    return n ? lf_container_of(n, stack_item, lf) : NULL;
}

BENCH_INLINE void ck_push(stack_state *s, stack_item *it)
{
    ck_stack_push_mpmc(&s->ck, &it->ck);
}

BENCH_INLINE stack_item *ck_pop(stack_state *s)
{
    ck_stack_entry_t *e = ck_stack_pop_mpmc(&s->ck);
    return e ? lf_container_of(e, stack_item, ck) : NULL;
}

BENCH_INLINE void urcu_push(stack_state *s, stack_item *it)
{
    cds_lfs_node_init(&it->urcu);
    cds_lfs_push(&s->urcu, &it->urcu);
}

BENCH_INLINE stack_item *urcu_pop(stack_state *s)
{
    struct cds_lfs_node *n = cds_lfs_pop_blocking(&s->urcu);
    return n ? lf_container_of(n, stack_item, urcu) : NULL;
}

/* Lock-based baselines: one list, guarded by a pthread mutex or a spinlock. */
BENCH_INLINE void locked_push(stack_state *s, stack_item *it)
{
    it->next = s->top;
    s->top = it;
}

BENCH_INLINE stack_item *locked_pop(stack_state *s)
{
    stack_item *it = s->top;
    if (it != NULL)
        s->top = it->next;
    return it;
}

BENCH_INLINE void mutex_push(stack_state *s, stack_item *it)
{
    pthread_mutex_lock(&s->lock);
    locked_push(s, it);
    pthread_mutex_unlock(&s->lock);
}

BENCH_INLINE stack_item *mutex_pop(stack_state *s)
{
    pthread_mutex_lock(&s->lock);
    stack_item *it = locked_pop(s);
    pthread_mutex_unlock(&s->lock);
    return it;
}

BENCH_INLINE void spin_push(stack_state *s, stack_item *it)
{
    pthread_spin_lock(&s->spin);
    locked_push(s, it);
    pthread_spin_unlock(&s->spin);
}

BENCH_INLINE stack_item *spin_pop(stack_state *s)
{
    pthread_spin_lock(&s->spin);
    stack_item *it = locked_pop(s);
    pthread_spin_unlock(&s->spin);
    return it;
}

/* timer_only (stack_latency): no stack at all.  The thread's node becomes
   NULL, which timer_push ignores; the entry has no check. */
BENCH_INLINE void timer_push(stack_state *s, stack_item *it)
{
    (void)s;
    (void)it;
}

BENCH_INLINE stack_item *timer_pop(stack_state *s)
{
    (void)s;
    return NULL;
}

static const stack_ops lf_ops = {lf_push, lf_pop}, ck_ops = {ck_push, ck_pop}, urcu_ops = {urcu_push, urcu_pop},
                       mutex_ops = {mutex_push, mutex_pop}, spin_ops = {spin_push, spin_pop},
                       timer_ops = {timer_push, timer_pop};

/* A thread's start: one node in hand (returned), PRELOAD pushed. */
BENCH_INLINE stack_item *preload(const stack_ops *ops, stack_state *s, unsigned tid)
{
    stack_item *mine = first_item(s, tid);
    for (int i = 1; i <= PRELOAD; i++)
        ops->push(s, &mine[i]);
    return mine;
}

/* stack: push+pop pairs until stop; returns the pairs. */
BENCH_INLINE uint64_t pairs_run(const stack_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    stack_state *s = (stack_state *)p;
    stack_item *mine = preload(ops, s, tid);
    uint64_t n = 0;
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            ops->push(s, mine);
            mine = ops->pop(s);
        }
        n += BATCH;
    }
    s->held[tid] = mine;
    return n;
}

/* stack_latency: the same, each push and pop timed; returns the single operations. */
BENCH_INLINE uint64_t timed_run(const stack_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    stack_state *s = (stack_state *)p;
    bench_hist *h = (bench_hist *)harness_alloc(64, sizeof *h);
    stack_item *mine = preload(ops, s, tid);
    uint64_t n = 0, last = harness_now_ns();
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            ops->push(s, mine);
            uint64_t t = harness_now_ns();
            bench_hist_add(h, t - last);
            mine = ops->pop(s);
            last = harness_now_ns();
            bench_hist_add(h, last - t);
        }
        n += 2 * BATCH;
    }
    s->held[tid] = mine;
    bench_report_latency(tid, h);
    free(h);
    return n;
}

/* After the trial (quiescent): pop everything, then check conservation. */
BENCH_INLINE const char *drained_check(const stack_ops *ops, void *p)
{
    stack_state *s = (stack_state *)p;
    stack_item **found = (stack_item **)calloc(s->nitems, sizeof *found);
    unsigned n = 0;
    for (stack_item *x = ops->pop(s); x && n < s->nitems; x = ops->pop(s))
        found[n++] = x;
    const char *why = conserved(s, found, n, nthreads_of(s));
    free(found);
    return why;
}

/* X's functions in stack (pairs, and the drain check) and in stack_latency (timed). */
#define STACK_PAIRS_FNS(X)                                                                           \
    static uint64_t X##_pairs(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)     \
    {                                                                                                \
        (void)nthreads;                                                                              \
        return pairs_run(&X##_ops, p, tid, stop);                                                    \
    }                                                                                                \
    static const char *X##_check(void *p)                                                            \
    {                                                                                                \
        return drained_check(&X##_ops, p);                                                           \
    }

#define STACK_TIMED_FNS(X)                                                                           \
    static uint64_t X##_timed(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)     \
    {                                                                                                \
        (void)nthreads;                                                                              \
        return timed_run(&X##_ops, p, tid, stop);                                                    \
    }

STACK_PAIRS_FNS(lf)
STACK_PAIRS_FNS(ck)
STACK_PAIRS_FNS(urcu)
STACK_PAIRS_FNS(mutex)
STACK_PAIRS_FNS(spin)
STACK_TIMED_FNS(lf)
STACK_TIMED_FNS(ck)
STACK_TIMED_FNS(mutex)
STACK_TIMED_FNS(timer)

static const bench_entry stack_entries[] = {
    {"mutex", stack_setup, mutex_pairs, mutex_check, stack_teardown},
    {"spinlock", stack_setup, spin_pairs, spin_check, stack_teardown},
    {"ck_stack_mpmc", stack_setup, ck_pairs, ck_check, stack_teardown},
    {"urcu_cds_lfs", stack_setup, urcu_pairs, urcu_check, stack_teardown},
    {"lf_stack", stack_setup, lf_pairs, lf_check, stack_teardown},
};

const bench_family bench_stack = {
    "stack", "push+pop pairs per thread on one shared stack", false,
    {1, 2, 4, 0}, {"mutex", "ck_stack_mpmc", NULL},
    stack_entries, sizeof stack_entries / sizeof stack_entries[0],
};

static const bench_entry stack_latency_entries[] = {
    {"timer_only", stack_setup, timer_timed, NULL, stack_teardown},
    {"mutex", stack_setup, mutex_timed, mutex_check, stack_teardown},
    {"ck_stack_mpmc", stack_setup, ck_timed, ck_check, stack_teardown},
    {"lf_stack", stack_setup, lf_timed, lf_check, stack_teardown},
};

const bench_family bench_stack_latency = {
    "stack_latency", "push and pop timed one by one on one shared stack (rate: single operations)", false,
    {1, 2, 4, 0}, {"mutex", "ck_stack_mpmc", NULL},
    stack_latency_entries, sizeof stack_latency_entries / sizeof stack_latency_entries[0],
};

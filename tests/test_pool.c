/* Unit tests: lfkit/pool.h (work-stealing fork-join pool). */
#include "test_alloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/* Thread creation through a hook that can fail and counts live workers. */
static atomic_int test_threads_live;
static atomic_int test_threads_allowed = -1; /* < 0: no limit */

typedef struct test_thread_start {
    void *(*start)(void *);
    void *arg;
} test_thread_start;

static void *test_thread_trampoline(void *p)
{
    test_thread_start s = *(test_thread_start *)p;
    free(p);
    void *ret = s.start(s.arg);
    atomic_fetch_sub(&test_threads_live, 1);
    return ret;
}

static int test_thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *),
                              void *arg)
{
    if (atomic_load(&test_threads_allowed) >= 0 && atomic_fetch_sub(&test_threads_allowed, 1) <= 0)
        return EAGAIN;
    test_thread_start *s = (test_thread_start *)malloc(sizeof *s);
    if (s == NULL)
        return ENOMEM;
    s->start = start;
    s->arg = arg;
    atomic_fetch_add(&test_threads_live, 1);
    int rc = pthread_create(t, attr, test_thread_trampoline, s);
    if (rc != 0) {
        atomic_fetch_sub(&test_threads_live, 1);
        free(s);
    }
    return rc;
}

#define LF_POOL_THREAD_CREATE(t, attr, start, arg) test_thread_create((t), (attr), (start), (arg))

#include <lfkit/pool.h>

#include "../harness/pool_workloads.h"
#include <criterion/criterion.h>
#include "../harness/harness.h"

Test(pool, fib_on_1_2_and_4_workers, .timeout = 30)
{
    for (unsigned n = 1; n <= 4; n *= 2) {
        lf_pool p;
        cr_assert_eq(lf_pool_init(&p, n), LF_OK);
        cr_assert_eq(lf_pool_nworkers(&p), n);
        cr_assert_eq(fib_pool(&p, 22), fib_serial(22), "fib(22) on %u workers", n);
        cr_assert_eq(fib_pool(&p, 1), 1);
        lf_pool_destroy(&p);
    }
    cr_assert_eq(atomic_load(&test_threads_live), 0, "destroy joins every worker");
    cr_assert_eq(atomic_load(&test_alloc_live), 0, "destroy frees everything");
}

/* Parallel sum by halving, spawn left / compute right / sync. */
typedef struct sum_job {
    const uint64_t *a;
    size_t n;
    uint64_t sum;
} sum_job;

static void sum_task(lf_task *self, void *arg)
{
    sum_job *job = (sum_job *)arg;
    if (job->n <= 1000) {
        uint64_t s = 0;
        for (size_t i = 0; i < job->n; i++)
            s += job->a[i];
        job->sum = s;
        return;
    }
    sum_job left = {job->a, job->n / 2, 0};
    sum_job right = {job->a + job->n / 2, job->n - job->n / 2, 0};
    lf_task child;
    lf_task_init(&child, sum_task, &left);
    lf_task_spawn(self, &child);
    sum_task(self, &right);
    lf_task_sync(self, &child);
    job->sum = left.sum + right.sum;
}

Test(pool, parallel_sum, .timeout = 30)
{
    enum { N = 1000000 };
    uint64_t *a = (uint64_t *)malloc(N * sizeof *a);
    cr_assert_not_null(a);
    for (size_t i = 0; i < N; i++)
        a[i] = i * 3 + 1;
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 3), LF_OK);
    sum_job job = {a, N, 0};
    lf_task root;
    lf_task_init(&root, sum_task, &job);
    lf_pool_run(&p, &root);
    cr_assert_eq(job.sum, (uint64_t)3 * N * (N - 1) / 2 + N);
    lf_pool_destroy(&p);
    free(a);
}

Test(pool, parallel_quicksort, .timeout = 60)
{
    enum { N = 1000000 };
    int *a = (int *)malloc(N * sizeof *a);
    cr_assert_not_null(a);
    sort_fill(a, N, 42);
    a[7] = a[8] = a[9]; /* some duplicates */
    uint64_t before = sort_fingerprint(a, N);
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 2), LF_OK);
    sort_pool(&p, a, N);
    const char *why = sort_verify(a, N, before);
    cr_assert_null(why, "%s", why);
    lf_pool_destroy(&p);
    free(a);
}

/*
 * Nothing syncs: every task spawns its children and returns.  lf_pool_run
 * must still wait for the whole tree.  Tasks live in one array (they must
 * outlive the run: see pool.h, "Lifetime"); leaves spin a little, so an
 * early return would see an incomplete count.
 */
enum { TREE_FANOUT = 4, TREE_DEPTH = 6 };

typedef struct tree {
    lf_task *tasks;   /* heap-ordered: children of i are i*F+1 .. i*F+F */
    size_t ntasks;
    atomic_size_t ran;
} tree;

static void tree_task(lf_task *self, void *arg)
{
    tree *t = (tree *)arg;
    size_t i = (size_t)(self - t->tasks);
    size_t first = i * TREE_FANOUT + 1;
    if (first < t->ntasks) {
        for (size_t c = first; c < first + TREE_FANOUT; c++) {
            lf_task_init(&t->tasks[c], tree_task, t);
            lf_task_spawn(self, &t->tasks[c]);
        }
    } else {
        for (volatile int k = 0; k < 2000; k++)
            ;
    }
    atomic_fetch_add(&t->ran, 1);
}

Test(pool, run_waits_for_unsynced_descendants, .timeout = 30)
{
    tree t;
    t.ntasks = 0;
    for (size_t level = 0, width = 1; level <= TREE_DEPTH; level++, width *= TREE_FANOUT)
        t.ntasks += width;
    t.tasks = (lf_task *)calloc(t.ntasks, sizeof *t.tasks);
    cr_assert_not_null(t.tasks);
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 3), LF_OK);
    for (int round = 0; round < 5; round++) {
        atomic_store(&t.ran, 0);
        lf_task_init(&t.tasks[0], tree_task, &t);
        lf_pool_run(&p, &t.tasks[0]);
        cr_assert_eq(atomic_load(&t.ran), t.ntasks, "round %d: run returned early", round);
    }
    lf_pool_destroy(&p);
    free(t.tasks);
}

/*
 * A spawn whose deque cannot grow runs the child inline, at once (the
 * contract: spawn never fails).  One worker, so nothing is stolen: the
 * first LF_POOL_DEQUE_CAPACITY children fill the deque, and with every
 * allocation failing each later one must have run before its spawn returns.
 */
enum { INLINE_CHILDREN = LF_POOL_DEQUE_CAPACITY + 100 };

typedef struct inline_run {
    lf_task tasks[INLINE_CHILDREN];
    atomic_int ran[INLINE_CHILDREN];
    int ran_inline; /* children already run when their spawn returned */
} inline_run;

static void inline_child(lf_task *self, void *arg)
{
    inline_run *r = (inline_run *)arg;
    atomic_fetch_add(&r->ran[self - r->tasks], 1);
}

static void inline_root(lf_task *self, void *arg)
{
    inline_run *r = (inline_run *)arg;
    for (int i = 0; i < INLINE_CHILDREN; i++) {
        lf_task_init(&r->tasks[i], inline_child, r);
        lf_task_spawn(self, &r->tasks[i]);
        if (atomic_load(&r->ran[i]) != 0)
            r->ran_inline++;
    }
    for (int i = 0; i < INLINE_CHILDREN; i++)
        lf_task_sync(self, &r->tasks[i]);
}

Test(pool, spawn_runs_the_child_inline_when_the_deque_cannot_grow, .timeout = 30)
{
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 1), LF_OK);
    inline_run *r = (inline_run *)calloc(1, sizeof *r);
    cr_assert_not_null(r);
    lf_task root;
    lf_task_init(&root, inline_root, r);
    test_alloc_fail(true);
    lf_pool_run(&p, &root);
    test_alloc_fail(false);
    cr_assert_eq(r->ran_inline, INLINE_CHILDREN - LF_POOL_DEQUE_CAPACITY);
    for (int i = 0; i < INLINE_CHILDREN; i++)
        cr_assert_eq(atomic_load(&r->ran[i]), 1, "child %d ran %d times", i,
                     atomic_load(&r->ran[i]));
    cr_assert_eq(lf_deque_capacity(&p.workers[0].deque), LF_POOL_DEQUE_CAPACITY,
                 "the deque never grew");
    lf_pool_destroy(&p);
    free(r);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

/* Several outside threads call lf_pool_run on one pool at once. */
typedef struct runners {
    lf_pool *pool;
    atomic_int wrong;
} runners;

static void runner_thread(void *arg, unsigned index)
{
    runners *r = (runners *)arg;
    for (int k = 0; k < 20; k++) {
        int n = 10 + (int)((index + (unsigned)k) % 8);
        if (fib_pool(r->pool, n) != fib_serial(n))
            atomic_fetch_add(&r->wrong, 1);
    }
}

Test(pool, concurrent_runs_from_outside_threads, .timeout = 30)
{
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 2), LF_OK);
    runners r;
    r.pool = &p;
    atomic_store(&r.wrong, 0);
    harness_run_threads(4, runner_thread, &r);
    cr_assert_eq(atomic_load(&r.wrong), 0);
    lf_pool_destroy(&p);
}

Test(pool, init_destroy_cycles, .timeout = 60)
{
    for (int cycle = 0; cycle < 60; cycle++) {
        lf_pool p;
        unsigned n = 1 + (unsigned)cycle % 4;
        cr_assert_eq(lf_pool_init(&p, n), LF_OK);
        if (cycle % 2 == 0)
            cr_assert_eq(fib_pool(&p, 12), fib_serial(12));
        lf_pool_destroy(&p);
        cr_assert_eq(atomic_load(&test_threads_live), 0, "cycle %d left threads", cycle);
        cr_assert_eq(atomic_load(&test_alloc_live), 0, "cycle %d leaked", cycle);
    }
}

Test(pool, zero_workers_means_online_cpus, .timeout = 30)
{
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 0), LF_OK);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cr_assert_eq(lf_pool_nworkers(&p), cpus > 0 ? (unsigned)cpus : 1u);
    cr_assert_eq(atomic_load(&test_threads_live), (int)lf_pool_nworkers(&p));
    lf_pool_destroy(&p);
}

Test(pool, bad_input)
{
    lf_pool p;
    cr_assert_eq(lf_pool_init(NULL, 2), LF_EINVAL);
    cr_assert_eq(lf_pool_init(&p, LF_POOL_MAX_WORKERS + 1), LF_EINVAL);
    cr_assert_eq(atomic_load(&test_alloc_calls), 0);
    cr_assert_eq(atomic_load(&test_threads_live), 0);
    cr_assert_eq(lf_pool_init(&p, 1), LF_OK);
    lf_task t;
    lf_task_init(&t, fib_task, NULL);
    lf_pool_run(NULL, &t); /* returns at once */
    lf_pool_run(&p, NULL);
    lf_pool_destroy(&p);
    lf_pool_destroy(NULL);
}

Test(pool, init_stack_sizes, .timeout = 30)
{
    lf_pool p;
    cr_assert_eq(lf_pool_init_stack(NULL, 2, 1 << 20), LF_EINVAL);
    cr_assert_eq(lf_pool_init_stack(&p, 2, 1), LF_EINVAL, "below PTHREAD_STACK_MIN");
    cr_assert_eq(lf_pool_init_stack(&p, LF_POOL_MAX_WORKERS + 1, 1 << 20), LF_EINVAL);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
    cr_assert_eq(atomic_load(&test_threads_live), 0);
    cr_assert_eq(lf_pool_init_stack(&p, 3, 256 << 10), LF_OK);
    cr_assert_eq(fib_pool(&p, 20), fib_serial(20));
    lf_pool_destroy(&p);
    cr_assert_eq(atomic_load(&test_threads_live), 0);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

/* fib(n)'s tree is n - 1 deep: nesting is at most n on any worker, exactly n on one. */
Test(pool, nesting_stays_within_the_tree_depth, .timeout = 30)
{
    enum { N = 20 };
    for (unsigned workers = 1; workers <= 4; workers *= 2) {
        lf_pool p;
        cr_assert_eq(lf_pool_init(&p, workers), LF_OK);
        cr_assert_eq(lf_pool_max_nesting(&p), 0, "nothing ran yet");
        for (int i = 0; i < 5; i++)
            cr_assert_eq(fib_pool(&p, N), fib_serial(N));
        unsigned nesting = lf_pool_max_nesting(&p);
        if (workers == 1)
            cr_assert_eq(nesting, N, "one worker: the chain fib(%d) .. fib(1), got %u", N, nesting);
        else
            cr_assert(nesting >= 1 && nesting <= N, "%u workers: nesting %u", workers, nesting);
        lf_pool_destroy(&p);
    }
}

/* pool_sync.h's cores, one thread: DONE is reached exactly once, whichever side finishes last. */
Test(pool, completion_and_wake_cores)
{
    _Atomic(size_t) join;
    lf_completion__init(&join);
    cr_assert(lf_completion__body_returned(&join, 0), "no children: done at once");
    cr_assert(lf_completion__is_done(&join));

    lf_completion__init(&join);
    cr_assert_not(lf_completion__body_returned(&join, 2), "two children still out");
    cr_assert_not(lf_completion__is_done(&join));
    cr_assert_not(lf_completion__child_done(&join));
    cr_assert(lf_completion__child_done(&join), "the last child completes it");
    cr_assert(lf_completion__is_done(&join));

    lf_completion__init(&join);
    cr_assert_not(lf_completion__child_done(&join));
    cr_assert_not(lf_completion__child_done(&join));
    cr_assert(lf_completion__body_returned(&join, 2), "children first: the body completes it");
    cr_assert(lf_completion__is_done(&join));

    _Atomic(unsigned) sleepers;
    atomic_store(&sleepers, 0);
    cr_assert_not(lf_wake__sleeper_seen(&sleepers));
    cr_assert_not(lf_wake__claim_sleeper(&sleepers));
    lf_wake__announce_sleep(&sleepers);
    cr_assert(lf_wake__sleeper_seen(&sleepers));
    cr_assert(lf_wake__claim_sleeper(&sleepers));
    cr_assert_not(lf_wake__sleeper_seen(&sleepers), "claimed: not woken twice");
    lf_wake__announce_sleep(&sleepers);
    lf_wake__cancel_sleep(&sleepers);
    cr_assert_eq(atomic_load(&sleepers), 0);
}

Test(pool, init_enomem_at_every_allocation, .timeout = 30)
{
    for (long k = 0;; k++) {
        lf_pool p;
        test_alloc_fail_after(k);
        lf_status s = lf_pool_init(&p, 3);
        test_alloc_fail(false);
        if (s == LF_OK) {
            cr_assert_eq(k, 4, "the workers array and 3 deques: %ld allocations", k);
            cr_assert_eq(fib_pool(&p, 15), fib_serial(15));
            lf_pool_destroy(&p);
            break;
        }
        cr_assert_eq(s, LF_ENOMEM, "allocation %ld failing", k);
        cr_assert_eq(atomic_load(&test_alloc_live), 0, "allocation %ld failing: leak", k);
        cr_assert_eq(atomic_load(&test_threads_live), 0, "allocation %ld failing: threads", k);
    }
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(pool, thread_creation_failure_joins_started_workers, .timeout = 30)
{
    for (int allowed = 0; allowed < 4; allowed++) {
        lf_pool p;
        atomic_store(&test_threads_allowed, allowed);
        cr_assert_eq(lf_pool_init(&p, 4), LF_ENOMEM, "%d threads allowed", allowed);
        cr_assert_eq(atomic_load(&test_threads_live), 0, "%d threads allowed: stray", allowed);
        cr_assert_eq(atomic_load(&test_alloc_live), 0, "%d threads allowed: leak", allowed);
    }
    atomic_store(&test_threads_allowed, -1);
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 4), LF_OK);
    lf_pool_destroy(&p);
}

/* Block until every worker of p sleeps (bounded by the test's timeout). */
static void wait_until_asleep(lf_pool *p)
{
    while (atomic_load(&p->sleepers) != lf_pool_nworkers(p))
        sched_yield();
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(pool, idle_pool_uses_no_cpu, .timeout = 30)
{
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 2), LF_OK);
    cr_assert_eq(fib_pool(&p, 15), fib_serial(15));
    wait_until_asleep(&p);
    double before = cpu_seconds();
    struct timespec pause = {0, 200 * 1000 * 1000}; /* a measuring interval, not a synchronisation */
    nanosleep(&pause, NULL);
    double used = cpu_seconds() - before;
    cr_assert_lt(used, 0.02, "an idle pool used %.3f s of CPU in 0.2 s", used);
    cr_assert_eq(fib_pool(&p, 15), fib_serial(15), "and wakes up for new work");
    lf_pool_destroy(&p);
}

/* Root spawns a child that can only run on another worker (root waits for it to start). */
typedef struct handshake {
    atomic_bool started, go;
} handshake;

static void handshake_child(lf_task *self, void *arg)
{
    (void)self;
    handshake *h = (handshake *)arg;
    atomic_store(&h->started, true);
    while (!atomic_load(&h->go))
        sched_yield();
}

static void handshake_root(lf_task *self, void *arg)
{
    handshake *h = (handshake *)arg;
    lf_task child;
    lf_task_init(&child, handshake_child, h);
    lf_task_spawn(self, &child);
    while (!atomic_load(&h->started)) /* only a woken sleeper can run the child */
        sched_yield();
    atomic_store(&h->go, true);
    lf_task_sync(self, &child);
}

Test(pool, spawn_wakes_a_sleeping_worker, .timeout = 30)
{
    lf_pool p;
    cr_assert_eq(lf_pool_init(&p, 2), LF_OK);
    for (int round = 0; round < 20; round++) {
        wait_until_asleep(&p);
        handshake h;
        atomic_store(&h.started, false);
        atomic_store(&h.go, false);
        lf_task root;
        lf_task_init(&root, handshake_root, &h);
        lf_pool_run(&p, &root);
        cr_assert(atomic_load(&h.go));
    }
    lf_pool_destroy(&p);
}

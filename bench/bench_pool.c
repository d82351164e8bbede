/*
 * Fork-join pool benchmarks (fixed work: the harness times whole runs).
 *
 *  - pool_fib: fib(30) with one task per call and no cutoff (spawn
 *    fib(n-1), compute fib(n-2), sync): pure scheduling overhead.
 *  - pool_sort: quicksort of 1e7 random ints (spawn the left part, sort
 *    the right part, sync; serial below 2048 elements).
 *
 * Entries, at 1 and 2 workers: lf_pool; oneTBB task_group in a task_arena
 * of N threads (bench_pool_tbb.cpp); OpenMP tasks (#pragma omp task /
 * taskwait in a parallel region of N threads; gcc's libgomp); a pool of N
 * threads sharing one mutex-protected task stack, whose sync also runs
 * tasks, but only tasks deeper in the task tree than the one syncing (so
 * a thread's nested tasks have strictly increasing depths and its stack
 * stays within the tree's depth, like lf_pool's); and the serial code.  Each trial checks its result (fib's value;
 * the array sorted and a permutation of its input).
 *
 * Setup (untimed) creates the entry's pool and warms it up with a few
 * fib(22) runs.  OpenMP's threads spin for a while after a parallel region
 * ends (OMP_WAIT_POLICY); run with OMP_WAIT_POLICY=passive to keep them
 * from competing with the next entry's trial.
 */
#include "bench.h"

#include <lfkit/pool.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "../harness/pool_workloads.h"

enum { FIB_N = 30, SORT_N = 10000000, MUTEX_POOL_MAX = 64, WARM_UP_FIB_N = 22, WARM_UP_RUNS = 5 };

/* oneTBB, in bench_pool_tbb.cpp */
void *tbb_pool_setup(unsigned nworkers);
void tbb_pool_teardown(void *arena);
long tbb_fib(void *arena, int n);
void tbb_sort(void *arena, int *a, size_t n);

/*
 * The baseline pool: N threads and one task stack (LIFO list) under one
 * mutex.  Idle threads take the newest task.  A sync waiting for a child
 * takes the newest task deeper than the syncing task (depth: distance
 * from the root), scanning the list under the mutex; so the tasks nested
 * on one thread's stack have strictly increasing depths, at most the
 * tree's depth + 1 of them.  It never deadlocks: take the sync whose
 * task is deepest.  Its child is queued (then that sync takes it: it is
 * deeper) or running on some thread, whose innermost task is the child or
 * deeper still, so it is running code (progress) or syncing a task deeper
 * than the deepest (impossible).  Every child is synced, so a child whose
 * body has returned is done.
 */
typedef struct mtask mtask;
typedef struct mutex_pool mutex_pool;

struct mtask {
    void (*fn)(mtask *self, void *arg);
    void *arg;
    mtask *next;
    mutex_pool *pool;
    unsigned depth; /* 0 for the root, parent's + 1 */
    atomic_bool done;
};

struct mutex_pool {
    pthread_mutex_t lock;
    mtask *head;
    atomic_bool stop;
    unsigned n;
    pthread_t threads[MUTEX_POOL_MAX];
};

static mtask *mutex_pool_take(mutex_pool *m)
{
    pthread_mutex_lock(&m->lock);
    mtask *t = m->head;
    if (t != NULL)
        m->head = t->next;
    pthread_mutex_unlock(&m->lock);
    return t;
}

/* The newest queued task deeper than depth, unlinked; NULL if none. */
static mtask *mutex_pool_take_deeper(mutex_pool *m, unsigned depth)
{
    pthread_mutex_lock(&m->lock);
    mtask **link = &m->head;
    while (*link != NULL && (*link)->depth <= depth)
        link = &(*link)->next;
    mtask *t = *link;
    if (t != NULL)
        *link = t->next;
    pthread_mutex_unlock(&m->lock);
    return t;
}

static void mutex_pool_put(mutex_pool *m, mtask *t)
{
    pthread_mutex_lock(&m->lock);
    t->next = m->head;
    m->head = t;
    pthread_mutex_unlock(&m->lock);
}

static void mtask_execute(mtask *t)
{
    t->fn(t, t->arg);
    atomic_store_explicit(&t->done, true, memory_order_release); /* pairs with the acquire in sync/run */
}

static void mtask_spawn(mtask *self, mtask *child, void (*fn)(mtask *, void *), void *arg)
{
    child->fn = fn;
    child->arg = arg;
    child->pool = self->pool;
    child->depth = self->depth + 1;
    atomic_store_explicit(&child->done, false, memory_order_relaxed); /* published by the mutex */
    mutex_pool_put(self->pool, child);
}

static void mtask_sync(mtask *self, mtask *child)
{
    while (!atomic_load_explicit(&child->done, memory_order_acquire)) {
        mtask *t = mutex_pool_take_deeper(self->pool, self->depth);
        if (t != NULL)
            mtask_execute(t);
        else
            lf_cpu_relax();
    }
}

static void *mutex_pool_worker(void *arg)
{
    mutex_pool *m = (mutex_pool *)arg;
    unsigned idle = 0;
    while (!atomic_load_explicit(&m->stop, memory_order_relaxed)) {
        mtask *t = mutex_pool_take(m);
        if (t != NULL) {
            mtask_execute(t);
            idle = 0;
        } else if (++idle < 256) {
            lf_cpu_relax();
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static mutex_pool *mutex_pool_new(unsigned n)
{
    mutex_pool *m = (mutex_pool *)harness_alloc(64, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->n = n < MUTEX_POOL_MAX ? n : MUTEX_POOL_MAX;
    for (unsigned i = 0; i < m->n; i++)
        if (pthread_create(&m->threads[i], NULL, mutex_pool_worker, m) != 0)
            abort();
    return m;
}

static void mutex_pool_free(mutex_pool *m)
{
    atomic_store_explicit(&m->stop, true, memory_order_relaxed);
    for (unsigned i = 0; i < m->n; i++)
        pthread_join(m->threads[i], NULL);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Run root on m from this (non-worker) thread. */
static void mutex_pool_run(mutex_pool *m, void (*fn)(mtask *, void *), void *arg)
{
    mtask root;
    root.fn = fn;
    root.arg = arg;
    root.pool = m;
    root.depth = 0;
    atomic_store_explicit(&root.done, false, memory_order_relaxed);
    mutex_pool_put(m, &root);
    while (!atomic_load_explicit(&root.done, memory_order_acquire))
        sched_yield();
}

static void mutex_fib_task(mtask *self, void *arg)
{
    fib_job *job = (fib_job *)arg;
    if (job->n < 2) {
        job->result = job->n;
        return;
    }
    fib_job a = {job->n - 1, 0};
    fib_job b = {job->n - 2, 0};
    mtask child;
    mtask_spawn(self, &child, mutex_fib_task, &a);
    mutex_fib_task(self, &b);
    mtask_sync(self, &child);
    job->result = a.result + b.result;
}

static void mutex_sort_task(mtask *self, void *arg)
{
    sort_job *job = (sort_job *)arg;
    if (job->n <= SORT_CUTOFF) {
        sort_serial(job->a, job->n);
        return;
    }
    size_t k = sort_partition(job->a, job->n);
    sort_job left = {job->a, k};
    sort_job right = {job->a + k, job->n - k};
    mtask child;
    mtask_spawn(self, &child, mutex_sort_task, &left);
    mutex_sort_task(self, &right);
    mtask_sync(self, &child);
}

/* OpenMP tasks. */
static long omp_fib(int n)
{
    if (n < 2)
        return n;
    long x = 0, y;
#pragma omp task shared(x)
    x = omp_fib(n - 1);
    y = omp_fib(n - 2);
#pragma omp taskwait
    return x + y;
}

static void omp_sort(int *a, size_t n)
{
    if (n <= SORT_CUTOFF) {
        sort_serial(a, n);
        return;
    }
    size_t k = sort_partition(a, n);
#pragma omp task
    omp_sort(a, k);
    omp_sort(a + k, n - k);
#pragma omp taskwait
}

/* One trial's state: the pool of the entry being measured, and the workload's data. */
enum pool_kind { KIND_LF, KIND_TBB, KIND_OMP, KIND_MUTEX, KIND_SERIAL };

typedef struct pool_state {
    lf_pool lf;
    void *tbb;
    mutex_pool *mutex;
    enum pool_kind kind;
    unsigned nworkers;
    volatile int fib_n; /* read at run time, so the serial fib cannot be folded */
    long fib_result;
    int *array;
    uint64_t fingerprint;
} pool_state;

static uint64_t fib_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop);

/*
 * Untimed, in setup: a few small fib runs on the entry's threads, so that
 * every entry starts its timed run with threads that have run recently
 * (lf_pool's and mutex_pool's are created by setup; TBB's and OpenMP's
 * persist between trials), not with the scheduler still placing them.
 */
static void warm_up(pool_state *s)
{
    s->fib_n = WARM_UP_FIB_N;
    for (int i = 0; i < WARM_UP_RUNS; i++)
        fib_run(s, 0, s->nworkers, NULL);
    s->fib_n = FIB_N;
    s->fib_result = 0;
}

static pool_state *state_new(unsigned nworkers, enum pool_kind kind, bool sort)
{
    pool_state *s = (pool_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->kind = kind;
    s->nworkers = nworkers;
    if (kind == KIND_LF && lf_pool_init(&s->lf, nworkers) != LF_OK)
        abort();
    if (kind == KIND_TBB)
        s->tbb = tbb_pool_setup(nworkers);
    if (kind == KIND_MUTEX)
        s->mutex = mutex_pool_new(nworkers);
    warm_up(s);
    if (sort) {
        s->array = (int *)harness_alloc(64, SORT_N * sizeof *s->array);
        sort_fill(s->array, SORT_N, 2024);
        s->fingerprint = sort_fingerprint(s->array, SORT_N);
    }
    return s;
}

static void pool_teardown(void *p)
{
    pool_state *s = (pool_state *)p;
    if (s->kind == KIND_LF)
        lf_pool_destroy(&s->lf);
    if (s->kind == KIND_TBB)
        tbb_pool_teardown(s->tbb);
    if (s->kind == KIND_MUTEX)
        mutex_pool_free(s->mutex);
    free(s->array);
    free(s);
}

static void *lf_fib_setup(unsigned n) { return state_new(n, KIND_LF, false); }
static void *tbb_fib_setup(unsigned n) { return state_new(n, KIND_TBB, false); }
static void *omp_fib_setup(unsigned n) { return state_new(n, KIND_OMP, false); }
static void *mutex_fib_setup(unsigned n) { return state_new(n, KIND_MUTEX, false); }
static void *serial_fib_setup(unsigned n) { return state_new(n, KIND_SERIAL, false); }
static void *lf_sort_setup(unsigned n) { return state_new(n, KIND_LF, true); }
static void *tbb_sort_setup(unsigned n) { return state_new(n, KIND_TBB, true); }
static void *omp_sort_setup(unsigned n) { return state_new(n, KIND_OMP, true); }
static void *mutex_sort_setup(unsigned n) { return state_new(n, KIND_MUTEX, true); }
static void *serial_sort_setup(unsigned n) { return state_new(n, KIND_SERIAL, true); }

static uint64_t fib_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)tid;
    (void)nthreads;
    (void)stop;
    pool_state *s = (pool_state *)p;
    int n = s->fib_n;
    switch (s->kind) {
    case KIND_LF:
        s->fib_result = fib_pool(&s->lf, n);
        break;
    case KIND_TBB:
        s->fib_result = tbb_fib(s->tbb, n);
        break;
    case KIND_OMP: {
        long r = -1;
#pragma omp parallel num_threads(s->nworkers)
#pragma omp single
        r = omp_fib(n);
        s->fib_result = r;
        break;
    }
    case KIND_MUTEX: {
        fib_job job = {n, -1};
        mutex_pool_run(s->mutex, mutex_fib_task, &job);
        s->fib_result = job.result;
        break;
    }
    case KIND_SERIAL:
        s->fib_result = fib_serial(n);
        break;
    }
    return 1;
}

static const char *fib_check(void *p)
{
    pool_state *s = (pool_state *)p;
    return s->fib_result == 832040 ? NULL : "fib(30) != 832040";
}

static uint64_t sort_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)
{
    (void)tid;
    (void)nthreads;
    (void)stop;
    pool_state *s = (pool_state *)p;
    switch (s->kind) {
    case KIND_LF:
        sort_pool(&s->lf, s->array, SORT_N);
        break;
    case KIND_TBB:
        tbb_sort(s->tbb, s->array, SORT_N);
        break;
    case KIND_OMP:
#pragma omp parallel num_threads(s->nworkers)
#pragma omp single
        omp_sort(s->array, SORT_N);
        break;
    case KIND_MUTEX: {
        sort_job job = {s->array, SORT_N};
        mutex_pool_run(s->mutex, mutex_sort_task, &job);
        break;
    }
    case KIND_SERIAL:
        sort_serial(s->array, SORT_N);
        break;
    }
    return 1;
}

static const char *sort_check(void *p)
{
    pool_state *s = (pool_state *)p;
    return sort_verify(s->array, SORT_N, s->fingerprint);
}

static const bench_entry fib_entries[] = {
    {"serial", serial_fib_setup, fib_run, fib_check, pool_teardown},
    {"lf_pool", lf_fib_setup, fib_run, fib_check, pool_teardown},
    {"tbb_task_group", tbb_fib_setup, fib_run, fib_check, pool_teardown},
    {"openmp_tasks", omp_fib_setup, fib_run, fib_check, pool_teardown},
    {"mutex_pool", mutex_fib_setup, fib_run, fib_check, pool_teardown},
};

const bench_family bench_pool_fib = {
    "pool_fib", "fib(30), one task per call, no cutoff (spawn/sync)", true,
    {1, 2, 0}, {"serial", "tbb_task_group", "openmp_tasks"},
    fib_entries, sizeof fib_entries / sizeof fib_entries[0],
};

static const bench_entry sort_entries[] = {
    {"serial", serial_sort_setup, sort_run, sort_check, pool_teardown},
    {"lf_pool", lf_sort_setup, sort_run, sort_check, pool_teardown},
    {"tbb_task_group", tbb_sort_setup, sort_run, sort_check, pool_teardown},
    {"openmp_tasks", omp_sort_setup, sort_run, sort_check, pool_teardown},
    {"mutex_pool", mutex_sort_setup, sort_run, sort_check, pool_teardown},
};

const bench_family bench_pool_sort = {
    "pool_sort", "quicksort of 1e7 ints (spawn left, sort right, sync; serial below 2048)", true,
    {1, 2, 0}, {"serial", "tbb_task_group", "openmp_tasks"},
    sort_entries, sizeof sort_entries / sizeof sort_entries[0],
};

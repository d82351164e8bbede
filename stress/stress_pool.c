/*
 * Work-stealing pool stress: fib by spawn/sync with no cutoff, a parallel
 * quicksort, random trees with unsynced children from several runners at
 * once, init/destroy cycles, and the stack-depth bound, on pools of 2
 * workers and of --threads workers (more than cores by default, so
 * workers are preempted in the middle of spawn, sync and steal).
 * Invariants: fib's value; the sorted array is sorted and a permutation of
 * the input (an order-independent fingerprint); every tree node run exactly
 * once by the time lf_pool_run returns; after 1000 init/destroy cycles, as
 * many threads as before (no stray workers; leaks are the ASan build's to
 * find); pool_stack: every workload runs on 2 to 16 workers whose stacks
 * are twice what one worker needs for it, measured first, and no worker
 * nests more tasks than the tree's depth + 1.
 */

/*
 * Stack probe: every pool thread of this file starts through
 * probe_thread_create.  When probe_paint is set, a new worker fills the
 * unused part of its stack with a pattern, and when it exits, finds how
 * deep the pattern was overwritten (its high-water mark).  Test code:
 * globals are fine here.  Defined before stress.h, which includes pool.h.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static _Atomic(bool) probe_paint;      /* set only around pool_stack's pools */
static _Atomic(size_t) probe_used;     /* most stack any probed worker used, bytes */
static _Atomic(size_t) probe_usable;   /* least stack a probed worker had below its start */

enum { PROBE_UNPAINTED = 1024 }; /* left alone just below the probe's frame (the calls it makes) */
#define PROBE_PATTERN UINT64_C(0xA5C3A5C3A5C3A5C3)

typedef struct probe_start {
    void *(*start)(void *);
    void *arg;
    bool paint; /* probe_paint when the thread was created */
} probe_start;

static void probe_max(_Atomic(size_t) *x, size_t v)
{
    size_t cur = atomic_load(x);
    while (cur < v && !atomic_compare_exchange_weak(x, &cur, v))
        ;
}

static void probe_min(_Atomic(size_t) *x, size_t v)
{
    size_t cur = atomic_load(x);
    while (cur > v && !atomic_compare_exchange_weak(x, &cur, v))
        ;
}

static void *probe_thread(void *p)
{
    probe_start s = *(probe_start *)p;
    free(p);
    if (!s.paint)
        return s.start(s.arg);
    pthread_attr_t a;
    void *lo = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        pthread_attr_getstack(&a, &lo, &size);
        pthread_attr_destroy(&a);
    }
    uint64_t here = 0; /* its address: the top of the stack the worker uses */
    uintptr_t top = (uintptr_t)&here;
    volatile uint64_t *bottom = (volatile uint64_t *)lo;
    size_t words = lo != NULL && top - (uintptr_t)lo > PROBE_UNPAINTED
                       ? (top - (uintptr_t)lo - PROBE_UNPAINTED) / sizeof(uint64_t)
                       : 0;
    for (size_t i = 0; i < words; i++)
        bottom[i] = PROBE_PATTERN;
    void *ret = s.start(s.arg);
    size_t i = 0;
    while (i < words && bottom[i] == PROBE_PATTERN)
        i++;
    probe_max(&probe_used, top - (uintptr_t)(bottom + i));
    probe_min(&probe_usable, top - (uintptr_t)lo);
    here = 1;
    return ret;
}

static int probe_thread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *),
                               void *arg)
{
    probe_start *s = (probe_start *)malloc(sizeof *s);
    if (s == NULL)
        return -1;
    s->start = start;
    s->arg = arg;
    s->paint = atomic_load(&probe_paint);
    int rc = pthread_create(t, attr, probe_thread, s);
    if (rc != 0)
        free(s);
    return rc;
}

#define LF_POOL_THREAD_CREATE(t, attr, start, arg) probe_thread_create((t), (attr), (start), (arg))

#include "stress.h"

#include <lfkit/pool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/pool_workloads.h"

/* ThreadSanitizer runs about ten times slower: smaller problems there. */
#if LF_TSAN
enum { FIB_N = 25, SORT_N = 1000000 };
#else
enum { FIB_N = 30, SORT_N = 10000000 };
#endif

typedef struct pool_job {
    const stress_opts *o;
    stress_report *r;
    unsigned nworkers;
    int *array;      /* quicksort: SORT_N ints */
    unsigned runs;
} pool_job;

/*
 * Run driver on a pool of 2 workers for half the time, then on one of
 * o->threads workers for the other half; the jobs' run counts come back
 * in *j2 and *jn.
 */
static void run_on_two_pool_sizes(const stress_opts *o, stress_report *r, harness_thread_fn driver,
                                  int *array, pool_job *j2, pool_job *jn)
{
    pool_job two = {o, r, 2, array, 0};
    pool_job many = {o, r, o->threads, array, 0};
    *j2 = two;
    *jn = many;
    stress_run(r, 1, driver, j2, o->seconds / 2);
    if (!r->failed)
        stress_run(r, 1, driver, jn, o->seconds / 2);
}

/* fib(FIB_N) repeatedly until the time is up (at least once). */
static void fib_driver(void *arg, unsigned index)
{
    (void)index;
    pool_job *j = (pool_job *)arg;
    lf_pool p;
    if (lf_pool_init(&p, j->nworkers) != LF_OK) {
        stress_fail(j->r, "lf_pool_init(%u) failed", j->nworkers);
        return;
    }
    long expect = fib_serial(FIB_N);
    uint64_t tasks = (uint64_t)fib_serial(FIB_N + 1); /* tasks spawned per run, about */
    do {
        long got = fib_pool(&p, FIB_N);
        if (got != expect) {
            stress_fail(j->r, "fib(%d) on %u workers = %ld, expected %ld", FIB_N, j->nworkers,
                        got, expect);
            break;
        }
        j->runs++;
        stress_count(j->r, tasks);
    } while (stress_running(j->r));
    lf_pool_destroy(&p);
}

bool stress_pool_fib(const stress_opts *o, stress_report *r)
{
    pool_job j2, jn;
    run_on_two_pool_sizes(o, r, fib_driver, NULL, &j2, &jn);
    if (!r->failed)
        stress_note(r, "fib(%d), runs: %u on 2 workers, %u on %u workers", FIB_N, j2.runs,
                    jn.runs, o->threads);
    return !r->failed;
}

/* Quicksort of SORT_N ints repeatedly until the time is up (at least once). */
static void sort_driver(void *arg, unsigned index)
{
    (void)index;
    pool_job *j = (pool_job *)arg;
    lf_pool p;
    if (lf_pool_init(&p, j->nworkers) != LF_OK) {
        stress_fail(j->r, "lf_pool_init(%u) failed", j->nworkers);
        return;
    }
    do {
        sort_fill(j->array, SORT_N, stress_seed(j->o, j->runs));
        uint64_t before = sort_fingerprint(j->array, SORT_N);
        sort_pool(&p, j->array, SORT_N);
        const char *why = sort_verify(j->array, SORT_N, before);
        if (why != NULL) {
            stress_fail(j->r, "quicksort of %d ints on %u workers: %s", SORT_N, j->nworkers, why);
            break;
        }
        j->runs++;
        stress_count(j->r, SORT_N);
    } while (stress_running(j->r));
    lf_pool_destroy(&p);
}

bool stress_pool_sort(const stress_opts *o, stress_report *r)
{
    int *a = (int *)malloc(SORT_N * sizeof *a);
    if (a == NULL)
        return stress_fail(r, "out of memory");
    pool_job j2, jn;
    run_on_two_pool_sizes(o, r, sort_driver, a, &j2, &jn);
    if (!r->failed)
        stress_note(r, "quicksort of %d ints, runs: %u on 2 workers, %u on %u workers", SORT_N,
                    j2.runs, jn.runs, o->threads);
    free(a);
    return !r->failed;
}

/*
 * Random trees, several runners at once: each task spawns 0..4 children
 * and syncs a random subset, leaving the others unsynced, so completions
 * go up the tree through the remote path (fetch-adds on join) while
 * workers are preempted.  Nodes live in a per-runner array that outlives
 * each run.  Checks: after lf_pool_run returns, every node of the tree
 * has run exactly once (an early return finds a node not yet run).
 */
enum { TREE_MAX = 1 << 14, TREE_DEPTH = 10 };

typedef struct tree_run tree_run;

typedef struct tree_node {
    lf_task task;
    tree_run *run;
    unsigned depth;
    _Atomic(unsigned) ran;
} tree_node;

struct tree_run {
    stress_report *r;
    lf_pool *pool;
    uint64_t seed;
    tree_node *nodes;
    _Atomic(unsigned) used; /* nodes handed out in this run */
    unsigned runs;
};

static void tree_task(lf_task *self, void *arg)
{
    tree_node *n = (tree_node *)arg;
    tree_run *t = n->run;
    uint64_t h = harness_mix(t->seed ^ (uint64_t)(n - t->nodes));
    /* relaxed RMW: counted exactly; read after lf_pool_run's acquire */
    atomic_fetch_add_explicit(&n->ran, 1, memory_order_relaxed);
    if (n->depth >= TREE_DEPTH)
        return;
    tree_node *kids[4];
    unsigned nkids = 0, want = (unsigned)(h % 5);
    for (unsigned c = 0; c < want; c++) {
        /* relaxed: only hands out distinct indices */
        unsigned j = atomic_fetch_add_explicit(&t->used, 1, memory_order_relaxed);
        if (j >= TREE_MAX)
            break;
        tree_node *kid = &t->nodes[j];
        kid->run = t;
        kid->depth = n->depth + 1;
        lf_task_init(&kid->task, tree_task, kid);
        lf_task_spawn(self, &kid->task);
        kids[nkids++] = kid;
    }
    for (unsigned c = 0; c < nkids; c++)
        if ((h >> (8 + c)) & 1)
            lf_task_sync(self, &kids[c]->task);
}

/* One random tree on t->pool; false (and a failure recorded) if a node did not run exactly once. */
static bool tree_run_once(tree_run *t, unsigned index)
{
    t->seed = harness_rand(&t->seed);
    for (unsigned i = 0; i < TREE_MAX; i++)
        atomic_store_explicit(&t->nodes[i].ran, 0, memory_order_relaxed);
    atomic_store_explicit(&t->used, 1, memory_order_relaxed);
    t->nodes[0].run = t;
    t->nodes[0].depth = 0;
    lf_task_init(&t->nodes[0].task, tree_task, &t->nodes[0]);
    lf_pool_run(t->pool, &t->nodes[0].task);
    unsigned used = atomic_load_explicit(&t->used, memory_order_relaxed);
    if (used > TREE_MAX)
        used = TREE_MAX;
    for (unsigned i = 0; i < used; i++) {
        unsigned ran = atomic_load_explicit(&t->nodes[i].ran, memory_order_relaxed);
        if (ran != 1)
            return stress_fail(t->r, "runner %u: node %u of %u ran %u times when lf_pool_run returned",
                               index, i, used, ran);
    }
    t->runs++;
    stress_count(t->r, used);
    return true;
}

static void tree_runner(void *arg, unsigned index)
{
    tree_run *t = (tree_run *)arg + index;
    while (tree_run_once(t, index) && stress_running(t->r))
        ;
}

bool stress_pool_tree(const stress_opts *o, stress_report *r)
{
    enum { RUNNERS = 3 };
    lf_pool *pool = (lf_pool *)harness_alloc(LF_CACHELINE, sizeof *pool);
    if (lf_pool_init(pool, o->threads) != LF_OK)
        return stress_fail(r, "lf_pool_init(%u) failed", o->threads);
    tree_run runs[RUNNERS];
    for (unsigned i = 0; i < RUNNERS; i++) {
        runs[i].r = r;
        runs[i].pool = pool;
        runs[i].seed = stress_seed(o, i);
        runs[i].nodes = (tree_node *)calloc(TREE_MAX, sizeof(tree_node));
        runs[i].runs = 0;
        if (runs[i].nodes == NULL)
            stress_fail(r, "out of memory");
    }
    if (!r->failed)
        stress_run(r, RUNNERS, tree_runner, runs, o->seconds);
    lf_pool_destroy(pool);
    unsigned total = 0;
    for (unsigned i = 0; i < RUNNERS; i++) {
        total += runs[i].runs;
        free(runs[i].nodes);
    }
    free(pool);
    if (!r->failed)
        stress_note(r, "%u trees by %d runners on %u workers, every node once", total, RUNNERS,
                    o->threads);
    return !r->failed;
}

/* Threads in this process, from /proc/self/status; -1 if unknown. */
static long thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long n = -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "Threads:", 8) == 0)
            n = strtol(line + 8, NULL, 10);
    fclose(f);
    return n;
}

enum { CYCLES = 1000 };

bool stress_pool_cycles(const stress_opts *o, stress_report *r)
{
    long before = thread_count();
    unsigned maxw = o->threads < 4 ? o->threads : 4;
    for (unsigned c = 0; c < CYCLES && !r->failed; c++) {
        lf_pool p;
        unsigned n = 1 + c % maxw;
        if (lf_pool_init(&p, n) != LF_OK)
            return stress_fail(r, "cycle %u: lf_pool_init(%u) failed", c, n);
        if (c % 10 == 0 && fib_pool(&p, 12) != fib_serial(12))
            stress_fail(r, "cycle %u: fib(12) wrong", c);
        lf_pool_destroy(&p);
        stress_count(r, 1);
    }
    long after = thread_count();
    /* A joined thread may stay listed a moment longer (under qemu-user the
       emulator's host thread outlives the guest's join, so `before` may also
       count one from the previous scenario): re-read, bounded, and fail only
       on more threads than before; a leaked worker never leaves. */
    for (unsigned i = 0; i < 10000 && after > before; i++) {
        sched_yield();
        after = thread_count();
    }
    if (!r->failed && after > before)
        stress_fail(r, "%ld threads before %d init/destroy cycles, %ld after", before, CYCLES,
                    after);
    if (!r->failed)
        stress_note(r, "%d cycles, 1..%u workers, %ld threads before, %ld after", CYCLES, maxw,
                    before, after);
    return !r->failed;
}

/*
 * Stack depth.  Each workload runs first on one worker with a large stack,
 * probed: need = its high-water mark plus what the thread's stack setting
 * holds besides (TLS, guard, the start frames).  Then on 2, 4, 8 and 16
 * workers (oversubscribed: 2 CPUs) whose stacks are 2 x need (at least
 * the system's minimum, a page multiple): an overflow
 * would crash the run.  Checked too: the result, and lf_pool_max_nesting
 * <= the tree's depth + 1 (the bound pool.h proves).  The verdict line
 * shows, per workload, the stack one worker used, the most any worker
 * used at 2-16 workers, the stack size given, and the deepest nesting.
 */
#if LF_TSAN
enum { STACK_FIB_N = 18, STACK_SORT_N = 200000, SPINE_LEN = 24, SPINE_LEAF = 8, FAN_LEAF = 10 };
#else
enum { STACK_FIB_N = 24, STACK_SORT_N = 1000000, SPINE_LEN = 40, SPINE_LEAF = 12, FAN_LEAF = 14 };
#endif
enum { STACK_PROBE_BYTES = 4 << 20, STACK_LOADS = 5, STACK_TREE_RUNNERS = 3 };

typedef struct stack_load {
    const char *name;
    unsigned depth;   /* deepest task of the workload (root: 0); 0: not known in advance */
} stack_load;

static const stack_load stack_loads[STACK_LOADS] = {
    {"fib", STACK_FIB_N - 1},
    {"sort", 0},
    {"trees", TREE_DEPTH},
    {"spine", SPINE_LEN + SPINE_LEAF - 1},
    {"fan", FAN_LEAF},
};

typedef struct stack_ctx {
    stress_report *r;
    const stress_opts *o;
    lf_pool *pool;
    int *array;
    tree_run runs[STACK_TREE_RUNNERS];
} stack_ctx;

static void stack_tree_runner(void *arg, unsigned index)
{
    stack_ctx *c = (stack_ctx *)arg;
    c->runs[index].pool = c->pool;
    tree_run_once(&c->runs[index], index);
}

/* Run workload k once on c->pool; false on a wrong result (recorded). */
static bool stack_run_once(stack_ctx *c, unsigned k)
{
    stress_report *r = c->r;
    unsigned n = lf_pool_nworkers(c->pool);
    switch (k) {
    case 0:
        if (fib_pool(c->pool, STACK_FIB_N) != fib_serial(STACK_FIB_N))
            return stress_fail(r, "fib(%d) wrong on %u workers", STACK_FIB_N, n);
        return true;
    case 1: {
        sort_fill(c->array, STACK_SORT_N, stress_seed(c->o, n));
        uint64_t before = sort_fingerprint(c->array, STACK_SORT_N);
        sort_pool(c->pool, c->array, STACK_SORT_N);
        const char *why = sort_verify(c->array, STACK_SORT_N, before);
        return why == NULL || stress_fail(r, "quicksort on %u workers: %s", n, why);
    }
    case 2:
        stress_run(r, STACK_TREE_RUNNERS, stack_tree_runner, c, 0);
        return !r->failed;
    case 3:
        if (spine_pool(c->pool, SPINE_LEN, SPINE_LEAF) != SPINE_LEN * fib_serial(SPINE_LEAF))
            return stress_fail(r, "unbalanced tree wrong on %u workers", n);
        return true;
    default:
        if (fan_pool(c->pool, FAN_LEAF) != FAN_WIDTH * fib_serial(FAN_LEAF))
            return stress_fail(r, "fan-out wrong on %u workers", n);
        return true;
    }
}

/*
 * Workload k on a probed pool of n workers with stack_bytes stacks, until
 * `until` (at least once).  *used: the most stack a worker used; *usable:
 * the least a worker had; *nesting: lf_pool_max_nesting.
 */
static bool stack_trial(stack_ctx *c, unsigned k, unsigned n, size_t stack_bytes, double until,
                        size_t *used, size_t *usable, unsigned *nesting)
{
    lf_pool *pool = (lf_pool *)harness_alloc(LF_CACHELINE, sizeof *pool);
    if (pool == NULL)
        return stress_fail(c->r, "out of memory");
    atomic_store(&probe_used, 0);
    atomic_store(&probe_usable, SIZE_MAX);
    atomic_store(&probe_paint, true);
    lf_status s = lf_pool_init_stack(pool, n, stack_bytes);
    atomic_store(&probe_paint, false);
    if (s != LF_OK) {
        free(pool);
        return stress_fail(c->r, "lf_pool_init_stack(%u, %zu) = %d", n, stack_bytes, (int)s);
    }
    c->pool = pool;
    bool ok;
    do
        ok = stack_run_once(c, k);
    while (ok && harness_now() < until);
    *nesting = lf_pool_max_nesting(pool);
    lf_pool_destroy(pool); /* joins the workers: their probe results are in */
    free(pool);
    *used = atomic_load(&probe_used);
    *usable = atomic_load(&probe_usable);
    return ok;
}

bool stress_pool_stack(const stress_opts *o, stress_report *r)
{
    static const unsigned counts[] = {2, 4, 8, 16};
    enum { NCOUNTS = sizeof counts / sizeof counts[0] };
    stack_ctx c = {r, o, NULL, (int *)malloc(STACK_SORT_N * sizeof(int)), {{0}}};
    bool ok = c.array != NULL;
    for (unsigned i = 0; i < STACK_TREE_RUNNERS; i++) {
        c.runs[i].r = r;
        c.runs[i].seed = stress_seed(o, 100 + i);
        c.runs[i].nodes = (tree_node *)calloc(TREE_MAX, sizeof(tree_node));
        ok = ok && c.runs[i].nodes != NULL;
    }
    if (!ok)
        stress_fail(r, "out of memory");
    double slice = o->seconds / (STACK_LOADS * (NCOUNTS + 1));
    char note[256] = "";
    size_t len = 0;
    for (unsigned k = 0; k < STACK_LOADS && !r->failed; k++) {
        size_t used1, usable1, used, usable, most = 0;
        unsigned nesting, deepest = 0;
        if (!stack_trial(&c, k, 1, STACK_PROBE_BYTES, harness_now() + slice, &used1, &usable1,
                         &nesting))
            break;
        /* What the setting holds besides the usable part (TSan's runtime
           may make the stack larger than asked: then nothing). */
        size_t need = used1 + (usable1 < STACK_PROBE_BYTES ? STACK_PROBE_BYTES - usable1 : 0);
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t least = (size_t)sysconf(_SC_THREAD_STACK_MIN); /* what pthreads accepts */
        size_t stack = (2 * need > least ? 2 * need : least) + page - 1;
        stack = stack / page * page;
        for (unsigned j = 0; j < NCOUNTS && !r->failed; j++) {
            if (!stack_trial(&c, k, counts[j], stack, harness_now() + slice, &used, &usable,
                             &nesting))
                break;
            unsigned bound = stack_loads[k].depth + 1;
            if (stack_loads[k].depth != 0 && nesting > bound)
                stress_fail(r, "%s on %u workers: %u tasks nested on one worker, bound %u",
                            stack_loads[k].name, counts[j], nesting, bound);
            most = used > most ? used : most;
            deepest = nesting > deepest ? nesting : deepest;
        }
        int w = snprintf(note + len, sizeof note - len, "%s%s %zu/%zu/%zuK n%u", k ? ", " : "",
                         stack_loads[k].name, used1 >> 10, most >> 10, stack >> 10, deepest);
        len += w > 0 && (size_t)w < sizeof note - len ? (size_t)w : 0;
    }
    for (unsigned i = 0; i < STACK_TREE_RUNNERS; i++)
        free(c.runs[i].nodes);
    free(c.array);
    if (!r->failed)
        stress_note(r, "stack used on 1 worker/most on 2-16/given, deepest nesting: %s", note);
    return !r->failed;
}

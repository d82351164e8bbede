/*
 * Work-stealing pool stress: fib by spawn/sync with no cutoff, a parallel
 * quicksort, random trees with unsynced children from several runners at
 * once, and init/destroy cycles, on pools of 2 workers and of --threads
 * workers (more than cores by default, so workers are preempted in the
 * middle of spawn, sync and steal).
 * Invariants: fib's value; the sorted array is sorted and a permutation of
 * the input (an order-independent fingerprint); every tree node run exactly
 * once by the time lf_pool_run returns; after 1000 init/destroy cycles, as
 * many threads as before (no stray workers; leaks are the ASan build's to
 * find).
 */
#include "stress.h"

#include <lfkit/pool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/pool_workloads.h"

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
static void run_on_two_pool_sizes(const stress_opts *o, stress_report *r, stress_thread_fn driver,
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
    uint64_t h = sort_mix(t->seed ^ (uint64_t)(n - t->nodes));
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

static void tree_runner(void *arg, unsigned index)
{
    tree_run *t = (tree_run *)arg + index;
    do {
        t->seed = stress_rand(&t->seed);
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
            if (ran != 1) {
                stress_fail(t->r, "runner %u: node %u of %u ran %u times when lf_pool_run returned",
                            index, i, used, ran);
                return;
            }
        }
        t->runs++;
        stress_count(t->r, used);
    } while (stress_running(t->r));
}

bool stress_pool_tree(const stress_opts *o, stress_report *r)
{
    enum { RUNNERS = 3 };
    lf_pool *pool = (lf_pool *)stress_aligned_calloc(1, sizeof *pool);
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

/*
 * harness/pool_workloads.h - the fork-join workloads run on lf_pool by the
 * unit tests, the stress scenarios and the benchmarks: fib by
 * spawn/sync (one task per call, no cutoff), a parallel quicksort, an
 * unbalanced tree (a spine with fib subtrees hanging off it) and a wide
 * fan-out, with their serial versions and result checks.  One copy, included by
 * tests/test_pool.c, stress/stress_pool.c and bench/bench_pool.c.
 */
#ifndef LFKIT_POOL_WORKLOADS_H
#define LFKIT_POOL_WORKLOADS_H

#include "harness.h"

#include <lfkit/pool.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline long fib_serial(int n)
{
    return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2);
}

typedef struct fib_job {
    int n;
    long result;
} fib_job;

/* fib(n): spawn fib(n-1), compute fib(n-2) in this task, sync. */
static inline void fib_task(lf_task *self, void *arg)
{
    fib_job *job = (fib_job *)arg;
    if (job->n < 2) {
        job->result = job->n;
        return;
    }
    fib_job a = {job->n - 1, 0};
    fib_job b = {job->n - 2, 0};
    lf_task child;
    lf_task_init(&child, fib_task, &a);
    lf_task_spawn(self, &child);
    fib_task(self, &b);
    lf_task_sync(self, &child);
    job->result = a.result + b.result;
}

/* fib(n) on pool p, from a non-worker thread. */
static inline long fib_pool(lf_pool *p, int n)
{
    fib_job job = {n, -1};
    lf_task root;
    lf_task_init(&root, fib_task, &job);
    lf_pool_run(p, &root);
    return job.result;
}

/*
 * Unbalanced: a spine of len tasks; spine task k spawns spine task k + 1
 * and a fib(leaf) subtree, syncs the subtree, then the spine.  The task
 * tree is len + leaf - 1 deep on one side and leaf deep on the other.
 * result: len * fib(leaf).
 */
typedef struct spine_job {
    int len;
    int leaf;
    long result;
} spine_job;

static inline void spine_task(lf_task *self, void *arg)
{
    spine_job *job = (spine_job *)arg;
    if (job->len == 0) {
        job->result = 0;
        return;
    }
    spine_job next = {job->len - 1, job->leaf, 0};
    fib_job side = {job->leaf, 0};
    lf_task spine, sub;
    lf_task_init(&spine, spine_task, &next);
    lf_task_init(&sub, fib_task, &side);
    lf_task_spawn(self, &spine);
    lf_task_spawn(self, &sub);
    lf_task_sync(self, &sub);
    lf_task_sync(self, &spine);
    job->result = next.result + side.result;
}

static inline long spine_pool(lf_pool *p, int len, int leaf)
{
    spine_job job = {len, leaf, -1};
    lf_task root;
    lf_task_init(&root, spine_task, &job);
    lf_pool_run(p, &root);
    return job.result;
}

/* Fan-out: the root spawns FAN_WIDTH fib(leaf) tasks, then syncs them in order. */
enum { FAN_WIDTH = 64 };

typedef struct fan_job {
    int leaf;
    long result;
} fan_job;

static inline void fan_task(lf_task *self, void *arg)
{
    fan_job *job = (fan_job *)arg;
    fib_job leaves[FAN_WIDTH];
    lf_task kids[FAN_WIDTH];
    for (int i = 0; i < FAN_WIDTH; i++) {
        leaves[i].n = job->leaf;
        leaves[i].result = 0;
        lf_task_init(&kids[i], fib_task, &leaves[i]);
        lf_task_spawn(self, &kids[i]);
    }
    long sum = 0;
    for (int i = 0; i < FAN_WIDTH; i++) {
        lf_task_sync(self, &kids[i]);
        sum += leaves[i].result;
    }
    job->result = sum;
}

/* FAN_WIDTH * fib(leaf) on pool p, from a non-worker thread. */
static inline long fan_pool(lf_pool *p, int leaf)
{
    fan_job job = {leaf, -1};
    lf_task root;
    lf_task_init(&root, fan_task, &job);
    lf_pool_run(p, &root);
    return job.result;
}

/* Quicksort: below SORT_CUTOFF elements a task sorts serially. */
enum { SORT_CUTOFF = 2048, SORT_INSERTION = 16 };

static inline void sort_swap(int *a, size_t i, size_t j)
{
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/*
 * Hoare partition around the median of a[0], a[n/2], a[n-1] (moved to
 * a[0]); n >= 2.  Returns k, 1 <= k < n: a[0..k) <= a[k..n).
 */
static inline size_t sort_partition(int *a, size_t n)
{
    size_t m = n / 2;
    if (a[m] < a[0])
        sort_swap(a, m, 0);
    if (a[n - 1] < a[0])
        sort_swap(a, n - 1, 0);
    if (a[n - 1] < a[m])
        sort_swap(a, n - 1, m);
    sort_swap(a, 0, m); /* the median is the pivot, at a[0] */
    int pivot = a[0];
    size_t i = 0, j = n;
    for (;;) {
        while (a[i] < pivot)
            i++;
        do
            j--;
        while (a[j] > pivot);
        if (i >= j)
            return j + 1;
        sort_swap(a, i, j);
        i++;
    }
}

static inline void sort_serial(int *a, size_t n)
{
    while (n > SORT_INSERTION) {
        size_t k = sort_partition(a, n);
        if (k < n - k) {
            sort_serial(a, k);
            a += k;
            n -= k;
        } else {
            sort_serial(a + k, n - k);
            n = k;
        }
    }
    for (size_t i = 1; i < n; i++) {
        int x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > x; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

typedef struct sort_job {
    int *a;
    size_t n;
} sort_job;

/* Sort job->a: spawn the left part, sort the right part in this task, sync. */
static inline void sort_task(lf_task *self, void *arg)
{
    sort_job *job = (sort_job *)arg;
    if (job->n <= SORT_CUTOFF) {
        sort_serial(job->a, job->n);
        return;
    }
    size_t k = sort_partition(job->a, job->n);
    sort_job left = {job->a, k};
    sort_job right = {job->a + k, job->n - k};
    lf_task child;
    lf_task_init(&child, sort_task, &left);
    lf_task_spawn(self, &child);
    sort_task(self, &right);
    lf_task_sync(self, &child);
}

static inline void sort_pool(lf_pool *p, int *a, size_t n)
{
    sort_job job = {a, n};
    lf_task root;
    lf_task_init(&root, sort_task, &job);
    lf_pool_run(p, &root);
}

/* n pseudo-random ints from seed. */
static inline void sort_fill(int *a, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (int)(harness_mix(seed + i) >> 33);
}

/* Order-independent fingerprint of a multiset of ints. */
static inline uint64_t sort_fingerprint(const int *a, size_t n)
{
    uint64_t sum = 0, xs = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = harness_mix((uint64_t)(unsigned)a[i]);
        sum += h;
        xs ^= harness_mix(h);
    }
    return sum ^ (xs << 1);
}

/* NULL if a is sorted and has fingerprint `before`, else what is wrong. */
static inline const char *sort_verify(const int *a, size_t n, uint64_t before)
{
    for (size_t i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return "not sorted";
    if (sort_fingerprint(a, n) != before)
        return "not a permutation of the input";
    return NULL;
}

#endif /* LFKIT_POOL_WORKLOADS_H */

/*
 * bench.h - the benchmark harness's API, shared by every bench/bench_*.c.
 *
 * A family is a set of entries measured on the same workload: an lfkit
 * structure, its Concurrency Kit and liburcu counterparts, and a mutex
 * baseline.  For each thread count the harness runs R rounds; round r runs
 * trial r of every entry, back to back, so the host's slow and fast phases
 * hit all entries alike.  Each comparison is reported as the median (min,
 * max) over rounds of the per-round ratio entry / reference.
 *
 * Two shapes of entry:
 *  - throughput (family.fixed_work == false): `run` is called on every
 *    thread (pinned round-robin to CPUs, released together by a barrier)
 *    and loops until *stop, returning the operations it did;
 *  - fixed work (fixed_work == true): `run` is called once, on the main
 *    thread, with tid 0 and nthreads = the worker count, and does the whole
 *    job (e.g. fib(30) on a pool of nthreads workers); the harness times it
 *    and reports runs per second.
 * Either way `setup` builds fresh state per trial (untimed), `check`
 * validates the trial's result (NULL when right, else why), and `teardown`
 * frees it.  A trial whose check fails makes the whole bench exit non-zero.
 *
 * Add a family: write bench/bench_NAME.c defining `const bench_family
 * bench_NAME = {...}`, and add BENCH(NAME) to families.def.
 */
#ifndef LFKIT_BENCH_H
#define LFKIT_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_entry {
    const char *name;
    void *(*setup)(unsigned nthreads);
    uint64_t (*run)(void *state, unsigned tid, unsigned nthreads, const atomic_bool *stop);
    const char *(*check)(void *state); /* may be NULL: nothing to check */
    void (*teardown)(void *state);
} bench_entry;

enum { BENCH_MAX_THREAD_COUNTS = 8, BENCH_MAX_REFS = 3 };

typedef struct bench_family {
    const char *name;   /* also the CSV file name */
    const char *title;
    bool fixed_work;
    unsigned threads[BENCH_MAX_THREAD_COUNTS]; /* thread (or worker) counts, 0-terminated */
    const char *refs[BENCH_MAX_REFS];          /* entries every other is compared with, NULL-terminated */
    const bench_entry *entries;
    size_t nentries;
} bench_family;

/* Per-thread work loop helper: true until the trial's stop flag is raised. */
static inline bool bench_running(const atomic_bool *stop)
{
    return !atomic_load_explicit(stop, memory_order_relaxed); /* relaxed: a timer flag, orders nothing */
}

/* A scratch area aligned to `align` (a power of two), zeroed; exits on ENOMEM (bench code). */
void *bench_alloc(size_t align, size_t size);

/* Online CPUs (for entries that size themselves to the machine). */
unsigned bench_cpus(void);

#ifdef __cplusplus
}
#endif

#endif /* LFKIT_BENCH_H */

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
 *    and loops until *stop, returning the operations it did.  Beside the
 *    rate the harness reports the trial's per-thread spread: the fewest
 *    operations any thread did divided by the most (1 = perfectly even), so
 *    a rate won by starving threads shows.  A thread whose work is not what
 *    the family counts (a deque's thieves while the owner's pairs are
 *    counted, a queue's producers while deliveries are) returns
 *    BENCH_UNCOUNTED instead: it adds nothing and is left out of the spread;
 *  - fixed work (fixed_work == true): `run` is called once, on the main
 *    thread, with tid 0 and nthreads = the worker count, and does the whole
 *    job (e.g. fib(30) on a pool of nthreads workers); the harness times it
 *    and reports runs per second.
 * Either way `setup` builds fresh state per trial (untimed), `check`
 * validates the trial's result (NULL when right, else why), and `teardown`
 * frees it.  A trial whose check fails makes the whole bench exit non-zero.
 *
 * Latency: a throughput entry may also time single operations into a
 * bench_hist per thread and hand it over with bench_report_latency before
 * `run` returns; the harness then prints and writes (FAMILY_latency.csv)
 * the trial's p50, p99, p99.9 and maximum over all threads.
 *
 * Producer/consumer configurations: a family's thread count may be
 * BENCH_PC(p, c) instead of a plain count; the harness then starts p + c
 * threads, prints and writes the count as "pPcC", and hands the encoded
 * value to setup and run as nthreads: bench_threads_of gives the thread
 * count, bench_producers / bench_consumers the roles (for a plain count n
 * they are n / 2 producers, at least one, and the rest consumers).
 *
 * Declining: an entry that does not apply at a thread count (an SPSC ring
 * at 2P2C) returns BENCH_SKIP from setup; the harness then runs nothing for
 * it at that count, prints no row, writes no CSV line, and leaves ratios
 * against it out.
 *
 * Clock (harness_now_ns), memory (harness_alloc), random numbers and the
 * thread team that runs a trial's threads: ../harness/harness.h.
 *
 * Add a family: write bench/bench_NAME.c defining `const bench_family
 * bench_NAME = {...}`, and add BENCH(NAME) to families.def.
 *
 * One style for every family's file (bench_stack.c is the short example):
 *  - the family's adapter type, FAMILY_ops: a const table of the
 *    operations its loops need (push/pop, enqueue/dequeue, begin/end of a
 *    thread's context, ...), each taking the family's state first (in
 *    bench_queue.c each entry has its own state, passed as void *, whose
 *    first member is the family's common part);
 *  - the loops, written once per family as BENCH_INLINE functions taking
 *    `const FAMILY_ops *` (pairs_run, timed_run, drained_check, ...);
 *  - a short macro, FAMILY_ENTRY_FNS(X) (one per loop kind where entries
 *    join only some families), that defines X's bench_entry functions by
 *    calling the loops with &X_ops.  The loop is then inlined with a
 *    constant table, so each entry gets its own loop with its operations
 *    inlined: no call through a pointer in the timed code.
 * How to add an entry to a family:
 *  1. write its adapters, BENCH_INLINE functions with the signatures of
 *     FAMILY_ops (and, where entries have their own state, its setup and
 *     teardown), and name the entry in the file's top comment;
 *  2. `static const FAMILY_ops X_ops = {...};` beside the other tables;
 *  3. FAMILY_ENTRY_FNS(X) with the others (only the loop kinds X runs in:
 *     an unused static function fails the -Werror build);
 *  4. a row {"name", X_setup, X_run, X_check, X_teardown} in the family's
 *     entries table, with the functions the macro defined (the name is
 *     the entry's table row and CSV key).
 * The fixed-work pool families (bench_pool.c) have no per-operation loop:
 * each entry is a kind of pool that one run function switches on.
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
#include <stdio.h>

#include "../harness/harness.h"

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

/* What `run` returns on a thread whose operations the family does not count. */
#define BENCH_UNCOUNTED UINT64_MAX

typedef struct bench_family {
    const char *name;   /* also the CSV file name */
    const char *title;
    bool fixed_work;
    unsigned threads[BENCH_MAX_THREAD_COUNTS]; /* thread (or worker) counts, 0-terminated */
    const char *refs[BENCH_MAX_REFS];          /* entries every other is compared with, NULL-terminated */
    const bench_entry *entries;
    size_t nentries;
} bench_family;

/* What setup returns for a thread count the entry does not apply to. */
extern char bench_skip_token;
#define BENCH_SKIP ((void *)&bench_skip_token)

/* A producer/consumer configuration as a thread count (p, c < 256). */
#define BENCH_PC_FLAG 0x10000u
#define BENCH_PC(p, c) (BENCH_PC_FLAG | (unsigned)(p) << 8 | (unsigned)(c))

static inline unsigned bench_producers(unsigned n)
{
    if (n & BENCH_PC_FLAG)
        return (n >> 8) & 0xffu;
    return n / 2 > 0 ? n / 2 : 1;
}

static inline unsigned bench_threads_of(unsigned n)
{
    return n & BENCH_PC_FLAG ? ((n >> 8) & 0xffu) + (n & 0xffu) : n;
}

static inline unsigned bench_consumers(unsigned n)
{
    return bench_threads_of(n) - bench_producers(n);
}

/* An adapter or loop of the style above: forced inline, so no call remains in the timed loop. */
#define BENCH_INLINE static inline __attribute__((always_inline))

/* An entry named *_asym whose lf_hp_domain_init_asymmetric gave an ordinary
 * domain (no asymmetric ones on this target or kernel) says so: its numbers
 * are then the symmetric entry's. */
static inline void bench_warn_symmetric(const char *entry, bool asymmetric)
{
    if (!asymmetric)
        fprintf(stderr, "bench: %s runs on an ordinary domain (no asymmetric ones here)\n", entry);
}

/* Per-thread work loop helper: true until the trial's stop flag is raised. */
static inline bool bench_running(const atomic_bool *stop)
{
    return !atomic_load_explicit(stop, memory_order_relaxed); /* relaxed: a timer flag, orders nothing */
}

/*
 * A latency histogram in nanoseconds: values below 16 exactly, above that
 * 16 buckets per power of two (a bucket's values agree within 1/16), plus
 * the exact maximum.  One per thread: bench_hist_add is not atomic.
 */
enum { BENCH_HIST_SUB = 16, BENCH_HIST_BUCKETS = 64 * BENCH_HIST_SUB };

typedef struct bench_hist {
    uint64_t count[BENCH_HIST_BUCKETS];
    uint64_t max_ns;
} bench_hist;

static inline void bench_hist_add(bench_hist *h, uint64_t ns)
{
    unsigned b = (unsigned)ns;
    if (ns >= BENCH_HIST_SUB) {
        unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* ns in [2^e, 2^(e+1)), e >= 4 */
        b = (e - 3) * BENCH_HIST_SUB + (unsigned)((ns >> (e - 4)) & (BENCH_HIST_SUB - 1));
    }
    h->count[b]++;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

/* From inside `run`, on thread tid, before returning: this trial's latencies of that thread. */
void bench_report_latency(unsigned tid, const bench_hist *h);

/* Online CPUs (for entries that size themselves to the machine). */
unsigned bench_cpus(void);

#ifdef __cplusplus
}
#endif

#endif /* LFKIT_BENCH_H */

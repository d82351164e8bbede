/*
 * harness/harness.h - what the unit tests (tests/), the stress runner
 * (stress/) and the benchmarks (bench/) share; each includes it as
 * "../harness/harness.h".  Test code, not library code: on a failed
 * allocation or thread start it prints why and exits with status 2.
 *
 *   harness_now, harness_now_ns   monotonic clock (seconds; nanoseconds)
 *   harness_alloc                 zeroed memory aligned to a power of two; free() it
 *   harness_mix, harness_rand     splitmix64: a stateless hash; a stream from a seed
 *   harness_listed                is a name in a comma-separated list (--only, BENCH_ONLY)
 *   harness_team_*                a thread team: start n threads (optionally each pinned
 *                                 to a CPU), release them together, wait, join
 *   harness_run_threads           start, release and join in one call
 *
 * Beside it: pool_workloads.h, the fork-join workloads the pool's tests,
 * stress scenario and benchmarks run.
 */
#ifndef LFKIT_HARNESS_H
#define LFKIT_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Monotonic clock in seconds. */
static inline double harness_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Monotonic clock in nanoseconds (a vDSO call, no system call, with the TSC clocksource). */
static inline uint64_t harness_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* What the harness does when the machine refuses: say so and exit (test code). */
static inline void harness_die(const char *what)
{
    fprintf(stderr, "harness: %s\n", what);
    exit(2);
}

/* size bytes of zeroed memory aligned to align (a power of two, e.g. LF_CACHELINE); free() it. */
static inline void *harness_alloc(size_t align, size_t size)
{
    size_t bytes = (size + align - 1) / align * align;
    void *p = aligned_alloc(align, bytes ? bytes : align);
    if (p == NULL)
        harness_die("out of memory");
    memset(p, 0, bytes);
    return p;
}

/* splitmix64's output function applied to z + its increment: a stateless 64-bit hash. */
static inline uint64_t harness_mix(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014): the next number of the stream in *state (any seed). */
static inline uint64_t harness_rand(uint64_t *state)
{
    uint64_t z = *state;
    *state = z + UINT64_C(0x9E3779B97F4A7C15);
    return harness_mix(z);
}

/* Is name one of the comma-separated names in list?  A NULL or empty list holds every name. */
static inline bool harness_listed(const char *list, const char *name)
{
    if (list == NULL || *list == 0)
        return true;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return true;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return false;
}

/* ---- the thread team ------------------------------------------------------ */

/* A team member's body: index is 0..n-1. */
typedef void (*harness_thread_fn)(void *arg, unsigned index);

typedef struct harness_team harness_team;

typedef struct harness_member {
    harness_team *team;
    unsigned index;
    pthread_t thread;
} harness_member;

struct harness_team {
    harness_thread_fn fn;
    void *arg;
    const unsigned *cpus; /* member i runs on cpus[i % ncpus]; NULL: not pinned */
    unsigned ncpus;
    unsigned n;
    harness_member *members;
    pthread_barrier_t start; /* the n members and the starting thread */
    pthread_mutex_t lock;
    pthread_cond_t done;
    unsigned running; /* members whose fn has not returned (under lock) */
};

static inline void *harness_member_main(void *p)
{
    harness_member *m = (harness_member *)p;
    harness_team *t = m->team;
    if (t->cpus != NULL) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(t->cpus[m->index % t->ncpus], &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort: a refused pin runs anywhere */
    }
    pthread_barrier_wait(&t->start);
    t->fn(t->arg, m->index);
    pthread_mutex_lock(&t->lock);
    if (--t->running == 0)
        pthread_cond_signal(&t->done);
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/*
 * Start n threads running fn(arg, i), i = 0..n-1; with cpus != NULL member
 * i first pins itself to CPU cpus[i % ncpus].  They wait at the start
 * barrier until harness_team_release; the caller then waits for them
 * (harness_team_wait, optional) and must call harness_team_join.
 */
static inline void harness_team_start(harness_team *t, unsigned n, harness_thread_fn fn, void *arg,
                                      const unsigned *cpus, unsigned ncpus)
{
    t->fn = fn;
    t->arg = arg;
    t->cpus = ncpus > 0 ? cpus : NULL;
    t->ncpus = ncpus;
    t->n = n;
    t->running = n;
    t->members = (harness_member *)calloc(n ? n : 1, sizeof *t->members);
    if (t->members == NULL)
        harness_die("out of memory");
    pthread_barrier_init(&t->start, NULL, n + 1);
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* harness_team_wait's deadline is harness_now's clock */
    pthread_cond_init(&t->done, &ca);
    pthread_condattr_destroy(&ca);
    for (unsigned i = 0; i < n; i++) {
        t->members[i].team = t;
        t->members[i].index = i;
        if (pthread_create(&t->members[i].thread, NULL, harness_member_main, &t->members[i]) != 0)
            harness_die("pthread_create failed");
    }
}

/* Pass the start barrier: every member begins fn at once. */
static inline void harness_team_release(harness_team *t)
{
    pthread_barrier_wait(&t->start);
}

/* Wait until every member's fn has returned (true) or harness_now() reaches deadline (false). */
static inline bool harness_team_wait(harness_team *t, double deadline)
{
    struct timespec ts;
    ts.tv_sec = (time_t)deadline;
    ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
    pthread_mutex_lock(&t->lock);
    while (t->running > 0 && pthread_cond_timedwait(&t->done, &t->lock, &ts) != ETIMEDOUT)
        ;
    bool all = t->running == 0;
    pthread_mutex_unlock(&t->lock);
    return all;
}

/* Join every member and free the team's resources (the team itself is the caller's). */
static inline void harness_team_join(harness_team *t)
{
    for (unsigned i = 0; i < t->n; i++)
        pthread_join(t->members[i].thread, NULL);
    free(t->members);
    pthread_barrier_destroy(&t->start);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->done);
}

/* Run fn(arg, i) on n threads (i = 0..n-1), released together; returns when all are done. */
static inline void harness_run_threads(unsigned n, harness_thread_fn fn, void *arg)
{
    harness_team t;
    harness_team_start(&t, n, fn, arg, NULL, 0);
    harness_team_release(&t);
    harness_team_join(&t);
}

#endif /* LFKIT_HARNESS_H */

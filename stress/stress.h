/*
 * stress.h - the stress runner's API, shared by every stress/stress_*.c.
 *
 * Include this first in a stress file: it declares the delay hook that
 * -DLF_STRESS_HOOK=stress_delay builds call at every LF_STRESS_POINT(),
 * then includes lfkit.
 *
 * A scenario is `bool stress_NAME(const stress_opts *o, stress_report *r)`,
 * listed in scenarios.def.  It runs its threads with stress_run, checks its
 * invariants, and returns true, or calls stress_fail (which returns false).
 * Clock, memory, random numbers and the thread team: ../harness/harness.h.
 */
#ifndef LFKIT_STRESS_H
#define LFKIT_STRESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <lfkit/platform.h>

#include "../harness/harness.h"

/*
 * The delay hook: at about one stress point in four, spin up to 255 relax
 * hints; at one in 128, yield the CPU, so a preempted thread sits in the
 * middle of an operation while others run.  A thread-local harness_rand
 * stream, seeded by its address so threads differ (test code).
 */
static inline void stress_delay(void)
{
    static _Thread_local uint64_t state;
    if (state == 0)
        state = (uint64_t)(uintptr_t)&state;
    uint64_t x = harness_rand(&state);
    unsigned r = (unsigned)(x & 127);
    if (r == 0)
        sched_yield();
    else if (r < 32)
        for (unsigned i = (unsigned)(x >> 56); i > 0; i--)
            lf_cpu_relax();
}

#include <lfkit.h>

typedef struct stress_opts {
    unsigned threads; /* worker threads for scenarios that scale with it (>= 2) */
    double seconds;   /* how long time-bounded scenarios run */
    uint64_t seed;    /* base seed: a failing run repeats its schedule choices with --seed */
    bool asymmetric_hp; /* STRESS_HP scenarios: this run's domains are asymmetric (the _asym entry) */
} stress_opts;

typedef struct stress_report {
    _Atomic(uint64_t) ops;  /* operations done so far: threads add, the progress line reads */
    _Atomic(bool) stop;     /* set by stress_run when the time is up */
    bool failed;
    char why[512];          /* first failure */
    char note[256];         /* a detail for the verdict line (e.g. a measured bound) */
} stress_report;

/* Record a failure (the first one is kept) and return false. Thread-safe. */
bool stress_fail(stress_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add a detail to the verdict line. */
void stress_note(stress_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Runs fn(arg, i) on n threads, i = 0..n-1, released together by a barrier.
 * Clears r->stop first unless the scenario has already failed, so a
 * scenario may call it several times.  If seconds > 0, sets r->stop after
 * that long (threads poll stress_running); with seconds == 0 the threads
 * run to completion.  Prints a progress line
 * once a second on runs of 3 s or more.  Returns when all have joined.
 */
void stress_run(stress_report *r, unsigned n, harness_thread_fn fn, void *arg, double seconds);

/* Workers: true until the time is up (relaxed: a flag orders nothing here). */
static inline bool stress_running(const stress_report *r)
{
    return !atomic_load_explicit(&r->stop, memory_order_relaxed);
}

static inline void stress_count(stress_report *r, uint64_t n)
{
    atomic_fetch_add_explicit(&r->ops, n, memory_order_relaxed);
}

/* A seed per (base seed, thread index), for a harness_rand stream. */
static inline uint64_t stress_seed(const stress_opts *o, unsigned index)
{
    uint64_t s = o->seed ^ (UINT64_C(0x5851F42D4C957F2D) * (index + 1));
    return harness_rand(&s);
}

/* Every hazard-pointer domain a STRESS_HP scenario creates: symmetric, or
   asymmetric in its _asym run (an ordinary domain where the build or the
   kernel has no asymmetric ones: TSan, other targets). */
static inline lf_status stress_hp_domain_init(const stress_opts *o, lf_hp_domain *d, unsigned slots)
{
    return o->asymmetric_hp ? lf_hp_domain_init_asymmetric(d, slots) : lf_hp_domain_init(d, slots);
}

#endif /* LFKIT_STRESS_H */

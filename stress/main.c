/*
 * The stress runner: runs the scenarios of scenarios.def, prints one
 * verdict line each, and exits non-zero if any failed.
 *
 *   stress [--threads N] [--seconds S] [--seed N] [--only a,b] [--timeout S] [--list]
 *
 * --threads 0 (the default) means twice the online CPUs: more threads than
 * cores, so the scheduler preempts threads in the middle of operations.
 * A watchdog fails a scenario that runs past --timeout seconds (default
 * max(120, 20 x --seconds)): a broken lock-free structure often hangs
 * rather than crashes, and a hang must fail, not stall CI.
 */
#include "stress.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STRESS(name, what) bool stress_##name(const stress_opts *o, stress_report *r);
#define STRESS_HP(name, what) STRESS(name, what)
#include "scenarios.def"
#undef STRESS_HP
#undef STRESS

typedef struct scenario {
    const char *name;
    const char *what;
    bool (*run)(const stress_opts *o, stress_report *r);
    bool asymmetric_hp; /* run with o->asymmetric_hp set */
} scenario;

static const scenario scenarios[] = {
#define STRESS(name, what) {#name, what, stress_##name, false},
#define STRESS_HP(name, what) STRESS(name, what) \
    {#name "_asym", what " (asymmetric domains)", stress_##name, true},
#include "scenarios.def"
#undef STRESS_HP
#undef STRESS
};

static const char *volatile current_scenario = "";

/* SIGALRM: the running scenario hung.  Only async-signal-safe calls here. */
static void watchdog_fired(int sig)
{
    (void)sig;
    static const char head[] = "FAIL ";
    static const char tail[] = ": watchdog timeout (hung?)\n";
    const char *name = current_scenario;
    size_t len = 0;
    while (name[len])
        len++;
    if (write(STDOUT_FILENO, head, sizeof head - 1) < 0 || write(STDOUT_FILENO, name, len) < 0 ||
        write(STDOUT_FILENO, tail, sizeof tail - 1) < 0)
        _exit(1);
    _exit(1);
}

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

bool stress_fail(stress_report *r, const char *fmt, ...)
{
    pthread_mutex_lock(&fail_lock);
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->why, sizeof r->why, fmt, ap);
        va_end(ap);
        r->failed = true;
    }
    pthread_mutex_unlock(&fail_lock);
    atomic_store_explicit(&r->stop, true, memory_order_relaxed);
    return false;
}

void stress_note(stress_report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note, sizeof r->note, fmt, ap);
    va_end(ap);
}

void stress_run(stress_report *r, unsigned n, harness_thread_fn fn, void *arg, double seconds)
{
    /* relaxed: the threads created below see it through pthread_create.  A
       failed scenario stays stopped (its earlier threads are joined, so
       reading r->failed here is not a race). */
    if (!r->failed)
        atomic_store_explicit(&r->stop, false, memory_order_relaxed);
    harness_team team;
    harness_team_start(&team, n, fn, arg, NULL, 0);
    harness_team_release(&team);

    /* The timer: wake at each whole second for the progress line, at the
       deadline to raise stop, or as soon as the last thread finishes. */
    double start = harness_now();
    double deadline = start + seconds;
    bool progress = seconds >= 3;
    for (;;) {
        double now = harness_now();
        if (seconds > 0 && now >= deadline)
            atomic_store_explicit(&r->stop, true, memory_order_relaxed);
        double wake = now + 1.0;
        if (seconds > 0 && now < deadline && deadline < wake)
            wake = deadline;
        if (harness_team_wait(&team, wake))
            break;
        if (progress)
            fprintf(stderr, "  ... %.0fs, %llu ops\n", harness_now() - start,
                    (unsigned long long)atomic_load_explicit(&r->ops, memory_order_relaxed));
    }
    harness_team_join(&team);
}

static void usage(void)
{
    fprintf(stderr, "usage: stress [--threads N] [--seconds S] [--seed N] [--only a,b] [--timeout S] [--list]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    stress_opts o;
    o.threads = 0;
    o.seconds = 2;
    o.seed = 0;
    o.asymmetric_hp = false;
    const char *only = NULL;
    unsigned timeout = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; k < sizeof scenarios / sizeof scenarios[0]; k++)
                printf("%-24s %s\n", scenarios[k].name, scenarios[k].what);
            return 0;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--threads") == 0)
            o.threads = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--seconds") == 0)
            o.seconds = strtod(v, NULL);
        else if (strcmp(a, "--seed") == 0)
            o.seed = strtoull(v, NULL, 0);
        else if (strcmp(a, "--only") == 0)
            only = *v ? v : NULL;
        else if (strcmp(a, "--timeout") == 0)
            timeout = (unsigned)strtoul(v, NULL, 10);
        else
            usage();
    }
    if (o.threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = 2 * (unsigned)(cpus > 0 ? cpus : 1);
    }
    if (o.threads < 2)
        o.threads = 2;
    if (o.seed == 0)
        o.seed = (uint64_t)time(NULL);
    if (timeout == 0)
        timeout = o.seconds * 20 > 120 ? (unsigned)(o.seconds * 20) : 120;
    signal(SIGALRM, watchdog_fired);
    /* Whether the _asym runs get asymmetric domains here, or ordinary ones. */
    lf_hp_domain probe;
    bool asymmetric = lf_hp_domain_init_asymmetric(&probe, 1) == LF_OK &&
                      lf_hp_domain_is_asymmetric(&probe);
    lf_hp_domain_destroy(&probe);
    printf("stress: threads=%u seconds=%g seed=%llu%s%s\n", o.threads, o.seconds,
           (unsigned long long)o.seed, LF_HAS_DWCAS ? "" : " (no DWCAS)",
           asymmetric ? "" : " (_asym runs: no asymmetric domains in this build, symmetric ones)");
    fflush(stdout);

    unsigned passed = 0, failed = 0;
    for (size_t k = 0; k < sizeof scenarios / sizeof scenarios[0]; k++) {
        const scenario *s = &scenarios[k];
        if (!harness_listed(only, s->name))
            continue;
        stress_report *r = (stress_report *)calloc(1, sizeof *r);
        if (r == NULL)
            return 2;
        current_scenario = s->name;
        alarm(timeout);
        double t0 = harness_now();
        o.asymmetric_hp = s->asymmetric_hp;
        bool ok = s->run(&o, r) && !r->failed;
        double t1 = harness_now();
        alarm(0);
        printf("%s %-24s %6.2fs %12llu ops  %s\n", ok ? "PASS" : "FAIL", s->name, t1 - t0,
               (unsigned long long)atomic_load_explicit(&r->ops, memory_order_relaxed),
               ok ? r->note : r->why);
        fflush(stdout);
        if (ok)
            passed++;
        else
            failed++;
        free(r);
    }
    printf("stress: %u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

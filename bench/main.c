/*
 * The benchmark runner: measures every family of families.def (see
 * bench.h for the method), prints a table per family and writes
 * bench/results/FAMILY.csv (every trial) and FAMILY_summary.csv.
 *
 * Environment: BENCH_ROUNDS (default 11), BENCH_TRIAL_MS (default 200),
 * BENCH_ONLY=family,family, BENCH_THREADS=1,2,4 (overrides every family's
 * thread counts), BENCH_RESULTS (default bench/results).
 */
#include "bench.h"
#include "../tests/runner_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH(name) extern const bench_family bench_##name;
#include "families.def"
#undef BENCH

static const bench_family *const families[] = {
#define BENCH(name) &bench_##name,
#include "families.def"
#undef BENCH
};

static unsigned rounds = 11;
static unsigned trial_ms = 200;
static unsigned cpu_list[1024];
static unsigned ncpu_list;
static bool check_failed;

void *bench_alloc(size_t align, size_t size)
{
    return runner_aligned_zalloc(align, size);
}

unsigned bench_cpus(void)
{
    return ncpu_list;
}

typedef struct trial {
    const bench_entry *e;
    void *state;
    unsigned nthreads;
    atomic_bool stop;
    pthread_barrier_t start;
    uint64_t ops[1024];
} trial;

typedef struct trial_thread {
    trial *t;
    unsigned tid;
} trial_thread;

static void *trial_main(void *p)
{
    trial_thread *tt = (trial_thread *)p;
    trial *t = tt->t;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu_list[tt->tid % ncpu_list], &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    pthread_barrier_wait(&t->start);
    t->ops[tt->tid] = t->e->run(t->state, tt->tid, t->nthreads, &t->stop);
    return NULL;
}

/* One trial of one entry: returns operations (or runs) per second. */
static double run_trial(const bench_family *f, const bench_entry *e, unsigned nthreads)
{
    trial *t = (trial *)bench_alloc(64, sizeof *t);
    t->e = e;
    t->nthreads = nthreads;
    t->state = e->setup(nthreads);
    atomic_store_explicit(&t->stop, false, memory_order_relaxed);
    double elapsed, amount;
    if (f->fixed_work) {
        double t0 = runner_now();
        e->run(t->state, 0, nthreads, &t->stop);
        elapsed = runner_now() - t0;
        amount = 1;
    } else {
        pthread_t tids[1024];
        trial_thread tts[1024];
        pthread_barrier_init(&t->start, NULL, nthreads + 1);
        for (unsigned i = 0; i < nthreads; i++) {
            tts[i].t = t;
            tts[i].tid = i;
            if (pthread_create(&tids[i], NULL, trial_main, &tts[i]) != 0) {
                fprintf(stderr, "bench: pthread_create failed\n");
                exit(2);
            }
        }
        pthread_barrier_wait(&t->start);
        double t0 = runner_now();
        struct timespec d = {(time_t)(trial_ms / 1000), (long)(trial_ms % 1000) * 1000000L};
        nanosleep(&d, NULL); /* the trial's length: a timer, not synchronisation */
        atomic_store_explicit(&t->stop, true, memory_order_relaxed); /* relaxed: workers only poll it */
        for (unsigned i = 0; i < nthreads; i++)
            pthread_join(tids[i], NULL);
        elapsed = runner_now() - t0;
        pthread_barrier_destroy(&t->start);
        amount = 0;
        for (unsigned i = 0; i < nthreads; i++)
            amount += (double)t->ops[i];
    }
    const char *why = e->check ? e->check(t->state) : NULL;
    if (why != NULL) {
        fprintf(stderr, "bench: CHECK FAILED %s/%s at %u threads: %s\n", f->name, e->name, nthreads, why);
        check_failed = true;
    }
    e->teardown(t->state);
    free(t);
    return amount / elapsed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of v[0..n) (sorts v). */
static void stats(double *v, unsigned n, double *med, double *lo, double *hi)
{
    qsort(v, n, sizeof *v, cmp_double);
    *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    *lo = v[0];
    *hi = v[n - 1];
}

static int entry_index(const bench_family *f, const char *name)
{
    for (size_t i = 0; i < f->nentries; i++)
        if (strcmp(f->entries[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void run_family(const bench_family *f, const unsigned *thread_counts, const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.csv", dir, f->name);
    FILE *raw = fopen(path, "w");
    snprintf(path, sizeof path, "%s/%s_summary.csv", dir, f->name);
    FILE *sum = fopen(path, "w");
    if (raw == NULL || sum == NULL) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        exit(2);
    }
    const char *unit = f->fixed_work ? "runs_per_s" : "ops_per_s";
    fprintf(raw, "family,threads,entry,round,%s\n", unit);
    fprintf(sum, "family,threads,entry,median_%s,reference,ratio_median,ratio_min,ratio_max\n", unit);

    printf("\n== %s: %s\n", f->name, f->title);
    printf("   %u rounds; %s; ratios: median [min, max] of per-round ratios, higher is better\n", rounds,
           f->fixed_work ? "median ms per run" : "median Mops/s");
    printf("%-8s %-22s %10s", f->fixed_work ? "workers" : "threads", "entry", f->fixed_work ? "ms" : "Mops/s");
    for (unsigned k = 0; k < BENCH_MAX_REFS && f->refs[k]; k++) {
        char h[64];
        snprintf(h, sizeof h, "vs %s", f->refs[k]);
        printf("  %-24s", h);
    }
    printf("\n");

    size_t n = f->nentries;
    double *v = (double *)calloc(n * rounds, sizeof *v);
    double *tmp = (double *)calloc(rounds, sizeof *tmp);
    for (const unsigned *tc = thread_counts; *tc; tc++) {
        for (unsigned r = 0; r < rounds; r++)
            for (size_t k = 0; k < n; k++) {
                size_t i = (k + r) % n; /* rotate the order so no entry always runs first */
                v[i * rounds + r] = run_trial(f, &f->entries[i], *tc);
                fprintf(raw, "%s,%u,%s,%u,%.6g\n", f->name, *tc, f->entries[i].name, r, v[i * rounds + r]);
            }
        for (size_t i = 0; i < n; i++) {
            double med, lo, hi;
            memcpy(tmp, &v[i * rounds], rounds * sizeof *tmp);
            stats(tmp, rounds, &med, &lo, &hi);
            printf("%-8u %-22s %10.3f", *tc, f->entries[i].name, f->fixed_work ? 1e3 / med : med / 1e6);
            for (unsigned k = 0; k < BENCH_MAX_REFS && f->refs[k]; k++) {
                int ref = entry_index(f, f->refs[k]);
                if (ref < 0 || (size_t)ref == i) {
                    printf("  %-24s", ref < 0 ? "?" : "-");
                    continue;
                }
                for (unsigned r = 0; r < rounds; r++)
                    tmp[r] = v[i * rounds + r] / v[(size_t)ref * rounds + r];
                double rmed, rlo, rhi;
                stats(tmp, rounds, &rmed, &rlo, &rhi);
                char cell[64];
                snprintf(cell, sizeof cell, "%.2f [%.2f, %.2f]", rmed, rlo, rhi);
                printf("  %-24s", cell);
                fprintf(sum, "%s,%u,%s,%.6g,%s,%.4f,%.4f,%.4f\n", f->name, *tc, f->entries[i].name, med,
                        f->refs[k], rmed, rlo, rhi);
            }
            printf("\n");
        }
        fflush(stdout);
    }
    free(v);
    free(tmp);
    fclose(raw);
    fclose(sum);
}

static void print_machine(void)
{
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':');
                if (p) {
                    snprintf(model, sizeof model, "%s", p + 2);
                    model[strcspn(model, "\n")] = 0;
                }
                break;
            }
        fclose(f);
    }
    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
    printf("lfkit bench: %s, %u CPUs, %s, %s; %u rounds x %u ms trials\n", model, ncpu_list,
           "compiler " __VERSION__, date, rounds, trial_ms);
}

int main(void)
{
    const char *s;
    if ((s = getenv("BENCH_ROUNDS")) && atoi(s) > 0)
        rounds = (unsigned)atoi(s);
    if ((s = getenv("BENCH_TRIAL_MS")) && atoi(s) > 0)
        trial_ms = (unsigned)atoi(s);
    const char *only = getenv("BENCH_ONLY");
    const char *dir = getenv("BENCH_RESULTS") ? getenv("BENCH_RESULTS") : "bench/results";
    mkdir(dir, 0777);

    unsigned override[BENCH_MAX_THREAD_COUNTS + 1] = {0};
    if ((s = getenv("BENCH_THREADS")) && *s) {
        unsigned k = 0;
        for (char *p = (char *)s; *p && k < BENCH_MAX_THREAD_COUNTS; p++) {
            override[k++] = (unsigned)strtoul(p, &p, 10);
            if (*p == 0)
                break;
        }
    }

    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    for (unsigned c = 0; c < CPU_SETSIZE && ncpu_list < 1024; c++)
        if (CPU_ISSET(c, &set))
            cpu_list[ncpu_list++] = c;
    print_machine();

    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (runner_listed(only, families[i]->name))
            run_family(families[i], override[0] ? override : families[i]->threads, dir);
    if (check_failed) {
        fprintf(stderr, "bench: some trials computed wrong results (see CHECK FAILED above)\n");
        return 1;
    }
    return 0;
}

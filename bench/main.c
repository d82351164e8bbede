/*
 * The benchmark runner: measures every family of families.def (see
 * bench.h for the method), prints a table per family and writes
 * bench/results/FAMILY.csv (every trial) and FAMILY_summary.csv; for a
 * family whose entries report latencies also FAMILY_latency.csv and
 * FAMILY_latency_summary.csv.  A thread count that is a producer/consumer
 * configuration (BENCH_PC) is printed and written as its label, "2P2C";
 * an entry whose setup returns BENCH_SKIP has no row at that count.
 *
 * Progress goes to stderr.  Environment: BENCH_ROUNDS (default 11), BENCH_TRIAL_MS (default 200),
 * BENCH_ONLY=family,family, BENCH_THREADS=1,2,4 (overrides every family's
 * thread counts), BENCH_RESULTS (default bench/results).
 */
#include "bench.h"

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
/* Progress on stderr: a live line (family, threads, round, entry) on a terminal, else a line per thread count. */
static bool progress_live;

char bench_skip_token;

/* A thread count as printed and written: "4", or for BENCH_PC(2, 2) "2P2C". */
static const char *count_label(unsigned n, char *buf, size_t size)
{
    if (n & BENCH_PC_FLAG)
        snprintf(buf, size, "%uP%uC", bench_producers(n), bench_consumers(n));
    else
        snprintf(buf, size, "%u", n);
    return buf;
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
    uint64_t ops[1024];
    pthread_mutex_t latency_lock;
    bool has_latency;
    bench_hist latency; /* every thread's bench_report_latency, merged */
} trial;

/* What one trial measured. */
typedef struct trial_result {
    double rate;      /* operations (or runs) per second */
    double spread;    /* fewest / most operations of any thread (throughput families) */
    bool skipped;     /* setup returned BENCH_SKIP: nothing ran */
    bool has_latency; /* the entry reported latencies; then the four below are set */
    double p50_ns, p99_ns, p999_ns, max_ns;
} trial_result;

/* The trial running now: bench_report_latency, called from the entry's threads, adds to it. */
static trial *current_trial;

void bench_report_latency(unsigned tid, const bench_hist *h)
{
    (void)tid;
    trial *t = current_trial;
    pthread_mutex_lock(&t->latency_lock);
    t->has_latency = true;
    for (unsigned b = 0; b < BENCH_HIST_BUCKETS; b++)
        t->latency.count[b] += h->count[b];
    if (h->max_ns > t->latency.max_ns)
        t->latency.max_ns = h->max_ns;
    pthread_mutex_unlock(&t->latency_lock);
}

/* The smallest value bucket b holds (see bench_hist_add). */
static double hist_bucket_floor(unsigned b)
{
    if (b < BENCH_HIST_SUB)
        return b;
    unsigned e = b / BENCH_HIST_SUB + 3, sub = b % BENCH_HIST_SUB;
    return (double)((uint64_t)(BENCH_HIST_SUB + sub) << (e - 4));
}

/* The q-quantile of h (0 < q < 1), as the floor of its bucket: at most 1/16 below the true value. */
static double hist_quantile(const bench_hist *h, double q)
{
    uint64_t total = 0;
    for (unsigned b = 0; b < BENCH_HIST_BUCKETS; b++)
        total += h->count[b];
    uint64_t rank = (uint64_t)(q * (double)total), seen = 0;
    for (unsigned b = 0; b < BENCH_HIST_BUCKETS; b++) {
        seen += h->count[b];
        if (seen > rank)
            return hist_bucket_floor(b);
    }
    return (double)h->max_ns;
}

/* A trial's thread tid (pinned to cpu_list[tid % ncpu_list] by the team). */
static void trial_thread(void *arg, unsigned tid)
{
    trial *t = (trial *)arg;
    t->ops[tid] = t->e->run(t->state, tid, t->nthreads, &t->stop);
}

/* One trial of one entry. */
static trial_result run_trial(const bench_family *f, const bench_entry *e, unsigned nthreads)
{
    trial *t = (trial *)harness_alloc(64, sizeof *t);
    trial_result res = {0, 0, false, false, 0, 0, 0, 0};
    t->e = e;
    t->nthreads = nthreads;
    pthread_mutex_init(&t->latency_lock, NULL);
    current_trial = t;
    t->state = e->setup(nthreads);
    if (t->state == BENCH_SKIP) {
        current_trial = NULL;
        pthread_mutex_destroy(&t->latency_lock);
        free(t);
        res.skipped = true;
        return res;
    }
    unsigned nrun = f->fixed_work ? nthreads : bench_threads_of(nthreads); /* threads to start */
    atomic_store_explicit(&t->stop, false, memory_order_relaxed);
    double elapsed, amount;
    if (f->fixed_work) {
        double t0 = harness_now();
        e->run(t->state, 0, nthreads, &t->stop);
        elapsed = harness_now() - t0;
        amount = 1;
    } else {
        harness_team team;
        harness_team_start(&team, nrun, trial_thread, t, cpu_list, ncpu_list);
        harness_team_release(&team);
        double t0 = harness_now();
        struct timespec d = {(time_t)(trial_ms / 1000), (long)(trial_ms % 1000) * 1000000L};
        nanosleep(&d, NULL); /* the trial's length: a timer, not synchronisation */
        atomic_store_explicit(&t->stop, true, memory_order_relaxed); /* relaxed: workers only poll it */
        harness_team_join(&team);
        elapsed = harness_now() - t0;
        amount = 0;
        uint64_t fewest = UINT64_MAX, most = 0;
        for (unsigned i = 0; i < nrun; i++) {
            if (t->ops[i] == BENCH_UNCOUNTED)
                continue;
            amount += (double)t->ops[i];
            fewest = t->ops[i] < fewest ? t->ops[i] : fewest;
            most = t->ops[i] > most ? t->ops[i] : most;
        }
        res.spread = most ? (double)fewest / (double)most : 0;
    }
    if (t->has_latency) {
        res.has_latency = true;
        res.p50_ns = hist_quantile(&t->latency, 0.5);
        res.p99_ns = hist_quantile(&t->latency, 0.99);
        res.p999_ns = hist_quantile(&t->latency, 0.999);
        res.max_ns = (double)t->latency.max_ns;
    }
    const char *why = e->check ? e->check(t->state) : NULL;
    if (why != NULL) {
        char lb[32];
        fprintf(stderr, "bench: CHECK FAILED %s/%s at %s threads: %s\n", f->name, e->name,
                count_label(nthreads, lb, sizeof lb), why);
        check_failed = true;
    }
    e->teardown(t->state);
    current_trial = NULL;
    pthread_mutex_destroy(&t->latency_lock);
    free(t);
    res.rate = amount / elapsed;
    return res;
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

static FILE *open_csv(const char *dir, const char *family, const char *suffix)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s%s.csv", dir, family, suffix);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        exit(2);
    }
    return f;
}

/* Median and the [min, max] over rounds of the per-round ratio a[r] / b[r]. */
static void ratio_stats(const double *a, const double *b, double *tmp, unsigned n, double *med, double *lo,
                        double *hi)
{
    for (unsigned r = 0; r < n; r++)
        tmp[r] = a[r] / b[r];
    stats(tmp, n, med, lo, hi);
}

/* One thread count's results: per entry i and round r, res[i * rounds + r]. */
typedef struct family_results {
    const bench_family *f;
    unsigned threads;
    trial_result *res;
} family_results;

static double field_of(const trial_result *t, int which)
{
    switch (which) {
    case 0: return t->rate;
    case 1: return t->spread;
    case 2: return t->p50_ns;
    case 3: return t->p99_ns;
    case 4: return t->p999_ns;
    default: return t->max_ns;
    }
}

/* Copies one field of entry i's rounds into out[0..rounds). */
static void column(const family_results *fr, size_t i, int which, double *out)
{
    for (unsigned r = 0; r < rounds; r++)
        out[r] = field_of(&fr->res[i * rounds + r], which);
}

/* Field `which` of a[] (already filled) against entry ref's: the per-round ratio stats, printed as a cell. */
static void print_ratio(const family_results *fr, size_t ref, int which, const double *a, double *b,
                        double *tmp, double *med, double *lo, double *hi)
{
    column(fr, ref, which, b);
    ratio_stats(a, b, tmp, rounds, med, lo, hi);
    char cell[64];
    snprintf(cell, sizeof cell, "%.2f [%.2f, %.2f]", *med, *lo, *hi);
    printf("  %-24s", cell);
}

static void print_rates(const family_results *fr, FILE *sum, double *a, double *b, double *tmp)
{
    const bench_family *f = fr->f;
    char lb[32];
    count_label(fr->threads, lb, sizeof lb);
    for (size_t i = 0; i < f->nentries; i++) {
        if (fr->res[i * rounds].skipped)
            continue;
        double med, lo, hi, smed = 0, slo = 0, shi = 0;
        column(fr, i, 0, a);
        memcpy(tmp, a, rounds * sizeof *tmp);
        stats(tmp, rounds, &med, &lo, &hi);
        printf("%-8s %-22s %10.3f", lb, f->entries[i].name, f->fixed_work ? 1e3 / med : med / 1e6);
        if (!f->fixed_work) {
            column(fr, i, 1, tmp);
            stats(tmp, rounds, &smed, &slo, &shi);
            char cell[32];
            snprintf(cell, sizeof cell, "%.2f [%.2f]", smed, slo);
            printf("  %-12s", cell);
        }
        for (unsigned k = 0; k < BENCH_MAX_REFS && f->refs[k]; k++) {
            int ref = entry_index(f, f->refs[k]);
            if (ref < 0 || (size_t)ref == i || fr->res[(size_t)ref * rounds].skipped) {
                printf("  %-24s", ref < 0 ? "?" : (size_t)ref == i ? "-" : "n/a");
                continue;
            }
            double rmed, rlo, rhi;
            print_ratio(fr, (size_t)ref, 0, a, b, tmp, &rmed, &rlo, &rhi);
            fprintf(sum, "%s,%s,%s,%.6g,%s,%.4f,%.4f,%.4f", f->name, lb, f->entries[i].name, med,
                    f->refs[k], rmed, rlo, rhi);
            if (!f->fixed_work)
                fprintf(sum, ",%.4f,%.4f", smed, slo);
            fprintf(sum, "\n");
        }
        printf("\n");
    }
}

/* The latency table of one thread count: entries that reported latencies only. */
static void print_latencies(const family_results *fr, FILE *sum, double *a, double *b, double *tmp)
{
    const bench_family *f = fr->f;
    char lb[32];
    count_label(fr->threads, lb, sizeof lb);
    for (size_t i = 0; i < f->nentries; i++) {
        if (!fr->res[i * rounds].has_latency)
            continue;
        double q[4], lo, hi;
        for (int w = 0; w < 4; w++) {
            column(fr, i, 2 + w, tmp);
            stats(tmp, rounds, &q[w], &lo, &hi);
        }
        printf("%-8s %-22s %10.0f %10.0f %10.0f %10.1f", lb, f->entries[i].name, q[0], q[1], q[2], q[3] / 1e3);
        column(fr, i, 5, a);
        for (unsigned k = 0; k < BENCH_MAX_REFS && f->refs[k]; k++) {
            int ref = entry_index(f, f->refs[k]);
            if (ref < 0 || (size_t)ref == i || !fr->res[(size_t)ref * rounds].has_latency) {
                printf("  %-24s", ref < 0 || (size_t)ref != i ? "?" : "-");
                continue;
            }
            double rmed, rlo, rhi;
            print_ratio(fr, (size_t)ref, 5, a, b, tmp, &rmed, &rlo, &rhi);
            fprintf(sum, "%s,%s,%s,%.6g,%.6g,%.6g,%.6g,%s,%.4f,%.4f,%.4f\n", f->name, lb, f->entries[i].name,
                    q[0], q[1], q[2], q[3], f->refs[k], rmed, rlo, rhi);
        }
        printf("\n");
    }
}

static void print_header(const bench_family *f, const char *what, bool latency)
{
    printf("%-8s %-22s", f->fixed_work ? "workers" : "threads", "entry");
    if (latency)
        printf(" %10s %10s %10s %10s", "p50 ns", "p99 ns", "p99.9 ns", "max us");
    else
        printf(" %10s%s", f->fixed_work ? "ms" : "Mops/s", f->fixed_work ? "" : "  spread      ");
    for (unsigned k = 0; k < BENCH_MAX_REFS && f->refs[k]; k++) {
        char h[64];
        snprintf(h, sizeof h, "%s%svs %s", what, *what ? " " : "", f->refs[k]);
        printf("  %-24s", h);
    }
    printf("\n");
}

static void run_family(const bench_family *f, const unsigned *thread_counts, const char *dir)
{
    const char *unit = f->fixed_work ? "runs_per_s" : "ops_per_s";
    FILE *raw = open_csv(dir, f->name, "");
    FILE *sum = open_csv(dir, f->name, "_summary");
    fprintf(raw, "family,threads,entry,round,%s%s\n", unit, f->fixed_work ? "" : ",spread");
    fprintf(sum, "family,threads,entry,median_%s,reference,ratio_median,ratio_min,ratio_max%s\n", unit,
            f->fixed_work ? "" : ",spread_median,spread_min");

    printf("\n== %s: %s\n", f->name, f->title);
    printf("   %u rounds; %s; ratios: median [min, max] of per-round ratios, higher is better\n", rounds,
           f->fixed_work ? "median ms per run"
                         : "median Mops/s; spread: fewest / most ops of any thread in a trial, median [min]");
    print_header(f, "", false);

    size_t n = f->nentries, ntc = 0;
    while (ntc < BENCH_MAX_THREAD_COUNTS && thread_counts[ntc])
        ntc++;
    family_results *all = (family_results *)calloc(ntc, sizeof *all);
    double *a = (double *)calloc(rounds, sizeof *a), *b = (double *)calloc(rounds, sizeof *b);
    double *tmp = (double *)calloc(rounds, sizeof *tmp);
    bool any_latency = false;
    for (size_t c = 0; c < ntc; c++) {
        family_results *fr = &all[c];
        fr->f = f;
        fr->threads = thread_counts[c];
        fr->res = (trial_result *)calloc(n * rounds, sizeof *fr->res);
        char label[16];
        count_label(fr->threads, label, sizeof label);
        for (unsigned r = 0; r < rounds; r++)
            for (size_t k = 0; k < n; k++) {
                size_t i = (k + r) % n; /* rotate the order so no entry always runs first */
                trial_result *t = &fr->res[i * rounds + r];
                if (progress_live)
                    fprintf(stderr, "\r\033[Kbench: %s, %s threads, round %u/%u: %s", f->name, label, r + 1,
                            rounds, f->entries[i].name);
                *t = run_trial(f, &f->entries[i], fr->threads);
                any_latency |= t->has_latency;
                if (t->skipped)
                    continue;
                char lb[32];
                fprintf(raw, "%s,%s,%s,%u,%.6g", f->name, count_label(fr->threads, lb, sizeof lb),
                        f->entries[i].name, r, t->rate);
                if (!f->fixed_work)
                    fprintf(raw, ",%.4f", t->spread);
                fprintf(raw, "\n");
            }
        if (progress_live)
            fprintf(stderr, "\r\033[K");
        else
            fprintf(stderr, "bench: %s, %s threads: %u rounds of %zu entries done\n", f->name, label, rounds, n);
        print_rates(fr, sum, a, b, tmp);
        fflush(stdout);
    }
    if (any_latency) {
        FILE *lraw = open_csv(dir, f->name, "_latency");
        FILE *lsum = open_csv(dir, f->name, "_latency_summary");
        fprintf(lraw, "family,threads,entry,round,p50_ns,p99_ns,p999_ns,max_ns\n");
        fprintf(lsum, "family,threads,entry,median_p50_ns,median_p99_ns,median_p999_ns,median_max_ns,reference,"
                      "max_ratio_median,max_ratio_min,max_ratio_max\n");
        printf("\n   latency of single operations, all threads together: median over rounds of each trial's\n"
               "   p50, p99, p99.9 and max; max ratios: median [min, max] of per-round ratios, lower is better\n");
        print_header(f, "max", true);
        for (size_t c = 0; c < ntc; c++) {
            for (size_t i = 0; i < n; i++)
                for (unsigned r = 0; r < rounds; r++) {
                    const trial_result *t = &all[c].res[i * rounds + r];
                    char lb[32];
                    if (t->has_latency)
                        fprintf(lraw, "%s,%s,%s,%u,%.6g,%.6g,%.6g,%.6g\n", f->name,
                                count_label(all[c].threads, lb, sizeof lb), f->entries[i].name, r, t->p50_ns,
                                t->p99_ns, t->p999_ns, t->max_ns);
                }
            print_latencies(&all[c], lsum, a, b, tmp);
        }
        fclose(lraw);
        fclose(lsum);
    }
    for (size_t c = 0; c < ntc; c++)
        free(all[c].res);
    free(all);
    free(a);
    free(b);
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
    progress_live = isatty(STDERR_FILENO);
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
        if (harness_listed(only, families[i]->name))
            run_family(families[i], override[0] ? override : families[i]->threads, dir);
    if (check_failed) {
        fprintf(stderr, "bench: some trials computed wrong results (see CHECK FAILED above)\n");
        return 1;
    }
    return 0;
}

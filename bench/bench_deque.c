/*
 * Work-stealing deque benchmarks: lfkit's Chase-Lev deque against the
 * same three operations on a ring buffer under one pthread mutex.
 *
 *  - deque: the owner (thread 0) repeats push(x); pop() - the fork-join
 *    fast path.  At 1 thread there is no thief; at 2, thread 1 steals
 *    continually, backing off after each failed attempt (lf_backoff,
 *    exponential up to LF_BACKOFF_MAX relax hints), the same policy on both
 *    deques.  It takes the item when it gets between a push and its pop.
 *    Counted: the owner's push+pop pairs.
 *  - deque_steal: the owner keeps the deque stocked (pushes a batch when it
 *    runs low) while threads 1..3 steal.  Counted: successful steals.
 *
 * Each trial checks conservation: items pushed == items popped + stolen +
 * left in the deque at the end.
 */
#include "bench.h"

#include <lfkit/deque.h>
#include <pthread.h>
#include <stdlib.h>

enum { BATCH = 64, MAX_THREADS = 64, RING = 1 << 16, STOCK_LOW = 256, STOCK_BATCH = 1024 };

/* The baseline: a ring buffer of RING slots under one mutex (never overfilled here). */
typedef struct mutex_deque {
    pthread_mutex_t lock;
    size_t top, bottom;
    void *slots[RING];
} mutex_deque;

static void mutex_deque_push(mutex_deque *m, void *x)
{
    pthread_mutex_lock(&m->lock);
    m->slots[m->bottom++ % RING] = x;
    pthread_mutex_unlock(&m->lock);
}

static bool mutex_deque_pop(mutex_deque *m, void **x)
{
    pthread_mutex_lock(&m->lock);
    bool ok = m->bottom != m->top;
    if (ok)
        *x = m->slots[--m->bottom % RING];
    pthread_mutex_unlock(&m->lock);
    return ok;
}

static bool mutex_deque_steal(mutex_deque *m, void **x)
{
    pthread_mutex_lock(&m->lock);
    bool ok = m->bottom != m->top;
    if (ok)
        *x = m->slots[m->top++ % RING];
    pthread_mutex_unlock(&m->lock);
    return ok;
}

static size_t mutex_deque_size(mutex_deque *m)
{
    pthread_mutex_lock(&m->lock);
    size_t n = m->bottom - m->top;
    pthread_mutex_unlock(&m->lock);
    return n;
}

/* The owner's stock check: a racy read without the lock, as lf_deque_size
   is two relaxed loads; taking the lock here would make the owner fight
   the thieves for it and handicap the baseline. */
static size_t mutex_deque_size_hint(mutex_deque *m)
{
    return __atomic_load_n(&m->bottom, __ATOMIC_RELAXED) - __atomic_load_n(&m->top, __ATOMIC_RELAXED);
}

/* Per-thread tallies, each on its own cache line. */
typedef struct tally {
    _Alignas(128) uint64_t pushed, taken;
} tally;

typedef struct deque_state {
    lf_deque lf;
    mutex_deque m;
    tally t[MAX_THREADS];
} deque_state;

static void *deque_setup(unsigned nthreads)
{
    (void)nthreads;
    deque_state *s = (deque_state *)harness_alloc(LF_CACHELINE, sizeof *s);
    if (lf_deque_init(&s->lf, 1024) != LF_OK)
        abort();
    pthread_mutex_init(&s->m.lock, NULL);
    return s;
}

static void deque_teardown(void *p)
{
    deque_state *s = (deque_state *)p;
    lf_deque_destroy(&s->lf);
    pthread_mutex_destroy(&s->m.lock);
    free(s);
}

static const char *conserved(deque_state *s, size_t left)
{
    uint64_t pushed = 0, taken = 0;
    for (unsigned i = 0; i < MAX_THREADS; i++) {
        pushed += s->t[i].pushed;
        taken += s->t[i].taken;
    }
    return pushed == taken + left ? NULL : "items pushed != items taken + items left";
}

static const char *lf_check(void *p)
{
    deque_state *s = (deque_state *)p;
    return conserved(s, lf_deque_size(&s->lf));
}

static const char *mutex_check(void *p)
{
    deque_state *s = (deque_state *)p;
    return conserved(s, mutex_deque_size(&s->m));
}

/* Each deque is four adapters over deque_state; one loop of each kind runs both. */
typedef struct deque_ops {
    void (*push)(deque_state *s, void *x);
    bool (*pop)(deque_state *s, void **x);   /* false: empty */
    bool (*steal)(deque_state *s, void **x); /* false: empty or lost a race */
    size_t (*size)(deque_state *s);          /* the owner's stock check */
} deque_ops;

BENCH_INLINE void lf_push(deque_state *s, void *x) { lf_deque_push(&s->lf, x); }
BENCH_INLINE bool lf_pop(deque_state *s, void **x) { return lf_deque_pop(&s->lf, x) == LF_OK; }
BENCH_INLINE bool lf_steal(deque_state *s, void **x) { return lf_deque_steal(&s->lf, x) == LF_OK; }
BENCH_INLINE size_t lf_size(deque_state *s) { return lf_deque_size(&s->lf); }
BENCH_INLINE void mutex_push(deque_state *s, void *x) { mutex_deque_push(&s->m, x); }
BENCH_INLINE bool mutex_pop(deque_state *s, void **x) { return mutex_deque_pop(&s->m, x); }
BENCH_INLINE bool mutex_steal(deque_state *s, void **x) { return mutex_deque_steal(&s->m, x); }
BENCH_INLINE size_t mutex_size(deque_state *s) { return mutex_deque_size_hint(&s->m); }

static const deque_ops lf_ops = {lf_push, lf_pop, lf_steal, lf_size},
                       mutex_ops = {mutex_push, mutex_pop, mutex_steal, mutex_size};

/* deque: owner (tid 0) push+pop pairs; thieves steal and count nothing. */
BENCH_INLINE uint64_t owner_run(const deque_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    deque_state *s = (deque_state *)p;
    tally *t = &s->t[tid];
    uint64_t n = 0;
    void *x;
    if (tid != 0) {
        lf_backoff b;
        lf_backoff_init(&b);
        while (bench_running(stop)) {
            if (ops->steal(s, &x)) {
                t->taken++;
                lf_backoff_init(&b);
            } else {
                lf_backoff_spin(&b);
            }
        }
        return BENCH_UNCOUNTED; /* thieves: only the owner's pairs count */
    }
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++) {
            ops->push(s, &n);
            t->pushed++;
            if (ops->pop(s, &x))
                t->taken++;
        }
        n += BATCH;
    }
    return n;
}

/* deque_steal: the owner keeps at least STOCK_LOW items; thieves count their steals. */
BENCH_INLINE uint64_t steal_run(const deque_ops *ops, void *p, unsigned tid, const atomic_bool *stop)
{
    deque_state *s = (deque_state *)p;
    tally *t = &s->t[tid];
    void *x;
    if (tid == 0) {
        while (bench_running(stop)) {
            if (ops->size(s) < STOCK_LOW) {
                for (int i = 0; i < STOCK_BATCH; i++)
                    ops->push(s, t);
                t->pushed += STOCK_BATCH;
            }
            while (bench_running(stop) && ops->size(s) >= STOCK_LOW)
                lf_cpu_relax();
        }
        return BENCH_UNCOUNTED; /* the owner: only steals count */
    }
    while (bench_running(stop)) {
        for (int i = 0; i < BATCH; i++)
            if (ops->steal(s, &x))
                t->taken++;
    }
    return t->taken;
}

#define DEQUE_ENTRY_FNS(X)                                                                            \
    static uint64_t X##_owner_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)  \
    {                                                                                                 \
        (void)nthreads;                                                                               \
        return owner_run(&X##_ops, p, tid, stop);                                                     \
    }                                                                                                 \
    static uint64_t X##_steal_run(void *p, unsigned tid, unsigned nthreads, const atomic_bool *stop)  \
    {                                                                                                 \
        (void)nthreads;                                                                               \
        return steal_run(&X##_ops, p, tid, stop);                                                     \
    }

DEQUE_ENTRY_FNS(lf)
DEQUE_ENTRY_FNS(mutex)

static const bench_entry owner_entries[] = {
    {"mutex_deque", deque_setup, mutex_owner_run, mutex_check, deque_teardown},
    {"lf_deque", deque_setup, lf_owner_run, lf_check, deque_teardown},
};

const bench_family bench_deque = {
    "deque", "owner push+pop pairs; threads - 1 thieves steal meanwhile (uncounted)", false,
    {1, 2, 0}, {"mutex_deque", NULL, NULL},
    owner_entries, sizeof owner_entries / sizeof owner_entries[0],
};

static const bench_entry steal_entries[] = {
    {"mutex_deque", deque_setup, mutex_steal_run, mutex_check, deque_teardown},
    {"lf_deque", deque_setup, lf_steal_run, lf_check, deque_teardown},
};

const bench_family bench_deque_steal = {
    "deque_steal", "successful steals by threads - 1 thieves from one stocked deque", false,
    {2, 3, 4, 0}, {"mutex_deque", NULL, NULL},
    steal_entries, sizeof steal_entries / sizeof steal_entries[0],
};

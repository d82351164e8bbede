/*
 * examples/pipeline.c - a three-stage pipeline: a reader produces numbers,
 * hands them to a transformer through an lf_spsc (one producer, one
 * consumer), and the transformer feeds a pool of workers through an
 * lf_ring (bounded MPMC work queue).
 *
 * Idioms: both rings are over-aligned, so they live in static storage (or
 * aligned_alloc); each lf_spsc side belongs to one thread; a full or empty
 * ring is a normal answer (LF_FULL, LF_EMPTY), and the caller decides how
 * to wait (here: yield the CPU, then try again: this pipeline has more
 * threads than a small machine has cores); lf_ring carries any void *,
 * so a job is a number cast to a pointer and NULL is free to mean "stop".
 */
#include <lfkit/counter.h>
#include <lfkit/ring.h>
#include <lfkit/spsc.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>

enum { ITEMS = 100000, WORKERS = 2, CAPACITY = 256 };

static lf_spsc stage1;      /* reader -> transformer */
static lf_ring stage2;      /* transformer -> workers */
static lf_counter total;    /* the workers' sums */

static void *reader(void *arg)
{
    (void)arg;
    for (uintptr_t i = 1; i <= ITEMS; i++)
        while (lf_spsc_push(&stage1, (void *)i) == LF_FULL) /* producer only */
            sched_yield();
    while (lf_spsc_push(&stage1, NULL) == LF_FULL) /* end of input */
        sched_yield();
    return NULL;
}

static void *transformer(void *arg)
{
    (void)arg;
    void *batch[32];
    for (;;) {
        size_t n = lf_spsc_pop_bulk(&stage1, batch, 32); /* consumer only; up to 32 at once */
        if (n == 0) {
            sched_yield();
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            if (batch[k] == NULL) { /* end of input: one stop for each worker */
                for (int w = 0; w < WORKERS; w++)
                    while (lf_ring_enqueue(&stage2, NULL) == LF_FULL)
                        sched_yield();
                return NULL;
            }
            uintptr_t x = (uintptr_t)batch[k] % 1000 + 1; /* the "work": small squares, never 0 (NULL is "stop") */
            while (lf_ring_enqueue(&stage2, (void *)(x * x)) == LF_FULL) /* any thread */
                sched_yield();
        }
    }
}

static void *worker(void *arg)
{
    (void)arg;
    uint64_t sum = 0;
    for (;;) {
        void *v;
        if (lf_ring_dequeue(&stage2, &v) == LF_EMPTY) { /* any thread */
            sched_yield();
            continue;
        }
        if (v == NULL)
            break;
        sum += (uintptr_t)v;
    }
    lf_counter_fetch_add(&total, sum);
    return NULL;
}

int main(void)
{
    if (lf_spsc_init(&stage1, CAPACITY) != LF_OK || lf_ring_init(&stage2, CAPACITY) != LF_OK) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    lf_counter_init(&total, 0);
    pthread_t r, t, w[WORKERS];
    pthread_create(&r, NULL, reader, NULL);
    pthread_create(&t, NULL, transformer, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&w[i], NULL, worker, NULL);
    pthread_join(r, NULL);
    pthread_join(t, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(w[i], NULL);
    uint64_t expected = 0;
    for (uint64_t i = 1; i <= ITEMS; i++)
        expected += (i % 1000 + 1) * (i % 1000 + 1);
    lf_spsc_destroy(&stage1);
    lf_ring_destroy(&stage2);
    printf("pipeline: %d items through an lf_spsc and an lf_ring to %d workers, sum %llu\n", ITEMS,
           WORKERS, (unsigned long long)lf_counter_load(&total));
    return lf_counter_load(&total) == expected ? 0 : 1;
}

/*
 * examples/work_queue.c - producers hand jobs to consumers through an
 * lf_queue (unbounded MPMC FIFO) with hazard-pointer reclamation.
 *
 * Idioms: the domain and the queue are over-aligned, so they come from
 * aligned_alloc with the size rounded up to the alignment (never plain
 * malloc); every thread acquires its own lf_hp_rec and passes it to each
 * call, and releases it when done; the queue is destroyed before its
 * domain.  The queue stores the job pointers and never touches the jobs:
 * whoever dequeues a job owns it (here: frees it).
 */
#include <lfkit/counter.h>
#include <lfkit/queue.h>

#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>

enum { PRODUCERS = 2, CONSUMERS = 2, JOBS_PER_PRODUCER = 50000 };
#define TOTAL_JOBS ((uint64_t)PRODUCERS * JOBS_PER_PRODUCER)

typedef struct job {
    uint64_t input;
} job;

typedef struct shared {
    lf_hp_domain *hp;
    lf_queue *queue;
    lf_counter taken;  /* jobs dequeued so far, by every consumer */
    lf_counter result; /* sum of the consumers' results */
} shared;

/* Rounds size up to a multiple of align, as aligned_alloc requires. */
static void *alloc_aligned(size_t align, size_t size)
{
    return aligned_alloc(align, (size + align - 1) / align * align);
}

static void *produce(void *arg)
{
    shared *s = (shared *)arg;
    lf_hp_rec *r = lf_hp_rec_acquire(s->hp); /* one record per thread */
    if (r == NULL)
        return (void *)"no hazard record";
    for (uint64_t i = 1; i <= JOBS_PER_PRODUCER; i++) {
        job *j = (job *)malloc(sizeof *j);
        if (j == NULL) {
            lf_hp_rec_release(r);
            return (void *)"out of memory";
        }
        j->input = i;
        if (lf_queue_enqueue(s->queue, r, j) != LF_OK) { /* LF_ENOMEM: the job is still ours */
            free(j);
            lf_hp_rec_release(r);
            return (void *)"out of memory";
        }
    }
    lf_hp_rec_release(r);
    return NULL;
}

static void *consume(void *arg)
{
    shared *s = (shared *)arg;
    lf_hp_rec *r = lf_hp_rec_acquire(s->hp);
    if (r == NULL)
        return (void *)"no hazard record";
    uint64_t sum = 0;
    while (lf_counter_load(&s->taken) < TOTAL_JOBS) {
        void *v;
        if (lf_queue_dequeue(s->queue, r, &v) != LF_OK)
            continue; /* empty for now: producers are still at work */
        lf_counter_fetch_add(&s->taken, 1);
        job *j = (job *)v;
        sum += j->input * j->input;
        free(j);
    }
    lf_counter_fetch_add(&s->result, sum);
    lf_hp_rec_release(r);
    return NULL;
}

int main(void)
{
    shared s = {.taken = LF_COUNTER_INIT(0), .result = LF_COUNTER_INIT(0)};
    s.hp = (lf_hp_domain *)alloc_aligned(alignof(lf_hp_domain), sizeof(lf_hp_domain));
    s.queue = (lf_queue *)alloc_aligned(alignof(lf_queue), sizeof(lf_queue));
    if (s.hp == NULL || s.queue == NULL || lf_hp_domain_init(s.hp, 2) != LF_OK) /* the queue uses 2 slots */
        return 1;
    if (lf_queue_init(s.queue, s.hp) != LF_OK)
        return 1;

    pthread_t t[PRODUCERS + CONSUMERS];
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
        if (pthread_create(&t[i], NULL, i < PRODUCERS ? produce : consume, &s) != 0)
            return 1;
    const char *failed = NULL;
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
        void *why;
        pthread_join(t[i], &why);
        if (why != NULL)
            failed = (const char *)why;
    }
    if (failed != NULL) {
        fprintf(stderr, "work_queue: %s\n", failed);
        return 1;
    }

    /* Every producer sent 1^2 + ... + n^2 = n(n+1)(2n+1)/6. */
    uint64_t n = JOBS_PER_PRODUCER, expected = PRODUCERS * (n * (n + 1) * (2 * n + 1) / 6);
    lf_hp_rec *mine = lf_hp_rec_acquire(s.hp); /* main is a participant too: its own record */
    bool drained = mine != NULL && lf_queue_is_empty(s.queue, mine);
    if (mine != NULL)
        lf_hp_rec_release(mine);
    lf_queue_destroy(s.queue); /* quiescent; before its domain */
    lf_hp_domain_destroy(s.hp);
    free(s.queue);
    free(s.hp);
    bool right = lf_counter_load(&s.result) == expected;
    printf("work_queue: %llu jobs through the queue, result %s, queue %s\n", (unsigned long long)TOTAL_JOBS,
           right ? "right" : "WRONG", drained ? "drained" : "NOT EMPTY");
    return right && drained ? 0 : 1;
}

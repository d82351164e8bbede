/*
 * Negative test (race.h): a dequeue does not order the dequeuer's earlier
 * writes before another thread's later enqueue.
 *
 * main: enqueues 2 values (tail is then up to date).
 * writer: race_user_data = 1; lf_queue_dequeue (the first value); post.
 * reader: wait; lf_queue_enqueue; read race_user_data.
 *
 * No happens-before in C11: after the write, the dequeuer releases only
 * head (its CAS) and its own hazard slots (the clears); tail does not lag,
 * so it does not touch tail, and its retire does not reach the scan
 * threshold.  The enqueuer acquires only tail, the last node's next and
 * its own slot's validation (all written by main before the threads
 * started), finds the spare slot empty (a relaxed read of main's NULL: one
 * retire hands no batch over) and takes its node from malloc: it reads
 * nothing the dequeuer wrote.  The post reaches it through the relay (race.h).
 */
#include "race.h"

#include <lfkit/queue.h>

#define VALUE(i) ((void *)(uintptr_t)(i))

typedef struct scenario {
    lf_hp_domain domain;
    lf_queue queue;
    lf_hp_rec *writer_rec, *reader_rec;
} scenario;

static void *writer(void *arg)
{
    scenario *s = (scenario *)arg;
    void *v = NULL;
    race_user_data = 1;
    race_require(lf_queue_dequeue(&s->queue, s->writer_rec, &v) == LF_OK && v == VALUE(1),
                 "dequeue");
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    scenario *s = (scenario *)arg;
    race_wait();
    race_require(lf_queue_enqueue(&s->queue, s->reader_rec, VALUE(3)) == LF_OK, "enqueue");
    race_sink = race_user_data;
    return NULL;
}

int main(void)
{
    static scenario s;
    race_require(lf_hp_domain_init(&s.domain, 2) == LF_OK, "domain init");
    race_require(lf_queue_init(&s.queue, &s.domain) == LF_OK, "queue init");
    s.writer_rec = lf_hp_rec_acquire(&s.domain);
    s.reader_rec = lf_hp_rec_acquire(&s.domain);
    race_require(s.writer_rec != NULL && s.reader_rec != NULL, "record acquire");
    race_require(lf_queue_enqueue(&s.queue, s.reader_rec, VALUE(1)) == LF_OK, "enqueue");
    race_require(lf_queue_enqueue(&s.queue, s.reader_rec, VALUE(2)) == LF_OK, "enqueue");
    race_run(writer, reader, &s);
    lf_hp_rec_release(s.writer_rec);
    lf_hp_rec_release(s.reader_rec);
    lf_queue_destroy(&s.queue);
    lf_hp_domain_destroy(&s.domain);
    return 0;
}

/*
 * Negative test (race.h): a dequeue does not order the dequeuer's earlier
 * writes before another thread's later enqueue, in lf_segqueue either.
 *
 * main: a queue of one segment of 8 values; enqueues 2 values.
 * writer: race_user_data = 1; lf_segqueue_dequeue (the first value); post.
 * reader: wait; lf_segqueue_enqueue; read race_user_data.
 *
 * No happens-before in C11: after the write, the dequeuer releases aq's
 * head and the entry it consumed (position 2n of aq), fq's tail and the
 * fq entry at the slot it frees (position 3n of fq), and its own hazard
 * slot.  The enqueuer takes fq's head and the fq entry at position 2n + 2,
 * aq's tail and the aq entry at position 2n + 2, reads both thresholds
 * (written by main) and tail and the segment's next (written by main):
 * none of it written by the dequeuer.  The post reaches it through the
 * relay (race.h).
 */
#include "race.h"

#include <lfkit/segqueue.h>

#define VALUE(i) ((void *)(uintptr_t)(i))

typedef struct scenario {
    lf_hp_domain domain;
    lf_segqueue queue;
    lf_hp_rec *writer_rec, *reader_rec;
} scenario;

static void *writer(void *arg)
{
    scenario *s = (scenario *)arg;
    void *v = NULL;
    race_user_data = 1;
    race_require(lf_segqueue_dequeue(&s->queue, s->writer_rec, &v) == LF_OK && v == VALUE(1),
                 "dequeue");
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    scenario *s = (scenario *)arg;
    race_wait();
    race_require(lf_segqueue_enqueue(&s->queue, s->reader_rec, VALUE(3)) == LF_OK, "enqueue");
    race_sink = race_user_data;
    return NULL;
}

int main(void)
{
    static scenario s;
    race_require(lf_hp_domain_init(&s.domain, 2) == LF_OK, "domain init");
    race_require(lf_segqueue_init(&s.queue, &s.domain, 8) == LF_OK, "queue init");
    s.writer_rec = lf_hp_rec_acquire(&s.domain);
    s.reader_rec = lf_hp_rec_acquire(&s.domain);
    race_require(s.writer_rec != NULL && s.reader_rec != NULL, "record acquire");
    race_require(lf_segqueue_enqueue(&s.queue, s.reader_rec, VALUE(1)) == LF_OK, "enqueue");
    race_require(lf_segqueue_enqueue(&s.queue, s.reader_rec, VALUE(2)) == LF_OK, "enqueue");
    race_run(writer, reader, &s);
    lf_hp_rec_release(s.writer_rec);
    lf_hp_rec_release(s.reader_rec);
    lf_segqueue_destroy(&s.queue);
    lf_hp_domain_destroy(&s.domain);
    return 0;
}

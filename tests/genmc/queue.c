/* Michael-Scott queue: PRODUCERS threads enqueue PER_PRODUCER values each
   (the address of a payload written first), CONSUMERS threads dequeue
   PER_CONSUMER times each, then main drains the queue.  Every value is
   delivered exactly once; each consumer sees each producer's values in
   order, and what is left for the drain comes after everything consumed
   (FIFO per producer); a delivered payload is the one written before its
   enqueue (the enqueue's release publishes it).  GenMC reports any use of
   a freed node and any leak.  Build with -DPRODUCERS=p -DCONSUMERS=c
   -DPER_PRODUCER=n -DPER_CONSUMER=m. */
#include "client.h"
#include <lfkit/hp.h>
#include <lfkit/queue.h>

#ifndef PRODUCERS
#define PRODUCERS 1
#endif
#ifndef CONSUMERS
#define CONSUMERS 1
#endif
#ifndef PER_PRODUCER
#define PER_PRODUCER 2
#endif
#ifndef PER_CONSUMER
#define PER_CONSUMER 2
#endif
enum { VALUES = PRODUCERS * PER_PRODUCER };

typedef struct payload {
    int producer, seq;
} payload;

static lf_hp_domain d;
static lf_queue q;
static payload *values[VALUES];
static payload *got[CONSUMERS][PER_CONSUMER];
static unsigned delivered[VALUES];
static lf_hp_rec *recs[PRODUCERS + CONSUMERS]; /* acquired by main: the list walk is not under test */

static void *producer(void *arg)
{
    unsigned p = (unsigned)(uintptr_t)arg;
    lf_hp_rec *r = recs[p];
    for (unsigned k = 0; k < PER_PRODUCER; k++) {
        payload *v = values[p * PER_PRODUCER + k];
        v->producer = (int)p;
        v->seq = (int)k;
        lf_status st = lf_queue_enqueue(&q, r, v);
        assert(st == LF_OK);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    unsigned c = (unsigned)(uintptr_t)arg;
    lf_hp_rec *r = recs[PRODUCERS + c];
    for (unsigned k = 0; k < PER_CONSUMER; k++) {
        void *v = NULL;
        if (lf_queue_dequeue(&q, r, &v) == LF_OK)
            got[c][k] = (payload *)v;
    }
    return NULL;
}

static void deliver(payload *v, int *last_seq)
{
    unsigned i = (unsigned)(v->producer * PER_PRODUCER + v->seq);
    assert(values[i] == v); /* the payload is the one written before the enqueue */
    delivered[i]++;
    assert(v->seq > last_seq[v->producer]); /* FIFO per producer, as one consumer sees it */
    last_seq[v->producer] = v->seq;
}

int main(void)
{
    pthread_t t[PRODUCERS + CONSUMERS];
    lf_hp_domain_init(&d, 2);
    lf_queue_init(&q, &d);
    for (unsigned i = 0; i < VALUES; i++)
        values[i] = (payload *)malloc(sizeof(payload));
    for (unsigned i = 0; i < PRODUCERS + CONSUMERS; i++)
        recs[i] = lf_hp_rec_acquire(&d);
    for (unsigned p = 0; p < PRODUCERS; p++)
        t[p] = client_spawn(producer, (void *)(uintptr_t)p);
    for (unsigned c = 0; c < CONSUMERS; c++)
        t[PRODUCERS + c] = client_spawn(consumer, (void *)(uintptr_t)c);
    for (unsigned i = 0; i < PRODUCERS + CONSUMERS; i++)
        pthread_join(t[i], NULL);
    int consumed_up_to[PRODUCERS];
    for (unsigned p = 0; p < PRODUCERS; p++)
        consumed_up_to[p] = -1;
    for (unsigned c = 0; c < CONSUMERS; c++) {
        int last_seq[PRODUCERS];
        for (unsigned p = 0; p < PRODUCERS; p++)
            last_seq[p] = -1;
        for (unsigned k = 0; k < PER_CONSUMER; k++)
            if (got[c][k] != NULL)
                deliver(got[c][k], last_seq);
        for (unsigned p = 0; p < PRODUCERS; p++)
            if (last_seq[p] > consumed_up_to[p])
                consumed_up_to[p] = last_seq[p];
    }
    lf_hp_rec *r = recs[0];
    void *v;
    while (lf_queue_dequeue(&q, r, &v) == LF_OK)
        deliver((payload *)v, consumed_up_to); /* the rest comes after all consumed */
    for (unsigned i = 0; i < VALUES; i++)
        assert(delivered[i] == 1);
    for (unsigned i = 0; i < PRODUCERS + CONSUMERS; i++)
        lf_hp_rec_release(recs[i]);
    lf_queue_destroy(&q);
    lf_hp_domain_destroy(&d);
    for (unsigned i = 0; i < VALUES; i++)
        free(values[i]);
    return 0;
}

/* SCQ ring of capacity CAPACITY: PRODUCERS threads enqueue PER_PRODUCER
   values each (the address of a payload written first), CONSUMERS threads
   dequeue PER_CONSUMER times each, then main drains.  Every value that was
   enqueued (LF_OK) is delivered exactly once, FIFO per producer as each
   consumer sees it and for what the drain finds; an LF_FULL only happens
   with CAPACITY places held; a delivered payload is the one written before
   its enqueue. */
#include "client.h"
#include <lfkit/ring.h>

#ifndef CAPACITY
#define CAPACITY 2
#endif
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

static lf_ring q;
static payload *values[VALUES];
static bool enqueued[VALUES];
static payload *got[CONSUMERS][PER_CONSUMER];
static unsigned delivered[VALUES];

static void *producer(void *arg)
{
    unsigned p = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < PER_PRODUCER; k++) {
        payload *v = values[p * PER_PRODUCER + k];
        v->producer = (int)p;
        v->seq = (int)k;
        lf_status st = lf_ring_enqueue(&q, v);
        assert(st == LF_OK || (st == LF_FULL && VALUES + 0 > CAPACITY - 1));
        enqueued[p * PER_PRODUCER + k] = st == LF_OK;
    }
    return NULL;
}

static void *consumer(void *arg)
{
    unsigned c = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < PER_CONSUMER; k++) {
        void *v = NULL;
        if (lf_ring_dequeue(&q, &v) == LF_OK)
            got[c][k] = (payload *)v;
    }
    return NULL;
}

static void deliver(payload *v, int *last_seq)
{
    unsigned i = (unsigned)(v->producer * PER_PRODUCER + v->seq);
    assert(values[i] == v);
    delivered[i]++;
    assert(v->seq > last_seq[v->producer]);
    last_seq[v->producer] = v->seq;
}

int main(void)
{
    pthread_t t[PRODUCERS + CONSUMERS];
    lf_ring_init(&q, CAPACITY);
    for (unsigned i = 0; i < VALUES; i++)
        values[i] = (payload *)malloc(sizeof(payload));
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
    void *v;
    while (lf_ring_dequeue(&q, &v) == LF_OK)
        deliver((payload *)v, consumed_up_to);
    for (unsigned i = 0; i < VALUES; i++)
        assert(delivered[i] == (enqueued[i] ? 1u : 0u));
    lf_ring_destroy(&q);
    for (unsigned i = 0; i < VALUES; i++)
        free(values[i]);
    return 0;
}

/* lf_ring (SCQ): PRODUCERS threads enqueue PER_PRODUCER values each (the
   address of a payload written first) into a ring of capacity CAPACITY,
   CONSUMERS threads try DEQUEUES dequeues each, then main drains the ring
   and runs one sequential lap (fill to LF_FULL, drain to LF_EMPTY) over
   the state the threads left.  Every loop is bounded by construction (no
   thread retries on LF_FULL or LF_EMPTY; the ring's own retry loops are
   bounded by the threshold and by the finite number of operations), so
   no execution is cut short: no --unroll, no __VERIFIER_assume.
   Asserted in every execution:
   - exactly once: each value enqueued with LF_OK is delivered once (by
     a consumer or the drain), a value refused with LF_FULL never;
   - FIFO per producer, at each consumer, and what is left for the drain
     comes after everything consumed;
   - the payload read through a delivered value is the one written before
     its enqueue (data[i] (D1)/(D2) and the payload are plain, so a
     missing release/acquire is also a data race GenMC reports);
   - LF_EMPTY only when legal: before each call a consumer reads how many
     enqueues have returned LF_OK; if that is more than it has taken itself
     plus every dequeue the other consumers attempt, the ring held a value
     throughout the call;
   - LF_FULL only as API.md defines it: before each call a producer reads
     how many dequeues have returned LF_OK; the places held during the call
     are at most its own LF_OK enqueues, plus every enqueue of the other
     producers (queued or in progress), minus those dequeues, so LF_FULL
     is legal only when that bound reaches the capacity.
   The two counters are seq_cst atomics outside the ring; an execution in
   which the consumer reads a count synchronises with that enqueue, but
   those in which it reads an older count do not, so the ring's own
   publication is still checked.  Build with -DPRODUCERS=p -DPER_PRODUCER=n
   -DCONSUMERS=c -DDEQUEUES=m -DCAPACITY=k. */
#include "client.h"
#include <lfkit/ring.h>

#ifndef PRODUCERS
#define PRODUCERS 1
#endif
#ifndef PER_PRODUCER
#define PER_PRODUCER 2
#endif
#ifndef CONSUMERS
#define CONSUMERS 1
#endif
#ifndef DEQUEUES
#define DEQUEUES 1
#endif
#ifndef CAPACITY
#define CAPACITY 1
#endif
enum { VALUES = PRODUCERS * PER_PRODUCER };

typedef struct payload {
    int producer, seq;
} payload;

static lf_ring r;
static payload *values[VALUES];
static lf_status enqueued[VALUES];   /* each enqueue's result */
static payload *got[CONSUMERS][DEQUEUES]; /* each consumer's values, in order */
static unsigned ngot[CONSUMERS];
static unsigned delivered[VALUES];
static _Atomic(unsigned) enqueues_ok; /* enqueues that returned LF_OK */
static _Atomic(unsigned) dequeues_ok; /* dequeues that returned LF_OK */

static void *producer(void *arg)
{
    unsigned p = (unsigned)(uintptr_t)arg, ok = 0;
    for (unsigned k = 0; k < PER_PRODUCER; k++) {
        unsigned i = p * PER_PRODUCER + k;
        values[i]->producer = (int)p;
        values[i]->seq = (int)k;
        unsigned taken = atomic_load_explicit(&dequeues_ok, memory_order_seq_cst);
        lf_status st = lf_ring_enqueue(&r, values[i]);
        assert(st == LF_OK || st == LF_FULL);
        if (st == LF_FULL) /* every place was held: by queued values or operations in progress */
            assert(ok + (PRODUCERS - 1) * PER_PRODUCER >= taken + CAPACITY);
        enqueued[i] = st;
        if (st == LF_OK) {
            ok++;
            atomic_fetch_add_explicit(&enqueues_ok, 1, memory_order_seq_cst);
        }
    }
    return NULL;
}

static void check_payload(const payload *v)
{
    assert(v->producer >= 0 && v->producer < PRODUCERS && v->seq >= 0 && v->seq < PER_PRODUCER);
    assert(values[v->producer * PER_PRODUCER + v->seq] == v);
}

static void *consumer(void *arg)
{
    unsigned c = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < DEQUEUES; k++) {
        unsigned ready = atomic_load_explicit(&enqueues_ok, memory_order_seq_cst);
        void *v = NULL;
        lf_status st = lf_ring_dequeue(&r, &v);
        assert(st == LF_OK || st == LF_EMPTY);
        if (st == LF_EMPTY) {
            /* else a value was queued throughout the call */
            assert(ready <= ngot[c] + (CONSUMERS - 1) * DEQUEUES);
            continue;
        }
        check_payload((payload *)v); /* in this thread: a race if the payload was not published */
        got[c][ngot[c]++] = (payload *)v;
        atomic_fetch_add_explicit(&dequeues_ok, 1, memory_order_seq_cst);
    }
    return NULL;
}

static void deliver(payload *v, int *last_seq)
{
    check_payload(v);
    unsigned i = (unsigned)(v->producer * PER_PRODUCER + v->seq);
    assert(enqueued[i] == LF_OK); /* a refused value is never delivered */
    delivered[i]++;
    assert(v->seq > last_seq[v->producer]); /* FIFO per producer, as one consumer sees it */
    last_seq[v->producer] = v->seq;
}

int main(void)
{
    lf_status st = lf_ring_init(&r, CAPACITY);
    assert(st == LF_OK && lf_ring_capacity(&r) == CAPACITY);
    for (unsigned i = 0; i < VALUES; i++)
        values[i] = (payload *)malloc(sizeof(payload));
    pthread_t t[PRODUCERS + CONSUMERS];
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
        for (unsigned k = 0; k < ngot[c]; k++)
            deliver(got[c][k], last_seq);
        for (unsigned p = 0; p < PRODUCERS; p++)
            if (last_seq[p] > consumed_up_to[p])
                consumed_up_to[p] = last_seq[p];
    }
    void *v;
    while ((st = lf_ring_dequeue(&r, &v)) == LF_OK)
        deliver((payload *)v, consumed_up_to); /* the rest comes after all consumed */
    assert(st == LF_EMPTY);
    for (unsigned i = 0; i < VALUES; i++)
        assert(delivered[i] == (enqueued[i] == LF_OK));
    /* one sequential lap over the state the threads left (positions moved
     * on, entries marked, tail caught up): exactly CAPACITY values fit */
    for (uintptr_t k = 0; k < CAPACITY; k++)
        assert(lf_ring_enqueue(&r, (void *)(k + 1)) == LF_OK);
    assert(lf_ring_enqueue(&r, NULL) == LF_FULL);
    for (uintptr_t k = 0; k < CAPACITY; k++)
        assert(lf_ring_dequeue(&r, &v) == LF_OK && v == (void *)(k + 1));
    assert(lf_ring_dequeue(&r, &v) == LF_EMPTY);
    lf_ring_destroy(&r);
    for (unsigned i = 0; i < VALUES; i++)
        free(values[i]);
    return 0;
}

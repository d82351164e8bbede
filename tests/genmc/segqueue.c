/* lf_segqueue (LSCQ): segments of one value, so that every enqueue into a
   full segment closes it and links a new one.  Main enqueues v0 (the
   first segment is then full) and starts ENQUEUERS threads that enqueue
   one value each (the address of a payload written first: each finds the
   segment full, closes it, and links a segment holding its value, or
   loses the link race and goes on to the next segment) and one thread
   that tries DEQUEUES dequeues (with 2 it drains the closed first segment,
   swings head past it and retires it while an enqueuer may still be
   linking after it), then, with -DSCAN, scans its record, so the retired
   segment is freed while other threads run.  Main joins, drains the
   queue, checks it is empty and still works, destroys it and the domain.
   No thread retries on LF_EMPTY, and the queue's own loops are bounded
   by the finite number of operations, so no execution is cut short.
   Asserted in every execution:
   - exactly once: each value is delivered once (by the dequeuer or the
     drain);
   - FIFO: v0, queued before the threads start, is delivered before
     every other value (by the dequeuer, else first by the drain);
   - the payload read through a delivered value is the one written before
     its enqueue (the payload is plain, so a missing release/acquire on
     the path from the enqueuer's segment to the dequeuer is a data race
     GenMC reports);
   - LF_EMPTY only when legal: before each call the dequeuer reads how
     many enqueues have returned (a seq_cst counter outside the queue);
     if that is more than it has taken, a value was queued throughout the
     call.
   GenMC also reports any access to a freed segment and any segment or
   ring left unfreed.  Build with -DENQUEUERS=e -DDEQUEUES=m [-DSCAN]. */
#include "client.h"
#include <lfkit/hp.h>
#include <lfkit/segqueue.h>

#ifndef ENQUEUERS
#define ENQUEUERS 1
#endif
#ifndef DEQUEUES
#define DEQUEUES 1
#endif
enum { VALUES = 1 + ENQUEUERS }; /* v0 from main, then one per enqueuer */

typedef struct payload {
    int seq;
} payload;

static lf_hp_domain d;
static lf_segqueue q;
static payload *values[VALUES];
static payload *got[DEQUEUES]; /* the dequeuer's values, in order */
static unsigned ngot;
static unsigned delivered[VALUES];
static lf_hp_rec *recs[ENQUEUERS + 1]; /* acquired by main: the list walk is not under test */
static _Atomic(unsigned) enqueues_ok;  /* enqueues that returned LF_OK */

static void *enqueuer(void *arg)
{
    unsigned e = (unsigned)(uintptr_t)arg;
    payload *v = values[1 + e];
    v->seq = (int)(1 + e);
    lf_status st = lf_segqueue_enqueue(&q, recs[e], v);
    assert(st == LF_OK);
    atomic_fetch_add_explicit(&enqueues_ok, 1, memory_order_seq_cst);
    return NULL;
}

static void check_payload(const payload *v)
{
    assert(v->seq >= 0 && v->seq < VALUES && values[v->seq] == v);
}

static void *dequeuer(void *arg)
{
    lf_hp_rec *r = recs[ENQUEUERS];
    (void)arg;
    for (unsigned k = 0; k < DEQUEUES; k++) {
        unsigned ready = atomic_load_explicit(&enqueues_ok, memory_order_seq_cst);
        void *v = NULL;
        lf_status st = lf_segqueue_dequeue(&q, r, &v);
        assert(st == LF_OK || st == LF_EMPTY);
        if (st == LF_EMPTY) {
            assert(ready <= ngot); /* else a value was queued throughout the call */
            continue;
        }
        check_payload((payload *)v); /* in this thread: a race if the payload was not published */
        got[ngot++] = (payload *)v;
    }
#ifdef SCAN
    lf_hp_scan(r); /* frees a retired segment no enqueuer protects */
#endif
    return NULL;
}

static void deliver(payload *v, unsigned position)
{
    check_payload(v);
    assert((v->seq == 0) == (position == 0)); /* v0 was queued before every other */
    delivered[v->seq]++;
}

int main(void)
{
    lf_status st = lf_hp_domain_init(&d, 2);
    assert(st == LF_OK);
    st = lf_segqueue_init(&q, &d, 1);
    assert(st == LF_OK);
    for (unsigned i = 0; i < VALUES; i++)
        values[i] = (payload *)malloc(sizeof(payload));
    for (unsigned i = 0; i < ENQUEUERS + 1; i++)
        recs[i] = lf_hp_rec_acquire(&d);
    values[0]->seq = 0;
    st = lf_segqueue_enqueue(&q, recs[0], values[0]); /* fills the first segment */
    assert(st == LF_OK);
    atomic_store_explicit(&enqueues_ok, 1, memory_order_relaxed); /* before the threads start */
    pthread_t t[ENQUEUERS + 1];
    for (unsigned e = 0; e < ENQUEUERS; e++)
        t[e] = client_spawn(enqueuer, (void *)(uintptr_t)e);
    t[ENQUEUERS] = client_spawn(dequeuer, NULL);
    for (unsigned i = 0; i < ENQUEUERS + 1; i++)
        pthread_join(t[i], NULL);
    unsigned position = 0;
    for (unsigned k = 0; k < ngot; k++)
        deliver(got[k], position++);
    lf_hp_rec *r = recs[0];
    void *v;
    while ((st = lf_segqueue_dequeue(&q, r, &v)) == LF_OK)
        deliver((payload *)v, position++); /* the rest comes after what was taken */
    assert(st == LF_EMPTY && lf_segqueue_is_empty(&q, r));
    for (unsigned i = 0; i < VALUES; i++)
        assert(delivered[i] == 1);
    /* the state the threads left still works: one value in, the same out */
    st = lf_segqueue_enqueue(&q, r, values[0]);
    assert(st == LF_OK && !lf_segqueue_is_empty(&q, r));
    st = lf_segqueue_dequeue(&q, r, &v);
    assert(st == LF_OK && v == values[0]);
    for (unsigned i = 0; i < ENQUEUERS + 1; i++)
        lf_hp_rec_release(recs[i]);
    lf_segqueue_destroy(&q);
    lf_hp_domain_destroy(&d);
    for (unsigned i = 0; i < VALUES; i++)
        free(values[i]);
    return 0;
}

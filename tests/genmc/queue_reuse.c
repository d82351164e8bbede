/* Michael-Scott queue, node reuse across records (queue.h, "Node reuse
   across records"), with LF_QUEUE_BATCH 1 so that two cached nodes make a
   hand-over.  Main enqueues three payloads on record a.  Then, at once:
   thread B dequeues twice on record b, scans b (its two old dummies go to
   b's cache once no hazard holds them) and runs the hand-over that ends
   every dequeue (lf_queue__hand_over: called here directly, so that no
   third dequeue is needed to reach it), which gives one of them to the
   queue's spare slot; thread C dequeues once on record c
   (it reads a node that B may retire and hand over meanwhile); thread A
   enqueues a fourth payload on record a, whose cache is empty, so its node
   is the handed-over one when B got there first, else a new one.  GenMC
   reports a race between A's rewrite of the reused node and C's (or B's)
   reads of it unless the hand-over (release) and the take (acquire) order
   them; use after free and leaks as in queue.c.  Checks: B and C get the
   three payloads, each once, B's in order; main's drain gets the fourth,
   with its contents. */
#define LF_QUEUE_BATCH 1u
#include "client.h"
#include <lfkit/hp.h>
#include <lfkit/queue.h>

enum { FIRST = 3, B_DEQUEUES = 2 };

typedef struct payload {
    int seq;
} payload;

static lf_hp_domain d;
static lf_queue q;
static lf_hp_rec *ra, *rb, *rc; /* acquired by main: the list walk is not under test */
static payload *values[FIRST + 1];
static payload *got_b[B_DEQUEUES], *got_c;

static void *producer(void *arg)
{
    (void)arg;
    values[FIRST]->seq = FIRST;
    lf_status st = lf_queue_enqueue(&q, ra, values[FIRST]);
    assert(st == LF_OK);
    return NULL;
}

static void *recycler(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < B_DEQUEUES; k++) {
        void *v = NULL;
        lf_status st = lf_queue_dequeue(&q, rb, &v);
        assert(st == LF_OK); /* three values were queued before, and only three dequeues run */
        got_b[k] = (payload *)v;
    }
    lf_hp_scan(rb);
    lf_queue__hand_over(&q, rb);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    void *v = NULL;
    lf_status st = lf_queue_dequeue(&q, rc, &v);
    assert(st == LF_OK);
    got_c = (payload *)v;
    return NULL;
}

int main(void)
{
    lf_hp_domain_init(&d, 2);
    lf_queue_init(&q, &d);
    ra = lf_hp_rec_acquire(&d);
    rb = lf_hp_rec_acquire(&d);
    rc = lf_hp_rec_acquire(&d);
    for (int i = 0; i <= FIRST; i++)
        values[i] = (payload *)malloc(sizeof(payload));
    for (int i = 0; i < FIRST; i++) {
        values[i]->seq = i;
        lf_queue_enqueue(&q, ra, values[i]);
    }
    pthread_t t[3];
    t[0] = client_spawn(producer, NULL);
    t[1] = client_spawn(recycler, NULL);
    t[2] = client_spawn(reader, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    unsigned delivered[FIRST] = {0};
    int last = -1;
    for (int k = 0; k < B_DEQUEUES; k++) {
        assert(got_b[k]->seq > last && got_b[k]->seq < FIRST); /* FIFO, and not the fourth */
        last = got_b[k]->seq;
        delivered[got_b[k]->seq]++;
    }
    assert(got_c->seq < FIRST);
    delivered[got_c->seq]++;
    for (int i = 0; i < FIRST; i++)
        assert(delivered[i] == 1);
    void *v = NULL;
    assert(lf_queue_dequeue(&q, ra, &v) == LF_OK && v == values[FIRST]);
    assert(((payload *)v)->seq == FIRST); /* its contents, written before the enqueue */
    assert(lf_queue_dequeue(&q, ra, &v) == LF_EMPTY);
    lf_hp_rec_release(ra);
    lf_hp_rec_release(rb);
    lf_hp_rec_release(rc);
    lf_queue_destroy(&q);
    lf_hp_domain_destroy(&d);
    for (int i = 0; i <= FIRST; i++)
        free(values[i]);
    return 0;
}

/* SPSC ring of capacity 2: the producer pushes three values (each the
   address of a payload written first; with BULK, as one bulk push), the
   consumer pops twice (with BULK, one bulk pop of two), then main drains.
   Every value pushed with LF_OK (or counted by the bulk push) is delivered
   exactly once and in order, a push fails only when 2 values are queued,
   and each delivered payload is the one written before its push (the
   push's release of the tail pairs with the pop's acquire). */
#include "client.h"
#include <lfkit/spsc.h>

enum { VALUES = 3 };

static lf_spsc q;
static int *values[VALUES];
static unsigned pushed;
static int *got[VALUES];
static unsigned ngot;

static void *producer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < VALUES; i++)
        *values[i] = (int)i;
#ifdef BULK
    pushed = (unsigned)lf_spsc_push_bulk(&q, (void *const *)values, VALUES);
#else
    while (pushed < VALUES && lf_spsc_push(&q, values[pushed]) == LF_OK)
        pushed++;
#endif
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
#ifdef BULK
    ngot = (unsigned)lf_spsc_pop_bulk(&q, (void **)got, 2);
#else
    for (unsigned k = 0; k < 2; k++)
        if (lf_spsc_pop(&q, (void **)&got[ngot]) == LF_OK)
            ngot++;
#endif
    for (unsigned k = 0; k < ngot; k++)
        assert(*got[k] == (int)k); /* in order, payload visible */
    return NULL;
}

int main(void)
{
    lf_spsc_init(&q, 2);
    assert(lf_spsc_capacity(&q) == 2);
    for (unsigned i = 0; i < VALUES; i++)
        values[i] = (int *)malloc(sizeof(int));
    pthread_t p = client_spawn(producer, NULL), c = client_spawn(consumer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    assert(pushed >= 2); /* the third push may find the ring full */
    void *v;
    while (lf_spsc_pop(&q, &v) == LF_OK)
        got[ngot++] = (int *)v;
    assert(ngot == pushed);
    for (unsigned k = 0; k < ngot; k++)
        assert(got[k] == values[k]);
    lf_spsc_destroy(&q);
    for (unsigned i = 0; i < VALUES; i++)
        free(values[i]);
    return 0;
}

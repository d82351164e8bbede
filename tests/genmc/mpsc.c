/* Vyukov MPSC: two producers push one node each (payload written first),
   the consumer pops twice (LF_RETRY and LF_EMPTY allowed), then main,
   now the consumer, drains.  Every node is delivered exactly once, a
   delivered payload is the one written before its push, and after the
   producers are joined no LF_RETRY remains (a push is never lost half-way). */
#include "client.h"
#include <lfkit/mpsc.h>

typedef struct item {
    lf_mpsc_node link;
    int payload;
} item;

static lf_mpsc q;
static item *items[2];
static unsigned delivered[2];

static void deliver(lf_mpsc_node *n)
{
    item *it = lf_container_of(n, item, link);
    unsigned i = it == items[1];
    assert(it == items[i] && it->payload == 10 + (int)i);
    delivered[i]++;
}

static void *producer(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    items[i]->payload = 10 + (int)i;
    lf_mpsc_push(&q, &items[i]->link);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < 2; k++) {
        lf_mpsc_node *n;
        if (lf_mpsc_pop(&q, &n) == LF_OK)
            deliver(n);
    }
    return NULL;
}

int main(void)
{
    lf_mpsc_init(&q);
    for (unsigned i = 0; i < 2; i++)
        items[i] = (item *)malloc(sizeof(item));
    pthread_t a = client_spawn(producer, (void *)0), b = client_spawn(producer, (void *)1);
    pthread_t c = client_spawn(consumer, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_join(c, NULL);
    lf_mpsc_node *n;
    lf_status st;
    while ((st = lf_mpsc_pop(&q, &n)) == LF_OK)
        deliver(n);
    assert(st == LF_EMPTY && lf_mpsc_is_empty(&q));
    assert(delivered[0] == 1 && delivered[1] == 1);
    for (unsigned i = 0; i < 2; i++)
        free(items[i]);
    return 0;
}

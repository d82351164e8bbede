/* Chase-Lev deque: the owner (main's thread 0) pushes PUSHES items (each
   the address of a payload written first) into a deque of capacity
   CAPACITY, after first pushing and popping WRAP items to move the indices
   on (so later slots wrap around the buffer), then pops POPS times;
   THIEVES threads steal STEALS times each, concurrently.  Finally the
   owner pops what is left.  Every item is taken exactly once, the owner's
   pops are LIFO and each thief's steals FIFO, and a taken payload is the
   one written before its push.  With PUSHES > CAPACITY the buffer grows
   while thieves steal; with PUSHES = 1 and POPS = 1 the owner's pop races
   a steal for the last item.  GenMC reports races, use after free and
   leaks. */
#include "client.h"
#include <lfkit/deque.h>

#ifndef CAPACITY
#define CAPACITY 2
#endif
#ifndef WRAP
#define WRAP 0
#endif
#ifndef PUSHES
#define PUSHES 1
#endif
#ifndef POPS
#define POPS 1
#endif
#ifndef THIEVES
#define THIEVES 1
#endif
#ifndef STEALS
#define STEALS 1
#endif

typedef struct payload {
    int index;
} payload;

static lf_deque d;
static payload *items[PUSHES];
static unsigned taken[PUSHES];

static void take(void *v)
{
    payload *p = (payload *)v;
    assert(p->index >= 0 && p->index < PUSHES && items[p->index] == p);
    taken[p->index]++;
}

static void *thief(void *arg)
{
    (void)arg;
    int last = -1;
    for (unsigned k = 0; k < STEALS; k++) {
        void *v;
        if (lf_deque_steal(&d, &v) == LF_OK) {
            take(v);
            assert(((payload *)v)->index > last); /* FIFO at the top */
            last = ((payload *)v)->index;
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THIEVES];
    lf_deque_init(&d, CAPACITY);
    for (unsigned i = 0; i < WRAP; i++) {
        void *v;
        lf_deque_push(&d, (void *)&d);
        lf_deque_pop(&d, &v);
    }
    for (unsigned i = 0; i < PUSHES; i++)
        items[i] = (payload *)malloc(sizeof(payload));
    for (unsigned i = 0; i < THIEVES; i++)
        t[i] = client_spawn(thief, NULL);
    for (unsigned i = 0; i < PUSHES; i++) {
        items[i]->index = (int)i;
        lf_status st = lf_deque_push(&d, items[i]);
        assert(st == LF_OK);
    }
    int last = PUSHES;
    for (unsigned k = 0; k < POPS; k++) {
        void *v;
        if (lf_deque_pop(&d, &v) == LF_OK) {
            take(v);
            assert(((payload *)v)->index < last); /* LIFO at the bottom */
            last = ((payload *)v)->index;
        }
    }
    for (unsigned i = 0; i < THIEVES; i++)
        pthread_join(t[i], NULL);
    void *v;
    while (lf_deque_pop(&d, &v) == LF_OK)
        take(v);
    for (unsigned i = 0; i < PUSHES; i++)
        assert(taken[i] == 1);
    lf_deque_destroy(&d);
    for (unsigned i = 0; i < PUSHES; i++)
        free(items[i]);
    return 0;
}

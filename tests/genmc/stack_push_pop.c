/* Treiber stack: two threads each push a node whose payload they wrote
   first, then pop one.  Every node is popped or left on the stack exactly
   once, and a popped node's payload is the one written before its push
   (the push's release publishes it to the pop's acquire). */
#include "client.h"
#include <lfkit/stack.h>

typedef struct item {
    lf_stack_node link;
    int payload;
} item;

static lf_stack s;
static item *items[2];
static item *popped[2];

static void *worker(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    items[i]->payload = 100 + (int)i;
    lf_stack_push(&s, &items[i]->link);
    lf_stack_node *n = lf_stack_pop(&s);
    assert(n != NULL); /* its own push precedes it: the stack cannot be empty */
    popped[i] = lf_container_of(n, item, link);
    assert(popped[i]->payload == 100 + (popped[i] == items[1]));
    return NULL;
}

int main(void)
{
    lf_stack_init(&s);
    for (unsigned i = 0; i < 2; i++)
        items[i] = (item *)malloc(sizeof(item));
    pthread_t a = client_spawn(worker, (void *)0), b = client_spawn(worker, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(popped[0] != popped[1]);
    assert(lf_stack_pop(&s) == NULL && lf_stack_is_empty(&s));
    free(items[0]);
    free(items[1]);
    return 0;
}

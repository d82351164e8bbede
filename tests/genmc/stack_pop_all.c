/* pop_all against concurrent pushes: one thread pushes A then B, another
   detaches the whole list.  Every node is detached or left on the stack
   exactly once, a detached list is in LIFO order, and detached payloads
   are the ones written before their pushes. */
#include "client.h"
#include <lfkit/stack.h>

typedef struct item {
    lf_stack_node link;
    int payload;
} item;

static lf_stack s;
static item *a, *b;
static lf_stack_node *detached;

static void *pusher(void *arg)
{
    (void)arg;
    a->payload = 1;
    lf_stack_push(&s, &a->link);
    b->payload = 2;
    lf_stack_push(&s, &b->link);
    return NULL;
}

static void *taker(void *arg)
{
    (void)arg;
    detached = lf_stack_pop_all(&s);
    return NULL;
}

int main(void)
{
    lf_stack_init(&s);
    a = (item *)malloc(sizeof *a);
    b = (item *)malloc(sizeof *b);
    pthread_t t1 = client_spawn(pusher, NULL), t2 = client_spawn(taker, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    int seen_a = 0, seen_b = 0;
    lf_stack_node *prev = NULL;
    for (lf_stack_node *n = detached; n != NULL; prev = n, n = lf_stack_node_next(n)) {
        item *it = lf_container_of(n, item, link);
        assert(it->payload == (it == a ? 1 : 2));
        assert(!(prev == &a->link && n == &b->link)); /* LIFO: B, pushed later, comes first */
        seen_a += it == a;
        seen_b += it == b;
    }
    for (lf_stack_node *n = lf_stack_pop_all(&s); n != NULL; n = lf_stack_node_next(n)) {
        seen_a += n == &a->link;
        seen_b += n == &b->link;
    }
    assert(seen_a == 1 && seen_b == 1);
    free(a);
    free(b);
    return 0;
}

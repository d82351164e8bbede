/* The ABA interleaving: the stack holds A over B.  Thread 1 pops once;
   thread 2 pops A, pops B and pushes A back.  If thread 1's CAS succeeded
   with a stale {A, next = B} snapshot, B would be on the stack while
   thread 2 holds it.  The tag makes that CAS fail: every node ends up with
   exactly one owner (thread 1, thread 2, or the stack). */
#include "client.h"
#include <lfkit/stack.h>

static lf_stack s;
static lf_stack_node *a, *b;
static lf_stack_node *got1, *held2;

static void *popper(void *arg)
{
    (void)arg;
    got1 = lf_stack_pop(&s);
    return NULL;
}

static void *recycler(void *arg)
{
    (void)arg;
    lf_stack_node *x = lf_stack_pop(&s);
    lf_stack_node *y = lf_stack_pop(&s);
    if (x == a && y == b) {
        lf_stack_push(&s, a); /* A is back on top, over nothing: the ABA shape */
        held2 = b;
    } else {
        /* thread 1 popped first: give back what was taken */
        if (y != NULL)
            lf_stack_push(&s, y);
        if (x != NULL)
            lf_stack_push(&s, x);
    }
    return NULL;
}

int main(void)
{
    lf_stack_init(&s);
    a = (lf_stack_node *)malloc(sizeof *a);
    b = (lf_stack_node *)malloc(sizeof *b);
    lf_stack_push(&s, b);
    lf_stack_push(&s, a);
    pthread_t t1 = client_spawn(popper, NULL), t2 = client_spawn(recycler, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    unsigned owners_a = (got1 == a) + (held2 == a), owners_b = (got1 == b) + (held2 == b);
    for (lf_stack_node *n = lf_stack_pop_all(&s); n != NULL; n = lf_stack_node_next(n)) {
        owners_a += n == a;
        owners_b += n == b;
    }
    assert(owners_a == 1 && owners_b == 1);
    free(a);
    free(b);
    return 0;
}

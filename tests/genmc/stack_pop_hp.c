/* lf_stack_pop_hp with freeing: the stack holds two heap nodes; two
   threads each pop one with hazard pointers and retire it (reclaim frees
   it).  GenMC reports a pop that reads a freed node's next; each thread
   gets a distinct node; every node is freed exactly once (leaks reported). */
#include "client.h"
#include <lfkit/stack.h>
#include <lfkit/hp.h>

typedef struct item {
    lf_stack_node link;
    lf_hp_node hp;
} item;

static lf_hp_domain d;
static lf_stack s;
static lf_stack_node *got[2];

static void reclaim(lf_hp_node *n)
{
    free(lf_container_of(n, item, hp));
}

static void *popper(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_stack_node *n = lf_stack_pop_hp(&s, r);
    got[i] = n;
    if (n != NULL) {
        item *it = lf_container_of(n, item, link);
        lf_hp_retire(r, &it->hp, n, reclaim);
    }
    lf_hp_rec_release(r);
    return NULL;
}

int main(void)
{
    lf_hp_domain_init(&d, 1);
    lf_stack_init(&s);
    for (unsigned i = 0; i < 2; i++)
        lf_stack_push(&s, &((item *)malloc(sizeof(item)))->link);
    pthread_t a = client_spawn(popper, (void *)0), b = client_spawn(popper, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(got[0] != NULL && got[1] != NULL && got[0] != got[1]);
    assert(lf_stack_is_empty(&s));
    lf_hp_domain_destroy(&d);
    return 0;
}

/*
 * Treiber stack stress: a pool of nodes with unique ids circulates between
 * the stack and the threads, which mix push, pop and pop_all at random.
 * Invariants: a popped node was not held by anyone else (checked at every
 * pop by an exchange on the node's `held` flag), and at the end every id
 * is on the stack exactly once.
 */
#include "stress.h"

#include <stdlib.h>

enum { NODES_PER_THREAD = 16, HOLD_MAX = 8 };

typedef struct stack_item {
    lf_stack_node link;
    unsigned id;
    _Atomic(unsigned) held; /* 1 while a thread owns the node */
} stack_item;

typedef struct stack_run {
    lf_stack stack;
    stress_report *r;
    uint64_t seed;
    stack_item *items;
    unsigned nitems;
} stack_run;

/* Take ownership of a node just popped; false (and a failure) if someone else owns it. */
static bool take(stack_run *s, lf_stack_node *n)
{
    stack_item *it = lf_container_of(n, stack_item, link);
    if (it < s->items || it >= s->items + s->nitems)
        return stress_fail(s->r, "popped a node outside the pool (%p)", (void *)n);
    /* relaxed RMW: all RMWs on `held` are totally ordered, so a double pop sees 1 */
    if (atomic_exchange_explicit(&it->held, 1u, memory_order_relaxed) != 0)
        return stress_fail(s->r, "node %u popped while another thread held it", it->id);
    return true;
}

static void give_back(stack_run *s, lf_stack_node *n)
{
    stack_item *it = lf_container_of(n, stack_item, link);
    atomic_store_explicit(&it->held, 0u, memory_order_relaxed); /* relaxed: the push's release publishes it */
    lf_stack_push(&s->stack, n);
}

static void stack_worker(void *arg, unsigned index)
{
    stack_run *s = (stack_run *)arg;
    uint64_t rng = s->seed ^ index;
    lf_stack_node *held[HOLD_MAX];
    unsigned nheld = 0;
    uint64_t ops = 0;
    while (stress_running(s->r)) {
        unsigned choice = (unsigned)(stress_rand(&rng) % 64);
        if (choice == 0) {
            /* pop_all: own the whole list for a moment, then push it back */
            lf_stack_node *n = lf_stack_pop_all(&s->stack);
            lf_stack_node *list = n;
            for (; n != NULL; n = lf_stack_node_next(n))
                if (!take(s, n))
                    return;
            while (list != NULL) {
                lf_stack_node *next = lf_stack_node_next(list);
                give_back(s, list);
                list = next;
            }
        } else if (choice < 33 && nheld < HOLD_MAX) {
            lf_stack_node *n = lf_stack_pop(&s->stack);
            if (n != NULL) {
                if (!take(s, n))
                    return;
                held[nheld++] = n;
            }
        } else if (nheld > 0) {
            give_back(s, held[--nheld]);
        }
        if ((++ops & 255) == 0)
            stress_count(s->r, 256);
    }
    while (nheld > 0)
        give_back(s, held[--nheld]);
}

bool stress_stack_conservation(const stress_opts *o, stress_report *r)
{
    stack_run *s = (stack_run *)stress_aligned_calloc(1, sizeof *s);
    s->r = r;
    s->seed = stress_seed(o, 0);
    s->nitems = o->threads * NODES_PER_THREAD;
    s->items = (stack_item *)calloc(s->nitems, sizeof *s->items);
    unsigned char *seen = (unsigned char *)calloc(s->nitems, 1);
    lf_stack_init(&s->stack);
    for (unsigned i = 0; i < s->nitems; i++) {
        s->items[i].id = i;
        lf_stack_push(&s->stack, &s->items[i].link);
    }
    stress_run(r, o->threads, stack_worker, s, o->seconds);

    unsigned count = 0;
    for (lf_stack_node *n = lf_stack_pop(&s->stack); n != NULL && !r->failed; n = lf_stack_pop(&s->stack)) {
        stack_item *it = lf_container_of(n, stack_item, link);
        if (it < s->items || it >= s->items + s->nitems)
            stress_fail(r, "final stack holds a foreign node %p", (void *)n);
        else if (seen[it->id]++)
            stress_fail(r, "node %u is on the stack twice", it->id);
        else
            count++;
    }
    if (!r->failed && count != s->nitems)
        stress_fail(r, "%u of %u nodes on the stack at the end: %u lost", count, s->nitems,
                    s->nitems - count);
    else if (!r->failed)
        stress_note(r, "all %u nodes present exactly once", s->nitems);
    free(seen);
    free(s->items);
    free(s);
    return !r->failed;
}

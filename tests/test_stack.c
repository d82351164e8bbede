/* Unit tests: lfkit/stack.h (Treiber stack, type-stable pop). */
#include <lfkit/stack.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

#include <stdalign.h>

typedef struct item {
    int value;
    lf_stack_node node;
} item;

static int value_of(lf_stack_node *n)
{
    return lf_container_of(n, item, node)->value;
}

Test(stack, alignment)
{
    cr_assert_eq(alignof(lf_stack), LF_CACHELINE);
    cr_assert_eq(sizeof(lf_stack) % LF_CACHELINE, 0);
}

Test(stack, empty)
{
    lf_stack s;
    lf_stack_init(&s);
    cr_assert(lf_stack_is_empty(&s));
    cr_assert_null(lf_stack_pop(&s));
    cr_assert_null(lf_stack_pop_all(&s));
    cr_assert(lf_stack_is_empty(&s));
}

Test(stack, one_element)
{
    lf_stack s;
    item x = {7, {NULL}};
    lf_stack_init(&s);
    lf_stack_push(&s, &x.node);
    cr_assert_not(lf_stack_is_empty(&s));
    lf_stack_node *n = lf_stack_pop(&s);
    cr_assert_eq(n, &x.node);
    cr_assert_eq(value_of(n), 7);
    cr_assert(lf_stack_is_empty(&s));
    cr_assert_null(lf_stack_pop(&s));
}

Test(stack, lifo_order)
{
    lf_stack s;
    item xs[10];
    lf_stack_init(&s);
    for (int i = 0; i < 10; i++) {
        xs[i].value = i;
        lf_stack_push(&s, &xs[i].node);
    }
    for (int i = 9; i >= 0; i--)
        cr_assert_eq(value_of(lf_stack_pop(&s)), i);
    cr_assert_null(lf_stack_pop(&s));
}

Test(stack, pop_all_detaches_in_lifo_order)
{
    lf_stack s;
    item xs[5];
    lf_stack_init(&s);
    for (int i = 0; i < 5; i++) {
        xs[i].value = i;
        lf_stack_push(&s, &xs[i].node);
    }
    lf_stack_node *n = lf_stack_pop_all(&s);
    cr_assert(lf_stack_is_empty(&s));
    for (int i = 4; i >= 0; i--, n = lf_stack_node_next(n)) {
        cr_assert_not_null(n);
        cr_assert_eq(value_of(n), i);
    }
    cr_assert_null(n, "the detached list ends with NULL");
}

Test(stack, node_reuse_after_pop)
{
    lf_stack s;
    item x = {1, {NULL}}, y = {2, {NULL}};
    lf_stack_init(&s);
    lf_stack_push(&s, &x.node);
    lf_stack_push(&s, &y.node);
    cr_assert_eq(lf_stack_pop(&s), &y.node);
    lf_stack_push(&s, &y.node);
    lf_stack_push(&s, lf_stack_pop(&s));
    cr_assert_eq(lf_stack_pop(&s), &y.node);
    cr_assert_eq(lf_stack_pop(&s), &x.node);
    cr_assert_null(lf_stack_pop(&s));
}

enum { THREADS = 4, PER_THREAD = 256, ROUNDS = 2000 };

typedef struct shared_stack {
    lf_stack s;
    item items[THREADS * PER_THREAD];
    int popped_by[THREADS * PER_THREAD];
} shared_stack;

/* Each thread pushes its own items, then ROUNDS times pops whatever it finds
   and pushes it back (every 100th round also detaching and re-pushing the
   rest with pop_all); at the end every item is on the stack exactly once. */
static void churn(void *arg, unsigned index)
{
    shared_stack *st = (shared_stack *)arg;
    for (unsigned i = 0; i < PER_THREAD; i++)
        lf_stack_push(&st->s, &st->items[index * PER_THREAD + i].node);
    for (unsigned r = 0; r < ROUNDS; r++) {
        lf_stack_node *n = lf_stack_pop(&st->s);
        if (n == NULL)
            continue;
        if (r % 100 == 0) {
            lf_stack_node *rest = lf_stack_pop_all(&st->s);
            while (rest != NULL) {
                lf_stack_node *next = lf_stack_node_next(rest);
                lf_stack_push(&st->s, rest);
                rest = next;
            }
        }
        lf_stack_push(&st->s, n);
    }
}

Test(stack, concurrent_push_pop_conserves_nodes, .timeout = 60)
{
    shared_stack *st = (shared_stack *)harness_alloc(LF_CACHELINE, sizeof *st);
    lf_stack_init(&st->s);
    for (int i = 0; i < THREADS * PER_THREAD; i++)
        st->items[i].value = i;
    harness_run_threads(THREADS, churn, st);
    int count = 0;
    for (lf_stack_node *n = lf_stack_pop(&st->s); n != NULL; n = lf_stack_pop(&st->s)) {
        int v = value_of(n);
        cr_assert(v >= 0 && v < THREADS * PER_THREAD);
        cr_assert_eq(st->popped_by[v]++, 0, "item %d found twice", v);
        count++;
    }
    cr_assert_eq(count, THREADS * PER_THREAD);
    free(st);
}

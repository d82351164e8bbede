/*
 * Negative test (race.h): a pop that finds the stack empty releases
 * nothing.
 *
 * main: an empty stack.
 * writer: race_user_data = 1; lf_stack_pop (NULL); post.
 * reader: wait; lf_stack_push (node a); read race_user_data.
 *
 * No happens-before in C11: a pop that finds the stack empty only loads
 * top (acquire) and writes nothing, so nothing the reader reads was
 * released by the writer after its write: the push's CAS reads main's
 * initial value.  The post reaches the reader through the relay (race.h).
 * (Every successful push, pop and pop_all is a read-modify-write that
 * releases, acq_rel in tagged.h, so a race around two successful
 * operations would be ordered; the empty pop is where a TSan substitute
 * that made loads release, e.g. a 16-byte load written as a CAS, would
 * hide a race.)
 */
#include "race.h"

#include <lfkit/stack.h>

typedef struct scenario {
    lf_stack stack;
    lf_stack_node a;
} scenario;

static void *writer(void *arg)
{
    scenario *s = (scenario *)arg;
    race_user_data = 1;
    race_require(lf_stack_pop(&s->stack) == NULL, "pop of the empty stack");
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    scenario *s = (scenario *)arg;
    race_wait();
    lf_stack_push(&s->stack, &s->a);
    race_sink = race_user_data;
    return NULL;
}

int main(void)
{
    static scenario s;
    lf_stack_init(&s.stack);
    race_run(writer, reader, &s);
    race_require(lf_stack_pop(&s.stack) == &s.a, "pop");
    return 0;
}

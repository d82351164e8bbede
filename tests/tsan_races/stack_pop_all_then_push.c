/*
 * Negative test (race.h): lf_stack_pop_all does not order the detaching
 * thread's earlier writes before another thread's later push.
 *
 * main: pushes node a.
 * writer: race_user_data = 1; lf_stack_pop_all (gets a); post.
 * reader: wait; lf_stack_push (node b); read race_user_data.
 *
 * No happens-before in C11: pop_all is an acquire read-modify-write (it
 * installs NULL, which publishes nothing: stack.h).  The push's acq_rel
 * CAS reads the value pop_all wrote; an RMW continues the release
 * sequence of main's push of a, so the CAS synchronises with main, not
 * with the writer, which released nothing after its write.  The post
 * reaches the reader through the relay (race.h).
 */
#include "race.h"

#include <lfkit/stack.h>

typedef struct scenario {
    lf_stack stack;
    lf_stack_node a, b;
} scenario;

static void *writer(void *arg)
{
    scenario *s = (scenario *)arg;
    race_user_data = 1;
    race_require(lf_stack_pop_all(&s->stack) == &s->a, "pop_all");
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    scenario *s = (scenario *)arg;
    race_wait();
    lf_stack_push(&s->stack, &s->b);
    race_sink = race_user_data;
    return NULL;
}

int main(void)
{
    static scenario s;
    lf_stack_init(&s.stack);
    lf_stack_push(&s.stack, &s.a);
    race_run(writer, reader, &s);
    race_require(lf_stack_pop(&s.stack) == &s.b, "pop");
    return 0;
}

/*
 * Negative test (race.h): a steal does not order the thief's earlier
 * writes before the owner's later pop of an item that is not the last.
 *
 * main (the owner until the threads start): pushes 4 items.
 * writer, a thief: race_user_data = 1; lf_deque_steal (item 1); post.
 * reader, the owner: wait; lf_deque_pop (item 4, 2 more remain); read
 * race_user_data.
 *
 * No happens-before in C11: after the write, the thief's atomics are
 * steal's acquire loads of top and bottom, its seq_cst fence, the slot
 * load, the seq_cst CAS on top and the relaxed post.  The owner's pop
 * stores bottom (release), runs a seq_cst fence, then loads top relaxed:
 * that load reads the thief's CAS, but a relaxed load does not
 * synchronise, and no acquire fence follows it before the read of
 * race_user_data.  The pop's fence comes after the owner's load of the
 * relayed flag, but the thief's fence and post reach that load only
 * through the relay, which has no fence (race.h).  Bottom and the buffer
 * were last written by main, before the threads started.
 */
#include "race.h"

#include <lfkit/deque.h>

#define ITEM(i) ((void *)(uintptr_t)(i))

static void *writer(void *arg)
{
    lf_deque *d = (lf_deque *)arg;
    void *x = NULL;
    race_user_data = 1;
    race_require(lf_deque_steal(d, &x) == LF_OK && x == ITEM(1), "steal");
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    lf_deque *d = (lf_deque *)arg;
    void *x = NULL;
    race_wait();
    race_require(lf_deque_pop(d, &x) == LF_OK && x == ITEM(4), "pop");
    race_sink = race_user_data;
    return NULL;
}

int main(void)
{
    static lf_deque d;
    race_require(lf_deque_init(&d, 8) == LF_OK, "deque init");
    for (uintptr_t i = 1; i <= 4; i++)
        race_require(lf_deque_push(&d, ITEM(i)) == LF_OK, "push");
    race_run(writer, reader, &d);
    lf_deque_destroy(&d);
    return 0;
}

/*
 * Negative test (race.h): counter updates order nothing.
 *
 * writer: race_user_data = 1; lf_counter_fetch_add; post.
 * reader: wait; lf_counter_fetch_add; read race_user_data.
 *
 * No happens-before in C11: both fetch-adds are relaxed (counter.h: a
 * count orders nothing), so the reader's, although it reads the writer's,
 * does not synchronise with it.  The post reaches the reader through the
 * relay (race.h).
 */
#include "race.h"

#include <lfkit/counter.h>

static void *writer(void *arg)
{
    lf_counter *c = (lf_counter *)arg;
    race_user_data = 1;
    lf_counter_fetch_add(c, 1);
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    lf_counter *c = (lf_counter *)arg;
    race_wait();
    race_require(lf_counter_fetch_add(c, 1) == 1, "fetch_add after the writer's");
    race_sink = race_user_data;
    return NULL;
}

int main(void)
{
    static lf_counter c;
    lf_counter_init(&c, 0);
    race_run(writer, reader, &c);
    race_require(lf_counter_load(&c) == 2, "count");
    return 0;
}

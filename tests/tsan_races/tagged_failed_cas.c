/*
 * Negative test (race.h): a failed lf_tagged_cas releases nothing.
 *
 * main: a = {&first, 0}.
 * writer: race_user_data = 1; lf_tagged_cas expecting {&other, 0}: fails; post.
 * reader: wait; lf_tagged_cas expecting {&first, 0}: succeeds; read
 * race_user_data.
 *
 * No happens-before in C11: a failed compare-exchange is only a load, with
 * the failure order (acquire: tagged.h), and writes nothing; the reader's
 * CAS reads main's initial value.  The post reaches the reader through the
 * relay (race.h).
 */
#include "race.h"

#include <lfkit/tagged.h>

typedef struct scenario {
    lf_atomic_tagged a;
    int first, other, second;
} scenario;

static void *writer(void *arg)
{
    scenario *s = (scenario *)arg;
    lf_tagged expected = {&s->other, 0};
    race_user_data = 1;
    race_require(!lf_tagged_cas(&s->a, &expected, &s->second), "the writer's CAS fails");
    race_post();
    return NULL;
}

static void *reader(void *arg)
{
    scenario *s = (scenario *)arg;
    lf_tagged expected = {&s->first, 0};
    race_wait();
    race_require(lf_tagged_cas(&s->a, &expected, &s->second), "the reader's CAS succeeds");
    race_sink = race_user_data;
    return NULL;
}

int main(void)
{
    static scenario s;
    lf_tagged_init(&s.a, &s.first);
    race_run(writer, reader, &s);
    return 0;
}

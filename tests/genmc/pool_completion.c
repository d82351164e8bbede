/* The pool's completion counting (pool_sync.h): a task's body returns
   with two children not finished locally while both children finish on
   other threads.  Exactly one of the three calls completes the task, and
   the completer sees what the body and both children wrote (GenMC reports
   the race otherwise); lf_completion__is_done agrees afterwards. */
#include "client.h"
#include <lfkit/pool_sync.h>

static _Atomic(size_t) join;
static int body_data, child_data[2];
static int completer; /* written only by the one completer: two would race */

static void complete(int who)
{
    assert(body_data == 1 && child_data[0] == 1 && child_data[1] == 1);
    completer = who;
}

static void *body(void *arg)
{
    (void)arg;
    body_data = 1;
    if (lf_completion__body_returned(&join, 2))
        complete(1);
    return NULL;
}

static void *child(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    child_data[i] = 1;
    if (lf_completion__child_done(&join))
        complete(2 + (int)i);
    return NULL;
}

int main(void)
{
    lf_completion__init(&join);
    pthread_t b = client_spawn(body, NULL), c0 = client_spawn(child, (void *)0),
              c1 = client_spawn(child, (void *)1);
    pthread_join(b, NULL);
    pthread_join(c0, NULL);
    pthread_join(c1, NULL);
    assert(completer != 0 && lf_completion__is_done(&join));
    return 0;
}

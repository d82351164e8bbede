/*
 * Negative test (race.h): spawns in two unrelated lf_pool_run trees order
 * nothing between them.
 *
 * A pool of 2 workers; two non-worker threads each call lf_pool_run.
 * reader's root, on one worker: says it started; wait; lf_task_spawn a
 * child; read race_user_data; say done.
 * writer's root, on the other worker: waits until the reader's root has
 * started; race_user_data = 1; lf_task_spawn a child; post; wait until
 * the reader's root is done (so both workers stay busy throughout).
 *
 * No happens-before in C11 from the write to the read: after the write
 * the writer's worker pushes on its own deque (a release store of its
 * bottom, which the reader's worker does not read: it is busy in its
 * root), then the spawn's seq_cst fence and a relaxed load of the
 * sleeper count, then the relaxed post.  Nobody sleeps (both workers run
 * a root, and the roots start in order), so neither spawn takes the pool
 * lock.  The reader's spawn is a push on its own deque, a seq_cst fence
 * and a relaxed load of the sleeper count, whose last write precedes both
 * roots.  Its fence comes after its load of the relayed flag, but the
 * writer's fence and post reach that load only through the relay (race.h).
 */
#include "race.h"

#include <lfkit/pool.h>

typedef struct scenario {
    lf_pool pool;
    lf_task writer_root, writer_child, reader_root, reader_child;
    _Atomic(int) reader_started, reader_done; /* relaxed, like race.h's flags */
} scenario;

/* Spin until *flag is set: relaxed, timing only. */
static void wait_flag(_Atomic(int) *flag)
{
    while (atomic_load_explicit(flag, memory_order_relaxed) == 0)
        sched_yield();
}

static void child_fn(lf_task *self, void *arg)
{
    (void)self;
    (void)arg;
}

static void writer_root_fn(lf_task *self, void *arg)
{
    scenario *s = (scenario *)arg;
    wait_flag(&s->reader_started);
    race_user_data = 1;
    lf_task_spawn(self, &s->writer_child);
    race_post();
    wait_flag(&s->reader_done);
}

static void reader_root_fn(lf_task *self, void *arg)
{
    scenario *s = (scenario *)arg;
    /* relaxed: timing only */
    atomic_store_explicit(&s->reader_started, 1, memory_order_relaxed);
    race_wait();
    lf_task_spawn(self, &s->reader_child);
    race_sink = race_user_data;
    atomic_store_explicit(&s->reader_done, 1, memory_order_relaxed);
}

static void *writer(void *arg)
{
    scenario *s = (scenario *)arg;
    lf_pool_run(&s->pool, &s->writer_root);
    return NULL;
}

static void *reader(void *arg)
{
    scenario *s = (scenario *)arg;
    lf_pool_run(&s->pool, &s->reader_root);
    return NULL;
}

int main(void)
{
    static scenario s;
    race_require(lf_pool_init(&s.pool, 2) == LF_OK, "pool init");
    lf_task_init(&s.writer_root, writer_root_fn, &s);
    lf_task_init(&s.reader_root, reader_root_fn, &s);
    lf_task_init(&s.writer_child, child_fn, NULL);
    lf_task_init(&s.reader_child, child_fn, NULL);
    race_run(writer, reader, &s);
    lf_pool_destroy(&s.pool);
    return 0;
}

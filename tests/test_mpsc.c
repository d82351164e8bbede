/* tests/test_mpsc.c - Vyukov's intrusive MPSC queue (lfkit/mpsc.h). */
#include <stdatomic.h>
#include <stdbool.h>

/* A stress hook that parks one chosen thread at its first stress point (in
 * push: between the exchange and the link), so a test holds a push half
 * done. */
static _Thread_local bool mpsc_stall_me;
static atomic_bool mpsc_stalled, mpsc_release;
static void mpsc_stall_hook(void)
{
    if (!mpsc_stall_me)
        return;
    mpsc_stall_me = false;
    atomic_store(&mpsc_stalled, true);
    while (!atomic_load(&mpsc_release))
        ;
}
#define LF_STRESS_HOOK mpsc_stall_hook

#include <lfkit/mpsc.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

typedef struct item {
    int id;
    lf_mpsc_node link;
} item;

static int popped_id(lf_mpsc *q)
{
    lf_mpsc_node *n = NULL;
    cr_assert_eq(lf_mpsc_pop(q, &n), LF_OK);
    return lf_container_of(n, item, link)->id;
}

Test(mpsc, layout)
{
    cr_assert_eq(_Alignof(lf_mpsc), LF_CACHELINE);
    cr_assert_geq(offsetof(lf_mpsc, head) - offsetof(lf_mpsc, tail), LF_CACHELINE);
}

Test(mpsc, starts_empty_and_rejects_bad_input)
{
    lf_mpsc q;
    lf_mpsc_init(&q);
    lf_mpsc_node *n = (lf_mpsc_node *)&q;
    cr_assert(lf_mpsc_is_empty(&q));
    cr_assert_eq(lf_mpsc_pop(&q, &n), LF_EMPTY);
    cr_assert_eq(n, (lf_mpsc_node *)&q, "LF_EMPTY wrote the out-pointer");
    cr_assert_eq(lf_mpsc_pop(NULL, &n), LF_EINVAL);
    cr_assert_eq(lf_mpsc_pop(&q, NULL), LF_EINVAL);
    cr_assert(lf_mpsc_is_empty(&q));
}

Test(mpsc, fifo_and_empty_again)
{
    lf_mpsc q;
    lf_mpsc_init(&q);
    item it[10];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 10; i++) {
            it[i].id = i;
            lf_mpsc_push(&q, &it[i].link);
            cr_assert_not(lf_mpsc_is_empty(&q));
        }
        for (int i = 0; i < 10; i++)
            cr_assert_eq(popped_id(&q), i);
        lf_mpsc_node *n;
        cr_assert_eq(lf_mpsc_pop(&q, &n), LF_EMPTY);
        cr_assert(lf_mpsc_is_empty(&q));
    }
}

/* One node at a time: the stub goes behind it and the queue empties. */
Test(mpsc, single_node_laps)
{
    lf_mpsc q;
    lf_mpsc_init(&q);
    item a = {1, {NULL}};
    for (int lap = 0; lap < 1000; lap++) {
        lf_mpsc_push(&q, &a.link);
        cr_assert_eq(popped_id(&q), 1);
        lf_mpsc_node *n;
        cr_assert_eq(lf_mpsc_pop(&q, &n), LF_EMPTY);
    }
}

/* A popped node is the caller's at once: pushed again, or freed (ASan sees
 * any later access by the queue). */
Test(mpsc, popped_nodes_may_be_pushed_again_or_freed)
{
    enum { ROUNDS = 1000 };
    lf_mpsc q;
    lf_mpsc_init(&q);
    item keep = {-1, {NULL}};
    item *model[2 * ROUNDS + 2]; /* what the queue should hold, oldest first */
    size_t model_head = 0, model_tail = 0;
    lf_mpsc_push(&q, &keep.link);
    model[model_tail++] = &keep;
    for (int i = 0; i < ROUNDS; i++) {
        item *fresh = (item *)malloc(sizeof *fresh);
        cr_assert_not_null(fresh);
        fresh->id = i;
        lf_mpsc_push(&q, &fresh->link);
        model[model_tail++] = fresh;
        lf_mpsc_node *n;
        cr_assert_eq(lf_mpsc_pop(&q, &n), LF_OK);
        item *got = lf_container_of(n, item, link);
        cr_assert_eq(got, model[model_head++], "round %d: not FIFO", i);
        if (got == &keep) {
            lf_mpsc_push(&q, &keep.link); /* again, at once */
            model[model_tail++] = &keep;
        } else {
            free(got); /* at once */
        }
    }
    lf_mpsc_node *n;
    while (lf_mpsc_pop(&q, &n) == LF_OK) {
        item *got = lf_container_of(n, item, link);
        cr_assert_eq(got, model[model_head++]);
        if (got != &keep)
            free(got);
    }
    cr_assert_eq(model_head, model_tail, "nodes lost");
    cr_assert(lf_mpsc_is_empty(&q));
}

/* ---- a push held between its exchange and its link -------------------- */

typedef struct stall_arg {
    lf_mpsc *q;
    item *node;
} stall_arg;

static void *stalled_push(void *p)
{
    stall_arg *a = (stall_arg *)p;
    mpsc_stall_me = true;
    lf_mpsc_push(a->q, &a->node->link);
    return NULL;
}

Test(mpsc, pending_push_gives_retry_not_empty, .timeout = 30)
{
    lf_mpsc q;
    lf_mpsc_init(&q);
    item first = {1, {NULL}}, held = {2, {NULL}}, later = {3, {NULL}};
    lf_mpsc_push(&q, &first.link);
    stall_arg a = {&q, &held};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, stalled_push, &a), 0);
    while (!atomic_load(&mpsc_stalled))
        ;
    lf_mpsc_push(&q, &later.link);
    lf_mpsc_node *n = NULL;
    /* first's successor is the held node, not yet linked: first cannot leave */
    cr_assert_eq(lf_mpsc_pop(&q, &n), LF_RETRY, "a stalled producer holds back the consumer");
    cr_assert_eq(lf_mpsc_pop(&q, &n), LF_RETRY);
    cr_assert_not(lf_mpsc_is_empty(&q));
    atomic_store(&mpsc_release, true);
    pthread_join(t, NULL);
    cr_assert_eq(popped_id(&q), 1);
    cr_assert_eq(popped_id(&q), 2);
    cr_assert_eq(popped_id(&q), 3);
    cr_assert_eq(lf_mpsc_pop(&q, &n), LF_EMPTY);
}

Test(mpsc, pending_push_into_empty_queue, .timeout = 30)
{
    lf_mpsc q;
    lf_mpsc_init(&q);
    item held = {7, {NULL}};
    stall_arg a = {&q, &held};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, stalled_push, &a), 0);
    while (!atomic_load(&mpsc_stalled))
        ;
    lf_mpsc_node *n = NULL;
    cr_assert_eq(lf_mpsc_pop(&q, &n), LF_RETRY, "LF_EMPTY would be spurious: the push took effect");
    cr_assert_not(lf_mpsc_is_empty(&q));
    atomic_store(&mpsc_release, true);
    pthread_join(t, NULL);
    cr_assert_eq(popped_id(&q), 7);
    cr_assert(lf_mpsc_is_empty(&q));
}

/* ---- several producers, one consumer ---------------------------------- */

enum { MPSC_PRODUCERS = 3, MPSC_EACH = 20000 };

typedef struct mpsc_run {
    lf_mpsc q;
    item *items; /* MPSC_PRODUCERS x MPSC_EACH */
    int bad;
} mpsc_run;

static void mpsc_worker(void *arg, unsigned index)
{
    mpsc_run *r = (mpsc_run *)arg;
    if (index < MPSC_PRODUCERS) {
        for (int i = 0; i < MPSC_EACH; i++)
            lf_mpsc_push(&r->q, &r->items[index * MPSC_EACH + i].link);
        return;
    }
    int last[MPSC_PRODUCERS] = {-1, -1, -1};
    for (int got = 0; got < MPSC_PRODUCERS * MPSC_EACH;) {
        lf_mpsc_node *n;
        if (lf_mpsc_pop(&r->q, &n) != LF_OK)
            continue;
        int id = lf_container_of(n, item, link)->id;
        int p = id / MPSC_EACH, seq = id % MPSC_EACH;
        if (seq <= last[p])
            r->bad = 1;
        last[p] = seq;
        got++;
    }
}

Test(mpsc, producers_fifo_each, .timeout = 60)
{
    mpsc_run *r = (mpsc_run *)harness_alloc(_Alignof(mpsc_run), sizeof *r);
    r->items = (item *)calloc(MPSC_PRODUCERS * MPSC_EACH, sizeof *r->items);
    for (int i = 0; i < MPSC_PRODUCERS * MPSC_EACH; i++)
        r->items[i].id = i;
    lf_mpsc_init(&r->q);
    harness_run_threads(MPSC_PRODUCERS + 1, mpsc_worker, r);
    cr_assert_not(r->bad, "a producer's nodes arrived out of order");
    cr_assert(lf_mpsc_is_empty(&r->q));
    free(r->items);
    free(r);
}

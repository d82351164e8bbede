/* tests/test_queue.c - Michael-Scott queue with hazard pointers (lfkit/queue.h). */
#include "test_alloc.h"

#include <lfkit/queue.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

/* A domain and one record: the single-threaded fixture of most tests. */
typedef struct fixture {
    lf_hp_domain d;
    lf_queue q;
    lf_hp_rec *r;
} fixture;

static void fixture_init(fixture *f)
{
    cr_assert_eq(lf_hp_domain_init(&f->d, 2), LF_OK);
    cr_assert_eq(lf_queue_init(&f->q, &f->d), LF_OK);
    f->r = lf_hp_rec_acquire(&f->d);
    cr_assert_not_null(f->r);
}

static void fixture_destroy(fixture *f)
{
    lf_hp_rec_release(f->r);
    lf_queue_destroy(&f->q);
    lf_hp_domain_destroy(&f->d);
    cr_assert_eq(atomic_load(&test_alloc_live), 0, "%ld allocations leaked",
                 atomic_load(&test_alloc_live));
}

static void *val(uintptr_t i)
{
    return (void *)i;
}

Test(queue, is_cache_aligned)
{
    cr_assert_eq(_Alignof(lf_queue), LF_CACHELINE);
    cr_assert_geq(offsetof(lf_queue, tail) - offsetof(lf_queue, head), LF_CACHELINE,
                  "head and tail share a cache line");
}

Test(queue, init_rejects_bad_input)
{
    lf_hp_domain one_slot, d;
    lf_queue q, copy;
    memset(&q, 0xab, sizeof q);
    memcpy(&copy, &q, sizeof q);
    cr_assert_eq(lf_hp_domain_init(&one_slot, 1), LF_OK);
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    cr_assert_eq(lf_queue_init(NULL, &d), LF_EINVAL);
    cr_assert_eq(lf_queue_init(&q, NULL), LF_EINVAL);
    cr_assert_eq(lf_queue_init(&q, &one_slot), LF_EINVAL);
    cr_assert_eq(memcmp(&q, &copy, sizeof q), 0, "a rejected init wrote to the queue");
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(queue, init_reports_enomem)
{
    lf_hp_domain d;
    lf_queue q;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    test_alloc_fail(true);
    cr_assert_eq(lf_queue_init(&q, &d), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(queue, starts_empty)
{
    fixture f;
    fixture_init(&f);
    void *v = val(7);
    cr_assert(lf_queue_is_empty(&f.q, f.r));
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    cr_assert_eq(v, val(7), "LF_EMPTY wrote the out-value");
    fixture_destroy(&f);
}

Test(queue, fifo_order_with_null_values)
{
    fixture f;
    fixture_init(&f);
    enum { N = 1000 };
    for (uintptr_t i = 0; i < N; i++) {
        cr_assert_eq(lf_queue_enqueue(&f.q, f.r, i % 3 == 0 ? NULL : val(i)), LF_OK);
        cr_assert_not(lf_queue_is_empty(&f.q, f.r));
    }
    for (uintptr_t i = 0; i < N; i++) {
        void *v = val(12345);
        cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, i % 3 == 0 ? NULL : val(i), "value %lu out of order",
                     (unsigned long)i);
    }
    void *v;
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    cr_assert(lf_queue_is_empty(&f.q, f.r));
    fixture_destroy(&f);
}

Test(queue, interleaved_operations)
{
    fixture f;
    fixture_init(&f);
    uintptr_t next_in = 1, next_out = 1;
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < round % 7 + 1; k++)
            cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(next_in++)), LF_OK);
        for (int k = 0; k < round % 5 + 1; k++) {
            void *v;
            lf_status s = lf_queue_dequeue(&f.q, f.r, &v);
            if (next_out == next_in) {
                cr_assert_eq(s, LF_EMPTY);
            } else {
                cr_assert_eq(s, LF_OK);
                cr_assert_eq(v, val(next_out++));
            }
        }
    }
    fixture_destroy(&f);
}

Test(queue, bad_input_leaves_queue_unchanged)
{
    fixture f;
    fixture_init(&f);
    lf_hp_domain other;
    cr_assert_eq(lf_hp_domain_init(&other, 2), LF_OK);
    lf_hp_rec *foreign = lf_hp_rec_acquire(&other);
    void *v;
    cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(1)), LF_OK);
    cr_assert_eq(lf_queue_enqueue(NULL, f.r, val(2)), LF_EINVAL);
    cr_assert_eq(lf_queue_enqueue(&f.q, NULL, val(2)), LF_EINVAL);
    cr_assert_eq(lf_queue_enqueue(&f.q, foreign, val(2)), LF_EINVAL);
    cr_assert_eq(lf_queue_dequeue(NULL, f.r, &v), LF_EINVAL);
    cr_assert_eq(lf_queue_dequeue(&f.q, NULL, &v), LF_EINVAL);
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, NULL), LF_EINVAL);
    cr_assert_eq(lf_queue_dequeue(&f.q, foreign, &v), LF_EINVAL);
    cr_assert(lf_queue_is_empty(NULL, f.r));
    cr_assert(lf_queue_is_empty(&f.q, NULL));
    cr_assert(lf_queue_is_empty(&f.q, foreign));
    lf_queue_destroy(NULL);
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_eq(v, val(1));
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_EMPTY, "a rejected enqueue added a value");
    lf_hp_rec_release(foreign);
    lf_hp_domain_destroy(&other);
    fixture_destroy(&f);
}

Test(queue, enqueue_reports_enomem_and_loses_nothing)
{
    fixture f;
    fixture_init(&f);
    for (uintptr_t i = 1; i <= 3; i++)
        cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(i)), LF_OK);
    cr_assert_eq(lf_hp_cached_count(f.r), 0, "no node was retired yet");
    test_alloc_fail(true);
    cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(99)), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(4)), LF_OK);
    for (uintptr_t i = 1; i <= 4; i++) {
        void *v;
        cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, val(i));
    }
    void *v;
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    fixture_destroy(&f);
}

Test(queue, reuses_nodes_through_the_record_cache)
{
    fixture f;
    fixture_init(&f);
    enum { PAIRS = 10000 };
    long before = atomic_load(&test_alloc_calls);
    for (uintptr_t i = 0; i < PAIRS; i++) {
        void *v;
        cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(i)), LF_OK);
        cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, val(i));
        cr_assert_leq(lf_hp_retired_count(f.r), lf_hp_scan_threshold(2));
        cr_assert_leq(lf_hp_cached_count(f.r), LF_HP_CACHE_MAX);
    }
    long allocs = atomic_load(&test_alloc_calls) - before;
    cr_assert_lt(allocs, 2 * (long)LF_HP_SCAN_MIN + 16, "%ld allocations for %d pairs",
                 allocs, PAIRS);
    /* with the record's cache holding nodes, failing malloc does not matter */
    cr_assert_gt(lf_hp_cached_count(f.r), 0);
    test_alloc_fail(true);
    cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(1)), LF_OK);
    test_alloc_fail(false);
    fixture_destroy(&f);
}

Test(queue, operations_leave_no_hazard_behind)
{
    fixture f;
    fixture_init(&f);
    void *v;
    cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(1)), LF_OK);
    cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(2)), LF_OK);
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    (void)lf_queue_is_empty(&f.q, f.r);
    cr_assert_eq(lf_hp_retired_count(f.r), 2);
    lf_hp_scan(f.r);
    cr_assert_eq(lf_hp_retired_count(f.r), 0, "a slot still protects a dequeued node");
    cr_assert_eq(lf_hp_cached_count(f.r), 2);
    fixture_destroy(&f);
}

/*
 * An enqueuer stalled between its link CAS and its tail CAS leaves tail on
 * the dummy of a non-empty queue.  Dequeue must swing tail before moving
 * head, so that the node it retires is reachable from neither: head never
 * passes tail.  The stalled enqueuer is simulated exactly: it holds the old
 * tail in its slot 0, as lf_queue_enqueue does, and links its node by hand.
 */
Test(queue, dequeue_swings_lagging_tail_before_moving_head)
{
    fixture f;
    fixture_init(&f);
    lf_hp_rec *stalled = lf_hp_rec_acquire(&f.d);
    cr_assert_not_null(stalled);
    lf_queue_node *last = (lf_queue_node *)lf_hp_protect(stalled, 0, &f.q.tail);
    lf_queue_node *node = (lf_queue_node *)LF_MALLOC(sizeof *node);
    cr_assert_not_null(node);
    node->value = val(42);
    atomic_store(&node->next, (void *)NULL);
    atomic_store(&last->next, (void *)node); /* linked; tail not swung yet */

    void *v = NULL;
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_eq(v, val(42));
    cr_assert_eq(atomic_load(&f.q.head), (void *)node);
    cr_assert_eq(atomic_load(&f.q.tail), (void *)node,
                 "head passed the lagging tail: tail points at the retired dummy");

    /* the enqueuer resumes: its tail CAS fails (already helped), it clears */
    void *expected = last;
    cr_assert_not(atomic_compare_exchange_strong(&f.q.tail, &expected, (void *)node));
    lf_hp_rec_release(stalled);
    lf_hp_scan(f.r);
    cr_assert_eq(lf_hp_retired_count(f.r), 0, "the old dummy is still protected");

    /* the recycled dummy serves again and the queue stays FIFO */
    for (uintptr_t i = 1; i <= 3; i++)
        cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(i)), LF_OK);
    for (uintptr_t i = 1; i <= 3; i++) {
        cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, val(i));
    }
    cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    fixture_destroy(&f);
}

Test(queue, destroy_frees_queued_nodes)
{
    fixture f;
    fixture_init(&f);
    for (uintptr_t i = 0; i < 100; i++)
        cr_assert_eq(lf_queue_enqueue(&f.q, f.r, val(i)), LF_OK);
    for (int i = 0; i < 40; i++) {
        void *v;
        cr_assert_eq(lf_queue_dequeue(&f.q, f.r, &v), LF_OK);
    }
    cr_assert_gt(atomic_load(&test_alloc_live), 60);
    fixture_destroy(&f); /* asserts nothing leaked */
}

/*
 * Producers enqueue (id, seq) pairs with seq increasing; consumers check
 * that each producer's sequence numbers reach them strictly increasing and
 * mark each value seen; at the end every value was seen exactly once.
 */
enum { MT_PRODUCERS = 2, MT_CONSUMERS = 2, MT_PER_PRODUCER = 20000 };

typedef struct mt_shared {
    lf_hp_domain d;
    lf_queue q;
    _Atomic(long) consumed;
    _Atomic(long) order_errors;
    _Atomic(unsigned char) seen[MT_PRODUCERS][MT_PER_PRODUCER];
} mt_shared;

static void mt_producer(mt_shared *s, uintptr_t id)
{
    lf_hp_rec *r = lf_hp_rec_acquire(&s->d);
    for (uintptr_t seq = 0; seq < MT_PER_PRODUCER; seq++)
        while (lf_queue_enqueue(&s->q, r, val(id << 16 | seq)) != LF_OK)
            ;
    lf_hp_rec_release(r);
}

static void mt_consumer(mt_shared *s)
{
    long last[MT_PRODUCERS];
    for (int i = 0; i < MT_PRODUCERS; i++)
        last[i] = -1;
    lf_hp_rec *r = lf_hp_rec_acquire(&s->d);
    while (atomic_load(&s->consumed) < (long)MT_PRODUCERS * MT_PER_PRODUCER) {
        void *v;
        if (lf_queue_dequeue(&s->q, r, &v) != LF_OK)
            continue;
        uintptr_t id = (uintptr_t)v >> 16, seq = (uintptr_t)v & 0xffffu;
        if (id >= MT_PRODUCERS || seq >= MT_PER_PRODUCER || (long)seq <= last[id]) {
            atomic_fetch_add(&s->order_errors, 1);
        } else {
            last[id] = (long)seq;
            atomic_fetch_add(&s->seen[id][seq], 1);
        }
        atomic_fetch_add(&s->consumed, 1);
    }
    lf_hp_rec_release(r);
}

static void mt_thread(void *arg, unsigned index)
{
    if (index < MT_PRODUCERS)
        mt_producer((mt_shared *)arg, index);
    else
        mt_consumer((mt_shared *)arg);
}

Test(queue, concurrent_fifo_per_producer_exactly_once, .timeout = 30)
{
    static mt_shared s;
    cr_assert_eq(lf_hp_domain_init(&s.d, 2), LF_OK);
    cr_assert_eq(lf_queue_init(&s.q, &s.d), LF_OK);
    harness_run_threads(MT_PRODUCERS + MT_CONSUMERS, mt_thread, &s);
    cr_assert_eq(atomic_load(&s.order_errors), 0, "a producer's values arrived out of order");
    for (int p = 0; p < MT_PRODUCERS; p++)
        for (int i = 0; i < MT_PER_PRODUCER; i++)
            cr_assert_eq(atomic_load(&s.seen[p][i]), 1, "value (%d, %d) seen %d times", p, i,
                         atomic_load(&s.seen[p][i]));
    lf_hp_rec *r = lf_hp_rec_acquire(&s.d);
    cr_assert(lf_queue_is_empty(&s.q, r));
    lf_hp_rec_release(r);
    lf_queue_destroy(&s.q);
    lf_hp_domain_destroy(&s.d);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

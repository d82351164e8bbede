/* tests/test_segqueue.c - unbounded queue of ring segments (lfkit/segqueue.h). */
#include "test_alloc.h"

#include <lfkit/segqueue.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

/* A domain, a queue of segments of the given capacity and one record. */
typedef struct fixture {
    lf_hp_domain d;
    lf_segqueue q;
    lf_hp_rec *r;
} fixture;

static void fixture_init(fixture *f, size_t capacity)
{
    cr_assert_eq(lf_hp_domain_init(&f->d, 2), LF_OK);
    cr_assert_eq(lf_segqueue_init(&f->q, &f->d, capacity), LF_OK);
    f->r = lf_hp_rec_acquire(&f->d);
    cr_assert_not_null(f->r);
}

static void fixture_destroy(fixture *f)
{
    lf_hp_rec_release(f->r);
    lf_segqueue_destroy(&f->q);
    lf_hp_domain_destroy(&f->d);
    cr_assert_eq(atomic_load(&test_alloc_live), 0, "%ld allocations leaked",
                 atomic_load(&test_alloc_live));
}

static void *val(uintptr_t i)
{
    return (void *)i;
}

/* Segments linked from head (each is two allocations: segment and ring block). */
static size_t linked_segments(lf_segqueue *q)
{
    size_t n = 0;
    for (lf_segqueue_segment *s = (lf_segqueue_segment *)atomic_load(&q->head); s != NULL;
         s = (lf_segqueue_segment *)atomic_load(&s->next))
        n++;
    return n;
}

Test(segqueue, is_cache_aligned)
{
    cr_assert_eq(_Alignof(lf_segqueue), LF_CACHELINE);
    cr_assert_geq(offsetof(lf_segqueue, tail) - offsetof(lf_segqueue, head), LF_CACHELINE,
                  "head and tail share a cache line");
    cr_assert_geq(LF_SEGQUEUE_MAX_SEGMENT, (size_t)1 << 20);
}

Test(segqueue, init_rejects_bad_input)
{
    lf_hp_domain one_slot, d;
    lf_segqueue q, copy;
    memset(&q, 0xab, sizeof q);
    memcpy(&copy, &q, sizeof q);
    cr_assert_eq(lf_hp_domain_init(&one_slot, 1), LF_OK);
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    cr_assert_eq(lf_segqueue_init(NULL, &d, 4), LF_EINVAL);
    cr_assert_eq(lf_segqueue_init(&q, NULL, 4), LF_EINVAL);
    cr_assert_eq(lf_segqueue_init(&q, &one_slot, 4), LF_EINVAL);
    cr_assert_eq(lf_segqueue_init(&q, &d, 0), LF_EINVAL);
    cr_assert_eq(lf_segqueue_init(&q, &d, LF_SEGQUEUE_MAX_SEGMENT + 1), LF_EINVAL);
    cr_assert_eq(lf_segqueue_init(&q, &d, SIZE_MAX), LF_EINVAL);
    cr_assert_eq(memcmp(&q, &copy, sizeof q), 0, "a rejected init wrote to the queue");
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(segqueue, init_accepts_the_largest_segment)
{
    fixture f;
    fixture_init(&f, LF_SEGQUEUE_MAX_SEGMENT);
    cr_assert_eq(f.q.segment_capacity, LF_SEGQUEUE_MAX_SEGMENT);
    void *v;
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(5)), LF_OK);
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_eq(v, val(5));
    fixture_destroy(&f);
}

Test(segqueue, init_reports_enomem)
{
    lf_hp_domain d;
    lf_segqueue q;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    test_alloc_fail(true);
    cr_assert_eq(lf_segqueue_init(&q, &d, 4), LF_ENOMEM);
    /* the segment succeeds, its ring block does not */
    test_alloc_fail_after(1);
    cr_assert_eq(lf_segqueue_init(&q, &d, 4), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(segqueue, rounds_capacity_up)
{
    fixture f;
    fixture_init(&f, 3);
    cr_assert_eq(f.q.segment_capacity, 4);
    for (uintptr_t i = 0; i < 4; i++)
        cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(i)), LF_OK);
    cr_assert_eq(linked_segments(&f.q), 1, "4 values did not fit one segment of 3 -> 4");
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(4)), LF_OK);
    cr_assert_eq(linked_segments(&f.q), 2);
    for (uintptr_t i = 0; i < 5; i++) {
        void *v;
        cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, val(i));
    }
    fixture_destroy(&f);
}

Test(segqueue, starts_empty)
{
    fixture f;
    fixture_init(&f, 4);
    void *v = val(7);
    cr_assert(lf_segqueue_is_empty(&f.q, f.r));
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    cr_assert_eq(v, val(7), "LF_EMPTY wrote the out-value");
    fixture_destroy(&f);
}

/* FIFO through capacity-c segments: fill with count values, drain, check order and empty. */
static void fifo_through(size_t capacity, uintptr_t count)
{
    fixture f;
    fixture_init(&f, capacity);
    for (uintptr_t i = 0; i < count; i++) {
        cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(i)), LF_OK);
        cr_assert_not(lf_segqueue_is_empty(&f.q, f.r));
    }
    cr_assert_eq(linked_segments(&f.q), (count + capacity - 1) / capacity,
                 "capacity %zu: %zu segments for %lu values", capacity, linked_segments(&f.q),
                 (unsigned long)count);
    for (uintptr_t i = 0; i < count; i++) {
        void *v;
        cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, val(i), "capacity %zu: got %p, expected %lu", capacity, v,
                     (unsigned long)i);
    }
    void *v = val(99);
    cr_assert(lf_segqueue_is_empty(&f.q, f.r));
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    cr_assert_eq(v, val(99));
    cr_assert_eq(linked_segments(&f.q), 1, "drained segments still linked");
    fixture_destroy(&f);
}

Test(segqueue, fifo_across_segments_of_1)
{
    fifo_through(1, 1000);
}

Test(segqueue, fifo_across_segments_of_2)
{
    fifo_through(2, 1000);
}

Test(segqueue, fifo_across_segments_of_4)
{
    fifo_through(4, 1001);
}

Test(segqueue, null_values_are_values)
{
    fixture f;
    fixture_init(&f, 1);
    void *v = val(3);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, NULL), LF_OK);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, NULL), LF_OK);
    cr_assert_not(lf_segqueue_is_empty(&f.q, f.r));
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_null(v);
    v = val(3);
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_null(v);
    cr_assert(lf_segqueue_is_empty(&f.q, f.r));
    fixture_destroy(&f);
}

/* A queue that never holds more than a segment wraps inside it: no allocation. */
Test(segqueue, wraps_within_one_segment)
{
    fixture f;
    fixture_init(&f, 4);
    long calls = atomic_load(&test_alloc_calls);
    uintptr_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {
        for (int k = 0; k < 1 + round % 4; k++)
            cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(next_in++)), LF_OK);
        while (next_out < next_in) {
            void *v;
            cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
            cr_assert_eq(v, val(next_out++));
        }
        cr_assert(lf_segqueue_is_empty(&f.q, f.r));
    }
    cr_assert_eq(atomic_load(&test_alloc_calls), calls, "a queue of <= 4 values allocated");
    cr_assert_eq(linked_segments(&f.q), 1);
    fixture_destroy(&f);
}

/* Interleaved, crossing segments while values remain queued. */
Test(segqueue, interleaved_across_segments)
{
    fixture f;
    fixture_init(&f, 2);
    uintptr_t next_in = 0, next_out = 0;
    for (int round = 0; round < 500; round++) {
        for (int k = 0; k < 3; k++)
            cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(next_in++)), LF_OK);
        for (int k = 0; k < 2; k++) {
            void *v;
            cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
            cr_assert_eq(v, val(next_out++));
        }
    }
    while (next_out < next_in) {
        void *v;
        cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, val(next_out++));
    }
    cr_assert(lf_segqueue_is_empty(&f.q, f.r));
    fixture_destroy(&f);
}

Test(segqueue, calls_reject_bad_input)
{
    fixture f;
    fixture_init(&f, 2);
    lf_hp_domain other;
    cr_assert_eq(lf_hp_domain_init(&other, 2), LF_OK);
    lf_hp_rec *foreign = lf_hp_rec_acquire(&other);
    cr_assert_not_null(foreign);
    void *v = val(1);
    cr_assert_eq(lf_segqueue_enqueue(NULL, f.r, v), LF_EINVAL);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, NULL, v), LF_EINVAL);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, foreign, v), LF_EINVAL);
    cr_assert_eq(lf_segqueue_dequeue(NULL, f.r, &v), LF_EINVAL);
    cr_assert_eq(lf_segqueue_dequeue(&f.q, NULL, &v), LF_EINVAL);
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, NULL), LF_EINVAL);
    cr_assert_eq(lf_segqueue_dequeue(&f.q, foreign, &v), LF_EINVAL);
    cr_assert(lf_segqueue_is_empty(NULL, f.r));
    cr_assert(lf_segqueue_is_empty(&f.q, NULL));
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_EMPTY, "a rejected call enqueued");
    lf_segqueue_destroy(NULL);
    lf_hp_rec_release(foreign);
    lf_hp_domain_destroy(&other);
    fixture_destroy(&f);
}

/* A full tail segment and no memory: LF_ENOMEM, the value not enqueued, the rest intact. */
Test(segqueue, enqueue_reports_enomem_and_loses_nothing)
{
    fixture f;
    fixture_init(&f, 2);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(0)), LF_OK);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(1)), LF_OK);
    test_alloc_fail(true);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(2)), LF_ENOMEM);
    /* the new segment succeeds, its ring block does not */
    test_alloc_fail_after(1);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(3)), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(linked_segments(&f.q), 1);
    cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(4)), LF_OK);
    uintptr_t expect[] = {0, 1, 4};
    for (size_t i = 0; i < 3; i++) {
        void *v;
        cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(v, val(expect[i]), "got %p, expected %lu", v, (unsigned long)expect[i]);
    }
    void *v;
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_EMPTY);
    fixture_destroy(&f);
}

/* destroy frees segments still holding values (the fixture checks no allocation is left). */
Test(segqueue, destroy_frees_queued_segments)
{
    fixture f;
    fixture_init(&f, 2);
    for (uintptr_t i = 0; i < 25; i++)
        cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(i)), LF_OK);
    void *v;
    cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
    cr_assert_eq(linked_segments(&f.q), 13);
    fixture_destroy(&f);
}

/* Passed segments are retired and reclaimed: memory stays bounded however many pass. */
Test(segqueue, passed_segments_are_reclaimed)
{
    fixture f;
    fixture_init(&f, 1);
    long peak = 0;
    for (uintptr_t i = 0; i < 20000; i++) {
        cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(i)), LF_OK);
        cr_assert_eq(lf_segqueue_enqueue(&f.q, f.r, val(i)), LF_OK);
        void *v;
        cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
        cr_assert_eq(lf_segqueue_dequeue(&f.q, f.r, &v), LF_OK);
        long live = atomic_load(&test_alloc_live);
        if (live > peak)
            peak = live;
    }
    /* 2 segments live + retired ones up to the domain's bound, 2 allocations each, + record */
    size_t h = lf_hp_domain_hazards(&f.d);
    long bound = (long)(2 * (2 + lf_hp_scan_threshold(h) + h)) + 4;
    cr_assert_leq(peak, bound, "peak %ld live allocations, bound %ld", peak, bound);
    fixture_destroy(&f);
}

/* Two producers, two consumers, tiny segments: every value once, FIFO per producer. */
enum { MT_PER_PRODUCER = 20000 };

typedef struct mt_run {
    lf_hp_domain d;
    lf_segqueue q;
    _Atomic(unsigned) taken;
    _Atomic(unsigned char) seen[2][MT_PER_PRODUCER];
    _Atomic(bool) bad;
} mt_run;

static void mt_thread(void *arg, unsigned index)
{
    mt_run *m = (mt_run *)arg;
    lf_hp_rec *r = lf_hp_rec_acquire(&m->d);
    cr_assert_not_null(r);
    if (index < 2) {
        for (uintptr_t s = 0; s < MT_PER_PRODUCER; s++)
            if (lf_segqueue_enqueue(&m->q, r, val(index << 20 | s)) != LF_OK)
                atomic_store(&m->bad, true);
    } else {
        long last[2] = {-1, -1};
        while (atomic_load(&m->taken) < 2 * MT_PER_PRODUCER) {
            void *v;
            if (lf_segqueue_dequeue(&m->q, r, &v) != LF_OK)
                continue;
            atomic_fetch_add(&m->taken, 1);
            uintptr_t x = (uintptr_t)v, p = x >> 20, s = x & 0xFFFFF;
            if (p > 1 || s >= MT_PER_PRODUCER || (long)s <= last[p] ||
                atomic_exchange(&m->seen[p][s], 1) != 0)
                atomic_store(&m->bad, true);
            else
                last[p] = (long)s;
        }
    }
    lf_hp_rec_release(r);
}

Test(segqueue, two_producers_two_consumers)
{
    size_t caps[] = {1, 2, 4};
    for (size_t c = 0; c < 3; c++) {
        mt_run *m = (mt_run *)aligned_alloc(LF_CACHELINE, (sizeof(mt_run) + LF_CACHELINE - 1) /
                                                              LF_CACHELINE * LF_CACHELINE);
        cr_assert_not_null(m);
        memset((void *)m, 0, sizeof *m);
        cr_assert_eq(lf_hp_domain_init(&m->d, 2), LF_OK);
        cr_assert_eq(lf_segqueue_init(&m->q, &m->d, caps[c]), LF_OK);
        harness_run_threads(4, mt_thread, m);
        cr_assert_not(atomic_load(&m->bad), "capacity %zu: a value lost, duplicated or reordered",
                      caps[c]);
        for (unsigned p = 0; p < 2; p++)
            for (unsigned s = 0; s < MT_PER_PRODUCER; s++)
                cr_assert_eq(atomic_load(&m->seen[p][s]), 1);
        lf_hp_rec *r = lf_hp_rec_acquire(&m->d);
        cr_assert(lf_segqueue_is_empty(&m->q, r));
        lf_hp_rec_release(r);
        lf_segqueue_destroy(&m->q);
        lf_hp_domain_destroy(&m->d);
        free(m);
    }
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

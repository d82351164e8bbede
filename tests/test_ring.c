/* tests/test_ring.c - bounded MPMC ring, Nikolaev's SCQ (lfkit/ring.h). */
#include "test_alloc.h"

#include <stdatomic.h>
#include <stdbool.h>

/* A stress hook that parks one chosen thread at its first stress point, so a
 * test can hold an operation in the middle while others run. */
static _Thread_local bool ring_stall_me;
static atomic_bool ring_stalled, ring_release;
static void ring_stall_hook(void)
{
    if (!ring_stall_me)
        return;
    ring_stall_me = false;
    atomic_store(&ring_stalled, true);
    while (!atomic_load(&ring_release))
        ;
}
#define LF_STRESS_HOOK ring_stall_hook

#include <lfkit/ring.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

static void *val(uintptr_t i)
{
    return (void *)i;
}

static void ring_init_ok(lf_ring *r, size_t capacity)
{
    cr_assert_eq(lf_ring_init(r, capacity), LF_OK);
}

static void ring_destroy_checked(lf_ring *r)
{
    lf_ring_destroy(r);
    cr_assert_eq(atomic_load(&test_alloc_live), 0, "%ld allocations leaked",
                 atomic_load(&test_alloc_live));
}

Test(ring, layout)
{
    cr_assert_eq(_Alignof(lf_ring), LF_CACHELINE);
    cr_assert_eq(_Alignof(lf_ring_entry), 8);
    cr_assert_eq(sizeof(lf_ring_entry), 8);
    cr_assert_geq(offsetof(lf_ring_index, tail) - offsetof(lf_ring_index, head), LF_CACHELINE);
    cr_assert_geq(offsetof(lf_ring_index, threshold) - offsetof(lf_ring_index, tail),
                  LF_CACHELINE);
    cr_assert_geq(LF_RING_MAX_CAPACITY, (size_t)1 << 24);
}

Test(ring, init_rejects_bad_input)
{
    lf_ring r, copy;
    memset(&r, 0xab, sizeof r);
    memcpy(&copy, &r, sizeof r);
    cr_assert_eq(lf_ring_init(NULL, 4), LF_EINVAL);
    cr_assert_eq(lf_ring_init(&r, 0), LF_EINVAL);
    cr_assert_eq(lf_ring_init(&r, LF_RING_MAX_CAPACITY + 1), LF_EINVAL);
    cr_assert_eq(memcmp(&r, &copy, sizeof r), 0, "a rejected init wrote to the ring");
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(ring, init_reports_enomem)
{
    lf_ring r, copy;
    memset(&r, 0xab, sizeof r);
    memcpy(&copy, &r, sizeof r);
    test_alloc_fail(true);
    cr_assert_eq(lf_ring_init(&r, 64), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(memcmp(&r, &copy, sizeof r), 0, "a failed init wrote to the ring");
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
    ring_init_ok(&r, 64);
    cr_assert_eq(atomic_load(&test_alloc_live), 1, "init makes one allocation");
    ring_destroy_checked(&r);
}

Test(ring, capacity_rounds_up_to_a_power_of_two)
{
    static const size_t asked[] = {1, 2, 3, 4, 5, 17, 1000, 4096};
    static const size_t got[] = {1, 2, 4, 4, 8, 32, 1024, 4096};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        lf_ring r;
        ring_init_ok(&r, asked[i]);
        cr_assert_eq(lf_ring_capacity(&r), got[i], "capacity %zu", asked[i]);
        ring_destroy_checked(&r);
    }
}

Test(ring, bad_input_changes_nothing)
{
    lf_ring r;
    ring_init_ok(&r, 2);
    cr_assert_eq(lf_ring_enqueue(NULL, val(1)), LF_EINVAL);
    cr_assert_eq(lf_ring_enqueue(&r, val(1)), LF_OK);
    void *v = val(77);
    cr_assert_eq(lf_ring_dequeue(NULL, &v), LF_EINVAL);
    cr_assert_eq(lf_ring_dequeue(&r, NULL), LF_EINVAL);
    cr_assert_eq(v, val(77));
    cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
    cr_assert_eq(v, val(1));
    cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY, "a rejected call changed the ring");
    lf_ring_destroy(NULL);
    ring_destroy_checked(&r);
}

/* Fill to exactly capacity (the next enqueue is LF_FULL), drain in order
 * (the next dequeue is LF_EMPTY and leaves *value alone), several times. */
static void fill_and_drain(size_t asked)
{
    lf_ring r;
    ring_init_ok(&r, asked);
    size_t capacity = lf_ring_capacity(&r);
    uintptr_t next = 1;
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < capacity; i++)
            cr_assert_eq(lf_ring_enqueue(&r, val(next + i)), LF_OK, "cap %zu value %zu",
                         capacity, i);
        cr_assert_eq(lf_ring_enqueue(&r, val(999)), LF_FULL, "cap %zu: more than capacity fit",
                     capacity);
        cr_assert_eq(lf_ring_enqueue(&r, val(999)), LF_FULL);
        for (size_t i = 0; i < capacity; i++) {
            void *v;
            cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
            cr_assert_eq(v, val(next + i), "cap %zu: out of order", capacity);
        }
        void *v = val(55);
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY);
        cr_assert_eq(v, val(55), "LF_EMPTY wrote the out-value");
        next += capacity;
    }
    ring_destroy_checked(&r);
}

Test(ring, exact_capacity_fits)
{
    for (size_t c = 1; c <= 256; c *= 2)
        fill_and_drain(c);
    fill_and_drain(1000);
}

Test(ring, null_values)
{
    lf_ring r;
    ring_init_ok(&r, 4);
    for (int lap = 0; lap < 100; lap++) {
        cr_assert_eq(lf_ring_enqueue(&r, NULL), LF_OK);
        cr_assert_eq(lf_ring_enqueue(&r, val(3)), LF_OK);
        cr_assert_eq(lf_ring_enqueue(&r, NULL), LF_OK);
        void *v = val(1);
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
        cr_assert_null(v);
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
        cr_assert_eq(v, val(3));
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
        cr_assert_null(v);
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY);
    }
    ring_destroy_checked(&r);
}

/* Many laps with every fill level 1..capacity, and empty/full probes in
 * between (which drive the thresholds negative and tail's catch-up). */
static void wrap_around(size_t capacity)
{
    lf_ring r;
    ring_init_ok(&r, capacity);
    uintptr_t in = 0, out = 0;
    for (unsigned lap = 0; lap < 20000; lap++) {
        size_t fill = lap % capacity + 1;
        for (size_t i = 0; i < fill; i++)
            cr_assert_eq(lf_ring_enqueue(&r, val(in++)), LF_OK);
        if (fill == capacity)
            for (unsigned k = 0; k < lap % 7; k++)
                cr_assert_eq(lf_ring_enqueue(&r, val(0)), LF_FULL);
        for (size_t i = 0; i < fill; i++) {
            void *v;
            cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
            cr_assert_eq(v, val(out++), "cap %zu lap %u: out of order", capacity, lap);
        }
        for (unsigned k = 0; k < lap % 5; k++) {
            void *v;
            cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY);
        }
    }
    ring_destroy_checked(&r);
}

Test(ring, wraps_around_capacity_1)
{
    wrap_around(1);
}

Test(ring, wraps_around_capacity_2)
{
    wrap_around(2);
}

Test(ring, wraps_around_capacity_4)
{
    wrap_around(4);
}

Test(ring, many_empty_dequeues_then_values)
{
    lf_ring r;
    ring_init_ok(&r, 8);
    void *v;
    for (int i = 0; i < 100; i++)
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY);
    for (uintptr_t i = 0; i < 8; i++)
        cr_assert_eq(lf_ring_enqueue(&r, val(i)), LF_OK);
    for (uintptr_t i = 0; i < 8; i++) {
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
        cr_assert_eq(v, val(i));
    }
    ring_destroy_checked(&r);
}

/* Interleaved single operations keep FIFO order at every fill level. */
Test(ring, interleaved_operations)
{
    lf_ring r;
    ring_init_ok(&r, 8);
    uintptr_t in = 1, out = 1;
    for (int round = 0; round < 2000; round++) {
        for (int k = 0; k < round % 7 + 1; k++) {
            lf_status s = lf_ring_enqueue(&r, val(in));
            if (in - out == 8) {
                cr_assert_eq(s, LF_FULL);
            } else {
                cr_assert_eq(s, LF_OK);
                in++;
            }
        }
        for (int k = 0; k < round % 5 + 1; k++) {
            void *v;
            lf_status s = lf_ring_dequeue(&r, &v);
            if (in == out) {
                cr_assert_eq(s, LF_EMPTY);
            } else {
                cr_assert_eq(s, LF_OK);
                cr_assert_eq(v, val(out++));
            }
        }
    }
    ring_destroy_checked(&r);
}

/* ---- lock-freedom: an enqueue stalled in the middle stops nobody ------- */

typedef struct stall_arg {
    lf_ring *r;
    lf_status status;
    void *got; /* what a stalled dequeue returned */
} stall_arg;

static void *stalled_enqueue(void *p)
{
    stall_arg *a = (stall_arg *)p;
    ring_stall_me = true;
    a->status = lf_ring_enqueue(a->r, val(1000));
    return NULL;
}

Test(ring, stalled_enqueue_blocks_no_one, .timeout = 30)
{
    lf_ring r;
    ring_init_ok(&r, 4);
    stall_arg a = {&r, LF_EINVAL, NULL};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, stalled_enqueue, &a), 0);
    while (!atomic_load(&ring_stalled))
        ;
    /* the stalled enqueue holds one place: 3 values fit, then LF_FULL */
    void *v;
    cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY, "its value is not yet in the ring");
    for (uintptr_t i = 1; i <= 3; i++)
        cr_assert_eq(lf_ring_enqueue(&r, val(i)), LF_OK);
    cr_assert_eq(lf_ring_enqueue(&r, val(4)), LF_FULL,
                 "every place is held by a value or by the stalled enqueue");
    for (uintptr_t i = 1; i <= 3; i++) {
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
        cr_assert_eq(v, val(i));
    }
    cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY);
    atomic_store(&ring_release, true);
    pthread_join(t, NULL);
    cr_assert_eq(a.status, LF_OK);
    cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
    cr_assert_eq(v, val(1000), "the resumed enqueue's value arrives");
    cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY);
    ring_destroy_checked(&r);
}

static void *stalled_dequeue(void *p)
{
    stall_arg *a = (stall_arg *)p;
    ring_stall_me = true;
    a->status = lf_ring_dequeue(a->r, &a->got);
    return NULL;
}

/* A dequeue stalled in the middle holds its place too: LF_FULL counts it. */
Test(ring, stalled_dequeue_holds_its_place, .timeout = 30)
{
    lf_ring r;
    ring_init_ok(&r, 4);
    cr_assert_eq(lf_ring_enqueue(&r, val(1)), LF_OK);
    stall_arg a = {&r, LF_EINVAL, NULL};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, stalled_dequeue, &a), 0);
    while (!atomic_load(&ring_stalled))
        ;
    for (uintptr_t i = 2; i <= 4; i++)
        cr_assert_eq(lf_ring_enqueue(&r, val(i)), LF_OK);
    cr_assert_eq(lf_ring_enqueue(&r, val(5)), LF_FULL,
                 "three values and the stalled dequeue hold all four places");
    void *v;
    for (uintptr_t i = 2; i <= 4; i++) {
        cr_assert_eq(lf_ring_dequeue(&r, &v), LF_OK);
        cr_assert_eq(v, val(i), "the stalled dequeue owns value 1; the rest stay in order");
    }
    cr_assert_eq(lf_ring_dequeue(&r, &v), LF_EMPTY);
    atomic_store(&ring_release, true);
    pthread_join(t, NULL);
    cr_assert_eq(a.status, LF_OK);
    cr_assert_eq(a.got, val(1));
    for (uintptr_t i = 6; i <= 9; i++)
        cr_assert_eq(lf_ring_enqueue(&r, val(i)), LF_OK, "its place came back");
    ring_destroy_checked(&r);
}

/* ---- a small concurrent smoke test (the stress runner does the rest) -- */

enum { PAIRS_THREADS = 4, PAIRS_EACH = 20000 };

typedef struct pairs_run {
    lf_ring r;
    atomic_uint_fast64_t sum_in, sum_out;
    atomic_int failures;
} pairs_run;

static void pairs_worker(void *arg, unsigned index)
{
    pairs_run *p = (pairs_run *)arg;
    uint64_t in = 0, out = 0;
    for (uintptr_t i = 0; i < PAIRS_EACH; i++) {
        uintptr_t x = (uintptr_t)index << 24 | (i + 1);
        if (lf_ring_enqueue(&p->r, val(x)) != LF_OK)
            atomic_fetch_add(&p->failures, 1);
        in += x;
        void *v = NULL;
        if (lf_ring_dequeue(&p->r, &v) != LF_OK)
            atomic_fetch_add(&p->failures, 1);
        out += (uintptr_t)v;
    }
    atomic_fetch_add(&p->sum_in, in);
    atomic_fetch_add(&p->sum_out, out);
}

Test(ring, concurrent_pairs_conserve_values, .timeout = 60)
{
    pairs_run *p = (pairs_run *)harness_alloc(_Alignof(pairs_run), sizeof *p);
    ring_init_ok(&p->r, PAIRS_THREADS);
    harness_run_threads(PAIRS_THREADS, pairs_worker, p);
    cr_assert_eq(atomic_load(&p->failures), 0,
                 "an enqueue was full or a dequeue empty with fewer values than places");
    cr_assert_eq(atomic_load(&p->sum_in), atomic_load(&p->sum_out));
    void *v;
    cr_assert_eq(lf_ring_dequeue(&p->r, &v), LF_EMPTY);
    ring_destroy_checked(&p->r);
    free(p);
}

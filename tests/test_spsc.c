/* tests/test_spsc.c - bounded SPSC ring with bulk operations (lfkit/spsc.h). */
#include "test_alloc.h"

#include <lfkit/spsc.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

static void *val(uintptr_t i)
{
    return (void *)i;
}

static void spsc_destroy_checked(lf_spsc *q)
{
    lf_spsc_destroy(q);
    cr_assert_eq(atomic_load(&test_alloc_live), 0, "%ld allocations leaked",
                 atomic_load(&test_alloc_live));
}

Test(spsc, layout)
{
    cr_assert_eq(_Alignof(lf_spsc), LF_CACHELINE);
    cr_assert_geq(offsetof(lf_spsc, head) - offsetof(lf_spsc, tail), LF_CACHELINE);
    cr_assert_geq(offsetof(lf_spsc, slots) - offsetof(lf_spsc, head), LF_CACHELINE);
    cr_assert_geq(LF_SPSC_MAX_CAPACITY, (size_t)1 << 24);
}

Test(spsc, init_rejects_bad_input)
{
    lf_spsc q, copy;
    memset(&q, 0xab, sizeof q);
    memcpy(&copy, &q, sizeof q);
    cr_assert_eq(lf_spsc_init(NULL, 4), LF_EINVAL);
    cr_assert_eq(lf_spsc_init(&q, 0), LF_EINVAL);
    cr_assert_eq(lf_spsc_init(&q, LF_SPSC_MAX_CAPACITY + 1), LF_EINVAL);
    cr_assert_eq(memcmp(&q, &copy, sizeof q), 0, "a rejected init wrote to the ring");
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(spsc, init_reports_enomem)
{
    lf_spsc q, copy;
    memset(&q, 0xab, sizeof q);
    memcpy(&copy, &q, sizeof q);
    test_alloc_fail(true);
    cr_assert_eq(lf_spsc_init(&q, 16), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(memcmp(&q, &copy, sizeof q), 0, "a failed init wrote to the ring");
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(spsc, capacity_rounds_up_to_a_power_of_two)
{
    static const size_t asked[] = {1, 2, 3, 5, 100, 1024};
    static const size_t got[] = {1, 2, 4, 8, 128, 1024};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        lf_spsc q;
        cr_assert_eq(lf_spsc_init(&q, asked[i]), LF_OK);
        cr_assert_eq(lf_spsc_capacity(&q), got[i]);
        spsc_destroy_checked(&q);
    }
}

Test(spsc, bad_input_changes_nothing)
{
    lf_spsc q;
    cr_assert_eq(lf_spsc_init(&q, 4), LF_OK);
    void *v = val(9);
    void *arr[2] = {val(1), val(2)};
    cr_assert_eq(lf_spsc_push(NULL, val(1)), LF_EINVAL);
    cr_assert_eq(lf_spsc_pop(NULL, &v), LF_EINVAL);
    cr_assert_eq(lf_spsc_push(&q, val(1)), LF_OK);
    cr_assert_eq(lf_spsc_pop(&q, NULL), LF_EINVAL);
    cr_assert_eq(lf_spsc_push_bulk(&q, NULL, 3), 0);
    cr_assert_eq(lf_spsc_push_bulk(NULL, arr, 2), 0);
    cr_assert_eq(lf_spsc_pop_bulk(&q, NULL, 3), 0);
    cr_assert_eq(lf_spsc_pop_bulk(NULL, arr, 2), 0);
    cr_assert_eq(lf_spsc_push_bulk(&q, arr, 0), 0);
    cr_assert_eq(lf_spsc_pop_bulk(&q, arr, 0), 0);
    cr_assert_eq(arr[0], val(1), "a rejected pop_bulk wrote the array");
    cr_assert_eq(lf_spsc_pop(&q, &v), LF_OK);
    cr_assert_eq(v, val(1));
    cr_assert_eq(lf_spsc_pop(&q, &v), LF_EMPTY, "a rejected call changed the ring");
    lf_spsc_destroy(NULL);
    spsc_destroy_checked(&q);
}

static void spsc_fill_and_drain(size_t capacity)
{
    lf_spsc q;
    cr_assert_eq(lf_spsc_init(&q, capacity), LF_OK);
    uintptr_t next = 1;
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < capacity; i++)
            cr_assert_eq(lf_spsc_push(&q, i % 2 ? NULL : val(next + i)), LF_OK);
        cr_assert_eq(lf_spsc_push(&q, val(999)), LF_FULL, "cap %zu: more than capacity fit",
                     capacity);
        for (size_t i = 0; i < capacity; i++) {
            void *v;
            cr_assert_eq(lf_spsc_pop(&q, &v), LF_OK);
            cr_assert_eq(v, i % 2 ? NULL : val(next + i));
        }
        void *v = val(55);
        cr_assert_eq(lf_spsc_pop(&q, &v), LF_EMPTY);
        cr_assert_eq(v, val(55), "LF_EMPTY wrote the out-value");
        next += capacity;
    }
    spsc_destroy_checked(&q);
}

Test(spsc, exact_capacity_fits)
{
    for (size_t c = 1; c <= 1024; c *= 2)
        spsc_fill_and_drain(c);
}

static void spsc_wrap_around(size_t capacity)
{
    lf_spsc q;
    cr_assert_eq(lf_spsc_init(&q, capacity), LF_OK);
    uintptr_t in = 0, out = 0;
    for (unsigned lap = 0; lap < 20000; lap++) {
        size_t fill = lap % capacity + 1;
        for (size_t i = 0; i < fill; i++)
            cr_assert_eq(lf_spsc_push(&q, val(in++)), LF_OK);
        if (fill == capacity)
            cr_assert_eq(lf_spsc_push(&q, val(0)), LF_FULL);
        for (size_t i = 0; i < fill; i++) {
            void *v;
            cr_assert_eq(lf_spsc_pop(&q, &v), LF_OK);
            cr_assert_eq(v, val(out++), "cap %zu lap %u: out of order", capacity, lap);
        }
        void *v;
        cr_assert_eq(lf_spsc_pop(&q, &v), LF_EMPTY);
    }
    spsc_destroy_checked(&q);
}

Test(spsc, wraps_around_capacity_1)
{
    spsc_wrap_around(1);
}

Test(spsc, wraps_around_capacity_2)
{
    spsc_wrap_around(2);
}

Test(spsc, wraps_around_capacity_4)
{
    spsc_wrap_around(4);
}

/* The free-running indices may wrap around SIZE_MAX. */
Test(spsc, indices_wrap_around_size_t)
{
    lf_spsc q;
    cr_assert_eq(lf_spsc_init(&q, 4), LF_OK);
    size_t start = (size_t)-3;
    atomic_store(&q.tail, start);
    atomic_store(&q.head, start);
    q.head_seen = q.tail_seen = start;
    uintptr_t in = 0, out = 0;
    for (int lap = 0; lap < 10; lap++) {
        while (lf_spsc_push(&q, val(in)) == LF_OK)
            in++;
        cr_assert_eq(in - out, 4, "exactly capacity fit across the wrap");
        void *v;
        while (lf_spsc_pop(&q, &v) == LF_OK)
            cr_assert_eq(v, val(out++));
        cr_assert_eq(in, out);
    }
    spsc_destroy_checked(&q);
}

Test(spsc, bulk_push_is_partial_when_nearly_full)
{
    lf_spsc q;
    cr_assert_eq(lf_spsc_init(&q, 4), LF_OK);
    void *in[6] = {val(1), val(2), val(3), val(4), val(5), val(6)};
    void *out[6] = {0};
    cr_assert_eq(lf_spsc_push_bulk(&q, in, 3), 3);
    cr_assert_eq(lf_spsc_push_bulk(&q, in + 3, 3), 1, "only one place was left");
    cr_assert_eq(lf_spsc_push_bulk(&q, in + 4, 2), 0);
    cr_assert_eq(lf_spsc_push(&q, val(9)), LF_FULL);
    cr_assert_eq(lf_spsc_pop_bulk(&q, out, 2), 2);
    cr_assert_eq(out[0], val(1));
    cr_assert_eq(out[1], val(2));
    cr_assert_eq(lf_spsc_push_bulk(&q, in + 4, 2), 2, "the freed places are reused");
    cr_assert_eq(lf_spsc_pop_bulk(&q, out, 6), 4, "pop_bulk takes what is there");
    cr_assert_eq(out[0], val(3));
    cr_assert_eq(out[1], val(4));
    cr_assert_eq(out[2], val(5));
    cr_assert_eq(out[3], val(6));
    cr_assert_eq(lf_spsc_pop_bulk(&q, out, 6), 0);
    spsc_destroy_checked(&q);
}

/* Batches of every size 1..9 through capacity 8, crossing the wrap point. */
Test(spsc, bulk_batches_wrap_around)
{
    lf_spsc q;
    cr_assert_eq(lf_spsc_init(&q, 8), LF_OK);
    uintptr_t in = 0, out = 0;
    for (unsigned round = 0; round < 5000; round++) {
        void *batch[9];
        size_t want = round % 9 + 1;
        for (size_t i = 0; i < want; i++)
            batch[i] = val(in + i);
        size_t pushed = lf_spsc_push_bulk(&q, batch, want);
        cr_assert_eq(pushed, want < 8 - (in - out) ? want : 8 - (in - out));
        in += pushed;
        size_t take = (round * 7) % 9 + 1;
        void *got[9];
        size_t popped = lf_spsc_pop_bulk(&q, got, take);
        cr_assert_eq(popped, take < in - out ? take : in - out);
        for (size_t i = 0; i < popped; i++)
            cr_assert_eq(got[i], val(out++));
    }
    spsc_destroy_checked(&q);
}

/* ---- one producer, one consumer, mixing single and bulk calls ---------- */

enum { SPSC_VALUES = 200000 };

static void spsc_pair(void *arg, unsigned index)
{
    lf_spsc *q = (lf_spsc *)arg;
    if (index == 0) {
        uintptr_t next = 1;
        while (next <= SPSC_VALUES) {
            if (next % 3 == 0) {
                void *batch[5];
                size_t n = 0;
                for (; n < 5 && next + n <= SPSC_VALUES; n++)
                    batch[n] = val(next + n);
                next += lf_spsc_push_bulk(q, batch, n);
            } else if (lf_spsc_push(q, val(next)) == LF_OK) {
                next++;
            }
        }
    } else {
        uintptr_t expect = 1;
        int bad = 0;
        while (expect <= SPSC_VALUES && !bad) {
            void *got[7];
            size_t n = lf_spsc_pop_bulk(q, got, expect % 2 ? 7 : 1);
            for (size_t i = 0; i < n; i++)
                bad |= got[i] != val(expect++);
        }
        cr_assert_not(bad, "a value arrived out of order");
    }
}

Test(spsc, producer_and_consumer_threads, .timeout = 60)
{
    lf_spsc *q = (lf_spsc *)harness_alloc(_Alignof(lf_spsc), sizeof *q);
    cr_assert_eq(lf_spsc_init(q, 16), LF_OK);
    harness_run_threads(2, spsc_pair, q);
    void *v;
    cr_assert_eq(lf_spsc_pop(q, &v), LF_EMPTY);
    spsc_destroy_checked(q);
    free(q);
}

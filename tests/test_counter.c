/* Unit tests: lfkit/counter.h */
#include <lfkit/counter.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

#include <stdalign.h>

Test(counter, static_init_and_load)
{
    lf_counter c = LF_COUNTER_INIT(42);
    cr_assert_eq(lf_counter_load(&c), 42);
}

Test(counter, fetch_add_returns_previous)
{
    lf_counter c;
    lf_counter_init(&c, 10);
    cr_assert_eq(lf_counter_fetch_add(&c, 5), 10);
    cr_assert_eq(lf_counter_fetch_add(&c, 0), 15);
    cr_assert_eq(lf_counter_load(&c), 15);
}

Test(counter, cas_add_returns_previous)
{
    lf_counter c;
    lf_counter_init(&c, 7);
    cr_assert_eq(lf_counter_cas_add(&c, 3), 7);
    cr_assert_eq(lf_counter_load(&c), 10);
}

Test(counter, add_wraps_modulo_2_64)
{
    lf_counter c;
    lf_counter_init(&c, UINT64_MAX);
    cr_assert_eq(lf_counter_fetch_add(&c, 2), UINT64_MAX);
    cr_assert_eq(lf_counter_load(&c), 1);
    cr_assert_eq(lf_counter_cas_add(&c, UINT64_MAX), 1);
    cr_assert_eq(lf_counter_load(&c), 0);
}

Test(counter, cas_success_and_failure_updates_expected)
{
    lf_counter c;
    lf_counter_init(&c, 1);
    uint64_t expected = 1;
    cr_assert(lf_counter_cas(&c, &expected, 2));
    cr_assert_eq(expected, 1, "success leaves expected alone");
    cr_assert_eq(lf_counter_load(&c), 2);
    expected = 99;
    cr_assert_not(lf_counter_cas(&c, &expected, 3));
    cr_assert_eq(expected, 2, "failure writes the current value to expected");
    cr_assert_eq(lf_counter_load(&c), 2, "failure changes nothing");
}

Test(padded_counter, size_and_alignment_are_one_cache_line)
{
    cr_assert_eq(sizeof(lf_padded_counter), LF_CACHELINE);
    cr_assert_eq(alignof(lf_padded_counter), LF_CACHELINE);
    lf_padded_counter pair[2];
    cr_assert_eq((uintptr_t)&pair[0] % LF_CACHELINE, 0);
    cr_assert_eq((char *)&pair[1] - (char *)&pair[0], LF_CACHELINE);
}

Test(padded_counter, fetch_add_and_load)
{
    lf_padded_counter c;
    lf_padded_counter_init(&c, 3);
    cr_assert_eq(lf_padded_counter_fetch_add(&c, 4), 3);
    cr_assert_eq(lf_padded_counter_load(&c), 7);
}

Test(sharded_counter, bad_input_is_einval)
{
    lf_sharded_counter c;
    cr_assert_eq(lf_sharded_counter_init(NULL, 4), LF_EINVAL);
    cr_assert_eq(lf_sharded_counter_init(&c, 0), LF_EINVAL);
}

Test(sharded_counter, shard_index_taken_modulo)
{
    lf_sharded_counter c = {NULL, 0};
    cr_assert_eq(lf_sharded_counter_init(&c, 3), LF_OK);
    cr_assert_eq(lf_sharded_counter_sum(&c), 0);
    lf_sharded_counter_add(&c, 0, 1);
    lf_sharded_counter_add(&c, 4, 10);   /* shard 1 */
    lf_sharded_counter_add(&c, 302, 100); /* shard 2 */
    cr_assert_eq(lf_sharded_counter_sum(&c), 111);
    cr_assert_eq(lf_padded_counter_load(&c.slots[1]), 10);
    cr_assert_eq(lf_padded_counter_load(&c.slots[2]), 100);
    lf_sharded_counter_destroy(&c);
}

Test(sharded_counter, add_owned_adds_to_its_slot_without_rmw)
{
    lf_sharded_counter c = {NULL, 0};
    cr_assert_eq(lf_sharded_counter_init(&c, 2), LF_OK);
    lf_sharded_counter_add_owned(&c, 0, 5);
    lf_sharded_counter_add_owned(&c, 3, 7); /* shard 1 */
    lf_sharded_counter_add(&c, 0, 1);      /* the same slot after a hand-back is fine */
    lf_sharded_counter_add_owned(&c, 1, UINT64_MAX); /* wraps modulo 2^64, as fetch_add does */
    cr_assert_eq(lf_padded_counter_load(&c.slots[0]), 6);
    cr_assert_eq(lf_padded_counter_load(&c.slots[1]), 6);
    cr_assert_eq(lf_sharded_counter_sum(&c), 12);
    lf_sharded_counter_destroy(&c);
}

Test(sharded_counter, shard_maps_like_add_and_takes_owned_adds)
{
    lf_sharded_counter c = {NULL, 0};
    cr_assert_eq(lf_sharded_counter_init(&c, 3), LF_OK);
    cr_assert_eq(lf_sharded_counter_shard(&c, 1), &c.slots[1]);
    cr_assert_eq(lf_sharded_counter_shard(&c, 7), &c.slots[1]); /* 7 mod 3 */
    lf_padded_counter *mine = lf_sharded_counter_shard(&c, 2);
    for (int i = 0; i < 1000; i++)
        lf_padded_counter_add_owned(mine, 2);
    lf_sharded_counter_add(&c, 5, 1); /* shard 2 again, after the owner is done */
    cr_assert_eq(lf_padded_counter_load(mine), 2001);
    cr_assert_eq(lf_sharded_counter_sum(&c), 2001);
    lf_sharded_counter_destroy(&c);
}

Test(sharded_counter, slots_are_cache_line_aligned)
{
    lf_sharded_counter c = {NULL, 0};
    cr_assert_eq(lf_sharded_counter_init(&c, 5), LF_OK);
    for (unsigned i = 0; i < 5; i++)
        cr_assert_eq((uintptr_t)&c.slots[i] % LF_CACHELINE, 0);
    lf_sharded_counter_destroy(&c);
}

enum { ADDS_PER_THREAD = 100000, THREADS = 4 };

typedef struct counters {
    lf_counter plain;
    lf_counter cas;
    lf_counter user_cas;
    lf_padded_counter padded;
    lf_sharded_counter sharded;
} counters;

static void add_all(void *arg, unsigned index)
{
    counters *c = (counters *)arg;
    for (unsigned i = 0; i < ADDS_PER_THREAD; i++) {
        lf_counter_fetch_add(&c->plain, 1);
        lf_counter_cas_add(&c->cas, 2);
        uint64_t seen = lf_counter_load(&c->user_cas);
        while (!lf_counter_cas(&c->user_cas, &seen, seen + 3))
            ;
        lf_padded_counter_fetch_add(&c->padded, 1);
        lf_sharded_counter_add(&c->sharded, index, 1);
    }
}

Test(counter, concurrent_totals_are_exact, .timeout = 60)
{
    counters *c = (counters *)harness_alloc(LF_CACHELINE, sizeof *c);
    lf_counter_init(&c->plain, 0);
    lf_counter_init(&c->cas, 0);
    lf_counter_init(&c->user_cas, 0);
    lf_padded_counter_init(&c->padded, 0);
    cr_assert_eq(lf_sharded_counter_init(&c->sharded, THREADS), LF_OK);
    harness_run_threads(THREADS, add_all, c);
    uint64_t n = (uint64_t)THREADS * ADDS_PER_THREAD;
    cr_assert_eq(lf_counter_load(&c->plain), n);
    cr_assert_eq(lf_counter_load(&c->cas), 2 * n);
    cr_assert_eq(lf_counter_load(&c->user_cas), 3 * n);
    cr_assert_eq(lf_padded_counter_load(&c->padded), n);
    cr_assert_eq(lf_sharded_counter_sum(&c->sharded), n);
    for (unsigned i = 0; i < THREADS; i++)
        cr_assert_eq(lf_padded_counter_load(&c->sharded.slots[i]), ADDS_PER_THREAD);
    lf_sharded_counter_destroy(&c->sharded);
    free(c);
}

/*
 * Unit tests: lfkit/tagged.h, run in the DWCAS (x86-64: 64-bit tag) and
 * -DLF_NO_DWCAS (x86-64: 47-bit pointer, 17-bit tag) builds.  The
 * single-thread probes are shared with the `tagged_probe` stress scenario,
 * which runs them on every target of `make cross-stress`; tagged_probe.h
 * states the tag width per target.
 */
#include "tagged_probe.h"
#include <criterion/criterion.h>
#include "../harness/harness.h"

static int a, b, c;

Test(tagged, init_sets_pointer_and_zero_tag)
{
    lf_atomic_tagged t;
    lf_tagged_init(&t, &a);
    lf_tagged v = lf_tagged_load(&t);
    cr_assert_eq(v.ptr, &a);
    cr_assert_eq(v.tag, 0);
}

Test(tagged, cas_success_increments_tag)
{
    lf_atomic_tagged t;
    lf_tagged_init(&t, &a);
    lf_tagged e = lf_tagged_load(&t);
    cr_assert(lf_tagged_cas(&t, &e, &b));
    lf_tagged v = lf_tagged_load(&t);
    cr_assert_eq(v.ptr, &b);
    cr_assert_eq(v.tag, 1);
    e = v;
    cr_assert(lf_tagged_cas(&t, &e, &b), "same pointer, still a new version");
    cr_assert_eq(lf_tagged_load(&t).tag, 2);
}

Test(tagged, cas_fails_on_stale_tag_and_reports_current)
{
    lf_atomic_tagged t;
    lf_tagged_init(&t, &a);
    lf_tagged stale = lf_tagged_load(&t);
    lf_tagged e = stale;
    cr_assert(lf_tagged_cas(&t, &e, &b)); /* a -> b */
    e = lf_tagged_load(&t);
    cr_assert(lf_tagged_cas(&t, &e, &a)); /* b -> a: the pointer is back (ABA) */
    cr_assert_not(lf_tagged_cas(&t, &stale, &c), "same pointer, old tag: must fail");
    cr_assert_eq(stale.ptr, &a, "failure reports the current pointer");
    cr_assert_eq(stale.tag, 2, "failure reports the current tag");
    lf_tagged v = lf_tagged_load(&t);
    cr_assert_eq(v.ptr, &a, "a failed CAS changes nothing");
    cr_assert_eq(v.tag, 2);
}

Test(tagged, cas_fails_on_other_pointer)
{
    lf_atomic_tagged t;
    lf_tagged_init(&t, &a);
    lf_tagged e;
    e.ptr = &b;
    e.tag = 0;
    cr_assert_not(lf_tagged_cas(&t, &e, &c));
    cr_assert_eq(e.ptr, &a);
    cr_assert_eq(e.tag, 0);
}

Test(tagged, null_pointer_round_trips)
{
    lf_atomic_tagged t;
    lf_tagged_init(&t, NULL);
    lf_tagged e = lf_tagged_load(&t);
    cr_assert_null(e.ptr);
    cr_assert(lf_tagged_cas(&t, &e, &a));
    e = lf_tagged_load(&t);
    cr_assert(lf_tagged_cas(&t, &e, NULL));
    cr_assert_null(lf_tagged_load(&t).ptr);
    cr_assert_eq(lf_tagged_load(&t).tag, 2);
}

Test(tagged, detach_takes_pointer_keeps_tag)
{
    lf_atomic_tagged t;
    lf_tagged_init(&t, &a);
    lf_tagged e = lf_tagged_load(&t);
    cr_assert(lf_tagged_cas(&t, &e, &b));
    cr_assert_eq(lf_tagged_detach(&t), &b);
    lf_tagged v = lf_tagged_load(&t);
    cr_assert_null(v.ptr);
    cr_assert_eq(v.tag, 1);
    cr_assert_null(lf_tagged_detach(&t));
}

Test(tagged, representation_is_as_the_table_says)
{
    const char *why = tagged_probe_representation();
    cr_assert_null(why, "%s", why);
    cr_log_info("tagged: %s, %d-bit tag", TAGGED_EXPECT_TARGET, (int)LF_TAGGED_TAG_BITS);
}

Test(tagged, tag_wraps_inside_its_field)
{
    const char *why = tagged_probe_wrap();
    cr_assert_null(why, "%s", why);
}

Test(tagged, real_allocations_fit_and_round_trip)
{
    const char *why = tagged_probe_allocations();
    cr_assert_null(why, "%s", why);
}

Test(tagged, fits_is_exact_for_constructed_pointers)
{
    unsigned fitting;
    const char *why = tagged_probe_constructed(&fitting);
    cr_assert_null(why, "%s", why);
    cr_assert(fitting > 0);
}

/* The ABA probe at k = 1, 4, 8, 15, 16, 17, 20: the stale CAS fails iff the tag has more than k bits. */
Test(tagged, aba_probe_fails_the_stale_cas_below_the_tag_width, .timeout = 60)
{
    static const unsigned ks[] = {1, 4, 8, 15, 16, 17, 20};
    for (unsigned i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        const char *why = tagged_probe_aba(ks[i]);
        cr_assert_null(why, "%s", why);
    }
}

#if LF_TAGGED_TAG_BITS <= 20
Test(tagged, packed_tag_wraps_modulo_its_width)
{
    lf_atomic_tagged t;
    lf_tagged_init(&t, &a);
    lf_tagged e = lf_tagged_load(&t);
    for (uint64_t i = 0; i <= LF_TAGGED_TAG_MASK; i++) {
        cr_assert(lf_tagged_cas(&t, &e, &a));
        e = lf_tagged_load(&t);
    }
    cr_assert_eq(e.tag, 0, "after 2^bits successes the tag is back to 0");
    cr_assert_eq(e.ptr, &a);
}
#endif

enum { SWINGS = 20000, THREADS = 4 };

typedef struct swing {
    lf_atomic_tagged word;
} swing;

/* Each thread makes exactly SWINGS successful CASes (retrying failures). */
static void swing_worker(void *arg, unsigned index)
{
    (void)index;
    swing *s = (swing *)arg;
    for (unsigned i = 0; i < SWINGS; i++) {
        lf_tagged e = lf_tagged_load(&s->word);
        while (!lf_tagged_cas(&s->word, &e, (i & 1) ? (void *)&a : (void *)&b))
            ;
    }
}

Test(tagged, concurrent_tag_counts_every_success, .timeout = 60)
{
    swing *s = (swing *)harness_alloc(64, sizeof *s);
    lf_tagged_init(&s->word, &a);
    harness_run_threads(THREADS, swing_worker, s);
    uint64_t successes = (uint64_t)THREADS * SWINGS;
    lf_tagged end = lf_tagged_load(&s->word);
    cr_assert_eq(end.tag, successes & LF_TAGGED_TAG_MASK, "tag %llu after %llu successful CASes (modulo 2^%d)",
                 (unsigned long long)end.tag, (unsigned long long)successes, (int)LF_TAGGED_TAG_BITS);
    cr_assert(end.ptr == (void *)&a || end.ptr == (void *)&b, "a CAS installed a foreign pointer");
    free(s);
}

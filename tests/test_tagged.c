/* Unit tests: lfkit/tagged.h (run in both DWCAS and -DLF_NO_DWCAS builds). */
#include <lfkit/tagged.h>

#include "test_util.h"

#include <stdalign.h>

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

Test(tagged, layout)
{
#if LF_HAS_DWCAS
    cr_assert_eq(sizeof(lf_atomic_tagged), 2 * sizeof(void *));
    cr_assert_eq(alignof(lf_atomic_tagged), 2 * sizeof(void *));
#else
    cr_assert_eq(sizeof(lf_atomic_tagged), 8);
#endif
}

#if !LF_HAS_DWCAS
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
    swing *s = (swing *)test_aligned_calloc(64, sizeof *s);
    lf_tagged_init(&s->word, &a);
    test_run_threads(THREADS, swing_worker, s);
    uint64_t successes = (uint64_t)THREADS * SWINGS;
    lf_tagged end = lf_tagged_load(&s->word);
#if LF_HAS_DWCAS
    cr_assert_eq(end.tag, successes, "tag %lu after %lu successful CASes", (unsigned long)end.tag,
                 (unsigned long)successes);
#else
    cr_assert_eq(end.tag, successes & LF_TAGGED_TAG_MASK, "the packed tag counts modulo its width");
#endif
    cr_assert(end.ptr == (void *)&a || end.ptr == (void *)&b, "a CAS installed a foreign pointer");
    free(s);
}

/* Unit tests: allocation failure in lfkit/counter.h (via test_alloc.h). */
#include "test_alloc.h"

#include <lfkit/counter.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

Test(sharded_counter, enomem_leaves_counter_untouched)
{
    lf_sharded_counter c;
    c.slots = NULL;
    c.nshards = 77;
    test_alloc_fail(true);
    cr_assert_eq(lf_sharded_counter_init(&c, 4), LF_ENOMEM);
    cr_assert_eq(c.nshards, 77, "a failed init must not touch the object");
    test_alloc_fail(false);
    cr_assert_eq(lf_sharded_counter_init(&c, 4), LF_OK);
    cr_assert_eq(atomic_load(&test_alloc_live), 1);
    lf_sharded_counter_destroy(&c);
    cr_assert_eq(atomic_load(&test_alloc_live), 0, "destroy frees what init allocated");
}

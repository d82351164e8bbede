/*
 * A Criterion test that leaks one block on purpose.  `make unit` runs it
 * through the same leak check as the ASan unit binary and requires that
 * check to fail: proof that a leak in a test is caught, not only the
 * absence of reports.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

static void *volatile leak_probe_block;

Test(leak_probe, leaks_one_block)
{
    leak_probe_block = malloc(48);
    cr_assert_not_null(leak_probe_block);
    leak_probe_block = NULL; /* the only reference is gone: a direct leak */
}

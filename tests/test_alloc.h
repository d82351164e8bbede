/*
 * tests/test_alloc.h - a counting allocator with failure injection for
 * lfkit's allocation hooks (LF_MALLOC, LF_ALIGNED_ALLOC, LF_FREE; see
 * platform.h).  Include it before any lfkit header.  Its counters are
 * static, so each test file has its own, and Criterion runs each test in
 * its own process, so every test starts from zero.
 */
#ifndef LFKIT_TEST_ALLOC_H
#define LFKIT_TEST_ALLOC_H

#ifdef LF_MALLOC
#error "include test_alloc.h before any lfkit header"
#endif

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

static atomic_long test_alloc_live;   /* allocations not yet freed */
static atomic_long test_alloc_calls;  /* successful allocations so far */
static atomic_bool test_alloc_failing; /* true: every allocation fails */
static atomic_long test_alloc_budget;  /* > 0: successes left + 1 before failing starts */

/* Should this allocation fail?  Counts down test_alloc_fail_after's budget. */
static inline bool test_alloc_denied(void)
{
    long left = atomic_load(&test_alloc_budget);
    while (left > 0) {
        if (atomic_compare_exchange_weak(&test_alloc_budget, &left, left - 1)) {
            if (left == 1)
                atomic_store(&test_alloc_failing, true);
            break;
        }
    }
    return atomic_load(&test_alloc_failing);
}

static inline void *test_alloc_track(void *p)
{
    if (p != NULL) {
        atomic_fetch_add(&test_alloc_live, 1);
        atomic_fetch_add(&test_alloc_calls, 1);
    }
    return p;
}

static inline void *test_malloc(size_t size)
{
    return test_alloc_denied() ? NULL : test_alloc_track(malloc(size));
}

static inline void *test_aligned_alloc(size_t align, size_t size)
{
    return test_alloc_denied() ? NULL : test_alloc_track(aligned_alloc(align, size));
}

static inline void test_free(void *p)
{
    if (p != NULL)
        atomic_fetch_sub(&test_alloc_live, 1);
    free(p);
}

static inline void test_alloc_fail(bool on)
{
    atomic_store(&test_alloc_budget, 0);
    atomic_store(&test_alloc_failing, on);
}

/* Let the next n allocations succeed, then fail every one (until test_alloc_fail(false)). */
static inline void test_alloc_fail_after(long n)
{
    atomic_store(&test_alloc_failing, false);
    atomic_store(&test_alloc_budget, n + 1);
}

#define LF_MALLOC(size) test_malloc(size)
#define LF_ALIGNED_ALLOC(align, size) test_aligned_alloc((align), (size))
#define LF_FREE(p) test_free(p)

#endif /* LFKIT_TEST_ALLOC_H */

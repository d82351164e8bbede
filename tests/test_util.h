/*
 * test_util.h - helpers shared by the Criterion unit tests.
 */
#ifndef LFKIT_TEST_UTIL_H
#define LFKIT_TEST_UTIL_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { TEST_MAX_THREADS = 64 };

typedef void (*test_thread_fn)(void *arg, unsigned index);

typedef struct test_team {
    test_thread_fn fn;
    void *arg;
    pthread_barrier_t start;
} test_team;

typedef struct test_member {
    test_team *team;
    unsigned index;
} test_member;

static inline void *test_member_main(void *p)
{
    test_member *m = (test_member *)p;
    pthread_barrier_wait(&m->team->start);
    m->team->fn(m->team->arg, m->index);
    return NULL;
}

/* Run fn(arg, i) on n threads (i = 0..n-1), released together; returns when all are done. */
static inline void test_run_threads(unsigned n, test_thread_fn fn, void *arg)
{
    cr_assert(n > 0 && n <= TEST_MAX_THREADS);
    test_team team;
    team.fn = fn;
    team.arg = arg;
    pthread_barrier_init(&team.start, NULL, n);
    pthread_t tids[TEST_MAX_THREADS];
    test_member members[TEST_MAX_THREADS];
    for (unsigned i = 0; i < n; i++) {
        members[i].team = &team;
        members[i].index = i;
        cr_assert_eq(pthread_create(&tids[i], NULL, test_member_main, &members[i]), 0);
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(tids[i], NULL);
    pthread_barrier_destroy(&team.start);
}

/* Zeroed memory aligned to `align` (for over-aligned lfkit types); free() it. */
static inline void *test_aligned_calloc(size_t align, size_t size)
{
    size_t bytes = (size + align - 1) / align * align;
    void *p = aligned_alloc(align, bytes);
    cr_assert_not_null(p);
    memset(p, 0, bytes);
    return p;
}

#endif /* LFKIT_TEST_UTIL_H */

/*
 * The oneTBB entries of the pool benchmarks (bench_pool.c): fib by
 * tbb::task_group, one task per call and no cutoff, and the same parallel
 * quicksort as lf_pool's, in a task_arena of N threads (the calling thread
 * takes one of its slots, like lf_pool's N workers).
 */
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include "../harness/pool_workloads.h"

namespace {

long tbb_fib_rec(int n)
{
    if (n < 2)
        return n;
    long x = 0;
    tbb::task_group g;
    g.run([&x, n] { x = tbb_fib_rec(n - 1); });
    long y = tbb_fib_rec(n - 2);
    g.wait();
    return x + y;
}

void tbb_sort_rec(int *a, size_t n)
{
    if (n <= SORT_CUTOFF) {
        sort_serial(a, n);
        return;
    }
    size_t k = sort_partition(a, n);
    tbb::task_group g;
    g.run([a, k] { tbb_sort_rec(a, k); });
    tbb_sort_rec(a + k, n - k);
    g.wait();
}

} // namespace

extern "C" void *tbb_pool_setup(unsigned nworkers)
{
    tbb::task_arena *arena = new tbb::task_arena(static_cast<int>(nworkers));
    arena->initialize();
    return arena;
}

extern "C" void tbb_pool_teardown(void *arena)
{
    delete static_cast<tbb::task_arena *>(arena);
}

extern "C" long tbb_fib(void *arena, int n)
{
    long r = -1;
    static_cast<tbb::task_arena *>(arena)->execute([&r, n] { r = tbb_fib_rec(n); });
    return r;
}

extern "C" void tbb_sort(void *arena, int *a, size_t n)
{
    static_cast<tbb::task_arena *>(arena)->execute([a, n] { tbb_sort_rec(a, n); });
}

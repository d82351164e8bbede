/*
 * examples/parallel_quicksort.c - sort a million ints on an lf_pool.
 *
 * Idioms: the pool is over-aligned (static here); lf_pool_run is called
 * from a thread that is not one of the pool's workers (main); tasks are
 * the caller's, on the spawning task's own stack, which is safe because
 * the task syncs its child before returning; small ranges sort serially,
 * since a task costs far more than a few comparisons.
 */
#include <lfkit/pool.h>

#include <stdio.h>
#include <stdlib.h>

enum { COUNT = 1000000, SERIAL_BELOW = 4096 };

typedef struct range {
    int *a;
    size_t n;
} range;

static int compare_ints(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

/* Lomuto partition around the middle element; returns its final index. */
static size_t partition(int *a, size_t n)
{
    int t, pivot = a[n / 2];
    a[n / 2] = a[n - 1];
    a[n - 1] = pivot;
    size_t store = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (a[i] < pivot) {
            t = a[i], a[i] = a[store], a[store] = t;
            store++;
        }
    a[n - 1] = a[store];
    a[store] = pivot;
    return store;
}

/* Inside a task (any worker): spawn the left half, sort the right half here, then sync. */
static void sort_task(lf_task *self, void *arg)
{
    range *r = (range *)arg;
    if (r->n < SERIAL_BELOW) {
        qsort(r->a, r->n, sizeof *r->a, compare_ints);
        return;
    }
    size_t p = partition(r->a, r->n);
    range left = {r->a, p}, right = {r->a + p + 1, r->n - p - 1};
    lf_task child;
    lf_task_init(&child, sort_task, &left);
    lf_task_spawn(self, &child); /* another worker may steal it */
    sort_task(self, &right);
    lf_task_sync(self, &child); /* runs other tasks while the child is not done */
}

int main(void)
{
    static lf_pool pool; /* aligned to LF_CACHELINE: static, or aligned_alloc */
    if (lf_pool_init(&pool, 0) != LF_OK) /* 0: one worker per online CPU */
        return 1;

    int *a = (int *)malloc(COUNT * sizeof *a);
    if (a == NULL)
        return 1;
    unsigned x = 12345;
    for (size_t i = 0; i < COUNT; i++) {
        x = x * 1103515245u + 12345u;
        a[i] = (int)(x >> 1);
    }

    range all = {a, COUNT};
    lf_task root;
    lf_task_init(&root, sort_task, &all);
    lf_pool_run(&pool, &root); /* returns when root and every task it spawned are done */
    lf_pool_destroy(&pool);

    for (size_t i = 1; i < COUNT; i++)
        if (a[i - 1] > a[i]) {
            fprintf(stderr, "parallel_quicksort: not sorted at %zu\n", i);
            return 1;
        }
    printf("parallel_quicksort: %d ints sorted\n", COUNT);
    free(a);
    return 0;
}

/*
 * examples/work_stealing.c - one owner thread generates work into its
 * lf_deque and works through it newest first; idle helper threads steal
 * the oldest items.
 *
 * Idioms: only the owner calls lf_deque_push and lf_deque_pop; any thread
 * calls lf_deque_steal, which may return LF_RETRY (it lost a race for an
 * item: try again) as well as LF_EMPTY.  The deque holds void *: here
 * pointers into an array of work items the owner keeps alive until every
 * thread is joined.  Each item must be done exactly once, by whichever
 * thread took it.
 */
#include <lfkit/counter.h>
#include <lfkit/deque.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { ITEMS = 200000, HELPERS = 3, BATCH = 64 };

typedef struct item {
    lf_counter done; /* how many threads did this item: must end at 1 */
} item;

static lf_deque work;      /* aligned to LF_CACHELINE: static, or aligned_alloc */
static lf_counter remaining = LF_COUNTER_INIT(ITEMS);
static lf_counter stolen = LF_COUNTER_INIT(0);

static void do_item(item *it)
{
    lf_counter_fetch_add(&it->done, 1);
    lf_counter_fetch_add(&remaining, (uint64_t)-1); /* unsigned wrap-around: minus one */
}

static void *helper(void *arg)
{
    (void)arg;
    while (lf_counter_load(&remaining) > 0) {
        void *v;
        if (lf_deque_steal(&work, &v) != LF_OK) /* LF_EMPTY or LF_RETRY: look again */
            continue;
        do_item((item *)v);
        lf_counter_fetch_add(&stolen, 1);
    }
    return NULL;
}

int main(void)
{
    item *items = (item *)calloc(ITEMS, sizeof *items);
    if (items == NULL || lf_deque_init(&work, 256) != LF_OK) /* grows as needed */
        return 1;
    pthread_t t[HELPERS];
    for (int i = 0; i < HELPERS; i++)
        if (pthread_create(&t[i], NULL, helper, NULL) != 0)
            return 1;

    /* The owner: push a batch, then pop half of it back (LIFO), and so on. */
    for (size_t next = 0; next < ITEMS;) {
        for (int k = 0; k < BATCH && next < ITEMS; k++)
            if (lf_deque_push(&work, &items[next++]) != LF_OK) /* owner only; LF_ENOMEM if it cannot grow */
                return 1;
        void *v;
        for (int k = 0; k < BATCH / 2 && lf_deque_pop(&work, &v) == LF_OK; k++) /* owner only */
            do_item((item *)v);
    }
    void *v;
    while (lf_deque_pop(&work, &v) == LF_OK) /* what the helpers left */
        do_item((item *)v);

    for (int i = 0; i < HELPERS; i++)
        pthread_join(t[i], NULL);
    lf_deque_destroy(&work);
    size_t wrong = 0;
    for (size_t i = 0; i < ITEMS; i++)
        wrong += lf_counter_load(&items[i].done) != 1;
    printf("work_stealing: %d items, %llu stolen by %d helpers, %zu done other than once\n", ITEMS,
           (unsigned long long)lf_counter_load(&stolen), HELPERS, wrong);
    free(items);
    return wrong == 0 ? 0 : 1;
}

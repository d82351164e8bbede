/* Unit tests: lfkit/deque.h (Chase-Lev work-stealing deque). */
#include "test_alloc.h"

/* This file's copy of deque.h counts its stress points (relaxed: a count). */
static _Atomic(unsigned long) stress_points;
static inline void count_stress_point(void)
{
    atomic_fetch_add_explicit(&stress_points, 1, memory_order_relaxed);
}
#define LF_STRESS_HOOK count_stress_point

#include <lfkit/deque.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

/* Items are small integers stored as pointers; 0 (NULL) is never used. */
#define ITEM(i) ((void *)(uintptr_t)(i))
#define VALUE(p) ((uintptr_t)(p))

static lf_deque *new_deque(size_t capacity)
{
    lf_deque *d = (lf_deque *)harness_alloc(LF_CACHELINE, sizeof *d);
    cr_assert_eq(lf_deque_init(d, capacity), LF_OK);
    return d;
}

static void free_deque(lf_deque *d)
{
    lf_deque_destroy(d);
    free(d);
}

Test(deque, pop_is_lifo)
{
    lf_deque *d = new_deque(16);
    for (uintptr_t i = 1; i <= 100; i++)
        cr_assert_eq(lf_deque_push(d, ITEM(i)), LF_OK);
    cr_assert_eq(lf_deque_size(d), 100);
    for (uintptr_t i = 100; i >= 1; i--) {
        void *x = NULL;
        cr_assert_eq(lf_deque_pop(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), i);
    }
    void *x = ITEM(7);
    cr_assert_eq(lf_deque_pop(d, &x), LF_EMPTY);
    cr_assert_eq(VALUE(x), 7, "an empty pop leaves *item alone");
    cr_assert_eq(lf_deque_size(d), 0);
    free_deque(d);
}

Test(deque, steal_is_fifo)
{
    lf_deque *d = new_deque(16);
    for (uintptr_t i = 1; i <= 100; i++)
        cr_assert_eq(lf_deque_push(d, ITEM(i)), LF_OK);
    for (uintptr_t i = 1; i <= 100; i++) {
        void *x = NULL;
        cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), i);
    }
    void *x = NULL;
    cr_assert_eq(lf_deque_steal(d, &x), LF_EMPTY);
    free_deque(d);
}

Test(deque, pop_and_steal_meet_in_the_middle)
{
    lf_deque *d = new_deque(4);
    for (uintptr_t i = 1; i <= 9; i++)
        cr_assert_eq(lf_deque_push(d, ITEM(i)), LF_OK);
    uintptr_t lo = 1, hi = 9;
    for (int k = 0; k < 9; k++) {
        void *x = NULL;
        if (k % 2 == 0) {
            cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
            cr_assert_eq(VALUE(x), lo++);
        } else {
            cr_assert_eq(lf_deque_pop(d, &x), LF_OK);
            cr_assert_eq(VALUE(x), hi--);
        }
        cr_assert_eq(lf_deque_size(d), (size_t)(8 - k));
    }
    void *x = NULL;
    cr_assert_eq(lf_deque_pop(d, &x), LF_EMPTY);
    cr_assert_eq(lf_deque_steal(d, &x), LF_EMPTY);
    /* still usable after emptying from both ends */
    cr_assert_eq(lf_deque_push(d, ITEM(42)), LF_OK);
    cr_assert_eq(lf_deque_pop(d, &x), LF_OK);
    cr_assert_eq(VALUE(x), 42);
    free_deque(d);
}

Test(deque, wraps_around_without_growing)
{
    lf_deque *d = new_deque(2);
    uintptr_t next_in = 1, next_out = 1;
    for (int round = 0; round < 1000; round++) {
        cr_assert_eq(lf_deque_push(d, ITEM(next_in++)), LF_OK);
        cr_assert_eq(lf_deque_push(d, ITEM(next_in++)), LF_OK);
        for (int k = 0; k < 2; k++) {
            void *x = NULL;
            cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
            cr_assert_eq(VALUE(x), next_out++);
        }
    }
    cr_assert_eq(lf_deque_capacity(d), 2, "never more than 2 items: no growth");
    free_deque(d);
}

Test(deque, indices_wrap_around_size_t)
{
    lf_deque *d = new_deque(4);
    /* white box: start the counters just below SIZE_MAX */
    atomic_store(&d->top, SIZE_MAX - 5);
    atomic_store(&d->bottom, SIZE_MAX - 5);
    void *x = NULL;
    cr_assert_eq(lf_deque_pop(d, &x), LF_EMPTY);
    for (uintptr_t i = 1; i <= 20; i++)
        cr_assert_eq(lf_deque_push(d, ITEM(i)), LF_OK);
    cr_assert_eq(lf_deque_size(d), 20);
    for (uintptr_t i = 1; i <= 10; i++) {
        cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), i);
    }
    for (uintptr_t i = 20; i > 10; i--) {
        cr_assert_eq(lf_deque_pop(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), i);
    }
    cr_assert_eq(lf_deque_pop(d, &x), LF_EMPTY);
    cr_assert_eq(lf_deque_steal(d, &x), LF_EMPTY);
    free_deque(d);
}

Test(deque, grows_from_2_to_a_million)
{
    enum { N = 1000000 };
    lf_deque *d = new_deque(2);
    cr_assert_eq(lf_deque_capacity(d), 2);
    for (uintptr_t i = 1; i <= N; i++)
        cr_assert_eq(lf_deque_push(d, ITEM(i)), LF_OK);
    cr_assert_eq(lf_deque_size(d), N);
    size_t cap = lf_deque_capacity(d);
    cr_assert(cap >= N && cap < 2 * (size_t)N && (cap & (cap - 1)) == 0, "capacity %zu", cap);
    /* retired buffers 2 + 4 + ... + cap/2 = cap - 2, plus the current one */
    cr_assert_eq(atomic_load(&test_alloc_live), 1 + 19, "one allocation per doubling from 2");
    uintptr_t lo = 1, hi = N;
    while (lo <= hi) {
        void *x = NULL;
        cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), lo++);
        if (lo > hi)
            break;
        cr_assert_eq(lf_deque_pop(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), hi--);
    }
    cr_assert_eq(lf_deque_size(d), 0);
    free_deque(d);
    cr_assert_eq(atomic_load(&test_alloc_live), 0, "destroy frees every buffer");
}

Test(deque, capacity_rounds_up_to_a_power_of_two)
{
    static const size_t asked[] = {1, 2, 3, 5, 64, 100, 4096};
    static const size_t got[] = {2, 2, 4, 8, 64, 128, 4096};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        lf_deque *d = new_deque(asked[i]);
        cr_assert_eq(lf_deque_capacity(d), got[i], "capacity %zu", asked[i]);
        free_deque(d);
    }
}

Test(deque, bad_input)
{
    lf_deque *d = (lf_deque *)harness_alloc(LF_CACHELINE, sizeof *d);
    cr_assert_eq(lf_deque_init(NULL, 8), LF_EINVAL);
    cr_assert_eq(lf_deque_init(d, 0), LF_EINVAL);
    cr_assert_eq(lf_deque_init(d, SIZE_MAX), LF_EINVAL, "power-of-two rounding overflows");
    cr_assert_eq(lf_deque_init(d, LF_DEQUE_MAX_CAPACITY + 1), LF_EINVAL);
    cr_assert_eq(atomic_load(&test_alloc_calls), 0, "rejected before allocating");
    cr_assert_eq(lf_deque_init(d, 8), LF_OK);
    void *x = ITEM(5);
    cr_assert_eq(lf_deque_push(NULL, x), LF_EINVAL);
    cr_assert_eq(lf_deque_pop(NULL, &x), LF_EINVAL);
    cr_assert_eq(lf_deque_pop(d, NULL), LF_EINVAL);
    cr_assert_eq(lf_deque_steal(NULL, &x), LF_EINVAL);
    cr_assert_eq(lf_deque_steal(d, NULL), LF_EINVAL);
    cr_assert_eq(lf_deque_size(NULL), 0);
    cr_assert_eq(lf_deque_push(d, x), LF_OK);
    cr_assert_eq(lf_deque_pop(d, NULL), LF_EINVAL, "a NULL out-pointer takes nothing");
    cr_assert_eq(lf_deque_size(d), 1);
    cr_assert_eq(lf_deque_push(d, NULL), LF_OK, "NULL is a value like any other");
    void *y = ITEM(9);
    cr_assert_eq(lf_deque_pop(d, &y), LF_OK);
    cr_assert_null(y);
    lf_deque_destroy(NULL);
    free_deque(d);
}

Test(deque, init_enomem)
{
    lf_deque *d = (lf_deque *)harness_alloc(LF_CACHELINE, sizeof *d);
    test_alloc_fail(true);
    cr_assert_eq(lf_deque_init(d, 8), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
    free(d);
}

Test(deque, growth_enomem_leaves_deque_intact)
{
    lf_deque *d = new_deque(4);
    for (uintptr_t i = 1; i <= 4; i++)
        cr_assert_eq(lf_deque_push(d, ITEM(i)), LF_OK);
    test_alloc_fail(true);
    cr_assert_eq(lf_deque_push(d, ITEM(5)), LF_ENOMEM);
    cr_assert_eq(lf_deque_push(d, ITEM(5)), LF_ENOMEM);
    test_alloc_fail(false);
    cr_assert_eq(lf_deque_size(d), 4);
    cr_assert_eq(lf_deque_capacity(d), 4);
    void *x = NULL;
    cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
    cr_assert_eq(VALUE(x), 1);
    cr_assert_eq(lf_deque_push(d, ITEM(5)), LF_OK, "room again after a steal");
    cr_assert_eq(lf_deque_push(d, ITEM(6)), LF_OK, "grows once allocation works");
    for (uintptr_t i = 6; i >= 2; i--) {
        cr_assert_eq(lf_deque_pop(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), i);
    }
    free_deque(d);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(deque, common_paths_pass_a_stress_point)
{
    lf_deque *d = new_deque(8);
    cr_assert_eq(lf_deque_push(d, ITEM(1)), LF_OK);
    unsigned long before = atomic_load(&stress_points);
    cr_assert_eq(lf_deque_push(d, ITEM(2)), LF_OK);
    cr_assert_eq(lf_deque_capacity(d), 8, "no growth");
    cr_assert_gt(atomic_load(&stress_points), before, "push without growth");
    before = atomic_load(&stress_points);
    void *x = NULL;
    cr_assert_eq(lf_deque_pop(d, &x), LF_OK);
    cr_assert_eq(VALUE(x), 2, "not the last item");
    cr_assert_gt(atomic_load(&stress_points), before, "pop of an item that is not the last");
    free_deque(d);
}

/*
 * Growth from 4 to 8 with top at 2 copies [2, 6); slots 7, 0 and 1 of the
 * new buffer (indices 7, 8, 9) are outside the copied range and must hold
 * NULL, not what the allocator left there.  The block the new buffer will
 * get is first filled with 0xA5 and freed, so that malloc (glibc's
 * per-size cache) most likely hands it back dirty; ASan fills new blocks
 * itself.
 */
Test(deque, growth_initialises_slots_it_does_not_copy)
{
    lf_deque *d = new_deque(4);
    for (uintptr_t i = 1; i <= 4; i++)
        cr_assert_eq(lf_deque_push(d, ITEM(i)), LF_OK);
    void *x = NULL;
    for (uintptr_t i = 1; i <= 2; i++) {
        cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), i);
    }
    cr_assert_eq(lf_deque_push(d, ITEM(5)), LF_OK);
    cr_assert_eq(lf_deque_push(d, ITEM(6)), LF_OK);
    cr_assert_eq(lf_deque_capacity(d), 4, "items 3..6 fill it");
    size_t bytes = sizeof(lf_deque_buffer) + 8 * sizeof(_Atomic(void *));
    /* volatile: the compiler would drop stores to a block about to be freed */
    volatile unsigned char *dirty = (volatile unsigned char *)malloc(bytes);
    cr_assert_not_null(dirty);
    for (size_t i = 0; i < bytes; i++)
        dirty[i] = 0xA5;
    free((void *)dirty);
    cr_assert_eq(lf_deque_push(d, ITEM(7)), LF_OK);
    cr_assert_eq(lf_deque_capacity(d), 8, "grew");
    lf_deque_buffer *a = atomic_load(&d->buffer);
    _Atomic(void *) *slots = lf_deque__slots(a);
    for (size_t i = 2; i <= 6; i++)
        cr_assert_eq(VALUE(atomic_load(&slots[i])), i + 1, "item %zu copied or pushed", i + 1);
    cr_assert_null(atomic_load(&slots[7]), "slot 7 initialised");
    cr_assert_null(atomic_load(&slots[0]), "slot 0 initialised");
    cr_assert_null(atomic_load(&slots[1]), "slot 1 initialised");
    for (uintptr_t i = 3; i <= 7; i++) {
        cr_assert_eq(lf_deque_steal(d, &x), LF_OK);
        cr_assert_eq(VALUE(x), i);
    }
    free_deque(d);
}

/*
 * Owner pushes 1..N (popping some back) while thieves steal: each item
 * taken exactly once, a pop right after a push gets that push's item
 * (LIFO), and each thief's items increase (FIFO: an index is reused only
 * for a newer item).
 */
enum { RACE_ITEMS = 200000, RACE_THIEVES = 3 };

typedef struct race {
    lf_deque *d;
    _Atomic(unsigned char) *taken; /* per item: times taken */
    _Atomic(bool) owner_done;
    _Atomic(unsigned) dup; /* items taken twice, out of range, or out of order */
} race;

static void take_item(race *r, void *x)
{
    uintptr_t v = VALUE(x);
    if (v == 0 || v > RACE_ITEMS || atomic_fetch_add(&r->taken[v], 1) != 0)
        atomic_fetch_add(&r->dup, 1);
}

static void race_thread(void *arg, unsigned index)
{
    race *r = (race *)arg;
    void *x = NULL;
    if (index == 0) {
        uintptr_t last_pushed = 0;
        for (uintptr_t i = 1; i <= RACE_ITEMS; i++) {
            cr_assert_eq(lf_deque_push(r->d, ITEM(i)), LF_OK);
            last_pushed = i;
            if (i % 3 == 0 && lf_deque_pop(r->d, &x) == LF_OK) {
                /* LIFO: a pop right after a push gets that push's item */
                if (VALUE(x) != last_pushed)
                    atomic_fetch_add(&r->dup, 1);
                take_item(r, x);
            }
        }
        while (lf_deque_pop(r->d, &x) == LF_OK)
            take_item(r, x);
        atomic_store(&r->owner_done, true);
        return;
    }
    uintptr_t last_stolen = 0;
    for (;;) {
        bool done = atomic_load(&r->owner_done);
        lf_status s = lf_deque_steal(r->d, &x);
        if (s == LF_OK) {
            if (VALUE(x) <= last_stolen)
                atomic_fetch_add(&r->dup, 1);
            last_stolen = VALUE(x);
            take_item(r, x);
        } else if (s == LF_EMPTY && done)
            return;
    }
}

Test(deque, owner_and_thieves_take_each_item_once, .timeout = 30)
{
    race r;
    r.d = new_deque(2);
    r.taken = (_Atomic(unsigned char) *)calloc(RACE_ITEMS + 1, 1);
    cr_assert_not_null(r.taken);
    atomic_store(&r.owner_done, false);
    atomic_store(&r.dup, 0);
    harness_run_threads(1 + RACE_THIEVES, race_thread, &r);
    cr_assert_eq(atomic_load(&r.dup), 0,
                 "an item taken twice, out of range, or out of LIFO/FIFO order");
    for (uintptr_t i = 1; i <= RACE_ITEMS; i++)
        cr_assert_eq(atomic_load(&r.taken[i]), 1, "item %zu taken %u times", (size_t)i,
                     (unsigned)atomic_load(&r.taken[i]));
    free(r.taken);
    free_deque(r.d);
}

/* tests/test_hp_asym.c - asymmetric hazard-pointer domains
 * (lf_hp_domain_init_asymmetric, lfkit/hp.h), and protect / retire / scan
 * on both kinds of domain. */
#include "test_alloc.h"

#include <lfkit/queue.h>
#include <lfkit/stack.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

/*
 * Whether this machine must give an asymmetric domain: where lfkit makes
 * the membarrier call (platform.h, lf_membarrier), and the kernel says it
 * offers private expedited barriers.  Asked through membarrier's own query
 * command (0: MEMBARRIER_CMD_QUERY, the bitmask of supported commands), so
 * that a kernel before 4.14 or a seccomp filter (a container) expects the
 * symmetric fallback instead of failing here.
 */
static bool expect_asymmetric(void)
{
#if !LF_TSAN && defined(__linux__) && defined(__x86_64__)
    long commands = lf_membarrier(0);
    return commands >= 0 && (commands & LF_MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0;
#else
    return false;
#endif
}

typedef lf_status (*domain_init_fn)(lf_hp_domain *d, unsigned slots_per_rec);

typedef struct tracked {
    lf_hp_node hp;
    int reclaimed;
} tracked;

static void tracked_reclaim(lf_hp_node *n)
{
    lf_container_of(n, tracked, hp)->reclaimed++;
}

Test(hp_asym, init_rejects_bad_input)
{
    lf_hp_domain d;
    memset(&d, 0xab, sizeof d);
    lf_hp_domain copy;
    memcpy(&copy, &d, sizeof d);
    cr_assert_eq(lf_hp_domain_init_asymmetric(NULL, 2), LF_EINVAL);
    cr_assert_eq(lf_hp_domain_init_asymmetric(&d, 0), LF_EINVAL);
    cr_assert_eq(lf_hp_domain_init_asymmetric(&d, LF_HP_MAX_SLOTS + 1), LF_EINVAL);
    cr_assert_eq(memcmp(&d, &copy, sizeof d), 0, "a rejected init wrote to the domain");
}

Test(hp_asym, init_gives_the_kind_this_build_supports)
{
    for (unsigned k = 1; k <= LF_HP_MAX_SLOTS; k++) {
        lf_hp_domain d;
        cr_assert_eq(lf_hp_domain_init_asymmetric(&d, k), LF_OK);
        cr_assert_eq(lf_hp_domain_is_asymmetric(&d), expect_asymmetric(),
                     "slots %u: asymmetric %d, expected %d", k, lf_hp_domain_is_asymmetric(&d),
                     expect_asymmetric());
        lf_hp_rec *r = lf_hp_rec_acquire(&d);
        cr_assert_not_null(r);
        cr_assert_eq(lf_hp_domain_hazards(&d), k);
        lf_hp_rec_release(r);
        lf_hp_domain_destroy(&d);
        cr_assert_eq(lf_hp_domain_init(&d, k), LF_OK, "a destroyed domain can be reused");
        cr_assert_not(lf_hp_domain_is_asymmetric(&d), "lf_hp_domain_init is symmetric");
        lf_hp_domain_destroy(&d);
    }
    cr_assert_not(lf_hp_domain_is_asymmetric(NULL));
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

/* One slot: a protected object survives scans until its slot is cleared or
 * overwritten; the others go at once. */
static void one_slot_protect_retire_scan(domain_init_fn init)
{
    lf_hp_domain d;
    tracked objs[3] = {{{NULL, NULL, NULL, false}, 0}};
    _Atomic(void *) src;
    atomic_store(&src, (void *)&objs[0]);
    cr_assert_eq(init(&d, 1), LF_OK);
    lf_hp_rec *reader = lf_hp_rec_acquire(&d);
    lf_hp_rec *writer = lf_hp_rec_acquire(&d);
    cr_assert_eq(lf_hp_protect(reader, 0, &src), &objs[0]);
    cr_assert_null(lf_hp_protect(reader, 1, &src), "a 1-slot record has no slot 1");
    atomic_store(&src, (void *)&objs[1]);
    for (int i = 0; i < 3; i++)
        lf_hp_retire(writer, &objs[i].hp, &objs[i], tracked_reclaim);
    lf_hp_scan(writer);
    cr_assert_eq(objs[0].reclaimed, 0, "a protected object was reclaimed");
    cr_assert_eq(objs[1].reclaimed, 1);
    cr_assert_eq(objs[2].reclaimed, 1);
    cr_assert_eq(lf_hp_retired_count(writer), 1);

    lf_hp_set(reader, 0, &objs[2]); /* overwrites the hazard on objs[0] */
    lf_hp_scan(writer);
    cr_assert_eq(objs[0].reclaimed, 1);
    cr_assert_eq(lf_hp_retired_count(writer), 0);

    lf_hp_publish(reader, 0, &objs[0]);
    objs[0].reclaimed = 0;
    lf_hp_retire(writer, &objs[0].hp, &objs[0], tracked_reclaim);
    lf_hp_scan(writer);
    cr_assert_eq(objs[0].reclaimed, 0, "a published object was reclaimed");
    lf_hp_rec_release(reader);
    lf_hp_scan(writer);
    cr_assert_eq(objs[0].reclaimed, 1);
    lf_hp_rec_release(writer);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(objs[0].reclaimed + objs[1].reclaimed + objs[2].reclaimed, 3);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(hp_asym, one_slot_protect_retire_scan_symmetric)
{
    one_slot_protect_retire_scan(lf_hp_domain_init);
}

Test(hp_asym, one_slot_protect_retire_scan_asymmetric)
{
    one_slot_protect_retire_scan(lf_hp_domain_init_asymmetric);
}

/* Retiring past the threshold scans by itself; the bound holds. */
static void retire_keeps_bound(domain_init_fn init)
{
    enum { N = 1000 };
    static tracked objs[N];
    lf_hp_domain d;
    cr_assert_eq(init(&d, 2), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    _Atomic(void *) src;
    atomic_store(&src, (void *)&objs[0]);
    cr_assert_eq(lf_hp_protect(r, 1, &src), &objs[0]);
    for (int i = 0; i < N; i++) {
        objs[i].reclaimed = 0;
        lf_hp_retire(r, &objs[i].hp, &objs[i], tracked_reclaim);
        size_t h = lf_hp_domain_hazards(&d);
        cr_assert_leq(lf_hp_retired_count(r), lf_hp_scan_threshold(h) + h);
    }
    cr_assert_eq(objs[0].reclaimed, 0);
    lf_hp_clear(r, 1);
    lf_hp_scan(r);
    cr_assert_eq(lf_hp_retired_count(r), 0);
    for (int i = 0; i < N; i++)
        cr_assert_eq(objs[i].reclaimed, 1, "object %d reclaimed %d times", i, objs[i].reclaimed);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(hp_asym, retire_keeps_bound_symmetric)
{
    retire_keeps_bound(lf_hp_domain_init);
}

Test(hp_asym, retire_keeps_bound_asymmetric)
{
    retire_keeps_bound(lf_hp_domain_init_asymmetric);
}

/* The structures that call lf_hp_publish themselves. */
typedef struct item {
    lf_stack_node node;
    lf_hp_node hp;
    int reclaimed;
} item;

static void item_reclaim(lf_hp_node *n)
{
    lf_container_of(n, item, hp)->reclaimed++;
}

Test(hp_asym, stack_pop_hp_on_an_asymmetric_domain)
{
    enum { N = 300 };
    static item items[N];
    lf_hp_domain d;
    lf_stack s;
    cr_assert_eq(lf_hp_domain_init_asymmetric(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_stack_init(&s);
    for (int i = 0; i < N; i++)
        lf_stack_push(&s, &items[i].node);
    for (int i = N; i-- > 0;) {
        lf_stack_node *n = lf_stack_pop_hp(&s, r);
        cr_assert_eq(n, &items[i].node, "LIFO");
        lf_hp_retire(r, &items[i].hp, n, item_reclaim);
    }
    cr_assert_null(lf_stack_pop_hp(&s, r));
    lf_hp_scan(r);
    cr_assert_eq(lf_hp_retired_count(r), 0, "pop_hp cleared its slot");
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
    for (int i = 0; i < N; i++)
        cr_assert_eq(items[i].reclaimed, 1);
}

Test(hp_asym, queue_on_an_asymmetric_domain)
{
    enum { N = 1000 };
    lf_hp_domain d;
    static lf_queue q;
    cr_assert_eq(lf_hp_domain_init_asymmetric(&d, 2), LF_OK);
    cr_assert_eq(lf_queue_init(&q, &d), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    void *v;
    for (uintptr_t i = 1; i <= N; i++) {
        cr_assert_eq(lf_queue_enqueue(&q, r, (void *)i), LF_OK);
        if (i % 3 == 0) { /* dequeue two of every three: the queue grows and shrinks */
            cr_assert_eq(lf_queue_dequeue(&q, r, &v), LF_OK);
            cr_assert_eq(lf_queue_dequeue(&q, r, &v), LF_OK);
        }
    }
    uintptr_t next = 2 * (N / 3) + 1;
    while (lf_queue_dequeue(&q, r, &v) == LF_OK)
        cr_assert_eq((uintptr_t)v, next++, "FIFO");
    cr_assert_eq(next, N + 1);
    cr_assert(lf_queue_is_empty(&q, r));
    lf_hp_rec_release(r);
    lf_queue_destroy(&q);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

/* Unit tests: lf_stack_pop_hp (lfkit/stack.h with hazard pointers). */
#include <lfkit/stack.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

typedef struct item {
    lf_stack_node node;
    lf_hp_node hp;
    uintptr_t value;
    _Atomic(int) *reclaims;
} item;

static void item_reclaim(lf_hp_node *n)
{
    item *it = lf_container_of(n, item, hp);
    atomic_fetch_add(it->reclaims, 1);
}

static uintptr_t value_of(lf_stack_node *n)
{
    return lf_container_of(n, item, node)->value;
}

Test(stack_hp, rejects_null_and_pops_nothing_from_empty)
{
    lf_hp_domain d;
    lf_stack s;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_stack_init(&s);
    cr_assert_null(lf_stack_pop_hp(&s, r));
    cr_assert_null(lf_stack_pop_hp(NULL, r));
    item x = {{NULL}, {NULL, NULL, NULL, false}, 1, NULL};
    lf_stack_push(&s, &x.node);
    cr_assert_null(lf_stack_pop_hp(&s, NULL));
    cr_assert_not(lf_stack_is_empty(&s), "a rejected pop removed a node");
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(stack_hp, lifo_order)
{
    enum { N = 100 };
    static item items[N];
    lf_hp_domain d;
    lf_stack s;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_stack_init(&s);
    for (uintptr_t i = 0; i < N; i++) {
        items[i].value = i;
        lf_stack_push(&s, &items[i].node);
    }
    for (uintptr_t i = N; i-- > 0;) {
        lf_stack_node *n = lf_stack_pop_hp(&s, r);
        cr_assert_not_null(n);
        cr_assert_eq(value_of(n), i);
    }
    cr_assert_null(lf_stack_pop_hp(&s, r));
    cr_assert(lf_stack_is_empty(&s));
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(stack_hp, clears_slot_zero_so_popped_nodes_reclaim)
{
    _Atomic(int) reclaims = 0;
    item a = {{NULL}, {NULL, NULL, NULL, false}, 1, &reclaims};
    item b = {{NULL}, {NULL, NULL, NULL, false}, 2, &reclaims};
    lf_hp_domain d;
    lf_stack s;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_stack_init(&s);
    lf_stack_push(&s, &a.node);
    lf_stack_push(&s, &b.node);
    lf_stack_node *n = lf_stack_pop_hp(&s, r);
    cr_assert_eq(n, &b.node);
    lf_hp_retire(r, &b.hp, n, item_reclaim);
    n = lf_stack_pop_hp(&s, r);
    cr_assert_eq(n, &a.node);
    lf_hp_retire(r, &a.hp, n, item_reclaim);
    cr_assert_null(lf_stack_pop_hp(&s, r));
    lf_hp_scan(r);
    cr_assert_eq(atomic_load(&reclaims), 2, "slot 0 still protected a popped node");
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(atomic_load(&reclaims), 2, "a node was reclaimed twice");
}

/*
 * pop_all on a stack popped with pop_hp: a popper that protected the old
 * top before the detach may still read it, so detached nodes are retired,
 * and the protected one survives scans until its hazard is cleared.
 */
Test(stack_hp, pop_all_nodes_retired_wait_for_a_concurrent_popper)
{
    _Atomic(int) reclaims = 0;
    item xs[3];
    lf_hp_domain d;
    lf_stack s;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *owner = lf_hp_rec_acquire(&d), *popper = lf_hp_rec_acquire(&d);
    lf_stack_init(&s);
    for (uintptr_t i = 0; i < 3; i++) {
        xs[i] = (item){{NULL}, {NULL, NULL, NULL, false}, i, &reclaims};
        lf_stack_push(&s, &xs[i].node);
    }
    /* the popper's first step: protect the top (it would validate, then read next) */
    lf_hp_publish(popper, 0, &xs[2].node);
    lf_stack_node *n = lf_stack_pop_all(&s);
    cr_assert_eq(n, &xs[2].node);
    while (n != NULL) {
        lf_stack_node *next = lf_stack_node_next(n);
        lf_hp_retire(owner, &lf_container_of(n, item, node)->hp, n, item_reclaim);
        n = next;
    }
    lf_hp_scan(owner);
    cr_assert_eq(atomic_load(&reclaims), 2, "the protected detached node was reclaimed, or the others were not");
    cr_assert_eq(lf_stack_node_next(&xs[2].node), &xs[1].node, "the protected node's next changed");
    cr_assert_null(lf_stack_pop_hp(&s, popper), "the detached stack is empty; this also clears slot 0");
    lf_hp_scan(owner);
    cr_assert_eq(atomic_load(&reclaims), 3);
    lf_hp_rec_release(popper);
    lf_hp_rec_release(owner);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(atomic_load(&reclaims), 3, "a node was reclaimed twice");
}

/*
 * Threads push fresh heap nodes and pop with lf_stack_pop_hp, retiring
 * what they pop with a reclaim that frees it: conservation of values and
 * exactly-once reclamation, with real free() (ASan checks the reads).
 */
enum { MT_THREADS = 4, MT_PER_THREAD = 5000 };

typedef struct mt_shared {
    lf_hp_domain d;
    lf_stack s;
    _Atomic(int) reclaims;
    _Atomic(long) popped_sum;
    _Atomic(long) popped;
} mt_shared;

static void mt_free(lf_hp_node *n)
{
    item *it = lf_container_of(n, item, hp);
    atomic_fetch_add(it->reclaims, 1);
    free(it);
}

static void mt_worker(void *arg, unsigned index)
{
    mt_shared *sh = (mt_shared *)arg;
    lf_hp_rec *r = lf_hp_rec_acquire(&sh->d);
    for (uintptr_t i = 0; i < MT_PER_THREAD; i++) {
        item *it = (item *)malloc(sizeof *it);
        it->value = index * MT_PER_THREAD + i + 1;
        it->reclaims = &sh->reclaims;
        lf_stack_push(&sh->s, &it->node);
        if (i % 3 != 2) {
            lf_stack_node *n = lf_stack_pop_hp(&sh->s, r);
            if (n != NULL) {
                atomic_fetch_add(&sh->popped_sum, (long)value_of(n));
                atomic_fetch_add(&sh->popped, 1);
                lf_hp_retire(r, &lf_container_of(n, item, node)->hp, n, mt_free);
            }
        }
    }
    lf_hp_rec_release(r);
}

Test(stack_hp, concurrent_pop_and_free_conserves_values, .timeout = 30)
{
    static mt_shared sh;
    cr_assert_eq(lf_hp_domain_init(&sh.d, 1), LF_OK);
    lf_stack_init(&sh.s);
    harness_run_threads(MT_THREADS, mt_worker, &sh);
    lf_hp_rec *r = lf_hp_rec_acquire(&sh.d);
    for (lf_stack_node *n; (n = lf_stack_pop_hp(&sh.s, r)) != NULL;) {
        atomic_fetch_add(&sh.popped_sum, (long)value_of(n));
        atomic_fetch_add(&sh.popped, 1);
        lf_hp_retire(r, &lf_container_of(n, item, node)->hp, n, mt_free);
    }
    lf_hp_rec_release(r);
    long total = (long)MT_THREADS * MT_PER_THREAD;
    cr_assert_eq(atomic_load(&sh.popped), total);
    cr_assert_eq(atomic_load(&sh.popped_sum), total * (total + 1) / 2,
                 "values lost or duplicated");
    lf_hp_domain_destroy(&sh.d);
    cr_assert_eq(atomic_load(&sh.reclaims), total, "reclaimed %d of %ld",
                 atomic_load(&sh.reclaims), total);
}

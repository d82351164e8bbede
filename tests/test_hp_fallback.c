/* tests/test_hp_fallback.c - lf_hp_domain_init_asymmetric when the
 * membarrier call fails: a stand-in (platform.h's LF_MEMBARRIER hook)
 * returns what a kernel would in each case. */
#include "test_alloc.h"

#include <stdbool.h>

/* The stand-in's answers: to registration, then to every barrier. */
static long register_result;
static long barrier_result;
static int register_calls;
static int barrier_calls;

static long stand_in_membarrier(int cmd);
#define LF_MEMBARRIER(cmd) stand_in_membarrier(cmd)

#include <lfkit/hp.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

static long stand_in_membarrier(int cmd)
{
    if (cmd == LF_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) {
        register_calls++;
        return register_result;
    }
    cr_assert_eq(cmd, LF_MEMBARRIER_CMD_PRIVATE_EXPEDITED, "unexpected command %d", cmd);
    barrier_calls++;
    return barrier_result;
}

typedef struct tracked {
    lf_hp_node hp;
    int reclaimed;
} tracked;

static void tracked_reclaim(lf_hp_node *n)
{
    lf_container_of(n, tracked, hp)->reclaimed++;
}

/* -EPERM (seccomp), -EINVAL (a kernel before 4.14), -ENOSYS (no membarrier) */
Test(hp_fallback, failed_registration_gives_a_symmetric_domain)
{
    static const long failures[] = {-1, -22, -38};
    for (int f = 0; f < 3; f++) {
        register_result = failures[f];
        register_calls = barrier_calls = 0;
        lf_hp_domain d;
        cr_assert_eq(lf_hp_domain_init_asymmetric(&d, 1), LF_OK);
        cr_assert_eq(register_calls, 1);
        cr_assert_not(lf_hp_domain_is_asymmetric(&d), "registration failed with %ld", failures[f]);
        tracked objs[2] = {{{NULL, NULL, NULL, false}, 0}};
        _Atomic(void *) src;
        atomic_store(&src, (void *)&objs[0]);
        lf_hp_rec *r = lf_hp_rec_acquire(&d);
        cr_assert_eq(lf_hp_protect(r, 0, &src), &objs[0]);
        lf_hp_retire(r, &objs[0].hp, &objs[0], tracked_reclaim);
        lf_hp_retire(r, &objs[1].hp, &objs[1], tracked_reclaim);
        lf_hp_scan(r);
        cr_assert_eq(barrier_calls, 0, "a symmetric scan made the system call");
        cr_assert_eq(objs[0].reclaimed, 0);
        cr_assert_eq(objs[1].reclaimed, 1);
        lf_hp_rec_release(r);
        lf_hp_domain_destroy(&d);
        cr_assert_eq(objs[0].reclaimed, 1);
    }
}

Test(hp_fallback, plain_init_never_registers)
{
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    cr_assert_eq(register_calls, 0);
    lf_hp_domain_destroy(&d);
}

/* Registered: a scan runs the barrier only while another record is owned
 * (hp.h, asymmetric case 3).  If that barrier fails, the scan reclaims
 * nothing (no order holds between the other owners' hazards and its
 * loads); the next scan whose barrier succeeds reclaims everything. */
Test(hp_fallback, failed_barrier_reclaims_nothing)
{
    register_result = 0;
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init_asymmetric(&d, 1), LF_OK);
    cr_assert(lf_hp_domain_is_asymmetric(&d));
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    tracked objs[4] = {{{NULL, NULL, NULL, false}, 0}};
    for (int i = 0; i < 4; i++)
        lf_hp_retire(r, &objs[i].hp, &objs[i], tracked_reclaim);
    lf_hp_scan(r);
    cr_assert_eq(barrier_calls, 0, "no other record is owned: no barrier needed");
    cr_assert_eq(lf_hp_retired_count(r), 0);
    for (int i = 0; i < 4; i++) {
        objs[i].reclaimed = 0;
        lf_hp_retire(r, &objs[i].hp, &objs[i], tracked_reclaim);
    }
    lf_hp_rec *other = lf_hp_rec_acquire(&d);
    barrier_result = -1;
    lf_hp_scan(r);
    cr_assert_eq(barrier_calls, 1);
    cr_assert_eq(lf_hp_retired_count(r), 4, "a scan without its barrier reclaimed");
    for (int i = 0; i < 4; i++)
        cr_assert_eq(objs[i].reclaimed, 0);
    barrier_result = 0;
    lf_hp_scan(r);
    cr_assert_eq(barrier_calls, 2);
    cr_assert_eq(lf_hp_retired_count(r), 0);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(objs[i].reclaimed, 1);
    lf_hp_rec_release(other);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

/* Hazard pointers: a reader protects the object a shared pointer names and
   reads its payload, while a writer swaps in a new object, retires the old
   one and scans.  GenMC reports any read of freed memory; the payload read
   must be the one written before publication; every object is freed once
   (leaks are reported too).  UNLINK_ORDER is the writer's order for the
   swap: seq_cst by default; the acq_rel build (-DUNLINK_ORDER=...) shows
   that scan supplies the store-load ordering itself, since the contract
   asks nothing of the caller's unlink.  -DASYMMETRIC: the domain comes
   from lf_hp_domain_init_asymmetric, which under GenMC (membarrier fails,
   client.h) must give an ordinary domain; -DEXPECT_SYMMETRIC asserts it. */
#include "client.h"
#include <lfkit/hp.h>

#ifndef UNLINK_ORDER
#define UNLINK_ORDER memory_order_seq_cst
#endif

typedef struct object {
    lf_hp_node hp;
    int payload;
} object;

static lf_hp_domain d;
static _Atomic(void *) shared;

static void reclaim(lf_hp_node *n)
{
    free(lf_container_of(n, object, hp));
}

static object *make(int payload)
{
    object *o = (object *)malloc(sizeof *o);
    o->payload = payload;
    return o;
}

static void *reader(void *arg)
{
    (void)arg;
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    object *o = (object *)lf_hp_protect(r, 0, &shared);
    assert(o->payload == 1 || o->payload == 2);
    lf_hp_clear(r, 0);
    lf_hp_rec_release(r);
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    object *fresh = make(2);
    object *old = (object *)atomic_exchange_explicit(&shared, (void *)fresh, UNLINK_ORDER);
    lf_hp_retire(r, &old->hp, old, reclaim);
    lf_hp_scan(r);
    lf_hp_rec_release(r);
    return NULL;
}

int main(void)
{
#ifdef ASYMMETRIC
    lf_status st = lf_hp_domain_init_asymmetric(&d, 1);
#ifdef EXPECT_SYMMETRIC
    assert(!lf_hp_domain_is_asymmetric(&d));
#endif
#else
    lf_status st = lf_hp_domain_init(&d, 1);
#endif
    assert(st == LF_OK);
    atomic_store_explicit(&shared, (void *)make(1), memory_order_release);
    pthread_t a = client_spawn(reader, NULL), b = client_spawn(writer, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    free(atomic_load_explicit(&shared, memory_order_relaxed));
    lf_hp_domain_destroy(&d);
    return 0;
}

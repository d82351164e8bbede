/* tests/test_hp.c - hazard pointers (lfkit/hp.h). */
#include "test_alloc.h"

#include <lfkit/hp.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

/* A retirable object that counts how often it was reclaimed. */
typedef struct tracked {
    lf_hp_node hp;
    _Atomic(int) reclaimed;
} tracked;

static void tracked_reclaim(lf_hp_node *n)
{
    tracked *t = lf_container_of(n, tracked, hp);
    atomic_fetch_add(&t->reclaimed, 1);
}

static void tracked_init(tracked *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        atomic_store(&t[i].reclaimed, 0);
}

static size_t reclaimed_count(tracked *t, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        int k = atomic_load(&t[i].reclaimed);
        cr_assert(k == 0 || k == 1, "object %zu reclaimed %d times", i, k);
        c += (size_t)k;
    }
    return c;
}

Test(hp, slot_limit_is_at_least_four)
{
    cr_assert_geq(LF_HP_MAX_SLOTS, 4);
}

Test(hp, domain_init_rejects_bad_input)
{
    lf_hp_domain d;
    memset(&d, 0xab, sizeof d);
    lf_hp_domain copy;
    memcpy(&copy, &d, sizeof d);
    cr_assert_eq(lf_hp_domain_init(NULL, 2), LF_EINVAL);
    cr_assert_eq(lf_hp_domain_init(&d, 0), LF_EINVAL);
    cr_assert_eq(lf_hp_domain_init(&d, LF_HP_MAX_SLOTS + 1), LF_EINVAL);
    cr_assert_eq(memcmp(&d, &copy, sizeof d), 0, "a rejected init wrote to the domain");
}

Test(hp, domain_init_accepts_one_to_max_slots)
{
    for (unsigned k = 1; k <= LF_HP_MAX_SLOTS; k++) {
        lf_hp_domain d;
        cr_assert_eq(lf_hp_domain_init(&d, k), LF_OK);
        cr_assert_eq(lf_hp_domain_hazards(&d), 0);
        lf_hp_rec *r = lf_hp_rec_acquire(&d);
        cr_assert_not_null(r);
        cr_assert_eq(lf_hp_domain_hazards(&d), k);
        lf_hp_rec_release(r);
        lf_hp_domain_destroy(&d);
    }
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(hp, domain_is_cache_aligned)
{
    cr_assert_eq(_Alignof(lf_hp_domain), LF_CACHELINE);
    cr_assert_eq(_Alignof(lf_hp_rec), LF_CACHELINE);
    cr_assert_eq(sizeof(lf_hp_rec) % LF_CACHELINE, 0);
}

Test(hp, acquire_release_reuses_records)
{
    lf_hp_domain d;
    cr_assert_null(lf_hp_rec_acquire(NULL));
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    lf_hp_rec *a = lf_hp_rec_acquire(&d);
    lf_hp_rec *b = lf_hp_rec_acquire(&d);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_neq(a, b);
    cr_assert_eq((uintptr_t)a % LF_CACHELINE, 0);
    cr_assert_eq(lf_hp_domain_hazards(&d), 4);
    lf_hp_rec_release(a);
    cr_assert_eq(lf_hp_rec_acquire(&d), a, "a released record is reused first");
    cr_assert_eq(lf_hp_domain_hazards(&d), 4, "reuse creates no record");
    lf_hp_rec_release(a);
    lf_hp_rec_release(b);
    lf_hp_rec_release(NULL);
    lf_hp_domain_destroy(&d);
    lf_hp_domain_destroy(NULL);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(hp, acquire_reports_enomem)
{
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    test_alloc_fail(true);
    cr_assert_null(lf_hp_rec_acquire(&d));
    cr_assert_eq(lf_hp_domain_hazards(&d), 0);
    test_alloc_fail(false);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    cr_assert_not_null(r);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(hp, protect_returns_current_value)
{
    lf_hp_domain d;
    tracked obj;
    _Atomic(void *) src;
    atomic_store(&src, (void *)&obj);
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    cr_assert_eq(lf_hp_protect(r, 0, &src), &obj);
    cr_assert_eq(lf_hp_protect(r, 1, &src), &obj);
    atomic_store(&src, (void *)NULL);
    cr_assert_null(lf_hp_protect(r, 1, &src));
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(hp, bad_slot_or_null_protects_nothing)
{
    lf_hp_domain d;
    tracked obj;
    tracked_init(&obj, 1);
    _Atomic(void *) src;
    atomic_store(&src, (void *)&obj);
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    cr_assert_null(lf_hp_protect(r, 2, &src));
    cr_assert_null(lf_hp_protect(NULL, 0, &src));
    cr_assert_null(lf_hp_protect(r, 0, NULL));
    lf_hp_set(r, 2, &obj);
    lf_hp_set(NULL, 0, &obj);
    lf_hp_clear(r, 2);
    lf_hp_clear(NULL, 0);
    lf_hp_retire(r, &obj.hp, &obj, tracked_reclaim);
    lf_hp_scan(r);
    lf_hp_scan(NULL);
    cr_assert_eq(atomic_load(&obj.reclaimed), 1, "nothing protected the object");
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(hp, retire_rejects_null)
{
    lf_hp_domain d;
    tracked obj;
    tracked_init(&obj, 1);
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_hp_retire(NULL, &obj.hp, &obj, tracked_reclaim);
    lf_hp_retire(r, NULL, &obj, tracked_reclaim);
    lf_hp_retire(r, &obj.hp, &obj, NULL);
    lf_hp_retire_recycle(NULL, &obj.hp, &obj, tracked_reclaim);
    cr_assert_eq(lf_hp_retired_count(r), 0);
    cr_assert_eq(lf_hp_retired_count(NULL), 0);
    cr_assert_null(lf_hp_cache_take(NULL, tracked_reclaim));
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(atomic_load(&obj.reclaimed), 0);
}

Test(hp, protected_object_survives_scan)
{
    lf_hp_domain d;
    tracked objs[3];
    tracked_init(objs, 3);
    _Atomic(void *) src;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    lf_hp_rec *reader = lf_hp_rec_acquire(&d);
    lf_hp_rec *writer = lf_hp_rec_acquire(&d);
    atomic_store(&src, (void *)&objs[0]);
    cr_assert_eq(lf_hp_protect(reader, 0, &src), &objs[0]);
    lf_hp_set(reader, 1, &objs[1]);
    for (int i = 0; i < 3; i++)
        lf_hp_retire(writer, &objs[i].hp, &objs[i], tracked_reclaim);
    lf_hp_scan(writer);
    cr_assert_eq(lf_hp_retired_count(writer), 2);
    cr_assert_eq(atomic_load(&objs[0].reclaimed), 0);
    cr_assert_eq(atomic_load(&objs[1].reclaimed), 0);
    cr_assert_eq(atomic_load(&objs[2].reclaimed), 1);

    lf_hp_clear(reader, 0);
    lf_hp_scan(writer);
    cr_assert_eq(atomic_load(&objs[0].reclaimed), 1);
    cr_assert_eq(atomic_load(&objs[1].reclaimed), 0);
    cr_assert_eq(lf_hp_retired_count(writer), 1);

    lf_hp_rec_release(reader); /* clears slot 1 */
    lf_hp_scan(writer);
    cr_assert_eq(lf_hp_retired_count(writer), 0);
    cr_assert_eq(reclaimed_count(objs, 3), 3);
    lf_hp_rec_release(writer);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(reclaimed_count(objs, 3), 3, "destroy reclaimed a node twice");
}

Test(hp, publish_protects_and_rejects_bad_slot)
{
    lf_hp_domain d;
    tracked objs[2];
    tracked_init(objs, 2);
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_hp_publish(r, 0, &objs[0]);
    lf_hp_publish(r, 1, &objs[1]); /* slot 1 does not exist: no effect */
    lf_hp_publish(NULL, 0, &objs[1]);
    lf_hp_retire(r, &objs[0].hp, &objs[0], tracked_reclaim);
    lf_hp_retire(r, &objs[1].hp, &objs[1], tracked_reclaim);
    lf_hp_scan(r);
    cr_assert_eq(atomic_load(&objs[0].reclaimed), 0, "a published object was reclaimed");
    cr_assert_eq(atomic_load(&objs[1].reclaimed), 1);
    lf_hp_clear(r, 0);
    lf_hp_scan(r);
    cr_assert_eq(reclaimed_count(objs, 2), 2);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(hp, snapshot_sort_and_search)
{
    enum { N = 257 };
    uintptr_t a[N];
    uint64_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        a[i] = (uintptr_t)(x >> 20) | 1u; /* odd: even keys are absent */
    }
    a[N - 1] = a[0]; /* a duplicate, as two slots protecting one object */
    lf_hp__sort_addresses(a, N);
    for (size_t i = 1; i < N; i++)
        cr_assert_leq(a[i - 1], a[i], "not sorted at %zu", i);
    for (size_t i = 0; i < N; i++) {
        cr_assert(lf_hp__snapshot_holds(a, N, a[i]));
        cr_assert_not(lf_hp__snapshot_holds(a, N, a[i] + 1));
    }
    cr_assert_not(lf_hp__snapshot_holds(a, 0, a[0]));
    lf_hp__sort_addresses(a, 0);
    lf_hp__sort_addresses(a, 1);
}

Test(hp, retire_scans_at_threshold)
{
    enum { N = 200 };
    static tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    /* H = 1, so R = 64 */
    for (size_t i = 0; i < LF_HP_SCAN_MIN - 1; i++)
        lf_hp_retire(r, &objs[i].hp, &objs[i], tracked_reclaim);
    cr_assert_eq(lf_hp_retired_count(r), LF_HP_SCAN_MIN - 1, "scanned before R");
    cr_assert_eq(reclaimed_count(objs, N), 0);
    lf_hp_retire(r, &objs[LF_HP_SCAN_MIN - 1].hp, &objs[LF_HP_SCAN_MIN - 1], tracked_reclaim);
    cr_assert_eq(lf_hp_retired_count(r), 0);
    cr_assert_eq(reclaimed_count(objs, N), LF_HP_SCAN_MIN);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
}

Test(hp, threshold_grows_with_hazards)
{
    enum { RECS = 20, SLOTS = 4, N = 400 };
    static tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    lf_hp_rec *recs[RECS];
    cr_assert_eq(lf_hp_domain_init(&d, SLOTS), LF_OK);
    for (int i = 0; i < RECS; i++)
        recs[i] = lf_hp_rec_acquire(&d);
    size_t h = lf_hp_domain_hazards(&d);
    cr_assert_eq(h, RECS * SLOTS);
    cr_assert_eq(lf_hp_scan_threshold(h), 2 * h);
    /* every slot but one protects a distinct object: H - 1 survive scans */
    for (int i = 0; i < RECS; i++)
        for (unsigned s = 0; s < SLOTS; s++)
            if (i != 0 || s != 0)
                lf_hp_set(recs[i], s, &objs[i * SLOTS + s]);
    lf_hp_rec *r = recs[0];
    for (size_t i = 0; i < N; i++) {
        lf_hp_retire(r, &objs[i].hp, &objs[i], tracked_reclaim);
        cr_assert_leq(lf_hp_retired_count(r), lf_hp_scan_threshold(h));
    }
    lf_hp_scan(r);
    cr_assert_eq(lf_hp_retired_count(r), h - 1);
    for (size_t i = 1; i < h; i++)
        cr_assert_eq(atomic_load(&objs[i].reclaimed), 0, "protected object %zu reclaimed", i);
    cr_assert_eq(reclaimed_count(objs, N), N - (h - 1));
    for (int i = 0; i < RECS; i++)
        lf_hp_rec_release(recs[i]);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(reclaimed_count(objs, N), N);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(hp, scan_without_scratch_memory_still_reclaims)
{
    enum { N = 10 };
    tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_hp_rec *other = lf_hp_rec_acquire(&d);
    lf_hp_set(other, 1, &objs[3]);
    lf_hp_set(r, 0, &objs[7]);
    for (int i = 0; i < N; i++)
        lf_hp_retire(r, &objs[i].hp, &objs[i], tracked_reclaim);
    test_alloc_fail(true);
    lf_hp_scan(r); /* first scan of r: its snapshot cannot be allocated */
    test_alloc_fail(false);
    cr_assert_eq(lf_hp_retired_count(r), 2);
    cr_assert_eq(atomic_load(&objs[3].reclaimed), 0);
    cr_assert_eq(atomic_load(&objs[7].reclaimed), 0);
    cr_assert_eq(reclaimed_count(objs, N), N - 2);
    lf_hp_rec_release(r);
    lf_hp_rec_release(other);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(reclaimed_count(objs, N), N);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

/* obj == NULL is never protected, with or without the sorted snapshot
 * (a cleared slot holds NULL too, and must not pin such a node). */
Test(hp, null_obj_is_never_protected)
{
    tracked objs[2];
    tracked_init(objs, 2);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    lf_hp_retire(r, &objs[0].hp, NULL, tracked_reclaim);
    lf_hp_scan(r); /* sorted snapshot */
    cr_assert_eq(atomic_load(&objs[0].reclaimed), 1);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);

    cr_assert_eq(lf_hp_domain_init(&d, 2), LF_OK);
    r = lf_hp_rec_acquire(&d);
    lf_hp_retire(r, &objs[1].hp, NULL, tracked_reclaim);
    test_alloc_fail(true);
    lf_hp_scan(r); /* first scan, no snapshot memory: the O(R x H) fallback */
    test_alloc_fail(false);
    cr_assert_eq(atomic_load(&objs[1].reclaimed), 1, "the fallback scan kept a NULL obj");
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(hp, released_record_keeps_retired_nodes)
{
    enum { N = 5 };
    tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    for (int i = 0; i < N; i++)
        lf_hp_retire(r, &objs[i].hp, &objs[i], tracked_reclaim);
    lf_hp_rec_release(r);
    cr_assert_eq(reclaimed_count(objs, N), 0);
    lf_hp_rec *again = lf_hp_rec_acquire(&d);
    cr_assert_eq(again, r);
    cr_assert_eq(lf_hp_retired_count(again), N, "the new owner inherits the retired nodes");
    lf_hp_scan(again);
    cr_assert_eq(reclaimed_count(objs, N), N);
    lf_hp_rec_release(again);
    lf_hp_domain_destroy(&d);
}

Test(hp, destroy_reclaims_everything_once)
{
    enum { N = 50 };
    tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 3), LF_OK);
    lf_hp_rec *a = lf_hp_rec_acquire(&d);
    lf_hp_rec *b = lf_hp_rec_acquire(&d);
    lf_hp_set(b, 2, &objs[0]);
    for (int i = 0; i < N; i++)
        lf_hp_retire(i % 2 ? a : b, &objs[i].hp, &objs[i], tracked_reclaim);
    lf_hp_rec_release(a);
    lf_hp_rec_release(b);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(reclaimed_count(objs, N), N);
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK, "a destroyed domain can be reused");
    cr_assert_eq(lf_hp_domain_hazards(&d), 0);
    lf_hp_domain_destroy(&d);
}

static void other_reclaim(lf_hp_node *n)
{
    tracked_reclaim(n);
}

Test(hp, recycle_caches_safe_nodes)
{
    enum { N = 10 };
    tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    cr_assert_null(lf_hp_cache_take(r, tracked_reclaim));
    lf_hp_set(r, 0, &objs[0]);
    for (int i = 0; i < N; i++)
        lf_hp_retire_recycle(r, &objs[i].hp, &objs[i], tracked_reclaim);
    cr_assert_eq(lf_hp_cached_count(r), 0, "cached before it was safe");
    lf_hp_scan(r);
    cr_assert_eq(lf_hp_retired_count(r), 1);
    cr_assert_eq(lf_hp_cached_count(r), N - 1);
    cr_assert_eq(reclaimed_count(objs, N), 0, "a cached node was reclaimed");
    cr_assert_null(lf_hp_cache_take(r, other_reclaim), "a node of another kind was handed out");
    lf_hp_node *n = lf_hp_cache_take(r, tracked_reclaim);
    cr_assert_not_null(n);
    cr_assert_neq(n, &objs[0].hp, "a protected node was handed out");
    cr_assert_eq(lf_hp_cached_count(r), N - 2);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
    /* the taken node is ours; every other node was disposed exactly once */
    cr_assert_eq(reclaimed_count(objs, N), N - 1);
}

Test(hp, cache_put_keeps_nodes_for_take_up_to_the_bound)
{
    enum { N = LF_HP_CACHE_MAX + 2 };
    static tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    cr_assert_not(lf_hp_cache_put(NULL, &objs[0].hp, &objs[0], tracked_reclaim));
    cr_assert_not(lf_hp_cache_put(r, NULL, &objs[0], tracked_reclaim));
    cr_assert_not(lf_hp_cache_put(r, &objs[0].hp, &objs[0], NULL));
    cr_assert_eq(lf_hp_cached_count(r), 0);
    for (int i = 0; i < N; i++)
        cr_assert_eq(lf_hp_cache_put(r, &objs[i].hp, &objs[i], tracked_reclaim),
                     i < (int)LF_HP_CACHE_MAX, "put %d", i);
    cr_assert_eq(lf_hp_cached_count(r), LF_HP_CACHE_MAX);
    cr_assert_eq(lf_hp_retired_count(r), 0, "a put node counts as retired");
    cr_assert_null(lf_hp_cache_take(r, other_reclaim), "a node of another kind was handed out");
    cr_assert_eq(lf_hp_cache_take(r, tracked_reclaim), &objs[LF_HP_CACHE_MAX - 1].hp,
                 "the cache is not LIFO");
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
    /* the taken node and the refused ones are ours; the rest reclaimed once each */
    cr_assert_eq(reclaimed_count(objs, N), LF_HP_CACHE_MAX - 1);
}

Test(hp, cache_is_bounded)
{
    enum { N = LF_HP_CACHE_MAX + 40 };
    static tracked objs[N];
    tracked_init(objs, N);
    lf_hp_domain d;
    cr_assert_eq(lf_hp_domain_init(&d, 1), LF_OK);
    lf_hp_rec *r = lf_hp_rec_acquire(&d);
    for (int i = 0; i < N; i++)
        lf_hp_retire_recycle(r, &objs[i].hp, &objs[i], tracked_reclaim);
    lf_hp_scan(r);
    cr_assert_eq(lf_hp_cached_count(r), LF_HP_CACHE_MAX);
    cr_assert_eq(reclaimed_count(objs, N), N - LF_HP_CACHE_MAX);
    lf_hp_rec_release(r);
    lf_hp_domain_destroy(&d);
    cr_assert_eq(reclaimed_count(objs, N), N);
}

/*
 * Thread 0 keeps replacing the shared object and retiring the old one; the
 * other threads protect and check it.  Reclaim poisons and frees, so a
 * reader that used a reclaimed object sees the poison (or ASan reports it).
 * Readers churn records: each reacquires one now and then.
 */
enum { MT_THREADS = 4, MT_SWAPS = 20000 };

typedef struct mt_obj {
    lf_hp_node hp;
    _Atomic(unsigned) magic;
    _Atomic(long) *reclaims;
} mt_obj;

#define MT_LIVE 0x11fe11feu
#define MT_DEAD 0xdeadu

static void mt_reclaim(lf_hp_node *n)
{
    mt_obj *o = lf_container_of(n, mt_obj, hp);
    atomic_fetch_add(o->reclaims, 1);
    atomic_store(&o->magic, MT_DEAD);
    free(o);
}

typedef struct mt_shared {
    lf_hp_domain d;
    _Atomic(void *) current;
    _Atomic(bool) done;
    _Atomic(long) reclaims;
    _Atomic(long) bad_reads;
    _Atomic(long) bound_violations;
} mt_shared;

static mt_obj *mt_new(mt_shared *s)
{
    mt_obj *o = (mt_obj *)malloc(sizeof *o);
    atomic_store(&o->magic, MT_LIVE);
    o->reclaims = &s->reclaims;
    return o;
}

static void mt_writer(mt_shared *s)
{
    lf_hp_rec *w = lf_hp_rec_acquire(&s->d);
    for (long i = 0; i < MT_SWAPS; i++) {
        mt_obj *old = (mt_obj *)atomic_exchange(&s->current, (void *)mt_new(s));
        lf_hp_retire(w, &old->hp, old, mt_reclaim);
        size_t h = lf_hp_domain_hazards(&s->d);
        if (lf_hp_retired_count(w) > lf_hp_scan_threshold(h) + h)
            atomic_fetch_add(&s->bound_violations, 1);
    }
    atomic_store(&s->done, true);
    lf_hp_rec_release(w);
}

static void mt_reader(mt_shared *s)
{
    lf_hp_rec *r = lf_hp_rec_acquire(&s->d);
    for (unsigned long i = 0; !atomic_load(&s->done); i++) {
        mt_obj *o = (mt_obj *)lf_hp_protect(r, (unsigned)(i % 2), &s->current);
        if (o == NULL || atomic_load(&o->magic) != MT_LIVE)
            atomic_fetch_add(&s->bad_reads, 1);
        lf_hp_clear(r, (unsigned)(i % 2));
        if (i % 1000 == 999) {
            lf_hp_rec_release(r);
            r = lf_hp_rec_acquire(&s->d);
        }
    }
    lf_hp_rec_release(r);
}

static void mt_thread(void *arg, unsigned index)
{
    if (index == 0)
        mt_writer((mt_shared *)arg);
    else
        mt_reader((mt_shared *)arg);
}

/* The run above on a domain of either kind (init: lf_hp_domain_init or
 * lf_hp_domain_init_asymmetric). */
static void mt_run(lf_status (*init)(lf_hp_domain *d, unsigned slots_per_rec))
{
    static mt_shared s;
    cr_assert_eq(init(&s.d, 2), LF_OK);
    atomic_store(&s.current, (void *)mt_new(&s));
    harness_run_threads(MT_THREADS, mt_thread, &s);
    lf_hp_rec *w = lf_hp_rec_acquire(&s.d);
    mt_obj *last = (mt_obj *)atomic_load(&s.current);
    lf_hp_retire(w, &last->hp, last, mt_reclaim);
    lf_hp_rec_release(w);
    cr_assert_leq(lf_hp_domain_hazards(&s.d), 2 * MT_THREADS, "records were not reused");
    lf_hp_domain_destroy(&s.d);
    cr_assert_eq(atomic_load(&s.bad_reads), 0, "a reader saw a reclaimed object");
    cr_assert_eq(atomic_load(&s.bound_violations), 0, "retired count above the bound");
    cr_assert_eq(atomic_load(&s.reclaims), MT_SWAPS + 1, "retired %d, reclaimed %ld",
                 MT_SWAPS + 1, atomic_load(&s.reclaims));
    cr_assert_eq(atomic_load(&test_alloc_live), 0);
}

Test(hp, concurrent_protect_and_retire, .timeout = 30)
{
    mt_run(lf_hp_domain_init);
}

Test(hp, concurrent_protect_and_retire_asymmetric, .timeout = 30)
{
    mt_run(lf_hp_domain_init_asymmetric);
}

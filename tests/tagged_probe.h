/*
 * tagged_probe.h - single-thread checks of <lfkit/tagged.h> that every
 * target runs: the unit tests (tests/test_tagged.c) natively, and the
 * `tagged_probe` stress scenario (stress/stress_tagged.c) on every target
 * of `make cross-stress`, where Criterion is not available.
 *
 * Each check returns NULL when it passes, or what went wrong.
 *
 * It also states, per target, the representation tagged.h's table
 * promises (TAGGED_EXPECT_*), which tests/cross_layout.c asserts at
 * compile time and the probes check at run time.
 */
#ifndef LFKIT_TAGGED_PROBE_H
#define LFKIT_TAGGED_PROBE_H

#include <lfkit/tagged.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

/* The tag width per target, as tagged.h's table states it. */
#if defined(__x86_64__) && defined(__LP64__) && !defined(LF_NO_DWCAS)
#define TAGGED_EXPECT_TARGET "x86-64, cmpxchg16b"
#define TAGGED_EXPECT_TAG_BITS 64
#elif defined(__aarch64__) && defined(__LP64__) && !defined(LF_NO_DWCAS) && defined(__ARM_FEATURE_ATOMICS)
#define TAGGED_EXPECT_TARGET "AArch64, caspal"
#define TAGGED_EXPECT_TAG_BITS 64
#elif defined(__aarch64__) && defined(__LP64__) && !defined(LF_NO_DWCAS)
#define TAGGED_EXPECT_TARGET "AArch64, ldaxp/stlxp"
#define TAGGED_EXPECT_TAG_BITS 64
#elif defined(__s390x__) && !defined(LF_NO_DWCAS)
#define TAGGED_EXPECT_TARGET "s390x, cdsg"
#define TAGGED_EXPECT_TAG_BITS 64
#elif UINTPTR_MAX <= 0xFFFFFFFFu
#define TAGGED_EXPECT_TARGET "32-bit pointers, packed 32+32"
#define TAGGED_EXPECT_TAG_BITS 32
#elif defined(__aarch64__)
#define TAGGED_EXPECT_TARGET "AArch64 packed 48+16"
#define TAGGED_EXPECT_TAG_BITS 16
#else
#define TAGGED_EXPECT_TARGET "64-bit packed 47+17"
#define TAGGED_EXPECT_TAG_BITS 17
#endif
#define TAGGED_EXPECT_DWCAS (TAGGED_EXPECT_TAG_BITS == 64)

static char tagged_probe_why_[256];

#define TAGGED_PROBE_FAIL(...) \
    (snprintf(tagged_probe_why_, sizeof tagged_probe_why_, __VA_ARGS__), (const char *)tagged_probe_why_)

/* The representation matches the table above. */
static inline const char *tagged_probe_representation(void)
{
    if (LF_TAGGED_TAG_BITS != TAGGED_EXPECT_TAG_BITS || LF_HAS_DWCAS != TAGGED_EXPECT_DWCAS)
        return TAGGED_PROBE_FAIL("%s: LF_TAGGED_TAG_BITS %d, LF_HAS_DWCAS %d", TAGGED_EXPECT_TARGET,
                                 (int)LF_TAGGED_TAG_BITS, (int)LF_HAS_DWCAS);
    if (sizeof(lf_atomic_tagged) != (LF_HAS_DWCAS ? 16u : 8u) ||
        LF_ALIGNOF(lf_atomic_tagged) != sizeof(lf_atomic_tagged))
        return TAGGED_PROBE_FAIL("lf_atomic_tagged is %u bytes, %u-aligned", (unsigned)sizeof(lf_atomic_tagged),
                                 (unsigned)LF_ALIGNOF(lf_atomic_tagged));
    return NULL;
}

/*
 * The ABA probe: snapshot {A, t}, then 2^k successful CASes alternating B
 * and A (A is back, the tag has moved by 2^k), then a CAS expecting the
 * stale {A, t}.  It must fail exactly when the tag has more than k bits.
 */
static inline const char *tagged_probe_aba(unsigned k)
{
    static int a, b, c;
    lf_atomic_tagged w;
    lf_tagged_init(&w, &a);
    lf_tagged stale = lf_tagged_load(&w);
    uint64_t swings = UINT64_C(1) << k;
    for (uint64_t i = 0; i < swings; i++) {
        lf_tagged e = lf_tagged_load(&w);
        if (!lf_tagged_cas(&w, &e, (i & 1) ? (void *)&a : (void *)&b))
            return TAGGED_PROBE_FAIL("k=%u: CAS %llu of a single thread failed", k, (unsigned long long)i);
    }
    lf_tagged now = lf_tagged_load(&w);
    uintptr_t moved = (uintptr_t)(swings & LF_TAGGED_TAG_MASK);
    if (now.ptr != (void *)&a || now.tag != moved)
        return TAGGED_PROBE_FAIL("k=%u: after 2^k swings {%p, %llu}, not {A, %llu}", k, now.ptr,
                                 (unsigned long long)now.tag, (unsigned long long)moved);
    bool stale_won = lf_tagged_cas(&w, &stale, &c);
    bool should_win = LF_TAGGED_TAG_BITS <= k;
    if (stale_won != should_win)
        return TAGGED_PROBE_FAIL("k=%u, %d-bit tag: the stale CAS %s", k, (int)LF_TAGGED_TAG_BITS,
                                 stale_won ? "succeeded (ABA)" : "failed, yet the tag has wrapped");
    if (!stale_won && (stale.ptr != (void *)&a || stale.tag != moved))
        return TAGGED_PROBE_FAIL("k=%u: the failed CAS reported {%p, %llu}", k, stale.ptr,
                                 (unsigned long long)stale.tag);
    return NULL;
}

/* init, load, CAS to itself and away and back, detach: p comes back exactly each time. */
static inline const char *tagged_probe_round_trip(void *p, const char *what)
{
    static int other;
    lf_atomic_tagged w;
    lf_tagged_init(&w, p);
    lf_tagged e = lf_tagged_load(&w);
    if (e.ptr != p || e.tag != 0)
        return TAGGED_PROBE_FAIL("%s %p: init/load gave {%p, %llu}", what, p, e.ptr, (unsigned long long)e.tag);
    if (!lf_tagged_cas(&w, &e, p) || (e = lf_tagged_load(&w)).ptr != p || e.tag != 1)
        return TAGGED_PROBE_FAIL("%s %p: CAS to itself gave {%p, %llu}", what, p, e.ptr, (unsigned long long)e.tag);
    if (!lf_tagged_cas(&w, &e, &other))
        return TAGGED_PROBE_FAIL("%s %p: CAS away failed", what, p);
    lf_tagged wrong = {p, 1};
    if (lf_tagged_cas(&w, &wrong, p) || wrong.ptr != (void *)&other || wrong.tag != 2)
        return TAGGED_PROBE_FAIL("%s %p: a stale CAS succeeded or misreported", what, p);
    if (!lf_tagged_cas(&w, &wrong, p))
        return TAGGED_PROBE_FAIL("%s %p: CAS back failed", what, p);
    if (lf_tagged_load_ptr_seq_cst(&w) != p)
        return TAGGED_PROBE_FAIL("%s %p: seq_cst load differs", what, p);
    void *got = lf_tagged_detach(&w);
    e = lf_tagged_load(&w);
    if (got != p || e.ptr != NULL || e.tag != 3)
        return TAGGED_PROBE_FAIL("%s %p: detach gave %p and left {%p, %llu}", what, p, got, e.ptr,
                                 (unsigned long long)e.tag);
    return NULL;
}

static inline const char *tagged_probe_real(void *p, const char *what)
{
    if (p == NULL)
        return TAGGED_PROBE_FAIL("%s: allocation failed", what);
    if (!lf_tagged_fits(p))
        return TAGGED_PROBE_FAIL("%s %p does not fit a %d-bit-tag lf_atomic_tagged", what, p,
                                 (int)LF_TAGGED_TAG_BITS);
    return tagged_probe_round_trip(p, what);
}

/* Everything malloc, aligned_alloc and a default mmap hand out (small, large, mmap-backed) fits and round-trips. */
static inline const char *tagged_probe_allocations(void)
{
    static const size_t sizes[] = {1, 24, 4096, (size_t)1 << 20, (size_t)64 << 20};
    static int in_data;
    int on_stack = 0;
    const char *why;
    if ((why = tagged_probe_real(&in_data, "static object")) != NULL ||
        (why = tagged_probe_real(&on_stack, "stack object")) != NULL)
        return why;
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *m = malloc(sizes[i]);
        why = tagged_probe_real(m, "malloc");
        free(m);
        if (why != NULL)
            return why;
        void *al = aligned_alloc(64, (sizes[i] + 63) / 64 * 64);
        why = tagged_probe_real(al, "aligned_alloc");
        free(al);
        if (why != NULL)
            return why;
        void *mm = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        why = tagged_probe_real(mm == MAP_FAILED ? NULL : mm, "mmap");
        if (mm != MAP_FAILED)
            munmap(mm, sizes[i]);
        if (why != NULL)
            return why;
    }
    return NULL;
}

/*
 * Constructed pointers (never dereferenced): high addresses and AArch64
 * style top-byte tags.  lf_tagged_fits must say exactly what this target's
 * representation holds, and every pointer it accepts must round-trip.
 * *fitting counts them.
 */
static inline const char *tagged_probe_constructed(unsigned *fitting)
{
    static int anchor;
    uintptr_t base = (uintptr_t)&anchor;
    uintptr_t cases[16];
    unsigned n = 0;
    cases[n++] = base;
    cases[n++] = (uintptr_t)1 << 31;
    cases[n++] = ~(uintptr_t)0 & ~(uintptr_t)7;
#if UINTPTR_MAX > 0xFFFFFFFFu
    cases[n++] = (uintptr_t)1 << 32;
    cases[n++] = ((uintptr_t)1 << 46) + 8;
    cases[n++] = ((uintptr_t)1 << 47) - 8;
    cases[n++] = (uintptr_t)1 << 47;
    cases[n++] = ((uintptr_t)1 << 48) - 8;
    cases[n++] = (uintptr_t)1 << 48;
    cases[n++] = (uintptr_t)1 << 52;
    cases[n++] = ((uintptr_t)1 << 56) - 8;
    cases[n++] = base | ((uintptr_t)0x5A << 56); /* top-byte tag (TBI, MTE, HWASan) */
    cases[n++] = base | ((uintptr_t)0x0F << 56);
#endif
    *fitting = 0;
    for (unsigned i = 0; i < n; i++) {
        void *p = (void *)cases[i];
        bool should_fit = LF_HAS_DWCAS || UINTPTR_MAX <= 0xFFFFFFFFu ||
                          (uint64_t)cases[i] >> (64 - LF_TAGGED_TAG_BITS) == 0;
        if (lf_tagged_fits(p) != should_fit)
            return TAGGED_PROBE_FAIL("lf_tagged_fits(%p) is %d with a %d-bit tag", p, (int)lf_tagged_fits(p),
                                     (int)LF_TAGGED_TAG_BITS);
        if (!should_fit)
            continue;
        ++*fitting;
        const char *why = tagged_probe_round_trip(p, "constructed");
        if (why != NULL)
            return why;
    }
    return NULL;
}

/*
 * The tag wraps inside its own field: {p, max tag} CASes to {q, 0}, with
 * the largest fitting pointer, so a carry out of the tag never reaches the
 * pointer and the pointer never spills into the tag.
 */
static inline const char *tagged_probe_wrap(void)
{
    static int target;
#if LF_HAS_DWCAS || UINTPTR_MAX <= 0xFFFFFFFFu
    void *top = (void *)(~(uintptr_t)0 & ~(uintptr_t)7);
#else
    void *top = (void *)(((uintptr_t)1 << (64 - LF_TAGGED_TAG_BITS)) - 8);
#endif
    lf_atomic_tagged w;
    lf_tagged full = {top, LF_TAGGED_TAG_MASK};
    lf_tagged_pair_init_(&w, full); /* the private init: the public one starts at tag 0 */
    lf_tagged e = lf_tagged_load(&w);
    if (e.ptr != top || e.tag != LF_TAGGED_TAG_MASK)
        return TAGGED_PROBE_FAIL("{%p, max} loaded as {%p, %llu}", top, e.ptr, (unsigned long long)e.tag);
    if (!lf_tagged_cas(&w, &e, &target))
        return TAGGED_PROBE_FAIL("CAS from {top, max tag} failed");
    e = lf_tagged_load(&w);
    if (e.ptr != (void *)&target || e.tag != 0)
        return TAGGED_PROBE_FAIL("the tag did not wrap to 0 cleanly: {%p, %llu}", e.ptr, (unsigned long long)e.tag);
    if (!lf_tagged_cas(&w, &e, top) || (e = lf_tagged_load(&w)).ptr != top || e.tag != 1)
        return TAGGED_PROBE_FAIL("the largest fitting pointer did not round-trip: {%p, %llu}", e.ptr,
                                 (unsigned long long)e.tag);
    return NULL;
}

/* Every check above, in order: NULL if all pass.  The ABA probe's k: below, at and above the width where cheap. */
static inline const char *tagged_probe_all(unsigned *fitting)
{
    static const unsigned ks[] = {1, 4, 8, 15, 16, 17, 20};
    const char *why;
    if ((why = tagged_probe_representation()) != NULL || (why = tagged_probe_wrap()) != NULL ||
        (why = tagged_probe_allocations()) != NULL || (why = tagged_probe_constructed(fitting)) != NULL)
        return why;
    for (unsigned i = 0; i < sizeof ks / sizeof ks[0]; i++)
        if ((why = tagged_probe_aba(ks[i])) != NULL)
            return why;
    return NULL;
}

#endif /* LFKIT_TAGGED_PROBE_H */

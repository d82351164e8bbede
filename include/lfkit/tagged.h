/*
 * lfkit/tagged.h - a pointer with a version tag, updated by one CAS, so a
 * CAS can tell "the same pointer again" from "nothing changed": the ABA
 * defence of IBM System/370 (Principles of Operation, 1983, Appendix A,
 * "Multiprogramming and multiprocessing examples", free-pool manipulation)
 * as used by Treiber's stack (IBM RJ 5118, 1986).
 *
 * Two representations, chosen at compile time (LF_HAS_DWCAS, platform.h):
 *
 *  - LF_HAS_DWCAS == 1 (x86-64, AArch64): two machine words, {ptr, tag},
 *    16-byte aligned, compared and swapped together by a double-width CAS:
 *    LOCK CMPXCHG16B on x86-64; CASPAL on AArch64 with LSE (ARMv8.1,
 *    __ARM_FEATURE_ATOMICS), otherwise an LDAXP/STLXP loop.  Inline
 *    assembly, so users need neither -mcx16 nor libatomic.  The tag is a
 *    full word: it never wraps in practice.
 *
 *  - LF_HAS_DWCAS == 0 (other targets, or -DLF_NO_DWCAS): one 64-bit
 *    atomic word.  With 64-bit pointers the pointer takes the low 48 bits
 *    and the tag the high 16, which requires every pointer stored to fit
 *    in 48 bits (true for user-space addresses on x86-64 with 4-level
 *    paging and on AArch64 with 48-bit VAs; not for 57-bit or 52-bit
 *    address spaces, nor for tagged/PAC-signed pointers).  With 32-bit
 *    pointers the tag takes the other 32 bits.  A 16-bit tag wraps after
 *    65536 updates: an ABA needs a thread to stall across exactly a
 *    multiple of that, which this mode accepts as its documented risk.
 *
 * Under ThreadSanitizer (LF_TSAN) the double-width CAS goes through
 * TSan's own 128-bit atomic entry point instead of inline assembly, which
 * TSan cannot see: that way TSan records the access and its ordering.
 *
 * Memory order: lf_tagged_cas is acq_rel on success (release publishes
 * what the caller wrote before installing desired; acquire takes what the
 * previous installer published) and acquire on failure (the refreshed
 * expected value is about to be dereferenced).  lf_tagged_load is acquire
 * on both words and pairs with that release.  The assembly versions are
 * at least this strong (x86 LOCK is sequentially consistent).
 *
 * Alignment: lf_atomic_tagged is 16-byte aligned with DWCAS, 8 otherwise.
 */
#ifndef LFKIT_TAGGED_H
#define LFKIT_TAGGED_H

#include <lfkit/platform.h>

/* A snapshot value: pointer and tag. */
typedef struct lf_tagged {
    void *ptr;
    uintptr_t tag;
} lf_tagged;

#if LF_HAS_DWCAS

typedef struct lf_atomic_tagged {
    LF_ALIGNED(2 * sizeof(void *)) _Atomic(void *) ptr;
    _Atomic(uintptr_t) tag;
} lf_atomic_tagged;

#if LF_TSAN
/* TSan runtime entry point (compiler-rt tsan_interface_atomic.h); mo 4 = acq_rel, 2 = acquire. */
#ifdef __cplusplus
extern "C" {
#endif
__extension__ typedef __int128 lf_tsan_int128;
int __tsan_atomic128_compare_exchange_strong(volatile lf_tsan_int128 *a, lf_tsan_int128 *c,
                                             lf_tsan_int128 v, int mo, int fail_mo);
#ifdef __cplusplus
}
#endif
#endif

/*
 * The double-width CAS itself: if *a == {e[0], e[1]} store {d0, d1} and
 * return true; otherwise load *a into e[0], e[1] and return false.  On the
 * LDAXP/STLXP path a failure's pair is not confirmed by a store-exclusive,
 * so like lf_tagged_load's it may be torn: callers use it only as the next
 * CAS expectation, which then fails.
 */
static inline bool lf_dwcas_(lf_atomic_tagged *a, uintptr_t e[2], uintptr_t d0, uintptr_t d1)
{
#if LF_TSAN
    union { lf_tsan_int128 wide; uintptr_t w[2]; } expect, desire;
    expect.w[0] = e[0];
    expect.w[1] = e[1];
    desire.w[0] = d0;
    desire.w[1] = d1;
    bool ok = __tsan_atomic128_compare_exchange_strong((volatile lf_tsan_int128 *)(void *)a,
                                                       &expect.wide, desire.wide, 4, 2) != 0;
    e[0] = expect.w[0];
    e[1] = expect.w[1];
    return ok;
#elif defined(__x86_64__)
    bool ok;
    __asm__ __volatile__("lock cmpxchg16b %1"
                         : "=@ccz"(ok), "+m"(*a), "+a"(e[0]), "+d"(e[1])
                         : "b"(d0), "c"(d1)
                         : "memory");
    return ok;
#elif defined(__ARM_FEATURE_ATOMICS)
    register uintptr_t x0 __asm__("x0") = e[0];
    register uintptr_t x1 __asm__("x1") = e[1];
    register uintptr_t x2 __asm__("x2") = d0;
    register uintptr_t x3 __asm__("x3") = d1;
    __asm__ __volatile__("caspal %[x0], %[x1], %[x2], %[x3], %[mem]"
                         : [x0] "+r"(x0), [x1] "+r"(x1), [mem] "+Q"(*a)
                         : [x2] "r"(x2), [x3] "r"(x3)
                         : "memory");
    bool ok = x0 == e[0] && x1 == e[1];
    e[0] = x0;
    e[1] = x1;
    return ok;
#else /* AArch64 without LSE: load-exclusive pair, compare, store-exclusive pair. */
    uintptr_t o0, o1;
    uint32_t failed;
    __asm__ __volatile__("1: ldaxp %[o0], %[o1], %[mem]\n"
                         "   cmp %[o0], %[e0]\n"
                         "   ccmp %[o1], %[e1], #0, eq\n"
                         "   b.ne 2f\n"
                         "   stlxp %w[failed], %[d0], %[d1], %[mem]\n"
                         "   cbnz %w[failed], 1b\n"
                         "2:"
                         : [o0] "=&r"(o0), [o1] "=&r"(o1), [failed] "=&r"(failed), [mem] "+Q"(*a)
                         : [e0] "r"(e[0]), [e1] "r"(e[1]), [d0] "r"(d0), [d1] "r"(d1)
                         : "cc", "memory");
    bool ok = o0 == e[0] && o1 == e[1];
    e[0] = o0;
    e[1] = o1;
    return ok;
#endif
}

/* Quiescent: a = {ptr, 0}. */
static inline void lf_tagged_init(lf_atomic_tagged *a, void *ptr)
{
    atomic_store_explicit(&a->ptr, ptr, memory_order_relaxed); /* relaxed: published by whatever hands a over */
    atomic_store_explicit(&a->tag, (uintptr_t)0, memory_order_relaxed);
}

/*
 * Any thread.  Reads the two words one after the other, so the result may
 * be torn (a pointer and a tag that never stood together).  Use it only as
 * the expected value of lf_tagged_cas, which then simply fails.
 */
static inline lf_tagged lf_tagged_load(const lf_atomic_tagged *a)
{
    lf_tagged t;
    /* acquire (both): pairs with the release of the CAS that wrote each word, so
       whatever the installer published (e.g. a node's next) is visible before
       the caller dereferences t.ptr. */
    t.tag = atomic_load_explicit(&a->tag, memory_order_acquire);
    t.ptr = atomic_load_explicit(&a->ptr, memory_order_acquire);
    return t;
}

/*
 * Any thread.  The pointer alone, by one seq_cst load: the validating
 * reload after lf_hp_publish (hp.h), as in lf_stack_pop_hp.
 */
static inline void *lf_tagged_load_ptr_seq_cst(const lf_atomic_tagged *a)
{
    /* seq_cst: ordered after the caller's seq_cst hazard store (hp.h);
       also acquire, pairing with the release of the CAS that wrote it */
    return atomic_load_explicit(&a->ptr, memory_order_seq_cst);
}

/*
 * Any thread.  If a holds *expected (pointer and tag), replace it by
 * {desired, expected->tag + 1} and return true; otherwise store the
 * current value in *expected and return false.  acq_rel / acquire.
 */
static inline bool lf_tagged_cas(lf_atomic_tagged *a, lf_tagged *expected, void *desired)
{
    uintptr_t e[2];
    e[0] = (uintptr_t)expected->ptr;
    e[1] = expected->tag;
    bool ok = lf_dwcas_(a, e, (uintptr_t)desired, e[1] + 1);
    expected->ptr = (void *)e[0];
    expected->tag = e[1];
    return ok;
}

/*
 * Any thread.  Atomically replaces the pointer by NULL, keeping the tag, and
 * returns the old pointer.  Safe against ABA although the tag does not move:
 * every CAS increments the tag, so the old {ptr, tag} never stands again.
 */
static inline void *lf_tagged_detach(lf_atomic_tagged *a)
{
    /* acquire: takes what the installers of the old pointer published (every
       update is a read-modify-write, so all earlier releases are in its release sequence) */
    return atomic_exchange_explicit(&a->ptr, NULL, memory_order_acquire);
}

#else /* !LF_HAS_DWCAS: pointer and tag packed in one 64-bit word. */

typedef struct lf_atomic_tagged {
    _Atomic(uint64_t) word;
} lf_atomic_tagged;

#if UINTPTR_MAX > 0xFFFFFFFFu
#define LF_TAGGED_PTR_BITS 48
#else
#define LF_TAGGED_PTR_BITS 32
#endif
#define LF_TAGGED_PTR_MASK ((UINT64_C(1) << LF_TAGGED_PTR_BITS) - 1)
#define LF_TAGGED_TAG_MASK ((UINT64_C(1) << (64 - LF_TAGGED_PTR_BITS)) - 1)

static inline uint64_t lf_tagged_pack_(void *ptr, uintptr_t tag)
{
    return ((uint64_t)(uintptr_t)ptr & LF_TAGGED_PTR_MASK) |
           (((uint64_t)tag & LF_TAGGED_TAG_MASK) << LF_TAGGED_PTR_BITS);
}

static inline lf_tagged lf_tagged_unpack_(uint64_t w)
{
    lf_tagged t;
    t.ptr = (void *)(uintptr_t)(w & LF_TAGGED_PTR_MASK);
    t.tag = (uintptr_t)(w >> LF_TAGGED_PTR_BITS);
    return t;
}

/* Quiescent: a = {ptr, 0}. */
static inline void lf_tagged_init(lf_atomic_tagged *a, void *ptr)
{
    atomic_store_explicit(&a->word, lf_tagged_pack_(ptr, 0), memory_order_relaxed); /* relaxed: published by whatever hands a over */
}

/* Any thread.  One load: never torn in this mode. */
static inline lf_tagged lf_tagged_load(const lf_atomic_tagged *a)
{
    /* acquire: pairs with the release of the CAS that installed the value */
    return lf_tagged_unpack_(atomic_load_explicit(&a->word, memory_order_acquire));
}

/* Any thread.  As in the DWCAS mode. */
static inline void *lf_tagged_load_ptr_seq_cst(const lf_atomic_tagged *a)
{
    /* seq_cst: ordered after the caller's seq_cst hazard store (hp.h);
       also acquire, pairing with the release of the CAS that wrote it */
    return lf_tagged_unpack_(atomic_load_explicit(&a->word, memory_order_seq_cst)).ptr;
}

/* Any thread.  As in the DWCAS mode; the tag counts modulo 2^16 (2^32 on 32-bit). */
static inline bool lf_tagged_cas(lf_atomic_tagged *a, lf_tagged *expected, void *desired)
{
    uint64_t e = lf_tagged_pack_(expected->ptr, expected->tag);
    /* acq_rel: release publishes the caller's writes, acquire takes the previous installer's;
       failure acquire: the refreshed expected->ptr is about to be dereferenced */
    bool ok = atomic_compare_exchange_strong_explicit(&a->word, &e,
                                                      lf_tagged_pack_(desired, expected->tag + 1),
                                                      memory_order_acq_rel, memory_order_acquire);
    if (!ok)
        *expected = lf_tagged_unpack_(e);
    return ok;
}

/* Any thread.  As in the DWCAS mode: NULL replaces the pointer, the tag stays. */
static inline void *lf_tagged_detach(lf_atomic_tagged *a)
{
    /* acquire: takes what the installers of the old pointer published */
    uint64_t old = atomic_fetch_and_explicit(&a->word, ~LF_TAGGED_PTR_MASK, memory_order_acquire);
    return lf_tagged_unpack_(old).ptr;
}

#endif /* LF_HAS_DWCAS */

#endif /* LFKIT_TAGGED_H */

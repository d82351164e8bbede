/*
 * lfkit/arch/tagged_packed64.h - private to <lfkit/tagged.h>: pointer and
 * tag packed into one 64-bit word, updated by a single-word C11 CAS, on
 * every target without a double-width CAS (and with -DLF_NO_DWCAS).
 *
 * The pointer takes the low LF_TAGGED_PTR_BITS bits, the tag the rest:
 *  - 32-bit pointers (armhf, i686, x32, AArch64 ILP32): 32 + 32.  Every
 *    pointer fits.
 *  - AArch64 LP64: 48 + 16 (user VA below 2^48 with 48-bit VAs).
 *  - other 64-bit targets (riscv64, ppc64le, x86-64, loongarch64, ...):
 *    47 + 17 (Linux's default user space there is
 *    below 2^47; see tagged.h for when it is not).
 * lf_tagged_fits checks exactly that the bits above the pointer field are
 * zero, so nothing is truncated silently.
 *
 * One word, one atomic: loads are never torn and a failed CAS hands back
 * the word it read.  The tag is incremented modulo 2^LF_TAGGED_TAG_BITS
 * inside its field (tagged.h masks it), so it never carries into the
 * pointer.  The word is _Alignas(8): i686 gcc would give an 8-byte atomic
 * member 4-byte alignment, and a 64-bit atomic that straddles a cache line
 * is a split lock (throttled or killed by recent kernels) and its x87/SSE
 * loads can tear.
 */
#ifndef LFKIT_ARCH_TAGGED_PACKED64_H
#define LFKIT_ARCH_TAGGED_PACKED64_H
#ifndef LFKIT_TAGGED_H
#error "private to <lfkit/tagged.h>; include that instead"
#endif

typedef struct lf_atomic_tagged {
    LF_ALIGNED(8) _Atomic(uint64_t) word;
} lf_atomic_tagged;

#if UINTPTR_MAX <= 0xFFFFFFFFu
#define LF_TAGGED_PTR_BITS 32
#elif defined(__aarch64__)
#define LF_TAGGED_PTR_BITS 48
#else
#define LF_TAGGED_PTR_BITS 47
#endif
#define LF_TAGGED_TAG_BITS (64 - LF_TAGGED_PTR_BITS)
#define LF_TAGGED_PTR_MASK_ ((UINT64_C(1) << LF_TAGGED_PTR_BITS) - 1)

/* Any thread.  True when ptr has no bit set above the pointer field. */
static inline bool lf_tagged_fits(const void *ptr)
{
    return ((uint64_t)(uintptr_t)ptr & ~LF_TAGGED_PTR_MASK_) == 0;
}

static inline uint64_t lf_tagged_pack_(lf_tagged v)
{
    return (uint64_t)(uintptr_t)v.ptr | ((uint64_t)v.tag << LF_TAGGED_PTR_BITS);
}

static inline lf_tagged lf_tagged_unpack_(uint64_t w)
{
    lf_tagged t;
    t.ptr = (void *)(uintptr_t)(w & LF_TAGGED_PTR_MASK_);
    t.tag = (uintptr_t)(w >> LF_TAGGED_PTR_BITS);
    return t;
}

/* Quiescent. */
static inline void lf_tagged_pair_init_(lf_atomic_tagged *a, lf_tagged v)
{
    atomic_store_explicit(&a->word, lf_tagged_pack_(v), memory_order_relaxed); /* relaxed: published by whatever hands a over */
}

/* Any thread.  One load: never torn. */
static inline lf_tagged lf_tagged_pair_load_(const lf_atomic_tagged *a)
{
    /* (T1) acquire: pairs with the release of the CAS (T2) that installed the value */
    return lf_tagged_unpack_(atomic_load_explicit(&a->word, memory_order_acquire));
}

/* Any thread. */
static inline void *lf_tagged_pair_load_ptr_seq_cst_(const lf_atomic_tagged *a)
{
    /* (T3) seq_cst: see lf_tagged_load_ptr_seq_cst */
    return lf_tagged_unpack_(atomic_load_explicit(&a->word, memory_order_seq_cst)).ptr;
}

/* Any thread.  (T2): success leaves *expected alone; failure stores the current pair there. */
static inline bool lf_tagged_pair_cas_(lf_atomic_tagged *a, lf_tagged *expected, lf_tagged desired)
{
    uint64_t e = lf_tagged_pack_(*expected);
    /* (T2) acq_rel: release publishes the caller's writes, acquire takes the previous
       installer's; failure acquire: the refreshed expected->ptr is about to be dereferenced */
    bool ok = atomic_compare_exchange_strong_explicit(&a->word, &e, lf_tagged_pack_(desired),
                                                      memory_order_acq_rel, memory_order_acquire);
    if (!ok)
        *expected = lf_tagged_unpack_(e);
    return ok;
}

#endif /* LFKIT_ARCH_TAGGED_PACKED64_H */

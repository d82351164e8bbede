/*
 * lfkit/arch/dwcas_aarch64.h - private to <lfkit/tagged.h>: the pair CAS on
 * AArch64 (LP64).  Arm Architecture Reference Manual for A-profile:
 * CASPAL (FEAT_LSE, Armv8.1) when the compiler targets it
 * (__ARM_FEATURE_ATOMICS), otherwise an LDAXP/STLXP loop (Armv8.0).
 *
 * CASPAL reads the 16 bytes single-copy atomically, so a failure's pair is
 * real.  An LDAXP pair is single-copy atomic only if a store-exclusive to
 * it then succeeds (ARM ARM, "LDXP"/"LDAXP": the two loads may otherwise
 * see different writes), so a compare that fails does not trust the pair
 * it loaded: it stores that pair straight back with STXP, which succeeds
 * only if nothing wrote the location since the LDAXP, and retries from the
 * load if it did.  Writing back the value just read changes nothing anyone
 * can observe except that it is a write: like x86's failing cmpxchg16b it
 * is part of an atomic read-modify-write, so it continues the release
 * sequence of the CAS it read from.
 *
 * Orders: CASPAL and LDAXP/STLXP are acquire and release; the failure
 * path's LDAXP is acquire.  Register pairs: the lower-addressed word
 * (word[0], the pointer) is the first register on this little-endian
 * target.
 */
#ifndef LFKIT_ARCH_DWCAS_AARCH64_H
#define LFKIT_ARCH_DWCAS_AARCH64_H
#ifndef LFKIT_TAGGED_H
#error "private to <lfkit/tagged.h>; include that instead"
#endif

/* Any thread.  (T2): success leaves *expected alone; failure stores the current pair there. */
static inline bool lf_tagged_pair_cas_(lf_atomic_tagged *a, lf_tagged *expected, lf_tagged desired)
{
    uintptr_t e0 = (uintptr_t)expected->ptr, e1 = expected->tag;
#if defined(__ARM_FEATURE_ATOMICS)
    /* CASP needs consecutive even/odd registers: bind them explicitly. */
    register uintptr_t x0 __asm__("x0") = e0;
    register uintptr_t x1 __asm__("x1") = e1;
    register uintptr_t x2 __asm__("x2") = (uintptr_t)desired.ptr;
    register uintptr_t x3 __asm__("x3") = desired.tag;
    __asm__ __volatile__("caspal %[x0], %[x1], %[x2], %[x3], %[mem]"
                         : [x0] "+r"(x0), [x1] "+r"(x1), [mem] "+Q"(*(lf_dwcas_words_ *)(void *)a)
                         : [x2] "r"(x2), [x3] "r"(x3)
                         : "memory");
    uintptr_t o0 = x0, o1 = x1;
#else
    uintptr_t o0, o1;
    uint32_t failed;
    __asm__ __volatile__("1: ldaxp %[o0], %[o1], %[mem]\n"
                         "   cmp %[o0], %[e0]\n"
                         "   ccmp %[o1], %[e1], #0, eq\n"
                         "   b.ne 2f\n"
                         "   stlxp %w[failed], %[d0], %[d1], %[mem]\n"
                         "   cbnz %w[failed], 1b\n"
                         "   b 3f\n"
                         "2: stxp %w[failed], %[o0], %[o1], %[mem]\n" /* confirm the snapshot */
                         "   cbnz %w[failed], 1b\n"
                         "3:"
                         : [o0] "=&r"(o0), [o1] "=&r"(o1), [failed] "=&r"(failed),
                           [mem] "+Q"(*(lf_dwcas_words_ *)(void *)a)
                         : [e0] "r"(e0), [e1] "r"(e1), [d0] "r"((uintptr_t)desired.ptr),
                           [d1] "r"(desired.tag)
                         : "cc", "memory");
#endif
    expected->ptr = (void *)o0;
    expected->tag = o1;
    return o0 == e0 && o1 == e1;
}

#endif /* LFKIT_ARCH_DWCAS_AARCH64_H */

/*
 * lfkit/arch/dwcas_s390x.h - private to <lfkit/tagged.h>: the pair CAS on
 * s390x, COMPARE DOUBLE AND SWAP (CDSG; z/Architecture Principles of
 * Operation, SA22-7832, "COMPARE DOUBLE AND SWAP").
 *
 * CDSG compares the even/odd register pair with the quadword and either
 * stores the other pair or loads the quadword into the first, as one
 * interlocked (quadword-concurrent) access, so a failure's pair is real.
 * It serializes before and after: a full barrier, stronger than acq_rel.
 * Big-endian: the even register, the high half, is word[0] (the pointer).
 */
#ifndef LFKIT_ARCH_DWCAS_S390X_H
#define LFKIT_ARCH_DWCAS_S390X_H
#ifndef LFKIT_TAGGED_H
#error "private to <lfkit/tagged.h>; include that instead"
#endif

/* Any thread.  (T2): success leaves *expected alone; failure stores the current pair there. */
static inline bool lf_tagged_pair_cas_(lf_atomic_tagged *a, lf_tagged *expected, lf_tagged desired)
{
    __extension__ typedef unsigned __int128 lf_u128_;
    const lf_u128_ want = ((lf_u128_)(uintptr_t)expected->ptr << 64) | expected->tag;
    lf_u128_ seen = want; /* "d" on a 128-bit value: an even/odd register pair */
    const lf_u128_ next = ((lf_u128_)(uintptr_t)desired.ptr << 64) | desired.tag;
    __asm__ __volatile__("cdsg %[seen], %[next], %[mem]"
                         : [seen] "+d"(seen), [mem] "+QS"(*(lf_dwcas_words_ *)(void *)a)
                         : [next] "d"(next)
                         : "cc", "memory");
    expected->ptr = (void *)(uintptr_t)(seen >> 64);
    expected->tag = (uintptr_t)seen;
    return seen == want;
}

#endif /* LFKIT_ARCH_DWCAS_S390X_H */

/*
 * lfkit/arch/dwcas_x86_64.h - private to <lfkit/tagged.h>: the pair CAS on
 * x86-64 (LP64; x32 packs instead), LOCK CMPXCHG16B (Intel SDM vol. 2A,
 * "CMPXCHG8B/CMPXCHG16B").  Inline assembly, so users need neither -mcx16
 * nor libatomic.
 *
 * Failure hands back the 16 bytes the locked instruction read: a pair that
 * really stood together.  LOCK makes it a full barrier, stronger than the
 * acq_rel / acquire tagged.h promises.  rdx:rax is {word[1], word[0]}.
 */
#ifndef LFKIT_ARCH_DWCAS_X86_64_H
#define LFKIT_ARCH_DWCAS_X86_64_H
#ifndef LFKIT_TAGGED_H
#error "private to <lfkit/tagged.h>; include that instead"
#endif

/* Any thread.  (T2): success leaves *expected alone; failure stores the current pair there. */
static inline bool lf_tagged_pair_cas_(lf_atomic_tagged *a, lf_tagged *expected, lf_tagged desired)
{
    uintptr_t lo = (uintptr_t)expected->ptr, hi = expected->tag;
    bool ok;
    __asm__ __volatile__("lock cmpxchg16b %1"
                         : "=@ccz"(ok), "+m"(*(lf_dwcas_words_ *)(void *)a), "+a"(lo), "+d"(hi)
                         : "b"((uintptr_t)desired.ptr), "c"(desired.tag)
                         : "memory");
    expected->ptr = (void *)lo;
    expected->tag = hi;
    return ok;
}

#endif /* LFKIT_ARCH_DWCAS_X86_64_H */

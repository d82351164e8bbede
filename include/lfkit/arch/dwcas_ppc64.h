/*
 * lfkit/arch/dwcas_ppc64.h - private to <lfkit/tagged.h>: the pair CAS on
 * 64-bit POWER8 and later (_ARCH_PWR8; ppc64le's ABI baseline), lqarx /
 * stqcx. (Power ISA 2.07, Book II, "Load Quadword And Reserve Indexed",
 * "Store Quadword Conditional Indexed").
 *
 * lqarx loads the quadword single-copy atomically into an even/odd
 * register pair, so a failure's pair is real; stqcx. stores a pair only if
 * the reservation still holds.  The ISA treats the quadword as one 128-bit
 * value: the even register gets the doubleword at offset 0 in big-endian
 * mode and the one at offset 8 in little-endian mode.
 *
 * Orders, as the usual C11 mapping for an acq_rel CAS: lwsync before
 * (release), isync after the compare-and-branch on the loaded value
 * (acquire, also on failure).
 */
#ifndef LFKIT_ARCH_DWCAS_PPC64_H
#define LFKIT_ARCH_DWCAS_PPC64_H
#ifndef LFKIT_TAGGED_H
#error "private to <lfkit/tagged.h>; include that instead"
#endif

/* Any thread.  (T2): success leaves *expected alone; failure stores the current pair there. */
static inline bool lf_tagged_pair_cas_(lf_atomic_tagged *a, lf_tagged *expected, lf_tagged desired)
{
#if defined(__LITTLE_ENDIAN__)
    const uintptr_t e_even = expected->tag, e_odd = (uintptr_t)expected->ptr;
    register uintptr_t n_even __asm__("r8") = desired.tag;
    register uintptr_t n_odd __asm__("r9") = (uintptr_t)desired.ptr;
#else
    const uintptr_t e_even = (uintptr_t)expected->ptr, e_odd = expected->tag;
    register uintptr_t n_even __asm__("r8") = (uintptr_t)desired.ptr;
    register uintptr_t n_odd __asm__("r9") = desired.tag;
#endif
    /* lqarx/stqcx. need an even/odd pair: bind them explicitly. */
    register uintptr_t o_even __asm__("r10");
    register uintptr_t o_odd __asm__("r11");
    __asm__ __volatile__("lwsync\n"
                         "1: lqarx %[oe], 0, %[addr]\n"
                         "   cmpd %[oe], %[ee]\n"
                         "   bne- 2f\n"
                         "   cmpd %[oo], %[eo]\n"
                         "   bne- 2f\n"
                         "   stqcx. %[ne], 0, %[addr]\n"
                         "   bne- 1b\n"
                         "2: isync"
                         : [oe] "=&r"(o_even), [oo] "=&r"(o_odd), "+m"(*(lf_dwcas_words_ *)(void *)a)
                         : [addr] "r"(a), [ee] "r"(e_even), [eo] "r"(e_odd), [ne] "r"(n_even),
                           [no] "r"(n_odd)
                         : "cr0", "memory");
    bool ok = o_even == e_even && o_odd == e_odd;
#if defined(__LITTLE_ENDIAN__)
    expected->ptr = (void *)o_odd;
    expected->tag = o_even;
#else
    expected->ptr = (void *)o_even;
    expected->tag = o_odd;
#endif
    return ok;
}

#endif /* LFKIT_ARCH_DWCAS_PPC64_H */

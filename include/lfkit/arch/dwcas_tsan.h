/*
 * lfkit/arch/dwcas_tsan.h - private to <lfkit/tagged.h>: every access to a
 * two-word lf_atomic_tagged in ThreadSanitizer builds, on any DWCAS target.
 *
 * TSan cannot see inline assembly, so here the load and the CAS call TSan's
 * own 16-byte atomic entry points (compiler-rt tsan_interface_atomic.h):
 * TSan records each access with its real order, acquire or acq_rel, and
 * adds no edge the assembly builds lack.  TSan implements 16-byte atomics
 * as a lock plus plain 8-byte accesses, which are atomic only with respect
 * to its other 16-byte atomics; so here every access, the seq_cst pointer
 * load included, is one of them (no 8-byte atomic on half the object), and
 * loads are never torn.  The only non-16-byte access is lf_tagged_init's,
 * which is quiescent.
 */
#ifndef LFKIT_ARCH_DWCAS_TSAN_H
#define LFKIT_ARCH_DWCAS_TSAN_H
#ifndef LFKIT_TAGGED_H
#error "private to <lfkit/tagged.h>; include that instead"
#endif

#ifdef __cplusplus
extern "C" {
#endif
__extension__ typedef __int128 lf_tsan_int128;
/* mo: 2 = acquire, 4 = acq_rel, 5 = seq_cst (tsan_interface_atomic.h's __tsan_memory_order).
   The load is declared as gcc's built-in of that name expects. */
__extension__ unsigned __int128 __tsan_atomic128_load(const volatile void *a, int mo);
int __tsan_atomic128_compare_exchange_strong(volatile lf_tsan_int128 *a, lf_tsan_int128 *c,
                                             lf_tsan_int128 v, int mo, int fail_mo);
#ifdef __cplusplus
}
#endif

/* The two words as one 128-bit value, whatever the byte order. */
typedef union lf_tsan_pair_ {
    lf_tsan_int128 wide;
    uintptr_t w[2];
} lf_tsan_pair_;

static inline lf_tsan_pair_ lf_tsan_pair_load_(const lf_atomic_tagged *a, int mo)
{
    lf_tsan_pair_ p;
    p.wide = (lf_tsan_int128)__tsan_atomic128_load((const void *)a, mo);
    return p;
}

/* Any thread.  One 16-byte load: never torn in TSan builds. */
static inline lf_tagged lf_tagged_pair_load_(const lf_atomic_tagged *a)
{
    lf_tsan_pair_ p = lf_tsan_pair_load_(a, 2); /* (T1) acquire: pairs with the release of (T2) */
    lf_tagged t;
    t.ptr = (void *)p.w[0];
    t.tag = p.w[1];
    return t;
}

/* Any thread. */
static inline void *lf_tagged_pair_load_ptr_seq_cst_(const lf_atomic_tagged *a)
{
    return (void *)lf_tsan_pair_load_(a, 5).w[0]; /* (T3) seq_cst: see lf_tagged_load_ptr_seq_cst */
}

/* Any thread.  (T2): success leaves *expected alone; failure stores the current pair there. */
static inline bool lf_tagged_pair_cas_(lf_atomic_tagged *a, lf_tagged *expected, lf_tagged desired)
{
    lf_tsan_pair_ e, d;
    e.w[0] = (uintptr_t)expected->ptr;
    e.w[1] = expected->tag;
    d.w[0] = (uintptr_t)desired.ptr;
    d.w[1] = desired.tag;
    /* (T2) acq_rel, failure acquire */
    bool ok = __tsan_atomic128_compare_exchange_strong((volatile lf_tsan_int128 *)(void *)a,
                                                       &e.wide, d.wide, 4, 2) != 0;
    expected->ptr = (void *)e.w[0];
    expected->tag = e.w[1];
    return ok;
}

#endif /* LFKIT_ARCH_DWCAS_TSAN_H */

/*
 * lfkit/tagged.h - a pointer with a version tag, updated by one CAS, so a
 * CAS can tell "the same pointer again" from "nothing changed": the ABA
 * defence of IBM System/370 (Principles of Operation, 1983, Appendix A,
 * "Multiprogramming and multiprocessing examples", free-pool manipulation)
 * as used by Treiber's stack (IBM RJ 5118, 1986).
 *
 * Every successful lf_tagged_cas adds one to the tag (modulo 2^tag bits).
 * Per target (LF_TAGGED_TAG_BITS says the width; "run" = the stress suite
 * runs there under `make cross-stress`, "compiled" = compiled only):
 *
 *   target                      representation, CAS                         tag  lf_tagged_fits
 *   x86-64 (run)                {ptr, tag} 2 words, 16-aligned; cmpxchg16b   64  every pointer
 *   AArch64 LP64 (run)          as above; CASPAL (-march=armv8.1-a and      64  every pointer,
 *                               later), else an LDAXP/STLXP loop                 top-byte tags too
 *   s390x (run)                 as above; CDSG                              64  every pointer
 *   32-bit: armhf, i686 (run);  one 64-bit word {32-bit ptr, 32-bit tag},    32  every pointer
 *     x32 (compiled)            8-aligned; 64-bit C11 CAS (ldrexd/strexd,
 *                               cmpxchg8b, cmpxchg)
 *   riscv64, ppc64le (run);     one 64-bit word, pointer in the low 47       17  ptr < 2^47
 *     x86-64 and other 64-bit     bits, tag in the high 17; 64-bit C11 CAS
 *     targets with -DLF_NO_DWCAS
 *   AArch64 -DLF_NO_DWCAS       pointer in the low 48 bits, tag 16           16  ptr < 2^48
 *   TSan builds of the DWCAS    the same two words, through TSan's 16-byte   64  every pointer
 *     targets                   atomics (arch/dwcas_tsan.h)
 *
 * POWER8's quadword lqarx/stqcx. would give ppc64le a 64-bit tag, but the
 * qemu-user this project runs (7.2) never completes a stqcx. (GCC's own
 * 16-byte CAS hangs there too), so that path could not be run and is not
 * shipped: ppc64le packs.
 *
 * The 47 and 48 are assumptions about the user address space: Linux hands
 * out user addresses below 2^47 on x86-64 (4-level paging; with LA57 only
 * an mmap hint above 2^47 gets more), riscv64 (Sv39, Sv48; on Sv57 only a
 * hint above 2^47 gets more), ppc64 and loongarch64 (128 TiB default), and
 * below 2^48 on AArch64 (48-bit VA; 52-bit only on a hint).  A pointer
 * outside that (a hinted high mapping, an AArch64 top-byte tag from TBI,
 * MTE or HWASan) does not fit: lf_tagged_fits says so, and storing it is a
 * precondition violation.  The tests check that what malloc and a default
 * mmap return fits, on every target that is run.
 *
 * ABA odds.  A stale CAS (expected {P, t} read before a stall) wrongly
 * succeeds only if, when it runs, P is back and the tag has advanced by a
 * multiple of 2^b (b = tag bits).  On a hot free list a long stall covers
 * an effectively random number of updates, so a stall of more than 2^b
 * updates that ends with P on top again succeeds with odds of about 2^-b:
 * 1 in 65536 with 16 bits, 1 in 131072 with 17, 1 in 4.3e9 with 32.  A
 * 64-bit tag needs 2^64 updates in one stall (585 years at 10^9 per second).
 *
 * The per-target code is one small interface, in one file per family,
 * chosen below: the type lf_atomic_tagged, LF_TAGGED_TAG_BITS,
 * lf_tagged_fits, and a pair init / acquire load / seq_cst pointer load /
 * acq_rel CAS (lf_tagged_pair_*_).  Everything else here is written once
 * on top of it.  lf_tagged_detach in particular is a CAS loop, never a
 * narrower exchange on half the object, so every access to an
 * lf_atomic_tagged is one of these primitives, atomic with respect to the
 * others in every build mode (see arch/tagged_dwcas.h for the one
 * mixed-size access left, the two-word load outside TSan builds).
 *
 * Memory order: lf_tagged_cas is acq_rel on success (release publishes
 * what the caller wrote before installing desired; acquire takes what the
 * previous installer published) and acquire on failure (the refreshed
 * expected value is about to be dereferenced).  lf_tagged_load is acquire
 * and pairs with that release.  Assembly versions are at least this strong.
 *
 * Alignment: lf_atomic_tagged is 16-byte aligned where LF_HAS_DWCAS,
 * 8-byte aligned otherwise (also on i686, where gcc would give a plain
 * 8-byte atomic member 4).
 */
#ifndef LFKIT_TAGGED_H
#define LFKIT_TAGGED_H

#include <lfkit/platform.h>

/* A snapshot value: pointer and tag. */
typedef struct lf_tagged {
    void *ptr;
    uintptr_t tag;
} lf_tagged;

/* The one place the per-target implementation is chosen. */
#if LF_HAS_DWCAS
#include <lfkit/arch/tagged_dwcas.h> /* the two-word type every DWCAS target shares */
#endif
#if LF_HAS_DWCAS && LF_TSAN
#include <lfkit/arch/dwcas_tsan.h>
#elif LF_HAS_DWCAS && defined(__x86_64__)
#include <lfkit/arch/dwcas_x86_64.h>
#elif LF_HAS_DWCAS && defined(__aarch64__)
#include <lfkit/arch/dwcas_aarch64.h>
#elif LF_HAS_DWCAS && defined(__s390x__)
#include <lfkit/arch/dwcas_s390x.h>
#else
#include <lfkit/arch/tagged_packed64.h>
#endif

/* LF_TAGGED_TAG_MASK: the largest tag; tags count modulo LF_TAGGED_TAG_MASK + 1. */
#if LF_TAGGED_TAG_BITS >= 64
#define LF_TAGGED_TAG_MASK ((uintptr_t)UINTPTR_MAX)
#else
#define LF_TAGGED_TAG_MASK ((uintptr_t)((UINT64_C(1) << LF_TAGGED_TAG_BITS) - 1))
#endif

LF_STATIC_ASSERT(sizeof(lf_atomic_tagged) == (LF_HAS_DWCAS ? 16 : 8),
                 "lf_atomic_tagged: two words with DWCAS, one 64-bit word otherwise");
LF_STATIC_ASSERT(LF_ALIGNOF(lf_atomic_tagged) == sizeof(lf_atomic_tagged),
                 "lf_atomic_tagged must be aligned to its size (no split-line atomics)");

/* Quiescent: a = {ptr, 0}.  ptr must fit (lf_tagged_fits). */
static inline void lf_tagged_init(lf_atomic_tagged *a, void *ptr)
{
    lf_tagged v;
    v.ptr = ptr;
    v.tag = 0;
    lf_tagged_pair_init_(a, v); /* relaxed: published by whatever hands a over */
}

/*
 * Any thread.  Acquire.  Where LF_HAS_DWCAS (outside TSan builds) the two
 * words are read one after the other, so the result may be torn (a pointer
 * and a tag that never stood together); the pointer alone was really there.
 * Use it only as the expected value of lf_tagged_cas, which then fails and
 * hands back a pair that did stand together.
 */
static inline lf_tagged lf_tagged_load(const lf_atomic_tagged *a)
{
    return lf_tagged_pair_load_(a); /* (T1) acquire: pairs with the release of (T2) */
}

/*
 * Any thread.  The pointer alone, by one seq_cst load: the validating
 * reload after lf_hp_publish (hp.h), as in lf_stack_pop_hp.
 */
static inline void *lf_tagged_load_ptr_seq_cst(const lf_atomic_tagged *a)
{
    /* (T3) seq_cst: ordered after the caller's seq_cst hazard store (hp.h);
       also acquire, pairing with the release of (T2) */
    return lf_tagged_pair_load_ptr_seq_cst_(a);
}

/*
 * Any thread.  If a holds *expected (pointer and tag), replace it by
 * {desired, expected->tag + 1} and return true; otherwise store the
 * current value (a pair that a really held) in *expected and return false.
 * desired must fit (lf_tagged_fits).
 */
static inline bool lf_tagged_cas(lf_atomic_tagged *a, lf_tagged *expected, void *desired)
{
    lf_tagged next;
    next.ptr = desired;
    next.tag = (expected->tag + 1) & LF_TAGGED_TAG_MASK;
    /* (T2) acq_rel: release publishes the caller's writes to (T1)/(T3)/(T2) of
       later threads; acquire takes the previous installer's.  Failure acquire:
       the refreshed expected->ptr is about to be dereferenced */
    return lf_tagged_pair_cas_(a, expected, next);
}

/*
 * Any thread.  Atomically replaces the pointer by NULL, keeping the tag, and
 * returns the old pointer.  Safe against ABA although the tag does not move:
 * every CAS increments the tag, so the old {ptr, tag} never stands again
 * (until the tag wraps: see the odds above).  Lock-free: a CAS loop that
 * retries only when another update succeeded.
 */
static inline void *lf_tagged_detach(lf_atomic_tagged *a)
{
    lf_tagged seen = lf_tagged_pair_load_(a); /* (T1) acquire: as in lf_tagged_load */
    for (;;) {
        /* A NULL pointer word was really there (the load of it is atomic):
           the object was empty at that moment, nothing to detach. */
        if (seen.ptr == NULL)
            return NULL;
        LF_STRESS_POINT();
        lf_tagged empty;
        empty.ptr = NULL;
        empty.tag = seen.tag;
        /* (T2) acq_rel: the acquire takes what the installers of seen.ptr
           published (every update is a read-modify-write, so all earlier
           releases are in its release sequence); failure refreshes seen */
        if (lf_tagged_pair_cas_(a, &seen, empty))
            return seen.ptr;
    }
}

#endif /* LFKIT_TAGGED_H */

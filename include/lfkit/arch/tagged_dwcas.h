/*
 * lfkit/arch/tagged_dwcas.h - private to <lfkit/tagged.h>: the two-word
 * lf_atomic_tagged shared by every target with a double-width CAS.  The CAS
 * itself, lf_tagged_pair_cas_, comes from one arch/dwcas_*.h per target.
 *
 * word[0] is the pointer, word[1] the tag, at offsets 0 and 8 on every
 * target (each dwcas_*.h maps them onto its register pair by endianness).
 *
 * Mixed-size access.  Outside TSan builds lf_tagged_pair_load_ reads the
 * two words with two 64-bit atomic loads, while the CAS is a 16-byte
 * instruction.  C11 gives such mixed sizes no meaning, but the CAS is
 * inline assembly, outside C11 anyway, and each of these architectures
 * defines it: an aligned 8-byte load is single-copy atomic and a 16-byte
 * locked or exclusive update is atomic with respect to it (x86 LOCK, the
 * Arm exclusives and CASP, CDSG), so each word read is a value some CAS
 * (or init) wrote.  A load may still pair words of two different updates;
 * lf_tagged_load documents that, and the CAS never relies on it.  TSan
 * builds use no mixed sizes at all (arch/dwcas_tsan.h): TSan's 16-byte
 * atomics are a lock plus plain 8-byte accesses, which an 8-byte atomic
 * would not be atomic with.
 */
#ifndef LFKIT_ARCH_TAGGED_DWCAS_H
#define LFKIT_ARCH_TAGGED_DWCAS_H
#ifndef LFKIT_TAGGED_H
#error "private to <lfkit/tagged.h>; include that instead"
#endif

typedef struct lf_atomic_tagged {
    LF_ALIGNED(16) _Atomic(uintptr_t) word[2]; /* [0] pointer, [1] tag */
} lf_atomic_tagged;

/* The memory operand the assembly names: the same 16 bytes, as plain words. */
typedef struct lf_dwcas_words_ {
    uintptr_t w[2];
} lf_dwcas_words_;

#define LF_TAGGED_TAG_BITS 64

/* Any thread.  Every pointer fits: the pointer has a whole word. */
static inline bool lf_tagged_fits(const void *ptr)
{
    (void)ptr;
    return true;
}

/* Quiescent. */
static inline void lf_tagged_pair_init_(lf_atomic_tagged *a, lf_tagged v)
{
    /* relaxed: published by whatever hands a over */
    atomic_store_explicit(&a->word[0], (uintptr_t)v.ptr, memory_order_relaxed);
    atomic_store_explicit(&a->word[1], v.tag, memory_order_relaxed);
}

#if !LF_TSAN
/* Any thread.  Two acquire loads: may be torn (see the top of this file). */
static inline lf_tagged lf_tagged_pair_load_(const lf_atomic_tagged *a)
{
    lf_tagged t;
    /* (T1) acquire, both words: pairs with the release of the CAS (T2) that
       wrote each, so what its caller published is visible before t.ptr is
       dereferenced */
    t.tag = atomic_load_explicit(&a->word[1], memory_order_acquire);
    t.ptr = (void *)atomic_load_explicit(&a->word[0], memory_order_acquire);
    return t;
}

/* Any thread.  The pointer word alone. */
static inline void *lf_tagged_pair_load_ptr_seq_cst_(const lf_atomic_tagged *a)
{
    /* (T3) seq_cst: see lf_tagged_load_ptr_seq_cst */
    return (void *)atomic_load_explicit(&a->word[0], memory_order_seq_cst);
}
#endif

#endif /* LFKIT_ARCH_TAGGED_DWCAS_H */

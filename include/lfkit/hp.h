/*
 * lfkit/hp.h - hazard pointers: safe memory reclamation for lock-free
 * structures.
 *
 * Source: M. M. Michael, "Hazard Pointers: Safe Memory Reclamation for
 * Lock-Free Objects", IEEE TPDS 15(6), 2004, section 3: HP records,
 * RetireNode and Scan with a sorted snapshot of the hazards, and the
 * publish / fence / validate rule a reader follows before dereferencing.
 *
 * A domain is a lock-free, push-only list of records; a thread acquires a
 * record and uses its K hazard slots (K = slots_per_rec) to announce the
 * objects it is about to dereference.  An object removed from a structure
 * is retired into the retiring record's private list (intrusively, through
 * an lf_hp_node embedded in the object): nothing is allocated per node;
 * the record's scan array may grow when H has grown (lf_hp_retire).  When a
 * record holds R = max(2H, LF_HP_SCAN_MIN) retired nodes (H = K x records
 * in the domain) it scans: it snapshots every hazard, sorts the snapshot
 * and reclaims each retired node whose address is not in it, O(R log H).
 * At most H nodes survive a scan, so a record never holds more than
 * max(2H, 64) retired nodes, within the contract's max(2H, 64) + H.
 *
 * Progress: protect is lock-free (it retries only when the source pointer
 * changed, i.e. another operation made progress); retire, scan, set, clear
 * and release are wait-free (scan is bounded by R and H); acquire is
 * lock-free.  Reclamation is non-blocking: a stalled thread pins at most
 * its K objects.
 *
 * Alignment: lf_hp_domain and lf_hp_rec are over-aligned to LF_CACHELINE
 * (the domain head is padded; each record is two or more cache lines so that two
 * threads' records never share a line and a record's hazards, read by
 * scanners, sit apart from its owner-private bookkeeping).  Allocate an
 * lf_hp_domain statically, on the stack, or with aligned_alloc.
 *
 * Memory orders (each access below names its pair):
 * - protect: store the hazard (seq_cst) (P1), reload the source (seq_cst)
 *   (P2).  scan: lf_fence_seq_cst() (S1), then load each hazard (S2).  The
 *   fence and the two seq_cst accesses are all in the single total order
 *   S.  If P2 precedes S1 in S, so does P1 before it, and S2, after the
 *   fence, sees the hazard (C11 7.17.3p9); otherwise S1 precedes P2, and
 *   the removal, which happened before the retire and so before S1, is
 *   visible to P2 (C11 7.17.3p10; C++20 [atomics.order] states it for any
 *   removal that happens before the fence, as with an inherited record):
 *   protect retries.  This is Michael's publish / full fence / validate
 *   with the reader's fence folded into its two seq_cst accesses: on
 *   x86-64 the store is one XCHG (itself a full barrier) instead of MOV +
 *   MFENCE, on AArch64 STLR then LDAR are ordered without a DMB.  With a
 *   fence of its own between them, P1 could be release and P2 acquire
 *   (Michael's form: the fence-fence rule, C11 7.17.3p11, replaces p9 and
 *   p10), which is what lf_hp_set offers; protect does not, because the
 *   folded form needs no separate fence instruction (x86-64: XCHG in
 *   place of MOV + MFENCE; AArch64: STLR, LDAR and no DMB) and has no
 *   fence for TSan to miss.
 *   lf_hp_set, for callers that validate with a weaker load of their own:
 *   release store (H1), then lf_fence_seq_cst() (H2).
 * - clear / overwrite of a hazard (release) pairs with scan's acquire load
 *   of that hazard (S2): the reader's last accesses to an object happen
 *   before the scanner that no longer sees it reclaims it.
 * - records list: seq_cst CAS on push (A1), acquire load when walking.  The
 *   acquire pairs with the push's release half (the record's fields).
 *   Records pushed after a scan: a scan ignores records pushed after its
 *   list load L.  L follows the scan's fence S1 and reads a value older
 *   than the push A1, and A1 is seq_cst, so S1 precedes A1 in S (C++20
 *   [atomics.order]p4.3); every protect by an owner of the record happens
 *   after A1, so its seq_cst reload follows A1, hence S1, in S, and sees
 *   the removal.  A release A1 would leave only the reader's seq_cst store
 *   and load after A1, which the C11/C++ model does not order after A1
 *   against S1 (a store-buffering shape), although x86, AArch64 and POWER
 *   do.
 * - record ownership: acquire CAS (A2; seq_cst for asymmetric domains'
 *   case 2 below) to take a released record, release store to release
 *   it; the retired list, cache and scratch pass between owners through
 *   that pair.
 *
 * Asymmetric domains (lf_hp_domain_init_asymmetric; the technique of
 * folly's hazptr and of the C++26 hazard-pointer paper P2530, with the
 * asymmetric fences of P1202: a light fence for readers, a heavy one for
 * the rare scans).  Everything above holds, S1 included, but protect's
 * hazard store: a release store (P1a), then a compiler barrier (G), then
 * the same seq_cst reload (P2).  To make up for it, a scan that finds a
 * record other than its own in use (S1b) also runs Linux's
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) (S1a) before loading the
 * hazards.  S1a's guarantee: when it returns, every thread of the process
 * has executed a full barrier at some instruction boundary during the
 * call (by IPI if it was running, by the scheduler's barrier if not), the
 * caller included, and the kernel waited for each.  So model S1a as a
 * seq_cst fence of the scanner and G as a seq_cst fence of the reader,
 * both in S (folly's asymmetric_thread_fence_heavy / _light); G is where
 * the reader's barrier falls, to the reader's program, because the
 * compiler barrier keeps P1a before P2 among its instructions.  Proof, for
 * a reader whose protect overlaps the scan:
 * (1) its record is pushed after the scan's list load L: as in the
 *     symmetric domain ("records pushed after a scan"; S1 and A1 and P2
 *     are unchanged): P2 sees the removal, protect retries.
 * (2) L sees the record, S1b reads in_use == 0: the reader acquires it
 *     later, by the seq_cst CAS A2.  S1 is sequenced before S1b, which
 *     reads a value older than A2, so S1 precedes A2 in S (C++20
 *     [atomics.order]p4.3); A2 is sequenced before P2, both seq_cst, so S1
 *     precedes P2, and P2 sees the removal (p4.2): protect retries.
 * (3) S1b reads in_use != 0: S1a runs.  G and S1a are ordered in S.  If G
 *     precedes S1a: P1a is sequenced before G and S2 after S1a, so S2
 *     sees P1a or later (fence-fence, C11 7.17.3p11): the node is kept.
 *     If S1a precedes G: the removal happens before S1a and P2 follows G,
 *     so P2 sees it (p4.4): protect retries.
 * So a thread that scans while no other record is owned (one thread, or
 * the others' records released) pays S1 only, not the system call.
 * docs/hazard-pointers.md, "Asymmetric mode", has the long form.  Every
 * user of the domain gets the pairing through lf_hp_protect or
 * lf_hp_publish, which read the record's immutable kind, and validates
 * with a seq_cst load as before (cases 1 and 2 use it; on x86-64 it is a
 * plain MOV); lf_hp_set, whose callers may validate with an acquire load,
 * keeps its full fence H2 in both kinds.  Where the heavy barrier is
 * unavailable (lf_membarrier fails: not x86-64 Linux, an old kernel,
 * seccomp, TSan, GenMC) init leaves the domain symmetric: a record's kind
 * never changes, so no reader runs the light fence against a scan that
 * could not run the heavy one.
 *
 * ThreadSanitizer.  Every atomic access above has the same order in TSan
 * builds as in others, and lf_hp_domain has the same layout (no field
 * depends on LF_TSAN: tests/tsan_races/layout.c checks it across
 * translation units).  TSan builds have no asymmetric domains
 * (lf_membarrier fails, so lf_hp_domain_init_asymmetric gives a symmetric
 * one): the asymmetric pairing is an order C11 cannot express (a compiler
 * barrier paired with a system call), so what TSan runs stays the
 * protocol whose every order is a C11 access or fence.  The two fences, S1 and H2, are lf_fence_seq_cst(),
 * which TSan cannot see (platform.h).  Each exists only to order a store
 * before a later load of another location (store buffering): S1 orders
 * the caller's unlink before the scan's loads of the slots, H2 orders the
 * hazard store before the caller's validating reload.  That order decides
 * which values the loads may return; it is not a happens-before edge, and
 * TSan, which checks happens-before, needs none of it: the hardware fence
 * still runs, so TSan builds execute the correct algorithm.  What TSan
 * does not see: in C11 a seq_cst fence is also a release fence and an
 * acquire fence, so it synchronises relaxed atomics around it (C11
 * 7.17.4).  No pairing in this file uses that: every edge lfkit needs is
 * a release access read by an acquire access, which TSan models.  Only a
 * user whose own relaxed atomics rely on the fence inside lf_hp_scan or
 * lf_hp_set for ordering (which this header does not promise) gets a
 * report from TSan where C11 has none.  TSan sees no order the real build
 * lacks, so it still reports a user's race across protect and scan
 * (tests/tsan_races/hp_scan_then_protect.c; docs/tsan.md).
 */
#ifndef LFKIT_HP_H
#define LFKIT_HP_H

#include <lfkit/platform.h>

/* Most hazard slots a record may have (lf_hp_domain_init's upper bound). */
#ifndef LF_HP_MAX_SLOTS
#define LF_HP_MAX_SLOTS 8
#endif

/* Scan threshold floor: R = max(2H, LF_HP_SCAN_MIN). */
#define LF_HP_SCAN_MIN 64u

/* Most reclaimed nodes a record keeps for reuse (lf_hp_retire_recycle). */
#ifndef LF_HP_CACHE_MAX
#define LF_HP_CACHE_MAX 128u
#endif

typedef struct lf_hp_domain lf_hp_domain;
typedef struct lf_hp_rec lf_hp_rec;

/* Embed one in every object you retire.  Owned by the library from
 * lf_hp_retire until reclaim(n) is called. */
typedef struct lf_hp_node {
    struct lf_hp_node *next;             /* retired list or node cache */
    void *obj;                           /* the address readers protect */
    void (*reclaim)(struct lf_hp_node *n);
    bool recycle;                        /* to the record's cache when safe */
} lf_hp_node;

/* One per participating thread; aligned to LF_CACHELINE, the hazards and
 * the owner-private fields each starting a line (2 lines when LF_CACHELINE
 * is 128, 3 when it is 64). */
struct lf_hp_rec {
    /* Read by scanning threads. */
    LF_CACHE_ALIGNED _Atomic(void *) hazard[LF_HP_MAX_SLOTS];
    _Atomic(unsigned) in_use;     /* 1 while a thread owns the record */
    unsigned nslots;              /* immutable: the domain's slots_per_rec */
    bool asymmetric;              /* immutable: the domain's kind */
    lf_hp_domain *domain;         /* immutable */
    lf_hp_rec *next;              /* immutable once the record is published */
    /* Owner only; passed to the next owner through in_use. */
    LF_CACHE_ALIGNED lf_hp_node *retired;
    size_t nretired;
    size_t scan_threshold;        /* R for the H seen at the last scan */
    uintptr_t *scratch;           /* sorted hazard snapshot */
    size_t scratch_cap;
    lf_hp_node *cache;            /* reclaimed nodes kept for reuse */
    size_t ncached;
};

struct lf_hp_domain {
    LF_CACHE_ALIGNED _Atomic(lf_hp_rec *) records;  /* push-only list */
    _Atomic(size_t) nrecords;     /* records ever created */
    unsigned slots;               /* K, immutable after init */
    bool asymmetric;              /* immutable after init (file comment) */
};

/* R = max(2H, LF_HP_SCAN_MIN) for H hazards. */
static inline size_t lf_hp_scan_threshold(size_t hazards)
{
    return 2 * hazards > LF_HP_SCAN_MIN ? 2 * hazards : LF_HP_SCAN_MIN;
}

/* The heavy barrier's system call, true on success: registration and the
 * scan's barrier both go through it. */
static inline bool lf_hp__membarrier(int cmd)
{
    return lf_membarrier(cmd) == 0;
}

/* Shared body of the two inits; slots_per_rec already checked. */
static inline void lf_hp__domain_init(lf_hp_domain *d, unsigned slots_per_rec, bool asymmetric)
{
    /* relaxed: quiescent; published by whatever hands d to other threads */
    atomic_store_explicit(&d->records, (lf_hp_rec *)NULL, memory_order_relaxed);
    atomic_store_explicit(&d->nrecords, (size_t)0, memory_order_relaxed);
    d->slots = slots_per_rec;
    d->asymmetric = asymmetric;
}

/*
 * lf_hp_domain_init: an empty domain whose records have slots_per_rec
 * hazard slots, 1..LF_HP_MAX_SLOTS (else LF_EINVAL, d untouched).
 * Quiescent: before any other use of d.
 */
static inline lf_status lf_hp_domain_init(lf_hp_domain *d, unsigned slots_per_rec)
{
    if (d == NULL || slots_per_rec == 0 || slots_per_rec > LF_HP_MAX_SLOTS)
        return LF_EINVAL;
    lf_hp__domain_init(d, slots_per_rec, false);
    return LF_OK;
}

/*
 * lf_hp_domain_init_asymmetric: as lf_hp_domain_init, but the domain is
 * asymmetric (file comment) if this process can register for Linux's
 * private expedited membarrier; otherwise (another OS or architecture, a
 * kernel before 4.14, a seccomp filter refusing the call, TSan or GenMC
 * builds: platform.h, lf_membarrier) it is an ordinary symmetric domain,
 * and LF_OK all the same.  lf_hp_domain_is_asymmetric says which.  The
 * registration is per process and idempotent; the first one may take
 * milliseconds (the kernel waits for a grace period).  Quiescent, as
 * lf_hp_domain_init.  Not valid in a child after fork().
 */
static inline lf_status lf_hp_domain_init_asymmetric(lf_hp_domain *d, unsigned slots_per_rec)
{
    if (d == NULL || slots_per_rec == 0 || slots_per_rec > LF_HP_MAX_SLOTS)
        return LF_EINVAL;
    lf_hp__domain_init(d, slots_per_rec,
                       lf_hp__membarrier(LF_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED));
    return LF_OK;
}

/*
 * lf_hp_domain_is_asymmetric: true if d's protects use the light fence and
 * its scans the process-wide barrier (file comment); false for a symmetric
 * domain or a NULL d.  Any thread, after init.
 */
static inline bool lf_hp_domain_is_asymmetric(const lf_hp_domain *d)
{
    return d != NULL && d->asymmetric;
}

/*
 * lf_hp_domain_hazards: H = slots_per_rec x records ever created.  Any
 * thread; never decreases.  The retired-count bound is stated in terms of it.
 */
static inline size_t lf_hp_domain_hazards(const lf_hp_domain *d)
{
    if (d == NULL)
        return 0;
    /* relaxed: a statistic; no data is read through it */
    return d->slots * atomic_load_explicit(&d->nrecords, memory_order_relaxed);
}

/*
 * lf_hp_domain_destroy: reclaims every retired node (reclaim(n) once each),
 * disposes of every cached node, frees every record.  Quiescent: no thread
 * uses d or any of its records any more (release them first), and every
 * structure using d is already destroyed.  d may then be initialised again.
 */
static inline void lf_hp_domain_destroy(lf_hp_domain *d)
{
    if (d == NULL)
        return;
    /* relaxed: quiescence means the caller already ordered every use of d
     * before this call */
    lf_hp_rec *r = atomic_load_explicit(&d->records, memory_order_relaxed);
    while (r != NULL) {
        lf_hp_rec *next_rec = r->next;
        lf_hp_node *lists[2];
        lists[0] = r->retired;
        lists[1] = r->cache;
        for (int i = 0; i < 2; i++) {
            for (lf_hp_node *n = lists[i]; n != NULL;) {
                lf_hp_node *next = n->next;
                n->reclaim(n);
                n = next;
            }
        }
        if (r->scratch != NULL)
            LF_FREE(r->scratch);
        LF_FREE(r);
        r = next_rec;
    }
    /* relaxed: still quiescent; a later init is ordered by its own hand-over */
    atomic_store_explicit(&d->records, (lf_hp_rec *)NULL, memory_order_relaxed);
    atomic_store_explicit(&d->nrecords, (size_t)0, memory_order_relaxed);
}

/*
 * lf_hp_rec_acquire: a record for the calling thread, all slots clear.
 * Reuses a released record first (inheriting its retired nodes and node
 * cache); otherwise allocates one (LF_ALIGNED_ALLOC) and pushes it on the
 * domain's list.  NULL when d is NULL or on allocation failure.
 * Any thread, concurrently with everything but domain init/destroy.
 */
static inline lf_hp_rec *lf_hp_rec_acquire(lf_hp_domain *d)
{
    if (d == NULL)
        return NULL;
    /* acquire: pairs with the (seq_cst, so release) push below, so a
     * record's immutable fields are visible before we read them */
    lf_hp_rec *r = atomic_load_explicit(&d->records, memory_order_acquire);
    for (; r != NULL; r = r->next) {
        unsigned expected = 0;
        /* relaxed peek: skip owned records without a write */
        if (atomic_load_explicit(&r->in_use, memory_order_relaxed) != 0)
            continue;
        LF_STRESS_POINT();
        /* (A2) acquire: pairs with lf_hp_rec_release's release store; the
         * previous owner's retired list, cache and scratch are ours now.
         * seq_cst: a scan whose S1b saw the record free precedes this CAS
         * in S, and so precedes our validations (file comment, asymmetric
         * case 2; the same lock cmpxchg on x86-64) */
        if (atomic_compare_exchange_strong_explicit(&r->in_use, &expected, 1u,
                                                    memory_order_seq_cst,
                                                    memory_order_relaxed)) {
            r->scan_threshold = lf_hp_scan_threshold(lf_hp_domain_hazards(d));
            return r;
        }
    }

    r = (lf_hp_rec *)LF_ALIGNED_ALLOC(LF_CACHELINE, sizeof(lf_hp_rec));
    if (r == NULL)
        return NULL;
    /* relaxed: r is private until the push below publishes it (release half) */
    for (unsigned i = 0; i < LF_HP_MAX_SLOTS; i++)
        atomic_store_explicit(&r->hazard[i], (void *)NULL, memory_order_relaxed);
    atomic_store_explicit(&r->in_use, 1u, memory_order_relaxed);
    r->nslots = d->slots;
    r->asymmetric = d->asymmetric;
    r->domain = d;
    r->retired = NULL;
    r->nretired = 0;
    r->scratch = NULL;
    r->scratch_cap = 0;
    r->cache = NULL;
    r->ncached = 0;
    /* relaxed: only a count; scan walks the list itself */
    size_t nrec = atomic_fetch_add_explicit(&d->nrecords, (size_t)1,
                                            memory_order_relaxed) + 1;
    r->scan_threshold = lf_hp_scan_threshold(nrec * d->slots);

    /* relaxed: only the CAS's first guess; the CAS below re-reads it */
    lf_hp_rec *head = atomic_load_explicit(&d->records, memory_order_relaxed);
    do {
        r->next = head;
        LF_STRESS_POINT();
        /* (A1) seq_cst, not just release.  Release publishes the initialised
         * record to the acquire loads of acquire and scan.  seq_cst puts
         * the push in S, so a scan whose (fence-preceded) list load missed
         * it precedes it in S, and so precedes every protect of an owner of
         * r (all happen after the push): those validations see the scan's
         * removals (file comment, "records pushed after a scan").  Rare:
         * once per record.  Relaxed on failure: just retry. */
    } while (!atomic_compare_exchange_weak_explicit(&d->records, &head, r,
                                                    memory_order_seq_cst,
                                                    memory_order_relaxed));
    return r;
}

/*
 * lf_hp_clear: the slot protects nothing.  Owner of r.  Bad r or slot:
 * no effect.
 */
static inline void lf_hp_clear(lf_hp_rec *r, unsigned slot)
{
    if (r == NULL || slot >= r->nslots)
        return;
    /* release: our accesses to the object it protected happen before a
     * scan's acquire load that sees the slot cleared */
    atomic_store_explicit(&r->hazard[slot], (void *)NULL, memory_order_release);
}

/*
 * lf_hp_rec_release: clears every slot and gives the record back to the
 * domain.  Its retired nodes and node cache stay with it for the next
 * owner (or domain destroy).  Owner of r; r must not be used afterwards.
 */
static inline void lf_hp_rec_release(lf_hp_rec *r)
{
    if (r == NULL)
        return;
    for (unsigned i = 0; i < r->nslots; i++)
        lf_hp_clear(r, i);
    /* release: pairs with the acquire CAS in lf_hp_rec_acquire */
    atomic_store_explicit(&r->in_use, 0u, memory_order_release);
}

/* The light fence of an asymmetric domain: a compiler barrier only.  It
 * keeps the hazard store before the validating reload in the instruction
 * stream, so that the scanner's heavy barrier (S1a), which runs a full
 * barrier on this thread at some instruction boundary, finds it either
 * before the reload or after the store (file comment). */
static inline void lf_hp__light_fence(void)
{
    atomic_signal_fence(memory_order_seq_cst);
}

/*
 * lf_hp_set: publishes p in slot and executes a full fence (in either
 * kind of domain); the caller must then re-read its source (any load at
 * least acquire) and retry unless it still yields p.  Owner of r.  Bad r
 * or slot: no effect.
 */
static inline void lf_hp_set(lf_hp_rec *r, unsigned slot, void *p)
{
    if (r == NULL || slot >= r->nslots)
        return;
    /* (H1) release: orders our accesses to the object this slot
     * protected before it is seen replaced (pairs with scan's acquire
     * load, S2) */
    atomic_store_explicit(&r->hazard[slot], p, memory_order_release);
    /* (H2) full fence: orders H1 before the caller's validating reload;
     * pairs with S1 in lf_hp_scan (C11 7.17.3p11).  Store before load
     * only, no happens-before needed: invisible to TSan (file comment). */
    lf_fence_seq_cst();
}

/*
 * lf_hp_publish: publishes p in slot, cheaper than lf_hp_set, for callers
 * that validate with a memory_order_seq_cst load of their source (as
 * lf_hp_protect does), in either kind of domain.  Owner of r.  Bad r or
 * slot: no effect.
 */
static inline void lf_hp_publish(lf_hp_rec *r, unsigned slot, void *p)
{
    if (r == NULL || slot >= r->nslots)
        return;
    if (r->asymmetric) {
        /* (P1a) release, as H1: an overwritten hazard still orders our
         * accesses to the object it protected before a scan that sees the
         * new value reclaims it (S2).  On x86-64, the one target with
         * asymmetric domains, the same MOV as relaxed. */
        atomic_store_explicit(&r->hazard[slot], p, memory_order_release);
        /* (G) light fence: pairs with the heavy barrier S1a in lf_hp_scan
         * (file comment) */
        lf_hp__light_fence();
        return;
    }
    /* (P1) seq_cst: with the caller's seq_cst reload (P2), ordered against
     * the fence S1 in lf_hp_scan (file comment); includes release, as H1
     * in lf_hp_set.  The same order in TSan builds. */
    atomic_store_explicit(&r->hazard[slot], p, memory_order_seq_cst);
}

/*
 * lf_hp_protect: loads *src and returns it protected in slot: the returned
 * object cannot be reclaimed until the slot is cleared or overwritten.
 * Owner of r; any number of threads may modify *src meanwhile.  Lock-free:
 * it loops only while *src keeps changing.  NULL, protecting nothing, for
 * a NULL r or src or a slot >= slots_per_rec.
 */
static inline void *lf_hp_protect(lf_hp_rec *r, unsigned slot, _Atomic(void *) const *src)
{
    if (r == NULL || src == NULL || slot >= r->nslots)
        return NULL;
    /* relaxed: only a candidate; the validating load below is the one
     * whose value (and ordering) we use */
    void *p = atomic_load_explicit(src, memory_order_relaxed);
    for (;;) {
        LF_STRESS_POINT();
        lf_hp_publish(r, slot, p);
        /* (P2) seq_cst: the validation of lf_hp_publish's protocol (pairs
         * with S1; in an asymmetric domain too, for records a scan skips
         * the heavy barrier for: file comment, cases 1 and 2); also
         * acquire, pairing with the release store or CAS that put p in
         * *src, so the object's contents are visible to us */
        void *again = atomic_load_explicit(src, memory_order_seq_cst);
        if (again == p)
            return p;
        p = again;
    }
}

/* Sift a[root] down the max-heap a[0..n). */
static inline void lf_hp__sift_down(uintptr_t *a, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        uintptr_t t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

/* In-place heapsort of n addresses: O(n log n), no allocation (qsort may
 * allocate), no recursion. */
static inline void lf_hp__sort_addresses(uintptr_t *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        lf_hp__sift_down(a, i, n);
    for (size_t end = n; end > 1;) {
        end--;
        uintptr_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        lf_hp__sift_down(a, 0, end);
    }
}

/* Binary search of a sorted snapshot. */
static inline bool lf_hp__snapshot_holds(const uintptr_t *a, size_t n, uintptr_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == key;
}

/* Fallback when no snapshot could be allocated: read every slot, O(H).
 * A NULL obj is never protected (as in the snapshot, which skips NULL). */
static inline bool lf_hp__any_slot_holds(lf_hp_rec *records, unsigned nslots, const void *obj)
{
    if (obj == NULL)
        return false;
    for (lf_hp_rec *p = records; p != NULL; p = p->next)
        for (unsigned i = 0; i < nslots; i++)
            /* acquire: pairs with the release clear/overwrite of the slot */
            if (atomic_load_explicit(&p->hazard[i], memory_order_acquire) == obj)
                return true;
    return false;
}

/*
 * Grows r's snapshot scratch to hold `need` addresses.  It allocates only
 * when H has outgrown every earlier scan of this record, and doubles, so a
 * record allocates at most log2(H_max) times in its life, however many
 * nodes it retires.  false on failure (the scan then reads the slots
 * directly instead: slower, still correct, no allocation).
 */
static inline bool lf_hp__reserve_scratch(lf_hp_rec *r, size_t need)
{
    if (need <= r->scratch_cap)
        return true;
    size_t cap = r->scratch_cap != 0 ? r->scratch_cap : 16;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / sizeof(uintptr_t))
            return false;
        cap *= 2;
    }
    uintptr_t *s = (uintptr_t *)LF_MALLOC(cap * sizeof(uintptr_t));
    if (s == NULL)
        return false;
    if (r->scratch != NULL)
        LF_FREE(r->scratch);
    r->scratch = s;
    r->scratch_cap = cap;
    return true;
}

/*
 * lf_hp_scan: reclaims now every retired node of r whose object no slot in
 * the domain protects; keeps the others (at most H).  Safe nodes retired
 * with lf_hp_retire_recycle go to r's node cache while it has room.
 * Owner of r.  reclaim callbacks run inside it and must not call lf_hp_*
 * on r.  Does not allocate except to grow the snapshot when H has grown
 * (lf_hp__reserve_scratch); on failure it falls back to O(R x H) without
 * allocating.
 */
static inline void lf_hp_scan(lf_hp_rec *r)
{
    if (r == NULL)
        return;
    lf_hp_domain *d = r->domain;
    /* (S1) full fence: orders the caller's unlink of every retired node
     * (a store, before the retire) before the loads of the slots (S2);
     * pairs with P1 + P2 in lf_hp_protect and with H2 in lf_hp_set: a
     * hazard published before it is seen below, one published after it
     * fails its validation.  In an asymmetric domain it covers the
     * records S1a is not run for (file comment, cases 1 and 2).  Store
     * before load only, no happens-before needed: invisible to TSan (file
     * comment). */
    lf_fence_seq_cst();
    /* acquire: pairs with the push in lf_hp_rec_acquire (its release
     * half).  Records pushed after this load are safe to ignore: the push
     * is seq_cst, so it follows our fence in S, and so does every protect
     * by an owner of that record; those validations see the removals made
     * before our fence and retry (file comment). */
    lf_hp_rec *records = atomic_load_explicit(&d->records, memory_order_acquire);
    size_t nrec = 0;
    bool others_owned = false;
    for (lf_hp_rec *p = records; p != NULL; p = p->next) {
        nrec++;
        /* (S1b) relaxed: sequenced after S1, which is all asymmetric case
         * 2 needs; a record read free is acquired later by a seq_cst CAS
         * (A2).  Asymmetric domains only. */
        if (r->asymmetric && !others_owned && p != r &&
            atomic_load_explicit(&p->in_use, memory_order_relaxed) != 0)
            others_owned = true;
    }
    if (others_owned) {
        /* (S1a) heavy barrier: a full barrier on every thread of the
         * process and on ours (membarrier's smp_mb on entry and exit),
         * ordering the caller's unlink before the loads of the slots (S2);
         * pairs with G, the light fence of each owner's protect (file
         * comment, case 3).  If it fails (only if the process lost its
         * registration: a seccomp filter installed since, a forked child),
         * nothing orders those owners' hazards before our loads: reclaim
         * nothing this time. */
        if (!lf_hp__membarrier(LF_MEMBARRIER_CMD_PRIVATE_EXPEDITED))
            return;
    }
    size_t hazards = nrec * r->nslots;
    r->scan_threshold = lf_hp_scan_threshold(hazards);

    bool sorted = lf_hp__reserve_scratch(r, hazards);
    size_t nsnap = 0;
    if (sorted) {
        for (lf_hp_rec *p = records; p != NULL; p = p->next) {
            for (unsigned i = 0; i < r->nslots; i++) {
                /* (S2) acquire: pairs with the release clear/overwrite of
                 * the slot; a reader's last use of an object happens
                 * before we reclaim it */
                void *h = atomic_load_explicit(&p->hazard[i], memory_order_acquire);
                if (h != NULL)
                    r->scratch[nsnap++] = (uintptr_t)h;
            }
        }
        lf_hp__sort_addresses(r->scratch, nsnap);
    }

    /* the snapshot is taken: a reader that validates from here on must
     * see its object already removed */
    LF_STRESS_POINT();
    lf_hp_node *n = r->retired;
    lf_hp_node *keep = NULL;
    size_t nkeep = 0;
    r->retired = NULL;
    while (n != NULL) {
        lf_hp_node *next = n->next;
        bool hazardous = sorted ? lf_hp__snapshot_holds(r->scratch, nsnap, (uintptr_t)n->obj)
                                : lf_hp__any_slot_holds(records, r->nslots, n->obj);
        if (hazardous) {
            n->next = keep;
            keep = n;
            nkeep++;
        } else if (n->recycle && r->ncached < LF_HP_CACHE_MAX) {
            n->next = r->cache;
            r->cache = n;
            r->ncached++;
        } else {
            n->reclaim(n);
        }
        n = next;
    }
    r->retired = keep;
    r->nretired = nkeep;
}

/* Shared body of lf_hp_retire and lf_hp_retire_recycle. */
static inline void lf_hp__push_retired(lf_hp_rec *r, lf_hp_node *n, void *obj,
                                      void (*reclaim)(lf_hp_node *n), bool recycle)
{
    n->obj = obj;
    n->reclaim = reclaim;
    n->recycle = recycle;
    n->next = r->retired;
    r->retired = n;
    if (++r->nretired >= r->scan_threshold)
        lf_hp_scan(r);
}

/*
 * lf_hp_retire: n's object (obj, the address readers protect, e.g. the
 * lf_stack_node for lf_stack_pop_hp) has been removed from every shared
 * structure; reclaim(n) runs exactly once, on this record's scan (or its
 * next owner's, or domain destroy), once no slot holds obj.  Allocates
 * nothing per node (n is intrusive) and never fails; the record's scan
 * array may grow when H has grown: the scan it may trigger enlarges r's
 * snapshot array when H has outgrown every earlier scan of r (at most
 * log2(H) times in r's life), and scans without it if that allocation
 * fails (lf_hp_scan).  Owner of r.
 * NULL r, n or reclaim: no effect (n is not retired).
 */
static inline void lf_hp_retire(lf_hp_rec *r, lf_hp_node *n, void *obj,
                                void (*reclaim)(lf_hp_node *n))
{
    if (r == NULL || n == NULL || reclaim == NULL)
        return;
    lf_hp__push_retired(r, n, obj, reclaim, false);
}

/*
 * lf_hp_retire_recycle: as lf_hp_retire, but once safe the node is kept in
 * r's node cache (up to LF_HP_CACHE_MAX) for lf_hp_cache_take; reclaim(n)
 * runs only when the cache is full or at domain destroy.  Structures whose
 * nodes all have one type and one reclaim (lf_queue) use it to skip malloc.
 * Owner of r.  NULL r, n or reclaim: no effect.
 */
static inline void lf_hp_retire_recycle(lf_hp_rec *r, lf_hp_node *n, void *obj,
                                        void (*reclaim)(lf_hp_node *n))
{
    if (r == NULL || n == NULL || reclaim == NULL)
        return;
    lf_hp__push_retired(r, n, obj, reclaim, true);
}

/*
 * lf_hp_cache_take: a node from r's cache that was retired with this
 * reclaim function (so it has the caller's type), or NULL.  No slot
 * protects it: the caller may reinitialise and republish it.  Owner of r.
 */
static inline lf_hp_node *lf_hp_cache_take(lf_hp_rec *r, void (*reclaim)(lf_hp_node *n))
{
    if (r == NULL)
        return NULL;
    lf_hp_node *n = r->cache;
    if (n == NULL || n->reclaim != reclaim)
        return NULL;
    r->cache = n->next;
    r->ncached--;
    return n;
}

/*
 * lf_hp_cache_put: keeps n in r's node cache for lf_hp_cache_take, as a
 * node retired with lf_hp_retire_recycle(r, n, obj, reclaim) is kept once
 * a scan finds it safe; reclaim(n) then runs only at domain destroy.  The
 * caller vouches for what that scan would have checked: no slot protects
 * obj and nothing shared reaches it (e.g. n came out of some record's cache
 * and was handed over with a release/acquire pair).  false (n not taken)
 * when the cache already holds LF_HP_CACHE_MAX nodes.  Owner of r.
 * NULL r, n or reclaim: false.
 */
static inline bool lf_hp_cache_put(lf_hp_rec *r, lf_hp_node *n, void *obj,
                                   void (*reclaim)(lf_hp_node *n))
{
    if (r == NULL || n == NULL || reclaim == NULL || r->ncached >= LF_HP_CACHE_MAX)
        return false;
    n->obj = obj;
    n->reclaim = reclaim;
    n->recycle = true;
    n->next = r->cache;
    r->cache = n;
    r->ncached++;
    return true;
}

/* lf_hp_retired_count: retired nodes r still holds.  Owner of r (or quiescent). */
static inline size_t lf_hp_retired_count(const lf_hp_rec *r)
{
    return r == NULL ? 0 : r->nretired;
}

/* lf_hp_cached_count: nodes in r's cache.  Owner of r (or quiescent). */
static inline size_t lf_hp_cached_count(const lf_hp_rec *r)
{
    return r == NULL ? 0 : r->ncached;
}

#endif /* LFKIT_HP_H */

/*
 * lfkit/segqueue.h - unbounded MPMC FIFO queue of void * values, made of
 * bounded ring segments linked into a list.
 *
 * Source: R. Nikolaev, "A Scalable, Portable, and Memory-Efficient
 * Lock-Free FIFO Queue", DISC 2019 (full version arXiv:1908.04511), the
 * unbounded queue built from SCQ rings (LSCQ), itself the scheme of
 * Morrison and Afek's LCRQ (PPoPP 2013) with SCQ in place of CRQ; the list
 * of segments is linked and its head and tail swung as in M. M. Michael and
 * M. L. Scott, PODC 1996, figure 1, and finished segments are reclaimed
 * with hazard pointers (M. M. Michael, IEEE TPDS 2004).  As in ring.h, the
 * paper's section numbers could not be checked while this was written, so
 * its parts are named by content; docs/segqueue.md says the same.
 *
 * Which calls may run concurrently with which:
 *
 *   call                      | concurrently with
 *   --------------------------+------------------------------------------
 *   lf_segqueue_enqueue       | enqueue, dequeue, is_empty (any threads,
 *   lf_segqueue_dequeue       |   each with its own record of q's domain)
 *   lf_segqueue_is_empty      |
 *   lf_segqueue_init/destroy  | nothing (quiescent)
 *
 * The list.  Each segment is an lf_ring (ring.h: SCQ, two index rings aq and
 * fq over n value slots) plus a next pointer.  tail points at the last
 * segment or, for a moment, its predecessor; head at the first segment
 * that may still hold values.  Enqueue puts the value into tail's ring; when
 * that ring has no free slot (fq empty) the enqueuer closes it (the paper's
 * finalize: a bit in aq's tail, lf_ring__close) so that no later enqueue
 * succeeds there, makes a new segment already holding its value, links it
 * with a CAS on next and swings tail.  Dequeue takes from head's ring; when
 * that is empty and next is NULL the queue is empty; when next is set the
 * ring is closed, so once drained (lf_ring__index_drain: head reaches
 * tail) it is finished: the dequeuer swings tail past it if needed, swings
 * head to next and retires it.
 *
 * Why it is linearizable (the paper's argument, with the LSCQ drain):
 *  - next is set only after the ring was closed (both failure paths of
 *    lf_segqueue__put close it or find it closed), so values enter a
 *    segment only before its successor exists, and FIFO order is the order
 *    of segments, then SCQ's order within one.
 *  - The drain stops only when aq's head has reached a tail read after the
 *    close, so every position an enqueue took before the close has been
 *    taken by a dequeuer: that dequeuer either consumes the value or marks
 *    the entry so that the enqueue fails and retries, meets the closed bit
 *    and goes on to the next segment.  No value is ever left behind in a
 *    segment head has passed.
 *  - Dequeue reports LF_EMPTY only after head's ring reported empty (SCQ:
 *    aq was empty at some instant during that call) and then next was NULL:
 *    next is never reset, so it was NULL at that instant too, head was still
 *    that segment, and the whole queue was empty.  Never spurious.
 *
 * Progress: enqueue and dequeue are lock-free: SCQ's operations are; a
 * CAS on next, head or tail fails only because another operation linked or
 * swung it; the drain ends because a closed ring's tail grows only by the
 * one failing fetch-and-add of each enqueue that read next as NULL before
 * it was set.
 *
 * Reclamation: a thread passes its lf_hp_rec to every call; hazard slot 0
 * protects the segment an operation works in (taken from tail or head with
 * lf_hp_protect), and is cleared before every call returns.  A segment is
 * retired by the dequeuer whose CAS moved head past it, after tail was
 * moved past it too (Q6), so a hazard validated on it afterwards is
 * impossible; and while tail lags at it, its linker still protects it.  The
 * domain needs 2 slots per record, like lf_queue's, so that one domain
 * serves either queue; slot 1 is unused.
 *
 * Memory (in segments; n the rounded segment capacity, p the number of
 * threads that may enqueue at once, V the values queued, those of
 * enqueues in progress included): live segments number at most
 *     V / max(1, n - p + 1) + 2 + one per thread in an operation
 * (a new segment held by an enqueue not yet linked, or an unlinked one not
 * yet retired), plus the retired segments the domain holds: at most
 * max(2H, 64) + H per record (hp.h).  Why: no dequeue has touched a segment
 * behind head, so each still has the value its creator put in first; each
 * one before tail was closed when its fq was empty, i.e. when its n slots
 * were held by values or by at most p - 1 other enqueues in progress, so
 * it holds at least n - p + 1 values.  For n well above p this is the
 * API's V / n + 2 + one per thread; segments smaller than the thread count
 * close nearly empty (one value each at worst), so choose n >> p.  A
 * segment takes 40 bytes a slot (ring.h) plus about 11 cache lines.
 *
 * Memory orders (labelled (Q1)..(Q8) below): the rings' accesses are
 * ring.h's (all seq_cst, R1..R14).  The list follows lf_queue: next is
 * published by a release CAS (Q3) and read with acquire (Q1, Q5, Q8);
 * head and tail are swung by release CASes (Q2, Q4, Q6, Q7) read by
 * lf_hp_protect's validating load (acquire at least, in either kind of
 * domain), so a segment's contents are visible before it is used.
 *
 * Alignment: lf_segqueue is over-aligned to LF_CACHELINE; head and tail
 * each have their own line, the read-only fields a third.
 */
#ifndef LFKIT_SEGQUEUE_H
#define LFKIT_SEGQUEUE_H

#include <lfkit/platform.h>
#include <lfkit/hp.h>
#include <lfkit/ring.h>

/* Largest segment_capacity lf_segqueue_init accepts (a power of two). */
#define LF_SEGQUEUE_MAX_SEGMENT ((size_t)1 << 20)

/* A segment (internal; allocated by the queue). */
typedef struct lf_segqueue_segment {
    lf_ring ring;                           /* SCQ of n values; aq closes once */
    LF_CACHE_ALIGNED _Atomic(void *) next;  /* lf_segqueue_segment *; set once */
    lf_hp_node hp;
} lf_segqueue_segment;

typedef struct lf_segqueue {
    LF_CACHE_ALIGNED lf_hp_domain *hp;     /* immutable after init */
    size_t segment_capacity;               /* n, rounded; immutable after init */
    LF_CACHE_ALIGNED _Atomic(void *) head; /* lf_segqueue_segment *: first */
    LF_CACHE_ALIGNED _Atomic(void *) tail; /* lf_segqueue_segment *: last or next-to-last */
} lf_segqueue;

/* Frees a segment: its reclaim function, destroy, and a lost link race. */
static inline void lf_segqueue__free_segment(lf_segqueue_segment *s)
{
    lf_ring_destroy(&s->ring);
    LF_FREE(s);
}

static inline void lf_segqueue__reclaim(lf_hp_node *n)
{
    lf_segqueue__free_segment(lf_container_of(n, lf_segqueue_segment, hp));
}

/* A new unlinked segment of capacity n, empty; NULL when out of memory. */
static inline lf_segqueue_segment *lf_segqueue__new_segment(size_t n)
{
    lf_segqueue_segment *s =
        (lf_segqueue_segment *)LF_ALIGNED_ALLOC(LF_CACHELINE, sizeof(lf_segqueue_segment));
    if (s == NULL)
        return NULL;
    if (lf_ring_init(&s->ring, n) != LF_OK) {
        LF_FREE(s);
        return NULL;
    }
    /* relaxed: s is private until the release CAS that links it (Q3) or
     * whatever publishes the queue after init */
    atomic_store_explicit(&s->next, (void *)NULL, memory_order_relaxed);
    return s;
}

/*
 * The paper's enqueue into a segment with finalization: true when value
 * is in s's ring; false when the ring is closed (it closes it when it
 * finds no free slot), value not enqueued.
 */
static inline bool lf_segqueue__put(lf_segqueue_segment *s, void *value)
{
    lf_ring *r = &s->ring;
    uint64_t i;
    if (!lf_ring__index_dequeue(r, &r->fq, &i)) {
        lf_ring__close(&r->aq);
        return false;
    }
    /* (D1) plain: slot i is ours from taking it out of fq until aq's R4
     * publishes it (ring.h's D1) */
    r->data[i] = value;
    if (lf_ring__index_enqueue(r, &r->aq, i))
        return true;
    /* closed meanwhile: give the slot back; nothing was published */
    (void)lf_ring__index_enqueue(r, &r->fq, i); /* fq is never closed */
    return false;
}

/* Dequeue from a segment's ring: counted (SCQ, threshold) or draining. */
static inline bool lf_segqueue__take(lf_segqueue_segment *s, void **value, bool drain)
{
    lf_ring *r = &s->ring;
    uint64_t i;
    if (!(drain ? lf_ring__index_drain(r, &r->aq, &i) : lf_ring__index_dequeue(r, &r->aq, &i)))
        return false;
    /* (D2) plain: aq's R8 acquired the R4 that published data[i] (D1) */
    *value = r->data[i];
    (void)lf_ring__index_enqueue(r, &r->fq, i); /* fq is never closed */
    return true;
}

/*
 * lf_segqueue_init: an empty queue of segments of segment_capacity values
 * (rounded up to a power of two), reclaiming through hp, which must have at
 * least 2 slots per record.  NULL q or hp, a 1-slot domain, capacity 0 or
 * above LF_SEGQUEUE_MAX_SEGMENT: LF_EINVAL.  The first segment's
 * allocation failing: LF_ENOMEM.  Either way q is untouched.  Quiescent.
 */
static inline lf_status lf_segqueue_init(lf_segqueue *q, lf_hp_domain *hp,
                                         size_t segment_capacity)
{
    if (q == NULL || hp == NULL || hp->slots < 2 || segment_capacity == 0 ||
        segment_capacity > LF_SEGQUEUE_MAX_SEGMENT)
        return LF_EINVAL;
    lf_segqueue_segment *s = lf_segqueue__new_segment(segment_capacity);
    if (s == NULL)
        return LF_ENOMEM;
    q->hp = hp;
    q->segment_capacity = lf_ring_capacity(&s->ring);
    /* relaxed: init is quiescent; the caller publishes q to other threads */
    atomic_store_explicit(&q->head, (void *)s, memory_order_relaxed);
    atomic_store_explicit(&q->tail, (void *)s, memory_order_relaxed);
    return LF_OK;
}

/*
 * lf_segqueue_enqueue: appends value (NULL allowed).  Any thread, each with
 * its own record r of q's domain; NULL q or r, or r of another domain:
 * LF_EINVAL.  LF_ENOMEM, value not enqueued and q unchanged, when the tail
 * segment is full and a new one cannot be allocated.  Uses r's slot 0 and
 * clears it.
 */
static inline lf_status lf_segqueue_enqueue(lf_segqueue *q, lf_hp_rec *r, void *value)
{
    if (q == NULL || r == NULL || r->domain != q->hp)
        return LF_EINVAL;
    lf_segqueue_segment *fresh = NULL; /* ours, holding value, until linked */
    lf_status st = LF_OK;
    for (;;) {
        lf_segqueue_segment *last = (lf_segqueue_segment *)lf_hp_protect(r, 0, &q->tail);
        /* (Q1) acquire: pairs with the linking CAS (Q3), so the successor's
         * ring is initialised before we swing tail to it */
        void *next = atomic_load_explicit(&last->next, memory_order_acquire);
        if (next != NULL) {
            LF_STRESS_POINT();
            void *expected = last;
            /* (Q2) release: passes Q3's publication on to lf_hp_protect's
             * validating load of tail; relaxed on failure: already swung */
            atomic_compare_exchange_strong_explicit(&q->tail, &expected, next,
                                                    memory_order_release,
                                                    memory_order_relaxed);
            continue;
        }
        if (lf_segqueue__put(last, value))
            break;
        /* last is closed: link a new segment that already holds value */
        if (fresh == NULL) {
            fresh = lf_segqueue__new_segment(q->segment_capacity);
            if (fresh == NULL) {
                st = LF_ENOMEM;
                break;
            }
            /* a private ring: the one place, and it cannot be full */
            (void)lf_ring_enqueue(&fresh->ring, value);
        }
        LF_STRESS_POINT();
        void *expected_next = NULL;
        /* (Q3) release: publishes fresh's ring (its init and value) to the
         * acquire loads of next (Q1, Q5, Q8); relaxed on failure: another
         * segment was linked first, retry in it */
        if (atomic_compare_exchange_strong_explicit(&last->next, &expected_next, (void *)fresh,
                                                    memory_order_release,
                                                    memory_order_relaxed)) {
            LF_STRESS_POINT();
            void *expected = last;
            /* (Q4) release: as Q2; failure means a helper swung tail already */
            atomic_compare_exchange_strong_explicit(&q->tail, &expected, (void *)fresh,
                                                    memory_order_release,
                                                    memory_order_relaxed);
            fresh = NULL;
            break;
        }
    }
    lf_hp_clear(r, 0);
    if (fresh != NULL) /* value went into another segment: fresh was never shared */
        lf_segqueue__free_segment(fresh);
    return st;
}

/*
 * lf_segqueue_dequeue: removes the oldest value into *value: LF_OK, or
 * LF_EMPTY (never spurious: the queue was empty at one instant during the
 * call; *value untouched).  Any thread, each with its own record r of q's
 * domain; NULL q, r or value, or r of another domain: LF_EINVAL.  Uses r's
 * slot 0 and clears it; finished segments are retired on r.
 */
static inline lf_status lf_segqueue_dequeue(lf_segqueue *q, lf_hp_rec *r, void **value)
{
    if (q == NULL || r == NULL || value == NULL || r->domain != q->hp)
        return LF_EINVAL;
    for (;;) {
        lf_segqueue_segment *first = (lf_segqueue_segment *)lf_hp_protect(r, 0, &q->head);
        if (lf_segqueue__take(first, value, false))
            break;
        /* (Q5) acquire: pairs with Q3 (next's ring is initialised); read
         * after the ring reported empty, so NULL here means NULL then */
        void *next = atomic_load_explicit(&first->next, memory_order_acquire);
        if (next == NULL) {
            lf_hp_clear(r, 0);
            return LF_EMPTY;
        }
        /* first is closed (next is set only after closing it): drain it */
        if (lf_segqueue__take(first, value, true))
            break;
        /* relaxed: only compared with first.  It is no older than the tail
         * read (or swung) by whoever moved head to first, which that
         * dequeuer ordered before its release CAS Q7, which our protect's
         * validating load of head read; that tail was past the segment
         * before first, so a value != first is past first */
        void *last = atomic_load_explicit(&q->tail, memory_order_relaxed);
        LF_STRESS_POINT();
        if (last == (void *)first) {
            /* (Q6) release: as Q2; relaxed on failure: already swung.
             * Keeps head from ever passing tail, so first is unreachable
             * from both before it is retired.  (Safety alone would not need
             * it: tail stays at a linked-past segment only until its
             * linker's Q4, and the linker protects that segment until then,
             * so an enqueuer validating tail == first is covered.) */
            atomic_compare_exchange_strong_explicit(&q->tail, &last, next,
                                                    memory_order_release,
                                                    memory_order_relaxed);
        }
        void *expected = first;
        /* (Q7) release: next reaches lf_hp_protect's validating load of
         * head with its contents visible, and orders our tail read or CAS
         * before it (see the relaxed load above); relaxed on failure:
         * another dequeuer moved head */
        if (atomic_compare_exchange_strong_explicit(&q->head, &expected, next,
                                                    memory_order_release,
                                                    memory_order_relaxed)) {
            lf_hp_clear(r, 0);
            lf_hp_retire(r, &first->hp, first, lf_segqueue__reclaim);
        }
    }
    lf_hp_clear(r, 0);
    return LF_OK;
}

/*
 * lf_segqueue_is_empty: true if the queue had no value at one instant
 * during the call; false if at one instant a value was queued or an
 * operation was in progress in the first segment (with no concurrent call:
 * exactly whether it is empty).  Any thread with its own record r; true
 * for a NULL q or r or a record of another domain.  Uses r's slot 0 and
 * clears it.
 */
static inline bool lf_segqueue_is_empty(lf_segqueue *q, lf_hp_rec *r)
{
    if (q == NULL || r == NULL || r->domain != q->hp)
        return true;
    bool empty;
    for (;;) {
        lf_segqueue_segment *first = (lf_segqueue_segment *)lf_hp_protect(r, 0, &q->head);
        lf_ring_index *aq = &first->ring.aq;
        /* (Q8) acquire: as Q5.  Set while head is first: the successor
         * still holds its creator's value (no dequeue reaches a segment
         * before head does), so the queue is not empty.  seq_cst reload of
         * head: in S with the ring's head/tail accesses below */
        if (atomic_load_explicit(&first->next, memory_order_acquire) != NULL) {
            if (atomic_load_explicit(&q->head, memory_order_seq_cst) != (void *)first)
                continue;
            empty = false;
            break;
        }
        /* seq_cst, as ring.h's R7 then R11: aq's head, then its tail.  At
         * the tail load, head >= tail means every position was taken by a
         * dequeue (SCQ's empty condition) */
        uint64_t h = atomic_load_explicit(&aq->head, memory_order_seq_cst);
        uint64_t t = atomic_load_explicit(&aq->tail, memory_order_seq_cst) & ~LF_RING__CLOSED;
        if (t > h) {
            empty = false;
            break;
        }
        /* (Q8) acquire: still NULL, so NULL at the tail load too, when head
         * was still first */
        if (atomic_load_explicit(&first->next, memory_order_acquire) == NULL) {
            empty = true;
            break;
        }
    }
    lf_hp_clear(r, 0);
    return empty;
}

/*
 * lf_segqueue_destroy: frees every segment still linked (not the values
 * they hold).  Quiescent: no concurrent call on q.  Call it before
 * lf_hp_domain_destroy of q's domain, which frees the retired segments.
 * NULL q: no effect.
 */
static inline void lf_segqueue_destroy(lf_segqueue *q)
{
    if (q == NULL)
        return;
    /* relaxed: quiescent; the caller ordered every other use before this */
    lf_segqueue_segment *s =
        (lf_segqueue_segment *)atomic_load_explicit(&q->head, memory_order_relaxed);
    while (s != NULL) {
        lf_segqueue_segment *next =
            (lf_segqueue_segment *)atomic_load_explicit(&s->next, memory_order_relaxed);
        lf_segqueue__free_segment(s);
        s = next;
    }
    atomic_store_explicit(&q->head, (void *)NULL, memory_order_relaxed);
    atomic_store_explicit(&q->tail, (void *)NULL, memory_order_relaxed);
}

#endif /* LFKIT_SEGQUEUE_H */

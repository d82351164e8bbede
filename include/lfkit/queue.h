/*
 * lfkit/queue.h - unbounded MPMC FIFO queue of void * values.
 *
 * Source: M. M. Michael and M. L. Scott, "Simple, Fast, and Practical
 * Non-Blocking and Blocking Concurrent Queue Algorithms", PODC 1996,
 * figure 1 (the non-blocking queue), with the modification counters
 * replaced by hazard pointers as in the queue example of M. M. Michael,
 * "Hazard Pointers", IEEE TPDS 2004 (two hazards per thread).
 *
 * A singly linked list with a dummy node: head points at the dummy, whose
 * successor holds the first value; tail points at the last node or, for a
 * moment, its predecessor (anyone who sees it lagging swings it forward).
 * enqueue links a new node after the last one with a CAS on its next field
 * and then swings tail; dequeue reads the dummy's successor's value and
 * swings head to it, which becomes the new dummy; the old dummy is retired.
 * Values may be NULL.
 *
 * Progress: enqueue and dequeue are lock-free (a CAS fails only because
 * another operation succeeded or helped).  Linearizable, including the
 * empty result: dequeue returns LF_EMPTY only if, while the node it
 * protected was the dummy, that node had no successor.
 *
 * Reclamation: a thread passes its lf_hp_rec to every call; hazard slot 0
 * protects tail (enqueue) or head (dequeue), slot 1 head's successor.  Both
 * are cleared before each call returns.  Dequeued dummies are retired with
 * lf_hp_retire_recycle, so once safe they wait in the dequeuer's record
 * cache (at most LF_HP_CACHE_MAX each) and enqueue on that record reuses
 * them before calling LF_MALLOC; lf_hp_domain_destroy frees the cache.
 * Node reuse is ABA-safe: a node returns to a cache only when no hazard
 * protects it, and every CAS compares against a protected node.
 *
 * Memory orders (each access below names its pair):
 * - the link CAS on last->next is release: it publishes the new node's
 *   value and NULL next to the acquire loads of next in enqueue, dequeue
 *   and is_empty.
 * - head and tail CASes are release: they pass that visibility on to the
 *   validating (seq_cst, so also acquire) load in lf_hp_protect; head's
 *   release also orders the dequeuer's read of tail before head moves
 *   (see dequeue).
 * - hazard slots follow hp.h: publish with lf_hp_publish (a seq_cst
 *   store, or in an asymmetric domain a release store + light fence),
 *   validate with a seq_cst reload, clear with a release store.
 *
 * Alignment: lf_queue is over-aligned to LF_CACHELINE; head and tail each
 * have their own line and the read-only domain pointer a third.
 */
#ifndef LFKIT_QUEUE_H
#define LFKIT_QUEUE_H

#include <lfkit/platform.h>
#include <lfkit/hp.h>

/* A list node (internal; allocated by the queue). */
typedef struct lf_queue_node {
    _Atomic(void *) next;   /* lf_queue_node *; NULL at the tail */
    void *value;            /* written before the node is linked */
    lf_hp_node hp;
} lf_queue_node;

typedef struct lf_queue {
    LF_CACHE_ALIGNED lf_hp_domain *hp;  /* immutable after init */
    LF_CACHE_ALIGNED _Atomic(void *) head; /* lf_queue_node *: the dummy */
    LF_CACHE_ALIGNED _Atomic(void *) tail; /* lf_queue_node *: last or next-to-last */
} lf_queue;

/* Frees a node: its reclaim function (cache overflow, domain destroy). */
static inline void lf_queue__free_node(lf_hp_node *n)
{
    LF_FREE(lf_container_of(n, lf_queue_node, hp));
}

/*
 * lf_queue_init: an empty queue reclaiming through hp, which must have at
 * least 2 slots per record (else LF_EINVAL).  Allocates the dummy node:
 * LF_ENOMEM on failure, q untouched.  Quiescent: before any other use of q.
 */
static inline lf_status lf_queue_init(lf_queue *q, lf_hp_domain *hp)
{
    if (q == NULL || hp == NULL || hp->slots < 2)
        return LF_EINVAL;
    lf_queue_node *dummy = (lf_queue_node *)LF_MALLOC(sizeof(lf_queue_node));
    if (dummy == NULL)
        return LF_ENOMEM;
    /* relaxed (here and below): init is quiescent; the caller publishes q
     * to other threads */
    atomic_store_explicit(&dummy->next, (void *)NULL, memory_order_relaxed);
    dummy->value = NULL;
    q->hp = hp;
    atomic_store_explicit(&q->head, (void *)dummy, memory_order_relaxed);
    atomic_store_explicit(&q->tail, (void *)dummy, memory_order_relaxed);
    return LF_OK;
}

/*
 * lf_queue_enqueue: appends value (NULL allowed).  Any thread, each with
 * its own record r of q's domain (else LF_EINVAL).  LF_ENOMEM, q unchanged,
 * when r's cache is empty and LF_MALLOC fails.  Uses r's slot 0 and clears
 * it before returning LF_OK (EINVAL and ENOMEM leave r untouched).
 */
static inline lf_status lf_queue_enqueue(lf_queue *q, lf_hp_rec *r, void *value)
{
    if (q == NULL || r == NULL || r->domain != q->hp)
        return LF_EINVAL;
    lf_hp_node *cached = lf_hp_cache_take(r, lf_queue__free_node);
    lf_queue_node *node = cached != NULL
        ? lf_container_of(cached, lf_queue_node, hp)
        : (lf_queue_node *)LF_MALLOC(sizeof(lf_queue_node));
    if (node == NULL)
        return LF_ENOMEM;
    node->value = value;
    /* relaxed: published by the release link CAS below */
    atomic_store_explicit(&node->next, (void *)NULL, memory_order_relaxed);

    for (;;) {
        lf_queue_node *last = (lf_queue_node *)lf_hp_protect(r, 0, &q->tail);
        /* acquire: pairs with the release link CAS that set it, so a
         * successor's fields are visible before we swing tail to it */
        lf_queue_node *next = (lf_queue_node *)atomic_load_explicit(&last->next,
                                                                    memory_order_acquire);
        LF_STRESS_POINT();
        if (next != NULL) {
            /* tail lags: help swing it.  release: passes on the link CAS's
             * publication (pairs with lf_hp_protect's validating load of tail);
             * relaxed on failure: someone else swung it */
            void *expected = last;
            atomic_compare_exchange_strong_explicit(&q->tail, &expected, (void *)next,
                                                    memory_order_release,
                                                    memory_order_relaxed);
            continue;
        }
        void *expected_next = NULL;
        /* release: publishes node->value and node->next to the acquire
         * loads of last->next; relaxed on failure: another node was
         * linked first, retry */
        if (atomic_compare_exchange_strong_explicit(&last->next, &expected_next, (void *)node,
                                                    memory_order_release,
                                                    memory_order_relaxed)) {
            LF_STRESS_POINT();
            void *expected = last;
            /* release: as for the helping CAS above; failure means a
             * helper already swung tail to node */
            atomic_compare_exchange_strong_explicit(&q->tail, &expected, (void *)node,
                                                    memory_order_release,
                                                    memory_order_relaxed);
            break;
        }
    }
    lf_hp_clear(r, 0);
    return LF_OK;
}

/*
 * lf_queue_dequeue: removes the oldest value into *value: LF_OK, or
 * LF_EMPTY (*value untouched).  Any thread, each with its own record r of
 * q's domain; NULL q, r or value, or r of another domain: LF_EINVAL.
 * Clears r's slots 0 and 1; the old dummy is retired on r.
 */
static inline lf_status lf_queue_dequeue(lf_queue *q, lf_hp_rec *r, void **value)
{
    if (q == NULL || r == NULL || value == NULL || r->domain != q->hp)
        return LF_EINVAL;
    lf_queue_node *first;
    for (;;) {
        first = (lf_queue_node *)lf_hp_protect(r, 0, &q->head);
        /* relaxed: only compared with first, never dereferenced.  It is
         * no older than the tail read by whoever swung head to first (that
         * read is ordered before its release head CAS, our protect's
         * validating load of head pairs with it), and that read was past the
         * old dummy: so a value != first means tail is past first. */
        void *last = atomic_load_explicit(&q->tail, memory_order_relaxed);
        /* acquire: pairs with the release link CAS, making next->value
         * visible */
        lf_queue_node *next = (lf_queue_node *)atomic_load_explicit(&first->next,
                                                                    memory_order_acquire);
        if (next == NULL) {
            /* first (protected, so never recycled meanwhile) was head and
             * had no successor when we read it: empty at that instant */
            lf_hp_clear(r, 1);
            lf_hp_clear(r, 0);
            return LF_EMPTY;
        }
        lf_hp_publish(r, 1, next);
        /* seq_cst: validates slot 1 (lf_hp_publish's protocol, either domain
         * kind).  Head still
         * first means next was not yet dequeued, let alone retired, when
         * the hazard became visible to scans */
        if (atomic_load_explicit(&q->head, memory_order_seq_cst) != (void *)first)
            continue;
        LF_STRESS_POINT();
        if (last == (void *)first) {
            /* tail lags behind a non-empty queue: swing it before head may
             * pass it.  Enqueuers reach nodes through tail, so first must be
             * unreachable from tail as well as head before it is retired
             * (a hazard pointer protects only what is validated before its
             * retirement).  release: pairs with lf_hp_protect's validating
             * load of tail; relaxed on failure: already swung */
            atomic_compare_exchange_strong_explicit(&q->tail, &last, (void *)next,
                                                    memory_order_release,
                                                    memory_order_relaxed);
            continue;
        }
        /* plain read: written before next was linked; next is protected */
        void *v = next->value;
        void *expected = first;
        /* release: next (the new dummy) reaches protect's validating load of
         * head with its contents visible; relaxed on failure: another
         * dequeuer took it, retry */
        if (atomic_compare_exchange_strong_explicit(&q->head, &expected, (void *)next,
                                                    memory_order_release,
                                                    memory_order_relaxed)) {
            *value = v;
            break;
        }
    }
    lf_hp_clear(r, 1);
    lf_hp_clear(r, 0);
    lf_hp_retire_recycle(r, &first->hp, first, lf_queue__free_node);
    return LF_OK;
}

/*
 * lf_queue_is_empty: true if the queue had no value at one instant during
 * the call (true also for a NULL q or r or a record of another domain).
 * Any thread with its own record r.  Clears r's slot 0.
 */
static inline bool lf_queue_is_empty(lf_queue *q, lf_hp_rec *r)
{
    if (q == NULL || r == NULL || r->domain != q->hp)
        return true;
    lf_queue_node *first = (lf_queue_node *)lf_hp_protect(r, 0, &q->head);
    /* relaxed: only compared with NULL, nothing is read through it; protect's
       validating load already ordered this read after the dummy's init */
    bool empty = atomic_load_explicit(&first->next, memory_order_relaxed) == NULL;
    lf_hp_clear(r, 0);
    return empty;
}

/*
 * lf_queue_destroy: frees the nodes still queued (not the values they
 * hold) and the dummy.  Quiescent: no concurrent call on q.  Call it before
 * lf_hp_domain_destroy of q's domain, which frees the retired and cached
 * nodes.  NULL q: no effect.
 */
static inline void lf_queue_destroy(lf_queue *q)
{
    if (q == NULL)
        return;
    /* relaxed: quiescent; the caller ordered every other use before this */
    lf_queue_node *n = (lf_queue_node *)atomic_load_explicit(&q->head, memory_order_relaxed);
    while (n != NULL) {
        lf_queue_node *next = (lf_queue_node *)atomic_load_explicit(&n->next,
                                                                    memory_order_relaxed);
        LF_FREE(n);
        n = next;
    }
    atomic_store_explicit(&q->head, (void *)NULL, memory_order_relaxed);
    atomic_store_explicit(&q->tail, (void *)NULL, memory_order_relaxed);
}

#endif /* LFKIT_QUEUE_H */

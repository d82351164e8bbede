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
 * Which calls may run concurrently with which:
 *
 *   call                  | concurrently with
 *   ----------------------+---------------------------------------------
 *   lf_queue_enqueue      | enqueue, dequeue, is_empty (any threads, each
 *   lf_queue_dequeue      |   with its own record of q's domain), and any
 *   lf_queue_is_empty     |   use of that domain by other structures
 *   lf_queue_init/destroy | nothing on q (quiescent); destroy before
 *                         |   lf_hp_domain_destroy of q's domain
 *
 * Reclamation: a thread passes its lf_hp_rec to every call; hazard slot 0
 * protects tail (enqueue) or head (dequeue), slot 1 head's successor.  Both
 * are cleared before each call returns.  Dequeued dummies are retired with
 * lf_hp_retire_recycle, so once safe they wait in the dequeuer's record
 * cache (at most LF_HP_CACHE_MAX each), and enqueue on that record reuses
 * them before anything else.  Node reuse is ABA-safe: a node returns to a
 * cache only when no hazard protects it, and every CAS compares against a
 * protected node.
 *
 * Node reuse across records.  When one thread enqueues and another
 * dequeues, the safe nodes pile up in the dequeuer's cache.  So a dequeue
 * that leaves 2 x LF_QUEUE_BATCH or more nodes in its record's cache
 * hands LF_QUEUE_BATCH of them to q's spare slot, if it is empty (one CAS,
 * NULL -> the batch); an enqueue whose record cache is empty takes the
 * whole batch (one exchange), keeps one node and puts the rest in its own
 * record's cache (lf_hp_cache_put); only when both are empty does it call
 * LF_MALLOC.  So a producer/consumer pair allocates nothing once the
 * batches circulate: two shared atomic operations per LF_QUEUE_BATCH
 * values.  The spare slot holds at most one batch, a NULL-terminated
 * chain of nodes, private to the slot: nobody reads a node through it
 * except the one thread whose exchange took the chain, so it has no ABA
 * problem and its nodes need no type stability (the CAS compares with
 * NULL and dereferences nothing).  Every node that enters a batch came
 * from a record cache, so no hazard protects it (file comment of hp.h).
 * Nodes are always freed with LF_FREE alone (lf_queue__free_node touches
 * no queue): the domain may reclaim them after q is destroyed, as API.md's
 * order (lf_queue_destroy, then lf_hp_domain_destroy) requires.
 *
 * Bound.  Besides the nodes holding queued values, q's nodes are: the
 * dummy; at most LF_QUEUE_BATCH in the spare slot; per enqueue in
 * progress its new node or a batch it took from the slot and is moving into
 * its cache (at most LF_QUEUE_BATCH); per dequeue in progress the old dummy
 * until it is retired; and what the domain's records hold: per record at
 * most LF_HP_CACHE_MAX cached (a hand-over in progress holds up to
 * LF_QUEUE_BATCH of them outside the cache) and at most max(2H, 64) + H
 * retired (hp.h; H = lf_hp_domain_hazards).  With n records, E enqueues
 * and D dequeues in progress that is at most
 *   1 + LF_QUEUE_BATCH x (1 + E) + D + n x (LF_HP_CACHE_MAX + max(2H, 64) + H)
 * nodes beyond those queued, shared by every queue of the domain: nothing
 * grows with the number of values that went through.  Records are reused
 * (lf_hp_rec_acquire), so n is the most threads that held one at a time.
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
 * - spare slot: (R1) the hand-over CAS (NULL -> batch) is release, (R2)
 *   the taking exchange acquire.  R1 publishes the batch's links, and it
 *   passes on what made its nodes safe: every reader's last access to a
 *   node happens before the release clear of its hazard, which the scan
 *   that cached the node read (acquire, hp.h S2), program-ordered before
 *   R1.  So R2 orders those reads before the taker rewrites value and
 *   next.  The peeks before R1 and R2 are relaxed: they only skip a write
 *   to the shared line when it would be useless.
 *
 * Alignment: lf_queue is over-aligned to LF_CACHELINE; head, tail and the
 * spare slot each have their own line and the read-only domain pointer a
 * fourth.
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

/* Nodes per hand-over between records (file comment, "Node reuse across
 * records"); 1..LF_HP_CACHE_MAX / 2. */
#ifndef LF_QUEUE_BATCH
#define LF_QUEUE_BATCH 32u
#endif
LF_STATIC_ASSERT(LF_QUEUE_BATCH >= 1 && LF_QUEUE_BATCH <= LF_HP_CACHE_MAX / 2,
                 "LF_QUEUE_BATCH must be 1..LF_HP_CACHE_MAX / 2");

typedef struct lf_queue {
    LF_CACHE_ALIGNED lf_hp_domain *hp;  /* immutable after init */
    LF_CACHE_ALIGNED _Atomic(void *) head; /* lf_queue_node *: the dummy */
    LF_CACHE_ALIGNED _Atomic(void *) tail; /* lf_queue_node *: last or next-to-last */
    LF_CACHE_ALIGNED _Atomic(void *) spare; /* lf_queue_node *: NULL or one batch */
} lf_queue;

/* Frees a node: its reclaim function (cache overflow, domain destroy).
 * Touches no queue: it may run after the queue is destroyed. */
static inline void lf_queue__free_node(lf_hp_node *n)
{
    LF_FREE(lf_container_of(n, lf_queue_node, hp));
}

/* The next node of a spare batch.  relaxed: the batch is private to
 * whoever holds it (the spiller before R1, the taker after R2). */
static inline lf_queue_node *lf_queue__batch_next(const lf_queue_node *n)
{
    return (lf_queue_node *)atomic_load_explicit(&n->next, memory_order_relaxed);
}

/*
 * A node for enqueue on r: r's cache first, then q's spare batch (the rest
 * of it goes to r's cache), then LF_MALLOC.  NULL only when LF_MALLOC
 * fails.
 */
static inline lf_queue_node *lf_queue__take_node(lf_queue *q, lf_hp_rec *r)
{
    lf_hp_node *cached = lf_hp_cache_take(r, lf_queue__free_node);
    if (cached != NULL)
        return lf_container_of(cached, lf_queue_node, hp);
    /* relaxed peek: skip the exchange (a write to the shared line) when
     * the slot is empty; the exchange below decides */
    if (atomic_load_explicit(&q->spare, memory_order_relaxed) != NULL) {
        LF_STRESS_POINT();
        /* (R2) acquire: pairs with the release hand-over CAS (R1): the
         * batch's links and every earlier access to its nodes happen
         * before we reuse them.  Exchange, not CAS: the chain is ours
         * whatever else happened meanwhile */
        lf_queue_node *batch = (lf_queue_node *)atomic_exchange_explicit(
            &q->spare, (void *)NULL, memory_order_acquire);
        if (batch != NULL) {
            lf_queue_node *n = lf_queue__batch_next(batch);
            while (n != NULL) {
                lf_queue_node *next = lf_queue__batch_next(n);
                /* room unless r's cache holds nodes of another kind (the
                 * take above saw one on top): then free the surplus */
                if (!lf_hp_cache_put(r, &n->hp, n, lf_queue__free_node))
                    LF_FREE(n);
                n = next;
            }
            return batch;
        }
    }
    return (lf_queue_node *)LF_MALLOC(sizeof(lf_queue_node));
}

/*
 * After a dequeue on r: if r's cache holds 2 x LF_QUEUE_BATCH nodes or
 * more and q's spare slot is empty, hands LF_QUEUE_BATCH of them over to it
 * (file comment, "Node reuse across records").
 */
static inline void lf_queue__hand_over(lf_queue *q, lf_hp_rec *r)
{
    if (lf_hp_cached_count(r) < 2 * LF_QUEUE_BATCH)
        return;
    /* relaxed peek: only an empty slot takes a batch (so it never holds
     * more than one); the CAS below decides */
    if (atomic_load_explicit(&q->spare, memory_order_relaxed) != NULL)
        return;
    lf_queue_node *batch = NULL;
    for (unsigned i = 0; i < LF_QUEUE_BATCH; i++) {
        lf_hp_node *cached = lf_hp_cache_take(r, lf_queue__free_node);
        if (cached == NULL)
            break;
        lf_queue_node *n = lf_container_of(cached, lf_queue_node, hp);
        /* relaxed: private until R1 publishes the chain */
        atomic_store_explicit(&n->next, (void *)batch, memory_order_relaxed);
        batch = n;
    }
    if (batch == NULL)
        return;
    LF_STRESS_POINT();
    void *expected = NULL;
    /* (R1) release: publishes the chain and orders every access that made
     * its nodes safe before the taker's acquire exchange (R2).  Relaxed on
     * failure: another record's batch got there first; ours go back */
    if (atomic_compare_exchange_strong_explicit(&q->spare, &expected, (void *)batch,
                                                memory_order_release,
                                                memory_order_relaxed))
        return;
    while (batch != NULL) {
        lf_queue_node *next = lf_queue__batch_next(batch);
        /* room: these nodes were in the cache a moment ago */
        if (!lf_hp_cache_put(r, &batch->hp, batch, lf_queue__free_node))
            LF_FREE(batch);
        batch = next;
    }
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
    atomic_store_explicit(&q->spare, (void *)NULL, memory_order_relaxed);
    return LF_OK;
}

/*
 * lf_queue_enqueue: appends value (NULL allowed).  Any thread, each with
 * its own record r of q's domain (else LF_EINVAL).  Takes its node from
 * r's cache, else q's spare batch (moving the rest into r's cache), else
 * LF_MALLOC: LF_ENOMEM, q unchanged, when all three fail.  Uses r's slot 0
 * and clears it before returning LF_OK (EINVAL and ENOMEM leave r's slots
 * untouched).
 */
static inline lf_status lf_queue_enqueue(lf_queue *q, lf_hp_rec *r, void *value)
{
    if (q == NULL || r == NULL || r->domain != q->hp)
        return LF_EINVAL;
    lf_queue_node *node = lf_queue__take_node(q, r);
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
 * Clears r's slots 0 and 1; the old dummy is retired on r, and may hand a
 * batch of r's cached nodes over to q's spare slot.
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
    lf_queue__hand_over(q, r);
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
 * hold), the dummy and the spare batch.  Quiescent: no concurrent call on
 * q.  Call it before lf_hp_domain_destroy of q's domain, which frees the
 * retired and cached nodes (lf_queue__free_node does not touch q).  NULL
 * q: no effect.
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
    /* relaxed: quiescent, as above */
    n = (lf_queue_node *)atomic_load_explicit(&q->spare, memory_order_relaxed);
    while (n != NULL) {
        lf_queue_node *next = lf_queue__batch_next(n);
        LF_FREE(n);
        n = next;
    }
    atomic_store_explicit(&q->spare, (void *)NULL, memory_order_relaxed);
    atomic_store_explicit(&q->head, (void *)NULL, memory_order_relaxed);
    atomic_store_explicit(&q->tail, (void *)NULL, memory_order_relaxed);
}

#endif /* LFKIT_QUEUE_H */

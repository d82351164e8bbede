/*
 * lfkit/mpsc.h - intrusive unbounded multi-producer single-consumer FIFO
 * queue.
 *
 * Source: D. Vyukov, "Intrusive MPSC node-based queue" (1024cores.net,
 * 2010): producers append with one atomic exchange of the tail and then
 * link the previous node to theirs; the consumer walks the links from the
 * head, using a stub node owned by the queue when it must detach the last
 * node.
 *
 * Which calls may run concurrently with which:
 *
 *   call               | concurrently with
 *   -------------------+--------------------------------------------
 *   lf_mpsc_push       | push (any threads), pop, is_empty
 *   lf_mpsc_pop        | push (consumer only: one thread at a time)
 *   lf_mpsc_is_empty   | push (consumer only)
 *   lf_mpsc_init       | nothing (quiescent)
 *
 * "Consumer only": one thread at a time pops; handing the role on needs
 * the caller's own synchronisation.
 *
 * Progress.  Push is wait-free: one exchange and one store.  Pop is NOT
 * lock-free: a producer stalled between its exchange and its link store
 * holds back the consumer, which gets LF_RETRY (the node after the last
 * linked one is not reachable yet) until that producer runs again; nodes
 * pushed later wait behind it.  LF_EMPTY is never spurious: pop returns it
 * only when the queue's tail is the stub at the head, i.e. no push has
 * taken effect since the queue last became empty.
 *
 * Order: FIFO in the order the pushes' exchanges took effect.
 *
 * Nodes.  Embed an lf_mpsc_node in your struct (lf_container_of gets it
 * back).  A node may be in one queue once at a time.  A popped node is the
 * caller's at once: pop has made its last access to it, and every producer
 * has made its last access to it (the link into its successor is what pop
 * waited for), so it may be pushed again or freed.  The queue itself
 * allocates nothing: lf_mpsc holds its stub node.
 *
 * Memory order (each access below names its pair):
 *  (M1) push's exchange of tail is acq_rel: release publishes n->next =
 *       NULL (and so on) to the next producer's exchange, whose acquire
 *       orders that NULL store before its own link store into n (M2);
 *       acquire does the same for the previous node.
 *  (M2) push's link store prev->next = n is release: publishes the node's
 *       contents (the caller's writes before push) to the consumer's
 *       acquire load (M3).
 *  (M3) pop's loads of next are acquire: pair with (M2).  When pop returns
 *       a node, the producer that linked its successor did so with M2, so
 *       that producer's accesses to the node happen before the return.
 *  (M4) pop's load of tail is relaxed: only compared with a node address,
 *       never dereferenced (coherence alone makes it see any push that
 *       happened before the pop).
 *
 * Alignment: lf_mpsc is aligned to LF_CACHELINE: the producers' tail has a
 * line of its own, the consumer's head and the stub another.
 * lf_mpsc_node has pointer alignment.
 */
#ifndef LFKIT_MPSC_H
#define LFKIT_MPSC_H

#include <lfkit/platform.h>

typedef struct lf_mpsc_node {
    _Atomic(void *) next; /* lf_mpsc_node *; NULL while last */
} lf_mpsc_node;

typedef struct lf_mpsc {
    LF_CACHE_ALIGNED _Atomic(void *) tail; /* lf_mpsc_node *: the last node pushed */
    LF_CACHE_ALIGNED lf_mpsc_node *head;   /* consumer only: oldest node, or the stub */
    lf_mpsc_node stub;                     /* stands in for the last node when detaching it */
} lf_mpsc;

/* lf_mpsc_init: q becomes empty (head and tail at the stub).  Quiescent. */
static inline void lf_mpsc_init(lf_mpsc *q)
{
    /* relaxed: whatever hands q to other threads publishes it */
    atomic_store_explicit(&q->stub.next, (void *)NULL, memory_order_relaxed);
    atomic_store_explicit(&q->tail, (void *)&q->stub, memory_order_relaxed);
    q->head = &q->stub;
}

/* lf_mpsc_push: append n (not in any queue).  Any thread; wait-free. */
static inline void lf_mpsc_push(lf_mpsc *q, lf_mpsc_node *n)
{
    /* relaxed: published by the exchange (M1) */
    atomic_store_explicit(&n->next, (void *)NULL, memory_order_relaxed);
    /* (M1) acq_rel: see the header */
    lf_mpsc_node *prev = (lf_mpsc_node *)atomic_exchange_explicit(&q->tail, (void *)n,
                                                                  memory_order_acq_rel);
    LF_STRESS_POINT();
    /* (M2) release: publishes n to the consumer's (M3) */
    atomic_store_explicit(&prev->next, (void *)n, memory_order_release);
}

/*
 * lf_mpsc_pop: remove the oldest node into *n.  Consumer only.  LF_OK;
 * LF_EMPTY (never spurious; *n untouched); LF_RETRY: the next node belongs
 * to a push whose exchange took effect but whose link is not yet written:
 * call again; LF_EINVAL for q or n NULL.
 */
static inline lf_status lf_mpsc_pop(lf_mpsc *q, lf_mpsc_node **n)
{
    if (q == NULL || n == NULL)
        return LF_EINVAL;
    lf_mpsc_node *first = q->head;
    /* (M3) acquire: pairs with (M2) */
    lf_mpsc_node *next = (lf_mpsc_node *)atomic_load_explicit(&first->next,
                                                              memory_order_acquire);
    if (first == &q->stub) {
        if (next == NULL) {
            /* (M4) relaxed: compared, not dereferenced */
            void *tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
            return tail == (void *)&q->stub ? LF_EMPTY : LF_RETRY;
        }
        /* skip the stub: it leaves the list until pushed again below */
        q->head = next;
        first = next;
        /* (M3) acquire: pairs with (M2) */
        next = (lf_mpsc_node *)atomic_load_explicit(&first->next, memory_order_acquire);
    }
    if (next == NULL) {
        /* first is the last linked node.  (M4) relaxed: compared only */
        if (atomic_load_explicit(&q->tail, memory_order_relaxed) != (void *)first)
            return LF_RETRY; /* a push after first has exchanged but not linked */
        LF_STRESS_POINT();
        /* first is the tail: put the stub behind it so first can leave */
        lf_mpsc_push(q, &q->stub);
        /* (M3) acquire: pairs with (M2) (ours, or a producer's that got in first) */
        next = (lf_mpsc_node *)atomic_load_explicit(&first->next, memory_order_acquire);
        if (next == NULL)
            return LF_RETRY; /* a producer exchanged after first, before the stub */
    }
    q->head = next;
    *n = first;
    return LF_OK;
}

/*
 * lf_mpsc_is_empty: true when no push has taken effect since the queue
 * was last empty; false while a push is pending (between its two steps).
 * Consumer only.
 */
static inline bool lf_mpsc_is_empty(const lf_mpsc *q)
{
    /* (M4) relaxed: compared, not dereferenced */
    return q->head == &q->stub &&
           atomic_load_explicit(&q->tail, memory_order_relaxed) == (const void *)&q->stub;
}

#endif /* LFKIT_MPSC_H */

/*
 * lfkit/stack.h - Treiber's lock-free LIFO stack, intrusive.
 *
 * Source: R. K. Treiber, "Systems Programming: Coping with Parallelism",
 * IBM Research Report RJ 5118, 1986 (the push/pop CAS loops), with the
 * top pointer tagged against ABA (tagged.h).
 *
 * Progress: lock-free.  A push or pop retries only when another operation
 * changed the top, i.e. made progress.  A failed CAS backs off
 * exponentially (lf_backoff) before retrying: under contention this lets the
 * winner's cache line settle instead of every thread stealing it back.
 *
 * Nodes are intrusive: embed an lf_stack_node in your own struct and get
 * back to it with lf_container_of.  The stack never allocates.
 *
 * Memory reclamation - two ways to pop, never mixed on a stack whose nodes
 * are freed:
 *
 *  - lf_stack_pop: a popper reads top->next before its CAS, and by then
 *    another thread may have popped that node.  The tag makes the CAS fail
 *    if so (no ABA), but the read itself still touches the node.  So nodes
 *    must stay readable memory while the stack is in use: type-stable
 *    memory, such as a fixed pool or a free list, never free().
 *  - lf_stack_pop_hp (with hp.h): the popper protects top with a hazard
 *    pointer before reading next, so popped nodes may be freed - but only
 *    through lf_hp_retire, which waits until no hazard pointer holds them.
 *
 * Memory order: push's CAS releases the node's contents (and its next) to
 * the pop or pop_all that acquires it (lf_tagged_cas is acq_rel,
 * lf_tagged_load and lf_tagged_detach acquire: see tagged.h).  pop_all
 * needs no release: it installs NULL, which nobody dereferences.
 *
 * Alignment: lf_stack is aligned to LF_CACHELINE (its top has a line to
 * itself).  lf_stack_node has pointer alignment.
 */
#ifndef LFKIT_STACK_H
#define LFKIT_STACK_H

#include <lfkit/platform.h>
#include <lfkit/tagged.h>
#include <lfkit/hp.h>

typedef struct lf_stack_node {
    _Atomic(struct lf_stack_node *) next;
} lf_stack_node;

typedef struct lf_stack {
    LF_CACHE_ALIGNED lf_atomic_tagged top;
} lf_stack;

/* Quiescent: s becomes empty. */
static inline void lf_stack_init(lf_stack *s)
{
    lf_tagged_init(&s->top, NULL);
}

/* Any thread.  n must not be on any stack. */
static inline void lf_stack_push(lf_stack *s, lf_stack_node *n)
{
    lf_backoff backoff;
    lf_backoff_init(&backoff);
    lf_tagged top = lf_tagged_load(&s->top);
    for (;;) {
        /* relaxed: n is not shared yet; the release in lf_tagged_cas publishes this */
        atomic_store_explicit(&n->next, (lf_stack_node *)top.ptr, memory_order_relaxed);
        LF_STRESS_POINT();
        if (lf_tagged_cas(&s->top, &top, n)) /* acq_rel: release publishes n->next and n's payload */
            return;
        lf_backoff_spin(&backoff); /* contended: let the winner's line settle before retrying */
    }
}

/*
 * Any thread.  Returns the top node, or NULL when the stack is empty.
 * Popped nodes must remain readable memory while the stack is in use
 * (see the top of this file).
 */
static inline lf_stack_node *lf_stack_pop(lf_stack *s)
{
    lf_backoff backoff;
    lf_backoff_init(&backoff);
    lf_tagged top = lf_tagged_load(&s->top); /* acquire: pairs with push's release */
    for (;;) {
        lf_stack_node *n = (lf_stack_node *)top.ptr;
        if (n == NULL)
            return NULL;
        /* relaxed: the acquire that gave us n already ordered this read after
           the push that wrote it; a stale value only makes the CAS fail */
        lf_stack_node *next = atomic_load_explicit(&n->next, memory_order_relaxed);
        LF_STRESS_POINT();
        if (lf_tagged_cas(&s->top, &top, next)) /* acquire: takes n's payload from its pusher */
            return n;
        lf_backoff_spin(&backoff);
    }
}

/*
 * Any thread.  Detaches the whole stack with one atomic exchange and
 * returns its former top (NULL if empty); walk it with lf_stack_node_next,
 * newest first.  The detached nodes belong to the caller.
 */
static inline lf_stack_node *lf_stack_pop_all(lf_stack *s)
{
    return (lf_stack_node *)lf_tagged_detach(&s->top); /* acquire: takes every node's payload */
}

/* Whoever owns a detached list (or a quiescent stack): the node after n, or NULL. */
static inline lf_stack_node *lf_stack_node_next(const lf_stack_node *n)
{
    /* relaxed: the caller owns the list; the detaching acquire ordered these writes */
    return atomic_load_explicit(&n->next, memory_order_relaxed);
}

/* Any thread.  A snapshot: true if the stack was empty at some moment during the call. */
static inline bool lf_stack_is_empty(const lf_stack *s)
{
    return lf_tagged_load(&s->top).ptr == NULL;
}

/*
 * Any thread, each with its own record r of a hazard-pointer domain (any
 * number of slots; this uses slot 0 and clears it before returning).
 * Returns the top node, or NULL when the stack is empty (or r is NULL).
 * The popped node may be freed, but only through lf_hp_retire with the
 * lf_stack_node as obj: a concurrent popper may still be reading its next.
 * On a stack whose nodes are freed, every pop must be lf_stack_pop_hp.
 *
 * The LIFO stack example of Michael's "Hazard Pointers" (IEEE TPDS 2004):
 * protect top, validate, then read top->next.  The tag still guards the CAS, for nodes pushed back
 * rather than retired.
 */
static inline lf_stack_node *lf_stack_pop_hp(lf_stack *s, lf_hp_rec *r)
{
    if (s == NULL || r == NULL)
        return NULL;
    lf_backoff backoff;
    lf_backoff_init(&backoff);
    lf_tagged top = lf_tagged_load(&s->top); /* acquire: pairs with push's release */
    for (;;) {
        lf_stack_node *n = (lf_stack_node *)top.ptr;
        if (n == NULL)
            break;
        lf_hp_publish(r, 0, n); /* seq_cst store: pairs with lf_hp_scan's fence */
        /* seq_cst reload validates it (hp.h).  Still n: n was on the stack
           after our hazard was visible, so no scan can reclaim it now */
        if (lf_tagged_load_ptr_seq_cst(&s->top) != n) {
            top = lf_tagged_load(&s->top); /* acquire: as above */
            continue;
        }
        /* relaxed: as in lf_stack_pop; n is protected, so the read is safe.
           top.tag may predate the validation: then the CAS fails, no harm */
        lf_stack_node *next = atomic_load_explicit(&n->next, memory_order_relaxed);
        LF_STRESS_POINT();
        if (lf_tagged_cas(&s->top, &top, next)) { /* acquire: takes n's payload */
            lf_hp_clear(r, 0);
            return n;
        }
        lf_backoff_spin(&backoff); /* contended: as in lf_stack_pop */
    }
    lf_hp_clear(r, 0);
    return NULL;
}

#endif /* LFKIT_STACK_H */

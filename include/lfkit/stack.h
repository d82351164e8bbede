/*
 * lfkit/stack.h - Treiber's lock-free LIFO stack, intrusive.
 *
 * Source: R. K. Treiber, "Systems Programming: Coping with Parallelism",
 * IBM Research Report RJ 5118, 1986 (the push/pop CAS loops), with the
 * top pointer tagged against ABA (tagged.h).
 *
 * Progress: lock-free.  A push or pop retries only when another operation
 * changed the top, i.e. made progress.  After a failed CAS it retries once
 * at once with the value that CAS fetched, then backs off (lf_backoff:
 * random, exponential, capped low) and reloads top before each retry.
 * The reload is what keeps a thread from starving: a retry that followed a
 * wait with the value fetched before it would fail whenever anyone else
 * succeeded meanwhile, i.e. every time against a thread that keeps
 * succeeding (docs/foundation.md has the measurements).
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
 *    The same holds for lf_stack_pop_all on such a stack: a concurrent
 *    lf_stack_pop_hp may have protected the old top just before the
 *    detach and still read its next, so each detached node that is freed
 *    goes through lf_hp_retire too (obj = the lf_stack_node), never
 *    straight to free().  Reusing detached nodes without freeing them needs
 *    nothing: that popper's CAS then fails on the pointer or the tag.
 *
 * Memory order (labels used below): push's CAS (S1) releases the node's
 * contents and its next to whoever acquires that top: a pop's load (S2),
 * reload (S3) or failed or successful CAS (S4), or pop_all's detach (S5)
 * (lf_tagged_cas is acq_rel, acquire on failure; lf_tagged_load acquire;
 * lf_tagged_detach a CAS loop, acq_rel: see tagged.h).  pop_all needs no
 * release of its own: it installs NULL, which nobody dereferences.
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
    lf_tagged top = lf_tagged_load(&s->top); /* acquire, though push needs none: it reads no node */
    for (;;) {
        /* relaxed: n is not shared yet; the release in (S1) publishes this */
        atomic_store_explicit(&n->next, (lf_stack_node *)top.ptr, memory_order_relaxed);
        LF_STRESS_POINT();
        /* (S1) acq_rel: the release publishes n->next and n's payload; pairs with (S2)-(S5) */
        if (lf_tagged_cas(&s->top, &top, n))
            return;
        lf_backoff_spin(&backoff); /* at once the first time, then a random wait */
        top = lf_tagged_load(&s->top); /* acquire, unneeded here: the fresh expectation */
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
    lf_tagged top = lf_tagged_load(&s->top); /* (S2) acquire: pairs with (S1), so n->next is readable */
    for (;;) {
        lf_stack_node *n = (lf_stack_node *)top.ptr;
        if (n == NULL)
            return NULL;
        /* relaxed: the acquire (S2)/(S3)/(S4) that gave us n already ordered
           this read after the push that wrote it; a stale value only makes the CAS fail */
        lf_stack_node *next = atomic_load_explicit(&n->next, memory_order_relaxed);
        LF_STRESS_POINT();
        if (lf_tagged_cas(&s->top, &top, next)) /* (S4) acquire: takes n's payload from (S1) */
            return n;
        lf_backoff_spin(&backoff); /* as in lf_stack_push */
        top = lf_tagged_load(&s->top); /* (S3) acquire: pairs with (S1) */
    }
}

/*
 * Any thread.  Detaches the whole stack with lf_tagged_detach (a CAS loop
 * that installs NULL and keeps the tag; lock-free) and returns its former top (NULL if empty); walk it with lf_stack_node_next,
 * newest first.  The detached nodes belong to the caller.  On a stack
 * popped with lf_stack_pop_hp, free detached nodes only through
 * lf_hp_retire (see the top of this file).
 */
static inline lf_stack_node *lf_stack_pop_all(lf_stack *s)
{
    /* (S5) acquire half of the detach: takes every detached node's payload from (S1) */
    return (lf_stack_node *)lf_tagged_detach(&s->top);
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
 * On a stack whose nodes are freed, every pop must be lf_stack_pop_hp, and
 * nodes taken by lf_stack_pop_all are freed through lf_hp_retire too.
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
    lf_tagged top = lf_tagged_load(&s->top); /* (S2) acquire: pairs with (S1) */
    for (;;) {
        lf_stack_node *n = (lf_stack_node *)top.ptr;
        if (n == NULL)
            break;
        /* seq_cst store, or release store + light fence in an asymmetric
           domain: pairs with lf_hp_scan's fence or heavy barrier (hp.h) */
        lf_hp_publish(r, 0, n);
        /* seq_cst reload validates it (hp.h, either kind).  Still n: n was on the stack
           after our hazard was visible, so no scan can reclaim it now, nor
           can pop_all's owner, who frees detached nodes through lf_hp_retire */
        if (lf_tagged_load_ptr_seq_cst(&s->top) != n) {
            top = lf_tagged_load(&s->top); /* (S3) acquire: pairs with (S1) */
            continue;
        }
        LF_STRESS_POINT(); /* protected: a pop, pop_all or retire may run here, a free may not */
        /* relaxed: as in lf_stack_pop; n is protected, so the read is safe.
           top.tag may predate the validation: then the CAS fails, no harm */
        lf_stack_node *next = atomic_load_explicit(&n->next, memory_order_relaxed);
        LF_STRESS_POINT();
        if (lf_tagged_cas(&s->top, &top, next)) { /* (S4) acquire: takes n's payload from (S1) */
            lf_hp_clear(r, 0);
            return n;
        }
        lf_backoff_spin(&backoff); /* as in lf_stack_push */
        top = lf_tagged_load(&s->top); /* (S3) acquire: pairs with (S1) */
    }
    lf_hp_clear(r, 0);
    return NULL;
}

#endif /* LFKIT_STACK_H */

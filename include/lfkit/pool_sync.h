/*
 * lfkit/pool_sync.h - the two lock-free protocol cores of lf_pool
 * (pool.h), free of condition variables and of the pool's types, so a
 * model checker that has no condition variables (GenMC) can run them in
 * small client programs:
 *
 *  - completion counting: a task's count of children finished elsewhere,
 *    which becomes LF_COMPLETION__DONE exactly once, when the task's body
 *    has returned and every child is done;
 *  - the sleep/wake handshake: a spawner's fence-then-check of the
 *    sleepers count against a sleeper's increment-then-recheck of the
 *    work, so a spawn never misses a worker that is going to sleep.
 *
 * Internal to lfkit (names with a double underscore): pool.h is their
 * user, and docs/pool.md has the proofs in full.  Every function is any
 * thread unless it says otherwise.
 *
 * Completion counting.  A task counts its children in two places:
 * `spawned`, a plain count kept by the worker running the task's body (it
 * goes down when a child finishes inside the body's own lf_task_sync, on
 * that worker), and `join`, an atomic count of children finished
 * anywhere else.  When the body returns, lf_completion__body_returned
 * either finds join == spawned (all done: store DONE) or adds
 * DONE - spawned, so that the last child's lf_completion__child_done
 * brings join to exactly DONE.  DONE is above any count of children, so
 * join == DONE only when both the body and every child have finished, and
 * exactly one call returns true.  This is the counting of Cilk-5's
 * "join counter" (Frigo, Leiserson, Randall, PLDI 1998, section 3), split
 * into a local and a remote part so that the common case (the child
 * finishes in its parent's own sync) needs no read-modify-write.
 *
 * The handshake is the store-buffering pattern with a seq_cst fence on
 * each side (C11 7.17.4; in RC11, the fences are in the order psc):
 *     spawner:  make work visible (store);  fence;  load sleepers
 *     sleeper:  sleepers += 1 (store);      fence;  load the work
 * One fence precedes the other in the single total order of seq_cst
 * fences.  If the spawner's comes first, the sleeper's loads after its
 * fence read the spawner's store or a later one: it sees the work and
 * does not sleep.  If the sleeper's comes first, the spawner's load reads
 * the increment or a later value: it sees a sleeper and wakes one.  The
 * sleepers count itself is only ever changed under the pool's mutex
 * (pool.h), so its read-modify-writes are relaxed; the fences carry the
 * cross-thread order.
 *
 * ThreadSanitizer.  The fences are lf_fence_seq_cst (platform.h): under
 * LF_TSAN an asm fence TSan does not see.  Each one here is there only to
 * order the store before it with the load after it, on its own thread;
 * neither side uses the fence to publish data: the work a sleeper then
 * runs reaches it through the deque's release/acquire (push, steal) or
 * the roots list's, which TSan sees.  C11 does give a seq_cst fence the
 * effect of a release and an acquire fence as well, so the real program
 * may have happens-before edges through it (a store after one fence read
 * by a load before the other) that TSan does not see; nothing in lfkit
 * relies on them, and a user's code that did would rely on an accident of
 * the implementation, so TSan reporting it is right.  TSan sees no edge
 * the real program lacks: the substitute used before (a seq_cst
 * fetch_add of 0 on sleepers in every spawn) chained every spawner to
 * every other and hid races in the user's code.
 */
#ifndef LFKIT_POOL_SYNC_H
#define LFKIT_POOL_SYNC_H

#include <lfkit/platform.h>

/* join's value once the task is done: above any count of children. */
#define LF_COMPLETION__DONE ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* A fresh count, no child finished.  By whoever hands the task over. */
static inline void lf_completion__init(_Atomic(size_t) *join)
{
    /* relaxed: published with the task by the release that hands it over
       (the deque push, the roots list's CAS). */
    atomic_store_explicit(join, 0, memory_order_relaxed);
}

/*
 * The task's body has returned, with `spawned` children not finished
 * locally.  true: the task is done now (the caller completes its parent;
 * the task may be gone).  false: a child still running will complete it.
 * The worker that ran the body.
 */
static inline bool lf_completion__body_returned(_Atomic(size_t) *join, size_t spawned)
{
    /* (C1) acquire: pairs with the children's (C3) release, so every
       finished child's subtree happens before the task is done. */
    if (spawned == 0 || atomic_load_explicit(join, memory_order_acquire) == spawned) {
        /* (C2) release: publishes the task's subtree to (C4); the task may
           be gone after it. */
        atomic_store_explicit(join, LF_COMPLETION__DONE, memory_order_release);
        return true;
    }
    LF_STRESS_POINT();
    size_t add = LF_COMPLETION__DONE - spawned;
    /* (C3) acq_rel: release publishes the body (and the finished
       children's subtrees it acquired) to whichever (C3) completes the
       task; acquire, if this one does, takes in the children's. */
    return atomic_fetch_add_explicit(join, add, memory_order_acq_rel) + add == LF_COMPLETION__DONE;
}

/*
 * A child finished outside its parent's body: count it in the parent's
 * join.  true: that completed the parent (it may be gone; the caller goes
 * on to the grandparent, read before this call).  Any thread.
 */
static inline bool lf_completion__child_done(_Atomic(size_t) *join)
{
    /* (C3) acq_rel, as in lf_completion__body_returned: all writes to join
       after init are RMWs, so these form one release sequence that (C1),
       (C4) and the completing (C3) read. */
    return atomic_fetch_add_explicit(join, 1, memory_order_acq_rel) + 1 == LF_COMPLETION__DONE;
}

/* Is the task done?  true: its whole subtree happens before the caller's next step. */
static inline bool lf_completion__is_done(_Atomic(size_t) *join)
{
    /* (C4) acquire: pairs with (C2) or with the (C3) that reached DONE. */
    return atomic_load_explicit(join, memory_order_acquire) == LF_COMPLETION__DONE;
}

/*
 * Spawner side of the handshake, after the store that made work visible:
 * true if some worker is asleep or going to sleep and must be woken (the
 * caller then claims it under the lock with lf_wake__claim_sleeper).
 */
static inline bool lf_wake__sleeper_seen(_Atomic(unsigned) *sleepers)
{
    /* (W1) seq_cst fence: orders the caller's store before the load of
       sleepers; pairs with (W2).  Orders nothing else that lfkit uses
       (see "ThreadSanitizer" above). */
    lf_fence_seq_cst();
    /* relaxed: the fences give the order (store-buffering). */
    return atomic_load_explicit(sleepers, memory_order_relaxed) != 0;
}

/*
 * Sleeper side, under the lock that guards sleepers: count this worker
 * as a sleeper; after this returns the caller re-checks for work, and
 * either cancels (lf_wake__cancel_sleep) or waits to be claimed.
 */
static inline void lf_wake__announce_sleep(_Atomic(unsigned) *sleepers)
{
    /* relaxed RMW: every change to sleepers is made under the lock. */
    atomic_fetch_add_explicit(sleepers, 1, memory_order_relaxed);
    /* (W2) seq_cst fence: orders the increment before the re-check's
       loads; pairs with (W1).  Orders nothing else (see above). */
    lf_fence_seq_cst();
}

/* Sleeper side, under the lock: work was found after all, undo the announcement. */
static inline void lf_wake__cancel_sleep(_Atomic(unsigned) *sleepers)
{
    /* relaxed RMW: under the lock. */
    atomic_fetch_sub_explicit(sleepers, 1, memory_order_relaxed);
}

/* Waker side, under the lock: take one announced sleeper, if any (true). */
static inline bool lf_wake__claim_sleeper(_Atomic(unsigned) *sleepers)
{
    /* relaxed: under the lock, as every change to sleepers. */
    if (atomic_load_explicit(sleepers, memory_order_relaxed) == 0)
        return false;
    /* relaxed RMW: under the lock. */
    atomic_fetch_sub_explicit(sleepers, 1, memory_order_relaxed);
    return true;
}

#endif /* LFKIT_POOL_SYNC_H */

/*
 * lfkit/pool.h - work-stealing fork-join pool on lf_deque.
 *
 * Scheduling follows the fork-join work stealing of Cilk (Frigo,
 * Leiserson, Randall, "The Implementation of the Cilk-5 Multithreaded
 * Language", PLDI 1998, sections 3-4; Blumofe and Leiserson, "Scheduling
 * Multithreaded Computations by Work Stealing", JACM 1999), in the "child
 * stealing" form TBB uses rather than Cilk's continuation stealing: a
 * spawned child goes on the deque of the worker running its parent, the
 * parent carries on, and idle workers steal the oldest task of a random
 * victim.
 *
 *  - lf_task_spawn: child is pushed on the bottom of the running worker's
 *    lf_deque (see deque.h).  No allocation: the lf_task is the caller's,
 *    typically a local of the spawning task's function.
 *  - lf_task_sync: while the child is not done, the worker pops its own
 *    deque (newest first: usually the child itself, which then runs at
 *    once on this stack, like a function call) and, when that is empty,
 *    steals from random victims.  It never blocks in the kernel.
 *  - Idle workers (no task anywhere) spin for LF_POOL_SPIN_ROUNDS steal
 *    rounds, yield for LF_POOL_YIELD_ROUNDS more, then sleep on the pool's
 *    condition variable, so an idle pool uses no CPU.  A spawn that sees
 *    a sleeper wakes one (see "Sleeping" below).
 *  - lf_pool_run, from a thread that is not a worker, puts the root on the
 *    pool's injection list, wakes a worker, and waits (spin, then the
 *    condition variable) until the root is done.
 *
 * Completion.  A task is done when its function has returned and every
 * task it spawned is done, synced or not; so lf_pool_run returns only when
 * the whole tree is done.  Each task counts, in its own fields:
 *  - spawned: children spawned and not yet completed "locally" (by the
 *    worker running the task's body, inside lf_task_sync of this task).
 *    Plain field: only that worker touches it, while the body runs.
 *  - join: children completed elsewhere ("remotely"), an atomic counter.
 *    When the body returns, if join == spawned the task is done at once;
 *    otherwise the worker adds LF_TASK__DONE - spawned to join, and the
 *    fetch-add (a child's +1 or this one) that makes join equal
 *    LF_TASK__DONE completes the task, exactly once.
 * A done task has join == LF_TASK__DONE (a release store or the last
 * fetch-add), which lf_task_sync and lf_pool_run read with acquire.  A
 * done task then completes its parent: locally (parent->spawned--) when
 * run inside the parent's own lf_task_sync, else by a fetch-add on the
 * parent's join, which may complete the parent in turn, and so on up.
 * The common case - a child popped and run by its parent's sync, with no
 * unfinished children of its own - uses no atomic read-modify-write of
 * the pool's: its only ordering costs are the deque's (push's release
 * store, pop's seq_cst fence, and pop's CAS when the child is the deque's
 * last item) and the spawn-side fence of "Sleeping".
 *
 * Lifetime.  A task must stay valid until it is done.  lf_task_sync
 * guarantees it for a child on the spawner's stack.  A child that is
 * never synced must live somewhere that outlasts lf_pool_run (its
 * completion still updates its parent, so the parent's memory must
 * outlast it too: a parent that spawns unsynced children must not be on a
 * stack that unwinds before lf_pool_run returns).  No code touches a task
 * after making it done, except through what outlives it (the pool).
 *
 * Sleeping.  A worker going to sleep takes the pool lock, increments
 * sleepers (seq_cst read-modify-write), re-checks every deque and the
 * injection list (seq_cst loads), and only then waits for a wake token.
 * A spawner, after its push, issues a seq_cst fence and reads sleepers; if
 * non-zero it takes the lock, claims a sleeper (sleepers--, tokens++) and
 * signals.  The fence and the seq_cst increment/loads are in one total
 * order: either the spawner's fence comes first, and the sleeper's
 * re-check sees the pushed task and does not sleep, or the increment
 * comes first, and the spawner sees sleepers != 0 and wakes it (the
 * store-buffering pattern; no lost wake-up).  Under LF_TSAN the fence is
 * replaced by a seq_cst fetch_add(sleepers, 0): either it follows the
 * sleeper's increment in sleepers' modification order and reads it, or it
 * precedes it and the increment (an acquire RMW, reading the release
 * sequence the spawner's RMW heads - every write to sleepers is an RMW)
 * synchronises with it, so the re-check sees the push.  TSan models that.
 * The fence is paid on every spawn (with two or more workers): reading
 * sleepers first and fencing only when it is non-zero would not do, since
 * that read is the one the fence must order after the push.  A seq_cst
 * exchange of bottom plus a seq_cst load of sleepers is also sound (all
 * seq_cst operations) and cheaper in isolation, but measured no faster on
 * fib(30); docs/pool.md has the numbers and the other options.
 * A condition variable rather than a futex: sleeping and waking are rare
 * (after spinning), the lock makes the token accounting simple, and it is
 * portable POSIX; the fast paths never touch it.
 *
 * No thread-local state: the pool stores the running worker in the task
 * (task->worker) before calling its function; spawn and sync find the
 * worker there.
 *
 * Alignment: lf_pool is aligned to LF_CACHELINE (its shared counters sit
 * on their own cache lines); allocate it statically, on the stack, or
 * with aligned_alloc.  lf_task has ordinary alignment.  The workers array
 * is allocated with LF_ALIGNED_ALLOC; threads are created with
 * LF_POOL_THREAD_CREATE (pthread_create unless overridden, so tests can
 * inject failure).
 */
#ifndef LFKIT_POOL_H
#define LFKIT_POOL_H

#include <lfkit/platform.h>
#include <lfkit/deque.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#ifndef LF_POOL_THREAD_CREATE
#define LF_POOL_THREAD_CREATE(thread, start, arg) pthread_create((thread), NULL, (start), (arg))
#endif

/* Most workers lf_pool_init accepts. */
#ifndef LF_POOL_MAX_WORKERS
#define LF_POOL_MAX_WORKERS 4096u
#endif
/* Initial capacity of each worker's deque (it grows on demand). */
#ifndef LF_POOL_DEQUE_CAPACITY
#define LF_POOL_DEQUE_CAPACITY 256u
#endif
/* Idle worker: steal rounds with a CPU relax hint, then with sched_yield, then sleep. */
#ifndef LF_POOL_SPIN_ROUNDS
#define LF_POOL_SPIN_ROUNDS 256u
#endif
#ifndef LF_POOL_YIELD_ROUNDS
#define LF_POOL_YIELD_ROUNDS 16u
#endif

/* join value of a done task: above any count of children. */
#define LF_TASK__DONE ((size_t)1 << (sizeof(size_t) * 8 - 1))

typedef struct lf_pool lf_pool;
typedef struct lf_pool_worker lf_pool_worker;
typedef struct lf_task lf_task;

struct lf_task {
    void (*fn)(lf_task *self, void *arg);
    void *arg;
    lf_task *parent;         /* spawner; NULL for a root of lf_pool_run */
    lf_pool_worker *worker;  /* set by the pool when it runs the task */
    lf_task *next_root;      /* link in the pool's injection list (roots) */
    size_t spawned;          /* see "Completion"; the running worker only */
    _Atomic(size_t) join;    /* see "Completion" */
};

struct lf_pool_worker {
    lf_deque deque;          /* tasks spawned on this worker (cache aligned) */
    lf_pool *pool;
    uint64_t rng;            /* victim choice; this worker only */
    unsigned index;
    pthread_t thread;
};

struct lf_pool {
    lf_pool_worker *workers;
    unsigned nworkers;
    pthread_mutex_t lock;    /* guards wake_tokens, stopping, the condvars */
    pthread_cond_t wake;     /* sleeping workers wait here */
    pthread_cond_t done;     /* lf_pool_run callers wait here */
    size_t wake_tokens;      /* wake-ups issued and not yet consumed */
    bool stopping;           /* set by lf_pool_destroy */
    /* Workers asleep or about to be, not yet claimed by a waker.  Read on
       every spawn, written rarely: its own line. */
    LF_CACHE_ALIGNED _Atomic(unsigned) sleepers;
    /* Roots submitted by lf_pool_run and not yet taken by a worker. */
    LF_CACHE_ALIGNED _Atomic(lf_task *) injected;
};

/* lf_task_init: set fn and arg.  Any thread, on a task not in use. */
static inline void lf_task_init(lf_task *t, void (*fn)(lf_task *self, void *arg), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->parent = NULL;
    t->worker = NULL;
    t->next_root = NULL;
    t->spawned = 0;
    /* relaxed: published by the push (release) or injection (release) that hands t over. */
    atomic_store_explicit(&t->join, 0, memory_order_relaxed);
}

/* Wake one sleeping worker, if any is unclaimed.  Any thread. */
static inline void lf_pool__wake_one(lf_pool *p)
{
    pthread_mutex_lock(&p->lock);
    /* relaxed: every change to sleepers happens under the lock (the
       LF_TSAN build's fetch_add of 0 in lf_pool__advertise changes nothing). */
    if (atomic_load_explicit(&p->sleepers, memory_order_relaxed) != 0) {
        /* relaxed RMW: keeps the release sequence for the LF_TSAN argument. */
        atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
        p->wake_tokens++;
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
}

/* After making a task stealable: wake a sleeper if there is one (see "Sleeping").  Workers. */
static inline void lf_pool__advertise(lf_pool *p)
{
#if LF_TSAN
    /* seq_cst RMW in place of the fence (see "Sleeping"). */
    unsigned sleeping = atomic_fetch_add_explicit(&p->sleepers, 0, memory_order_seq_cst);
#else
    /* seq_cst fence: orders the push before the load of sleepers; pairs
       with the seq_cst increment and re-check in lf_pool__sleep. */
    atomic_thread_fence(memory_order_seq_cst);
    unsigned sleeping = atomic_load_explicit(&p->sleepers, memory_order_relaxed);
#endif
    if (sleeping != 0)
        lf_pool__wake_one(p);
}

/* A root is done: wake the lf_pool_run callers.  Workers. */
static inline void lf_pool__root_done(lf_pool *p)
{
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->done);
    pthread_mutex_unlock(&p->lock);
}

/*
 * parent's child is done: complete it locally or by a fetch-add on its
 * join, and go on upwards while that completes ancestors.  The done child
 * is never touched here.  The worker that completed the child; local only
 * when it runs parent's body (in its lf_task_sync).
 */
static inline void lf_pool__propagate(lf_pool *p, lf_task *parent, bool local)
{
    while (parent != NULL) {
        if (local) {
            parent->spawned--;
            return;
        }
        /* Read before the fetch-add: once it makes parent done, parent may be gone. */
        lf_task *grand = parent->parent;
        LF_STRESS_POINT();
        /* acq_rel: release publishes the child's subtree to whoever completes
           parent; acquire, in case this completes parent, takes in parent's
           body (its fetch-add below) and its other children. */
        size_t prev = atomic_fetch_add_explicit(&parent->join, 1, memory_order_acq_rel);
        if (prev + 1 != LF_TASK__DONE)
            return;
        parent = grand;
    }
    lf_pool__root_done(p);
}

/*
 * t's function has returned on worker w: complete t if all its children
 * are done, else leave that to the last of them.  local: w is running
 * t->parent's body, in its lf_task_sync.
 */
static inline void lf_pool__finish(lf_pool_worker *w, lf_task *t, bool local)
{
    lf_task *parent = t->parent;
    size_t s = t->spawned;
    /* acquire: pairs with the children's acq_rel fetch-adds on join, so their subtrees
       happen before t is done. */
    if (s == 0 || atomic_load_explicit(&t->join, memory_order_acquire) == s) {
        /* release: publishes t's subtree to the acquire loads of join in
           lf_task_sync and lf_pool_run.  t may be gone after it. */
        atomic_store_explicit(&t->join, LF_TASK__DONE, memory_order_release);
    } else {
        LF_STRESS_POINT();
        /* acq_rel: release publishes t's body to the child that completes t;
           acquire takes in the children's subtrees if this completes t. */
        size_t add = LF_TASK__DONE - s;
        if (atomic_fetch_add_explicit(&t->join, add, memory_order_acq_rel) + add !=
            LF_TASK__DONE)
            return;
    }
    lf_pool__propagate(w->pool, parent, local);
}

/* Run t on w; syncing: the task whose lf_task_sync runs it, or NULL.  Worker w only. */
static inline void lf_pool__execute(lf_pool_worker *w, lf_task *t, lf_task *syncing)
{
    t->worker = w;
    t->fn(t, t->arg);
    lf_pool__finish(w, t, syncing != NULL && t->parent == syncing);
}

/* One pass over the other workers' deques from a random start.  Worker w only. */
static inline lf_task *lf_pool__steal_round(lf_pool_worker *w)
{
    lf_pool *p = w->pool;
    unsigned n = p->nworkers;
    if (n < 2)
        return NULL;
    /* xorshift64 */
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    unsigned v = (unsigned)(w->rng % n);
    for (unsigned i = 0; i < n; i++, v = v + 1 == n ? 0 : v + 1) {
        if (v == w->index)
            continue;
        void *x;
        lf_status s;
        while ((s = lf_deque_steal(&p->workers[v].deque, &x)) == LF_RETRY)
            lf_cpu_relax();
        if (s == LF_OK)
            return (lf_task *)x;
    }
    return NULL;
}

/* Take the submitted roots: return one, push the others on w's deque.  Worker w only. */
static inline lf_task *lf_pool__take_injected(lf_pool_worker *w)
{
    lf_pool *p = w->pool;
    /* relaxed: a hint that avoids writing the shared line when empty. */
    if (atomic_load_explicit(&p->injected, memory_order_relaxed) == NULL)
        return NULL;
    /* acquire: pairs with the release CAS in lf_pool_run, publishing the roots' fields. */
    lf_task *first = atomic_exchange_explicit(&p->injected, (lf_task *)NULL,
                                              memory_order_acquire);
    if (first == NULL)
        return NULL;
    lf_task *t = first->next_root;
    bool pushed = false;
    while (t != NULL) {
        lf_task *next = t->next_root;
        if (lf_deque_push(&w->deque, t) == LF_OK)
            pushed = true;
        else
            lf_pool__execute(w, t, NULL);
        t = next;
    }
    if (pushed)
        lf_pool__advertise(p);
    return first;
}

/* Is there a task anywhere?  Under p->lock, by a worker about to sleep. */
static inline bool lf_pool__work_visible(lf_pool *p)
{
    for (unsigned i = 0; i < p->nworkers; i++) {
        lf_deque *d = &p->workers[i].deque;
        /* seq_cst: in the total order with the spawners' fences (see "Sleeping"). */
        size_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
        size_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
        if ((ptrdiff_t)(b - t) > 0)
            return true;
    }
    /* seq_cst: as above.  A root submitted by lf_pool_run is seen here or its
       wake_one, which takes the lock after the submission, sees sleepers != 0. */
    return atomic_load_explicit(&p->injected, memory_order_seq_cst) != NULL;
}

/* Sleep until woken.  Worker w only.  false: the pool is stopping. */
static inline bool lf_pool__sleep(lf_pool_worker *w)
{
    lf_pool *p = w->pool;
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        pthread_mutex_unlock(&p->lock);
        return false;
    }
    /* seq_cst: announces the sleep before the re-check (see "Sleeping"). */
    atomic_fetch_add_explicit(&p->sleepers, 1, memory_order_seq_cst);
    if (lf_pool__work_visible(p)) {
        /* relaxed: under the lock; RMW as every write to sleepers. */
        atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
        pthread_mutex_unlock(&p->lock);
        return true;
    }
    while (p->wake_tokens == 0 && !p->stopping)
        pthread_cond_wait(&p->wake, &p->lock);
    if (p->wake_tokens != 0)
        p->wake_tokens--; /* the waker already took one off sleepers */
    else
        atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed); /* stopping; relaxed as above */
    bool running = !p->stopping;
    pthread_mutex_unlock(&p->lock);
    return running;
}

/* A worker thread: run tasks until the pool stops. */
static inline void *lf_pool__worker_main(void *arg)
{
    lf_pool_worker *w = (lf_pool_worker *)arg;
    unsigned idle = 0;
    for (;;) {
        void *x;
        lf_task *t = NULL;
        if (lf_deque_pop(&w->deque, &x) == LF_OK)
            t = (lf_task *)x;
        if (t == NULL)
            t = lf_pool__steal_round(w);
        if (t == NULL)
            t = lf_pool__take_injected(w);
        if (t != NULL) {
            lf_pool__execute(w, t, NULL);
            idle = 0;
        } else if (++idle <= LF_POOL_SPIN_ROUNDS) {
            lf_cpu_relax();
        } else if (idle <= LF_POOL_SPIN_ROUNDS + LF_POOL_YIELD_ROUNDS) {
            sched_yield();
        } else {
            idle = 0;
            if (!lf_pool__sleep(w))
                return NULL;
        }
    }
}

/* Stop and join workers [0, started), free everything.  Quiescent. */
static inline void lf_pool__teardown(lf_pool *p, unsigned started, unsigned deques)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(p->workers[i].thread, NULL);
    for (unsigned i = 0; i < deques; i++)
        lf_deque_destroy(&p->workers[i].deque);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    LF_FREE(p->workers);
    p->workers = NULL;
}

/*
 * lf_pool_init: start nworkers worker threads (0: the number of online
 * CPUs, at most LF_POOL_MAX_WORKERS; 1 if unknown), now.  LF_OK; LF_EINVAL
 * for p NULL or nworkers above LF_POOL_MAX_WORKERS; LF_ENOMEM when an
 * allocation, a mutex/condvar, or a thread cannot be created - then every
 * started thread has been joined and nothing is left allocated.
 * Quiescent (p not yet shared).
 */
static inline lf_status lf_pool_init(lf_pool *p, unsigned nworkers)
{
    if (p == NULL)
        return LF_EINVAL;
    if (nworkers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        nworkers = cpus < 1 ? 1 : cpus > (long)LF_POOL_MAX_WORKERS ? LF_POOL_MAX_WORKERS
                                                                 : (unsigned)cpus;
    }
    if (nworkers > LF_POOL_MAX_WORKERS)
        return LF_EINVAL;
    /* sizeof(lf_pool_worker) is a multiple of its alignment, LF_CACHELINE. */
    p->workers = (lf_pool_worker *)LF_ALIGNED_ALLOC(LF_CACHELINE,
                                                    nworkers * sizeof(lf_pool_worker));
    if (p->workers == NULL)
        return LF_ENOMEM;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        goto fail_free;
    if (pthread_cond_init(&p->wake, NULL) != 0)
        goto fail_mutex;
    if (pthread_cond_init(&p->done, NULL) != 0)
        goto fail_wake;
    p->nworkers = nworkers;
    p->wake_tokens = 0;
    p->stopping = false;
    /* relaxed: the threads created below see it through pthread_create. */
    atomic_store_explicit(&p->sleepers, 0, memory_order_relaxed);
    atomic_store_explicit(&p->injected, (lf_task *)NULL, memory_order_relaxed);
    for (unsigned i = 0; i < nworkers; i++) {
        lf_pool_worker *w = &p->workers[i];
        if (lf_deque_init(&w->deque, LF_POOL_DEQUE_CAPACITY) != LF_OK) {
            lf_pool__teardown(p, 0, i);
            return LF_ENOMEM;
        }
        w->pool = p;
        w->rng = 0x9e3779b97f4a7c15u * (i + 1);
        w->index = i;
    }
    for (unsigned i = 0; i < nworkers; i++) {
        if (LF_POOL_THREAD_CREATE(&p->workers[i].thread, lf_pool__worker_main,
                                  &p->workers[i]) != 0) {
            lf_pool__teardown(p, i, nworkers);
            return LF_ENOMEM;
        }
    }
    return LF_OK;

fail_wake:
    pthread_cond_destroy(&p->wake);
fail_mutex:
    pthread_mutex_destroy(&p->lock);
fail_free:
    LF_FREE(p->workers);
    p->workers = NULL;
    return LF_ENOMEM;
}

/* lf_pool_nworkers: number of worker threads.  Any thread. */
static inline unsigned lf_pool_nworkers(const lf_pool *p)
{
    return p->nworkers;
}

/*
 * lf_pool_destroy: stop and join the workers, free what init allocated.
 * Quiescent: no lf_pool_run in progress.  p may be NULL.
 */
static inline void lf_pool_destroy(lf_pool *p)
{
    if (p == NULL || p->workers == NULL)
        return;
    lf_pool__teardown(p, p->nworkers, p->nworkers);
}

/*
 * lf_pool_run: run root, and everything it spawns, on the workers; return
 * once all of it is done.  Any thread that is not one of p's workers,
 * several at once (inside a task, use lf_task_spawn/lf_task_sync).  root
 * must have been set up with lf_task_init and not be in use.  Returns at
 * once if p or root is NULL.
 */
static inline void lf_pool_run(lf_pool *p, lf_task *root)
{
    if (p == NULL || root == NULL)
        return;
    root->parent = NULL;
    root->spawned = 0;
    /* relaxed: published by the release CAS below. */
    atomic_store_explicit(&root->join, 0, memory_order_relaxed);
    /* relaxed: only the CAS's first guess */
    lf_task *head = atomic_load_explicit(&p->injected, memory_order_relaxed);
    do {
        root->next_root = head;
        LF_STRESS_POINT();
        /* release: publishes root's fields to the acquire exchange in
           lf_pool__take_injected.  relaxed on failure: head is just a guess. */
    } while (!atomic_compare_exchange_weak_explicit(&p->injected, &head, root,
                                                    memory_order_release, memory_order_relaxed));
    /* Under the lock: a worker going to sleep either saw root in its re-check or is counted. */
    lf_pool__wake_one(p);
    for (unsigned i = 0; i < LF_POOL_SPIN_ROUNDS; i++) {
        /* acquire: pairs with the release that made root done (lf_pool__finish/propagate). */
        if (atomic_load_explicit(&root->join, memory_order_acquire) == LF_TASK__DONE)
            return;
        lf_cpu_relax();
    }
    pthread_mutex_lock(&p->lock);
    /* acquire: as above; the completer broadcasts under the lock after making root done. */
    while (atomic_load_explicit(&root->join, memory_order_acquire) != LF_TASK__DONE)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

/*
 * lf_task_spawn: make child runnable, as a child of self: it goes on the
 * deque of the worker running self (if that deque cannot grow, child runs
 * at once, inline, before spawn returns).  Only inside self's function, on
 * its worker.  child was set up with lf_task_init and is not in use; it
 * must stay valid until it is done (see "Lifetime").
 */
static inline void lf_task_spawn(lf_task *self, lf_task *child)
{
    lf_pool_worker *w = self->worker;
    child->parent = self;
    child->spawned = 0;
    /* relaxed: published by the push's release store of bottom. */
    atomic_store_explicit(&child->join, 0, memory_order_relaxed);
    self->spawned++;
    if (lf_deque_push(&w->deque, child) != LF_OK) {
        lf_pool__execute(w, child, self);
        return;
    }
    if (w->pool->nworkers > 1)
        lf_pool__advertise(w->pool);
}

/*
 * lf_task_sync: return once child (spawned by self) is done, running
 * other tasks meanwhile: self's worker pops its own deque, then steals.
 * Only inside self's function, on its worker.  child must have been
 * spawned by self (or be done).
 */
static inline void lf_task_sync(lf_task *self, lf_task *child)
{
    lf_pool_worker *w = self->worker;
    unsigned idle = 0;
    /* acquire: pairs with the release that made child done (lf_pool__finish/propagate),
       so child's subtree happens before sync returns. */
    while (atomic_load_explicit(&child->join, memory_order_acquire) != LF_TASK__DONE) {
        void *x;
        lf_task *t = NULL;
        if (lf_deque_pop(&w->deque, &x) == LF_OK)
            t = (lf_task *)x;
        else
            t = lf_pool__steal_round(w);
        if (t != NULL) {
            lf_pool__execute(w, t, self);
            idle = 0;
        } else if (++idle <= LF_POOL_SPIN_ROUNDS) {
            lf_cpu_relax();
        } else {
            sched_yield();
        }
    }
}

#endif /* LFKIT_POOL_H */

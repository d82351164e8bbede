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
 * victim.  A worker waiting in lf_task_sync runs other tasks meanwhile,
 * but only tasks deeper in the task tree than the one syncing: the rule
 * of TBB's classic (pre-oneTBB) scheduler, whose tasks carried a depth,
 * rather than leapfrogging (Wagner and Calder, "Leapfrogging: a portable
 * technique for implementing efficient futures", PPoPP 1993: steal only
 * from the child's thief), which this pool cannot use as is: with
 * unsynced children, a thief's deque may hold tasks from outside the
 * stolen child's subtree.  The depth rule bounds each worker's stack by
 * the tree's depth ("Stack depth" below).
 *
 * The mechanisms, each in one place:
 *  - completion counting: the protocol core lf_completion__* in
 *    pool_sync.h; lf_pool__finish here applies it up the tree;
 *  - the scheduling loop (pop, steal, run), written once:
 *    lf_pool__work, used by the idle workers and by lf_task_sync, with
 *    lf_pool__find_task (which task may run here) and lf_pool__execute;
 *  - sleep and wake: lf_pool__advertise, lf_pool__wake_one and
 *    lf_pool__sleep, around the condvar-free handshake core lf_wake__*
 *    in pool_sync.h;
 *  - the list of submitted roots: lf_pool__submit and
 *    lf_pool__take_roots;
 *  - thread start-up and teardown: lf_pool_init_stack and
 *    lf_pool__teardown.
 * The deques are used only through lf_deque's public functions.
 *
 * Completion.  A task is done when its function has returned and every
 * task it spawned is done, synced or not; so lf_pool_run returns only when
 * the whole tree is done.  A task counts its children in spawned (plain:
 * only the worker running its body touches it) and join (atomic: children
 * finished elsewhere); pool_sync.h has the protocol.  A done task then
 * completes its parent: locally (parent->spawned--) when it ran inside the
 * parent's own lf_task_sync on the same worker, else by
 * lf_completion__child_done on the parent's join, which may complete the
 * parent in turn, and so on up.  The common case - a child popped and run
 * by its parent's sync, with no unfinished children of its own - uses no
 * read-modify-write of the pool's: its ordering costs are the deque's
 * (push's release store, pop's fence, pop's CAS when the child is the
 * deque's last item) and the spawn-side fence of "Sleeping".
 *
 * Lifetime.  A task must stay valid until it is done.  lf_task_sync
 * guarantees it for a child on the spawner's stack.  A child that is
 * never synced must live somewhere that outlasts lf_pool_run (its
 * completion still updates its parent, so the parent's memory must
 * outlast it too: a parent that spawns unsynced children must not be on a
 * stack that unwinds before lf_pool_run returns).  No code touches a task
 * after making it done, except through what outlives it (the pool).
 *
 * Stack depth.  depth(root) = 0 and depth(child) = depth(parent) + 1.  A
 * worker runs a task t only (a) from its idle loop, with no task on its
 * stack; (b) from lf_task_sync(s, ...), only if depth(t) > depth(s)
 * (lf_pool__may_run); or (c) inline in lf_task_spawn(s, t) when the deque
 * cannot grow, depth(t) = depth(s) + 1.  In (b) and (c), s is the task
 * whose function is running, the innermost task on the worker's stack.
 * So, by induction on the frames pushed, the tasks on a worker's stack,
 * outermost to innermost, have strictly increasing depths: at most D + 1
 * of them when no task run by the pool is deeper than D, whichever of
 * several concurrent trees they come from.  The stack is then at most
 * D + 1 times (the most stack a task's function uses itself + one
 * lf_task_sync's frames).  A task taken by a sync that may not run it is
 * not run: it goes back on the worker's own deque (a pop is pushed back;
 * a steal is pushed there instead, and a sync steals only while its deque
 * has room, so the push cannot fail), visible to every thief, and the
 * sync pops again only after it has run something.  No deadlock: take
 * the waiting sync with the deepest task s (depth d) among all workers.
 * Its child is not done, so some task of the child's subtree (depth > d)
 * has not finished its body, and one is queued: were they all running,
 * the innermost task of a worker running one would be deeper than d and
 * busy (progress) or syncing (contradicting the choice of s).  That queued task may run in
 * every waiting sync (each one's depth is <= d) and in the idle loop, so
 * whichever worker takes it runs it; it is never moved again, and it
 * reaches the top of the deque it is in, where it is stolen, as the older
 * items are taken (every push goes to the bottom).  docs/pool.md has the
 * argument with the cases spelled out, and the measured stack use.
 *
 * Sleeping.  Idle workers (no task anywhere) spin for
 * LF_POOL_SPIN_ROUNDS rounds of the loop, yield for LF_POOL_YIELD_ROUNDS
 * more, then sleep on the pool's condition variable, so an idle pool uses
 * no CPU.  A worker going to sleep takes the pool lock, announces itself
 * (lf_wake__announce_sleep: sleepers + 1, then a seq_cst fence),
 * re-checks every deque (lf_deque_size) and the roots list, and only then
 * waits for a wake token.  A spawner, after its push, checks for a
 * sleeper (lf_wake__sleeper_seen: fence, then sleepers); if there is one
 * it takes the lock, claims it (sleepers - 1, tokens + 1) and signals.
 * pool_sync.h proves that no wake-up is lost (the store-buffering
 * pattern) and argues why its fences are sound under TSan.  lf_pool_run
 * needs no fence: it wakes under the lock, after submitting the root, so
 * the lock orders it against a sleeper's re-check.  The fence is paid on
 * every spawn with two or more workers; docs/pool.md has the cheaper
 * forms considered.  A condition variable rather than a futex: sleeping
 * and waking are rare (after spinning), the lock makes the token
 * accounting simple, and it is portable POSIX; the fast paths never touch
 * it.
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
#include <lfkit/pool_sync.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#ifndef LF_POOL_THREAD_CREATE
#define LF_POOL_THREAD_CREATE(thread, attr, start, arg) \
    pthread_create((thread), (attr), (start), (arg))
#endif

/* Most workers lf_pool_init accepts. */
#ifndef LF_POOL_MAX_WORKERS
#define LF_POOL_MAX_WORKERS 4096u
#endif
/* Initial capacity of each worker's deque (it grows on demand). */
#ifndef LF_POOL_DEQUE_CAPACITY
#define LF_POOL_DEQUE_CAPACITY 256u
#endif
/* Idle worker: rounds with a CPU relax hint, then with sched_yield, then sleep. */
#ifndef LF_POOL_SPIN_ROUNDS
#define LF_POOL_SPIN_ROUNDS 256u
#endif
#ifndef LF_POOL_YIELD_ROUNDS
#define LF_POOL_YIELD_ROUNDS 16u
#endif

typedef struct lf_pool lf_pool;
typedef struct lf_pool_worker lf_pool_worker;
typedef struct lf_task lf_task;

struct lf_task {
    void (*fn)(lf_task *self, void *arg);
    void *arg;
    lf_task *parent;         /* spawner; NULL for a root of lf_pool_run */
    lf_pool_worker *worker;  /* set by the pool when it runs the task */
    lf_task *next_root;      /* link in the pool's list of submitted roots */
    unsigned depth;          /* 0 for a root, parent's + 1 (see "Stack depth") */
    unsigned nesting;        /* tasks on the running worker's stack, this one included */
    size_t spawned;          /* see "Completion"; the running worker only */
    _Atomic(size_t) join;    /* see "Completion" and pool_sync.h */
};

struct lf_pool_worker {
    lf_deque deque;          /* tasks spawned on this worker (cache aligned) */
    lf_pool *pool;
    uint64_t rng;            /* victim choice; this worker only */
    unsigned index;
    unsigned deepest;        /* the most tasks its stack has held; this worker only */
    _Atomic(unsigned) max_nesting; /* deepest, published for lf_pool_max_nesting; written by this worker only */
    pthread_t thread;
};

struct lf_pool {
    lf_pool_worker *workers;
    unsigned nworkers;
    pthread_mutex_t lock;    /* guards wake_tokens, stopping, sleepers' changes, the condvars */
    pthread_cond_t wake;     /* sleeping workers wait here */
    pthread_cond_t done;     /* lf_pool_run callers wait here */
    size_t wake_tokens;      /* wake-ups issued and not yet consumed */
    bool stopping;           /* set by lf_pool_destroy */
    /* Workers asleep or about to be, not yet claimed by a waker.  Read on
       every spawn, written rarely: its own line. */
    LF_CACHE_ALIGNED _Atomic(unsigned) sleepers;
    /* Roots submitted by lf_pool_run and not yet taken by a worker. */
    LF_CACHE_ALIGNED _Atomic(lf_task *) roots;
};

/* lf_task_init: set fn and arg.  Any thread, on a task not in use. */
static inline void lf_task_init(lf_task *t, void (*fn)(lf_task *self, void *arg), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->parent = NULL;
    t->worker = NULL;
    t->next_root = NULL;
    t->depth = 0;
    t->nesting = 0;
    t->spawned = 0;
    lf_completion__init(&t->join);
}

/* ---- Sleep and wake ---------------------------------------------------- */

/* Wake one sleeping worker, if any is unclaimed.  Any thread. */
static inline void lf_pool__wake_one(lf_pool *p)
{
    pthread_mutex_lock(&p->lock);
    if (lf_wake__claim_sleeper(&p->sleepers)) {
        p->wake_tokens++;
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
}

/* After making a task stealable: wake a sleeper if there is one (see "Sleeping").  Workers. */
static inline void lf_pool__advertise(lf_pool *p)
{
    if (p->nworkers > 1 && lf_wake__sleeper_seen(&p->sleepers))
        lf_pool__wake_one(p);
}

/*
 * Is there a task anywhere?  Under p->lock, by a worker that has
 * announced its sleep: its fence (W2) orders these loads after the
 * announcement.
 */
static inline bool lf_pool__work_visible(lf_pool *p)
{
    for (unsigned i = 0; i < p->nworkers; i++)
        if (lf_deque_size(&p->workers[i].deque) != 0)
            return true;
    /* relaxed: a root submitted before the lf_pool_run caller's wake-up
       took the lock is seen here (the lock orders it), or that wake-up
       finds this worker counted in sleepers. */
    return atomic_load_explicit(&p->roots, memory_order_relaxed) != NULL;
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
    lf_wake__announce_sleep(&p->sleepers);
    if (lf_pool__work_visible(p)) {
        lf_wake__cancel_sleep(&p->sleepers);
        pthread_mutex_unlock(&p->lock);
        return true;
    }
    while (p->wake_tokens == 0 && !p->stopping)
        pthread_cond_wait(&p->wake, &p->lock);
    if (p->wake_tokens != 0)
        p->wake_tokens--; /* the waker already claimed this sleeper */
    else
        lf_wake__cancel_sleep(&p->sleepers); /* stopping */
    bool running = !p->stopping;
    pthread_mutex_unlock(&p->lock);
    return running;
}

/* ---- Completion ---------------------------------------------------------- */

/* A root is done: wake the lf_pool_run callers.  Workers. */
static inline void lf_pool__root_done(lf_pool *p)
{
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->done);
    pthread_mutex_unlock(&p->lock);
}

/*
 * t's function has returned: complete t if all its children are done,
 * then its ancestors while that completes them.  syncing: the task whose
 * lf_task_sync runs t on this worker, or NULL.  No task is touched after
 * it is done.  The worker that ran t.
 */
static inline void lf_pool__finish(lf_pool *p, lf_task *t, const lf_task *syncing)
{
    lf_task *parent = t->parent; /* read first: t may be gone once done */
    if (!lf_completion__body_returned(&t->join, t->spawned))
        return;
    if (parent != NULL && parent == syncing) {
        parent->spawned--; /* its body waits in lf_task_sync on this worker */
        return;
    }
    while (parent != NULL) {
        lf_task *grand = parent->parent; /* read first: parent may be gone once done */
        LF_STRESS_POINT();
        if (!lf_completion__child_done(&parent->join))
            return;
        parent = grand;
    }
    lf_pool__root_done(p);
}

/* ---- The scheduling loop ------------------------------------------------ */

/* Run t on w; syncing: the task whose lf_task_sync runs it, or NULL.  Worker w only. */
static inline void lf_pool__execute(lf_pool_worker *w, lf_task *t, const lf_task *syncing)
{
    /* syncing is the innermost task on w's stack (see "Stack depth"). */
    t->nesting = syncing != NULL ? syncing->nesting + 1 : 1;
    if (t->nesting > w->deepest) {
        w->deepest = t->nesting;
        /* relaxed: a statistic; only this worker writes it, and only when it grows. */
        atomic_store_explicit(&w->max_nesting, t->nesting, memory_order_relaxed);
    }
    t->worker = w;
    t->fn(t, t->arg);
    lf_pool__finish(w->pool, t, syncing);
}

/* May t run here?  syncing: NULL in the idle loop (anything may run), else the task syncing. */
static inline bool lf_pool__may_run(const lf_task *t, const lf_task *syncing)
{
    return syncing == NULL || t->depth > syncing->depth;
}

/* Link t into the list of submitted roots.  Any thread. */
static inline void lf_pool__submit(lf_pool *p, lf_task *t)
{
    /* relaxed: only the CAS's first guess. */
    lf_task *head = atomic_load_explicit(&p->roots, memory_order_relaxed);
    do {
        t->next_root = head;
        LF_STRESS_POINT();
        /* (R1) release: publishes t's fields to (R2).  relaxed on failure:
           head is just a guess. */
    } while (!atomic_compare_exchange_weak_explicit(&p->roots, &head, t, memory_order_release,
                                                    memory_order_relaxed));
}

/*
 * Take every submitted root: return one, push the others on w's deque
 * (run inline any that does not fit).  Worker w, from its idle loop only.
 */
static inline lf_task *lf_pool__take_roots(lf_pool_worker *w)
{
    lf_pool *p = w->pool;
    /* relaxed: a hint that avoids writing the shared line when empty. */
    if (atomic_load_explicit(&p->roots, memory_order_relaxed) == NULL)
        return NULL;
    /* (R2) acquire: pairs with (R1), publishing the roots' fields. */
    lf_task *first = atomic_exchange_explicit(&p->roots, (lf_task *)NULL, memory_order_acquire);
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

/*
 * t was taken by a sync that may not run it: put it on w's own deque,
 * where thieves find it, and wake a sleeper for it.  Worker w only, with
 * room in its deque (see lf_pool__find_task), so the push does not fail;
 * were it ever to, t goes to the roots list, which idle workers take.
 */
static inline void lf_pool__requeue(lf_pool_worker *w, lf_task *t)
{
    if (lf_deque_push(&w->deque, t) == LF_OK) {
        lf_pool__advertise(w->pool);
    } else {
        lf_pool__submit(w->pool, t);
        lf_pool__wake_one(w->pool);
    }
}

/*
 * A task that may run on w now (see lf_pool__may_run), or NULL: w's own
 * deque (newest first) unless *own_blocked, then a steal round, then (in
 * the idle loop) the submitted roots.  A task taken that may not run is
 * requeued, and *own_blocked set: w's newest task may not run here, so
 * popping again is pointless until w has run something.  Worker w only.
 */
static inline lf_task *lf_pool__find_task(lf_pool_worker *w, const lf_task *syncing,
                                          bool *own_blocked)
{
    void *x;
    if (!*own_blocked && lf_deque_pop(&w->deque, &x) == LF_OK) {
        lf_task *t = (lf_task *)x;
        if (lf_pool__may_run(t, syncing))
            return t;
        lf_pool__requeue(w, t); /* room: it was just popped */
        *own_blocked = true;
    }
    /* A sync steals only with room to requeue what it may not run
       (lf_deque_size can only overstate the size: a stale top). */
    if (syncing != NULL && lf_deque_size(&w->deque) >= lf_deque_capacity(&w->deque))
        return NULL;
    lf_task *t = lf_pool__steal_round(w);
    if (t != NULL) {
        if (lf_pool__may_run(t, syncing))
            return t;
        lf_pool__requeue(w, t);
        *own_blocked = true;
        return NULL;
    }
    return syncing == NULL ? lf_pool__take_roots(w) : NULL;
}

/*
 * Nothing to run: spin, then yield, then (may_sleep: the idle loop) sleep.
 * false: the pool is stopping.  Worker w only.
 */
static inline bool lf_pool__wait_for_work(lf_pool_worker *w, unsigned *idle, bool may_sleep)
{
    if (++*idle <= LF_POOL_SPIN_ROUNDS) {
        lf_cpu_relax();
    } else if (!may_sleep || *idle <= LF_POOL_SPIN_ROUNDS + LF_POOL_YIELD_ROUNDS) {
        sched_yield();
    } else {
        *idle = 0;
        return lf_pool__sleep(w);
    }
    return true;
}

/*
 * The scheduling loop: find a task, run it, repeat.  In lf_task_sync
 * (syncing and child set) until child is done, never sleeping; in the
 * idle loop (both NULL) until the pool stops.  Worker w only.
 */
static inline void lf_pool__work(lf_pool_worker *w, const lf_task *syncing, lf_task *child)
{
    unsigned idle = 0;
    bool own_blocked = false;
    /* lf_completion__is_done: acquire, so child's subtree happens before sync returns. */
    while (child == NULL || !lf_completion__is_done(&child->join)) {
        lf_task *t = lf_pool__find_task(w, syncing, &own_blocked);
        if (t != NULL) {
            lf_pool__execute(w, t, syncing);
            idle = 0;
            own_blocked = false;
        } else if (!lf_pool__wait_for_work(w, &idle, child == NULL)) {
            return;
        }
    }
}

/* ---- Thread start-up and teardown ---------------------------------------- */

/* A worker thread: run tasks until the pool stops. */
static inline void *lf_pool__worker_main(void *arg)
{
    lf_pool__work((lf_pool_worker *)arg, NULL, NULL);
    return NULL;
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

/* Create p's worker threads with attr.  false: p torn down. */
static inline bool lf_pool__start(lf_pool *p, const pthread_attr_t *attr)
{
    for (unsigned i = 0; i < p->nworkers; i++) {
        lf_pool_worker *w = &p->workers[i];
        if (LF_POOL_THREAD_CREATE(&w->thread, attr, lf_pool__worker_main, w) != 0) {
            lf_pool__teardown(p, i, p->nworkers);
            return false;
        }
    }
    return true;
}

/* Allocate and set up everything but the threads.  LF_OK or LF_ENOMEM (nothing left allocated). */
static inline lf_status lf_pool__setup(lf_pool *p, unsigned nworkers)
{
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
    /* relaxed: the threads created later see it through pthread_create. */
    atomic_store_explicit(&p->sleepers, 0, memory_order_relaxed);
    atomic_store_explicit(&p->roots, (lf_task *)NULL, memory_order_relaxed);
    for (unsigned i = 0; i < nworkers; i++) {
        lf_pool_worker *w = &p->workers[i];
        if (lf_deque_init(&w->deque, LF_POOL_DEQUE_CAPACITY) != LF_OK) {
            lf_pool__teardown(p, 0, i);
            return LF_ENOMEM;
        }
        w->pool = p;
        w->rng = 0x9e3779b97f4a7c15u * (i + 1);
        w->index = i;
        w->deepest = 0;
        /* relaxed: as sleepers. */
        atomic_store_explicit(&w->max_nesting, 0, memory_order_relaxed);
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

/*
 * lf_pool_init_stack: as lf_pool_init, with worker threads of stack_bytes
 * of stack each (0: the system's default).  LF_EINVAL also when the
 * system refuses that size (below PTHREAD_STACK_MIN).  With no task of
 * the pool deeper than D, a worker's stack holds at most D + 1 tasks (see
 * "Stack depth").  Quiescent (p not yet shared).
 */
static inline lf_status lf_pool_init_stack(lf_pool *p, unsigned nworkers, size_t stack_bytes)
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
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return LF_ENOMEM;
    lf_status s = LF_EINVAL;
    if (stack_bytes == 0 || pthread_attr_setstacksize(&attr, stack_bytes) == 0) {
        s = lf_pool__setup(p, nworkers);
        if (s == LF_OK && !lf_pool__start(p, &attr))
            s = LF_ENOMEM;
    }
    pthread_attr_destroy(&attr);
    return s;
}

/*
 * lf_pool_init: start nworkers worker threads (0: the number of online
 * CPUs, at most LF_POOL_MAX_WORKERS; 1 if unknown), now, with the
 * system's default stack.  LF_OK; LF_EINVAL for p NULL or nworkers above
 * LF_POOL_MAX_WORKERS; LF_ENOMEM when an allocation, a mutex/condvar, or a
 * thread cannot be created - then every started thread has been joined
 * and nothing is left allocated.  Quiescent (p not yet shared).
 */
static inline lf_status lf_pool_init(lf_pool *p, unsigned nworkers)
{
    return lf_pool_init_stack(p, nworkers, 0);
}

/* lf_pool_nworkers: number of worker threads.  Any thread. */
static inline unsigned lf_pool_nworkers(const lf_pool *p)
{
    return p->nworkers;
}

/*
 * lf_pool_max_nesting: the most tasks any worker has had on its stack at
 * once since init (1: tasks ran only from the idle loop; see "Stack
 * depth": at most D + 1).  Any thread; after lf_pool_run returns it
 * counts every task of that run.
 */
static inline unsigned lf_pool_max_nesting(const lf_pool *p)
{
    unsigned most = 0;
    for (unsigned i = 0; i < p->nworkers; i++) {
        /* relaxed: a statistic; a worker raises it before running the task
           that reaches it, which happens before that task's root is done. */
        unsigned m = atomic_load_explicit(&p->workers[i].max_nesting, memory_order_relaxed);
        most = m > most ? m : most;
    }
    return most;
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
    root->depth = 0;
    root->spawned = 0;
    lf_completion__init(&root->join);
    lf_pool__submit(p, root);
    /* Under the lock: a worker going to sleep either saw root in its re-check or is counted. */
    lf_pool__wake_one(p);
    for (unsigned i = 0; i < LF_POOL_SPIN_ROUNDS; i++) {
        if (lf_completion__is_done(&root->join))
            return;
        lf_cpu_relax();
    }
    pthread_mutex_lock(&p->lock);
    /* The completer broadcasts under the lock after making root done. */
    while (!lf_completion__is_done(&root->join))
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
    child->depth = self->depth + 1;
    child->spawned = 0;
    lf_completion__init(&child->join); /* published by the push's release store */
    self->spawned++;
    if (lf_deque_push(&w->deque, child) != LF_OK) {
        lf_pool__execute(w, child, self);
        return;
    }
    lf_pool__advertise(w->pool);
}

/*
 * lf_task_sync: return once child (spawned by self) is done, running
 * other tasks meanwhile: self's worker pops its own deque, then steals,
 * and runs what it takes if it is deeper in the task tree than self (see
 * "Stack depth").  Only inside self's function, on its worker.  child
 * must have been spawned by self (or be done).
 */
static inline void lf_task_sync(lf_task *self, lf_task *child)
{
    lf_pool__work(self->worker, self, child);
}

#endif /* LFKIT_POOL_H */

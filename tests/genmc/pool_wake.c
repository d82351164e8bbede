/* The pool's sleep/wake handshake (pool_sync.h): a spawner makes work
   visible and checks for sleepers; a worker, under the pool's lock,
   announces that it goes to sleep and re-checks for work.  No lost
   wake-up: in every execution either the worker sees the work (and
   cancels its sleep) or the spawner sees the sleeper (and claims it). */
#include "client.h"
#include <lfkit/pool_sync.h>

static _Atomic(unsigned) sleepers;
static _Atomic(int) work;          /* stands for a deque slot or the roots list */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool worker_found_work, spawner_woke;

static void *spawner(void *arg)
{
    (void)arg;
    /* release: as the deque push that makes a task visible */
    atomic_store_explicit(&work, 1, memory_order_release);
    if (lf_wake__sleeper_seen(&sleepers)) {
        pthread_mutex_lock(&lock);
        spawner_woke = lf_wake__claim_sleeper(&sleepers);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    lf_wake__announce_sleep(&sleepers);
    /* acquire: as the steal that would take the task */
    if (atomic_load_explicit(&work, memory_order_acquire) != 0) {
        lf_wake__cancel_sleep(&sleepers);
        worker_found_work = true;
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    atomic_store_explicit(&sleepers, 0u, memory_order_relaxed);
    atomic_store_explicit(&work, 0, memory_order_relaxed);
    pthread_t s = client_spawn(spawner, NULL), w = client_spawn(worker, NULL);
    pthread_join(s, NULL);
    pthread_join(w, NULL);
    assert(worker_found_work || spawner_woke); /* the wake-up is never lost */
    return 0;
}

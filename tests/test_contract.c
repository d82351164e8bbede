/*
 * The API contract (shared/API.md) as signatures: each function is
 * assigned to a pointer of exactly the type the contract names, so any
 * drift in a name, a parameter or a return type fails to compile.  The
 * test then checks the contract's constants and a few whole-API facts.
 */
#include <lfkit.h>

#include <criterion/criterion.h>
#include "../harness/harness.h"

#include <stdalign.h>

/* One field per contract function, typed exactly as API.md writes it. */
typedef struct contract {
    void (*cpu_relax)(void);
    void (*backoff_init)(lf_backoff *);
    void (*backoff_spin)(lf_backoff *);
    void (*counter_init)(lf_counter *, uint64_t);
    uint64_t (*counter_load)(const lf_counter *);
    uint64_t (*counter_fetch_add)(lf_counter *, uint64_t);
    uint64_t (*counter_cas_add)(lf_counter *, uint64_t);
    bool (*counter_cas)(lf_counter *, uint64_t *, uint64_t);
    void (*padded_init)(lf_padded_counter *, uint64_t);
    uint64_t (*padded_fetch_add)(lf_padded_counter *, uint64_t);
    uint64_t (*padded_load)(const lf_padded_counter *);
    lf_status (*sharded_init)(lf_sharded_counter *, unsigned);
    void (*sharded_add)(lf_sharded_counter *, unsigned, uint64_t);
    void (*sharded_add_owned)(lf_sharded_counter *, unsigned, uint64_t);
    uint64_t (*sharded_sum)(const lf_sharded_counter *);
    void (*sharded_destroy)(lf_sharded_counter *);
    void (*tagged_init)(lf_atomic_tagged *, void *);
    lf_tagged (*tagged_load)(const lf_atomic_tagged *);
    bool (*tagged_cas)(lf_atomic_tagged *, lf_tagged *, void *);
    bool (*tagged_fits)(const void *);
    void (*stack_init)(lf_stack *);
    void (*stack_push)(lf_stack *, lf_stack_node *);
    lf_stack_node *(*stack_pop)(lf_stack *);
    lf_stack_node *(*stack_pop_all)(lf_stack *);
    lf_stack_node *(*stack_node_next)(const lf_stack_node *);
    bool (*stack_is_empty)(const lf_stack *);
    lf_stack_node *(*stack_pop_hp)(lf_stack *, lf_hp_rec *);
    lf_status (*hp_domain_init)(lf_hp_domain *, unsigned);
    void (*hp_domain_destroy)(lf_hp_domain *);
    lf_hp_rec *(*hp_rec_acquire)(lf_hp_domain *);
    void (*hp_rec_release)(lf_hp_rec *);
    void *(*hp_protect)(lf_hp_rec *, unsigned, _Atomic(void *) const *);
    void (*hp_set)(lf_hp_rec *, unsigned, void *);
    void (*hp_clear)(lf_hp_rec *, unsigned);
    void (*hp_retire)(lf_hp_rec *, lf_hp_node *, void *, void (*)(lf_hp_node *));
    void (*hp_scan)(lf_hp_rec *);
    size_t (*hp_retired_count)(const lf_hp_rec *);
    lf_status (*queue_init)(lf_queue *, lf_hp_domain *);
    lf_status (*queue_enqueue)(lf_queue *, lf_hp_rec *, void *);
    lf_status (*queue_dequeue)(lf_queue *, lf_hp_rec *, void **);
    bool (*queue_is_empty)(lf_queue *, lf_hp_rec *);
    void (*queue_destroy)(lf_queue *);
    lf_status (*deque_init)(lf_deque *, size_t);
    lf_status (*deque_push)(lf_deque *, void *);
    lf_status (*deque_pop)(lf_deque *, void **);
    lf_status (*deque_steal)(lf_deque *, void **);
    size_t (*deque_size)(const lf_deque *);
    void (*deque_destroy)(lf_deque *);
    lf_status (*pool_init)(lf_pool *, unsigned);
    void (*pool_destroy)(lf_pool *);
    void (*task_init)(lf_task *, void (*)(lf_task *, void *), void *);
    void (*pool_run)(lf_pool *, lf_task *);
    void (*task_spawn)(lf_task *, lf_task *);
    void (*task_sync)(lf_task *, lf_task *);
    lf_status (*ring_init)(lf_ring *, size_t);
    lf_status (*ring_enqueue)(lf_ring *, void *);
    lf_status (*ring_dequeue)(lf_ring *, void **);
    size_t (*ring_capacity)(const lf_ring *);
    void (*ring_destroy)(lf_ring *);
    lf_status (*spsc_init)(lf_spsc *, size_t);
    lf_status (*spsc_push)(lf_spsc *, void *);
    lf_status (*spsc_pop)(lf_spsc *, void **);
    size_t (*spsc_push_bulk)(lf_spsc *, void *const *, size_t);
    size_t (*spsc_pop_bulk)(lf_spsc *, void **, size_t);
    size_t (*spsc_capacity)(const lf_spsc *);
    void (*spsc_destroy)(lf_spsc *);
    void (*mpsc_init)(lf_mpsc *);
    void (*mpsc_push)(lf_mpsc *, lf_mpsc_node *);
    lf_status (*mpsc_pop)(lf_mpsc *, lf_mpsc_node **);
    bool (*mpsc_is_empty)(const lf_mpsc *);
} contract;

static const contract api = {
    lf_cpu_relax,
    lf_backoff_init,
    lf_backoff_spin,
    lf_counter_init,
    lf_counter_load,
    lf_counter_fetch_add,
    lf_counter_cas_add,
    lf_counter_cas,
    lf_padded_counter_init,
    lf_padded_counter_fetch_add,
    lf_padded_counter_load,
    lf_sharded_counter_init,
    lf_sharded_counter_add,
    lf_sharded_counter_add_owned,
    lf_sharded_counter_sum,
    lf_sharded_counter_destroy,
    lf_tagged_init,
    lf_tagged_load,
    lf_tagged_cas,
    lf_tagged_fits,
    lf_stack_init,
    lf_stack_push,
    lf_stack_pop,
    lf_stack_pop_all,
    lf_stack_node_next,
    lf_stack_is_empty,
    lf_stack_pop_hp,
    lf_hp_domain_init,
    lf_hp_domain_destroy,
    lf_hp_rec_acquire,
    lf_hp_rec_release,
    lf_hp_protect,
    lf_hp_set,
    lf_hp_clear,
    lf_hp_retire,
    lf_hp_scan,
    lf_hp_retired_count,
    lf_queue_init,
    lf_queue_enqueue,
    lf_queue_dequeue,
    lf_queue_is_empty,
    lf_queue_destroy,
    lf_deque_init,
    lf_deque_push,
    lf_deque_pop,
    lf_deque_steal,
    lf_deque_size,
    lf_deque_destroy,
    lf_pool_init,
    lf_pool_destroy,
    lf_task_init,
    lf_pool_run,
    lf_task_spawn,
    lf_task_sync,
    lf_ring_init,
    lf_ring_enqueue,
    lf_ring_dequeue,
    lf_ring_capacity,
    lf_ring_destroy,
    lf_spsc_init,
    lf_spsc_push,
    lf_spsc_pop,
    lf_spsc_push_bulk,
    lf_spsc_pop_bulk,
    lf_spsc_capacity,
    lf_spsc_destroy,
    lf_mpsc_init,
    lf_mpsc_push,
    lf_mpsc_pop,
    lf_mpsc_is_empty,
};

Test(contract, signatures_match_api_md)
{
    /* The initialiser above is the check: a renamed function or a changed
       parameter or return type does not compile.  At run time, the table
       must point at the functions themselves. */
    cr_assert(api.queue_enqueue == lf_queue_enqueue);
    cr_assert(api.hp_protect == lf_hp_protect);
    cr_assert(api.task_sync == lf_task_sync);
    cr_assert(api.tagged_cas == lf_tagged_cas);
    cr_assert(api.ring_dequeue == lf_ring_dequeue);
    cr_assert(api.spsc_push_bulk == lf_spsc_push_bulk);
    cr_assert(api.mpsc_pop == lf_mpsc_pop);
}

Test(contract, constants_and_status_codes)
{
    cr_assert_eq(LF_OK, 0);
    cr_assert(LF_OK != LF_EMPTY && LF_EMPTY != LF_FULL && LF_FULL != LF_RETRY && LF_RETRY != LF_ENOMEM &&
              LF_ENOMEM != LF_EINVAL);
    cr_assert(LF_TSAN == 0 || LF_TSAN == 1);
    cr_assert(LF_HAS_DWCAS == 0 || LF_HAS_DWCAS == 1);
    cr_assert_geq(LF_HP_MAX_SLOTS, 4);
    cr_assert_geq(LF_RING_MAX_CAPACITY, (size_t)1 << 24);
    cr_assert_geq(LF_SPSC_MAX_CAPACITY, (size_t)1 << 24);
#if defined(__x86_64__) || defined(__aarch64__)
    cr_assert_eq(LF_CACHELINE, 128);
#else
    cr_assert_eq(LF_CACHELINE, 64);
#endif
    lf_counter c = LF_COUNTER_INIT(3);
    cr_assert_eq(lf_counter_load(&c), 3);
}

Test(contract, padded_types_are_cache_line_aligned)
{
    cr_assert_eq(alignof(lf_padded_counter), LF_CACHELINE);
    cr_assert_eq(sizeof(lf_padded_counter), LF_CACHELINE);
    cr_assert_eq(alignof(lf_stack), LF_CACHELINE);
    cr_assert_eq(alignof(lf_queue), LF_CACHELINE);
    cr_assert_eq(alignof(lf_deque), LF_CACHELINE);
    cr_assert_eq(alignof(lf_hp_domain), LF_CACHELINE);
    cr_assert_eq(alignof(lf_pool), LF_CACHELINE);
    cr_assert_eq(alignof(lf_ring), LF_CACHELINE);
    cr_assert_eq(alignof(lf_spsc), LF_CACHELINE);
    cr_assert_eq(alignof(lf_mpsc), LF_CACHELINE);
}

typedef struct wrapped {
    int before;
    lf_stack_node node;
} wrapped;

Test(contract, container_of)
{
    wrapped w;
    cr_assert_eq(lf_container_of(&w.node, wrapped, node), &w);
}

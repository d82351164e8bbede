/*
 * Treiber stack stress.
 *
 * stack_conservation: a pool of nodes with unique ids circulates between
 * the stack and the threads, which mix push, pop and pop_all at random.
 * Invariants: a popped node was not held by anyone else (checked at every
 * pop by an exchange on the node's `held` flag), and at the end every id
 * is on the stack exactly once.
 *
 * stack_pop_all_hp: nodes are freed.  Threads push fresh heap nodes, pop
 * them with lf_stack_pop_hp, and now and then detach the whole stack with
 * lf_stack_pop_all while the others keep popping; every node taken either
 * way is retired through lf_hp_retire with free() as reclaim, as stack.h
 * requires (a concurrent pop_hp may still read a detached node's next).
 * Checked: each node is taken exactly once (a flag exchanged at each take,
 * and count, sum and sum of squares of ids pushed against taken), and
 * every node is freed exactly once by the end.  A detached node freed at
 * once instead of retired is a use-after-free that ASan reports.
 */
#include "stress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { NODES_PER_THREAD = 16, HOLD_MAX = 8 };

typedef struct stack_item {
    lf_stack_node link;
    unsigned id;
    _Atomic(unsigned) held; /* 1 while a thread owns the node */
} stack_item;

typedef struct stack_run {
    lf_stack stack;
    stress_report *r;
    uint64_t seed;
    stack_item *items;
    unsigned nitems;
} stack_run;

/* Take ownership of a node just popped; false (and a failure) if someone else owns it. */
static bool take(stack_run *s, lf_stack_node *n)
{
    stack_item *it = lf_container_of(n, stack_item, link);
    if (it < s->items || it >= s->items + s->nitems)
        return stress_fail(s->r, "popped a node outside the pool (%p)", (void *)n);
    /* relaxed RMW: all RMWs on `held` are totally ordered, so a double pop sees 1 */
    if (atomic_exchange_explicit(&it->held, 1u, memory_order_relaxed) != 0)
        return stress_fail(s->r, "node %u popped while another thread held it", it->id);
    return true;
}

static void give_back(stack_run *s, lf_stack_node *n)
{
    stack_item *it = lf_container_of(n, stack_item, link);
    atomic_store_explicit(&it->held, 0u, memory_order_relaxed); /* relaxed: the push's release publishes it */
    lf_stack_push(&s->stack, n);
}

static void stack_worker(void *arg, unsigned index)
{
    stack_run *s = (stack_run *)arg;
    uint64_t rng = s->seed ^ index;
    lf_stack_node *held[HOLD_MAX];
    unsigned nheld = 0;
    uint64_t ops = 0;
    while (stress_running(s->r)) {
        unsigned choice = (unsigned)(harness_rand(&rng) % 64);
        if (choice == 0) {
            /* pop_all: own the whole list for a moment, then push it back */
            lf_stack_node *n = lf_stack_pop_all(&s->stack);
            lf_stack_node *list = n;
            for (; n != NULL; n = lf_stack_node_next(n))
                if (!take(s, n))
                    return;
            while (list != NULL) {
                lf_stack_node *next = lf_stack_node_next(list);
                give_back(s, list);
                list = next;
            }
        } else if (choice < 33 && nheld < HOLD_MAX) {
            lf_stack_node *n = lf_stack_pop(&s->stack);
            if (n != NULL) {
                if (!take(s, n))
                    return;
                held[nheld++] = n;
            }
        } else if (nheld > 0) {
            give_back(s, held[--nheld]);
        }
        if ((++ops & 255) == 0)
            stress_count(s->r, 256);
    }
    while (nheld > 0)
        give_back(s, held[--nheld]);
}

bool stress_stack_conservation(const stress_opts *o, stress_report *r)
{
    stack_run *s = (stack_run *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->r = r;
    s->seed = stress_seed(o, 0);
    s->nitems = o->threads * NODES_PER_THREAD;
    s->items = (stack_item *)calloc(s->nitems, sizeof *s->items);
    unsigned char *seen = (unsigned char *)calloc(s->nitems, 1);
    lf_stack_init(&s->stack);
    for (unsigned i = 0; i < s->nitems; i++) {
        s->items[i].id = i;
        lf_stack_push(&s->stack, &s->items[i].link);
    }
    stress_run(r, o->threads, stack_worker, s, o->seconds);

    unsigned count = 0;
    for (lf_stack_node *n = lf_stack_pop(&s->stack); n != NULL && !r->failed; n = lf_stack_pop(&s->stack)) {
        stack_item *it = lf_container_of(n, stack_item, link);
        if (it < s->items || it >= s->items + s->nitems)
            stress_fail(r, "final stack holds a foreign node %p", (void *)n);
        else if (seen[it->id]++)
            stress_fail(r, "node %u is on the stack twice", it->id);
        else
            count++;
    }
    if (!r->failed && count != s->nitems)
        stress_fail(r, "%u of %u nodes on the stack at the end: %u lost", count, s->nitems,
                    s->nitems - count);
    else if (!r->failed)
        stress_note(r, "all %u nodes present exactly once", s->nitems);
    free(seen);
    free(s->items);
    free(s);
    return !r->failed;
}

/* ---- stack_pop_all_hp ---------------------------------------------------- */

enum { POP_ALL_ONE_IN = 32 };

typedef struct freed_node {
    lf_stack_node link;
    lf_hp_node hp;
    uint64_t id;
    _Atomic(unsigned) taken; /* set by the one thread that pops or detaches it */
    struct pop_all_run *run;
} freed_node;

/* Per-thread totals: the ids pushed and taken (count, sum, sum of squares). */
typedef struct id_sums {
    uint64_t count, sum, sq;
} id_sums;

typedef struct pop_all_run {
    lf_hp_domain d;
    lf_stack s;
    stress_report *r;
    uint64_t seed;
    pthread_mutex_t lock; /* guards the totals, added once per thread */
    id_sums pushed, taken;
    uint64_t detached;
    _Atomic(uint64_t) freed;
} pop_all_run;

static void id_sums_add(id_sums *a, uint64_t id)
{
    a->count++;
    a->sum += id;
    a->sq += id * id;
}

static void freed_node_reclaim(lf_hp_node *n)
{
    freed_node *it = lf_container_of(n, freed_node, hp);
    atomic_fetch_add_explicit(&it->run->freed, 1, memory_order_relaxed);
    memset(it, 0xdb, sizeof *it); /* a read after reclaim sees garbage even without ASan */
    free(it);
}

/* Take a node off the stack (popped or detached) and retire it; false on a double take. */
static bool take_and_retire(pop_all_run *p, lf_hp_rec *rec, lf_stack_node *n, id_sums *taken)
{
    freed_node *it = lf_container_of(n, freed_node, link);
    /* relaxed RMW: all RMWs on `taken` are totally ordered, so a second take sees 1 */
    if (atomic_exchange_explicit(&it->taken, 1u, memory_order_relaxed) != 0)
        return stress_fail(p->r, "node %llu taken twice", (unsigned long long)it->id);
    id_sums_add(taken, it->id);
    lf_hp_retire(rec, &it->hp, n, freed_node_reclaim);
    return true;
}

static void pop_all_worker(void *arg, unsigned index)
{
    pop_all_run *p = (pop_all_run *)arg;
    uint64_t rng = p->seed ^ (index * UINT64_C(0x9E3779B97F4A7C15));
    id_sums pushed = {0, 0, 0}, taken = {0, 0, 0};
    uint64_t detached = 0, ops = 0, next_id = 0;
    lf_hp_rec *rec = lf_hp_rec_acquire(&p->d);
    if (rec == NULL)
        stress_fail(p->r, "lf_hp_rec_acquire failed");
    while (rec != NULL && stress_running(p->r)) {
        uint64_t x = harness_rand(&rng);
        if (x % POP_ALL_ONE_IN == 0) {
            lf_stack_node *n = lf_stack_pop_all(&p->s);
            while (n != NULL) {
                lf_stack_node *next = lf_stack_node_next(n); /* before the retire: it may free n */
                if (!take_and_retire(p, rec, n, &taken))
                    break;
                detached++;
                n = next;
            }
        } else if (x % 2 == 0) {
            freed_node *it = (freed_node *)malloc(sizeof *it);
            if (it == NULL) {
                stress_fail(p->r, "out of memory");
                break;
            }
            it->id = (uint64_t)index << 40 | next_id++;
            it->run = p;
            atomic_store_explicit(&it->taken, 0u, memory_order_relaxed); /* published by the push */
            id_sums_add(&pushed, it->id);
            lf_stack_push(&p->s, &it->link);
        } else {
            lf_stack_node *n = lf_stack_pop_hp(&p->s, rec);
            if (n != NULL && !take_and_retire(p, rec, n, &taken))
                break;
        }
        if ((++ops & 255) == 0)
            stress_count(p->r, 256);
    }
    if (rec != NULL)
        lf_hp_rec_release(rec);
    pthread_mutex_lock(&p->lock);
    p->pushed.count += pushed.count;
    p->pushed.sum += pushed.sum;
    p->pushed.sq += pushed.sq;
    p->taken.count += taken.count;
    p->taken.sum += taken.sum;
    p->taken.sq += taken.sq;
    p->detached += detached;
    pthread_mutex_unlock(&p->lock);
}

bool stress_stack_pop_all_hp(const stress_opts *o, stress_report *r)
{
    pop_all_run *p = (pop_all_run *)harness_alloc(LF_CACHELINE, sizeof *p);
    p->r = r;
    p->seed = stress_seed(o, 0);
    pthread_mutex_init(&p->lock, NULL);
    if (stress_hp_domain_init(o, &p->d, 1) != LF_OK) {
        free(p);
        return stress_fail(r, "lf_hp_domain_init failed");
    }
    lf_stack_init(&p->s);

    stress_run(r, o->threads, pop_all_worker, p, o->seconds);

    /* Quiescent: what is left goes the same way, by one last pop_all. */
    lf_hp_rec *rec = lf_hp_rec_acquire(&p->d);
    if (rec == NULL) {
        stress_fail(r, "lf_hp_rec_acquire failed");
    } else {
        for (lf_stack_node *n = lf_stack_pop_all(&p->s); n != NULL && !r->failed;) {
            lf_stack_node *next = lf_stack_node_next(n);
            take_and_retire(p, rec, n, &p->taken);
            n = next;
        }
        lf_hp_rec_release(rec);
    }
    lf_hp_domain_destroy(&p->d); /* reclaims everything still retired */
    uint64_t freed = atomic_load_explicit(&p->freed, memory_order_relaxed); /* relaxed: threads joined */
    if (!r->failed && (p->pushed.count != p->taken.count || p->pushed.sum != p->taken.sum ||
                       p->pushed.sq != p->taken.sq))
        stress_fail(r, "pushed %llu nodes, took %llu (or their ids differ): lost or duplicated",
                    (unsigned long long)p->pushed.count, (unsigned long long)p->taken.count);
    else if (!r->failed && freed != p->taken.count)
        stress_fail(r, "%llu nodes retired, %llu freed", (unsigned long long)p->taken.count,
                    (unsigned long long)freed);
    else if (!r->failed)
        stress_note(r, "%llu nodes taken and freed exactly once, %llu of them by pop_all",
                    (unsigned long long)freed, (unsigned long long)p->detached);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return !r->failed;
}

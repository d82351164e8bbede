/*
 * Chase-Lev deque stress: one owner pushes increasing ids in bursts of
 * random size (some large, so the buffer grows from capacity 2) and pops a
 * random number back, while thieves steal; with 1, 2 and 3 thieves, then
 * with --threads - 1 thieves (oversubscribed by default).
 * Invariants:
 *  - conservation: every id pushed is taken exactly once (a per-id count);
 *  - LIFO for the owner: a pop returns the newest id the owner pushed and
 *    has not popped (thieves take the oldest first, so they can only have
 *    taken it when they emptied the deque);
 *  - FIFO for each thief: the ids it steals increase;
 *  - bounds: the retired buffers hold fewer slots than the final one.
 */
#include "stress.h"

#include <lfkit/deque.h>

#include <stdlib.h>

enum { MAX_ITEMS = 1 << 23, SHADOW_MAX = 1 << 16 };

typedef struct deque_run {
    lf_deque deque;
    stress_report *r;
    uint64_t seed;
    _Atomic(unsigned char) *taken; /* per id: times taken */
    _Atomic(bool) owner_done;
    _Atomic(bool) broken;           /* a check failed: everyone stops */
    uint32_t pushed;                /* ids 1..pushed were pushed (owner, then read after join) */
} deque_run;

/* Record a failure and make every thread stop; returns false. */
#define BROKEN(s, ...) (atomic_store(&(s)->broken, true), stress_fail((s)->r, __VA_ARGS__))

static bool take(deque_run *s, uintptr_t id, const char *who)
{
    if (id == 0 || id > MAX_ITEMS)
        return BROKEN(s, "%s took a value that was never pushed (%zu)", who, (size_t)id);
    /* relaxed RMW: all RMWs on one counter are totally ordered, so a second take sees 1 */
    if (atomic_fetch_add_explicit(&s->taken[id], 1, memory_order_relaxed) != 0)
        return BROKEN(s, "%s took id %zu a second time", who, (size_t)id);
    return true;
}

/* The owner.  shadow: the ids it pushed and has not popped, oldest first. */
static void owner(deque_run *s)
{
    uint64_t rng = s->seed;
    uint32_t *shadow = (uint32_t *)malloc(SHADOW_MAX * sizeof *shadow);
    size_t nshadow = 0;
    uint32_t next = 1;
    uint64_t ops = 0;
    if (shadow == NULL) {
        BROKEN(s, "out of memory");
        goto out;
    }
    while (!atomic_load(&s->broken)) {
        uint64_t x = harness_rand(&rng);
        bool stopping = !stress_running(s->r) || next + 5000 > MAX_ITEMS;
        unsigned burst = stopping ? 0 : (x & 127) == 0 ? 4096 : 1 + (unsigned)(x % 64);
        if (nshadow + burst > SHADOW_MAX)
            burst = 0;
        for (unsigned i = 0; i < burst; i++) {
            lf_status st = lf_deque_push(&s->deque, (void *)(uintptr_t)next);
            if (st != LF_OK) {
                BROKEN(s, "push returned %d", (int)st);
                goto out;
            }
            shadow[nshadow++] = next++;
        }
        /* pop about as many as pushed; everything when stopping or the shadow is full */
        unsigned pops = burst == 0 ? ~0u : (unsigned)((x >> 32) % (burst + 2));
        for (unsigned i = 0; i < pops; i++) {
            void *item;
            if (lf_deque_pop(&s->deque, &item) != LF_OK) {
                nshadow = 0; /* empty: the thieves took all the rest */
                break;
            }
            if (nshadow == 0 || (uintptr_t)item != shadow[nshadow - 1]) {
                BROKEN(s, "owner popped id %zu, expected the newest, %u",
                            (size_t)(uintptr_t)item, nshadow ? shadow[nshadow - 1] : 0);
                goto out;
            }
            nshadow--;
            if (!take(s, (uintptr_t)item, "owner"))
                goto out;
        }
        ops += burst + 1;
        if (ops > 4096) {
            stress_count(s->r, ops);
            ops = 0;
        }
        if (stopping && burst == 0 && lf_deque_size(&s->deque) == 0)
            break;
    }
out:
    s->pushed = next - 1;
    free(shadow);
    /* release: the thieves stop once they see this and an empty deque */
    atomic_store_explicit(&s->owner_done, true, memory_order_release);
}

static void deque_worker(void *arg, unsigned index)
{
    deque_run *s = (deque_run *)arg;
    if (index == 0) {
        owner(s);
        return;
    }
    uintptr_t last = 0;
    uint64_t ops = 0;
    for (;;) {
        /* acquire: pairs with the owner's release; after it, an empty deque stays empty */
        bool done = atomic_load_explicit(&s->owner_done, memory_order_acquire);
        void *item;
        lf_status st = lf_deque_steal(&s->deque, &item);
        if (st == LF_OK) {
            uintptr_t id = (uintptr_t)item;
            if (id <= last) {
                BROKEN(s, "thief %u stole id %zu after id %zu (not FIFO)", index,
                            (size_t)id, (size_t)last);
                return;
            }
            last = id;
            if (!take(s, id, "thief"))
                return;
            if ((++ops & 1023) == 0)
                stress_count(s->r, 1024);
        } else if (st == LF_EMPTY && (done || atomic_load(&s->broken))) {
            return;
        }
    }
}

/* One configuration: an owner and `thieves` thieves for `seconds`. */
static bool run_once(const stress_opts *o, stress_report *r, unsigned thieves, double seconds,
                     unsigned round)
{
    deque_run *s = (deque_run *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->r = r;
    s->seed = stress_seed(o, round);
    s->taken = (_Atomic(unsigned char) *)calloc(MAX_ITEMS + 1, 1);
    if (s->taken == NULL || lf_deque_init(&s->deque, 2) != LF_OK)
        return stress_fail(r, "out of memory");
    stress_run(r, 1 + thieves, deque_worker, s, seconds);
    for (uint32_t id = 1; id <= s->pushed && !r->failed; id++) {
        unsigned n = atomic_load_explicit(&s->taken[id], memory_order_relaxed);
        if (n != 1)
            stress_fail(r, "%u thieves: id %u taken %u times", thieves, id, n);
    }
    size_t cap = lf_deque_capacity(&s->deque), retired = 0;
    for (lf_deque_buffer *b = atomic_load(&s->deque.buffer)->prev; b != NULL; b = b->prev)
        retired += b->mask + 1;
    if (!r->failed && retired >= cap)
        stress_fail(r, "retired buffers hold %zu slots, the current one %zu", retired, cap);
    if (!r->failed && thieves == 3)
        stress_note(r, "last run: %u ids each taken once, buffer 2 -> %zu slots, %zu retired",
                    s->pushed, cap, retired);
    lf_deque_destroy(&s->deque);
    free(s->taken);
    free(s);
    return !r->failed;
}

/*
 * Each configuration gets a quarter of the time.  A run ends early when the
 * owner runs out of ids (MAX_ITEMS), so runs repeat, with fresh seeds and
 * a fresh deque (growing from 2 again), until the quarter is used.
 */
bool stress_deque_steal(const stress_opts *o, stress_report *r)
{
    unsigned over = o->threads > 1 ? o->threads - 1 : 1;
    unsigned round = 0;
    for (unsigned config = 0; config < 4; config++) {
        unsigned thieves = config < 3 ? config + 1 : over;
        double end = harness_now() + o->seconds / 4;
        do {
            if (!run_once(o, r, thieves, end - harness_now(), round++))
                return false;
        } while (end - harness_now() > 0.05);
    }
    return true;
}

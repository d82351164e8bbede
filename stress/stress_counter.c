/* Counter stress: every flavour hammered by all threads; totals must be exact. */
#include "stress.h"

#include <stdlib.h>

typedef struct counter_run {
    stress_report *r;
    lf_counter plain;
    lf_counter cas;
    lf_padded_counter padded;
    lf_sharded_counter sharded;
    lf_sharded_counter owned; /* one slot per thread: add_owned and the slot handle's add_owned */
    uint64_t *done; /* per thread: increments it made to each counter */
} counter_run;

static void counter_worker(void *arg, unsigned index)
{
    counter_run *c = (counter_run *)arg;
    uint64_t last_plain = 0, last_cas = 0, n = 0;
    bool first = true;
    lf_padded_counter *mine = lf_sharded_counter_shard(&c->owned, index);
    while (stress_running(c->r)) {
        uint64_t a = lf_counter_fetch_add(&c->plain, 1);
        uint64_t b = lf_counter_cas_add(&c->cas, 1);
        lf_padded_counter_fetch_add(&c->padded, 1);
        lf_sharded_counter_add(&c->sharded, index, 1);
        lf_sharded_counter_add_owned(&c->owned, index, 1);
        lf_padded_counter_add_owned(mine, 1);
        uint64_t expected = lf_counter_load(&c->cas);
        lf_counter_cas(&c->cas, &expected, expected); /* a no-op CAS must leave the count alone */
        /* fetch-add hands each thread strictly increasing previous values */
        if (!first && (a <= last_plain || b <= last_cas)) {
            stress_fail(c->r, "thread %u saw previous values go backwards", index);
            return;
        }
        first = false;
        last_plain = a;
        last_cas = b;
        if ((++n & 255) == 0)
            stress_count(c->r, 256);
    }
    c->done[index] = n;
}

bool stress_counter_exact(const stress_opts *o, stress_report *r)
{
    counter_run *c = (counter_run *)harness_alloc(LF_CACHELINE, sizeof *c);
    c->r = r;
    lf_counter_init(&c->plain, 0);
    lf_counter_init(&c->cas, 0);
    lf_padded_counter_init(&c->padded, 0);
    if (lf_sharded_counter_init(&c->sharded, o->threads / 2 + 1) != LF_OK ||
        lf_sharded_counter_init(&c->owned, o->threads) != LF_OK)
        return stress_fail(r, "lf_sharded_counter_init failed");
    c->done = (uint64_t *)calloc(o->threads, sizeof *c->done);
    stress_run(r, o->threads, counter_worker, c, o->seconds);

    uint64_t total = 0;
    for (unsigned i = 0; i < o->threads; i++)
        total += c->done[i];
    if (!r->failed) {
        if (lf_counter_load(&c->plain) != total)
            stress_fail(r, "fetch_add counter %llu, expected %llu",
                        (unsigned long long)lf_counter_load(&c->plain), (unsigned long long)total);
        else if (lf_counter_load(&c->cas) != total)
            stress_fail(r, "cas_add counter %llu, expected %llu",
                        (unsigned long long)lf_counter_load(&c->cas), (unsigned long long)total);
        else if (lf_padded_counter_load(&c->padded) != total)
            stress_fail(r, "padded counter %llu, expected %llu",
                        (unsigned long long)lf_padded_counter_load(&c->padded), (unsigned long long)total);
        else if (lf_sharded_counter_sum(&c->sharded) != total)
            stress_fail(r, "sharded counter %llu, expected %llu",
                        (unsigned long long)lf_sharded_counter_sum(&c->sharded), (unsigned long long)total);
        else if (lf_sharded_counter_sum(&c->owned) != 2 * total)
            stress_fail(r, "owned-slot sharded counter %llu, expected %llu (two owned adds per step)",
                        (unsigned long long)lf_sharded_counter_sum(&c->owned), (unsigned long long)(2 * total));
        else
            stress_note(r, "5 counters exact at %llu", (unsigned long long)total);
    }
    lf_sharded_counter_destroy(&c->sharded);
    lf_sharded_counter_destroy(&c->owned);
    free(c->done);
    free(c);
    return !r->failed;
}

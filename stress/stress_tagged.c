/*
 * Tagged-pointer stress: threads swing one lf_atomic_tagged between a few
 * targets with lf_tagged_cas.  Every success adds exactly one to the tag,
 * so the final tag must equal the number of successful CASes, and a failed
 * CAS must hand back a value that really was stored (one of the targets).
 */
#include "stress.h"

#include <stdlib.h>

enum { TARGETS = 4 };

typedef struct tagged_run {
    stress_report *r;
    lf_atomic_tagged word;
    int targets[TARGETS];
    uint64_t *successes; /* per thread */
} tagged_run;

static bool is_target(const tagged_run *t, const void *p)
{
    for (int i = 0; i < TARGETS; i++)
        if (p == &t->targets[i])
            return true;
    return false;
}

static void tagged_worker(void *arg, unsigned index)
{
    tagged_run *t = (tagged_run *)arg;
    uint64_t wins = 0, n = 0;
    lf_tagged seen = lf_tagged_load(&t->word);
    while (stress_running(t->r)) {
        void *next = &t->targets[(n + index) % TARGETS];
        if (lf_tagged_cas(&t->word, &seen, next)) {
            wins++;
            seen.ptr = next;
            seen.tag++;
        } else if (!is_target(t, seen.ptr)) {
            stress_fail(t->r, "failed CAS returned pointer %p, never stored", seen.ptr);
            return;
        }
        if ((++n & 255) == 0)
            stress_count(t->r, 256);
    }
    t->successes[index] = wins;
}

bool stress_tagged_cas(const stress_opts *o, stress_report *r)
{
    tagged_run *t = (tagged_run *)stress_aligned_calloc(1, sizeof *t);
    t->r = r;
    lf_tagged_init(&t->word, &t->targets[0]);
    t->successes = (uint64_t *)calloc(o->threads, sizeof *t->successes);
    stress_run(r, o->threads, tagged_worker, t, o->seconds);

    uint64_t wins = 0;
    for (unsigned i = 0; i < o->threads; i++)
        wins += t->successes[i];
    lf_tagged end = lf_tagged_load(&t->word);
#if LF_HAS_DWCAS
    uint64_t expected = wins;
#else
    uint64_t expected = wins & LF_TAGGED_TAG_MASK; /* the packed tag counts modulo its width */
#endif
    if (!r->failed && end.tag != expected)
        stress_fail(r, "final tag %llu, but %llu successful CASes", (unsigned long long)end.tag,
                    (unsigned long long)wins);
    else if (!r->failed)
        stress_note(r, "tag == %llu successful CASes", (unsigned long long)wins);
    free(t->successes);
    free(t);
    return !r->failed;
}

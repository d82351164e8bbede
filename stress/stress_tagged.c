/*
 * Tagged-pointer stress.
 *
 * tagged_cas: threads walk one lf_atomic_tagged through TARGETS targets,
 * each CAS installing the target that belongs to the next tag, so every
 * pair that ever stands together is {&targets[tag % TARGETS], tag}.  A
 * failed CAS must hand back such a pair (one that really stood; a torn one,
 * pointer and tag from two different updates, breaks the rule), and the
 * final tag must equal the number of successful CASes (modulo the width).
 *
 * tagged_probe: the single-thread checks of tests/tagged_probe.h (tag
 * width, ABA probe, round trips of real and constructed pointers), here so
 * that every target of `make cross-stress` runs them.
 */
#include "stress.h"
#include "../tests/tagged_probe.h"

#include <stdlib.h>

enum { TARGETS = 4 }; /* divides 2^LF_TAGGED_TAG_BITS, so the rule survives a wrap */

typedef struct tagged_run {
    stress_report *r;
    lf_atomic_tagged word;
    int targets[TARGETS];
    uint64_t *successes; /* per thread */
} tagged_run;

static void *target_for(tagged_run *t, uintptr_t tag)
{
    return &t->targets[tag % TARGETS];
}

static void tagged_worker(void *arg, unsigned index)
{
    tagged_run *t = (tagged_run *)arg;
    uint64_t wins = 0, n = 0;
    lf_tagged seen = lf_tagged_load(&t->word); /* may be torn: only a CAS guess */
    while (stress_running(t->r)) {
        uintptr_t next_tag = (seen.tag + 1) & LF_TAGGED_TAG_MASK;
        void *next = target_for(t, next_tag);
        if (lf_tagged_cas(&t->word, &seen, next)) {
            wins++;
            seen.ptr = next;
            seen.tag = next_tag;
        } else if (seen.ptr != target_for(t, seen.tag)) {
            stress_fail(t->r, "failed CAS handed back {%p, %llu}, a pair that never stood (torn)", seen.ptr,
                        (unsigned long long)seen.tag);
            return;
        }
        if ((++n & 255) == 0)
            stress_count(t->r, 256);
    }
    t->successes[index] = wins;
}

bool stress_tagged_cas(const stress_opts *o, stress_report *r)
{
    tagged_run *t = (tagged_run *)harness_alloc(LF_CACHELINE, sizeof *t);
    t->r = r;
    lf_tagged_init(&t->word, target_for(t, 0));
    t->successes = (uint64_t *)calloc(o->threads, sizeof *t->successes);
    stress_run(r, o->threads, tagged_worker, t, o->seconds);

    uint64_t wins = 0;
    for (unsigned i = 0; i < o->threads; i++)
        wins += t->successes[i];
    lf_tagged end = lf_tagged_load(&t->word);
    uint64_t expected = wins & LF_TAGGED_TAG_MASK;
    if (!r->failed && (end.tag != expected || end.ptr != target_for(t, end.tag)))
        stress_fail(r, "final {%p, tag %llu}, but %llu successful CASes", end.ptr, (unsigned long long)end.tag,
                    (unsigned long long)wins);
    else if (!r->failed)
        stress_note(r, "tag == %llu successful CASes, %d-bit tag", (unsigned long long)wins,
                    (int)LF_TAGGED_TAG_BITS);
    free(t->successes);
    free(t);
    return !r->failed;
}

bool stress_tagged_probe(const stress_opts *o, stress_report *r)
{
    (void)o;
    unsigned fitting;
    const char *why = tagged_probe_all(&fitting);
    if (why != NULL)
        return stress_fail(r, "%s", why);
    stress_note(r, "%s%s: %d-bit tag; ABA probe k=1..20 as the width says; %u constructed pointers fit",
                TAGGED_EXPECT_TARGET, LF_TSAN && LF_HAS_DWCAS ? " (TSan: its 16-byte atomics)" : "",
                (int)LF_TAGGED_TAG_BITS, fitting);
    return true;
}

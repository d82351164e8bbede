/*
 * race.h - the scaffolding every ThreadSanitizer negative test shares.
 *
 * Each program in this folder is a user's program with a bug: a writer
 * thread stores to race_user_data, then calls lfkit; a reader thread,
 * told by a relaxed flag that the writer is done, calls lfkit and reads
 * race_user_data.  C11 orders nothing between the two accesses (each
 * program says why in its own comment), so the program has a data race
 * and ThreadSanitizer must say so.  `make tsan-races` runs each and
 * passes only if TSan reports exactly one race, on race_user_data.  A TSan
 * substitute in lfkit that gives TSan a happens-before edge the real
 * build lacks makes TSan silent here, and the check fails.
 *
 * The flag goes through a relay thread.  lfkit's operations contain seq_cst
 * fences, and in C11 a fence is also a release and an acquire fence: a
 * fence before the writer's flag store and one after the reader's flag
 * load would synchronise through the flag itself (C11 7.17.4p2), which
 * TSan does not model (the fences are invisible to it, platform.h).  The
 * relay reads one relaxed flag and writes another, with no fence between:
 * no release or acquire anywhere on the path, so the flag carries timing
 * and nothing else, whatever fences the lfkit calls contain.
 *
 * Spins yield instead of only relaxing: the machine may have fewer CPUs
 * than the three threads.  No sleeps: the flags alone order the steps.
 */
#ifndef LFKIT_TSAN_RACE_H
#define LFKIT_TSAN_RACE_H

#include <lfkit/platform.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

/* The user's plain variable the two threads race on.  The check looks for
 * this name in TSan's report ("Location is global 'race_user_data'"). */
int race_user_data;

/* A sink for the reader's value, so the read is not optimised away. */
volatile int race_sink;

/* The writer's flag and the relay's: relaxed only (see above). */
static _Atomic(int) race_posted;
static _Atomic(int) race_relayed;

/* The writer, after its lfkit calls: the reader may go. */
static inline void race_post(void)
{
    /* relaxed: timing only; no release (see the file comment) */
    atomic_store_explicit(&race_posted, 1, memory_order_relaxed);
}

/* The reader, before its lfkit calls: the writer has posted. */
static inline void race_wait(void)
{
    /* relaxed: timing only; no acquire (see the file comment) */
    while (atomic_load_explicit(&race_relayed, memory_order_relaxed) == 0)
        sched_yield();
}

/* The relay thread: forwards race_posted to race_relayed, nothing else. */
static inline void *race_relay_main(void *unused)
{
    (void)unused;
    /* relaxed, both: the relay neither acquires nor releases */
    while (atomic_load_explicit(&race_posted, memory_order_relaxed) == 0)
        sched_yield();
    atomic_store_explicit(&race_relayed, 1, memory_order_relaxed);
    return NULL;
}

/* The test itself is broken (an lfkit call did not do what the scenario
 * needs): exit 2, which the check reports as a failure, not as silence. */
static inline void race_require(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "scenario broken: %s\n", what);
        exit(2);
    }
}

/* Runs writer, relay and reader on three threads, all created after the
 * caller's set-up (so it happens before all three) and joined at the end. */
static inline void race_run(void *(*writer)(void *), void *(*reader)(void *), void *arg)
{
    pthread_t w, relay, r;
    race_require(pthread_create(&r, NULL, reader, arg) == 0, "pthread_create");
    race_require(pthread_create(&relay, NULL, race_relay_main, NULL) == 0, "pthread_create");
    race_require(pthread_create(&w, NULL, writer, arg) == 0, "pthread_create");
    pthread_join(w, NULL);
    pthread_join(relay, NULL);
    pthread_join(r, NULL);
}

#endif /* LFKIT_TSAN_RACE_H */

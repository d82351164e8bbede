/*
 * client.h - what every GenMC client includes first.
 *
 * GenMC 0.11 models malloc and free but not calloc or aligned_alloc, so
 * the library's allocation hooks (platform.h) go to malloc, and its
 * membarrier hook to a stand-in that fails; each client
 * includes the lfkit headers it needs after this one; the lfkit
 * types' over-alignment does not matter to the model checker.  Objects
 * whose addresses a structure packs into a word live on the heap (GenMC's
 * static and stack addresses have the top bits set).  See
 * ../../docs/verification.md for how the clients are run.
 */
#ifndef LFKIT_GENMC_CLIENT_H
#define LFKIT_GENMC_CLIENT_H

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#define LF_MALLOC(size) malloc(size)
#define LF_ALIGNED_ALLOC(align, size) ((void)(align), malloc(size))
#define LF_FREE(p) free(p)

/* GenMC has no system calls (and skips inline asm): membarrier fails with
 * ENOSYS, as on a kernel without it, so lf_hp_domain_init_asymmetric gives
 * an ordinary domain (platform.h, lf_membarrier). */
#define LF_MEMBARRIER(cmd) ((void)(cmd), -38L)

#include <lfkit/platform.h>

/* Starts fn(arg) on a new thread. */
static inline pthread_t client_spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    pthread_create(&t, NULL, fn, arg);
    return t;
}

#endif /* LFKIT_GENMC_CLIENT_H */

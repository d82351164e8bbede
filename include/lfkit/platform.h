/*
 * lfkit/platform.h - the one place where compiler, CPU and sanitizer
 * details live: cache-line size, CPU relax hint, bounded backoff, status
 * codes, stress points, the membarrier system call, and the LF_TSAN /
 * LF_HAS_DWCAS switches.
 *
 * Every other lfkit header includes this one first.  Nothing here has
 * state: all state lives in objects the caller owns.
 *
 * Alignment: lf_backoff has natural alignment; LF_CACHE_ALIGNED is what
 * the other headers use to over-align their shared fields.
 */
#ifndef LFKIT_PLATFORM_H
#define LFKIT_PLATFORM_H

#include "version.h"
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status codes returned by every function that can fail. */
typedef enum lf_status {
    LF_OK = 0,
    LF_EMPTY,
    LF_FULL,
    LF_RETRY,
    LF_ENOMEM,
    LF_EINVAL
} lf_status;

/*
 * LF_CACHELINE: the destructive-interference size used for padding.
 * 128 on x86-64 (the adjacent-line prefetcher pulls lines in pairs) and on
 * AArch64 (several cores have 128-byte lines); 64 elsewhere.
 */
#ifndef LF_CACHELINE
#if defined(__x86_64__) || defined(__aarch64__)
#define LF_CACHELINE 128
#else
#define LF_CACHELINE 64
#endif
#endif

/* LF_ALIGNED(n): alignment specifier valid in C11..C2x and in C++. */
#ifdef __cplusplus
#define LF_ALIGNED(n) alignas(n)
#else
#define LF_ALIGNED(n) _Alignas(n)
#endif
#define LF_CACHE_ALIGNED LF_ALIGNED(LF_CACHELINE)

/* LF_STATIC_ASSERT(cond, msg), LF_ALIGNOF(type): valid in C11..C2x and in C++. */
#ifdef __cplusplus
#define LF_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define LF_ALIGNOF(type) alignof(type)
#else
#define LF_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define LF_ALIGNOF(type) _Alignof(type)
#endif

/* LF_TSAN: 1 when compiled under ThreadSanitizer (gcc or clang). */
#if defined(__SANITIZE_THREAD__)
#define LF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LF_TSAN 1
#endif
#endif
#ifndef LF_TSAN
#define LF_TSAN 0
#endif

/*
 * LF_HAS_DWCAS: 1 where lf_atomic_tagged is two machine words changed by a
 * lock-free double-width CAS: x86-64 (cmpxchg16b), AArch64 (CASP, or
 * LDXP/STXP), s390x (CDSG).  Only with 64-bit pointers: x32 and AArch64
 * ILP32 pack instead.  0 elsewhere (POWER included: see tagged.h) and
 * with -DLF_NO_DWCAS: pointer and tag packed in one 64-bit word (tagged.h
 * lists each target's representation and tag width).
 */
#if !defined(LF_NO_DWCAS) && (defined(__GNUC__) || defined(__clang__)) && defined(__LP64__) && \
    (defined(__x86_64__) || defined(__aarch64__) || defined(__s390x__))
#define LF_HAS_DWCAS 1
#else
#define LF_HAS_DWCAS 0
#endif

/*
 * LF_STRESS_POINT(): placed between reading shared state and the CAS or
 * store that depends on it.  Expands to nothing unless LF_STRESS_HOOK is
 * defined, to the name of a function (or function-like macro) taking no
 * arguments, declared before the first lfkit header is included.  Stress
 * builds make it a random short spin or yield to widen race windows.
 */
#ifdef LF_STRESS_HOOK
#define LF_STRESS_POINT() LF_STRESS_HOOK()
#else
#define LF_STRESS_POINT() ((void)0)
#endif

/*
 * Allocation: every allocation the library makes goes through these, so a
 * test can make one fail (define them before the first lfkit header; all
 * three together).  LF_ALIGNED_ALLOC's size must be a multiple of align.
 */
#ifndef LF_MALLOC
#include <stdlib.h>
#define LF_MALLOC(size) malloc(size)
#define LF_ALIGNED_ALLOC(align, size) aligned_alloc((align), (size))
#define LF_FREE(p) free(p)
#endif

/* lf_container_of: the enclosing object of an embedded member. */
#define lf_container_of(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* lf_cpu_relax: spin-wait hint.  Any thread. */
static inline void lf_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__) || (defined(__arm__) && __ARM_ARCH >= 7)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/*
 * lf_fence_seq_cst: atomic_thread_fence(memory_order_seq_cst), the one
 * spelling every lfkit header uses for a standalone full fence.  Any thread.
 *
 * Under LF_TSAN it is the same hardware fence written in inline asm
 * (mfence, dmb ish), which ThreadSanitizer cannot see.  TSan does not model
 * standalone fences at all (and gcc rejects them under -Werror=tsan); the
 * substitutes lfkit used before (seq_cst RMWs on a shared word, stronger
 * loads) gave TSan happens-before edges that C11 does not give, so TSan
 * went silent about races in the user's code around lfkit calls.  An
 * invisible fence gives TSan no edge at all: it still orders the
 * hardware, and every header that uses it argues in place that the fence
 * only orders a store before a later load (the store-buffering pattern),
 * which creates no happens-before in C11 either, so TSan loses nothing it
 * should see.
 */
static inline void lf_fence_seq_cst(void)
{
#if LF_TSAN && (defined(__x86_64__) || defined(__i386__))
    __asm__ __volatile__("mfence" ::: "memory");
#elif LF_TSAN && defined(__aarch64__)
    __asm__ __volatile__("dmb ish" ::: "memory");
#else
    atomic_thread_fence(memory_order_seq_cst);
#endif
}

/*
 * lf_membarrier: the Linux system call membarrier(cmd, 0, 0), the
 * process-wide barrier of asymmetric hazard-pointer domains (hp.h).  Any
 * thread.  Returns the kernel's result: >= 0 on success, a negative errno
 * value on failure, and -38 (-ENOSYS) where lfkit does not make the call.
 * Commands (the values of Linux's <linux/membarrier.h>, not included):
 */
#define LF_MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define LF_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
/*
 * How the call is reached.  Not through libc: glibc (2.36 included) has no
 * membarrier() wrapper, and its syscall() is declared by <unistd.h> only
 * under _DEFAULT_SOURCE or _GNU_SOURCE, which strict -std=c11 does not
 * define and which a header cannot define for its user (a feature-test
 * macro must precede the translation unit's first system header).
 * Declaring syscall() here instead would clash where <unistd.h> does
 * declare it: glibc's C++ declaration is noexcept, and a redeclaration
 * with another exception specification is ill-formed C++.  So the
 * instruction itself, which needs no declaration, no libc and no errno:
 * on x86-64 (and x32, whose numbers carry bit 30, __X32_SYSCALL_BIT) the
 * kernel's system-call ABI takes the number in rax and the arguments in
 * rdi, rsi, rdx, returns in rax, and clobbers rcx and r11 (the kernel's
 * entry_64.S); "memory" also makes the call a compiler barrier.  324 is
 * membarrier's number in arch/x86/entry/syscalls/syscall_64.tbl (since
 * Linux 4.3; the private expedited commands since 4.14).
 *
 * Only there: the asymmetric protocol pays off only where a release store
 * followed by a seq_cst load (what an asymmetric protect runs, hp.h) is
 * cheaper than a seq_cst store followed by one.  On x86-64 it is a MOV in
 * place of an XCHG.  On AArch64 both are STLR then LDAR (an LDAR waits for
 * an earlier STLR), and on POWER, RISC-V and Armv7 the seq_cst load itself
 * carries a full fence: nothing to gain for the price of a system call per
 * scan, so there this returns -38 and domains stay symmetric.  It also
 * returns -38 under ThreadSanitizer (hp.h says why).
 *
 * LF_MEMBARRIER: define it before the first lfkit header, to a function or
 * function-like macro taking the command (int) and returning long as
 * above, and lfkit calls it instead (the GenMC clients use a stand-in that
 * fails, since GenMC has no system calls; tests use one to take the
 * fallback path).
 */
static inline long lf_membarrier(int cmd)
{
#if defined(LF_MEMBARRIER)
    return LF_MEMBARRIER(cmd);
#elif !LF_TSAN && defined(__linux__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__ILP32__)
    long nr = 324 | 0x40000000L; /* x32 */
#else
    long nr = 324;
#endif
    long ret;
    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "0"(nr), "D"((long)cmd), "S"(0L), "d"(0L)
                         : "rcx", "r11", "memory");
    return ret;
#else
    (void)cmd;
    return -38;
#endif
}

/*
 * lf_backoff: randomised, bounded exponential backoff for CAS retry loops.
 * One per thread per operation (a local variable); no shared state.
 *
 * Use: after each failed CAS call lf_backoff_spin, then reload the value
 * the next CAS expects (the wait made the old one stale), then retry.
 *
 *  - The first call returns at once.  The CAS that just failed has
 *    refreshed the caller's expected value (and on x86, where a failed
 *    LOCK CMPXCHG still takes the line exclusive, holds the line), so an
 *    immediate retry is the attempt most likely to win.
 *  - Each later call waits a random number of relax hints in [1, limit]
 *    and then doubles limit, from 1 up to LF_BACKOFF_MAX.  Random, so two
 *    threads that collided do not come back in lockstep.  The generator is
 *    a 32-bit xorshift (Marsaglia, "Xorshift RNGs", J. Stat. Softw. 2003)
 *    seeded on first use from the lf_backoff's own address, which differs
 *    between concurrent threads (each has its own stack).
 *
 * Why the reload and the low cap (docs/foundation.md has the measurements):
 * a thread that retries after a wait with the value its failed CAS fetched
 * before the wait fails whenever another thread succeeded meanwhile, so
 * against a thread that keeps succeeding it fails every time: on 2 CPUs a
 * Treiber pop took thousands of attempts and up to 270 ms.  A cap of 128
 * relax hints (about 1.4 us on the machine of docs/BENCHMARKS.md) keeps
 * the loser's attempts frequent enough that it gets its turn.
 */
#ifndef LF_BACKOFF_MAX /* the cap, in relax hints; at least 1 */
#define LF_BACKOFF_MAX 128u
#endif

typedef struct lf_backoff {
    uint32_t limit; /* the next wait is at most this many relax hints; 0: retry at once */
    uint32_t rng;   /* xorshift32 state; 0 until the first wait seeds it */
} lf_backoff;

/* Any thread, on its own lf_backoff: the next call returns at once. */
static inline void lf_backoff_init(lf_backoff *b)
{
    b->limit = 0;
    b->rng = 0;
}

/* Any thread, on its own lf_backoff: wait as described above; reload before retrying. */
static inline void lf_backoff_spin(lf_backoff *b)
{
    if (b->limit == 0) {
        b->limit = 1;
        return;
    }
    uint32_t x = b->rng;
    if (x == 0) /* Fibonacci hashing of the address: its high bits differ between threads */
        x = (uint32_t)(((uint64_t)(uintptr_t)b * UINT64_C(0x9E3779B97F4A7C15)) >> 32) | 1u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b->rng = x;
    for (uint32_t i = 1 + x % b->limit; i > 0; i--)
        lf_cpu_relax();
    b->limit = b->limit * 2 <= LF_BACKOFF_MAX ? b->limit * 2 : LF_BACKOFF_MAX;
}

#endif /* LFKIT_PLATFORM_H */

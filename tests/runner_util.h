/*
 * runner_util.h - small helpers shared by the stress runner (stress/main.c)
 * and the benchmark runner (bench/main.c).
 */
#ifndef LFKIT_RUNNER_UTIL_H
#define LFKIT_RUNNER_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Monotonic clock, in seconds. */
static inline double runner_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Is name one of the comma-separated names in list?  A NULL or empty list holds every name. */
static inline bool runner_listed(const char *list, const char *name)
{
    if (list == NULL || *list == 0)
        return true;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return true;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return false;
}

/* size bytes of zeroed memory aligned to align (a power of two); exits on ENOMEM (runner code). */
static inline void *runner_aligned_zalloc(size_t align, size_t size)
{
    size_t bytes = (size + align - 1) / align * align;
    void *p = aligned_alloc(align, bytes ? bytes : align);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset(p, 0, bytes);
    return p;
}

#endif /* LFKIT_RUNNER_UTIL_H */

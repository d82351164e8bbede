/*
 * runner_util.h - small helpers shared by the stress runner (stress/main.c)
 * and the benchmark runner (bench/main.c).
 */
#ifndef LFKIT_RUNNER_UTIL_H
#define LFKIT_RUNNER_UTIL_H

#include <stdbool.h>
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

#endif /* LFKIT_RUNNER_UTIL_H */

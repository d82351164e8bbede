/*
 * tests/consumer/consumer.c - a program outside the project that uses the
 * installed (or embedded) lfkit the way a user's build would: `make
 * consumers` builds it through pkg-config, CMake find_package,
 * add_subdirectory and FetchContent.  It checks that the headers it got
 * carry the version the package claimed (LFKIT_EXPECTED_VERSION, a string
 * the build passes in), and that threads link: two threads count into one
 * lf_counter.
 */
#include <lfkit.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef LFKIT_EXPECTED_VERSION
#error "build with -DLFKIT_EXPECTED_VERSION=\"MAJOR.MINOR.PATCH\""
#endif

enum { ADDS_PER_THREAD = 100000 };

static void *count(void *arg)
{
    lf_counter *c = (lf_counter *)arg;
    for (int i = 0; i < ADDS_PER_THREAD; i++)
        lf_counter_fetch_add(c, 1);
    return NULL;
}

int main(void)
{
    if (strcmp(LF_VERSION, LFKIT_EXPECTED_VERSION) != 0 || strcmp(lf_version(), LF_VERSION) != 0) {
        fprintf(stderr, "consumer: headers say %s, the package said %s\n", LF_VERSION, LFKIT_EXPECTED_VERSION);
        return 1;
    }
    lf_counter c = LF_COUNTER_INIT(0);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, count, &c) != 0)
            return 1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (lf_counter_load(&c) != 2 * ADDS_PER_THREAD) {
        fprintf(stderr, "consumer: counted %llu\n", (unsigned long long)lf_counter_load(&c));
        return 1;
    }
    printf("consumer: lfkit %s\n", LF_VERSION);
    return 0;
}

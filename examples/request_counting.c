/*
 * examples/request_counting.c - count requests served by many threads
 * with lf_sharded_counter, and errors with a plain lf_counter.
 *
 * Idioms: each thread adds into its own shard (shard = thread index), so
 * adds never contend; a reader may call lf_sharded_counter_sum at any
 * time (here a monitor thread, which sees a growing, approximate total)
 * and gets the exact total once the writers have stopped and been joined.
 * A rare event shared by all is fine on one lf_counter.
 */
#include <lfkit/counter.h>

#include <pthread.h>
#include <stdio.h>

enum { THREADS = 4, REQUESTS_PER_THREAD = 250000 };

typedef struct server {
    lf_sharded_counter *served;
    lf_counter *errors;
    unsigned index;
} server;

static lf_counter servers_done = LF_COUNTER_INIT(0);

static void *serve(void *arg)
{
    server *s = (server *)arg;
    for (unsigned i = 0; i < REQUESTS_PER_THREAD; i++) {
        if ((i + s->index) % 1000 == 0)
            lf_counter_fetch_add(s->errors, 1); /* any thread */
        lf_sharded_counter_add(s->served, s->index, 1); /* any thread; its own shard: no contention */
    }
    lf_counter_fetch_add(&servers_done, 1);
    return NULL;
}

/* A monitor reading while the servers run: each sum is between 0 and the final total. */
static void *monitor(void *arg)
{
    lf_sharded_counter *served = (lf_sharded_counter *)arg;
    uint64_t last = 0;
    unsigned readings = 0, backwards = 0;
    while (lf_counter_load(&servers_done) < THREADS) {
        uint64_t now = lf_sharded_counter_sum(served);
        backwards += now < last; /* each shard only grows, so neither does the sum */
        last = now;
        readings++;
    }
    printf("request_counting: monitor took %u readings\n", readings);
    return (void *)(uintptr_t)backwards;
}

int main(void)
{
    lf_sharded_counter served;
    if (lf_sharded_counter_init(&served, THREADS) != LF_OK) /* one shard per writer */
        return 1;
    lf_counter errors = LF_COUNTER_INIT(0);

    pthread_t t[THREADS], m;
    server s[THREADS];
    if (pthread_create(&m, NULL, monitor, &served) != 0)
        return 1;
    for (unsigned i = 0; i < THREADS; i++) {
        s[i] = (server){&served, &errors, i};
        if (pthread_create(&t[i], NULL, serve, &s[i]) != 0)
            return 1;
    }
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    void *backwards;
    pthread_join(m, &backwards);

    uint64_t total = lf_sharded_counter_sum(&served); /* exact: the writers are joined */
    printf("request_counting: %llu requests, %llu errors\n", (unsigned long long)total,
           (unsigned long long)lf_counter_load(&errors));
    lf_sharded_counter_destroy(&served);
    return total == (uint64_t)THREADS * REQUESTS_PER_THREAD && lf_counter_load(&errors) == THREADS * 250 &&
                   backwards == NULL
               ? 0
               : 1;
}

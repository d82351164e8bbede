/* lf_counter_cas_add from two threads: no update lost, and the previous
   values the two calls return are 0 and 1 in some order. */
#include "client.h"
#include <lfkit/counter.h>

static lf_counter c;
static uint64_t seen[2];

static void *adder(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    seen[i] = lf_counter_cas_add(&c, 1);
    return NULL;
}

int main(void)
{
    lf_counter_init(&c, 0);
    pthread_t a = client_spawn(adder, (void *)0), b = client_spawn(adder, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(lf_counter_load(&c) == 2);
    assert(seen[0] + seen[1] == 1);
    return 0;
}

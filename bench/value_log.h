/*
 * value_log.h - how the queue families (queue, prodcons, queue_latency)
 * account for the values they pass: each value encodes its producer and
 * that producer's sequence number; every thread logs what it dequeues;
 * after a trial a drain logs what is left, and bench_value_check finds
 * values lost, duplicated or never enqueued, and counts values out of
 * their producer's order.  Bench code: one log per thread, no sharing.
 */
#ifndef LFKIT_BENCH_VALUE_LOG_H
#define LFKIT_BENCH_VALUE_LOG_H

#include <lfkit/platform.h>

enum { BENCH_SEQ_BITS = 40, BENCH_MAX_PRODUCERS = 64 };

typedef struct bench_value_log {
    LF_CACHE_ALIGNED uint64_t produced;   /* values this thread enqueued: seq 0 .. produced-1 */
    uint64_t delivered;                   /* values this thread dequeued */
    uint64_t empties;                     /* LF_EMPTY where the family knows the queue is not empty */
    uint64_t disorder;                    /* a producer's seq not above the last one seen from it */
    uint64_t foreign;                     /* a value no producer enqueued */
    uint64_t last[BENCH_MAX_PRODUCERS];   /* per producer: 1 + last seq seen (0: none yet) */
    uint64_t count[BENCH_MAX_PRODUCERS];  /* per producer: values seen */
    uint64_t sum[BENCH_MAX_PRODUCERS];    /* per producer: sum of seqs seen */
} bench_value_log;

/* The value of producer's seq-th enqueue. */
static inline void *bench_value(unsigned producer, uint64_t seq)
{
    return (void *)(uintptr_t)((uint64_t)producer << BENCH_SEQ_BITS | seq);
}

/* Log one dequeued value; producers are 0 .. nproducers-1. */
static inline void bench_value_log_add(bench_value_log *l, unsigned nproducers, void *v)
{
    uint64_t x = (uint64_t)(uintptr_t)v;
    uint64_t p = x >> BENCH_SEQ_BITS, seq = x & ((UINT64_C(1) << BENCH_SEQ_BITS) - 1);
    if (p >= nproducers) {
        l->foreign++;
        return;
    }
    if (seq < l->last[p])
        l->disorder++;
    else
        l->last[p] = seq + 1;
    l->count[p]++;
    l->sum[p] += seq;
    l->delivered++;
}

/*
 * logs[0 .. nthreads) are the threads' (producer p's is logs[p]), logs[nthreads]
 * the drain's.  NULL when every value was delivered exactly once, else why not;
 * *disorder and *empties get the totals (a value the drain found that is older
 * than one already delivered counts as disorder), *delivered the dequeues.
 */
static inline const char *bench_value_check(const bench_value_log *logs, unsigned nthreads,
                                            unsigned nproducers, uint64_t *disorder,
                                            uint64_t *empties, uint64_t *delivered)
{
    const bench_value_log *drain = &logs[nthreads];
    *disorder = *empties = *delivered = 0;
    for (unsigned t = 0; t <= nthreads; t++) {
        if (logs[t].foreign)
            return "dequeued a value no producer enqueued";
        *disorder += logs[t].disorder;
        *empties += logs[t].empties;
        *delivered += logs[t].delivered;
    }
    for (unsigned p = 0; p < nproducers; p++) {
        uint64_t count = 0, sum = 0, last_consumed = 0;
        for (unsigned t = 0; t <= nthreads; t++) {
            count += logs[t].count[p];
            sum += logs[t].sum[p];
            if (t < nthreads && logs[t].last[p] > last_consumed)
                last_consumed = logs[t].last[p];
        }
        uint64_t made = logs[p].produced;
        if (count != made || sum != (made ? made * (made - 1) / 2 : 0))
            return "values lost or duplicated (count or sum of seqs differs from what was enqueued)";
        if (drain->count[p] > 0 && drain->last[p] - drain->count[p] < last_consumed)
            (*disorder)++; /* something left behind was older than a value already delivered */
    }
    return NULL;
}

#endif /* LFKIT_BENCH_VALUE_LOG_H */

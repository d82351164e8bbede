/*
 * lf_segqueue (segqueue.h) under stress.
 *
 * segqueue_*: P producers enqueue (producer, seq) values, seq = 0, 1, 2, ...
 * (producer 0's first value is NULL) through small segments, so segments
 * close, link and retire all the time; C consumers dequeue until every
 * producer has finished and the queue is empty.  Checks: every producer's
 * values reach each consumer strictly increasing (FIFO per producer); a bit
 * per value: each arrives exactly once, none is lost; at the end
 * lf_segqueue_is_empty and a last dequeue agree the queue is empty.  Every
 * thread releases and reacquires its hazard record now and then (record
 * churn: retired segments change hands).  Producers wait while more than a
 * small backlog is queued, so the queue keeps emptying and the empty and
 * segment-crossing paths race with enqueues.
 *
 * Memory: this file's allocation hooks count live segment allocations
 * (an allocation of sizeof(lf_segqueue_segment); the rings' blocks for
 * the capacities used here have other sizes), and every thread checks,
 * after each operation, the bound segqueue.h states:
 *     live <= V / max(1, n - p + 1) + 2 + threads + records x (max(2H, 64) + H)
 * with V over-approximated by enqueues begun minus dequeues returned.
 * segqueue_memory pushes 10^6 values through segments of 1 and 2 values
 * (10^5 per second of --seconds when that is fewer: the short runs of
 * `make test`), oversubscribed, and reports the peak against the bound.
 *
 * segqueue_pairs: every thread enqueues, then dequeues, so its own value
 * is queued when it dequeues: LF_EMPTY there is a spurious empty.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

static void *segq_aligned_alloc(size_t align, size_t size);
static void *segq_malloc(size_t size);
static void segq_free(void *p);
#define LF_MALLOC(size) segq_malloc(size)
#define LF_ALIGNED_ALLOC(align, size) segq_aligned_alloc((align), (size))
#define LF_FREE(p) segq_free(p)

#include "stress.h"

#include <stdarg.h>

#include <lfkit/segqueue.h>

/* ---- counting allocator: a header {size, offset} just below each block ---- */

static _Atomic(long) segq_live_segments;

static void *segq_track(char *base, size_t offset, size_t size)
{
    if (base == NULL)
        return NULL;
    size_t *hdr = (size_t *)(void *)(base + offset) - 2;
    hdr[0] = size;
    hdr[1] = offset;
    if (size == sizeof(lf_segqueue_segment))
        atomic_fetch_add(&segq_live_segments, 1);
    return base + offset;
}

static void *segq_aligned_alloc(size_t align, size_t size)
{
    return segq_track((char *)aligned_alloc(align, size + align), align, size);
}

static void *segq_malloc(size_t size)
{
    return segq_track((char *)malloc(size + 2 * sizeof(max_align_t)), 2 * sizeof(max_align_t),
                      size);
}

static void segq_free(void *p)
{
    if (p == NULL)
        return;
    size_t *hdr = (size_t *)p - 2;
    if (hdr[0] == sizeof(lf_segqueue_segment))
        atomic_fetch_sub(&segq_live_segments, 1);
    free((char *)p - hdr[1]);
}

/* ---- the runs ---------------------------------------------------------- */

enum { SEGQ_MAX_PER_PRODUCER = 1u << 24, SEGQ_REC_CHURN = 1024, SEGQ_BACKLOG = 64,
       SEGQ_MEMORY_VALUES = 1000000, SEGQ_MEMORY_VALUES_PER_SECOND = 100000 };

#if UINTPTR_MAX > 0xFFFFFFFFu
#define SEGQ_SEQ_SHIFT 32
#else
#define SEGQ_SEQ_SHIFT 25
#endif

typedef struct segq_run {
    lf_hp_domain d;
    lf_segqueue q;
    stress_report *r;
    size_t capacity;                    /* rounded */
    unsigned producers, threads;
    bool pairs;                         /* every thread enqueues, then dequeues */
    uint64_t quota;                     /* values per producer; 0: until the time is up */
    _Atomic(unsigned) producers_done;
    _Atomic(bool) abort;
    _Atomic(uint64_t) begun;            /* enqueue calls begun */
    _Atomic(uint64_t) dequeued;         /* dequeues returned LF_OK */
    _Atomic(long) peak;                 /* most live segments seen */
    _Atomic(long) peak_bound;           /* the bound at that moment */
    uint64_t *produced;                 /* per producer: values enqueued */
    _Atomic(uint64_t) **seen;           /* per producer: a bit per seq */
} segq_run;

static void *segq_value(unsigned producer, uint64_t seq)
{
    return (void *)(uintptr_t)((uint64_t)producer << SEGQ_SEQ_SHIFT | seq);
}

/* stress_fail, and stop every thread of the run. */
static bool segq_fail(segq_run *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool segq_fail(segq_run *s, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    atomic_store(&s->abort, true);
    return stress_fail(s->r, "%s", why);
}

/* The live-segment bound of segqueue.h, checked now.  seq_cst loads (test
 * code) in this order: dequeued before live before begun, so begun -
 * dequeued covers the values queued when live was read. */
static bool segq_check_bound(segq_run *s)
{
    uint64_t out = atomic_load(&s->dequeued);
    long live = atomic_load(&segq_live_segments);
    uint64_t in = atomic_load(&s->begun);
    size_t n = s->capacity, p = s->pairs ? s->threads : s->producers;
    size_t per_segment = n > p - 1 ? n - (p - 1) : 1;
    size_t h = lf_hp_domain_hazards(&s->d);
    size_t records = h / s->d.slots;
    long bound = (long)((in - out) / per_segment + 2 + s->threads +
                        records * (lf_hp_scan_threshold(h) + h));
    long peak = atomic_load(&s->peak);
    while (live > peak) {
        if (atomic_compare_exchange_weak(&s->peak, &peak, live)) {
            atomic_store(&s->peak_bound, bound); /* for the note: roughly the bound then */
            break;
        }
    }
    if (live > bound)
        return segq_fail(s, "%ld live segments, bound %ld", live, bound);
    return true;
}

static bool segq_enqueue(segq_run *s, lf_hp_rec *rec, unsigned p, uint64_t seq)
{
    atomic_fetch_add(&s->begun, 1);
    lf_status st = lf_segqueue_enqueue(&s->q, rec, segq_value(p, seq));
    if (st != LF_OK)
        return segq_fail(s, "enqueue returned %d (seq %llu)", (int)st, (unsigned long long)seq);
    return segq_check_bound(s);
}

/* One dequeue: LF_OK checked (FIFO per producer, once), or LF_EMPTY (false, no failure). */
static bool segq_dequeue(segq_run *s, lf_hp_rec *rec, int64_t *last, bool *empty)
{
    void *v;
    lf_status st = lf_segqueue_dequeue(&s->q, rec, &v);
    *empty = st == LF_EMPTY;
    if (st == LF_EMPTY)
        return true;
    if (st != LF_OK)
        return segq_fail(s, "dequeue returned %d", (int)st);
    atomic_fetch_add(&s->dequeued, 1);
    uint64_t x = (uint64_t)(uintptr_t)v;
    unsigned p = (unsigned)(x >> SEGQ_SEQ_SHIFT);
    int64_t seq = (int64_t)(x & ((UINT64_C(1) << SEGQ_SEQ_SHIFT) - 1));
    if (p >= s->producers || seq >= SEGQ_MAX_PER_PRODUCER)
        return segq_fail(s, "dequeued a value never enqueued (%#llx)", (unsigned long long)x);
    if (seq <= last[p])
        return segq_fail(s, "producer %u: seq %lld dequeued after %lld (FIFO broken)", p,
                         (long long)seq, (long long)last[p]);
    last[p] = seq;
    uint64_t bit = UINT64_C(1) << (seq % 64);
    /* relaxed RMW: RMWs on one word are totally ordered, so a duplicate sees its bit */
    if (atomic_fetch_or_explicit(&s->seen[p][seq / 64], bit, memory_order_relaxed) & bit)
        return segq_fail(s, "producer %u seq %lld dequeued twice", p, (long long)seq);
    return segq_check_bound(s);
}

static bool segq_more(segq_run *s, uint64_t seq)
{
    if (atomic_load_explicit(&s->abort, memory_order_relaxed) || seq >= SEGQ_MAX_PER_PRODUCER)
        return false;
    return s->quota != 0 ? seq < s->quota : stress_running(s->r);
}

/* Release and reacquire the record every SEGQ_REC_CHURN operations. */
static lf_hp_rec *segq_churn(segq_run *s, lf_hp_rec *rec, uint64_t ops)
{
    if (ops % SEGQ_REC_CHURN != 0)
        return rec;
    lf_hp_rec_release(rec);
    rec = lf_hp_rec_acquire(&s->d);
    if (rec == NULL)
        segq_fail(s, "lf_hp_rec_acquire failed");
    return rec;
}

static void segq_producer(segq_run *s, unsigned p)
{
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    uint64_t seq = 0;
    while (rec != NULL && segq_more(s, seq)) {
        if (!segq_enqueue(s, rec, p, seq))
            break;
        seq++;
        rec = segq_churn(s, rec, seq);
        if (seq % 64 == 0)
            stress_count(s->r, 64);
        while (atomic_load(&s->begun) - atomic_load(&s->dequeued) > SEGQ_BACKLOG &&
               !atomic_load_explicit(&s->abort, memory_order_relaxed))
            sched_yield();
    }
    s->produced[p] = seq;
    if (rec != NULL)
        lf_hp_rec_release(rec);
    /* release: publishes produced[p] to the main thread's check */
    atomic_fetch_add_explicit(&s->producers_done, 1, memory_order_release);
}

static void segq_consumer(segq_run *s)
{
    int64_t *last = (int64_t *)malloc(s->producers * sizeof *last);
    for (unsigned p = 0; p < s->producers; p++)
        last[p] = -1;
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    uint64_t n = 0;
    while (rec != NULL && !atomic_load_explicit(&s->abort, memory_order_relaxed)) {
        /* acquire: once all producers are done, an empty queue stays empty */
        bool finished = atomic_load_explicit(&s->producers_done, memory_order_acquire) ==
                        s->producers;
        bool empty;
        if (!segq_dequeue(s, rec, last, &empty))
            break;
        if (empty) {
            if (finished)
                break;
            continue;
        }
        rec = segq_churn(s, rec, ++n);
    }
    if (rec != NULL)
        lf_hp_rec_release(rec);
    free(last);
}

static void segq_pairs_worker(segq_run *s, unsigned p)
{
    int64_t *last = (int64_t *)malloc(s->producers * sizeof *last);
    for (unsigned i = 0; i < s->producers; i++)
        last[i] = -1;
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    uint64_t seq = 0;
    while (rec != NULL && segq_more(s, seq)) {
        if (!segq_enqueue(s, rec, p, seq))
            break;
        seq++;
        bool empty;
        if (!segq_dequeue(s, rec, last, &empty))
            break;
        if (empty) {
            segq_fail(s, "dequeue reported empty while the caller's own value was queued "
                         "(seq %llu)", (unsigned long long)seq);
            break;
        }
        rec = segq_churn(s, rec, seq);
        if (seq % 64 == 0)
            stress_count(s->r, 128);
    }
    s->produced[p] = seq;
    if (rec != NULL)
        lf_hp_rec_release(rec);
    free(last);
}

static void segq_worker(void *arg, unsigned index)
{
    segq_run *s = (segq_run *)arg;
    if (s->pairs)
        segq_pairs_worker(s, index);
    else if (index < s->producers)
        segq_producer(s, index);
    else
        segq_consumer(s);
}

/* Every value exactly once, the queue empty; adds the values to *total. */
static bool segq_verify(segq_run *s, uint64_t *total)
{
    stress_report *r = s->r;
    for (unsigned p = 0; p < s->producers && !r->failed; p++) {
        uint64_t n = s->produced[p];
        for (uint64_t w = 0; w <= n / 64 && w < SEGQ_MAX_PER_PRODUCER / 64; w++) {
            uint64_t want = n >= 64 * (w + 1) ? ~UINT64_C(0)
                          : n <= 64 * w      ? 0
                                             : (UINT64_C(1) << (n - 64 * w)) - 1;
            uint64_t got = atomic_load_explicit(&s->seen[p][w], memory_order_relaxed);
            if (got != want) {
                uint64_t bit = (uint64_t)__builtin_ctzll(got ^ want);
                return stress_fail(r, "producer %u seq %llu %s", p,
                                   (unsigned long long)(64 * w + bit),
                                   got >> bit & 1 ? "dequeued but never enqueued"
                                                  : "enqueued but lost");
            }
        }
        *total += n;
    }
    lf_hp_rec *rec = lf_hp_rec_acquire(&s->d);
    void *v;
    if (!r->failed && !lf_segqueue_is_empty(&s->q, rec))
        stress_fail(r, "lf_segqueue_is_empty false after every value was consumed");
    if (!r->failed && lf_segqueue_dequeue(&s->q, rec, &v) != LF_EMPTY)
        stress_fail(r, "a value left after every value was consumed");
    lf_hp_rec_release(rec);
    return !r->failed;
}

/* One run: producers + consumers threads (consumers 0: producers threads doing pairs). */
static bool segq_run_one(const stress_opts *o, stress_report *r, size_t capacity,
                         unsigned producers, unsigned consumers, uint64_t quota, double seconds,
                         uint64_t *total, long *peak, long *peak_bound)
{
    segq_run *s = (segq_run *)harness_alloc(LF_CACHELINE, sizeof *s);
    s->r = r;
    s->producers = producers;
    s->threads = producers + consumers;
    s->pairs = consumers == 0;
    s->quota = quota;
    s->produced = (uint64_t *)calloc(producers, sizeof *s->produced);
    s->seen = (_Atomic(uint64_t) **)calloc(producers, sizeof *s->seen);
    for (unsigned p = 0; p < producers; p++)
        s->seen[p] = (_Atomic(uint64_t) *)calloc(SEGQ_MAX_PER_PRODUCER / 64, sizeof **s->seen);
    bool ok = stress_hp_domain_init(o, &s->d, 2) == LF_OK &&
              lf_segqueue_init(&s->q, &s->d, capacity) == LF_OK;
    if (!ok) {
        stress_fail(r, "init failed");
    } else {
        s->capacity = s->q.segment_capacity;
        (void)o;
        stress_run(r, s->threads, segq_worker, s, seconds);
        ok = !r->failed && segq_verify(s, total);
        if (atomic_load(&s->peak) > *peak) {
            *peak = atomic_load(&s->peak);
            *peak_bound = atomic_load(&s->peak_bound);
        }
        lf_segqueue_destroy(&s->q);
        lf_hp_domain_destroy(&s->d);
        if (ok && atomic_load(&segq_live_segments) != 0)
            ok = stress_fail(r, "%ld segments not freed by destroy",
                             atomic_load(&segq_live_segments));
    }
    for (unsigned p = 0; p < producers; p++)
        free(s->seen[p]);
    free(s->seen);
    free(s->produced);
    free(s);
    return ok;
}

/* Time-bounded runs over segment capacities 1, 2 and 64 (not 32: its ring
 * block has a segment's size and would be counted as one). */
static bool segq_scenario(const stress_opts *o, stress_report *r, unsigned producers,
                          unsigned consumers)
{
    static const size_t caps[] = {1, 2, 64};
    uint64_t total = 0;
    long peak = 0, peak_bound = 0;
    for (size_t c = 0; c < 3; c++)
        if (!segq_run_one(o, r, caps[c], producers, consumers, 0, o->seconds / 3, &total, &peak,
                          &peak_bound))
            return false;
    stress_note(r, "%llu values, each once, FIFO per producer; peak %ld live segments (bound then %ld)",
                (unsigned long long)total, peak, peak_bound);
    return true;
}

bool stress_segqueue_2p2c(const stress_opts *o, stress_report *r)
{
    return segq_scenario(o, r, 2, 2);
}

bool stress_segqueue_4p4c(const stress_opts *o, stress_report *r)
{
    return segq_scenario(o, r, 4, 4);
}

bool stress_segqueue_pairs(const stress_opts *o, stress_report *r)
{
    return segq_scenario(o, r, o->threads, 0);
}

/* 10^6 values in all (fewer in short runs: file comment) through segments of 1, then 2, values: P = C = threads / 2. */
bool stress_segqueue_memory(const stress_opts *o, stress_report *r)
{
    unsigned half = o->threads / 2 < 1 ? 1 : o->threads / 2;
    double short_run = SEGQ_MEMORY_VALUES_PER_SECOND * o->seconds;
    uint64_t values = short_run < SEGQ_MEMORY_VALUES ? (uint64_t)short_run + 1 : SEGQ_MEMORY_VALUES;
    uint64_t quota = values / 2 / half + 1;
    uint64_t total = 0;
    long peak = 0, peak_bound = 0;
    for (size_t capacity = 1; capacity <= 2; capacity++)
        if (!segq_run_one(o, r, capacity, half, half, quota, 0, &total, &peak, &peak_bound))
            return false;
    stress_note(r, "%llu values through segments of 1 and 2; peak %ld live segments (bound then %ld)",
                (unsigned long long)total, peak, peak_bound);
    return true;
}

/*
 * lincheck.h - a linearizability checker for short recorded histories.
 *
 * A round records, for every operation, its invocation and response as two
 * ticks of one shared seq_cst counter (lin_tick), what it was asked to do
 * and what it returned.  lin_check then searches for a sequential order of
 * the operations that respects real time (an operation whose response came
 * before another's invocation goes first) and in which every operation
 * returns what it really returned, starting from the round's initial
 * contents and ending in the contents drained after the round.  This is
 * Wing and Gong's search ("Testing and verifying concurrent objects",
 * J. Parallel Distrib. Comput. 17, 1993): at each step try every operation
 * that no pending operation precedes, apply it to a model of the
 * sequential object, backtrack on a mismatch; states already refuted
 * (same operations done, same contents) are remembered and not searched
 * again, as in Lowe's variant ("Testing for linearizability", 2017).
 *
 * The model is a sequence of values, front (index 0) to back: a stack
 * pushes and pops at the back; a queue enqueues at the back and dequeues at
 * the front; a Chase-Lev deque's owner pushes and pops at the back and its
 * thieves steal at the front.  A result of LF_RETRY (a steal that lost a
 * race, an MPSC pop that met a half-done push: API.md) changes nothing and
 * may be placed anywhere in its interval.  A bounded container's LF_FULL
 * is legal, as API.md defines it, when the values queued plus the
 * operations in progress (those overlapping the full push in time, an
 * over-approximation of "in progress at that point") reach the capacity.
 *
 * The shared counter orders the threads around every operation, so these
 * rounds are not ThreadSanitizer coverage of the structures (the other
 * scenarios are); they check what the structures return.
 */
#ifndef LFKIT_STRESS_LINCHECK_H
#define LFKIT_STRESS_LINCHECK_H

#include <lfkit/platform.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LIN_MAX_EVENTS = 24, LIN_MAX_VALUES = 24, LIN_MEMO_SLOTS = 4096 };

typedef enum lin_op {
    LIN_PUSH_BACK,  /* stack push, queue enqueue, deque push */
    LIN_POP_BACK,   /* stack pop, deque owner pop */
    LIN_POP_FRONT   /* queue dequeue, deque steal */
} lin_op;

typedef struct lin_event {
    uint64_t invoke, response; /* lin_tick before the call and after it returned */
    lin_op op;
    lf_status status; /* LF_OK, LF_EMPTY or LF_RETRY */
    uintptr_t value; /* the pushed value, or the popped one when status is LF_OK */
    unsigned thread;
    unsigned overlapping; /* operations of other threads overlapping this one (lin_check fills it) */
} lin_event;

typedef struct lin_seq {
    unsigned n;
    uintptr_t v[LIN_MAX_VALUES]; /* front to back */
} lin_seq;

typedef struct lin_memo_entry {
    uint32_t done; /* bit i: event i already placed; 0 marks a free slot (never stored) */
    lin_seq seq;
} lin_memo_entry;

typedef struct lin_checker {
    const lin_event *ev;
    unsigned nev;
    unsigned capacity; /* 0: unbounded */
    const lin_seq *final;
    lin_memo_entry *memo; /* LIN_MEMO_SLOTS refuted states; when full, nothing more is remembered */
    unsigned memo_used;
} lin_checker;

/* One tick of the round's clock: seq_cst, so ticks follow real time across threads. */
static inline uint64_t lin_tick(_Atomic(uint64_t) *clock)
{
    return atomic_fetch_add_explicit(clock, 1, memory_order_seq_cst);
}

static inline bool lin_seq_equal(const lin_seq *a, const lin_seq *b)
{
    return a->n == b->n && memcmp(a->v, b->v, a->n * sizeof a->v[0]) == 0;
}

/* Applies e to s; false when e's recorded result is impossible in state s. */
static inline bool lin_apply(lin_seq *s, const lin_event *e, unsigned capacity)
{
    if (e->status == LF_EMPTY)
        return s->n == 0;
    if (e->status == LF_FULL)
        return capacity != 0 && e->op == LIN_PUSH_BACK && s->n + e->overlapping >= capacity;
    if (e->status == LF_RETRY)
        return true; /* no effect */
    if (e->status != LF_OK)
        return false;
    switch (e->op) {
    case LIN_PUSH_BACK:
        if (s->n == LIN_MAX_VALUES || (capacity != 0 && s->n == capacity))
            return false;
        s->v[s->n++] = e->value;
        return true;
    case LIN_POP_BACK:
        if (s->n == 0 || s->v[s->n - 1] != e->value)
            return false;
        s->n--;
        return true;
    case LIN_POP_FRONT:
        if (s->n == 0 || s->v[0] != e->value)
            return false;
        memmove(s->v, s->v + 1, (s->n - 1) * sizeof s->v[0]);
        s->n--;
        return true;
    }
    return false;
}

static inline size_t lin_memo_slot(uint32_t done, const lin_seq *s)
{
    uint64_t h = done * UINT64_C(0x9E3779B97F4A7C15);
    for (unsigned i = 0; i < s->n; i++)
        h = (h ^ s->v[i]) * UINT64_C(0x100000001B3);
    return (size_t)(h >> 20) % LIN_MEMO_SLOTS;
}

/* True when (done, s) was refuted before; otherwise, if remember, records it. */
static inline bool lin_memo(lin_checker *c, uint32_t done, const lin_seq *s, bool remember)
{
    for (size_t i = lin_memo_slot(done, s), probes = 0; probes < LIN_MEMO_SLOTS;
         i = (i + 1) % LIN_MEMO_SLOTS, probes++) {
        lin_memo_entry *m = &c->memo[i];
        if (m->done == 0) {
            if (remember && c->memo_used < LIN_MEMO_SLOTS / 2) {
                m->done = done;
                m->seq = *s;
                c->memo_used++;
            }
            return false;
        }
        if (m->done == done && lin_seq_equal(&m->seq, s))
            return true;
    }
    return false;
}

static inline bool lin_search(lin_checker *c, uint32_t done, const lin_seq *s)
{
    uint32_t all = (uint32_t)((UINT64_C(1) << c->nev) - 1);
    if (done == all)
        return lin_seq_equal(s, c->final);
    if (done != 0 && lin_memo(c, done, s, false))
        return false;
    uint64_t first_response = UINT64_MAX;
    for (unsigned i = 0; i < c->nev; i++)
        if (!(done & (UINT32_C(1) << i)) && c->ev[i].response < first_response)
            first_response = c->ev[i].response;
    for (unsigned i = 0; i < c->nev; i++) {
        if ((done & (UINT32_C(1) << i)) || c->ev[i].invoke > first_response)
            continue; /* placed already, or some pending operation finished before it began */
        lin_seq next = *s;
        if (lin_apply(&next, &c->ev[i], c->capacity) && lin_search(c, done | (UINT32_C(1) << i), &next))
            return true;
    }
    if (done != 0)
        lin_memo(c, done, s, true);
    return false;
}

/* How many operations of other threads overlap ev[i] in time. */
static inline unsigned lin_overlap_count(const lin_event *ev, unsigned nev, unsigned i)
{
    unsigned n = 0;
    for (unsigned j = 0; j < nev; j++)
        n += ev[j].thread != ev[i].thread && ev[j].invoke < ev[i].response &&
             ev[i].invoke < ev[j].response;
    return n;
}

/*
 * True when the history ev[0..nev) (nev <= LIN_MAX_EVENTS) has a
 * linearization from `initial` to `final` in a container holding at most
 * capacity values (0: unbounded).  Fills each event's overlapping count.
 * memo: LIN_MEMO_SLOTS entries of scratch space (contents ignored).
 */
static inline bool lin_check(lin_event *ev, unsigned nev, unsigned capacity, const lin_seq *initial,
                             const lin_seq *final, lin_memo_entry *memo)
{
    for (unsigned i = 0; i < nev; i++)
        ev[i].overlapping = lin_overlap_count(ev, nev, i);
    memset(memo, 0, LIN_MEMO_SLOTS * sizeof *memo);
    lin_checker c = {ev, nev, capacity, final, memo, 0};
    return lin_search(&c, 0, initial);
}

/* Prints a history that has no linearization, one operation a line. */
static inline void lin_print(FILE *out, const char *structure, const lin_event *ev, unsigned nev,
                             const lin_seq *initial, const lin_seq *final)
{
    static const char *const op_names[] = {"push_back", "pop_back", "pop_front"};
    static const char *const status_names[] = {"OK", "EMPTY", "FULL", "RETRY", "ENOMEM", "EINVAL"};
    fprintf(out, "%s: history with no linearization\n  initial (front..back):", structure);
    for (unsigned i = 0; i < initial->n; i++)
        fprintf(out, " %lu", (unsigned long)initial->v[i]);
    fprintf(out, "\n");
    for (unsigned i = 0; i < nev; i++)
        fprintf(out, "  [%3lu, %3lu] thread %u %-9s -> %s %lu\n", (unsigned long)ev[i].invoke,
                (unsigned long)ev[i].response, ev[i].thread, op_names[ev[i].op],
                status_names[ev[i].status], (unsigned long)ev[i].value);
    fprintf(out, "  drained after the round (front..back):");
    for (unsigned i = 0; i < final->n; i++)
        fprintf(out, " %lu", (unsigned long)final->v[i]);
    fprintf(out, "\n");
}

#endif /* LFKIT_STRESS_LINCHECK_H */

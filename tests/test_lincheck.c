/*
 * The stress runner's linearizability checker (stress/lincheck.h) on
 * hand-written histories: it must accept what has a linearization and
 * reject what has none, or the lin_* stress scenarios prove nothing.
 */
#include <criterion/criterion.h>

#include "../stress/lincheck.h"

static lin_memo_entry memo[LIN_MEMO_SLOTS];

static lin_event ev(unsigned thread, uint64_t invoke, uint64_t response, lin_op op, lf_status st,
                    uintptr_t value)
{
    lin_event e = {invoke, response, op, st, value, thread, 0};
    return e;
}

Test(lincheck, overlapping_dequeues_may_take_either_order)
{
    lin_seq initial = {2, {1, 2}}, final = {0, {0}};
    lin_event h[] = {
        ev(0, 0, 3, LIN_POP_FRONT, LF_OK, 2), /* overlaps the other: may go second */
        ev(1, 1, 2, LIN_POP_FRONT, LF_OK, 1),
    };
    cr_assert(lin_check(h, 2, 0, &initial, &final, memo));
}

Test(lincheck, real_time_order_is_respected)
{
    lin_seq initial = {2, {1, 2}}, final = {0, {0}};
    lin_event h[] = {
        ev(0, 0, 1, LIN_POP_FRONT, LF_OK, 2), /* finished before the other began: must be first */
        ev(1, 2, 3, LIN_POP_FRONT, LF_OK, 1),
    };
    cr_assert_not(lin_check(h, 2, 0, &initial, &final, memo));
}

Test(lincheck, empty_only_when_empty_at_some_point)
{
    lin_seq initial = {0, {0}}, final = {0, {0}};
    lin_event concurrent[] = {
        ev(0, 0, 3, LIN_PUSH_BACK, LF_OK, 7),
        ev(1, 1, 4, LIN_POP_BACK, LF_EMPTY, 0), /* may precede the push */
        ev(1, 5, 6, LIN_POP_BACK, LF_OK, 7),
    };
    cr_assert(lin_check(concurrent, 3, 0, &initial, &final, memo));
    lin_event spurious[] = {
        ev(0, 0, 1, LIN_PUSH_BACK, LF_OK, 7),
        ev(1, 2, 3, LIN_POP_BACK, LF_EMPTY, 0), /* after the push, before any pop: wrong */
        ev(1, 4, 5, LIN_POP_BACK, LF_OK, 7),
    };
    cr_assert_not(lin_check(spurious, 3, 0, &initial, &final, memo));
}

Test(lincheck, drained_state_must_match)
{
    lin_seq initial = {1, {1}}, right = {2, {1, 5}}, lost = {1, {1}};
    lin_event h[] = {ev(0, 0, 1, LIN_PUSH_BACK, LF_OK, 5)};
    cr_assert(lin_check(h, 1, 0, &initial, &right, memo));
    cr_assert_not(lin_check(h, 1, 0, &initial, &lost, memo), "a value lost in the structure");
}

Test(lincheck, lifo_and_retry)
{
    lin_seq initial = {2, {1, 2}}, final = {0, {0}};
    lin_event stack[] = {
        ev(0, 0, 1, LIN_POP_BACK, LF_OK, 1), /* the back is 2: wrong for a stack */
        ev(0, 2, 3, LIN_POP_BACK, LF_OK, 2),
    };
    cr_assert_not(lin_check(stack, 2, 0, &initial, &final, memo));
    lin_event deque[] = {
        ev(1, 0, 5, LIN_POP_FRONT, LF_RETRY, 0), /* a lost steal changes nothing */
        ev(0, 1, 2, LIN_POP_BACK, LF_OK, 2),
        ev(1, 6, 7, LIN_POP_FRONT, LF_OK, 1),
    };
    cr_assert(lin_check(deque, 3, 0, &initial, &final, memo));
}

Test(lincheck, full_only_when_places_are_held)
{
    lin_seq initial = {1, {1}}, final = {1, {1}};
    lin_event alone[] = {ev(0, 0, 1, LIN_PUSH_BACK, LF_FULL, 9)}; /* 1 of 2 places used: wrong */
    cr_assert_not(lin_check(alone, 1, 2, &initial, &final, memo));
    lin_event held[] = {
        ev(0, 0, 3, LIN_PUSH_BACK, LF_FULL, 9),
        ev(1, 1, 4, LIN_POP_FRONT, LF_RETRY, 0), /* an operation in progress holds a place */
    };
    cr_assert(lin_check(held, 2, 2, &initial, &final, memo));
    lin_seq full = {2, {1, 2}};
    lin_event at_capacity[] = {ev(0, 0, 1, LIN_PUSH_BACK, LF_FULL, 9)};
    cr_assert(lin_check(at_capacity, 1, 2, &full, &full, memo));
    lin_event over[] = {ev(0, 0, 1, LIN_PUSH_BACK, LF_OK, 9)};
    cr_assert_not(lin_check(over, 1, 2, &full, &full, memo), "a third value in two places");
}

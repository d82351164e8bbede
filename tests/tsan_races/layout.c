/*
 * One copy of the layout report (layout.h); LAYOUT_BUILD names it (plain
 * or tsan).  Every public type: size and alignment; the hazard-pointer and
 * deque types, whose TSan builds once differed, field by field as well;
 * and the bytes of every object whose init allocates nothing (the deque's
 * after destroy, which clears its one pointer).
 */
#include "layout.h"

#include <lfkit.h>

#include <string.h>

#ifndef LAYOUT_BUILD
#error "define LAYOUT_BUILD"
#endif
#define LAYOUT_CAT_(a, b) a##b
#define LAYOUT_CAT(a, b) LAYOUT_CAT_(a, b)

#define LAYOUT_TYPE(t) \
    (out[n].what = "sizeof(" #t ")", out[n++].value = sizeof(t), \
     out[n].what = "alignof(" #t ")", out[n++].value = _Alignof(t))
#define LAYOUT_FIELD(t, f) (out[n].what = "offsetof(" #t ", " #f ")", out[n++].value = offsetof(t, f))

size_t LAYOUT_CAT(layout_, LAYOUT_BUILD)(layout_entry *out)
{
    size_t n = 0;
    LAYOUT_TYPE(lf_backoff);
    LAYOUT_TYPE(lf_counter);
    LAYOUT_TYPE(lf_padded_counter);
    LAYOUT_TYPE(lf_sharded_counter);
    LAYOUT_TYPE(lf_tagged);
    LAYOUT_TYPE(lf_atomic_tagged);
    LAYOUT_TYPE(lf_stack_node);
    LAYOUT_TYPE(lf_stack);
    LAYOUT_TYPE(lf_hp_node);
    LAYOUT_TYPE(lf_hp_rec);
    LAYOUT_TYPE(lf_hp_domain);
    LAYOUT_TYPE(lf_queue);
    LAYOUT_TYPE(lf_segqueue);
    LAYOUT_TYPE(lf_deque);
    LAYOUT_TYPE(lf_task);
    LAYOUT_TYPE(lf_pool);
    LAYOUT_FIELD(lf_hp_domain, records);
    LAYOUT_FIELD(lf_hp_domain, nrecords);
    LAYOUT_FIELD(lf_hp_domain, slots);
    LAYOUT_FIELD(lf_hp_rec, hazard);
    LAYOUT_FIELD(lf_hp_rec, in_use);
    LAYOUT_FIELD(lf_hp_rec, nslots);
    LAYOUT_FIELD(lf_hp_rec, domain);
    LAYOUT_FIELD(lf_hp_rec, next);
    LAYOUT_FIELD(lf_hp_rec, retired);
    LAYOUT_FIELD(lf_hp_rec, nretired);
    LAYOUT_FIELD(lf_hp_rec, scan_threshold);
    LAYOUT_FIELD(lf_hp_rec, scratch);
    LAYOUT_FIELD(lf_hp_rec, scratch_cap);
    LAYOUT_FIELD(lf_hp_rec, cache);
    LAYOUT_FIELD(lf_hp_rec, ncached);
    LAYOUT_FIELD(lf_deque, top);
    LAYOUT_FIELD(lf_deque, bottom);
    LAYOUT_FIELD(lf_deque, buffer);
    LAYOUT_FIELD(lf_deque, top_seen);
    return n;
}

/* obj filled with 0xA5, then init: a byte that one build initialises and
 * the other does not differs. */
#define LAYOUT_IMAGE(obj, init) \
    (memset(&(obj), 0xA5, sizeof(obj)), (init), memcpy(img + len, &(obj), sizeof(obj)), \
     len += sizeof(obj))

size_t LAYOUT_CAT(layout_image_, LAYOUT_BUILD)(unsigned char *img)
{
    static lf_counter counter;
    static lf_padded_counter padded;
    static lf_atomic_tagged tagged;
    static lf_stack stack;
    static lf_hp_domain domain;
    static lf_deque deque;
    size_t len = 0;
    LAYOUT_IMAGE(counter, lf_counter_init(&counter, 1));
    LAYOUT_IMAGE(padded, lf_padded_counter_init(&padded, 1));
    LAYOUT_IMAGE(tagged, lf_tagged_init(&tagged, NULL));
    LAYOUT_IMAGE(stack, lf_stack_init(&stack));
    LAYOUT_IMAGE(domain, (void)lf_hp_domain_init(&domain, 2));
    LAYOUT_IMAGE(deque, ((void)lf_deque_init(&deque, 4), lf_deque_destroy(&deque)));
    return len;
}

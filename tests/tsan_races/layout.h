/*
 * layout.h - the layout check (make tsan-races): layout.c is compiled
 * twice into one program, once with -fsanitize=thread (LF_TSAN 1) and once
 * without (LF_TSAN 0), and layout_main.c compares what the two copies
 * report.  A user may build part of a program under TSan and part not, and
 * pass lfkit objects between the parts: both must agree on every type's
 * size, alignment and field offsets, and initialise the same bytes (a
 * field that only TSan builds have can hide in padding, where sizes and
 * offsets do not show it: lf_hp_domain's old tsan_barrier did).
 */
#ifndef LFKIT_TSAN_LAYOUT_H
#define LFKIT_TSAN_LAYOUT_H

#include <stddef.h>

enum { LAYOUT_MAX_ENTRIES = 128, LAYOUT_MAX_IMAGE = 4096 };

typedef struct layout_entry {
    const char *what; /* e.g. "sizeof(lf_hp_domain)" */
    size_t value;
} layout_entry;

/* Each fills out[] and returns the number of entries. */
size_t layout_plain(layout_entry *out);
size_t layout_tsan(layout_entry *out);

/* Each writes the bytes of freshly initialised objects to img (at most
 * LAYOUT_MAX_IMAGE) and returns how many. */
size_t layout_image_plain(unsigned char *img);
size_t layout_image_tsan(unsigned char *img);

#endif /* LFKIT_TSAN_LAYOUT_H */

/*
 * Cross-compiled (-c, so the assembler sees every instruction) by
 * `make check-headers` for each target: the layout of lfkit's 64-bit and
 * two-word atomics, asserted at compile time against the per-target table
 * (tests/tagged_probe.h, from tagged.h's), and the tagged-pointer
 * operations emitted.  On x32 this is all that is checked: running x32
 * needs a kernel booted with x32 support.
 */
#include "tagged_probe.h"

#include <lfkit.h>

LF_STATIC_ASSERT(LF_HAS_DWCAS == TAGGED_EXPECT_DWCAS, "LF_HAS_DWCAS as tagged.h's table says");
LF_STATIC_ASSERT(LF_TAGGED_TAG_BITS == TAGGED_EXPECT_TAG_BITS, "tag width as tagged.h's table says");
LF_STATIC_ASSERT(sizeof(lf_atomic_tagged) == (TAGGED_EXPECT_DWCAS ? 16 : 8), "lf_atomic_tagged size");
LF_STATIC_ASSERT(LF_ALIGNOF(lf_atomic_tagged) == (TAGGED_EXPECT_DWCAS ? 16 : 8), "lf_atomic_tagged alignment");
LF_STATIC_ASSERT(sizeof(lf_counter) == 8 && LF_ALIGNOF(lf_counter) == 8, "lf_counter: 8 bytes, 8-aligned");
LF_STATIC_ASSERT(sizeof(void *) == sizeof(uintptr_t), "pointers are uintptr_t wide");

bool cross_tagged_cas(lf_atomic_tagged *a, lf_tagged *expected, void *desired);
bool cross_tagged_cas(lf_atomic_tagged *a, lf_tagged *expected, void *desired)
{
    return lf_tagged_cas(a, expected, desired);
}

void *cross_tagged_detach(lf_atomic_tagged *a);
void *cross_tagged_detach(lf_atomic_tagged *a)
{
    return lf_tagged_detach(a);
}

lf_tagged cross_tagged_load(const lf_atomic_tagged *a);
lf_tagged cross_tagged_load(const lf_atomic_tagged *a)
{
    return lf_tagged_load(a);
}

uint64_t cross_counter_add(lf_counter *c);
uint64_t cross_counter_add(lf_counter *c)
{
    return lf_counter_fetch_add(c, 1) + lf_counter_load(c);
}

/* Cross-compiled by `make check-headers` for AArch64 (with and without LSE):
   emits the double-width CAS assembly, which a header-only syntax check would not. */
#include <lfkit.h>

bool aarch64_dwcas(lf_atomic_tagged *a, lf_tagged *expected, void *desired);
bool aarch64_dwcas(lf_atomic_tagged *a, lf_tagged *expected, void *desired)
{
    return lf_tagged_cas(a, expected, desired);
}

/* The layout check (layout.h): exit 0 when the TSan and non-TSan copies agree. */
#include "layout.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
    static layout_entry plain[LAYOUT_MAX_ENTRIES], tsan[LAYOUT_MAX_ENTRIES];
    size_t n = layout_plain(plain);
    size_t m = layout_tsan(tsan);
    int bad = n != m;
    for (size_t i = 0; i < n && i < m; i++) {
        if (strcmp(plain[i].what, tsan[i].what) != 0 || plain[i].value != tsan[i].value) {
            printf("layout differs: %s = %zu without TSan, %s = %zu with TSan\n", plain[i].what,
                   plain[i].value, tsan[i].what, tsan[i].value);
            bad = 1;
        }
    }
    static unsigned char plain_img[LAYOUT_MAX_IMAGE], tsan_img[LAYOUT_MAX_IMAGE];
    size_t len = layout_image_plain(plain_img);
    if (len != layout_image_tsan(tsan_img) || memcmp(plain_img, tsan_img, len) != 0) {
        printf("layout differs: freshly initialised objects hold different bytes with TSan\n");
        bad = 1;
    }
    if (!bad)
        printf("layout: %zu sizes, alignments and offsets, and %zu bytes of initialised objects, "
               "agree with and without TSan\n", n, len);
    return bad;
}

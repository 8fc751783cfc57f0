#include "scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>

size_t aidledger_plain_string_prefix(const uint8_t *p, size_t n) {
    size_t i = 0;
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i below = _mm_set1_epi8(0x1f); /* signed compare: bytes >= 0x80 are negative, so also "below" */
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                       _mm_cmpgt_epi8(_mm_add_epi8(below, _mm_set1_epi8(1)), v));
        int mask = _mm_movemask_epi8(special);
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
        i += 16;
    }
    while (i < n) {
        uint8_t b = p[i];
        if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) return i;
        i++;
    }
    return n;
}
#else
size_t aidledger_plain_string_prefix(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) return i;
        i++;
    }
    return n;
}
#endif

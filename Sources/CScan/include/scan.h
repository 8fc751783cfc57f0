#ifndef AIDLEDGER_SCAN_H
#define AIDLEDGER_SCAN_H
#include <stddef.h>
#include <stdint.h>

/// The number of leading bytes of p[0..<n] that need no attention inside a JSON string: not '"', not '\\',
/// not below 0x20 and not 0x80 or above. Pure computation (SSE2 on x86-64, a scalar loop elsewhere).
size_t aidledger_plain_string_prefix(const uint8_t *p, size_t n);

#endif

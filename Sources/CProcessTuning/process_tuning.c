#include "process_tuning.h"
#include <stdlib.h> /* defines __GLIBC__ on glibc systems */

#if defined(__GLIBC__)
#include <malloc.h>

void aidledger_keep_freed_memory(void) {
    /* Keep up to 1 GiB of freed memory at the top of the heap and grow it in 256 MiB steps (address space; pages are touched only when used). */
    mallopt(M_TRIM_THRESHOLD, 1024 << 20);
    mallopt(M_TOP_PAD, 256 << 20);
}
#else
void aidledger_keep_freed_memory(void) {}
#endif

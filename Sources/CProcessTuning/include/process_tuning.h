#ifndef AIDLEDGER_PROCESS_TUNING_H
#define AIDLEDGER_PROCESS_TUNING_H

/// Keeps freed heap memory for reuse instead of returning it to the kernel after every batch (glibc only;
/// elsewhere a no-op). See Sources/aidledger/main.swift.
void aidledger_keep_freed_memory(void);

#endif

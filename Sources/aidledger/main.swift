import AidLedgerCLI
import CProcessTuning

// A ledger writer or verifier allocates and frees tens of megabytes per batch. By default glibc returns freed
// memory at the top of the heap to the kernel and the next batch page-faults it back in (measured: about 15% of
// the append time, docs/BENCHMARKS.md). Keep it for reuse.
aidledger_keep_freed_memory()

AidLedgerCommand.main()

import LedgerCore
import LedgerStore
import LedgerVerify

/// Verification of a ledger from the database: the same verifier as offline (`aidledger verify --bundle`), fed the
/// stored entries in seq order, the stored checkpoints and every stored opening. Used by `aidledger verify`, the
/// daemon's `GET …/verification` and first start, and the benchmarks.
public enum StoreVerification {
    /// Verifies `ledger`. `progress(done, total)` is called every 16,384 entries.
    public static func verify(_ store: LedgerStore, _ ledger: LedgerRecord, trustedLedgerKey: String? = nil, checkOpenings: Bool = true,
                              progress: ((UInt64, UInt64) -> Void)? = nil) throws -> VerificationReport {
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = trustedLedgerKey
        if checkOpenings { try store.streamOpenings(ledger) { options.openings.append($0) } }
        let total = (try? store.head(ledger).size) ?? 0
        var verifier = LedgerVerifier(options: options)
        verifier.addCheckpoints(try store.checkpoints(ledger))
        var done: UInt64 = 0
        try store.streamEntriesConcurrently(ledger, hashingWith: ledger.suite) { _, bytes, entryHash in
            verifier.consume(entryBytes: bytes, precomputed: entryHash, computedWith: ledger.suite)
            done += 1
            if done & 0x3fff == 0 { progress?(done, max(total, done)) }
        }
        return verifier.finish()
    }
}

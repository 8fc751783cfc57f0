import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerDisclosure
import LedgerStore
import LedgerVerify

/// What a 公示 export is derived from: one ledger, verified from the store up to a size at which it has a valid
/// signed checkpoint, and its payments as a disclosure sees them: those of the request's units and periods in
/// every school and programme (the category table counts them all, `DisclosureTables.counted`), with the masked
/// name only for those in the request's full scope (the list) and the category for the category table only.
public struct DisclosureSource: Sendable {
    public let origin: String
    public let suite: Suite
    /// The size verified and read; the ledger's checkpoint at this size is `checkpoint`.
    public let size: UInt64
    public let root: Digest32
    public let payments: [DisclosedPayment]
}

/// Reads a ledger for a disclosure: verifies it (openings included) and reads its payments of the request's units
/// and periods, the names (to mask) of those in the request's full scope (units, schools, programmes, periods) and
/// the categories (to count) of all of them. Those two personal fields are read only after the read is recorded
/// in the ledger's access log (one bulk record, `principal`, `purpose`); no other personal field is used.
public enum DisclosureReads {
    public static func read(_ store: LedgerStore, _ ledger: LedgerRecord, request: DisclosureRequest, principal: String, purpose: String,
                            progress: ((UInt64, UInt64) -> Void)? = nil) throws -> DisclosureSource {
        // Every payment of every period is visited; the scope is applied below (period "" = no year filter).
        var collector = PaymentCollector(origin: ledger.origin, period: "", suite: ledger.suite)
        var openings: [Opening] = []
        let report = try StoreVerification.verify(store, ledger, progress: progress,
                                                  visit: { seq, bytes, hash in collector.visit(seq: seq, bytes: bytes, entryHash: hash) },
                                                  openingsRead: { openings = $0 })
        guard report.intact else {
            let first = report.findings.first.map { $0.description } ?? "verification failed"
            throw ServiceError("ledger \(ledger.origin) does not verify (\(first)): nothing is published from it; run `aidledger verify`", code: "ledger-not-intact")
        }
        let size = collector.frontier.size
        guard let root = collector.root, let checkpoint = report.latestCheckpoint, checkpoint.size == size, checkpoint.root == root else {
            throw ServiceError("ledger \(ledger.origin) has no valid checkpoint at its head (size \(size)): a disclosure is derived from a signed checkpoint; run `aidledger verify`",
                               code: "no-checkpoint")
        }
        // The category table counts every payment of the request's units and periods, whatever its school and
        // programme; names are read only for the list, whose scope applies every filter.
        collector.payments.removeAll { !DisclosureTables.categoryTableCovers(request, unit: $0.unit, period: $0.period) }
        let counted = Set(collector.payments.map(\.entry.seq))
        let listed = Set(collector.payments.lazy.filter {
            request.covers(unit: $0.unit, schoolCode: $0.schoolCode, program: $0.program, period: $0.period)
        }.map(\.entry.seq))
        let needed = openings.filter {
            ($0.field == PersonalField.category.rawValue && counted.contains($0.seq)) || ($0.field == PersonalField.name.rawValue && listed.contains($0.seq))
        }
        openings = []
        try store.recordPersonalRead(ledger, principal: principal, seq: max(size, 1), fields: [PersonalField.category.rawValue, PersonalField.name.rawValue],
                                     purpose: purpose, at: nowTimestamp())
        let payments = collector.paidItems(openings: needed).map { item in
            // A name erased on record (or never opened, or not read: not listed) is shown as one `*`: the mask of a
            // one-character name.
            DisclosedPayment(seq: Int64(item.entry.seq), unit: item.unit, schoolCode: item.schoolCode, schoolName: item.schoolName, program: item.program,
                             period: item.period, stage: item.stage.rawValue, grade: item.grade, amountFen: item.amountFen,
                             maskedName: item.personal[.name].map(NameMask.mask) ?? "*", reversedBy: item.reversedBy.map { Int64($0.seq) },
                             category: item.personal[.category])
        }
        return DisclosureSource(origin: ledger.origin, suite: ledger.suite, size: size, root: root, payments: payments)
    }
}

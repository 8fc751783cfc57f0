import LedgerCore
import LedgerCrypto
import LedgerSamples

/// The demo ledger of one county: three key enrolments, three payment batches by two officers, a reversal and a
/// revocation — every entry kind, every check exercised. Variants build the named broken ledgers whose defect is
/// in what was signed (see FORMAT.md §Test vectors).
public struct DemoScenario {
    public enum Variant: String, Sendable, CaseIterable {
        case normal
        /// The last batch is signed by the officer revoked just before it.
        case batchByRevokedKey
        /// The last batch is for a unit outside its officer's scope.
        case batchOutOfScope
        /// The reversal targets a batch header instead of a payment.
        case reversalOfNonPayment
    }

    public static let homeUnit = Sample.homeUnit
    public static let neighbourUnit = Sample.neighbourUnit
    public static let program = Sample.program

    public let ledger: InMemoryLedger
    public let officers: [NamedSigningKey]
    public let inspector: NamedSigningKey

    /// Builds the scenario. `paymentsPerBatch` payments in each of three batches; salts and personal data come
    /// from `seed`, keys are fresh.
    public static func build(origin: String = "aidledger.example/\(homeUnit)", suite: Suite = .ed25519SHA256,
                             paymentsPerBatch: Int = 3, seed: UInt64 = 2026, variant: Variant = .normal) throws -> DemoScenario {
        var rng = SplitMix64(seed: seed)
        let ledger = try InMemoryLedger.create(origin: origin, suite: suite)
        let officer1 = try ledger.enrollNewKey(name: origin + "/officer/1", role: .officer, units: [homeUnit])
        let officer2 = try ledger.enrollNewKey(name: origin + "/officer/2", role: .officer, units: [neighbourUnit])
        let inspector = try ledger.enrollNewKey(name: origin + "/inspector/1", role: .inspector, units: [allUnitsScope])

        func salts(_ items: [PaymentInput]) -> [UInt8] { rng.bytes(items.reduce(0) { $0 + $1.personal.count } * Commitment.saltLength) }

        let itemsA = DemoData.boardingSubsidyPayments(count: paymentsPerBatch, unit: homeUnit, period: "2025-autumn", rng: &rng)
        let batchA = try ledger.appendBatch(id: "\(homeUnit)-2025-autumn-0001", program: program, period: "2025-autumn", unit: homeUnit,
                                            items: itemsA, officer: officer1, salts: salts(itemsA))
        let itemsB = DemoData.boardingSubsidyPayments(count: paymentsPerBatch, unit: neighbourUnit, period: "2025-autumn", rng: &rng)
        let batchB = try ledger.appendBatch(id: "\(neighbourUnit)-2025-autumn-0001", program: program, period: "2025-autumn", unit: neighbourUnit,
                                            items: itemsB, officer: officer2, salts: salts(itemsB))
        _ = batchB
        if variant == .reversalOfNonPayment {
            let header = ledger.entries[Int(batchA) - 1]
            let body = try ReversalBody.make(target: batchA, targetHash: header.hash, amountFen: 62_500, reason: "重复发放",
                                             origin: origin, signedAt: ledger.now, officer: officer1)
            try ledger.commit([(.reversal, body)])
        } else {
            try ledger.reverse(seq: batchA + 2, reason: "重复发放，收回后冲正", officer: officer1)
        }
        try ledger.revoke(officer2.verifierKey, reason: "调离岗位")
        let lastUnit = variant == .batchOutOfScope || variant == .batchByRevokedKey ? neighbourUnit : homeUnit
        let lastOfficer = variant == .batchByRevokedKey ? officer2 : officer1
        let itemsC = DemoData.boardingSubsidyPayments(count: paymentsPerBatch, unit: lastUnit, period: "2026-spring", rng: &rng)
        try ledger.appendBatch(id: "\(lastUnit)-2026-spring-0001", program: program, period: "2026-spring", unit: lastUnit,
                               items: itemsC, officer: lastOfficer, salts: salts(itemsC))
        return DemoScenario(ledger: ledger, officers: [officer1, officer2], inspector: inspector)
    }
}

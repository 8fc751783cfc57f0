import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestVectors
import Testing
@testable import LedgerVerify
import TestSupport

/// Inputs that trapped the verifier (or could have): each now gives findings, never a crash.
@Suite struct NoTrapTests {
    /// The last payment of batch A (seq 8) swapped with the header of batch B (seq 9): the payment, read while
    /// batch B is open, named a range from B's header (9) down to its own claimed seq (8) and trapped.
    @Test(arguments: FuzzSubject.names)
    func lastPaymentSwappedWithTheNextBatchHeader(_ name: String) throws {
        let subject = try FuzzSubject.load(name)
        var lines = BundleMutator.lines(subject.bundle)
        lines.swapAt(2 + 7, 2 + 8)  // entry seq s is line 2 + s (0-based)
        let report = BundleMutator.join(lines).withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: subject.options) }
        #expect(!report.intact)
        #expect(report.findings.first?.code == .seqMismatch && report.firstBadSeq == 8, "\(report.findings.prefix(3))")
        // Reported in place (FORMAT.md §14, "Seqs of findings"): the header at line 8, the payment at line 9.
        #expect(report.findings.contains { $0.code == .batchIncomplete && $0.seq == 5 && $0.consequenceOf == 8 })
        #expect(report.findings.contains { $0.code == .paymentMismatch && $0.seq == 9 })
        _ = report.json(source: name, pinned: true)
    }

    /// Payments of 2^53 − 1 fen each: the batch's sum passes Int64.max. The batch is reported, the report's
    /// totals saturate, and its JSON form is written.
    @Test func amountsBeyondInt64AreSummedWithoutOverflow() throws {
        let payments = 1100
        let s = try DemoScenario.build(paymentsPerBatch: payments)
        let rewritten = try s.ledger.rebuilt { kind, body, _ in
            guard kind == .payment else { return body }
            var b = body
            b["amount_fen"] = .int(JSONValue.maxSafeInteger)
            return b
        }
        let report = rewritten.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(report.findings.contains { $0.code == .batchTotal && $0.message.contains("more than") })
        #expect(report.totals.grossFen == JSONValue.maxSafeInteger)
        #expect(report.json(source: "huge", pinned: false).contains(#""gross_fen":9007199254740991"#))
    }

    /// A checkpoint signed for a size no seq can reach is malformed (no seq), and the report's JSON is written.
    @Test func checkpointSizesBeyondTheSafeRangeAreMalformed() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 2)
        let ledger = s.ledger
        var checkpoints = ledger.checkpoints.map(\.serialized)
        for size in [UInt64.max, UInt64(JSONValue.maxSafeInteger) + 1, 0] {
            let note = try SignedCheckpoint(checkpoint: Checkpoint(origin: ledger.origin, size: size, root: .zero), signedBy: ledger.ledgerKey)
            checkpoints.append(note.serialized)
        }
        let bundle = LedgerCore.Bundle.encode(header: .init(origin: ledger.origin, suite: ledger.suite, entries: UInt64(ledger.entries.count), checkpoints: UInt64(checkpoints.count)),
                                              entries: ledger.entries.map(\.bytes), checkpoints: checkpoints)
        let report = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
        #expect(report.findings.map(\.code) == [.checkpointMalformed, .checkpointMalformed, .checkpointMalformed], "\(report.findings)")
        #expect(report.findings.allSatisfy { $0.seq == nil })
        _ = report.json(source: "sizes", pinned: false)
    }

    /// An opening built in code with a salt of the wrong length cannot match; it does not trap.
    @Test func openingWithAShortSaltIsAMismatch() throws {
        let s = try DemoScenario.build(paymentsPerBatch: 2)
        var options = LedgerVerifier.Options()
        options.openings = [Opening(seq: 6, field: "name", salt: [1, 2, 3], value: "x")]
        let report = s.ledger.bundle().withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: options) }
        #expect(report.findings.map(\.code) == [.openingMismatch] && report.firstBadSeq == 6, "\(report.findings)")
    }
}

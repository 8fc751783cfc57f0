import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerVerify
import Testing
import TestSupport

/// A `disclosure` entry goes through the append path like any other: admitted when its derived tree is the head's
/// or a stored, signed checkpoint's (FORMAT.md §6.10), refused otherwise, and verified afterwards. Real PostgreSQL.
@Suite(.serialized) struct DisclosureEntryTests {
    func disclosure(size: UInt64, root: Digest32, units: [String] = ["430626"]) throws -> Submission {
        .disclosure(try DisclosureBody(manifestSHA256: Digest32(bytes: [UInt8](repeating: 0x4d, count: 32))!, derivedSize: size, derivedRoot: root,
                                       publicityStart: "2026-09-07", publicityEnd: "2026-09-11", units: units, requestedBy: "local:test"))
    }

    @Test func theStoreAppendsADisclosureDerivedFromItsOwnTree() throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("b1", count: 4)
        let head = try f.store.head(f.ledger)
        let root = try SignedCheckpoint(parsing: head.checkpoint).checkpoint.root
        // The wrong root for the head's size, and a size the ledger has no checkpoint of, are refused; nothing is written.
        for wrong in [try disclosure(size: head.size, root: Digest32(bytes: [UInt8](repeating: 0x01, count: 32))!), try disclosure(size: head.size - 1, root: root)] {
            do {
                _ = try f.store.appendOne(f.ledger, wrong, time: f.now(), ledgerKey: f.ledgerKey)
                Issue.record("a disclosure of another tree was appended")
            } catch let e as AppendNotAdmitted {
                #expect(e.refusal?.code == "disclosure-derived")
            }
        }
        #expect(try f.store.head(f.ledger).size == head.size)
        let receipt = try f.store.appendOne(f.ledger, try disclosure(size: head.size, root: root), time: f.now(), ledgerKey: f.ledgerKey)
        #expect(receipt.firstSeq == head.size + 1 && receipt.lastSeq == head.size + 1)
        #expect(try f.store.entry(f.ledger, seq: receipt.firstSeq)?.kind == "disclosure")
        // Later, from a fresh store (nothing cached), a disclosure derived from that older, signed checkpoint.
        _ = try f.appendBatch("b2", count: 2, seed: 5)
        var again = try StoreFixture(reconnecting: f)
        _ = try again.store.appendOne(again.ledger, try disclosure(size: head.size, root: root, units: []), time: again.now(), ledgerKey: again.ledgerKey)
        let verified = try again.verify()
        #expect(verified.intact, "\(verified.findings)")
        #expect(verified.disclosures.map(\.derivedSize) == [head.size, head.size] && verified.disclosures.map(\.units) == [["430626"], []])
    }
}

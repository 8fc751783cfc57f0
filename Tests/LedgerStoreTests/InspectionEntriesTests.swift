import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerServices
import LedgerStore
import LedgerVerify
import PostgresClient
import Testing
import TestSupport

/// A cross-check run reads a ledger from the database (verified, its payments with their openings, the bulk read
/// recorded) and anchors its report there; dispositions name the anchored report. Real PostgreSQL.
@Suite(.serialized) struct InspectionEntriesTests {
    @Test func aRunReadsAnchorsAndDisposesThroughTheAppendPath() throws {
        var f = try StoreFixture()
        _ = try f.appendBatch("b1", count: 5)
        let inspector = try NamedSigningKey(name: f.ledger.origin + "/inspector/1", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        let t = f.now()
        _ = try f.store.appendOne(f.ledger, try .key(KeyBody.enroll(inspector.verifierKey, role: .inspector, units: ["430626"], origin: f.ledger.origin,
                                                                     signedAt: t, admin: f.admin), suite: .ed25519SHA256), time: t, ledgerKey: f.ledgerKey)
        let read = try InspectedLedgers.read(f.store, f.ledger, period: "2025-autumn", principal: "local:test", purpose: "交叉核查 2025-autumn")
        #expect(read.verified && read.payments.count == 5 && read.units == ["430626"])
        #expect(read.payments.allSatisfy { $0.idNumber?.count == 18 && $0.name != nil && $0.reversedBy == nil })
        let head = try f.store.head(f.ledger)
        let headRoot = try SignedCheckpoint(parsing: head.checkpoint).checkpoint.root
        #expect(read.size == head.size && read.root == headRoot)
        // The bulk read is one access-log record at the size read.
        let log = try f.db.query("SELECT seq, purpose, array_length(fields, 1) FROM access_log")
        #expect(log.count == 1 && log.uint(0, 0) == read.size && log.string(0, 1) == "交叉核查 2025-autumn")

        let report = Digest32(bytes: [UInt8](repeating: 0x3c, count: 32))!
        let finding = String(repeating: "1e", count: 16)
        // A disposition before its report is anchored is refused, nothing written.
        #expect(throws: ServiceError.self) {
            _ = try InspectedLedgers.dispose(f.store, f.ledger, finding: finding, rule: "XC-02", unit: "430626", reportSHA256: report, outcome: .falsePositive,
                                             reason: "证件库漏登", action: nil, inspector: inspector, ledgerKey: f.ledgerKey)
        }
        // The wrong root for the size read is refused.
        #expect(throws: ServiceError.self) {
            _ = try InspectedLedgers.anchor(f.store, f.ledger, run: "r1", period: "2025-autumn", unit: "430626", inspectingUnit: nil, checkedSize: read.size,
                                            checkedRoot: report, findings: 1, reportSHA256: report, inspector: inspector, ledgerKey: f.ledgerKey)
        }
        // Out of the inspector's scope.
        #expect(throws: ServiceError.self) {
            _ = try InspectedLedgers.anchor(f.store, f.ledger, run: "r1", period: "2025-autumn", unit: "430611", inspectingUnit: nil, checkedSize: read.size,
                                            checkedRoot: read.root!, findings: 1, reportSHA256: report, inspector: inspector, ledgerKey: f.ledgerKey)
        }
        let anchored = try InspectedLedgers.anchor(f.store, f.ledger, run: "r1", period: "2025-autumn", unit: "430626", inspectingUnit: "430602",
                                                   checkedSize: read.size, checkedRoot: read.root!, findings: 1, reportSHA256: report, inspector: inspector,
                                                   ledgerKey: f.ledgerKey)
        // The access entry commits the bulk read, after the crosscheck entry.
        #expect(anchored.lastSeq == read.size + 1)
        #expect(try f.store.entry(f.ledger, seq: read.size + 2)?.kind == "access")
        // An older signed checkpoint's root is accepted too (the ledger grew since the run read it).
        _ = try f.appendBatch("b2", count: 2, seed: 9)
        _ = try InspectedLedgers.anchor(f.store, f.ledger, run: "r2", period: "2025-autumn", unit: "430626", inspectingUnit: nil, checkedSize: read.size,
                                        checkedRoot: read.root!, findings: 0, reportSHA256: report, inspector: inspector, ledgerKey: f.ledgerKey)
        _ = try InspectedLedgers.dispose(f.store, f.ledger, finding: finding, rule: "XC-02", unit: "430626", reportSHA256: report, outcome: .confirmed,
                                         reason: "低保证已于学期前过期", action: "停止发放并追回资金", inspector: inspector, ledgerKey: f.ledgerKey)
        let verified = try StoreVerification.verify(f.store, f.ledger)
        #expect(verified.intact, "\(verified.findings)")
        #expect(verified.crosschecks.map(\.run) == ["r1", "r2"])
        #expect(verified.dispositions.count == 1 && verified.dispositions[0].finding == finding && verified.dispositions[0].outcome == "confirmed")
        // A fresh store (no cached state) knows the anchored report from the entries' bytes.
        let again = try StoreFixture(reconnecting: f)
        _ = try InspectedLedgers.dispose(again.store, again.ledger, finding: finding, rule: "XC-02", unit: "430626", reportSHA256: report, outcome: .explained,
                                         reason: "复核后属实补发", action: nil, inspector: inspector, ledgerKey: again.ledgerKey)
        #expect(try StoreVerification.verify(again.store, again.ledger).dispositions.count == 2)
    }
}

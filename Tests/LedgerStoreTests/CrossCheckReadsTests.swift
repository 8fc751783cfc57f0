import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
@testable import LedgerServices
import LedgerSamples
import LedgerStore
import PostgresClient
import Testing
import TestSupport

/// How a cross-check run reads the ledgers of the database: payments read from each entry's tape give what the
/// general decoders give, and ledgers read on several connections at once give the run one connection gives.
/// The demo city (every rule's irregularities, a reversal, a programme alias) in a real PostgreSQL.
@Suite(.serialized) struct CrossCheckReadsTests {
    struct City {
        let city: DemoCity
        let conninfo: String
        let keys: String
        let rules: String
        let ledgers: [LedgerRecord]
    }

    static func load() throws -> City {
        let conninfo = try TestDatabase.fresh()
        let directory = NSTemporaryDirectory() + "aidledger-reads-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))"
        let city = try DemoCity.generate(seed: 7, studentsPerUnit: 20)
        let store = try LedgerStore.connect(conninfo)
        let loaded = try DemoCityLoad.load(store, city: city, suite: .ed25519SHA256, keyDirectory: directory + "/keys", fileDirectory: directory + "/files")
        let rules = try CrossCheckRuns.installBuiltInRules(into: directory + "/rules")
        return City(city: city, conninfo: conninfo, keys: directory + "/keys", rules: rules, ledgers: loaded.ledgers)
    }

    /// Every entry of every ledger through the collector's tape path and through the general decoders: the same
    /// payments (every field) and the same reversals.
    @Test func paymentsFromTheTapeAreThoseTheDecodersGive() throws {
        let c = try Self.load()
        let store = try LedgerStore.connect(c.conninfo)
        let hash = try HashFunction(.sha256)
        var payments = 0, reversals = 0
        for ledger in c.ledgers {
            var tape = PaymentCollector(origin: ledger.origin, period: c.city.period, suite: ledger.suite)
            var general = PaymentCollector(origin: ledger.origin, period: c.city.period, suite: ledger.suite)
            let size = try store.head(ledger).size
            for (seq, bytes) in try store.entries(ledger, from: 1, limit: Int(size)) {
                let entryHash = hash.hash(bytes)
                bytes.withUnsafeBytes { raw in
                    tape.visit(seq: seq, bytes: raw, entryHash: entryHash)
                    general.visitDecoding(seq: seq, bytes: raw, entryHash: entryHash)
                }
            }
            #expect(tape.payments == general.payments, "\(ledger.origin)")
            #expect(tape.reversals == general.reversals, "\(ledger.origin)")
            payments += tape.payments.count
            reversals += tape.reversals.count
        }
        #expect(payments == c.city.batches.reduce(0) { $0 + $1.items.count } && reversals == c.city.reversals.count)

        // A payment of another year is passed over; bytes that are no entry are passed over without a trap.
        var collector = PaymentCollector(origin: "o", period: "2024-autumn", suite: .ed25519SHA256)
        let first = try #require(try store.entries(c.ledgers[0], from: 1, limit: 1000, kind: .payment).first)
        first.bytes.withUnsafeBytes { raw in collector.visit(seq: first.seq, bytes: raw, entryHash: .zero) }
        for junk in ["{}", "not json", #"{"kind":"payment"}"#, #"{"body":{"unit":1},"kind":"payment"}"#, ""] {
            Array(junk.utf8).withUnsafeBytes { raw in collector.visit(seq: 9, bytes: raw, entryHash: .zero) }
        }
        #expect(collector.payments.isEmpty && collector.reversals.isEmpty)
    }

    /// The run over the city with its ledgers read on several connections (a store from a connection string) and
    /// one after the other (a store from a connection): the same ledgers, payments and findings — the answer key's.
    @Test func ledgersReadAtOnceGiveTheSameRun() throws {
        let c = try Self.load()
        func run(_ store: LedgerStore, _ out: String) throws -> CrossCheckOutcome {
            let request = CrossCheckRequest(period: c.city.period, origins: [], configurationDirectory: c.rules, pairingFile: nil, inspector: nil,
                                            inspectorName: "test/inspector/1", outDirectory: NSTemporaryDirectory() + out + "-\(getpid())", reveal: false,
                                            purpose: nil, anchor: false)
            return try CrossCheckRuns.run(store, keyDirectory: c.keys, request: request)
        }
        let db = try PostgresConnection(c.conninfo)
        func reads() throws -> Int64 { try db.query("SELECT count(*) FROM access_log").int(0, 0) ?? -1 }
        let before = try reads()
        let parallel = try run(try LedgerStore.connect(c.conninfo), "reads-parallel")
        let between = try reads()
        let sequential = try run(LedgerStore(try PostgresConnection(c.conninfo)), "reads-sequential")
        // Each ledger's access log records the run's one read of it, in both runs.
        let after = try reads()
        #expect(between - before == Int64(c.ledgers.count) && after - between == Int64(c.ledgers.count))
        #expect(parallel.ledgers.map(\.origin) == sequential.ledgers.map(\.origin))
        for (a, b) in zip(parallel.ledgers, sequential.ledgers) {
            #expect(a.verified && a.size == b.size && a.root == b.root && a.payments == b.payments && a.units == b.units, "\(a.origin)")
        }
        #expect(parallel.report.findings.map(\.id) == sequential.report.findings.map(\.id))
        let found = Set(parallel.report.findings.map { "\($0.rule.rawValue) \($0.unit) \($0.idNumber ?? "-")" })
        let expected = Set(c.city.expected.map { "\($0.rule) \($0.unit) \($0.idNumber ?? "-")" })
        #expect(found == expected)
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerClient
import LedgerCore
import LedgerCrypto
@testable import LedgerServer
import LedgerServices
import LedgerStore
import PostgresClient
import Testing
import TestSupport

/// The handlers in process, through the application `aidledgerd` runs (`buildApplication`) and HummingbirdTesting's
/// router client: no socket, no child process. (Kill -9, SIGTERM and lease takeover stay in ServerTests, which
/// spawn the real binary.)
@Suite struct HandlerTests {
    /// A prepared daemon on the fixture's database and key directory, its application under test.
    func withApplication(_ s: LedgerSetup, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withApplication(s) { _, client in try await body(client) }
    }

    /// The same, with the daemon's setup (its state) at hand.
    func withApplication(_ s: LedgerSetup, _ body: @Sendable (DaemonSetup, any TestClientProtocol) async throws -> Void) async throws {
        var c = ServerConfiguration()
        c.database = s.conninfo
        c.dataDir = s.dir.path
        c.logLevel = "warning"
        let (database, setup) = try Daemon.prepare(c)
        defer {
            setup.shutDown()
            database.close()
        }
        try await buildApplication(setup).test(.router) { client in try await body(setup, client) }
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func json(_ r: TestResponse) -> JSONObject { (try? JSONParser.parse(Array(r.body.readableBytesView), mode: .lenient))?.objectValue ?? [:] }

    static func errorCode(_ r: TestResponse) -> String? { json(r)["error"]?.objectValue?["code"]?.stringValue }

    @Test func publicReadsAndNumbersBeyondEveryRange() async throws {
        let s = try LedgerSetup()
        try await withApplication(s) { client in
            let ledgers = try await client.execute(uri: "/v1/ledgers", method: .get)
            #expect(ledgers.status == .ok && String(buffer: ledgers.body).contains(s.origin))
            let head = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/checkpoint", method: .get)
            #expect(head.status == .ok && String(buffer: head.body).hasPrefix(s.origin + "\n4\n"))
            // Sizes and seqs past Int64: answered, never a trap.
            for uri in ["/v1/ledgers/\(s.ledger.id)/checkpoints/9223372036854775808", "/v1/ledgers/\(s.ledger.id)/checkpoints/18446744073709551615"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .notFound, "\(uri): \(r.status)")
            }
            let far = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/entries/9223372036854775808", method: .get, headers: Self.bearer(s.inspectorToken))
            #expect(far.status == .notFound && Self.errorCode(far) == "not-found")
            for uri in ["/entries?after=18446744073709551615", "/entries?after=9223372036854775807&limit=1000", "/entries?after=-1",
                        "/entries?limit=99999999999999999999", "/entries/-1", "/entries/0", "/checkpoints/-1", "/checkpoints/0",
                        "/entries/18446744073709551616", "/access-log?before=-9223372036854775808"] {
                let r = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)" + uri, method: .get, headers: Self.bearer(s.inspectorToken))
                #expect([200, 400, 404].contains(r.status.code), "\(uri): \(r.status)")
                if r.status.code != 200 { #expect(Self.errorCode(r) != nil, "\(uri): an error without a code") }
            }
            let anonymous = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/entries", method: .get)
            #expect(anonymous.status == .unauthorized && Self.errorCode(anonymous) == "unauthenticated")
            let unknown = try await client.execute(uri: "/v1/ledgers/999999/checkpoint", method: .get)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func submissionsAreDecidedByTheAdmissionWithStableCodes() async throws {
        let s = try LedgerSetup()
        let first = try s.batch("h-1", count: 3, seed: 1)
        let samePeople = try s.batch("h-2", count: 3, seed: 1)
        let foreign = try s.batch("h-3", count: 1, seed: 3, officer: s.officerB, unit: "430626")
        try await withApplication(s) { client in
            func post(_ path: String, _ body: [UInt8], token: String) async throws -> TestResponse {
                var headers = Self.bearer(token)
                headers[.contentType] = "application/json"
                return try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)" + path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
            }
            let created = try await post("/batches", BatchRequest.json(first), token: s.tokenA)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            #expect(Self.json(created)["first_seq"]?.intValue == 5)
            // The same batch again: its original receipt.
            let again = try await post("/batches", BatchRequest.json(first), token: s.tokenA)
            #expect(again.status == .ok && Self.json(again)["duplicate"]?.boolValue == true && Self.json(again)["first_seq"]?.intValue == 5)
            // The same people under another batch id: refused, with the admission's code.
            let twice = try await post("/batches", BatchRequest.json(samePeople), token: s.tokenA)
            #expect(twice.status == .conflict && Self.errorCode(twice) == "payment-duplicate", "\(String(buffer: twice.body))")
            // Officer B signs for a unit outside its scope, with its own token.
            let scope = try await post("/batches", BatchRequest.json(foreign), token: s.tokenB)
            #expect(scope.status == .forbidden && Self.errorCode(scope) == "signer-scope", "\(String(buffer: scope.body))")
            // Reversals: a batch header is no target; a payment once only.
            let store = try LedgerStore.connect(s.conninfo)
            func reversal(_ seq: UInt64) throws -> [UInt8] {
                let target = try store.entry(s.ledger, seq: seq)!
                let amount = (try Entry(decoding: target.bytes).body["amount_fen"]?.intValue) ?? 1
                return CanonicalJSON.encode(.object(try ReversalBody.make(target: seq, targetHash: target.hash, amountFen: amount, reason: "重复发放",
                                                                          origin: s.origin, signedAt: Timestamp.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)), officer: s.officerA)))
            }
            let header = try await post("/reversals", try reversal(4), token: s.tokenA)
            #expect(header.status == .unprocessableContent && Self.errorCode(header) == "reversal-target", "\(String(buffer: header.body))")
            let reversed = try await post("/reversals", try reversal(6), token: s.tokenA)
            #expect(reversed.status == .created)
            let reversedTwice = try await post("/reversals", try reversal(6), token: s.tokenA)
            #expect(reversedTwice.status == .conflict && Self.errorCode(reversedTwice) == "reversal-duplicate")
            // The ledger verifies, from the endpoint.
            let v = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/verification", method: .get, headers: Self.bearer(s.inspectorToken))
            #expect(v.status == .ok && Self.json(v)["intact"]?.boolValue == true, "\(String(buffer: v.body))")
        }
    }

    /// `/readyz` answers 503 `no-space` while the last write failed for lack of space (the writer sets the flag on
    /// SQLSTATE 53100/53200 and clears it on the next committed group), and the gauge says so. A real full disk is
    /// not produced here (it needs a size-limited mount); the mapping from the SQLSTATE is checked on its own.
    @Test func readyzFollowsTheLastWriteLackingSpace() async throws {
        let s = try LedgerSetup()
        try await withApplication(s) { setup, client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            setup.state.metrics.lastWriteLackedSpace = true
            let full = try await client.execute(uri: "/readyz", method: .get)
            let body = String(buffer: full.body)
            #expect(full.status == .serviceUnavailable && body.contains(#""code":"no-space""#) && full.headers[.retryAfter] != nil, "\(body)")
            #expect(String(buffer: try await client.execute(uri: "/metrics", method: .get).body).contains("aidledger_write_space_exhausted 1"))
            setup.state.metrics.lastWriteLackedSpace = false
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
        #expect(LedgerStore.isOutOfSpace(PostgresError(code: .server, sqlState: "53100", message: "disk full", context: "test")))
        #expect(LedgerStore.isOutOfSpace(PostgresError(code: .server, sqlState: "53200", message: "disk full", context: "test")))
        #expect(!LedgerStore.isOutOfSpace(PostgresError(code: .server, sqlState: "53300", message: "disk full", context: "test")))
    }
}

/// The writer's choice of a group, as a value.
@Suite struct GroupTakingTests {
    @Test func firstAlwaysThenWhatFitsInOrder() {
        let take = GroupTaking(maxEntries: 10)
        #expect(take.count(of: [Int]()) == 0)
        #expect(take.count(of: [25]) == 1)            // larger than a group alone: taken alone
        #expect(take.count(of: [25, 1]) == 1)
        #expect(take.count(of: [4, 4, 2, 1]) == 3)    // 4 + 4 + 2 = 10 fits; the 1 waits
        #expect(take.count(of: [4, 7, 1]) == 1)       // never skips ahead of the 7
        #expect(take.count(of: Array(repeating: 1, count: 50)) == 10)
        #expect(GroupTaking(maxEntries: 0).count(of: [1, 1]) == 1)
    }

}

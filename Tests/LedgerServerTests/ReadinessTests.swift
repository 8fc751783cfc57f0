import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
@testable import LedgerServer
import LedgerServices
import LedgerStore
import PostgresClient
import Testing
import TestSupport

/// `/readyz` answers 503 `no-space` while the last write failed for lack of space (the writer sets the flag on
/// SQLSTATE 53100/53200 and clears it on the next committed group), and the gauge says so. A real full disk is not
/// produced here (it needs a size-limited mount); the mapping from the SQLSTATE is checked on its own.
@Suite struct ReadinessTests {
    @Test func readyzFollowsTheLastWriteLackingSpace() async throws {
        let s = try LedgerSetup()
        var c = ServerConfiguration()
        c.database = s.conninfo
        c.dataDir = s.dir.path
        c.logLevel = "warning"
        let (database, setup) = try Daemon.prepare(c)
        defer {
            setup.shutDown()
            database.close()
        }
        try await buildApplication(setup).test(.router) { client in
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

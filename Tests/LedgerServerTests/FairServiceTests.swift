import Foundation
import LedgerClient
import LedgerCore
import LedgerStore
import LedgerVerify
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Slow and frozen clients and processes cannot hold the service: a frozen writer loses the lease, a half-sent
/// request is closed, bodies in memory are bounded, and verifications requested at once share one run.
@Suite struct FairServiceTests {
    /// A writer frozen (SIGSTOP) while holding the write lease: its database session ends after
    /// lease_idle_timeout_seconds and the second daemon takes over the writes.
    @Test func aFrozenWriterLosesTheLease() throws {
        let s = try LedgerSetup()
        let env = ["AIDLEDGERD_LEASE_IDLE_TIMEOUT_SECONDS": "2"]
        let a = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir, environment: env)
        let b = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir, environment: env)
        defer { kill(a.pid, SIGCONT); a.terminate(); b.terminate() }
        #expect(try submit(try s.batch("f-1"), to: a.url, ledger: s.ledger.id, token: s.tokenA).status == 201)
        kill(a.pid, SIGSTOP)
        let started = Date()
        var status = 0
        while Date().timeIntervalSince(started) < 30 {
            status = try submit(try s.batch("f-2", seed: 2), to: b.url, ledger: s.ledger.id, token: s.tokenA).status
            if status == 201 { break }
            #expect(status == 503)
            usleep(250_000)
        }
        #expect(status == 201, "the second daemon took over within 30 s")
        // The frozen one, thawed, is no longer the writer: its writes are refused 503, nothing forks.
        kill(a.pid, SIGCONT)
        let late = try submit(try s.batch("f-3", seed: 3), to: a.url, ledger: s.ledger.id, token: s.tokenA)
        #expect(late.status == 503, "\(late.status) \(late.text)")
        #expect(try s.verify().intact)
    }

    /// A request whose head or body stops arriving is closed after idle_timeout_seconds; bodies beyond
    /// max_concurrent_body_bytes wait (503 busy) instead of filling memory.
    @Test func halfSentRequestsAreClosedAndBodiesInMemoryAreBounded() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir,
                                  environment: ["AIDLEDGERD_IDLE_TIMEOUT_SECONDS": "1", "AIDLEDGERD_MAX_CONCURRENT_BODY_BYTES": "4096"])
        defer { d.terminate() }
        let port = UInt16(d.port)
        func connect() throws -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard rc == 0 else { throw TestDataError("connect: \(errno)") }
            var tv = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
        func send(_ fd: Int32, _ text: String) { _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, 0) } }
        /// Reads until the peer closes; the bytes read.
        func readToClose(_ fd: Int32) -> (bytes: String, closed: Bool) {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 { return (String(decoding: out, as: UTF8.self), true) }
                if n < 0 { return (String(decoding: out, as: UTF8.self), false) }
                out += buffer[0..<n]
            }
        }
        // Half a request head, then nothing: closed.
        let half = try connect()
        send(half, "GET /v1/ledgers HTTP/1.1\r\nHost: x\r\n")
        let started = Date()
        #expect(readToClose(half).closed, "a half-sent head is closed")
        #expect(Date().timeIntervalSince(started) < 9)
        close(half)
        // A body that stops half-way holds its 3,000 bytes of the 4,096-byte budget; a second one is refused 503
        // busy before it is read; once the first connection is closed the budget is free again.
        let path = "/v1/ledgers/\(s.ledger.id)/batches"
        let slow = try connect()
        send(slow, "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(s.tokenA)\r\nContent-Type: application/json\r\nContent-Length: 3000\r\n\r\n{\"batch\":")
        usleep(200_000)
        let c = try HTTPClient(url: d.url)
        let busy = try c.request("POST", path, headers: [("Authorization", "Bearer \(s.tokenA)"), ("Content-Type", "application/json")], body: Array(repeating: 0x20, count: 3000))
        #expect(busy.status == 503 && busy.text.contains(#""code":"busy""#) && busy.header("retry-after") != nil, "\(busy.status) \(busy.text)")
        #expect(readToClose(slow).closed, "the stalled body is closed after the idle timeout")
        close(slow)
        usleep(300_000)
        let after = try HTTPClient(url: d.url).request("POST", path, headers: [("Authorization", "Bearer \(s.tokenA)"), ("Content-Type", "application/json")],
                                                       body: Array("{}".utf8) + Array(repeating: 0x20, count: 2998))
        #expect(after.status == 400, "the budget is free again: the body is read and judged (\(after.status) \(after.text))")
    }

    /// Requests the HTTP parser rejects get the API's JSON error too (400 `bad-request`), and the connection is
    /// closed; the daemon keeps serving.
    @Test func unparseableRequestsGetTheJSONError() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        for raw in ["GET /v1/led gers HTTP/1.1\r\nHost: x\r\n\r\n", "FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET /v1/ledgers HTTP/1.1\r\nHost x\r\n\r\n", "POST /v1/ledgers/1/batches HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"] {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(d.port).bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            #expect(rc == 0)
            var tv = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            _ = raw.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, 0) }
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                out += buffer[0..<n]
            }
            let text = String(decoding: out, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 400") && text.contains("application/json") && text.contains(#""code":"bad-request""#), "\(raw.prefix(30)): \(text)")
        }
        #expect(try HTTPClient(url: d.url).request("GET", "/v1/ledgers").status == 200)
    }

    /// Sixteen verifications requested at once: every one answered with the same report (one run), and a
    /// plain read is answered while they run.
    @Test func concurrentVerificationsShareOneRunAndLeaveReadsAlone() throws {
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        for i in 0..<3 { #expect(try submit(try s.batch("v-\(i)", count: 50, seed: UInt64(i + 1)), to: d.url, ledger: s.ledger.id, token: s.tokenA).status == 201) }
        let reports = Collected<String>()
        let reads = Collected<Int>()
        let path = "/v1/ledgers/\(s.ledger.id)/verification"
        let reader = Thread {
            if let c = try? HTTPClient(url: d.url) {
                for _ in 0..<20 { if let r = try? c.request("GET", "/v1/ledgers/\(s.ledger.id)/checkpoint") { reads.append(r.status) } }
            }
        }
        reader.start()
        concurrently(16) { _ in
            if let r = try? HTTPClient(url: d.url).request("GET", path, headers: [("Authorization", "Bearer \(s.inspectorToken)")]) {
                reports.append("\(r.status) \(r.text)")
            }
        }
        reads.wait(forAtLeast: 20)
        #expect(reports.all.count == 16 && Set(reports.all).count == 1, "\(Set(reports.all).map { $0.prefix(120) })")
        #expect(reports.all.first?.hasPrefix("200 ") == true && reports.all.first?.contains(#""intact":true"#) == true)
        #expect(reads.all.allSatisfy { $0 == 200 })
        let metrics = try HTTPClient(url: d.url).request("GET", "/metrics").text
        #expect(metrics.contains("aidledger_write_space_exhausted 0"))
    }
}

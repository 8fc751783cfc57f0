#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A response: status, headers (names lowercased) and body.
public struct HTTPClientResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A small blocking HTTP/1.1 client over one keep-alive TCP connection (plain HTTP: TLS is the reverse proxy's,
/// Deploy/README.md). For the CLI's `--server`, the tests and the benchmarks; not thread-safe (one per thread).
public final class HTTPClient {
    public let host: String
    public let port: Int
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    /// Seconds to wait for each read or write before giving up.
    public var timeout: Int = 60

    /// `url`: `http://host:port` (a path after it is ignored).
    public init(url: String) throws {
        guard url.hasPrefix("http://") else { throw HTTPClientError("\(url): only http:// URLs (put TLS in front, see Deploy/README.md)") }
        let rest = url.dropFirst(7).prefix { $0 != "/" }
        let parts = rest.split(separator: ":", maxSplits: 1)
        guard let h = parts.first, !h.isEmpty else { throw HTTPClientError("\(url): no host") }
        host = h == "localhost" ? "127.0.0.1" : String(h)
        if parts.count == 2 {
            guard let p = Int(parts[1]), p > 0, p < 65536 else { throw HTTPClientError("\(url): bad port") }
            port = p
        } else {
            port = 80
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
        buffer = []
    }

    /// Sends one request and reads the whole response.
    public func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPClientResponse {
        if fd >= 0 && peerClosed() { close() }
        if fd < 0 { try connect() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        for (n, v) in headers { head += "\(n): \(v)\r\n" }
        head += "\r\n"
        do {
            try send(Array(head.utf8) + body)
            return try readResponse(method: method)
        } catch {
            close()
            throw error
        }
    }

    private func connect() throws {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else { throw HTTPClientError("cannot resolve \(host)") }
        defer { freeaddrinfo(result) }
        let s = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard s >= 0 else { throw HTTPClientError("socket: \(String(cString: strerror(errno)))") }
        guard Glibc.connect(s, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let why = String(cString: strerror(errno))
            _ = Glibc.close(s)
            throw HTTPClientError("cannot connect to \(host):\(port): \(why)")
        }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        fd = s
    }

    /// True if the server has closed an idle keep-alive connection.
    private func peerClosed() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) == 1 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK)) <= 0
    }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        try bytes.withUnsafeBytes { raw in
            while sent < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw HTTPClientError("connection lost while sending (\(String(cString: strerror(errno))))") }
                sent += n
            }
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        if n < 0 { throw HTTPClientError("connection lost while reading (\(String(cString: strerror(errno))))") }
        if n == 0 { return false }
        buffer += chunk[0..<n]
        return true
    }

    private func readLine() throws -> String {
        while true {
            if let i = buffer.firstIndex(of: 0x0a) {
                var line = Array(buffer[..<i])
                buffer.removeSubrange(...i)
                if line.last == 0x0d { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw HTTPClientError("connection closed before the response was complete") }
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw HTTPClientError("connection closed before the response body was complete") }
        }
        let out = Array(buffer[..<count])
        buffer.removeSubrange(..<count)
        return out
    }

    private func readResponse(method: String) throws -> HTTPClientResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { throw HTTPClientError("not an HTTP response: \(statusLine.prefix(80))") }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: " \t")))
        }
        func header(_ n: String) -> String? { headers.first { $0.name == n }?.value }
        var body: [UInt8] = []
        if method == "HEAD" || status == 204 || status == 304 {
        } else if header("transfer-encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";")[0].trimmingCharacters(in: " "), radix: 16) else { throw HTTPClientError("bad chunk size") }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                body += try readBytes(size)
                _ = try readLine()
            }
        } else if let length = header("content-length").flatMap({ Int($0) }) {
            body = try readBytes(length)
        } else {
            while try fill() {}
            body = buffer
            buffer = []
            close()
        }
        if header("connection")?.lowercased() == "close" { close() }
        return HTTPClientResponse(status: status, headers: headers, body: body)
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

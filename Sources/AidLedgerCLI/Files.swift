import Foundation
import LedgerCore
#if canImport(Glibc)
import Glibc
#endif

enum Files {
    /// Reads a whole file, memory-mapped when possible.
    static func read(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw CLIError("cannot read \(path): \((error as NSError).localizedDescription)")
        }
    }

    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, overwrite: Bool = true) throws {
        let flags = O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else {
            throw CLIError(errno == EEXIST ? "\(path) already exists; refusing to overwrite it" : "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // open() applies the umask; set the mode explicitly so key files are 0600 whatever the umask.
        fchmod(fd, mode)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
        guard fsync(fd) == 0 else { throw CLIError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    static func makeDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot create directory \(path): \((error as NSError).localizedDescription)")
        }
    }
}

/// Private key files: PKCS#8 PEM (readable by `openssl pkey`) preceded by comment lines naming the key and suite.
package enum KeyFile {
    package static func write(_ key: NamedSigningKey, to path: String) throws {
        let text = "# aidledger signing key — keep secret\n# name: \(key.name)\n# suite: \(key.suite.rawValue)\n# vkey: \(key.verifierKey)\n" + (try key.key.pem())
        try Files.write(path, Array(text.utf8), mode: 0o600, overwrite: false)
    }

    package static func read(_ path: String) throws -> NamedSigningKey {
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        var name: String?, suite: Suite?
        for line in text.split(separator: "\n") where line.hasPrefix("# ") {
            if line.hasPrefix("# name: ") { name = String(line.dropFirst(8)) }
            if line.hasPrefix("# suite: ") { suite = Suite(rawValue: String(line.dropFirst(9))) }
        }
        guard let name, let suite else { throw CLIError("\(path): not an aidledger key file (missing '# name:' or '# suite:' line)") }
        do { return try NamedSigningKey(name: name, key: SigningKey(pem: text), suite: suite) } catch {
            throw CLIError("\(path): cannot load the private key: \(error)")
        }
    }
}

/// Progress on standard error, only when it is a terminal: count, rate and ETA, redrawn at most 5 times a second.
final class ProgressLine {
    let label: String
    let enabled: Bool
    let start = ContinuousClock.now
    var lastDraw = ContinuousClock.now - .seconds(1)
    var drew = false

    init(_ label: String) {
        self.label = label
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    func update(_ done: UInt64, of total: UInt64) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - lastDraw >= .milliseconds(200) || done == total else { return }
        lastDraw = now
        let elapsed = Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = "\(label): \(Format.grouped(Int64(done))) / \(Format.grouped(Int64(total))) (\(Format.grouped(Int64(rate)))/s, ETA \(Int(eta.rounded()))s)"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drew = true
    }

    func finish() {
        if enabled && drew { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Phase messages with elapsed time on standard error, only when it is a terminal.
final class PhaseLine {
    let enabled = isatty(STDERR_FILENO) == 1
    var start = ContinuousClock.now

    func begin(_ what: String) {
        start = ContinuousClock.now
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K\(what) …".utf8)) }
    }

    func end(_ what: String) {
        guard enabled else { return }
        let d = ContinuousClock.now - start
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        FileHandle.standardError.write(Data("\r\u{1B}[K\(what) (\(String(format: "%.1f", seconds)) s)\n".utf8))
    }
}

enum Format {
    static func grouped(_ v: Int64) -> String {
        let s = String(v.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    /// Fen as yuan with two decimals and thousands separators.
    static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let m = fen.magnitude
        let cents = m % 100
        return sign + grouped(Int64(m / 100)) + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        // Width in terminal columns: count CJK characters as two.
        let w = s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
        let fill = String(repeating: " ", count: max(0, width - w))
        return right ? fill + s : s + fill
    }
}

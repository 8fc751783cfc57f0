import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on standard error, only when it is a terminal: count, rate and ETA, redrawn at most 5 times a second.
public final class ProgressLine {
    let label: String
    let enabled: Bool
    let start = ContinuousClock.now
    var lastDraw = ContinuousClock.now - .seconds(1)
    var drew = false

    public init(_ label: String) {
        self.label = label
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    public func update(_ done: UInt64, of total: UInt64) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - lastDraw >= .milliseconds(200) || done == total else { return }
        lastDraw = now
        let elapsed = Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = "\(label): \(TextFormat.grouped(Int64(done))) / \(TextFormat.grouped(Int64(total))) (\(TextFormat.grouped(Int64(rate)))/s, ETA \(Int(eta.rounded()))s)"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drew = true
    }

    public func finish() {
        if enabled && drew { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Phase messages with elapsed time on standard error, only when it is a terminal.
public final class PhaseLine {
    public init() {}
    let enabled = isatty(STDERR_FILENO) == 1
    var start = ContinuousClock.now

    public func begin(_ what: String) {
        start = ContinuousClock.now
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K\(what) …".utf8)) }
    }

    public func end(_ what: String) {
        guard enabled else { return }
        let d = ContinuousClock.now - start
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        FileHandle.standardError.write(Data("\r\u{1B}[K\(what) (\(String(format: "%.1f", seconds)) s)\n".utf8))
    }
}

/// Numbers and amounts as officers read them.
public enum TextFormat {
    public static func grouped(_ v: Int64) -> String {
        let s = String(v.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    /// Fen as yuan with two decimals and thousands separators.
    public static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let m = fen.magnitude
        let cents = m % 100
        return sign + grouped(Int64(m / 100)) + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    public static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        // Width in terminal columns: count CJK characters as two.
        let w = s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
        let fill = String(repeating: " ", count: max(0, width - w))
        return right ? fill + s : s + fill
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bundle file: one ledger's entries and checkpoints, with no personal data, for offline verification.
///
/// ```
/// aidledger-bundle/v1
/// {"checkpoints":M,"entries":N,"origin":"…","suite":"…"}
/// <N lines: the canonical bytes of entries seq 1…N, in order>
/// <M lines: each a JSON string holding one signed checkpoint note>
/// ```
/// Every line ends with LF, including the last.
public enum Bundle {
    public static let magic = "aidledger-bundle/v1"

    public struct Header: Sendable, Equatable {
        public let origin: String
        public let suite: Suite
        public let entries: UInt64
        public let checkpoints: UInt64

        public init(origin: String, suite: Suite, entries: UInt64, checkpoints: UInt64) {
            self.origin = origin
            self.suite = suite
            self.entries = entries
            self.checkpoints = checkpoints
        }

        var json: JSONValue {
            .object(["origin": .string(origin), "suite": .string(suite.rawValue), "entries": .int(Int64(entries)), "checkpoints": .int(Int64(checkpoints))])
        }
    }

    /// Serializes a bundle.
    public static func encode(header: Header, entries: [[UInt8]], checkpoints: [String]) -> [UInt8] {
        var out = headerLines(header)
        for e in entries { out.append(contentsOf: e); out.append(0x0a) }
        out += checkpointLines(checkpoints)
        return out
    }

    /// The first two lines: the magic line and the header.
    public static func headerLines(_ header: Header) -> [UInt8] {
        var out = Array((magic + "\n").utf8)
        CanonicalJSON.encode(header.json, into: &out)
        out.append(0x0a)
        return out
    }

    /// The checkpoint lines that end a bundle: each note as a JSON string.
    public static func checkpointLines(_ checkpoints: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for c in checkpoints { CanonicalJSON.encode(.string(c), into: &out); out.append(0x0a) }
        return out
    }

    /// A parsed bundle: its header and the byte ranges of its lines, pointing into the caller's buffer.
    public struct Layout: Sendable {
        public let header: Header
        /// Byte ranges of the entry lines (without the LF).
        public let entryLines: [Range<Int>]
        /// The checkpoint notes, decoded from their JSON strings.
        public let checkpoints: [String]
    }

    /// Splits a bundle into its parts. Throws with the line number for a malformed header, a line count that
    /// disagrees with the header, a missing final LF, or a checkpoint line that is not a JSON string.
    public static func layout(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> Layout {
        var lines: [Range<Int>] = []
        var start = 0
        let n = bytes.count
        if let base = bytes.baseAddress {
            while start < n, let hit = memchr(base + start, 0x0a, n - start) {
                let i = base.distance(to: UnsafeRawPointer(hit))
                lines.append(start..<i)
                start = i + 1
            }
        }
        guard start == n else { throw FormatError(.badBundle, "line \(lines.count + 1): the bundle does not end with a newline (truncated?)") }
        guard lines.count >= 2 else { throw FormatError(.badBundle, "line 1: not an aidledger bundle (too short)") }
        let magicLine = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lines[0]]), as: UTF8.self)
        guard magicLine == magic else { throw FormatError(.badBundle, "line 1: expected \"\(magic)\", found something else") }
        let headerValue: JSONValue
        do { headerValue = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[lines[1]]), mode: .canonical) } catch {
            throw FormatError(.badBundle, "line 2: bundle header is not canonical JSON: \(error)")
        }
        let origin: String, suite: Suite, entries: UInt64, checkpoints: UInt64
        do {
            var r = try FieldReader(headerValue, context: "bundle header")
            origin = try r.string("origin", VerifierKey.isValidName, expected: "a ledger origin")
            suite = try r.oneOf("suite", Suite.self)
            entries = UInt64(try r.int("entries", min: 0))
            checkpoints = UInt64(try r.int("checkpoints", min: 0))
            try r.finish()
        } catch {
            throw FormatError(.badBundle, "line 2: \(error.message)")
        }
        let header = Header(origin: origin, suite: suite, entries: entries, checkpoints: checkpoints)
        let body = lines.count - 2
        guard UInt64(body) == entries + checkpoints else {
            throw FormatError(.badBundle, "line 2: header promises \(entries) entries and \(checkpoints) checkpoints, but the bundle has \(body) lines after the header")
        }
        let entryLines = Array(lines[2..<(2 + Int(entries))])
        var notes: [String] = []
        for (k, range) in lines[(2 + Int(entries))...].enumerated() {
            let lineNumber = 3 + Int(entries) + k
            guard case .string(let note) = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[range]), mode: .canonical) else {
                throw FormatError(.badBundle, "line \(lineNumber): a checkpoint line must be a canonical JSON string")
            }
            notes.append(note)
        }
        return Layout(header: header, entryLines: entryLines, checkpoints: notes)
    }
}

import LedgerCrypto
/// The kinds of ledger entry defined by format version 1.
public enum EntryKind: String, Sendable, CaseIterable {
    case genesis, key, batch, payment, reversal, erase
    /// Commits the access log of personal reads (FORMAT.md §6.7): appended by the ledger itself.
    case access
    /// Anchors a cross-county report (FORMAT.md §6.8), signed by an inspector.
    case crosscheck
    /// Records the outcome of one finding of an anchored report (FORMAT.md §6.9), signed by an inspector.
    case disposition
    /// Records a published 公示 export and its signed manifest (FORMAT.md §6.10, §18): appended by the ledger itself.
    case disclosure
}

/// A ledger entry: the envelope common to every kind, and its kind-specific body.
///
/// Serialized as RFC 8785 canonical JSON: `{"body":…,"kind":…,"origin":…,"prev":…,"seq":…,"time":…,"v":1}`.
/// The entry hash is H(0x00 || canonical bytes), which is also its RFC 6962 leaf hash.
public struct Entry: Sendable, Equatable {
    public static let formatVersion: Int64 = 1

    public var origin: String
    public var seq: UInt64
    public var kind: EntryKind
    /// UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var time: String
    /// Entry hash of seq − 1; all zero for seq 1.
    public var prev: Digest32
    public var body: JSONObject
    /// When decoded from bytes: the range of the body's canonical bytes within them.
    public private(set) var bodyRange: Range<Int>? = nil

    public init(origin: String, seq: UInt64, kind: EntryKind, time: String, prev: Digest32, body: JSONObject) {
        self.origin = origin
        self.seq = seq
        self.kind = kind
        self.time = time
        self.prev = prev
        self.body = body
    }

    public var json: JSONValue {
        .object([
            "v": .int(Entry.formatVersion),
            "origin": .string(origin),
            "seq": .int(Int64(seq)),
            "kind": .string(kind.rawValue),
            "time": .string(time),
            "prev": .string(prev.hex),
            "body": .object(body),
        ])
    }

    public func canonicalBytes() -> [UInt8] { CanonicalJSON.encode(json) }

    /// Decodes an entry from its stored bytes, which must be canonical JSON; validates the envelope only.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(FormatError) {
        let value: JSONValue
        do {
            let (v, members) = try JSONParser.parseRecordingMembers(bytes, mode: .canonical)
            value = v
            bodyRange = members.first { $0.key == "body" }?.range
        } catch {
            throw FormatError(.badJSON, "entry is not canonical JSON: \(error)")
        }
        var r = try FieldReader(value, context: "entry")
        let v = try r.int("v")
        guard v == Entry.formatVersion else { throw FormatError(.badField, "entry.v: unsupported format version \(v)") }
        origin = try r.string("origin", { !$0.isEmpty && VerifierKey.isValidName($0) }, expected: "a non-empty origin without spaces or '+'")
        seq = UInt64(try r.int("seq", min: 1))
        kind = try r.oneOf("kind", EntryKind.self)
        time = try r.string("time", FieldSyntax.isTimestamp, expected: "a UTC timestamp YYYY-MM-DDTHH:MM:SS.mmmZ")
        prev = try r.digest("prev")
        let b = try r.value("body")
        guard case .object(let o) = b else { throw FormatError(.badField, "entry.body: must be an object, found \(b.typeName)") }
        body = o
        try r.finish()
    }

    public init(decoding bytes: [UInt8]) throws(FormatError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(FormatError) -> Entry in try Entry(decoding: raw) } }
        self = try result.get()
    }
}

/// Entry hashing: H(0x00 || canonical bytes).
public enum EntryHash {
    public static func compute(_ canonicalBytes: UnsafeRawBufferPointer, hash: HashFunction) -> Digest32 {
        hash.hash(prefix: MerkleTree.leafPrefix, canonicalBytes)
    }

    public static func compute(_ canonicalBytes: [UInt8], hash: HashFunction) -> Digest32 {
        canonicalBytes.withUnsafeBytes { compute($0, hash: hash) }
    }
}

/// Hashes of a stored entry computed ahead of verification, on another thread: its entry hash and, for what
/// looks like a payment, the leaf hash of its body bytes with where the body is. A verifier uses the body hash
/// only if its own parse finds the body at exactly that range, so a wrong guess costs a recomputation, never a
/// wrong answer.
package struct PrecomputedHashes: Sendable {
    package let entry: Digest32
    package let paymentBody: Range<Int>?
    package let paymentBodyLeaf: Digest32?

    /// `{"body":` opens every entry (the first key in canonical order) and a payment body has no member `kind`, so
    /// the envelope's `,"kind":"payment","` — which cannot occur inside a canonical string, where `"` is escaped
    /// — ends the body. (If an odd entry had the marker twice, the range found would differ from the parse's,
    /// and the verifier would hash the body itself.)
    package static func compute(_ bytes: UnsafeRawBufferPointer, hash: HashFunction) -> PrecomputedHashes {
        let entry = EntryHash.compute(bytes, hash: hash)
        let opening = #"{"body":{"#.utf8, marker = #","kind":"payment","#.utf8
        guard bytes.count > 64, bytes.starts(with: opening) else { return PrecomputedHashes(entry: entry, paymentBody: nil, paymentBodyLeaf: nil) }
        // Search backwards: the marker is followed only by the envelope's last members (origin, prev, seq, time,
        // v: about 150 bytes), while the body before it is most of the entry.
        let m = Array(marker)
        var found: Int? = nil
        var i = bytes.count - m.count
        while i >= 8 {
            if bytes[i] == 0x2C, bytes[i + 1] == 0x22, bytes[i + 2] == 0x6B, UnsafeRawBufferPointer(rebasing: bytes[i..<(i + m.count)]).elementsEqual(m) {
                found = i
                break
            }
            i -= 1
        }
        guard let end = found else { return PrecomputedHashes(entry: entry, paymentBody: nil, paymentBodyLeaf: nil) }
        let body = 8..<end
        return PrecomputedHashes(entry: entry, paymentBody: body, paymentBodyLeaf: hash.hash(prefix: MerkleTree.leafPrefix, UnsafeRawBufferPointer(rebasing: bytes[body])))
    }
}

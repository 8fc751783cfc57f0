import LedgerCrypto
/// An entry as appended: its seq, canonical bytes and entry hash.
public struct AppendedEntry: Sendable, Equatable {
    public let seq: UInt64
    public let kind: EntryKind
    public let bytes: [UInt8]
    public let hash: Digest32
}

/// The pure append path of one ledger: assigns seqs, links `prev`, serializes canonically, hashes, and extends
/// the Merkle frontier. It does no I/O; the store persists what it returns and the head state it ends in.
///
/// Not thread-safe: one appender per ledger writer.
public final class LedgerAppender {
    public let origin: String
    public let suite: Suite
    public private(set) var size: UInt64
    public private(set) var lastHash: Digest32
    public private(set) var frontier: MerkleFrontier
    /// Time of the last entry; entry times never decrease.
    public private(set) var lastTime: String
    let hash: HashFunction

    /// A new, empty ledger.
    public init(origin: String, suite: Suite) {
        self.origin = origin
        self.suite = suite
        self.size = 0
        self.lastHash = .zero
        self.frontier = MerkleFrontier()
        self.lastTime = ""
        self.hash = suite.makeHashFunction()
    }

    /// Resumes from a stored head.
    public init(origin: String, suite: Suite, size: UInt64, lastHash: Digest32, frontier: MerkleFrontier, lastTime: String) {
        precondition(frontier.size == size, "frontier does not match the head size")
        self.origin = origin
        self.suite = suite
        self.size = size
        self.lastHash = lastHash
        self.frontier = frontier
        self.lastTime = lastTime
        self.hash = suite.makeHashFunction()
    }

    /// Appends one entry with `body`. `time` is raised to the previous entry's time if it is earlier.
    @discardableResult
    public func append(kind: EntryKind, body: JSONObject, time: String) -> AppendedEntry {
        append(kind: kind, canonicalBody: CanonicalJSON.encode(.object(body)), time: time)
    }

    /// Appends one entry whose body is already canonical JSON (e.g. a payment body whose bytes were hashed for
    /// the batch item root). JCS orders `body` first, so the entry is `{"body":` + body + the other members.
    @discardableResult
    public func append(kind: EntryKind, canonicalBody: [UInt8], time: String) -> AppendedEntry {
        precondition(FieldSyntax.isTimestamp(time), "entry time must be YYYY-MM-DDTHH:MM:SS.mmmZ")
        var head = Head(size: size, lastHash: lastHash, frontier: takeFrontier(), lastTime: lastTime)
        let entry = head.append(kind: kind, canonicalBody: canonicalBody, time: time, origin: origin, hash: hash)
        store(head)
        return entry
    }

    /// Appends a prepared batch: the header, then its payments in index order.
    public func append(batch: PreparedBatch, time: String) -> [AppendedEntry] {
        precondition(FieldSyntax.isTimestamp(time), "entry time must be YYYY-MM-DDTHH:MM:SS.mmmZ")
        var head = Head(size: size, lastHash: lastHash, frontier: takeFrontier(), lastTime: lastTime)
        var out: [AppendedEntry] = []
        out.reserveCapacity(batch.paymentBytes.count + 1)
        out.append(head.append(kind: .batch, canonicalBody: CanonicalJSON.encode(.object(batch.header)), time: time, origin: origin, hash: hash))
        for bytes in batch.paymentBytes {
            out.append(head.append(kind: .payment, canonicalBody: bytes, time: time, origin: origin, hash: hash))
        }
        store(head)
        return out
    }

    /// Moves the frontier out of `self` so that appending to it does not copy its storage.
    private func takeFrontier() -> MerkleFrontier {
        let f = frontier
        frontier = MerkleFrontier()
        return f
    }

    private func store(_ head: Head) {
        size = head.size
        lastHash = head.lastHash
        frontier = head.frontier
        lastTime = head.lastTime
    }

    /// The mutable head, kept in local variables while entries are appended.
    struct Head {
        var size: UInt64
        var lastHash: Digest32
        var frontier: MerkleFrontier
        var lastTime: String

        mutating func append(kind: EntryKind, canonicalBody: [UInt8], time: String, origin: String, hash: HashFunction) -> AppendedEntry {
            let t = time < lastTime ? lastTime : time
            let seq = size + 1
            let capacity = canonicalBody.count + ByteWriter.stringBound(origin) + ByteWriter.stringBound(t) + 160
            let previous = lastHash
            let out = ByteWriter.build(capacity: capacity) { w in
                w.literal(#"{"body":"#)
                w.raw(canonicalBody)
                w.literal(#","kind":"#)
                w.string(kind.rawValue)
                w.literal(#","origin":"#)
                w.string(origin)
                w.literal(#","prev":""#)
                w.hex(previous)
                w.literal(#"","seq":"#)
                w.integer(Int64(seq))
                w.literal(#","time":"#)
                w.string(t)
                w.literal(#","v":1}"#)
            }
            let entryHash = EntryHash.compute(out, hash: hash)
            frontier.append(entryHash, hash: hash)
            size = seq
            lastHash = entryHash
            lastTime = t
            return AppendedEntry(seq: seq, kind: kind, bytes: out, hash: entryHash)
        }
    }

    public var root: Digest32 { frontier.root(hash: hash) }

    public var checkpoint: Checkpoint { Checkpoint(origin: origin, size: size, root: root) }
}

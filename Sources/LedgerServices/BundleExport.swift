import LedgerCore
import LedgerStore

/// The ledger as a bundle file (FORMAT.md §12: entries and checkpoints, no personal data), written to any sink:
/// a file (`aidledger export-bundle`) or an HTTP response (`GET …/bundle`).
public struct BundleExport: Sendable {
    public let ledger: LedgerRecord
    /// The size the bundle stops at: the head when the export began.
    public let size: UInt64
    /// The checkpoints of sizes up to `size`.
    public let checkpoints: [String]

    /// Fixes what the bundle will hold: the head and the checkpoints up to it, read in one snapshot.
    public static func begin(_ store: LedgerStore, _ ledger: LedgerRecord) throws -> BundleExport {
        try store.snapshot {
            let size = try store.head(ledger).size
            let checkpoints = try store.checkpoints(ledger).filter { (try? SignedCheckpoint(parsing: $0).checkpoint.size).map { $0 <= size } ?? true }
            return BundleExport(ledger: ledger, size: size, checkpoints: checkpoints)
        }
    }

    /// Fixes a bundle of the entries up to `size` (at most the head) and the checkpoints up to it: what a 公示
    /// export publishes beside its files, so that the public checks them against the checkpoint they were derived from.
    public static func upTo(_ store: LedgerStore, _ ledger: LedgerRecord, size: UInt64) throws -> BundleExport {
        try store.snapshot {
            let head = try store.head(ledger).size
            guard size >= 1, size <= head else {
                throw ServiceError("ledger \(ledger.origin) has \(head) entries: there is no bundle of size \(size)", code: "bad-size")
            }
            let checkpoints = try store.checkpoints(ledger).filter { (try? SignedCheckpoint(parsing: $0).checkpoint.size).map { $0 <= size } ?? false }
            return BundleExport(ledger: ledger, size: size, checkpoints: checkpoints)
        }
    }

    /// The magic line and the header line.
    public var head: [UInt8] {
        Bundle.headerLines(Bundle.Header(origin: ledger.origin, suite: ledger.suite, entries: size, checkpoints: UInt64(checkpoints.count)))
    }

    /// The checkpoint lines.
    public var tail: [UInt8] { Bundle.checkpointLines(checkpoints) }

    /// The entry lines of seqs `from…` up to at most `limit` entries and never past `size`, as one chunk; the
    /// next seq to read, or nil at the end.
    public func entryLines(_ store: LedgerStore, from: UInt64, limit: Int) throws -> (lines: [UInt8], next: UInt64?) {
        guard from <= size else { return ([], nil) }
        let page = try store.entries(ledger, from: from, limit: Int(min(UInt64(max(1, limit)), size - from + 1)))
        var chunk: [UInt8] = []
        for (_, bytes) in page { chunk += bytes; chunk.append(0x0a) }
        guard let last = page.last?.seq else { throw ServiceError("ledger \(ledger.origin) has no entry \(from) though its head says \(size); run `aidledger verify`", code: "ledger-incomplete") }
        return (chunk, last < size ? last + 1 : nil)
    }

    /// Writes the whole bundle to `sink` in chunks of about 4 MiB, streaming the entries from the database.
    public func write(_ store: LedgerStore, to sink: ([UInt8]) throws -> Void, progress: ((UInt64, UInt64) -> Void)? = nil) throws {
        var buffer = head
        var count: UInt64 = 0
        try store.streamEntries(ledger) { seq, bytes in
            guard seq <= size else { return }
            buffer.append(contentsOf: bytes)
            buffer.append(0x0a)
            count += 1
            if buffer.count > 1 << 22 { try sink(buffer); buffer.removeAll(keepingCapacity: true) }
            if count & 0x3fff == 0 { progress?(count, size) }
        }
        guard count == size else {
            throw ServiceError("ledger \(ledger.origin) has \(count) entries but its head says \(size); run `aidledger verify`", code: "ledger-incomplete")
        }
        buffer += tail
        try sink(buffer)
    }
}

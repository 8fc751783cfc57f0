import Foundation
import LedgerCore

extension LedgerStore {
    /// Like `streamEntries`, but reads from PostgreSQL on a second thread, so that receiving rows and the
    /// caller's work on them (verification) overlap. Rows arrive in seq order, in chunks of about 4 MiB.
    public func streamEntriesConcurrently(_ ledger: LedgerRecord, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        try stream(ledger, hashingWith: nil) { seq, bytes, _ in try body(seq, bytes) }
    }

    /// Like `streamEntriesConcurrently(_:_:)`, and the reader thread also computes each entry's hashes with the
    /// hash function of `suite` (the ledger's suite as recorded in `ledgers`; a verifier uses them only if the
    /// genesis entry agrees): `body(seq, bytes, hashes)`.
    package func streamEntriesConcurrently(_ ledger: LedgerRecord, hashingWith suite: Suite,
                                          _ body: (UInt64, UnsafeRawBufferPointer, PrecomputedHashes) throws -> Void) throws {
        try stream(ledger, hashingWith: suite) { seq, bytes, hash in try body(seq, bytes, hash!) }
    }

    private func stream(_ ledger: LedgerRecord, hashingWith suite: Suite?, _ body: (UInt64, UnsafeRawBufferPointer, PrecomputedHashes?) throws -> Void) throws {
        let pipe = ChunkPipe(capacity: 4)
        let store = UncheckedTransfer(self)
        let reader = Thread {
            do {
                // The reader's own hash context: EVP contexts are never shared between threads.
                let hash = suite?.makeHashFunction()
                var chunk = EntryChunk()
                try store.value.streamEntries(ledger) { seq, bytes in
                    chunk.append(seq: seq, bytes, hash: hash.map { PrecomputedHashes.compute(bytes, hash: $0) })
                    if chunk.bytes.count >= 4 << 20 {
                        guard pipe.put(chunk) else { throw StoreError(.conflict, "reading cancelled") }
                        chunk = EntryChunk()
                    }
                }
                if !chunk.rows.isEmpty { _ = pipe.put(chunk) }
                pipe.finish(nil)
            } catch {
                pipe.finish(error)
            }
        }
        reader.stackSize = 1 << 20
        reader.start()
        var failure: (any Error)? = nil
        while let chunk = pipe.take() {
            do {
                try chunk.bytes.withUnsafeBytes { raw in
                    for (i, row) in chunk.rows.enumerated() {
                        try body(row.seq, UnsafeRawBufferPointer(rebasing: raw[Int(row.start)..<Int(row.end)]), chunk.hashes.isEmpty ? nil : chunk.hashes[i])
                    }
                }
            } catch {
                failure = error
                pipe.cancel()
                break
            }
        }
        // The connection is the reader's until it has finished; wait for that before anything else uses it.
        let readerError = pipe.waitUntilFinished()
        if let failure { throw failure }
        if let readerError { throw readerError }
    }
}

/// Rows of entries packed into one buffer.
struct EntryChunk: Sendable {
    var bytes: [UInt8] = []
    var rows: [(seq: UInt64, start: Int32, end: Int32)] = []
    /// Each row's entry hash, when the reader computes them.
    var hashes: [PrecomputedHashes] = []

    init() {
        bytes.reserveCapacity(4 << 20 + 65536)
        rows.reserveCapacity(8192)
    }

    mutating func append(seq: UInt64, _ row: UnsafeRawBufferPointer, hash: PrecomputedHashes?) {
        if let hash { hashes.append(hash) }
        let start = bytes.count
        bytes.append(contentsOf: row)
        rows.append((seq, Int32(start), Int32(bytes.count)))
    }
}

/// A bounded queue of chunks between one reader thread and one consumer.
///
/// `@unchecked Sendable`: every stored property is read and written only while holding `condition`.
final class ChunkPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [EntryChunk] = []
    private let capacity: Int
    private var finished = false
    private var cancelled = false
    private var error: (any Error)? = nil

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while the queue is full; false if the consumer cancelled.
    func put(_ chunk: EntryChunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(chunk)
        condition.broadcast()
        return true
    }

    /// The next chunk, or nil once the reader has finished and the queue is empty.
    func take() -> EntryChunk? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if queue.isEmpty { return nil }
        let chunk = queue.removeFirst()
        condition.broadcast()
        return chunk
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        self.error = error
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the reader to finish and returns its error.
    func waitUntilFinished() -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
        return error
    }
}

/// Moves a non-Sendable value to another thread.
///
/// `@unchecked Sendable`: used only for the store in `streamEntriesConcurrently`, whose connection the reader
/// thread uses exclusively until it has finished; the calling thread does not touch it in the meantime.
struct UncheckedTransfer<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

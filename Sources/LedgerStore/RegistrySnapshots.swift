import LedgerCore
import LedgerCrypto
import PostgresClient

/// A registry snapshot as the store knows it: which registry, as of which date, from which file (migration 007).
public struct RegistrySnapshotInfo: Sendable, Equatable {
    public let id: Int64
    public let kind: RegistryKind
    /// `YYYY-MM-DD`: the date the registry's rows describe.
    public let asOf: String
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, when it was imported.
    public let importedAt: String
    /// The imported file's name (without its directory).
    public let fileName: String
    /// SHA-256 of the imported file's bytes, 64 lowercase hex digits.
    public let sha256: String
    public let rowCount: Int64

    public init(id: Int64, kind: RegistryKind, asOf: String, importedAt: String, fileName: String, sha256: String, rowCount: Int64) {
        self.id = id
        self.kind = kind
        self.asOf = asOf
        self.importedAt = importedAt
        self.fileName = fileName
        self.sha256 = sha256
        self.rowCount = rowCount
    }
}

extension StoreError.Code {
    /// No registry snapshot with that id.
    public static let unknownSnapshot = StoreError.Code(rawValue: "unknown-snapshot")
}

extension LedgerStore {
    /// Stores a registry snapshot: its description and its rows (row i of `rows` is row_no i + 1), each an opaque
    /// `data` (RegistryRowCoding's canonical JSON) with the 16-byte person key of its ID number, in one transaction
    /// with one binary COPY. Snapshots are never changed or removed (the schema refuses it for every role), and at
    /// COMMIT the schema checks that the snapshot holds exactly its rows. Crash safety: before COMMIT nothing is
    /// visible; after it returns the snapshot is durable, whole.
    public func importRegistrySnapshot(kind: RegistryKind, asOf: String, fileName: String, sha256: Digest32,
                                       rows: [(personKey: [UInt8], data: [UInt8])]) throws -> RegistrySnapshotInfo {
        guard FieldSyntax.isDate(asOf) else { throw StoreError(.rejected, "the as-of date must be a date YYYY-MM-DD") }
        guard !fileName.isEmpty, fileName.utf8.count <= 1000 else { throw StoreError(.rejected, "the file name must be 1–1000 bytes") }
        guard rows.count <= Int(Int32.max) else { throw StoreError(.rejected, "a registry snapshot holds at most \(Int32.max) rows") }
        if let bad = rows.firstIndex(where: { $0.personKey.count != 16 }) {
            throw StoreError(.rejected, "row \(bad + 1): a person key is 16 bytes")
        }
        return try db.transaction {
            let inserted = try db.query(SQL(unsafeText: """
                INSERT INTO registry_snapshots (kind, as_of, file_name, file_sha256, row_count) VALUES ($1, $2::date, $3, $4, $5)
                RETURNING \(Self.snapshotColumns)
                """), [.text(kind.rawValue), .text(asOf), .text(fileName), .bytes(sha256.bytes), .int(Int64(rows.count))])
            guard inserted.count == 1, let info = Self.snapshotInfo(inserted, 0) else { throw StoreError(.corrupt, "the new registry snapshot was not returned") }
            try db.copyIn("COPY registry_rows (snapshot_id, row_no, person_key, data) FROM STDIN (FORMAT binary)") { w in
                var rowNumber = [UInt8](repeating: 0, count: 4)
                for (i, row) in rows.enumerated() {
                    try w.row(fields: 4)
                    w.int(info.id)
                    // An `integer` in binary COPY is its 4 bytes, big-endian.
                    let n = UInt32(truncatingIfNeeded: i + 1)
                    rowNumber[0] = UInt8(truncatingIfNeeded: n >> 24)
                    rowNumber[1] = UInt8(truncatingIfNeeded: n >> 16)
                    rowNumber[2] = UInt8(truncatingIfNeeded: n >> 8)
                    rowNumber[3] = UInt8(truncatingIfNeeded: n)
                    w.bytes(rowNumber)
                    w.bytes(row.personKey)
                    w.bytes(row.data)
                }
            }
            return info
        }
    }

    /// The snapshots, of one kind or all, newest first (by as-of date, then by import).
    public func registrySnapshots(kind: RegistryKind? = nil) throws -> [RegistrySnapshotInfo] {
        let rows = try db.query(SQL(unsafeText: """
            SELECT \(Self.snapshotColumns) FROM registry_snapshots WHERE ($1::text IS NULL OR kind = $1) ORDER BY as_of DESC, id DESC
            """), [kind.map { .text($0.rawValue) } ?? .null])
        return try (0..<rows.count).map { r in
            guard let info = Self.snapshotInfo(rows, r) else { throw StoreError(.corrupt, "a registry snapshot row is unreadable") }
            return info
        }
    }

    /// One snapshot, or nil.
    public func registrySnapshot(id: Int64) throws -> RegistrySnapshotInfo? {
        let rows = try db.query(SQL(unsafeText: "SELECT \(Self.snapshotColumns) FROM registry_snapshots WHERE id = $1"), [.int(id)])
        guard rows.count == 1 else { return nil }
        guard let info = Self.snapshotInfo(rows, 0) else { throw StoreError(.corrupt, "registry snapshot \(id) is unreadable") }
        return info
    }

    /// The snapshot of `kind` a run as of `asOf` (`YYYY-MM-DD`) reads: the newest with an as-of date on or before
    /// it (the last imported of that date), or nil.
    public func latestRegistrySnapshot(kind: RegistryKind, asOf: String) throws -> RegistrySnapshotInfo? {
        guard FieldSyntax.isDate(asOf) else { throw StoreError(.rejected, "the as-of date must be a date YYYY-MM-DD") }
        let rows = try db.query(SQL(unsafeText: """
            SELECT \(Self.snapshotColumns) FROM registry_snapshots WHERE kind = $1 AND as_of <= $2::date ORDER BY as_of DESC, id DESC LIMIT 1
            """), [.text(kind.rawValue), .text(asOf)])
        guard rows.count == 1 else { return nil }
        guard let info = Self.snapshotInfo(rows, 0) else { throw StoreError(.corrupt, "a registry snapshot row is unreadable") }
        return info
    }

    /// Streams a snapshot's rows in file order (binary COPY): `body(personKey, data)`, each buffer valid only during
    /// the call. The rows must be exactly 1 … row_count (a row removed or added behind the schema's back is
    /// reported as `.corrupt`, never passed over).
    public func streamRegistryRows(snapshotID: Int64, _ body: (_ personKey: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer) throws -> Void) throws {
        guard let info = try registrySnapshot(id: snapshotID) else { throw StoreError(.unknownSnapshot, "no registry snapshot \(snapshotID) in this database") }
        // COPY takes no parameters; the id is an integer, formatted here, never text from outside.
        let sql = SQL(unsafeText: "COPY (SELECT row_no, person_key, data FROM registry_rows WHERE snapshot_id = \(info.id) ORDER BY row_no) TO STDOUT (FORMAT binary)")
        // In primary-key order with an index scan: rows are inserted in row order, so that is a sequential read of
        // the heap (as for entries, `streamEntries`), never a sort of the whole snapshot.
        try db.query("SET enable_sort = off")
        try db.query("SET enable_bitmapscan = off")
        defer {
            _ = try? db.query("RESET enable_sort")
            _ = try? db.query("RESET enable_bitmapscan")
        }
        var reader = BinaryCopyReader()
        var expected: Int64 = 1
        try db.copyOut(sql) { chunk in
            try reader.rows(chunk) { fields in
                guard fields.count == 3, fields[0].count == 4, fields[1].count == 16 else {
                    throw StoreError(.corrupt, "registry snapshot \(info.id): unexpected row from COPY")
                }
                let n = Int64(Int32(bitPattern: UInt32(bigEndian: fields[0].loadUnaligned(as: UInt32.self))))
                guard n == expected else { throw StoreError(.corrupt, "registry snapshot \(info.id): row \(expected) is missing") }
                expected += 1
                try body(fields[1], fields[2])
            }
        }
        guard expected - 1 == info.rowCount else {
            throw StoreError(.corrupt, "registry snapshot \(info.id) has \(expected - 1) rows, \(info.rowCount) recorded")
        }
    }

    /// The columns of a `RegistrySnapshotInfo`, in its order: a constant of ours, composed into the statements above
    /// (values are always bound parameters).
    static let snapshotColumns = """
        id, kind, to_char(as_of, 'YYYY-MM-DD'), to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), \
        file_name, encode(file_sha256, 'hex'), row_count
        """

    static func snapshotInfo(_ rows: PostgresRows, _ r: Int) -> RegistrySnapshotInfo? {
        guard let id = rows.int(r, 0), let kind = rows.string(r, 1).flatMap(RegistryKind.init(rawValue:)), let asOf = rows.string(r, 2),
              let importedAt = rows.string(r, 3), let fileName = rows.string(r, 4), let sha256 = rows.string(r, 5), let count = rows.int(r, 6) else { return nil }
        return RegistrySnapshotInfo(id: id, kind: kind, asOf: asOf, importedAt: importedAt, fileName: fileName, sha256: sha256, rowCount: count)
    }
}

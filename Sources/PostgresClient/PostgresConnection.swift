internal import CLibPQ

/// A parameter of a statement. Sent in binary for `bytea` and as text otherwise.
public enum PostgresValue: Sendable {
    case text(String)
    case int(Int64)
    case bytes([UInt8])
    case bool(Bool)
    case null
}

/// SQL text that may be sent to the server. Values never go into it: they are bound as `$1`, `$2`, ….
/// Only string literals convert implicitly; building SQL from runtime strings needs the visibly unsafe
/// `SQL(unsafeText:)`.
public struct SQL: ExpressibleByStringLiteral, Sendable {
    public let text: String
    public init(stringLiteral value: StaticString) { text = value.description }
    /// SQL composed at run time. Callers must only compose trusted fragments (identifiers they own), never values.
    public init(unsafeText: String) { text = unsafeText }
}

/// The rows of a result, copied out of the `PGresult` (which is cleared at once).
public struct PostgresRows: Sendable {
    public let columns: [String]
    /// Text-format values; nil for NULL.
    public let values: [[String?]]
    /// The number of rows the command affected (UPDATE, DELETE, INSERT), from `PQcmdTuples`.
    public let affected: Int

    public var count: Int { values.count }

    public func string(_ row: Int, _ column: Int) -> String? { values[row][column] }

    public func int(_ row: Int, _ column: Int) -> Int64? { values[row][column].flatMap { Int64($0) } }

    /// A non-negative integer (a seq, a size, a count): nil for NULL, a negative value or anything else, so that
    /// a tampered row is refused by the caller instead of trapping in a conversion.
    public func uint(_ row: Int, _ column: Int) -> UInt64? { values[row][column].flatMap { UInt64($0) } }

    /// A `bytea` column in text form (`\x` hex).
    public func bytes(_ row: Int, _ column: Int) -> [UInt8]? {
        guard let text = values[row][column] else { return nil }
        return PostgresRows.decodeByteaHex(text)
    }

    static func decodeByteaHex(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count >= 2, u[0] == 0x5c, u[1] == UInt8(ascii: "x"), u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity((u.count - 2) / 2)
        var i = 2
        while i < u.count {
            guard let hi = hexValue(u[i]), let lo = hexValue(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}

/// Owns one `PGresult` and clears it exactly once, in `deinit`.
final class PostgresResult {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { PQclear(pointer) }
    var status: ExecStatusType { withExtendedLifetime(self) { PQresultStatus(pointer) } }
}

/// One libpq connection (`PGconn`). Blocking: every call waits for the server.
///
/// Not thread-safe and not `Sendable`: a `PGconn` must not be used from two threads at once. Long-running
/// services call it from one dedicated thread or a serial executor, never from Swift's cooperative pool.
public final class PostgresConnection {
    let conn: OpaquePointer

    /// Connects with a libpq connection string (`host=… dbname=…` or `postgresql://…`); an empty string uses
    /// the `PG*` environment variables and libpq's defaults.
    public init(_ conninfo: String) throws {
        guard let c = PQconnectdb(conninfo) else {
            throw PostgresError(code: .connection, message: "out of memory", context: "connect")
        }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(c)).trimmingTrailingNewlines()
            PQfinish(c)
            throw PostgresError(code: .connection, message: message, context: "connect")
        }
        aidledger_silence_notices(c)
        conn = c
    }

    deinit { PQfinish(conn) }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(conn) == CONNECTION_OK }

    /// The server's version number, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(conn)) }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    public func query(_ sql: SQL, _ parameters: [PostgresValue] = []) throws -> PostgresRows {
        PostgresConnection.rows(of: try execute(sql, parameters))
    }

    /// Runs statements without parameters (e.g. a migration script of several statements).
    public func execute(script: SQL) throws {
        guard let raw = PQexec(conn, script.text) else { throw connectionError("execute script") }
        let result = PostgresResult(raw)
        guard result.status == PGRES_COMMAND_OK || result.status == PGRES_TUPLES_OK else { throw resultError(result, context: "execute script") }
    }

    func execute(_ sql: SQL, _ parameters: [PostgresValue]) throws -> PostgresResult {
        // Lay every parameter out in one buffer; text values are NUL-terminated, bytea values binary.
        var buffer: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var isNull: [Bool] = []
        for p in parameters {
            offsets.append(buffer.count)
            switch p {
            case .text(let s):
                buffer.append(contentsOf: s.utf8); buffer.append(0)
                lengths.append(0); formats.append(0); isNull.append(false)
            case .int(let v):
                buffer.append(contentsOf: String(v).utf8); buffer.append(0)
                lengths.append(0); formats.append(0); isNull.append(false)
            case .bool(let b):
                buffer.append(contentsOf: (b ? "t" : "f").utf8); buffer.append(0)
                lengths.append(0); formats.append(0); isNull.append(false)
            case .bytes(let bytes):
                buffer.append(contentsOf: bytes)
                lengths.append(Int32(bytes.count)); formats.append(1); isNull.append(false)
            case .null:
                lengths.append(0); formats.append(0); isNull.append(true)
            }
        }
        if buffer.isEmpty { buffer.append(0) }
        let result: OpaquePointer? = buffer.withUnsafeBufferPointer { base in
            let pointers: [UnsafePointer<CChar>?] = parameters.indices.map { i in
                isNull[i] ? nil : UnsafeRawPointer(base.baseAddress! + offsets[i]).assumingMemoryBound(to: CChar.self)
            }
            return PQexecParams(conn, sql.text, Int32(parameters.count), nil, pointers, lengths, formats, 0)
        }
        let context = PostgresConnection.describe(sql)
        guard let result else { throw connectionError(context) }
        let owned = PostgresResult(result)
        guard owned.status == PGRES_COMMAND_OK || owned.status == PGRES_TUPLES_OK else { throw resultError(owned, context: context) }
        return owned
    }

    /// Copies the rows out of `owner`'s result. Taking the owner (not its pointer) keeps it alive meanwhile.
    static func rows(of owner: PostgresResult) -> PostgresRows {
        withExtendedLifetime(owner) { rows(ofRaw: owner.pointer) }
    }

    private static func rows(ofRaw result: OpaquePointer) -> PostgresRows {
        let n = Int(PQntuples(result)), m = Int(PQnfields(result))
        let columns = (0..<m).map { String(cString: PQfname(result, Int32($0))) }
        var values: [[String?]] = []
        values.reserveCapacity(n)
        for r in 0..<n {
            var row: [String?] = []
            row.reserveCapacity(m)
            for c in 0..<m {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 { row.append(nil); continue }
                let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                let pointer = PQgetvalue(result, Int32(r), Int32(c))!
                row.append(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
            }
            values.append(row)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, values: values, affected: affected)
    }

    // MARK: transactions

    /// Runs `body` in a transaction: COMMIT if it returns, ROLLBACK if it throws. With synchronous_commit on
    /// (the default), a returned value means the transaction is durable.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try query("BEGIN")
        do {
            let value = try body()
            try query("COMMIT")
            return value
        } catch {
            // If the connection is gone the server rolls back by itself; ignore a failure to say so.
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    // MARK: COPY

    /// `COPY … FROM STDIN (FORMAT binary)`: `write` produces the rows with a `BinaryCopyWriter`; the data is
    /// sent in chunks as it is produced.
    public func copyIn(_ sql: SQL, _ write: (inout BinaryCopyWriter) throws -> Void) throws {
        let context = PostgresConnection.describe(sql)
        guard let raw = PQexec(conn, sql.text) else { throw connectionError(context) }
        let start = PostgresResult(raw)
        guard start.status == PGRES_COPY_IN else { throw resultError(start, context: context) }
        var writer = BinaryCopyWriter { chunk in
            let ok = chunk.withUnsafeBufferPointer { p in
                p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { PQputCopyData(self.conn, $0, Int32(p.count)) }
            }
            guard ok == 1 else { throw self.connectionError(context) }
        }
        var failure: (any Error)? = nil
        do {
            try write(&writer)
            try writer.finish()
        } catch {
            failure = error
        }
        let end = failure == nil ? PQputCopyEnd(conn, nil) : PQputCopyEnd(conn, "aborted by client")
        guard end == 1 else { throw connectionError(context) }
        try finishCopy(context: context, failure: failure)
    }

    /// `COPY … TO STDOUT`: calls `row` with each row's bytes as the server sends them (text format: one line
    /// with its LF; binary format: one tuple). The buffer is valid only during the call.
    public func copyOut(_ sql: SQL, _ row: (UnsafeRawBufferPointer) throws -> Void) throws {
        let context = PostgresConnection.describe(sql)
        guard let raw = PQexec(conn, sql.text) else { throw connectionError(context) }
        let start = PostgresResult(raw)
        guard start.status == PGRES_COPY_OUT else { throw resultError(start, context: context) }
        var failure: (any Error)? = nil
        while true {
            var buffer: UnsafeMutablePointer<CChar>? = nil
            let n = PQgetCopyData(conn, &buffer, 0)
            if n > 0, let buffer {
                if failure == nil {
                    do { try row(UnsafeRawBufferPointer(start: buffer, count: Int(n))) } catch { failure = error }
                }
                PQfreemem(buffer)
                continue
            }
            if n == -1 { break }
            throw connectionError(context)
        }
        try finishCopy(context: context, failure: failure)
    }

    /// Drains every result after a COPY (also after an error, or the connection is left busy), then throws the
    /// client's own failure first, else the server's.
    func finishCopy(context: String, failure: (any Error)?) throws {
        var serverError: PostgresError? = nil
        while let raw = PQgetResult(conn) {
            let result = PostgresResult(raw)
            if result.status != PGRES_COMMAND_OK, serverError == nil { serverError = resultError(result, context: context) }
        }
        if let failure { throw failure }
        if let serverError { throw serverError }
    }

    // MARK: errors

    func connectionError(_ context: String) -> PostgresError {
        PostgresError(code: .connection, message: String(cString: PQerrorMessage(conn)).trimmingTrailingNewlines(), context: context)
    }

    /// The error described by `owner`'s result; taking the owner keeps the result alive while it is read.
    func resultError(_ owner: PostgresResult, context: String) -> PostgresError {
        withExtendedLifetime(owner) { resultError(raw: owner.pointer, context: context) }
    }

    private func resultError(raw result: OpaquePointer, context: String) -> PostgresError {
        let state = PQresultErrorField(result, aidledger_PG_DIAG_SQLSTATE()).map { String(cString: $0) }
        let primary = PQresultErrorField(result, aidledger_PG_DIAG_MESSAGE_PRIMARY()).map { String(cString: $0) }
        let message = primary ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        return PostgresError(code: state == nil ? .connection : .server, sqlState: state, message: message, context: context)
    }

    /// The first words of a statement, for error context (never its parameters).
    static func describe(_ sql: SQL) -> String {
        let words = sql.text.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(4).joined(separator: " ")
        return words.count > 60 ? String(words.prefix(60)) + "…" : words
    }
}

/// Writes rows in PostgreSQL's binary COPY format, flushing 1 MiB chunks to the connection.
public struct BinaryCopyWriter {
    var buffer: [UInt8] = []
    let flush: ([UInt8]) throws -> Void
    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xff, 0x0d, 0x0a, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]

    init(flush: @escaping ([UInt8]) throws -> Void) {
        self.flush = flush
        buffer.reserveCapacity(1 << 20 + 4096)
        buffer.append(contentsOf: BinaryCopyWriter.signature)
    }

    /// Starts a row of `fields` columns.
    public mutating func row(fields: Int) throws {
        if buffer.count >= 1 << 20 {
            try flush(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        appendBigEndian(UInt16(fields))
    }

    public mutating func int(_ v: Int64) {
        appendBigEndian(UInt32(8))
        appendBigEndian(UInt64(bitPattern: v))
    }

    public mutating func bytes(_ b: UnsafeRawBufferPointer) {
        appendBigEndian(UInt32(b.count))
        buffer.append(contentsOf: b)
    }

    public mutating func bytes(_ b: [UInt8]) { b.withUnsafeBytes { bytes($0) } }

    public mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    public mutating func null() { appendBigEndian(UInt32(bitPattern: -1)) }

    /// A one-dimensional `text[]` without NULLs, in the binary array format.
    public mutating func textArray(_ values: [String]) {
        var length = 20
        for v in values { length += 4 + v.utf8.count }
        appendBigEndian(UInt32(length))
        appendBigEndian(UInt32(1))          // dimensions
        appendBigEndian(UInt32(0))          // no NULLs
        appendBigEndian(UInt32(25))         // element type: text
        appendBigEndian(UInt32(values.count))
        appendBigEndian(UInt32(1))          // lower bound
        for v in values { text(v) }
    }

    mutating func finish() throws {
        appendBigEndian(UInt16(bitPattern: -1))
        try flush(buffer)
        buffer.removeAll()
    }

    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.bigEndian) { buffer.append(contentsOf: $0) }
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}

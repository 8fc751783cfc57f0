import LedgerCore
import PostgresClient

/// The `data` of a row of the openings table (schema version 2): the openings of consecutive entries
/// `first_seq`…`last_seq` of one append, binary, at most `rowBudget` bytes so that the row stays in its heap page
/// uncompressed (`toast_tuple_target = 8160`):
///
///     data    = 0x01 entry*                      version 1
///     entry   = seq:u64 count:u8 field*count     seq ascending; an entry without openings is absent
///     field   = code:u8 salt:16 length:u16 value  value: UTF-8, `length` bytes; integers big-endian
///
/// Field codes (fixed, never re-used): 1 id_number, 2 name, 3 category, 4 cert_type, 5 cert_number,
/// 6 account_number, 7 bank_ref. About 150 bytes per payment (JSON with hex salts took 420): the openings were a
/// third of what an append wrote.
public enum OpeningsRow {
    /// Data bytes per row: below the table's `toast_tuple_target` (8160) with room for the row header.
    static let rowBudget = 7_600
    static let version: UInt8 = 1

    static func code(_ f: PersonalField) -> UInt8 {
        switch f {
        case .idNumber: 1
        case .name: 2
        case .category: 3
        case .certType: 4
        case .certNumber: 5
        case .accountNumber: 6
        case .bankRef: 7
        }
    }

    static func field(code: UInt8) -> PersonalField? {
        switch code {
        case 1: .idNumber
        case 2: .name
        case 3: .category
        case 4: .certType
        case 5: .certNumber
        case 6: .accountNumber
        case 7: .bankRef
        default: nil
        }
    }

    /// Collects the openings of entries in seq order and writes a row to the COPY whenever the next entry would
    /// overflow the budget. Call `flush` at the end.
    struct Writer {
        let ledgerID: Int64
        private var data: [UInt8] = []
        private var first: UInt64 = 0
        private var last: UInt64 = 0

        init(ledgerID: Int64) {
            self.ledgerID = ledgerID
            data.reserveCapacity(OpeningsRow.rowBudget + 1024)
        }

        /// One entry's openings: (field, its 16 salt bytes, value).
        mutating func add(seq: UInt64, fields: [(PersonalField, UnsafeRawBufferPointer, String)], into w: inout BinaryCopyWriter) throws {
            precondition(data.isEmpty || seq > last, "openings are written in seq order")
            precondition(fields.count < 256, "at most 255 openings per entry")
            var size = 9
            for f in fields { size += 19 + f.2.utf8.count }
            if !data.isEmpty, data.count + size > OpeningsRow.rowBudget { try flush(into: &w) }
            if data.isEmpty {
                data.append(OpeningsRow.version)
                first = seq
            }
            OpeningsRow.appendBigEndian(seq, to: &data)
            data.append(UInt8(fields.count))
            for (field, salt, value) in fields {
                precondition(salt.count == Commitment.saltLength)
                data.append(OpeningsRow.code(field))
                data.append(contentsOf: salt)
                var v = value
                v.withUTF8 { u in
                    precondition(u.count <= Int(UInt16.max))
                    data.append(UInt8(u.count >> 8))
                    data.append(UInt8(u.count & 0xff))
                    data.append(contentsOf: u)
                }
            }
            last = seq
        }

        mutating func flush(into w: inout BinaryCopyWriter) throws {
            guard !data.isEmpty else { return }
            try w.row(fields: 4)
            w.int(ledgerID)
            w.int(Int64(first))
            w.int(Int64(last))
            w.bytes(data)
            data.removeAll(keepingCapacity: true)
        }
    }

    static func appendBigEndian(_ v: UInt64, to data: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8((v >> UInt64(shift)) & 0xff)) }
    }

    /// One row holding all of `openings` (of any entries): its seq range and data. Nil if there are none.
    /// Openings of fields that are not personal fields are left out.
    public static func row(_ openings: [Opening]) -> (firstSeq: UInt64, lastSeq: UInt64, data: [UInt8])? {
        let bySeq = Dictionary(grouping: openings.filter { PersonalField(rawValue: $0.field) != nil && $0.salt.count == Commitment.saltLength }, by: \.seq)
        let seqs = bySeq.keys.sorted()
        guard let first = seqs.first, let last = seqs.last else { return nil }
        var data: [UInt8] = [version]
        for seq in seqs {
            let fields = bySeq[seq]!.sorted { $0.field < $1.field }
            appendBigEndian(seq, to: &data)
            data.append(UInt8(fields.count))
            for o in fields {
                data.append(code(PersonalField(rawValue: o.field)!))
                data.append(contentsOf: o.salt)
                let value = Array(o.value.utf8)
                data.append(UInt8(value.count >> 8))
                data.append(UInt8(value.count & 0xff))
                data.append(contentsOf: value)
            }
        }
        return (first, last, data)
    }

    /// Decodes a row whose range is `firstSeq`…`lastSeq`; any inconsistency is reported as corrupt.
    public static func decode(_ data: UnsafeRawBufferPointer, firstSeq: UInt64, lastSeq: UInt64) throws -> [Opening] {
        func corrupt(_ why: String) -> StoreError { StoreError(.corrupt, "the openings row of seq \(firstSeq)…\(lastSeq) is malformed: \(why)") }
        guard data.first == version else { throw corrupt("unknown version") }
        var p = 1
        var out: [Opening] = []
        var previous: UInt64? = nil
        while p < data.count {
            guard p + 9 <= data.count else { throw corrupt("truncated entry") }
            var seq: UInt64 = 0
            for i in 0..<8 { seq = seq << 8 | UInt64(data[p + i]) }
            let count = Int(data[p + 8])
            p += 9
            guard seq >= firstSeq, seq <= lastSeq, previous.map({ seq > $0 }) ?? true else { throw corrupt("seq \(seq) out of order or range") }
            previous = seq
            for _ in 0..<count {
                guard p + 19 <= data.count, let field = field(code: data[p]) else { throw corrupt("bad field at byte \(p)") }
                let salt = Array(data[(p + 1)..<(p + 17)])
                let length = Int(data[p + 17]) << 8 | Int(data[p + 18])
                p += 19
                guard p + length <= data.count, let value = String(validating: UnsafeRawBufferPointer(rebasing: data[p..<(p + length)]), as: UTF8.self) else {
                    throw corrupt("bad value at byte \(p)")
                }
                p += length
                out.append(Opening(seq: seq, field: field.rawValue, salt: salt, value: value))
            }
        }
        return out
    }

    static func rows(_ openings: [Opening], shift: UInt64, ledger: LedgerRecord, into w: inout BinaryCopyWriter) throws {
        var writer = Writer(ledgerID: ledger.id)
        let sorted = openings.filter { PersonalField(rawValue: $0.field) != nil && $0.salt.count == Commitment.saltLength }.sorted { ($0.seq, $0.field) < ($1.seq, $1.field) }
        var i = 0
        while i < sorted.count {
            let seq = sorted[i].seq
            var group: [Opening] = []
            while i < sorted.count, sorted[i].seq == seq { group.append(sorted[i]); i += 1 }
            var salts = group.flatMap(\.salt)
            try salts.withUnsafeMutableBytes { raw in
                let fields = group.enumerated().map { (k, o) in
                    (PersonalField(rawValue: o.field)!, UnsafeRawBufferPointer(rebasing: raw[(16 * k)..<(16 * k + 16)]), o.value)
                }
                try writer.add(seq: seq + shift, fields: fields, into: &w)
            }
        }
        try writer.flush(into: &w)
    }
}

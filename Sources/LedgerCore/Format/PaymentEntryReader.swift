#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LedgerCrypto

/// The fields of a payment entry a verifier needs, as read from a `JSONTape` without allocating.
/// Ranges are byte ranges of the entry's stored bytes.
package struct PaymentEntryFields {
    package let seq: UInt64
    package let prev: Digest32
    package let time: Range<Int>
    /// The body's canonical bytes (hashed for the batch item root).
    package let body: Range<Int>
    package let batchID: Range<Int>
    package let index: Int64
    package let unit: Range<Int>
    package let program: Range<Int>
    package let period: Range<Int>
    package let amountFen: Int64
    /// Tape index of the `commit` object.
    package let commitToken: Int
}

/// Reads payment entries straight from the tape: the verifier's hot path. It accepts only what `Entry` and
/// `PaymentBody` accept and returns nil for anything else. It checks that every object has exactly the expected
/// members in canonical order, so the tape may be scanned without the generic key-order check — including valid but unusual entries, such as text
/// with escapes — so the caller falls back to the general decoders, which then name the problem.
package enum PaymentEntryReader {
    static let stages: [StaticString] = ["preschool", "primary", "junior", "senior", "vocational", "higher"]
    static let accountTypes: [StaticString] = ["social_security_card", "bank_card", "aid_card", "meal_card"]
    static let personalFields: [StaticString] = ["account_number", "bank_ref", "category", "cert_number", "cert_type", "id_number", "name"]
    static let personalFieldsInKeyOrder: [PersonalField] = [.accountNumber, .bankRef, .category, .certNumber, .certType, .idNumber, .name]

    static let envelopeKeys: [StaticString] = ["body", "kind", "origin", "prev", "seq", "time", "v"]
    static let bodyKeys: [StaticString] = ["account_type", "amount_fen", "batch_id", "boarding", "commit", "grade", "index", "paid_date",
                                           "period", "program", "school_code", "school_name", "stage", "unit"]

    /// Value token indices of an object's members, which must be exactly `keys` in that order (the scan has
    /// already enforced canonical order, so a payment's members can only appear in this order).
    @inline(__always)
    static func members(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, _ object: Int, _ keys: [StaticString], into out: UnsafeMutableBufferPointer<Int>) -> Bool {
        let t = tape.tokens
        guard t[object].kind == .object, t[object].value == Int64(keys.count) else { return false }
        var i = object + 1
        for (n, key) in keys.enumerated() {
            guard let k = string(tape, b, i), equal(k, key) else { return false }
            out[n] = i + 1
            i = Int(t[i + 1].next)
        }
        return true
    }

    package static func read(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, origin: UnsafeRawBufferPointer) -> PaymentEntryFields? {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 21) { indices in
            read(tape, b, origin: origin, envelope: UnsafeMutableBufferPointer(rebasing: indices[0..<7]), body: UnsafeMutableBufferPointer(rebasing: indices[7..<21]))
        }
    }

    static func read(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, origin: UnsafeRawBufferPointer,
                     envelope e: UnsafeMutableBufferPointer<Int>, body p: UnsafeMutableBufferPointer<Int>) -> PaymentEntryFields? {
        let t = tape.tokens
        guard t.count > 1, members(tape, b, 0, envelopeKeys, into: e) else { return nil }
        let (body, kind, o, prevIndex, seqIndex, timeIndex, vIndex) = (e[0], e[1], e[2], e[3], e[4], e[5], e[6])
        guard let k = string(tape, b, kind), equal(k, "payment"),
              let originBytes = string(tape, b, o), originBytes.elementsEqual(origin),
              let prev = digest(tape, b, prevIndex),
              t[seqIndex].kind == .int, t[seqIndex].value >= 1,
              let time = string(tape, b, timeIndex), FieldSyntax.isTimestamp(time),
              t[vIndex].kind == .int, t[vIndex].value == Entry.formatVersion,
              members(tape, b, body, bodyKeys, into: p)
        else { return nil }
        let (accountTypeIndex, amountIndex, batchIDIndex, boardingIndex, commitIndex, gradeIndex, indexIndex) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
        let (paidDateIndex, periodIndex, programIndex, schoolCodeIndex, schoolNameIndex, stageIndex, unitIndex) = (p[7], p[8], p[9], p[10], p[11], p[12], p[13])
        guard let accountType = string(tape, b, accountTypeIndex), accountTypes.contains(where: { equal(accountType, $0) }),
              t[amountIndex].kind == .int, t[amountIndex].value >= 1,
              let batchID = string(tape, b, batchIDIndex), FieldSyntax.isToken(batchID),
              t[boardingIndex].kind == .trueValue || t[boardingIndex].kind == .falseValue,
              validCommitments(tape, b, commitIndex),
              let grade = string(tape, b, gradeIndex), FieldSyntax.isText(grade, maxScalars: 16),
              t[indexIndex].kind == .int, t[indexIndex].value >= 0, t[indexIndex].value < BatchBody.maxCount,
              let paidDate = string(tape, b, paidDateIndex), FieldSyntax.isDate(paidDate),
              let period = string(tape, b, periodIndex), FieldSyntax.isPeriod(period),
              let program = string(tape, b, programIndex), FieldSyntax.isText(program),
              let schoolCode = string(tape, b, schoolCodeIndex), FieldSyntax.isToken(schoolCode),
              let schoolName = string(tape, b, schoolNameIndex), FieldSyntax.isText(schoolName),
              let stage = string(tape, b, stageIndex), stages.contains(where: { equal(stage, $0) }),
              let unit = string(tape, b, unitIndex), FieldSyntax.isToken(unit)
        else { return nil }

        func range(_ i: Int) -> Range<Int> { Int(t[i].start)..<Int(t[i].end) }
        return PaymentEntryFields(
            seq: UInt64(t[seqIndex].value), prev: prev, time: range(timeIndex), body: Int(t[body].start)..<Int(t[body].end),
            batchID: range(batchIDIndex), index: t[indexIndex].value, unit: range(unitIndex), program: range(programIndex),
            period: range(periodIndex), amountFen: t[amountIndex].value, commitToken: commitIndex)
    }

    /// The commitments of a payment read by `read`.
    package static func commitments(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, _ commit: Int) -> [PersonalField: Digest32] {
        var out: [PersonalField: Digest32] = [:]
        var i = commit + 1
        while i < Int(tape.tokens[commit].next) {
            if let field = PersonalField(rawValue: tape.string(i, in: b)), let d = digest(tape, b, i + 1) { out[field] = d }
            i = Int(tape.tokens[i + 1].next)
        }
        return out
    }

    /// The personal fields a payment read by `read` commits to, one bit each (`PersonalField.bit`).
    package static func committedFields(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, _ commit: Int) -> UInt8? {
        let t = tape.tokens
        guard t[commit].kind == .object else { return nil }
        var fields: UInt8 = 0
        var i = commit + 1
        while i < Int(t[commit].next) {
            guard let key = string(tape, b, i), let position = personalFields.firstIndex(where: { equal(key, $0) }) else { return nil }
            fields |= personalFieldsInKeyOrder[position].bit
            i = Int(t[i + 1].next)
        }
        return fields
    }

    static func validCommitments(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, _ commit: Int) -> Bool {
        let t = tape.tokens
        guard t[commit].kind == .object, t[commit].value >= 2, t[commit].value <= 7,
              tape.member(commit, "id_number", in: b) != nil, tape.member(commit, "name", in: b) != nil else { return false }
        var i = commit + 1
        var previous = -1
        while i < Int(t[commit].next) {
            // Keys in canonical order: strictly increasing positions in the sorted field list.
            guard let key = string(tape, b, i), let position = personalFields.firstIndex(where: { equal(key, $0) }), position > previous,
                  digest(tape, b, i + 1) != nil else { return false }
            previous = position
            i = Int(t[i + 1].next)
        }
        return true
    }

    /// The raw bytes of an unescaped string token; nil for anything else.
    @inline(__always)
    static func string(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, _ i: Int?) -> UnsafeRawBufferPointer? {
        guard let i, tape.tokens[i].kind == .string, !tape.tokens[i].escaped else { return nil }
        return tape.raw(i, in: b)
    }

    @inline(__always)
    static func digest(_ tape: JSONTape, _ b: UnsafeRawBufferPointer, _ i: Int) -> Digest32? {
        guard let s = string(tape, b, i), s.count == 64 else { return nil }
        return Digest32(hexBytes: s)
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard a.count == n else { return false }
        let p = s.utf8Start
        for i in 0..<n where a[i] != p[i] { return false }
        return true
    }
}

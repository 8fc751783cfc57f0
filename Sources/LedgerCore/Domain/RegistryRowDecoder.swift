/// Decodes the stored rows of a registry snapshot one after another (`RegistryRowCoding`'s form), for readers of
/// millions of rows: one token tape for all of them, members read in the canonical order the encoder writes, the
/// same checks as `RegistryRowCoding.enrollment`/`certificate`/`identity`, and values that repeat (school names,
/// certificate types) made once. A row this path does not take — an escaped string, a member out of place, a
/// value that fails a check — is decoded by `RegistryRowCoding.decode`, which accepts or refuses it exactly as
/// before and names the problem; so the rows accepted and their values are the same either way.
public struct RegistryRowDecoder {
    var tape = JSONTape(mode: .canonical)
    var schoolNames = RepeatedStrings(), certificateTypes = RepeatedStrings(), grades = RepeatedStrings()
    /// Value token indices of the row being read, by position in its kind's key list (0: absent).
    var values = [Int](repeating: 0, count: 16)

    public init() {}

    /// Decodes a row of `kind` and appends it to that kind's rows in `data`; throws what `RegistryRowCoding.decode`
    /// throws for a row it refuses.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, kind: RegistryKind, into data: inout RegistryData) throws(FormatError) {
        if (try? tape.scan(bytes)) != nil {
            switch kind {
            case .enrollment: if let row = enrollment(bytes) { return data.enrollment.append(row) }
            case .certificates: if let row = certificate(bytes) { return data.certificates.append(row) }
            case .identity: if let row = identity(bytes) { return data.identity.append(row) }
            }
        }
        try RegistryRowCoding.decode(bytes, kind: kind, into: &data)
    }

    // Keys in canonical order (as `RegistryRowCoding.encode` writes them); the optional ones may be absent.
    static let enrollmentKeys: [StaticString] = ["boarding", "grade", "id_number", "line", "name", "school_code", "school_name", "stage", "status",
                                                "status_date", "student_no", "unit"]
    static let enrollmentOptional: Set<Int> = [9, 10]
    static let certificateKeys: [StaticString] = ["cert_number", "cert_type", "id_number", "issuer_unit", "line", "name", "status", "valid_from", "valid_to"]
    static let certificateOptional: Set<Int> = [8]
    static let identityKeys: [StaticString] = ["alive", "death_date", "id_number", "line", "name"]
    static let identityOptional: Set<Int> = [1]

    /// Fills `values` with the value token of each key; false unless the row is an object with exactly these
    /// members (optional ones may be missing), in this order, with no escaped key.
    mutating func members(_ b: UnsafeRawBufferPointer, _ keys: [StaticString], optional: Set<Int>) -> Bool {
        let t = tape.tokens
        guard t[0].kind == .object else { return false }
        for k in keys.indices { values[k] = 0 }
        var key = 0
        var i = 1
        while i < Int(t[0].next) {
            guard t[i].kind == .string, !t[i].escaped else { return false }
            let name = tape.raw(i, in: b)
            while key < keys.count, !Self.equal(name, keys[key]) {
                guard optional.contains(key) else { return false }
                key += 1
            }
            guard key < keys.count else { return false }
            values[key] = i + 1
            key += 1
            i = Int(t[i + 1].next)
        }
        while key < keys.count, optional.contains(key) { key += 1 }
        return key == keys.count
    }

    /// The unescaped bytes of string value `k` (nil if absent or not such a string).
    func text(_ b: UnsafeRawBufferPointer, _ k: Int) -> UnsafeRawBufferPointer? {
        let i = values[k]
        guard i > 0, tape.tokens[i].kind == .string, !tape.tokens[i].escaped else { return nil }
        return tape.raw(i, in: b)
    }

    func bool(_ k: Int) -> Bool? {
        let i = values[k]
        guard i > 0 else { return nil }
        switch tape.tokens[i].kind {
        case .trueValue: return true
        case .falseValue: return false
        default: return nil
        }
    }

    /// The `line` member: an integer of at least 1.
    func line(_ k: Int) -> Int? {
        let i = values[k]
        guard i > 0, tape.tokens[i].kind == .int, tape.tokens[i].value >= 1 else { return nil }
        return Int(truncatingIfNeeded: tape.tokens[i].value)
    }

    static func string(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b, as: UTF8.self) }

    /// An optional member: absent, or text passing `check`; `.some(nil)` means absent, nil means refused here.
    func optionalText(_ b: UnsafeRawBufferPointer, _ k: Int, _ check: (UnsafeRawBufferPointer) -> Bool) -> String?? {
        guard values[k] > 0 else { return .some(nil) }
        guard let bytes = text(b, k), check(bytes) else { return nil }
        return .some(Self.string(bytes))
    }

    static func oneOf<E: CaseIterable & RawRepresentable>(_ bytes: UnsafeRawBufferPointer, _ type: E.Type) -> E? where E.RawValue == String {
        E.allCases.first { $0.rawValue.utf8.elementsEqual(bytes) }
    }

    static func idNumber(_ bytes: UnsafeRawBufferPointer) -> String? {
        let id = string(bytes)
        return IDNumber.hasShape(id) ? id : nil
    }

    mutating func enrollment(_ b: UnsafeRawBufferPointer) -> EnrollmentRecord? {
        guard members(b, Self.enrollmentKeys, optional: Self.enrollmentOptional),
              let boarding = bool(0),
              let grade = text(b, 1), FieldSyntax.isText(grade, maxScalars: 16),
              let idBytes = text(b, 2), let id = Self.idNumber(idBytes),
              let line = line(3),
              let name = text(b, 4), FieldSyntax.isText(name, maxScalars: 50),
              let schoolCode = text(b, 5), FieldSyntax.isToken(schoolCode),
              let schoolName = text(b, 6), FieldSyntax.isText(schoolName),
              let stageBytes = text(b, 7), let stage = Self.oneOf(stageBytes, Stage.self),
              let statusBytes = text(b, 8), let status = Self.oneOf(statusBytes, EnrollmentStatus.self),
              let statusDate = optionalText(b, 9, FieldSyntax.isDate),
              let studentNumber = optionalText(b, 10, FieldSyntax.isToken),
              let unit = text(b, 11), FieldSyntax.isToken(unit),
              !status.isExit || statusDate != nil
        else { return nil }
        return EnrollmentRecord(line: line, idNumber: id, name: Self.string(name), unit: Self.string(unit), schoolCode: Self.string(schoolCode),
                                schoolName: schoolNames.string(schoolName), stage: stage, grade: grades.string(grade), boarding: boarding, status: status,
                                statusDate: statusDate, studentNumber: studentNumber)
    }

    mutating func certificate(_ b: UnsafeRawBufferPointer) -> CertificateRecord? {
        guard members(b, Self.certificateKeys, optional: Self.certificateOptional),
              let certNumber = text(b, 0), FieldSyntax.isText(certNumber, maxScalars: 64),
              let certType = text(b, 1), FieldSyntax.isText(certType, maxScalars: 64),
              let idBytes = text(b, 2), let id = Self.idNumber(idBytes),
              let issuer = text(b, 3), FieldSyntax.isToken(issuer),
              let line = line(4),
              let name = text(b, 5), FieldSyntax.isText(name, maxScalars: 50),
              let statusBytes = text(b, 6), let status = Self.oneOf(statusBytes, CertificateStatus.self),
              let validFromBytes = text(b, 7), FieldSyntax.isDate(validFromBytes),
              let validTo = optionalText(b, 8, FieldSyntax.isDate)
        else { return nil }
        let validFrom = Self.string(validFromBytes)
        if let validTo, validTo < validFrom { return nil }
        return CertificateRecord(line: line, certType: certificateTypes.string(certType), certNumber: Self.string(certNumber), idNumber: id,
                                 name: Self.string(name), issuerUnit: Self.string(issuer), validFrom: validFrom, validTo: validTo, status: status)
    }

    mutating func identity(_ b: UnsafeRawBufferPointer) -> IdentityRecord? {
        guard members(b, Self.identityKeys, optional: Self.identityOptional),
              let alive = bool(0),
              let deathDate = optionalText(b, 1, FieldSyntax.isDate),
              let idBytes = text(b, 2), let id = Self.idNumber(idBytes),
              let line = line(3),
              let name = text(b, 4), FieldSyntax.isText(name, maxScalars: 50),
              !(alive && deathDate != nil)
        else { return nil }
        return IdentityRecord(line: line, idNumber: id, name: Self.string(name), alive: alive, deathDate: deathDate)
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        guard a.count == s.utf8CodeUnitCount else { return false }
        for i in 0..<a.count where a[i] != s.utf8Start[i] { return false }
        return true
    }
}

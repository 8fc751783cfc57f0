/// The stored form of a registry row: canonical JSON (RFC 8785), one object per row, with the columns of DESIGN §4
/// by their English names and the row's `line` in the imported file; an optional value that is absent is left out.
/// The store keeps these bytes opaque (with the row's person key beside them); the services decode them.
///
///     enrollment    {"boarding":true,"grade":"3","id_number":"…","line":2,"name":"…","school_code":"…","school_name":"…",
///                    "stage":"primary","status":"enrolled","status_date":"2025-09-01","student_no":"…","unit":"430626"}
///     certificates  {"cert_number":"…","cert_type":"低保证","id_number":"…","issuer_unit":"430626","line":2,"name":"…",
///                    "status":"valid","valid_from":"2025-01-01","valid_to":"2025-12-31"}
///     identity      {"alive":false,"death_date":"2025-10-01","id_number":"…","line":2,"name":"…"}
///
/// Decoding is strict: the bytes must be canonical, every field known and valid as the importer validates it
/// (`RegistryCSV`), so a row altered in the store is refused rather than read as something else. Errors name the
/// field, never its value.
public enum RegistryRowCoding {
    // MARK: encoding (members written in JCS order, which the tests check against CanonicalJSON)

    public static func encode(_ row: EnrollmentRecord) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(320)
        out.appendLiteral(#"{"boarding":"#)
        out.appendLiteral(row.boarding ? "true" : "false")
        member(#","grade":"#, row.grade, &out)
        member(#","id_number":"#, row.idNumber, &out)
        line(row.line, &out)
        member(#","name":"#, row.name, &out)
        member(#","school_code":"#, row.schoolCode, &out)
        member(#","school_name":"#, row.schoolName, &out)
        member(#","stage":"#, row.stage.rawValue, &out)
        member(#","status":"#, row.status.rawValue, &out)
        if let d = row.statusDate { member(#","status_date":"#, d, &out) }
        if let n = row.studentNumber { member(#","student_no":"#, n, &out) }
        member(#","unit":"#, row.unit, &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func encode(_ row: CertificateRecord) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        out.append(UInt8(ascii: "{"))
        member(#""cert_number":"#, row.certNumber, &out)
        member(#","cert_type":"#, row.certType, &out)
        member(#","id_number":"#, row.idNumber, &out)
        member(#","issuer_unit":"#, row.issuerUnit, &out)
        line(row.line, &out)
        member(#","name":"#, row.name, &out)
        member(#","status":"#, row.status.rawValue, &out)
        member(#","valid_from":"#, row.validFrom, &out)
        if let to = row.validTo { member(#","valid_to":"#, to, &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func encode(_ row: IdentityRecord) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(128)
        out.appendLiteral(#"{"alive":"#)
        out.appendLiteral(row.alive ? "true" : "false")
        if let d = row.deathDate { member(#","death_date":"#, d, &out) }
        member(#","id_number":"#, row.idNumber, &out)
        line(row.line, &out)
        member(#","name":"#, row.name, &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    @inline(__always)
    static func member(_ key: StaticString, _ value: String, _ out: inout [UInt8]) {
        out.appendLiteral(key)
        CanonicalJSON.appendString(value, into: &out)
    }

    /// `,"line":n`, within the format's integers (a line number always is).
    @inline(__always)
    static func line(_ n: Int, _ out: inout [UInt8]) {
        out.appendLiteral(#","line":"#)
        CanonicalJSON.appendInteger(min(max(Int64(clamping: n), 0), JSONValue.maxSafeInteger), into: &out)
    }

    // MARK: decoding

    public static func enrollment(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> EnrollmentRecord {
        var r = try reader(bytes, context: "enrollment row")
        let boarding = try r.bool("boarding")
        let grade = try r.string("grade", { FieldSyntax.isText($0, maxScalars: 16) }, expected: "1–16 characters without control characters")
        let id = try idNumber(&r)
        let line = try lineNumber(&r)
        let name = try name(&r)
        let schoolCode = try r.string("school_code", FieldSyntax.isToken, expected: "a school code")
        let schoolName = try r.string("school_name", { FieldSyntax.isText($0) }, expected: "1–200 characters without control characters")
        let stage = try r.oneOf("stage", Stage.self)
        let status = try r.oneOf("status", EnrollmentStatus.self)
        let statusDate = try r.optionalString("status_date", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        let studentNumber = try r.optionalString("student_no", FieldSyntax.isToken, expected: "1–64 letters or digits")
        let unit = try r.string("unit", FieldSyntax.isToken, expected: "a unit code")
        try r.finish()
        if status.isExit, statusDate == nil { throw FormatError(.badField, "enrollment row.status_date: missing for an exit status") }
        return EnrollmentRecord(line: line, idNumber: id, name: name, unit: unit, schoolCode: schoolCode, schoolName: schoolName, stage: stage, grade: grade,
                                boarding: boarding, status: status, statusDate: statusDate, studentNumber: studentNumber)
    }

    public static func certificate(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> CertificateRecord {
        var r = try reader(bytes, context: "certificate row")
        let certNumber = try r.string("cert_number", { FieldSyntax.isText($0, maxScalars: 64) }, expected: "1–64 characters without control characters")
        let certType = try r.string("cert_type", { FieldSyntax.isText($0, maxScalars: 64) }, expected: "1–64 characters without control characters")
        let id = try idNumber(&r)
        let issuer = try r.string("issuer_unit", FieldSyntax.isToken, expected: "a unit code")
        let line = try lineNumber(&r)
        let name = try name(&r)
        let status = try r.oneOf("status", CertificateStatus.self)
        let validFrom = try r.string("valid_from", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        let validTo = try r.optionalString("valid_to", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        try r.finish()
        if let validTo, validTo < validFrom { throw FormatError(.badField, "certificate row.valid_to: before valid_from") }
        return CertificateRecord(line: line, certType: certType, certNumber: certNumber, idNumber: id, name: name, issuerUnit: issuer, validFrom: validFrom,
                                 validTo: validTo, status: status)
    }

    public static func identity(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> IdentityRecord {
        var r = try reader(bytes, context: "identity row")
        let alive = try r.bool("alive")
        let deathDate = try r.optionalString("death_date", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        let id = try idNumber(&r)
        let line = try lineNumber(&r)
        let name = try name(&r)
        try r.finish()
        if alive, deathDate != nil { throw FormatError(.badField, "identity row.death_date: given for someone alive") }
        return IdentityRecord(line: line, idNumber: id, name: name, alive: alive, deathDate: deathDate)
    }

    /// Decodes a row of `kind` and appends it to that kind's rows in `data`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, kind: RegistryKind, into data: inout RegistryData) throws(FormatError) {
        switch kind {
        case .enrollment: data.enrollment.append(try enrollment(bytes))
        case .certificates: data.certificates.append(try certificate(bytes))
        case .identity: data.identity.append(try identity(bytes))
        }
    }

    static func reader(_ bytes: UnsafeRawBufferPointer, context: String) throws(FormatError) -> FieldReader {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, mode: .canonical) } catch { throw FormatError(.badJSON, "\(context): not canonical JSON (\(error.description))") }
        return try FieldReader(value, context: context)
    }

    static func idNumber(_ r: inout FieldReader) throws(FormatError) -> String {
        try r.string("id_number", IDNumber.hasShape, expected: "an ID number of 17 digits and a digit or X")
    }

    static func name(_ r: inout FieldReader) throws(FormatError) -> String {
        try r.string("name", { FieldSyntax.isText($0, maxScalars: 50) }, expected: "1–50 characters without control characters")
    }

    static func lineNumber(_ r: inout FieldReader) throws(FormatError) -> Int {
        Int(truncatingIfNeeded: try r.int("line", min: 1))
    }
}

import LedgerCore

/// Reads the registry files a cross-check joins payments against (DESIGN §4): enrollment (学籍), certificates (证)
/// and identity (身份). Like payment batches: Chinese or English headers, any column order, UTF-8 with or without
/// BOM; columns aidledger does not know are ignored (registry exports carry many). Every row is validated; any
/// problem rejects the whole file, and every problem is reported as `file:line:column: field: why` without
/// repeating a value (every value of a registry row is personal or tells something about a person).
public enum RegistryCSV {
    /// The columns of the three registries. A file of one kind reads only its kind's columns (`columns(of:)`).
    public enum Column: String, CaseIterable, Sendable {
        case idNumber = "id_number", name, unit, schoolCode = "school_code", schoolName = "school_name", stage, grade, boarding
        case status, statusDate = "status_date", studentNumber = "student_no"
        case certType = "cert_type", certNumber = "cert_number", issuerUnit = "issuer_unit", validFrom = "valid_from", validTo = "valid_to"
        case alive, deathDate = "death_date"

        /// Header names accepted for the column (compared after trimming, case-insensitively).
        public var aliases: [String] {
            switch self {
            case .idNumber: ["id_number", "身份证号", "身份证号码", "身份证"]
            case .name: ["name", "姓名", "学生姓名"]
            case .unit: ["unit", "区县代码", "单位代码"]
            case .schoolCode: ["school_code", "学校代码", "学校标识码"]
            case .schoolName: ["school_name", "学校名称"]
            case .stage: ["stage", "学段"]
            case .grade: ["grade", "年级"]
            case .boarding: ["boarding", "是否寄宿"]
            case .status: ["status", "学籍状态", "状态", "证件状态"]
            case .statusDate: ["status_date", "状态日期", "变动日期"]
            case .studentNumber: ["student_no", "学籍号", "全国学籍号"]
            case .certType: ["cert_type", "证件类型", "证书类型"]
            case .certNumber: ["cert_number", "证件号码", "证书编号", "证号"]
            case .issuerUnit: ["issuer_unit", "发证单位", "发证单位代码"]
            case .validFrom: ["valid_from", "有效期起", "有效期开始"]
            case .validTo: ["valid_to", "有效期止", "有效期至", "有效期结束"]
            case .alive: ["alive", "是否在世"]
            case .deathDate: ["death_date", "死亡日期"]
            }
        }

        /// Position in `allCases`.
        var ordinal: Int {
            switch self {
            case .idNumber: 0
            case .name: 1
            case .unit: 2
            case .schoolCode: 3
            case .schoolName: 4
            case .stage: 5
            case .grade: 6
            case .boarding: 7
            case .status: 8
            case .statusDate: 9
            case .studentNumber: 10
            case .certType: 11
            case .certNumber: 12
            case .issuerUnit: 13
            case .validFrom: 14
            case .validTo: 15
            case .alive: 16
            case .deathDate: 17
            }
        }
    }

    /// The columns a file of `kind` may have, and those it must have.
    public static func columns(of kind: RegistryKind) -> (all: [Column], required: [Column]) {
        switch kind {
        case .enrollment:
            ([.idNumber, .name, .unit, .schoolCode, .schoolName, .stage, .grade, .boarding, .status, .statusDate, .studentNumber],
             [.idNumber, .name, .unit, .schoolCode, .schoolName, .stage, .grade, .boarding, .status])
        case .certificates:
            ([.certType, .certNumber, .idNumber, .name, .issuerUnit, .validFrom, .validTo, .status],
             [.certType, .certNumber, .idNumber, .name, .issuerUnit, .validFrom, .status])
        case .identity:
            ([.idNumber, .name, .alive, .deathDate], [.idNumber, .name, .alive])
        }
    }

    /// Every problem of a rejected file (at most `maxErrors`, sorted by line and column), as for payment batches.
    public typealias Rejection = PaymentCSV.Rejection
    public static let maxErrors = PaymentCSV.maxErrors

    /// Reads and validates a registry file of `kind`; the returned data holds that kind's rows only, in file order.
    /// ID numbers may not encode a birth date after today, nor a status or death date lie after today
    /// (`dateLimits.latestBirthDay`).
    public static func read(_ bytes: UnsafeRawBufferPointer, kind: RegistryKind, file: String, dateLimits: DateLimits) throws(Rejection) -> RegistryData {
        switch kind {
        case .enrollment: RegistryData(enrollment: try readEnrollment(bytes, file: file, dateLimits: dateLimits))
        case .certificates: RegistryData(certificates: try readCertificates(bytes, file: file, dateLimits: dateLimits))
        case .identity: RegistryData(identity: try readIdentity(bytes, file: file, dateLimits: dateLimits))
        }
    }

    /// An enrollment registry (学籍): one row per student and school. A student may have several rows (a transfer:
    /// 转出 at one school, 在读 at the next), but not two for the same school. An exit status (休学, 转出, 毕业,
    /// 辍学, 死亡) needs its status date.
    public static func readEnrollment(_ bytes: UnsafeRawBufferPointer, file: String, dateLimits: DateLimits) throws(Rejection) -> [EnrollmentRecord] {
        var out: [EnrollmentRecord] = []
        var seen: [String: Int] = [:]
        try readRows(bytes, kind: .enrollment, file: file, reserve: { out.reserveCapacity($0); seen.reserveCapacity($0) }) { (row: inout Row) in
            let id = row.idNumber(dateLimits)
            let name = row.name()
            let unit = row.token(.unit, "a unit code")
            let schoolCode = row.token(.schoolCode, "a school code")
            let schoolName = row.text(.schoolName, maxScalars: 200)
            let stage = row.need(.stage).flatMap { v -> Stage? in
                guard let s = PaymentCSV.parseStage(v) else {
                    row.fail(.stage, "must be one of preschool/primary/junior/senior/vocational/higher or 学前/小学/初中/高中/中职/高校"); return nil
                }
                return s
            }
            let grade = row.text(.grade, maxScalars: 16)
            let boarding = row.bool(.boarding, "must be 是/否 or yes/no")
            let status = row.need(.status).flatMap { v -> EnrollmentStatus? in
                guard let s = parseEnrollmentStatus(v) else {
                    row.fail(.status, "must be one of 在读/休学/转出/毕业/辍学/死亡 or enrolled/suspended/transferred_out/graduated/dropped_out/deceased"); return nil
                }
                return s
            }
            let statusDate = row.date(.statusDate, notAfter: dateLimits.latestBirthDay, what: "a status")
            if let status, status.isExit, row.isEmpty(.statusDate) {
                row.fail(.statusDate, "required when the status is \(status.chinese) (\(status.rawValue)): the date it began")
            }
            if let date = statusDate, let id, let born = birthDay(id), let day = DateLimits.dayNumber(date), day < born {
                row.fail(.statusDate, "is before the birth date the ID number gives")
            }
            var studentNumber: String? = nil
            if let v = row.optional(.studentNumber) {
                let normalized = IDNumber.normalize(v)
                if FieldSyntax.isToken(normalized) { studentNumber = normalized } else { row.fail(.studentNumber, "must be 1–64 letters or digits") }
            }
            guard row.isClean, let id, let name, let unit, let schoolCode, let schoolName, let stage, let grade, let boarding, let status else { return }
            let key = id + "\u{0}" + schoolCode
            if let earlier = seen[key] {
                row.fail(.schoolCode, "the same student and school as line \(earlier) (one row per student and school)")
                return
            }
            seen[key] = row.line
            out.append(EnrollmentRecord(line: row.line, idNumber: id, name: name, unit: unit, schoolCode: schoolCode, schoolName: schoolName, stage: stage,
                                        grade: grade, boarding: boarding, status: status, statusDate: statusDate, studentNumber: studentNumber))
        }
        return out
    }

    /// A certificate registry (证): one row per certificate record of an issuing department. `valid_to` empty means
    /// open-ended; otherwise `valid_from` ≤ `valid_to`. The same certificate (type and number) may appear again
    /// with another validity (a renewal), not twice from the same date.
    public static func readCertificates(_ bytes: UnsafeRawBufferPointer, file: String, dateLimits: DateLimits) throws(Rejection) -> [CertificateRecord] {
        var out: [CertificateRecord] = []
        var seen: [String: Int] = [:]
        try readRows(bytes, kind: .certificates, file: file, reserve: { out.reserveCapacity($0); seen.reserveCapacity($0) }) { (row: inout Row) in
            let certType = row.text(.certType, maxScalars: 64)
            let certNumber = row.text(.certNumber, maxScalars: 64)
            let id = row.idNumber(dateLimits)
            let name = row.name()
            let issuer = row.token(.issuerUnit, "a unit code")
            let validFrom = row.date(.validFrom, required: true)
            let validTo = row.date(.validTo)
            if let from = validFrom, let to = validTo, to < from { row.fail(.validTo, "is before valid_from (the validity must not end before it begins)") }
            let status = row.need(.status).flatMap { v -> CertificateStatus? in
                guard let s = parseCertificateStatus(v) else { row.fail(.status, "must be 有效/注销 or valid/cancelled"); return nil }
                return s
            }
            guard row.isClean, let certType, let certNumber, let id, let name, let issuer, let validFrom, let status else { return }
            let key = certType + "\u{0}" + certNumber + "\u{0}" + validFrom
            if let earlier = seen[key] {
                row.fail(.certNumber, "the same certificate type, number and valid_from as line \(earlier)")
                return
            }
            seen[key] = row.line
            out.append(CertificateRecord(line: row.line, certType: certType, certNumber: certNumber, idNumber: id, name: name, issuerUnit: issuer,
                                         validFrom: validFrom, validTo: validTo, status: status))
        }
        return out
    }

    /// An identity registry (身份, the population register): one row per person. A death date only for someone not
    /// alive (and not before the birth date the ID number gives); someone not alive may lack it (date unknown).
    public static func readIdentity(_ bytes: UnsafeRawBufferPointer, file: String, dateLimits: DateLimits) throws(Rejection) -> [IdentityRecord] {
        var out: [IdentityRecord] = []
        var seen: [String: Int] = [:]
        try readRows(bytes, kind: .identity, file: file, reserve: { out.reserveCapacity($0); seen.reserveCapacity($0) }) { (row: inout Row) in
            let id = row.idNumber(dateLimits)
            let name = row.name()
            let alive = row.need(.alive).flatMap { v -> Bool? in
                guard let a = parseAlive(v) else { row.fail(.alive, "must be 是/否 (在世/死亡) or yes/no"); return nil }
                return a
            }
            let deathDate = row.date(.deathDate, notAfter: dateLimits.latestBirthDay, what: "a death")
            if alive == true, !row.isEmpty(.deathDate) { row.fail(.deathDate, "given for someone alive (是否在世 = 是): leave it empty, or set alive to 否") }
            if let date = deathDate, let id, let born = birthDay(id), let day = DateLimits.dayNumber(date), day < born {
                row.fail(.deathDate, "is before the birth date the ID number gives")
            }
            guard row.isClean, let id, let name, let alive else { return }
            if let earlier = seen[id] {
                row.fail(.idNumber, "the same person as line \(earlier) (an identity registry has one row per person)")
                return
            }
            seen[id] = row.line
            out.append(IdentityRecord(line: row.line, idNumber: id, name: name, alive: alive, deathDate: deathDate))
        }
        return out
    }

    // MARK: values

    static func parseEnrollmentStatus(_ v: String) -> EnrollmentStatus? {
        let lower = v.lowercased()
        return EnrollmentStatus.allCases.first { $0.chinese == v || $0.rawValue == lower }
    }

    static func parseCertificateStatus(_ v: String) -> CertificateStatus? {
        switch v.lowercased() {
        case "有效", "valid": .valid
        case "注销", "已注销", "cancelled", "canceled": .cancelled
        default: nil
        }
    }

    static func parseAlive(_ v: String) -> Bool? {
        switch v.lowercased() {
        case "在世", "alive": true
        case "死亡", "已死亡", "deceased", "dead": false
        case "是", "yes", "y", "true", "1": true
        case "否", "no", "n", "false", "0": false
        default: nil
        }
    }

    /// `YYYY-MM-DD`, `YYYY/M/D` (as payment dates are read) or `YYYY年M月D日`.
    static func parseDate(_ v: String) -> String? {
        if let d = PaymentCSV.parseDate(v) { return d }
        guard v.hasSuffix("日"), v.contains("年"), v.contains("月") else { return nil }
        let slashed = String(v.dropLast()).replacingAll("年", with: "/").replacingAll("月", with: "/")
        return PaymentCSV.parseDate(slashed)
    }

    /// The day number of the birth date in a valid ID number.
    static func birthDay(_ id: String) -> Int64? {
        let b = Array(id.utf8)
        guard b.count == 18 else { return nil }
        func text(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        return DateLimits.dayNumber(text(6..<10) + "-" + text(10..<12) + "-" + text(12..<14))
    }

    // MARK: rows

    /// One data row being validated: its fields by column, and the problems found in it.
    struct Row {
        let line: Int
        let fields: [String]
        let positions: ColumnPositions
        /// Problems of this row (reported into the file's list by `readRows`).
        var problems: [(column: Int, field: String, reason: String)] = []

        var isClean: Bool { problems.isEmpty }

        func column(_ c: Column) -> Int { (positions[c] ?? -1) + 1 }

        mutating func fail(_ c: Column, _ reason: String) { problems.append((positions[c].map { $0 + 1 } ?? 0, c.rawValue, reason)) }

        /// The trimmed value, nil when the file has no such column.
        func value(_ c: Column) -> String? {
            guard let i = positions[c], i < fields.count else { return nil }
            return fields[i].trimmingASCIIWhitespace()
        }

        func isEmpty(_ c: Column) -> Bool { value(c)?.isEmpty ?? true }

        /// A non-empty value, or nil (column absent or empty).
        func optional(_ c: Column) -> String? {
            guard let v = value(c), !v.isEmpty else { return nil }
            return v
        }

        /// A required value: nil after reporting it empty.
        mutating func need(_ c: Column) -> String? {
            guard let v = optional(c) else { fail(c, "empty"); return nil }
            return v
        }

        mutating func idNumber(_ limits: DateLimits) -> String? {
            guard let raw = need(.idNumber) else { return nil }
            let id = IDNumber.normalize(raw)
            // A registry is kept as its department delivers it: a wrong birth date or check character is the
            // cross-check's finding (XC-01 ID_VALID), not a reason to refuse the file. Only the shape is required.
            do { try IDNumber.validate(id, latestBirthDay: limits.latestBirthDay) } catch {
                switch error {
                case .length, .nonDigit: fail(.idNumber, error.description); return nil
                case .birthDate, .futureBirthDate, .checksum: break
                }
            }
            return id
        }

        mutating func name() -> String? {
            guard let v = need(.name) else { return nil }
            guard FieldSyntax.isText(v, maxScalars: 50) else { fail(.name, "must be 1–50 characters without control characters"); return nil }
            return v
        }

        mutating func text(_ c: Column, maxScalars: Int) -> String? {
            guard let v = need(c) else { return nil }
            guard FieldSyntax.isText(v, maxScalars: maxScalars) else { fail(c, "must be 1–\(maxScalars) characters without control characters"); return nil }
            return v
        }

        mutating func token(_ c: Column, _ what: String) -> String? {
            guard let v = need(c) else { return nil }
            guard FieldSyntax.isToken(v) else { fail(c, "must be \(what) (digits, letters, . _ : / -)"); return nil }
            return v
        }

        mutating func bool(_ c: Column, _ why: String) -> Bool? {
            guard let v = need(c) else { return nil }
            guard let b = PaymentCSV.parseBool(v) else { fail(c, why); return nil }
            return b
        }

        /// A date (nil when absent or empty; reported when `required`), not after the day `notAfter` when given.
        /// The value is never repeated in a problem: a registry's dates are personal.
        mutating func date(_ c: Column, required: Bool = false, notAfter latest: Int64? = nil, what: String = "the") -> String? {
            guard let v = optional(c) else {
                if required { fail(c, "empty") }
                return nil
            }
            guard let d = RegistryCSV.parseDate(v) else { fail(c, "must be a real date YYYY-MM-DD (also YYYY/M/D or YYYY年M月D日)"); return nil }
            if let latest, let day = DateLimits.dayNumber(d), day > latest {
                fail(c, "is after today (\(DateLimits.date(latest))): \(what) date cannot lie in the future")
                return nil
            }
            return d
        }
    }

    /// Where each column is in the file.
    struct ColumnPositions {
        private var positions = [Int?](repeating: nil, count: Column.allCases.count)
        subscript(_ c: Column) -> Int? {
            get { positions[c.ordinal] }
            set { positions[c.ordinal] = newValue }
        }
    }

    /// Reads the header of a `kind` file, says how many data rows follow (`reserve`), then hands each data row with
    /// the right number of fields to `validate`; collects the problems of every row (at most `maxErrors` reported) and throws them all at the end.
    static func readRows(_ bytes: UnsafeRawBufferPointer, kind: RegistryKind, file: String, reserve: (Int) -> Void, _ validate: (inout Row) -> Void) throws(Rejection) {
        assert(Column.allCases.enumerated().allSatisfy { $0.offset == $0.element.ordinal }, "Column.ordinal follows allCases")
        let records: [CSVReader.Record]
        do { records = try CSVReader.records(bytes, file: file) } catch { throw Rejection(errors: [error], truncated: false) }
        var errors: [InputError] = []
        func fail(_ line: Int, _ column: Int, _ field: String, _ reason: String) {
            if errors.count <= maxErrors { errors.append(InputError(file: file, line: line, column: column, field: field, reason: reason)) }
        }

        // Header: the kind's columns by any alias; other columns are ignored.
        let (all, required) = columns(of: kind)
        let header = records[0]
        var index = ColumnPositions()
        for (i, raw) in header.fields.enumerated() {
            let name = raw.trimmingASCIIWhitespace().lowercased()
            guard let column = all.first(where: { $0.aliases.contains(name) }) else { continue }
            if let first = index[column] { fail(header.line, i + 1, column.rawValue, "column appears twice (also column \(first + 1))"); continue }
            index[column] = i
        }
        for c in required where index[c] == nil {
            fail(header.line, 0, c.rawValue, "required column missing from the \(kind.rawValue) file (header: \(c.aliases[0]) or \(c.aliases[1]))")
        }
        guard errors.isEmpty else { throw Rejection(errors: errors, truncated: false) }
        guard records.count > 1 else { throw Rejection(errors: [InputError(file: file, line: 2, column: 0, field: "", reason: "no rows after the header")], truncated: false) }
        reserve(records.count - 1)

        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                fail(record.line, 0, "", "has \(record.fields.count) fields, the header has \(header.fields.count)")
                continue
            }
            var row = Row(line: record.line, fields: record.fields, positions: index)
            validate(&row)
            for p in row.problems { fail(record.line, p.column, p.field, p.reason) }
        }
        guard errors.isEmpty else { throw Rejection(errors: Array(errors.sorted().prefix(maxErrors)), truncated: errors.count > maxErrors) }
    }
}

import Testing
import LedgerCore
@testable import LedgerImport

/// Registry files: each kind with Chinese and English headers, every problem with its exact place, and files
/// mutated at random, which must be read or refused, never trap.
@Suite struct RegistryCSVTests {
    /// Read as on 2026-09-01: no birth, status or death date after that day.
    static let limits = PlausibilityPolicy().dateLimits(now: "2026-09-01T08:00:00.000Z")

    /// A valid ID number from its first 17 digits.
    static func id(_ first17: String) -> String { first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8))) }

    /// Born 2015-03-01 and 2016-07-15; two samples of GB 11643 (the first ends in X).
    static let c = id("43062620150301001"), d = id("43062620160715002")
    static let a = "11010519491231002X", b = "440524188001010014"

    static func read(_ kind: RegistryKind, _ text: String, file: String = "r.csv") -> Result<RegistryData, RegistryCSV.Rejection> {
        read(kind, Array(text.utf8), file: file)
    }

    static func read(_ kind: RegistryKind, _ bytes: [UInt8], file: String = "r.csv") -> Result<RegistryData, RegistryCSV.Rejection> {
        bytes.withUnsafeBytes { raw in Result { () throws(RegistryCSV.Rejection) in try RegistryCSV.read(raw, kind: kind, file: file, dateLimits: limits) } }
    }

    /// The problems of a file (none if it was accepted).
    static func errors(_ kind: RegistryKind, _ lines: [String]) -> [String] {
        guard case .failure(let r) = read(kind, lines.joined(separator: "\n") + "\n") else { return [] }
        return r.errors.map(\.description)
    }

    // MARK: enrollment

    static let enrollmentHeader = "身份证号,姓名,区县代码,学校代码,学校名称,学段,年级,是否寄宿,学籍状态,状态日期,学籍号"
    static var enrollmentRow: String { "\(c),张小明,430626,4306261,示范县第1小学,小学,3,是,在读,,G\(c)" }

    @Test func enrollmentWithChineseHeadersBOMAndCRLF() throws {
        let text = "\u{FEFF}" + Self.enrollmentHeader + ",备注\r\n"
            + Self.enrollmentRow + ",\r\n"
            + "\(Self.d),李小红,430626,4306261,示范县第1小学,小学,2,否,转出,2025/9/1,,转学\r\n"
            + "\(Self.d),李小红,430611,4306111,岳阳楼区第2小学,小学,2,否,在读,2025年9月1日,,\r\n"
        let rows = try Self.read(.enrollment, text).get().enrollment
        #expect(rows.count == 3)
        #expect(rows[0] == EnrollmentRecord(line: 2, idNumber: Self.c, name: "张小明", unit: "430626", schoolCode: "4306261", schoolName: "示范县第1小学",
                                            stage: .primary, grade: "3", boarding: true, status: .enrolled, statusDate: nil, studentNumber: "G" + Self.c))
        #expect(rows[1].status == .transferredOut && rows[1].statusDate == "2025-09-01" && !rows[1].boarding && rows[1].studentNumber == nil)
        #expect(rows[2].line == 4 && rows[2].unit == "430611" && rows[2].status == .enrolled && rows[2].statusDate == "2025-09-01")
    }

    @Test func enrollmentWithEnglishHeadersInAnyOrder() throws {
        let text = """
            status,id_number,name,unit,school_code,school_name,stage,grade,boarding,status_date,student_no,extra
            graduated,11010519491231002x,"Wang, Wu",430626,4306262,"示范县""第2""中学",junior,9,no,2025-07-01,g11010519491231002x,x
            Deceased,\(Self.b),赵六,430626,4306262,示范县第2中学,JUNIOR,8,yes,1990-01-01,,
            """
        let rows = try Self.read(.enrollment, text).get().enrollment
        #expect(rows.count == 2)
        #expect(rows[0].idNumber == Self.a && rows[0].name == "Wang, Wu" && rows[0].schoolName == "示范县\"第2\"中学")
        #expect(rows[0].status == .graduated && rows[0].stage == .junior && rows[0].studentNumber == "g11010519491231002X")
        #expect(rows[1].status == .deceased && rows[1].boarding && rows[1].statusDate == "1990-01-01")
    }

    @Test func everyBadEnrollmentRowIsReportedWithLineColumnAndField() {
        let good = Self.enrollmentRow
        let rows = [
            good.replacingAll(Self.c, with: String(Self.c.dropLast(2)) + "X"),                                   // 2 not an ID number's shape
            good.replacingAll(",小学,", with: ",大学,"),                                                       // 3 stage
            good.replacingAll(",在读,", with: ",失踪,"),                                                       // 4 status
            good.replacingAll(",4306261,", with: ",4306263,").replacingAll(",在读,", with: ",转出,"),          // 5 exit without its date
            good.replacingAll(",4306261,", with: ",4306264,").replacingAll(",在读,,", with: ",在读,2025-02-30,"),  // 6 no such date
            good.replacingAll(",4306261,", with: ",4306265,").replacingAll(",在读,,", with: ",休学,2026-09-02,"),  // 7 in the future
            good.replacingAll(",是,", with: ",可能,"),                                                         // 8 boarding
            good.replacingAll(",3,", with: ",4,"),                                                            // 9 clean
            good + ",extra",                                                                                  // 10 field count
            good.replacingAll(",张小明,", with: ",,"),                                                         // 11 empty name
            good.replacingAll(",4306261,", with: ",4306266,").replacingAll(",在读,,", with: ",辍学,2014-01-01,"),  // 12 before birth
            good.replacingAll(",G\(Self.c)", with: ",G \(Self.c)"),                                           // 13 student number
        ]
        let e = Self.errors(.enrollment, [Self.enrollmentHeader] + rows)
        #expect(e == [
            "r.csv:2:1: id_number: must be 18 characters, found 17",
            "r.csv:3:6: stage: must be one of preschool/primary/junior/senior/vocational/higher or 学前/小学/初中/高中/中职/高校",
            "r.csv:4:9: status: must be one of 在读/休学/转出/毕业/辍学/死亡 or enrolled/suspended/transferred_out/graduated/dropped_out/deceased",
            "r.csv:5:10: status_date: required when the status is 转出 (transferred_out): the date it began",
            "r.csv:6:10: status_date: must be a real date YYYY-MM-DD (also YYYY/M/D or YYYY年M月D日)",
            "r.csv:7:10: status_date: is after today (2026-09-01): a status date cannot lie in the future",
            "r.csv:8:8: boarding: must be 是/否 or yes/no",
            "r.csv:10:0: has 12 fields, the header has 11",
            "r.csv:11:2: name: empty",
            "r.csv:12:10: status_date: is before the birth date the ID number gives",
            "r.csv:13:11: student_no: must be 1–64 letters or digits",
        ], "\(e)")
        // Line 9 is the first clean row of this student at this school; a second one is refused with its place.
        let twice = Self.errors(.enrollment, [Self.enrollmentHeader, good, good.replacingAll(",3,", with: ",4,")])
        #expect(twice == ["r.csv:3:4: school_code: the same student and school as line 2 (one row per student and school)"], "\(twice)")
        // A transfer: the same student at two schools is fine.
        #expect(Self.errors(.enrollment, [Self.enrollmentHeader, good, good.replacingAll(",4306261,", with: ",4306262,")]).isEmpty)
        Self.expectNoPersonalValue(e + twice)
        // A wrong check character is not a file error: the row is kept as the department keeps it, and the
        // cross-check reports it (XC-01 ID_VALID).
        let wrongCheck = good.replacingAll(Self.c, with: String(Self.c.dropLast()) + (Self.c.hasSuffix("1") ? "2" : "1"))
        #expect(Self.errors(.enrollment, [Self.enrollmentHeader, wrongCheck]).isEmpty)
    }

    // MARK: certificates

    static let certificateHeader = "证件类型,证件号码,身份证号,姓名,发证单位,有效期起,有效期止,状态"
    static var certificateRow: String { "低保证,DB430626001,\(c),张小明,430626,2025-01-01,2025-12-31,有效" }

    @Test func certificatesWithChineseHeadersAndBOM() throws {
        let text = "\u{FEFF}" + Self.certificateHeader + "\n" + Self.certificateRow + "\n"
            + "残疾人证,\(Self.d)21,\(Self.d),李小红,430611,2024/3/1,,注销\n"
        let rows = try Self.read(.certificates, text).get().certificates
        #expect(rows == [
            CertificateRecord(line: 2, certType: "低保证", certNumber: "DB430626001", idNumber: Self.c, name: "张小明", issuerUnit: "430626",
                              validFrom: "2025-01-01", validTo: "2025-12-31", status: .valid),
            CertificateRecord(line: 3, certType: "残疾人证", certNumber: Self.d + "21", idNumber: Self.d, name: "李小红", issuerUnit: "430611",
                              validFrom: "2024-03-01", validTo: nil, status: .cancelled),
        ])
    }

    @Test func certificatesWithEnglishHeadersInAnyOrder() throws {
        let text = """
            \u{FEFF}status,valid_to,valid_from,issuer_unit,name,id_number,cert_number,cert_type,remarks
            valid,2026年8月31日,2025年9月1日,430626,张小明,\(Self.c),TK-0001,特困人员救助供养证,note
            cancelled,,2020-01-01,430626,赵老,\(Self.b),TK-0002,特困人员救助供养证,
            """
        let rows = try Self.read(.certificates, text).get().certificates
        #expect(rows.count == 2)
        #expect(rows[0].validFrom == "2025-09-01" && rows[0].validTo == "2026-08-31" && rows[0].status == .valid && rows[0].certType == "特困人员救助供养证")
        #expect(rows[1].validTo == nil && rows[1].status == .cancelled && rows[1].idNumber == Self.b)
    }

    @Test func everyBadCertificateRowIsReportedWithLineColumnAndField() {
        let good = Self.certificateRow
        let rows = [
            good.replacingAll("2025-12-31", with: "2024-12-31"),                          // 2 ends before it begins
            good.replacingAll(",有效", with: ",过期"),                                     // 3 status
            good.replacingAll("2025-01-01", with: ""),                                   // 4 no valid_from
            good.replacingAll(",430626,", with: ",民政局,"),                              // 5 issuer not a code
            good,                                                                        // 6 clean
            good.replacingAll("2025-12-31", with: "2026-12-31"),                          // 7 same certificate from the same day
            good.replacingAll("DB430626001", with: "\"DB\t001\""),                        // 8 control character
            good.replacingAll(",\(Self.c),", with: ",4306262015030100,"),                 // 9 too short
        ]
        let e = Self.errors(.certificates, [Self.certificateHeader] + rows)
        #expect(e == [
            "r.csv:2:7: valid_to: is before valid_from (the validity must not end before it begins)",
            "r.csv:3:8: status: must be 有效/注销 or valid/cancelled",
            "r.csv:4:6: valid_from: empty",
            "r.csv:5:5: issuer_unit: must be a unit code (digits, letters, . _ : / -)",
            "r.csv:7:2: cert_number: the same certificate type, number and valid_from as line 6",
            "r.csv:8:2: cert_number: must be 1–64 characters without control characters",
            "r.csv:9:3: id_number: must be 18 characters, found 16",
        ], "\(e)")
        // A renewal (same certificate, another validity) is fine.
        #expect(Self.errors(.certificates, [Self.certificateHeader, good, good.replacingAll("2025-01-01,2025-12-31", with: "2026-01-01,2026-12-31")]).isEmpty)
        Self.expectNoPersonalValue(e)
    }

    // MARK: identity

    static let identityHeader = "身份证号,姓名,是否在世,死亡日期"

    @Test func identityWithChineseAndEnglishHeaders() throws {
        let chinese = "\u{FEFF}" + Self.identityHeader + "\r\n\(Self.c),张小明,是,\r\n\(Self.d),李小红,否,2025年10月1日\r\n\(Self.b),赵老,死亡,\r\n"
        let rows = try Self.read(.identity, chinese).get().identity
        #expect(rows == [IdentityRecord(line: 2, idNumber: Self.c, name: "张小明", alive: true, deathDate: nil),
                         IdentityRecord(line: 3, idNumber: Self.d, name: "李小红", alive: false, deathDate: "2025-10-01"),
                         IdentityRecord(line: 4, idNumber: Self.b, name: "赵老", alive: false, deathDate: nil)])
        let english = "death_date,alive,name,id_number\n2024-02-29,no,Zhao,\(Self.b)\n,yes,A,11010519491231002x\n"
        let e = try Self.read(.identity, english).get().identity
        #expect(e.count == 2 && e[0].deathDate == "2024-02-29" && !e[0].alive && e[1].alive && e[1].idNumber == Self.a)
    }

    @Test func everyBadIdentityRowIsReportedWithLineColumnAndField() {
        let rows = [
            "\(Self.c),张小明,是,2025-01-01",           // 2 a death date for someone alive
            "\(Self.c),张小明,也许,",                    // 3 alive
            "\(Self.c),张小明,否,2015-02-28",           // 4 before birth
            "\(Self.d),李小红,否,2026-09-02",           // 5 in the future
            "\(Self.a),王五,是,",                        // 6 clean
            "\(Self.a),王五,是,",                        // 7 the same person
            "11010519491231002x,王五,否,",              // 8 the same person, written with a small x
            "\(Self.b),赵老,否,2025-13-01",              // 9 no such date
        ]
        let e = Self.errors(.identity, [Self.identityHeader] + rows)
        #expect(e == [
            "r.csv:2:4: death_date: given for someone alive (是否在世 = 是): leave it empty, or set alive to 否",
            "r.csv:3:3: alive: must be 是/否 (在世/死亡) or yes/no",
            "r.csv:4:4: death_date: is before the birth date the ID number gives",
            "r.csv:5:4: death_date: is after today (2026-09-01): a death date cannot lie in the future",
            "r.csv:7:1: id_number: the same person as line 6 (an identity registry has one row per person)",
            "r.csv:8:1: id_number: the same person as line 6 (an identity registry has one row per person)",
            "r.csv:9:4: death_date: must be a real date YYYY-MM-DD (also YYYY/M/D or YYYY年M月D日)",
        ], "\(e)")
        Self.expectNoPersonalValue(e)
    }

    // MARK: the file

    @Test func headerAndFileProblems() {
        #expect(Self.errors(.identity, ["身份证号,姓名,死亡日期", "\(Self.c),张小明,"])
                == ["r.csv:1:0: alive: required column missing from the identity file (header: alive or 是否在世)"])
        #expect(Self.errors(.certificates, ["证件号码,身份证号,姓名,发证单位,有效期起,状态", "x"])
                == ["r.csv:1:0: cert_type: required column missing from the certificates file (header: cert_type or 证件类型)"])
        #expect(Self.errors(.identity, [Self.identityHeader + ",id_number", "\(Self.c),张小明,是,,\(Self.c)"])
                == ["r.csv:1:5: id_number: column appears twice (also column 1)"])
        #expect(Self.errors(.identity, [Self.identityHeader]) == ["r.csv:2:0: no rows after the header"])
        #expect(Self.errors(.enrollment, [""]) == ["r.csv:1:0: the file is empty (a header line is required)"])
        // An enrollment header is not a certificate registry.
        #expect(Self.errors(.certificates, [Self.enrollmentHeader, Self.enrollmentRow]).count == 4)
        var bad = Array((Self.identityHeader + "\n\(Self.c),张小明,是,\n").utf8)
        bad.insert(0xff, at: bad.count - 4)
        guard case .failure(let r) = Self.read(.identity, bad) else { Issue.record("invalid UTF-8 accepted"); return }
        #expect(r.errors.count == 1 && r.errors[0].line == 2 && r.errors[0].reason.contains("invalid UTF-8"), "\(r)")
    }

    @Test func allProblemsAtOnceUpToTheLimit() {
        let bad = (0..<150).map { _ in "\(Self.c),张小明,不知道," }
        guard case .failure(let r) = Self.read(.identity, ([Self.identityHeader] + bad).joined(separator: "\n")) else { Issue.record("accepted"); return }
        #expect(r.errors.count == RegistryCSV.maxErrors && r.truncated)
        #expect(r.errors.first?.line == 2 && r.errors.last?.line == 101)
        #expect(r.description.hasSuffix("… more errors not shown"))
        let some = (0..<7).map { _ in "\(Self.c),张小明,不知道," }
        guard case .failure(let r7) = Self.read(.identity, ([Self.identityHeader] + some).joined(separator: "\n")) else { Issue.record("accepted"); return }
        #expect(r7.errors.count == 7 && !r7.truncated)
    }

    /// Random byte flips, insertions and deletions in valid files of each kind: every one is read or refused (with
    /// located problems), none traps, and whatever is accepted holds valid values.
    @Test(arguments: RegistryKind.allCases)
    func mutatedFilesNeverTrap(_ kind: RegistryKind) throws {
        let text: String
        switch kind {
        case .enrollment:
            text = "\u{FEFF}" + Self.enrollmentHeader + "\r\n" + Self.enrollmentRow + "\r\n"
                + "\(Self.d),李小红,430626,4306261,示范县第1小学,小学,2,否,转出,2025/9/1,\r\n\(Self.a),\"W, W\",430611,4306111,\"岳阳\"\"2\",初中,8,yes,毕业,2025年7月1日,\r\n"
        case .certificates:
            text = Self.certificateHeader + "\n" + Self.certificateRow + "\n" + "残疾人证,\(Self.d)21,\(Self.d),李小红,430611,2024/3/1,,注销\n"
        case .identity:
            text = Self.identityHeader + "\n\(Self.c),张小明,是,\n\(Self.d),李小红,否,2025年10月1日\n\(Self.b),赵老,死亡,\n"
        }
        let original = Array(text.utf8)
        #expect((try? Self.read(kind, original).get()) != nil)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(kind.rawValue.utf8.count)
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        var accepted = 0, refused = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0...(next() % 3) {
                let at = Int(next() % UInt64(bytes.count))
                switch next() % 4 {
                case 0: bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (next() % 8))
                case 1: bytes[at] = UInt8(truncatingIfNeeded: next())
                case 2: bytes.insert([0x2c, 0x0a, 0x22, 0x0d, 0x78, 0xe5][Int(next() % 6)], at: at)
                default: if bytes.count > 1 { bytes.remove(at: at) }
                }
            }
            switch Self.read(kind, bytes) {
            case .success(let data):
                accepted += 1
                let ids = data.enrollment.map(\.idNumber) + data.certificates.map(\.idNumber) + data.identity.map(\.idNumber)
                #expect(ids.allSatisfy(IDNumber.hasShape))
                let dates = data.enrollment.compactMap(\.statusDate) + data.certificates.flatMap { [$0.validFrom] + ($0.validTo.map { [$0] } ?? []) }
                    + data.identity.compactMap(\.deathDate)
                #expect(dates.allSatisfy(FieldSyntax.isDate))
                // What the importer accepts, the store's row coding keeps and gives back.
                for r in data.enrollment { #expect(try RegistryRowCoding.encode(r).withUnsafeBytes { try RegistryRowCoding.enrollment($0) } == r) }
                for r in data.certificates { #expect(try RegistryRowCoding.encode(r).withUnsafeBytes { try RegistryRowCoding.certificate($0) } == r) }
                for r in data.identity { #expect(try RegistryRowCoding.encode(r).withUnsafeBytes { try RegistryRowCoding.identity($0) } == r) }
            case .failure(let r):
                refused += 1
                #expect(!r.errors.isEmpty && r.errors.allSatisfy { $0.line >= 1 && $0.column >= 0 && $0.file == "r.csv" })
            }
        }
        #expect(accepted > 0 && refused > 0, "accepted \(accepted), refused \(refused)")
    }

    /// No ID number, name or date of the fixtures appears in a problem.
    static func expectNoPersonalValue(_ errors: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let all = errors.joined(separator: "\n")
        for value in [c, d, a, b, String(c.dropLast()), "张小明", "李小红", "王五", "赵老", "DB430626001", "2025-02-30", "2026-09-02", "2014-01-01", "2015-02-28"] {
            #expect(!all.contains(value), "a problem repeats a personal value", sourceLocation: sourceLocation)
        }
    }
}

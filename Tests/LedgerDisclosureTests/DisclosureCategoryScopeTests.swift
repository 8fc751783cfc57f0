import Foundation
import LedgerCore
import LedgerDisclosure
import LedgerSamples
import Testing

/// The category table counts the 已发放 payments of the request's units and periods in every school and programme
/// (docs/FORMAT.md §18.2 item 3): the school and programme filters never change it, so that narrowing a request to
/// one person (H1) or comparing two requests that differ by one person (H2) reveals no one's category.
@Suite struct DisclosureCategoryScopeTests {
    static let boarding = "寄宿生生活补助"
    static let hardship = "义务教育家庭经济困难学生生活补助"

    /// Enough people that threshold 3 shows every cell: unit 430626 in two schools and two programmes, the
    /// hardship programme of school 4306260001 having one person (残疾); unit 430602 in one school. Also a spring
    /// payment (特困供养), a payment after the checkpoint (孤儿) and a reversed one (低保), none counted in autumn.
    static var crowd: [DisclosedPayment] {
        var out: [DisclosedPayment] = []
        func add(_ count: Int, unit: String = "430626", school: String = "4306260001", program: String = boarding, category: String?,
                 period: String = "2025-autumn", seq: Int64? = nil, reversedBy: Int64? = nil) {
            for _ in 0..<count {
                out.append(DisclosedPayment(seq: seq ?? Int64(out.count + 1), unit: unit, schoolCode: school, schoolName: "学校\(school)", program: program,
                                            period: period, stage: "junior", grade: "七年级", amountFen: 62_500, maskedName: "张*",
                                            reversedBy: reversedBy, category: category))
            }
        }
        add(4, category: "建档立卡")
        add(3, category: "低保")
        add(3, category: nil)
        add(1, program: hardship, category: "残疾")
        add(3, school: "4306260002", category: "建档立卡")
        add(2, school: "4306260002", category: "残疾")
        add(4, unit: "430602", school: "4306020001", category: "低保")
        add(3, unit: "430602", school: "4306020001", category: "建档立卡")
        add(3, unit: "430602", school: "4306020001", category: "")
        add(1, unit: "430602", school: "4306020001", category: "低保", reversedBy: 99)
        add(1, category: "特困供养", period: "2025-spring")
        add(1, category: "孤儿", seq: 150)
        return out
    }

    static let seqOfTheOnePerson: Int64 = 11

    static var request: DisclosureRequest {
        var r = DisclosureFixture.request
        r.periods = ["2025-autumn"]
        return r
    }

    static func files(_ request: DisclosureRequest = request, threshold: Int = 3) throws -> DisclosureFiles {
        try DisclosureFixture.files(crowd, request: request, threshold: threshold)
    }

    static func categoryFiles(_ files: DisclosureFiles) -> [DisclosureFile] { files.files.filter { $0.name.hasPrefix("categories.") } }

    static let unitLevelTable = """
        单位,低保,建档立卡,残疾,未登记,合计\r
        430602,4,3,0,3,10\r
        430626,3,7,3,3,16\r
        合计,7,10,3,6,26\r

        """

    @Test func theTableCountsTheUnitsAndPeriodsOfTheRequestInEverySchoolAndProgramme() throws {
        let files = try Self.files()
        // Threshold 3 shows every cell: each count is 0 or at least 3. Not counted: the spring payment, the one
        // after the checkpoint (seq 150), the reversed one.
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "categories.csv")) == Self.unitLevelTable)
        #expect(files.summary.payments == 27 && files.summary.paid == 26)
    }

    @Test func unitsAndPeriodsStillNarrowTheTable() throws {
        var one = Self.request
        one.units = ["430602"]
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(try Self.files(one), "categories.csv")) == """
            单位,低保,建档立卡,未登记,合计\r
            430602,4,3,3,10\r
            合计,4,3,3,10\r

            """)
        // Every period: the spring payment (特困供养) is counted; the payment after the checkpoint (孤儿) is not.
        var all = Self.request
        all.periods = []
        let header = DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(try Self.files(all), "categories.csv"))).first
        #expect(header == ["单位", "低保", "建档立卡", "残疾", "特困供养", "未登记", "合计"])
    }

    /// H1: a request narrowed to one school and programme with one person lists that person, and its category
    /// table is the unit-level table, whose header does not narrow to that person's category.
    @Test func aOnePersonScopeGivesTheUnitLevelTable() throws {
        var narrow = Self.request
        narrow.schools = ["4306260001"]
        narrow.programs = [Self.hardship]
        let files = try Self.files(narrow)
        let list = DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "list.csv")))
        #expect(list.dropFirst().dropLast().map { $0[10] } == ["\(Self.seqOfTheOnePerson)"])
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "categories.csv")) == Self.unitLevelTable)
        #expect(Self.categoryFiles(files) == Self.categoryFiles(try Self.files()))

        // The same within one unit: the table of the unit, every school and programme.
        narrow.units = ["430626"]
        var unit = Self.request
        unit.units = ["430626"]
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(try Self.files(narrow), "categories.csv")) == """
            单位,低保,建档立卡,残疾,未登记,合计\r
            430626,3,7,3,3,16\r
            合计,3,7,3,3,16\r

            """)
        #expect(Self.categoryFiles(try Self.files(narrow)) == Self.categoryFiles(try Self.files(unit)))

        // The small fixture too (threshold 5): the one person of school 4306260001's hardship programme.
        var small = DisclosureFixture.request
        small.schools = ["4306260001"]
        small.programs = [Self.hardship]
        let narrowed = try DisclosureFixture.files(request: small)
        #expect(narrowed.summary.payments == 1)
        #expect(Self.categoryFiles(narrowed) == Self.categoryFiles(try DisclosureFixture.files()))
    }

    /// H2: two requests whose scopes differ by one person give byte-identical category files; so do all
    /// requests that differ only in schools and programmes.
    @Test func scopesThatDifferByOnePersonGiveTheSameCategoryFiles() throws {
        var school = Self.request
        school.schools = ["4306260001"]
        var schoolAndProgramme = school
        schoolAndProgramme.programs = [Self.boarding]
        let a = try Self.files(school), b = try Self.files(schoolAndProgramme)
        let seqsA = Set(DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(a, "list.csv"))).dropFirst().dropLast().map { $0[10] })
        let seqsB = Set(DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(b, "list.csv"))).dropFirst().dropLast().map { $0[10] })
        #expect(seqsA.subtracting(seqsB) == ["\(Self.seqOfTheOnePerson)"] && seqsB.isSubset(of: seqsA))
        for (x, y) in zip(Self.categoryFiles(a), Self.categoryFiles(b)) { #expect(x == y, "\(x.name) differs between the two scopes") }
        #expect(Self.categoryFiles(a).count == 3)
        // The tables of the files are equal too; the totals are not (they follow the scope).
        #expect(a.tables.categories == b.tables.categories && a.tables.totals != b.tables.totals)

        let reference = Self.categoryFiles(try Self.files())
        for schools in [[], ["4306260001"], ["4306260002"], ["4306020001"], ["4306260001", "4306020001"], ["no-such-school"]] {
            for programs in [[], [Self.boarding], [Self.hardship], ["no-such-programme"]] {
                var r = Self.request
                r.schools = schools
                r.programs = programs
                #expect(Self.categoryFiles(try Self.files(r)) == reference, "schools \(schools), programmes \(programs)")
            }
        }
    }

    @Test func theCategoryTableIgnoresSchoolAndProgrammeButNotTheCheckpointOrDuplicates() throws {
        var payments = Self.crowd
        // A payment outside the list's scope with the seq of a listed one is still a duplicate.
        var twin = payments[0]
        twin.schoolCode = "4306260002"
        payments.append(twin)
        var r = Self.request
        r.schools = ["4306260001"]
        #expect(throws: DisclosureError.duplicateSeq(1)) { try DisclosureFixture.files(payments, request: r, threshold: 3) }
        let counted = try DisclosureTables.counted(Self.crowd, request: r, checkpointSize: DisclosureFixture.checkpoint.size)
        #expect(counted.count == 27 && counted.allSatisfy { $0.period == "2025-autumn" && $0.seq <= 100 })
        #expect(DisclosureTables.categoryTableCovers(r, unit: "430626", period: "2025-autumn"))
        #expect(!DisclosureTables.categoryTableCovers(r, unit: "430626", period: "2025-spring"))
        var u = r
        u.units = ["430602"]
        #expect(!DisclosureTables.categoryTableCovers(u, unit: "430626", period: "2025-autumn"))
    }
}

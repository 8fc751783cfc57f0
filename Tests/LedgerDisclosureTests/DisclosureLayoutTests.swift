import Foundation
import LedgerCore
import LedgerDisclosure
import Testing

/// The exact layouts of the CSV files (docs/FORMAT.md §18), reversals, amounts, errors and determinism.
@Suite struct DisclosureLayoutTests {
    static let expectedList = """
        序号,姓名,单位,学校代码,学校,年级,资助项目,学期,金额(元),状态,账本序号\r
        1,赵*,430602,4306020001,岳阳楼区第三中学,高一,寄宿生生活补助,2025-autumn,1000.00,已发放,70\r
        2,孙*七,430602,4306020001,岳阳楼区第三中学,高二,寄宿生生活补助,2025-autumn,0.05,已发放,71\r
        3,王*,430626,4306260001,平江县第一中学,七年级,义务教育家庭经济困难学生生活补助,2025-autumn,312.50,已发放,53\r
        4,张*,430626,4306260001,平江县第一中学,七年级,寄宿生生活补助,2025-autumn,625.00,已发放,50\r
        5,李*红,430626,4306260001,平江县第一中学,八年级,寄宿生生活补助,2025-autumn,625.00,已发放,51\r
        6,*,430626,4306260001,平江县第一中学,七年级,寄宿生生活补助,2025-autumn,625.00,已冲销,60\r
        7,刘*华,430626,4306260001,平江县第一中学,七年级,寄宿生生活补助,2025-autumn,1250.50,已发放,61\r
        8,欧**国,430626,4306260002,平江县南江镇中心小学,五年级,寄宿生生活补助,2025-autumn,500.00,已发放,52\r
        合计,,,,,,,,4313.05,已发放 7 人次,\r

        """

    static let expectedTotals = """
        单位,资助项目,学段,人次,金额(元)\r
        430602,寄宿生生活补助,高中,2,1000.05\r
        430626,义务教育家庭经济困难学生生活补助,初中,1,312.50\r
        430626,寄宿生生活补助,小学,1,500.00\r
        430626,寄宿生生活补助,初中,3,2500.50\r
        合计,,,7,4313.05\r

        """

    @Test func listLayoutIsExact() throws {
        let files = try DisclosureFixture.files()
        let bytes = try DisclosureFixture.file(files, "list.csv")
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(try DisclosureFixture.csvText(bytes) == Self.expectedList)
        #expect(files.summary == DisclosureFiles.Summary(payments: 8, paid: 7, reversed: 1, paidFen: 431_305))
        #expect(files.workingDays == 8)
        #expect(files.files.map(\.name) == ["list.csv", "list.xlsx", "list.html", "totals.csv", "totals.xlsx", "totals.html",
                                           "categories.csv", "categories.xlsx", "categories.html"])
    }

    @Test func totalsLayoutIsExactAndAgreesWithTheListToTheFen() throws {
        let files = try DisclosureFixture.files()
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "totals.csv")) == Self.expectedTotals)
        // The reversed payment (seq 60, 625.00) is in neither total; the one reversed after the checkpoint is.
        let list = DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "list.csv")))
        let paidRows = list.dropFirst().dropLast().filter { $0[9] == "已发放" }
        let listSum = paidRows.reduce(0) { $0 + Int($1[8].replacingOccurrences(of: ".", with: ""))! }
        #expect(listSum == 431_305)
        #expect(list.last?[8] == "4313.05")
    }

    @Test func categoryLayoutIsExactWithAndWithoutSuppression() throws {
        let suppressed = try DisclosureFixture.files(threshold: 5)
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(suppressed, "categories.csv")) == """
            单位,低保,建档立卡,残疾,特困供养,未登记,合计\r
            430602,*,*,0,0,0,2\r
            430626,*,*,*,*,*,5\r
            合计,*,*,*,*,*,7\r

            """)
        // Every count of the fixture is 1 or 2: the smallest threshold accepted hides the same cells. (A table
        // with counts at or above the threshold is in DisclosureCategoryScopeTests.)
        let smallest = try DisclosureFixture.files(threshold: DisclosureTables.minimumThreshold)
        #expect(try DisclosureFixture.file(smallest, "categories.csv") == DisclosureFixture.file(suppressed, "categories.csv"))
    }

    @Test func anEmptyScopeGivesHeadersAndZeroTotals() throws {
        var request = DisclosureFixture.request
        request.units = ["999999"]
        let files = try DisclosureFixture.files(request: request)
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "list.csv"))
            == "序号,姓名,单位,学校代码,学校,年级,资助项目,学期,金额(元),状态,账本序号\r\n合计,,,,,,,,0.00,已发放 0 人次,\r\n")
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "totals.csv")) == "单位,资助项目,学段,人次,金额(元)\r\n合计,,,0,0.00\r\n")
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(files, "categories.csv")) == "单位,未登记,合计\r\n合计,0,0\r\n")
        #expect(files.summary == DisclosureFiles.Summary(payments: 0, paid: 0, reversed: 0, paidFen: 0))
    }

    @Test func scopeSelectsUnitsSchoolsProgrammesAndPeriods() throws {
        var request = DisclosureFixture.request
        request.units = ["430626"]
        request.programs = ["寄宿生生活补助"]
        let list = DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(try DisclosureFixture.files(request: request), "list.csv")))
        #expect(list.dropFirst().dropLast().map { $0[10] } == ["50", "51", "60", "61", "52"])
        #expect(list.dropFirst().dropLast().map { $0[0] } == ["1", "2", "3", "4", "5"])
        request.periods = ["2025-spring"]
        #expect(try DisclosureFixture.files(request: request).summary.payments == 0)
    }

    @Test func yuanIsExactFromFen() {
        #expect(CellText.yuan(0) == "0.00")
        #expect(CellText.yuan(5) == "0.05")
        #expect(CellText.yuan(50) == "0.50")
        #expect(CellText.yuan(125_000) == "1250.00")
        #expect(CellText.yuan(125_050) == "1250.50")
        #expect(CellText.yuan(-5) == "-0.05")
        #expect(CellText.yuan(Int64.max) == "92233720368547758.07")
        #expect(CellText.yuan(Int64.min) == "-92233720368547758.08")
    }

    @Test func largeAmountsAreExactAndAnOverflowingSumIsAnError() throws {
        var big = DisclosureFixture.payments[0]
        big.amountFen = Int64.max - 1
        let one = try DisclosureFixture.files([big])
        #expect(try DisclosureFixture.csvText(try DisclosureFixture.file(one, "list.csv")).contains(",92233720368547758.06,已发放,50\r\n合计,,,,,,,,92233720368547758.06,"))
        var second = DisclosureFixture.payments[1]
        second.amountFen = 2
        #expect(throws: DisclosureError.amountOverflow(file: "list")) { try DisclosureFixture.files([big, second]) }
        // A reversed row is not summed, so it cannot overflow the sum.
        second.reversedBy = 90
        #expect(try DisclosureFixture.files([big, second]).summary.paidFen == Int64.max - 1)
    }

    @Test func stageNamesAreChineseAndUnknownValuesStay() {
        #expect(["preschool", "primary", "junior", "senior", "vocational", "higher"].map(CellText.stageName) == ["学前", "小学", "初中", "高中", "中职", "高校"])
        #expect(CellText.stageName("adult") == "adult")
        #expect(CellText.stageName("") == "")
    }

    @Test func textThatASpreadsheetWouldRunIsNeutralised() {
        for s in ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx"] { #expect(CellText.text(s) == "'" + s) }
        for s in ["张*", "a=b", "", "'x", " =x", "\nx", "1-2"] { #expect(CellText.text(s) == s) }
        #expect(CellText.text("a\u{0}b\u{1F}c\u{FFFE}") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}")
        #expect(CellText.text("\u{1}=x") == "\u{FFFD}=x")
    }

    @Test func determinismHoldsForEveryFileAndAnyInputOrder() throws {
        let first = try DisclosureFixture.files()
        let again = try DisclosureFixture.files()
        #expect(first.files == again.files)
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<5 {
            let shuffled = try DisclosureFixture.files(DisclosureFixture.payments.shuffled(using: &generator))
            for (a, b) in zip(first.files, shuffled.files) { #expect(a == b, "\(a.name) differs when the input is shuffled") }
        }
    }

    @Test func badRequestsAreTypedErrors() throws {
        let calendar = try DisclosureFixture.calendar()
        func make(_ r: DisclosureRequest, threshold: Int = 5, checkpoint: (size: Int64, rootHex: String) = DisclosureFixture.checkpoint) throws {
            _ = try DisclosureFiles.make(payments: DisclosureFixture.payments, request: r, checkpoint: checkpoint, threshold: threshold, calendar: calendar)
        }
        let r = DisclosureFixture.request
        #expect(throws: DisclosureError.invalidThreshold(0)) { try make(r, threshold: 0) }
        #expect(throws: DisclosureError.invalidThreshold(-3)) { try make(r, threshold: -3) }
        // 1 would suppress nothing and 2 would show a cell of two people, each of whom then knows the other's category.
        #expect(throws: DisclosureError.invalidThreshold(1)) { try make(r, threshold: 1) }
        #expect(throws: DisclosureError.invalidThreshold(2)) { try make(r, threshold: 2) }
        try make(r, threshold: 3)
        #expect(DisclosureError.invalidThreshold(2).description == "threshold: 2 is below 3: a smaller threshold does not protect the people counted")
        var bad = r
        bad.publicityStart = "2025-13-01"
        #expect(throws: DisclosureError.invalidRequest(field: "publicity_start", why: "not a date YYYY-MM-DD")) { try make(bad) }
        bad = r
        bad.publicityEnd = "2025-10-8"
        #expect(throws: DisclosureError.invalidRequest(field: "publicity_end", why: "not a date YYYY-MM-DD")) { try make(bad) }
        bad = r
        bad.publicityEnd = "2025-10-01"
        #expect(throws: DisclosureError.invalidRequest(field: "publicity_end", why: "before publicity_start")) { try make(bad) }
        bad = r
        bad.publicityStart = "2025-09-29"
        bad.publicityEnd = "2025-10-08"  // Mon 29, Tue 30, then the 国庆 holidays: 2 working days.
        #expect(throws: DisclosureError.publicityTooShort(workingDays: 2, minimum: 5)) { try make(bad) }
        bad = r
        bad.publicityEnd = "2027-01-15"
        #expect(throws: DisclosureError.calendarDoesNotCover(year: 2027)) { try make(bad) }
        bad = r
        bad.contact = ""
        #expect(throws: DisclosureError.invalidRequest(field: "contact", why: "empty")) { try make(bad) }
        #expect(throws: DisclosureError.invalidCheckpoint(why: "size must be at least 1")) { try make(r, checkpoint: (0, DisclosureFixture.rootHex)) }
        #expect(throws: DisclosureError.invalidCheckpoint(why: "root must be 64 lowercase hex digits")) { try make(r, checkpoint: (5, String(repeating: "AB", count: 32))) }
        var twice = DisclosureFixture.payments
        twice.append(twice[0])
        #expect(throws: DisclosureError.duplicateSeq(50)) {
            _ = try DisclosureFiles.make(payments: twice, request: r, checkpoint: DisclosureFixture.checkpoint, calendar: calendar)
        }
        // Messages carry no value of the request.
        #expect(DisclosureError.invalidRequest(field: "publicity_start", why: "not a date YYYY-MM-DD").description == "request: publicity_start: not a date YYYY-MM-DD")
    }

    @Test func aReversalAfterTheCheckpointIsNotAReversalYet() throws {
        let list = DisclosureFixture.parseCSV(try DisclosureFixture.csvText(try DisclosureFixture.file(try DisclosureFixture.files(), "list.csv")))
        let bySeq = Dictionary(uniqueKeysWithValues: list.dropFirst().dropLast().map { ($0[10], $0[9]) })
        #expect(bySeq["60"] == "已冲销")
        #expect(bySeq["61"] == "已发放")
        #expect(bySeq["150"] == nil)
    }
}

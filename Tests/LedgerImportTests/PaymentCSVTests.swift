import Testing
import LedgerCore
@testable import LedgerImport

let chineseHeader = "身份证号,姓名,区县代码,学校代码,学校名称,学段,年级,是否寄宿,困难类型,资助项目,学期,金额(元),账户类型,账号,发放日期,银行流水号"
let goodRow = "11010519491231002X,张三,430626,4306261,示范县第1小学,小学,3,是,低保,寄宿生生活补助,2025年秋季,625.00,银行卡,6217000011112222,2025-10-15,BR001"

/// The files are read as on 2026-09-01 with the default tolerance (paid_date up to 2026-10-02).
let readOn = PlausibilityPolicy().dateLimits(now: "2026-09-01T08:00:00.000Z")

func read(_ text: String, ignoreUnknown: Bool = false, limits: DateLimits = readOn) -> Result<PaymentFile, PaymentCSV.Rejection> {
    Array(text.utf8).withUnsafeBytes { raw in Result { () throws(PaymentCSV.Rejection) in try PaymentCSV.read(raw, file: "b.csv", dateLimits: limits, ignoreUnknownColumns: ignoreUnknown) } }
}

func errors(_ text: String) -> [String] {
    guard case .failure(let r) = read(text) else { return [] }
    return r.errors.map(\.description)
}

@Suite struct PaymentCSVTests {
    @Test func chineseHeadersWithBOMAndCRLF() throws {
        let text = "\u{FEFF}" + chineseHeader + "\r\n" + goodRow + "\r\n" + goodRow.replacingAll("张三", with: "李四") + "\r\n"
        let file = try read(text).get()
        #expect(file.unit == "430626" && file.program == "寄宿生生活补助" && file.period == "2025-autumn")
        #expect(file.items.count == 2 && file.totalFen == 125_000)
        #expect(file.items[0].stage == .primary && file.items[0].boarding && file.items[0].accountType == .bankCard)
        #expect(file.items[0].personal[.category] == "低保" && file.items[1].personal[.name] == "李四")
    }

    @Test func futureBirthDatesAndLatePaidDatesAreRefusedWithTheirPlace() throws {
        // 2099-01-01 with a valid check character; a paid_date one day past the tolerance; both exactly at the limit pass.
        let born2099 = "430626" + "20990101" + "001"
        let id2099 = born2099 + String(IDNumber.checkCharacter(forFirst17: Array(born2099.utf8)))
        let bornToday = "430626" + "20260901" + "001"
        let idToday = bornToday + String(IDNumber.checkCharacter(forFirst17: Array(bornToday.utf8)))
        #expect(IDNumber.isValid(id2099))
        let rows = [goodRow.replacingAll("11010519491231002X", with: id2099),
                    goodRow.replacingAll("2025-10-15", with: "2026-10-03"),
                    goodRow.replacingAll("11010519491231002X", with: idToday).replacingAll("2025-10-15", with: "2026-10-02")]
        let e = errors(([chineseHeader] + rows).joined(separator: "\n"))
        #expect(e == ["b.csv:2:1: id_number: characters 7–14 give a birth date in the future",
                      "b.csv:3:15: paid_date: 2026-10-03 is later than 2026-10-02 (today plus the allowed 31 days)"], "\(e)")
    }

    /// A prepared file (with salts) whose row has an invalid ID number gets that one error, not a second one about
    /// the salts' length (which counts the row's valid personal values).
    @Test func aRefusedValueDoesNotMakeTheSaltsLookWrong() {
        let salts = String(repeating: "ab", count: 16 * 5)
        let row = goodRow.replacingAll("11010519491231002X", with: "110105194912310021") + "," + salts
        let r = Array(([chineseHeader + ",salts", row].joined(separator: "\n")).utf8).withUnsafeBytes { raw in
            Result { () throws(PaymentCSV.Rejection) in try PaymentCSV.read(raw, file: "b.csv", dateLimits: readOn, prepared: true) }
        }
        guard case .failure(let rejection) = r else { Issue.record("accepted an invalid ID number"); return }
        #expect(rejection.errors.map(\.description) == ["b.csv:2:1: id_number: check character does not match (GB 11643 MOD 11-2)"], "\(rejection.errors)")
    }

    @Test func englishHeadersAnyOrderAndAmountInFen() throws {
        let text = """
            amount_fen,name,id_number,unit,school_code,school_name,stage,grade,boarding,program,period,account_type,account_number,paid_date
            75000,"Wang, Wu",440524188001010014,430626,4306262,"示范县""第2""中学",junior,7,no,寄宿生生活补助,2025-autumn,social_security_card,6217 0000 1111 3333,2025/9/1

            """
        let file = try read(text).get()
        #expect(file.items[0].amountFen == 75_000 && file.items[0].personal[.name] == "Wang, Wu")
        #expect(file.items[0].schoolName == "示范县\"第2\"中学" && file.items[0].paidDate == "2025-09-01" && !file.items[0].boarding)
        #expect(file.items[0].personal[.accountNumber] == "6217000011113333")
    }

    @Test func everyBadRowIsReportedWithLineColumnAndField() {
        let rows = [
            goodRow.replacingAll("11010519491231002X", with: "110105194912310021"),      // checksum
            goodRow.replacingAll("11010519491231002X", with: "11010519990230002X"),      // birth date (and checksum)
            goodRow.replacingAll("625.00", with: "-625"),
            goodRow.replacingAll("625.00", with: "0"),
            goodRow.replacingAll("625.00", with: "625.005"),
            goodRow.replacingAll("银行卡", with: "现金"),
            goodRow.replacingAll("2025-10-15", with: "2025-02-30"),
            goodRow.replacingAll("小学", with: "大学"),
        ]
        let e = errors(chineseHeader + "\n" + rows.joined(separator: "\n") + "\n")
        #expect(e.count == 8, "\(e)")
        #expect(e[0] == "b.csv:2:1: id_number: check character does not match (GB 11643 MOD 11-2)")
        #expect(e[1].hasPrefix("b.csv:3:1: id_number: characters 7–14 are not a real birth date"))
        #expect(e[2] == "b.csv:4:12: amount: must be positive")
        #expect(e[3] == "b.csv:5:12: amount: must be greater than zero")
        #expect(e[4] == "b.csv:6:12: amount: has more than 2 decimal places (amounts are in yuan and fen)")
        #expect(e[5].hasPrefix("b.csv:7:13: account_type:"))
        #expect(e[6] == "b.csv:8:15: paid_date: must be a real date YYYY-MM-DD")
        #expect(e[7].hasPrefix("b.csv:9:6: stage:"))
        // No personal value is echoed.
        #expect(!e.joined().contains("110105194912310021") && !e.joined().contains("张三"))
    }

    @Test func headerProblems() {
        #expect(errors(chineseHeader.replacingAll("姓名,", with: "") + "\n") == ["b.csv:1:0: name: required column missing (header: name or 姓名)"])
        #expect(errors(chineseHeader + ",备注\n" + goodRow + ",x\n") == ["b.csv:1:17: unknown column \"备注\" (pass --ignore-unknown-columns to import without it)"])
        #expect((try? read(chineseHeader + ",备注\n" + goodRow + ",x\n", ignoreUnknown: true).get())?.items.count == 1)
        #expect(errors(chineseHeader + ",姓名\n")[0].contains("column appears twice"))
        #expect(errors(chineseHeader + "\n") == ["b.csv:2:0: no payment rows after the header"])
    }

    @Test func fileLevelProblems() {
        #expect(errors("") == ["b.csv:1:0: the file is empty (a header line is required)"])
        #expect(errors("\u{FEFF}") == ["b.csv:1:0: the file is empty (a header line is required)"])
        var bad = Array((chineseHeader + "\n" + goodRow + "\n").utf8)
        bad.insert(0xff, at: bad.count - 10)
        let e = bad.withUnsafeBytes { raw in Result { () throws(PaymentCSV.Rejection) in try PaymentCSV.read(raw, file: "b.csv", dateLimits: readOn) } }
        guard case .failure(let r) = e else { Issue.record("invalid UTF-8 accepted"); return }
        #expect(r.errors[0].line == 2 && r.errors[0].reason.contains("invalid UTF-8"), "\(r)")
        #expect(errors(chineseHeader + "\n" + goodRow + ",extra\n") == ["b.csv:2:0: has 17 fields, the header has 16"])
        #expect(errors(chineseHeader + "\n\"unterminated\n")[0].contains("unterminated quoted field"))
    }

    @Test func hundredMegabyteLineFailsFast() {
        let line = String(repeating: "x", count: 100 * 1024 * 1024)
        let e = errors(line)
        #expect(e == ["b.csv:1:1: field longer than 4096 bytes"])
    }

    @Test func oneUnitProgrammePeriodPerFile() {
        let e = errors(chineseHeader + "\n" + goodRow + "\n" + goodRow.replacingAll("2025年秋季", with: "2026年春季") + "\n")
        #expect(e == ["b.csv:3:11: period: differs from line 2 (2025-autumn); one batch file covers one unit, programme and period"])
    }
}

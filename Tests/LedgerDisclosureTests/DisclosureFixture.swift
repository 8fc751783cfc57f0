import Foundation
import LedgerCore
import LedgerDisclosure
import TestSupport

/// Invented people and payments for the disclosure tests: every personal value is known, so that the produced
/// files can be searched for it.
enum DisclosureFixture {
    struct Person {
        let name: String
        let idNumber: String
        let account: String
        let phone: String
        let category: String?
    }

    static let people: [Person] = [
        Person(name: "张明", idNumber: "430626201105120013", account: "6217995500012345678", phone: "13812345678", category: "建档立卡"),
        Person(name: "李小红", idNumber: "43062620100301002X", account: "6228480012345678901", phone: "15912345678", category: "低保"),
        Person(name: "欧阳建国", idNumber: "430626200912310035", account: "6214830012345670001", phone: "18673012345", category: nil),
        Person(name: "王芳", idNumber: "430626201207070048", account: "6217995500098765432", phone: "13700001111", category: "残疾"),
        Person(name: "陈", idNumber: "430626201001010051", account: "6228480098765432100", phone: "17712340000", category: "建档立卡"),
        Person(name: "刘德华", idNumber: "430626201108080066", account: "6214830098765430002", phone: "13312348888", category: "特困供养"),
        Person(name: "赵六", idNumber: "430602201102020074", account: "6217995500055556666", phone: "19912341234", category: "低保"),
        Person(name: "孙七七", idNumber: "430602201203030087", account: "6228480055556666777", phone: "14712345678", category: "建档立卡"),
    ]

    static let rootHex = String(repeating: "ab", count: 32)
    static let checkpoint: (size: Int64, rootHex: String) = (100, rootHex)

    static let request = DisclosureRequest(title: "平江县2025年秋季学期学生资助公示", publicityStart: "2025-10-09", publicityEnd: "2025-10-17",
                                           contact: "平江县学生资助管理中心 0730-6221234")

    /// Payments of the people: two units, two schools, two programmes; seq 60 is reversed by seq 90 (in the
    /// ledger at the checkpoint), seq 61 by seq 120 (after it: still 已发放); seq 150 is after the checkpoint.
    static var payments: [DisclosedPayment] {
        func pay(_ seq: Int64, _ p: Int, unit: String = "430626", school: String = "4306260001", schoolName: String = "平江县第一中学",
                 program: String = "寄宿生生活补助", period: String = "2025-autumn", stage: String = "junior", grade: String = "七年级",
                 fen: Int64 = 62_500, reversedBy: Int64? = nil) -> DisclosedPayment {
            DisclosedPayment(seq: seq, unit: unit, schoolCode: school, schoolName: schoolName, program: program, period: period, stage: stage,
                             grade: grade, amountFen: fen, maskedName: NameMask.mask(people[p].name), reversedBy: reversedBy, category: people[p].category)
        }
        return [
            pay(50, 0),
            pay(51, 1, grade: "八年级"),
            pay(52, 2, school: "4306260002", schoolName: "平江县南江镇中心小学", stage: "primary", grade: "五年级", fen: 50_000),
            pay(53, 3, program: "义务教育家庭经济困难学生生活补助", fen: 31_250),
            pay(60, 4, fen: 62_500, reversedBy: 90),
            pay(61, 5, fen: 125_050, reversedBy: 120),
            pay(70, 6, unit: "430602", school: "4306020001", schoolName: "岳阳楼区第三中学", stage: "senior", grade: "高一", fen: 100_000),
            pay(71, 7, unit: "430602", school: "4306020001", schoolName: "岳阳楼区第三中学", stage: "senior", grade: "高二", fen: 5),
            pay(150, 0, program: "国家助学金", fen: 99_900),
        ]
    }

    /// The shipped working calendar.
    static func calendar() throws -> WorkingCalendar {
        let url = TestPaths.repoRoot.appendingPathComponent("Config/disclosure/calendar.csv")
        return try WorkingCalendar.load(csv: try readBytes(url), file: "Config/disclosure/calendar.csv")
    }

    static func files(_ payments: [DisclosedPayment] = payments, request: DisclosureRequest = request, threshold: Int = 5) throws -> DisclosureFiles {
        try DisclosureFiles.make(payments: payments, request: request, checkpoint: checkpoint, threshold: threshold, calendar: try calendar())
    }

    static func file(_ files: DisclosureFiles, _ name: String) throws -> [UInt8] {
        guard let f = files.files.first(where: { $0.name == name }) else { throw TestDataError("no \(name) among the files") }
        return f.bytes
    }

    /// A CSV file's text without its BOM, checked to begin with one.
    static func csvText(_ bytes: [UInt8]) throws -> String {
        guard bytes.starts(with: [0xEF, 0xBB, 0xBF]) else { throw TestDataError("no BOM") }
        return String(decoding: bytes.dropFirst(3), as: UTF8.self)
    }

    /// RFC 4180 records of a CSV text with CRLF line ends (written here, independently of the writer).
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.unicodeScalars.append("\"")
                        chars = chars.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\r" && chars.first == "\n" {
                chars = chars.dropFirst()
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}

/// A small deterministic generator (SplitMix64), so random tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import LedgerCore

/// A small, fast, seedable generator (SplitMix64) so demo data and test vectors are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    /// How many people `DemoData` has issued from this generator: person k is a different person for every k
    /// below 3 million (`DemoData.boardingSubsidyPayments`), so generated batches never pay anyone twice.
    public var serial: UInt64 = 0
    /// Where this generator's people start in the space of people (from the seed), so that generators of
    /// different seeds mostly issue different people.
    let peopleOffset: UInt64
    public init(seed: UInt64, firstPerson: UInt64 = 0) {
        state = seed
        peopleOffset = SplitMix64.mix(seed) % DemoData.peoplePerBirthYear
        serial = firstPerson
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: next()) { out.append(contentsOf: $0) } }
        return Array(out.prefix(count))
    }
}

/// Synthetic but well-formed payment data: valid ID numbers, plausible names, schools and standard amounts.
/// Every person here is invented.
public enum DemoData {
    static let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"]
    static let givenNames = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "子涵", "梓轩", "一诺", "欣怡"]
    static let categories = ["脱贫", "监测", "低保", "特困", "孤儿", "残疾"]

    /// A valid 18-character ID number in `unit` (used as the address code when it is six digits).
    public static func idNumber(unit: String, birthYear: Int, rng: inout SplitMix64) -> String {
        let address = unit.utf8.count == 6 && unit.utf8.allSatisfy({ (0x30...0x39).contains($0) }) ? unit : "430626"
        let month = Int.random(in: 1...12, using: &rng)
        let day = Int.random(in: 1...FieldSyntax.daysIn(month: month, year: birthYear), using: &rng)
        let sequence = Int.random(in: 1...999, using: &rng)
        func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        let first17 = address + pad(birthYear, 4) + pad(month, 2) + pad(day, 2) + pad(sequence, 3)
        return first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8)))
    }

    public static func name(rng: inout SplitMix64) -> String {
        surnames.randomElement(using: &rng)! + givenNames.randomElement(using: &rng)!
    }

    /// Birth dates × sequence numbers in one year: the people one address code and birth year can hold.
    static let peoplePerBirthYear: UInt64 = 365 * 999

    /// The ID number of person `k` of a generator: grade 1–9 (so the birth year) from k, then a birth date and
    /// sequence number that differ for every k below 9 × 364,635.
    static func person(_ k: UInt64, offset: UInt64, unit: String) -> (grade: Int, id: String) {
        let grade = Int(k % 9) + 1
        let j = (k / 9 &* 7919 &+ offset) % peoplePerBirthYear   // 7919 is prime to 365 × 999: a bijection
        let birthYear = 2025 - (grade + 6)
        var day = Int(j % 365)
        var month = 1
        while day >= FieldSyntax.daysIn(month: month, year: birthYear) { day -= FieldSyntax.daysIn(month: month, year: birthYear); month += 1 }
        let sequence = Int(j / 365) + 1
        let address = unit.utf8.count == 6 && unit.utf8.allSatisfy({ (0x30...0x39).contains($0) }) ? unit : "430626"
        func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        let first17 = address + pad(birthYear, 4) + pad(month, 2) + pad(day + 1, 2) + pad(sequence, 3)
        return (grade, first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8))))
    }

    /// `count` payments of 寄宿生生活补助 (boarding living subsidy) for one semester in `unit`:
    /// half the yearly standard (primary 1250, junior 1500 yuan from 2024 spring). Each payment goes to a
    /// different person, also across calls with the same generator.
    public static func boardingSubsidyPayments(count: Int, unit: String, period: String, rng: inout SplitMix64) -> [PaymentInput] {
        (0..<count).map { i in
            let (gradeNumber, id) = person(rng.serial, offset: rng.peopleOffset, unit: unit)
            rng.serial += 1
            let junior = gradeNumber >= 7
            let stage: Stage = junior ? .junior : .primary
            let grade = String(gradeNumber)
            let school = Int(rng.next() % 8) + 1
            let account = "6217" + String((0..<15).map { _ in Character(String(rng.next() % 10)) })
            return PaymentInput(
                unit: unit,
                schoolCode: "\(unit)\(junior ? "2" : "1")\(String(school))",
                schoolName: "示范县第\(school)\(junior ? "中学" : "小学")",
                stage: stage, grade: grade, boarding: true,
                amountFen: junior ? 75_000 : 62_500,
                accountType: .bankCard,
                paidDate: period.hasSuffix("autumn") ? "\(period.prefix(4))-10-\(10 + i % 15)" : "\(period.prefix(4))-04-\(10 + i % 15)",
                personal: [
                    .idNumber: id, .name: name(rng: &rng), .category: categories.randomElement(using: &rng)!,
                    .accountNumber: account, .bankRef: "BR\(rng.next() % 1_000_000_000_000)",
                ]
            )
        }
    }
}

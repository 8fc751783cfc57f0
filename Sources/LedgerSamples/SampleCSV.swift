import LedgerCore

/// Generated payment-batch CSV files in the officers' format (Chinese headers), for the demo and the tests.
public enum DemoCSV {
    static let header = "身份证号,姓名,区县代码,学校代码,学校名称,学段,年级,是否寄宿,困难类型,资助项目,学期,金额(元),账户类型,账号,发放日期,银行流水号"

    /// `count` rows; people `firstPerson`, `firstPerson + 1`, … of the generator of `seed`, so that files with
    /// the same seed and disjoint ranges never pay anyone twice.
    public static func batch(count: Int, unit: String, seed: UInt64, firstPerson: UInt64 = 0) -> String {
        var rng = SplitMix64(seed: seed, firstPerson: firstPerson)
        var out = header + "\n"
        for p in DemoData.boardingSubsidyPayments(count: count, unit: unit, period: "2025-autumn", rng: &rng) {
            let yuan = "\(p.amountFen / 100).\(p.amountFen % 100 < 10 ? "0" : "")\(p.amountFen % 100)"
            let fields = [p.personal[.idNumber]!, p.personal[.name]!, p.unit, p.schoolCode, p.schoolName, p.stage == .junior ? "初中" : "小学", p.grade,
                          "是", p.personal[.category]!, Sample.program, "2025年秋季", yuan, "银行卡", p.personal[.accountNumber]!, p.paidDate,
                          p.personal[.bankRef]!]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}

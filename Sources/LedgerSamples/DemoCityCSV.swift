import LedgerCore

/// The demo city as the files officers and registries deliver (DESIGN §4): CSV with Chinese headers, UTF-8 without
/// BOM, one header line, then one row per record in the order of the city's arrays (so a registry row's `line` is
/// its line in the file).
extension DemoCity {
    /// The payment-batch header: the columns of `DemoCSV` plus 证件类型 and 证件号码.
    public static let batchHeader = ["身份证号", "姓名", "区县代码", "学校代码", "学校名称", "学段", "年级", "是否寄宿", "困难类型", "证件类型", "证件号码",
                                     "资助项目", "学期", "金额(元)", "账户类型", "账号", "发放日期", "银行流水号"]

    /// The header of a registry file.
    public static func registryHeader(_ kind: RegistryKind) -> [String] {
        switch kind {
        case .enrollment: ["身份证号", "姓名", "区县代码", "学校代码", "学校名称", "学段", "年级", "是否寄宿", "学籍状态", "状态日期", "学籍号"]
        case .certificates: ["证件类型", "证件号码", "身份证号", "姓名", "发证单位", "有效期起", "有效期止", "状态"]
        case .identity: ["身份证号", "姓名", "是否在世", "死亡日期"]
        }
    }

    /// One registry of the city as a CSV file.
    public func csv(for kind: RegistryKind) -> String {
        var rows: [[String]]
        switch kind {
        case .enrollment:
            rows = registries.enrollment.map {
                [$0.idNumber, $0.name, $0.unit, $0.schoolCode, $0.schoolName, Self.chinese($0.stage), $0.grade, $0.boarding ? "是" : "否",
                 $0.status.chinese, $0.statusDate ?? "", $0.studentNumber ?? ""]
            }
        case .certificates:
            rows = registries.certificates.map {
                [$0.certType, $0.certNumber, $0.idNumber, $0.name, $0.issuerUnit, $0.validFrom, $0.validTo ?? "", $0.status.chinese]
            }
        case .identity:
            rows = registries.identity.map { [$0.idNumber, $0.name, $0.alive ? "是" : "否", $0.deathDate ?? ""] }
        }
        rows.insert(Self.registryHeader(kind), at: 0)
        return Self.render(rows)
    }

    /// One payment batch as the CSV file an officer imports (`aidledger import`).
    public static func csv(_ batch: DemoBatch) -> String {
        var rows = [batchHeader]
        let term = DemoTerm(period: batch.period)?.chinese ?? batch.period
        for p in batch.items {
            rows.append([p.value(.idNumber) ?? "", p.value(.name) ?? "", p.unit, p.schoolCode, p.schoolName, chinese(p.stage), p.grade,
                         p.boarding ? "是" : "否", p.value(.category) ?? "", p.value(.certType) ?? "", p.value(.certNumber) ?? "", batch.program, term,
                         yuan(p.amountFen), chinese(p.accountType), p.value(.accountNumber) ?? "", p.paidDate, p.value(.bankRef) ?? ""])
        }
        return render(rows)
    }

    /// 学段 as officers write it.
    static func chinese(_ stage: Stage) -> String {
        switch stage {
        case .preschool: "学前"
        case .primary: "小学"
        case .junior: "初中"
        case .senior: "高中"
        case .vocational: "中职"
        case .higher: "高校"
        }
    }

    /// 账户类型 as officers write it.
    static func chinese(_ accountType: AccountType) -> String {
        switch accountType {
        case .bankCard: "银行卡"
        case .socialSecurityCard: "社保卡"
        case .aidCard: "资助卡"
        case .mealCard: "餐卡"
        }
    }

    /// Fen as decimal yuan with two places (625.00).
    static func yuan(_ fen: Int64) -> String {
        let whole = fen / 100, cents = fen % 100
        return "\(whole).\(zeroPadded(cents < 0 ? -cents : cents, 2))"
    }

    /// Rows as CSV lines (RFC 4180 quoting where a field needs it), each ending in a newline.
    static func render(_ rows: [[String]]) -> String {
        func field(_ s: String) -> String {
            guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
            return "\"" + s.replacingQuotes() + "\""
        }
        return rows.map { $0.map(field).joined(separator: ",") + "\n" }.joined()
    }
}

extension String {
    /// Every `"` doubled (CSV quoting).
    fileprivate func replacingQuotes() -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in self { if c == "\"" { out += "\"\"" } else { out.append(c) } }
        return out
    }
}

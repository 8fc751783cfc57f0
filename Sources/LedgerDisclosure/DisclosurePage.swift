/// What a disclosure prints around its table — in the HTML page above and below it, in the XLSX's `说明`
/// sheet: the title, which table it is, the 公示 period with its working days, the contact, the checkpoint the
/// files were derived from, and a note on how to read the table.
public struct DisclosurePage: Sendable, Equatable {
    public var title: String
    /// Which table (`公示名单`, …).
    public var tableName: String
    /// `公示期：2025年10月9日至2025年10月17日（7个工作日）`.
    public var publicity: String
    /// `监督电话/联系方式：…`.
    public var contact: String
    /// `数据来源：账本检查点（条目数 N，根哈希 …）`.
    public var checkpoint: String
    public var notes: [String]

    public init(title: String, tableName: String, publicityStart: CivilDate, publicityEnd: CivilDate, workingDays: Int, contact: String,
                checkpointSize: Int64, checkpointRootHex: String, notes: [String]) {
        self.title = title
        self.tableName = tableName
        publicity = "公示期：\(publicityStart.year)年\(publicityStart.month)月\(publicityStart.day)日至"
            + "\(publicityEnd.year)年\(publicityEnd.month)月\(publicityEnd.day)日（\(workingDays)个工作日）"
        self.contact = "监督电话/联系方式：" + contact
        checkpoint = "数据来源：账本检查点（条目数 \(checkpointSize)，根哈希 \(checkpointRootHex)）"
        self.notes = notes
    }

    /// The lines of the `说明` sheet: a label and a text.
    public var lines: [(label: String, text: String)] {
        [("标题", title), ("表", tableName), ("公示期", publicity), ("监督电话/联系方式", contact), ("数据来源", checkpoint)]
            + notes.map { ("说明", $0) }
    }
}

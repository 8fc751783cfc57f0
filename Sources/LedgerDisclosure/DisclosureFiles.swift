import Dispatch
import Synchronization
/// One file of an export: its name (`list.csv`) and bytes.
public struct DisclosureFile: Sendable, Equatable {
    public let name: String
    public let bytes: [UInt8]
}

/// The nine files of a 公示 export (docs/FORMAT.md §18) — `list`, `totals` and `categories`, each as `.csv`,
/// `.xlsx` and `.html` — with the numbers the manifest states about them. The signed manifest itself is made
/// elsewhere. The same payments (in any order), request, checkpoint, threshold and calendar give the same bytes.
public struct DisclosureFiles: Sendable, Equatable {
    /// What the manifest's `summary` says: list rows, 已发放 rows, 已冲销 rows, the sum of 已发放 amounts.
    public struct Summary: Sendable, Equatable {
        public let payments: Int
        public let paid: Int
        public let reversed: Int
        public let paidFen: Int64

        public init(payments: Int, paid: Int, reversed: Int, paidFen: Int64) {
            self.payments = payments
            self.paid = paid
            self.reversed = reversed
            self.paidFen = paidFen
        }
    }

    /// The files, in the order list, totals, categories and within each csv, xlsx, html.
    public let files: [DisclosureFile]
    public let summary: Summary
    /// Working days of the 公示 period.
    public let workingDays: Int
    public let tables: DisclosureTables

    public static let fileNames = ["list", "totals", "categories"].flatMap { base in ["csv", "xlsx", "html"].map { "\(base).\($0)" } }

    /// Makes the files. `payments`: the ledger's payments as a disclosure sees them (any order); payments after
    /// the checkpoint are left out. The list and the totals hold the payments in the request's scope (names
    /// already masked); the category table counts the payments of the request's units and periods in every
    /// school and programme (`DisclosureTables.counted`; their categories are needed, their names are not), so
    /// `payments` must hold all of those for the table to be right. `checkpoint`: the size and root (lowercase
    /// hex) of the checkpoint the export is derived from. `threshold`: category cells with fewer people are
    /// suppressed (at least `DisclosureTables.minimumThreshold`, 3). `minimumWorkingDays`: the shortest 公示
    /// period accepted.
    public static func make(payments: [DisclosedPayment], request: DisclosureRequest, checkpoint: (size: Int64, rootHex: String),
                            threshold: Int = 5, calendar: WorkingCalendar, minimumWorkingDays: Int = 5) throws(DisclosureError) -> DisclosureFiles {
        guard threshold >= DisclosureTables.minimumThreshold else { throw .invalidThreshold(threshold) }
        guard checkpoint.size >= 1 else { throw .invalidCheckpoint(why: "size must be at least 1") }
        guard checkpoint.rootHex.utf8.count == 64, checkpoint.rootHex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .invalidCheckpoint(why: "root must be 64 lowercase hex digits")
        }
        guard !request.title.isEmpty else { throw .invalidRequest(field: "title", why: "empty") }
        guard !request.contact.isEmpty else { throw .invalidRequest(field: "contact", why: "empty") }
        let workingDays = try calendar.publicityWorkingDays(start: request.publicityStart, end: request.publicityEnd, minimum: minimumWorkingDays)
        guard let start = CivilDate(request.publicityStart), let end = CivilDate(request.publicityEnd) else {
            throw .invalidRequest(field: "publicity_start", why: "not a date YYYY-MM-DD")
        }

        let listed = try DisclosureTables.listed(payments, request: request, checkpointSize: checkpoint.size)
        let counted = try DisclosureTables.counted(payments, request: request, checkpointSize: checkpoint.size)
        let tables = try DisclosureTables(listed: listed, counted: counted, checkpointSize: checkpoint.size, threshold: threshold)

        func page(_ tableName: String, _ notes: [String]) -> DisclosurePage {
            DisclosurePage(title: request.title, tableName: tableName, publicityStart: start, publicityEnd: end, workingDays: workingDays,
                           contact: request.contact, checkpointSize: checkpoint.size, checkpointRootHex: checkpoint.rootHex, notes: notes)
        }
        let parts: [(base: String, table: DisclosureTable, sheet: String, widths: [Int], page: DisclosurePage)] = [
            ("list", tables.list, "公示名单", [6, 10, 10, 14, 26, 10, 20, 13, 12, 14, 10], page("公示名单", [
                "注：姓名按统一规则部分隐去（两个字的姓名显示为“张*”，三个字及以上显示首尾两字，如“张*明”）；不公示身份证件号码、银行账号、住址、电话和家庭经济困难类型。",
                "状态为“已冲销”的发放已被冲销，其金额仍列于本行，但不计入合计。账本序号可在公开账本中逐条核对。",
            ])),
            ("totals", tables.totals, "汇总", [10, 24, 8, 10, 14], page("按单位、资助项目、学段汇总", [
                "注：仅统计已发放（未冲销）的发放；人次与金额与公示名单的合计一致。",
            ])),
            ("categories", tables.categories, "类别", [10] + Array(repeating: 12, count: max(0, tables.categories.header.count - 1)),
             page("按单位、家庭经济困难类型统计人次", [
                "注：“*”表示人数少于 \(threshold) 人的格子，或为防止由合计推算出这类格子而一并隐去的格子。",
                "仅统计已发放（未冲销）的发放；“未登记”为未登记困难类型的发放。",
                "本表统计所列单位在公示学期内全部学校、全部资助项目的已发放发放，不按学校或资助项目筛选（以免缩小范围推算出个人的困难类型），故其合计可能多于公示名单的人次。",
             ])),
        ]
        // The nine files are independent of each other: written on every core (a list of a million rows takes seconds
        // per format), each into its own slot, in the fixed order above whatever order they finish in.
        let jobs = parts.flatMap { part in ["csv", "xlsx", "html"].map { (part, $0) } }
        let slots = Mutex<[Result<DisclosureFile, DisclosureError>?]>(Array(repeating: nil, count: jobs.count))
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let (part, format) = jobs[i]
            let name = "\(part.base).\(format)"
            let result: Result<DisclosureFile, DisclosureError>
            switch format {
            case "csv": result = .success(DisclosureFile(name: name, bytes: DisclosureCSV.bytes(part.table)))
            case "xlsx":
                do throws(DisclosureError) {
                    result = .success(DisclosureFile(name: name, bytes: try DisclosureXLSX.bytes(part.table, file: name, sheetName: part.sheet,
                                                                                              columnWidths: part.widths, page: part.page)))
                } catch { result = .failure(error) }
            default: result = .success(DisclosureFile(name: name, bytes: DisclosureHTML.bytes(part.table, page: part.page)))
            }
            slots.withLock { $0[i] = result }
        }
        var files: [DisclosureFile] = []
        for slot in slots.withLock({ $0 }) {
            guard let slot else { continue }
            files.append(try slot.get())
        }
        return DisclosureFiles(files: files,
                               summary: Summary(payments: tables.listedCount, paid: tables.paidCount, reversed: tables.reversedCount, paidFen: tables.paidFen),
                               workingDays: workingDays, tables: tables)
    }
}

import LedgerCore
import LedgerCrypto

/// `report.html`: a printable page, self-contained (inline CSS, no scripts, nothing fetched), `lang="zh-CN"`. First
/// the summary in the shape of the Yueyang reply (units × rules: 人次 and amount in yuan), then what was checked,
/// then the findings by unit and person, then the previous run's findings now resolved. All text is HTML-escaped;
/// personal values appear only as in `report.json`.
extension CrossCheckReport {
    public func html() throws(ReportError) -> [UInt8] {
        let summary = try summary()
        var h = HTMLWriter()
        h.raw("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n")
        h.raw("<title>学生资助交叉核查报告 ")
        h.text(run.period)
        h.raw("</title>\n<style>\n\(Self.css)</style>\n</head>\n<body>\n<h1>学生资助交叉核查报告</h1>\n")
        h.raw("<p class=\"meta\">核查学期 <b>")
        h.text(run.period)
        h.raw("</b> · 核查时间 ")
        h.text(run.time)
        h.raw(" · 检查人密钥 ")
        h.text(run.inspectorKey)
        h.raw(" · ")
        h.text(run.reveal ? "显示个人信息（用途：\(run.purpose ?? "")）" : "未显示个人信息（姓名已遮蔽，身份证号等不显示）")
        h.raw("</p>\n")

        // The summary: units × rules.
        let rules = summary.byRule.map(\.rule)
        var units = Set(summary.byUnit.map(\.unit))
        for l in run.ledgers { units.insert(l.unit) }
        let unitOrder = units.sorted(by: ReportText.precedes)
        h.raw("<h2>汇总 Summary</h2>\n")
        if findings.isEmpty { h.raw("<p>本次核查未发现问题。</p>\n") }
        h.raw("<table class=\"summary\">\n<thead>\n<tr><th rowspan=\"2\">单位</th>")
        for rule in rules {
            h.raw("<th colspan=\"2\">")
            h.text(rule.rawValue + " " + rule.chineseName)
            h.raw("</th>")
        }
        h.raw("<th colspan=\"2\">合计</th></tr>\n<tr>")
        for _ in 0...rules.count { h.raw("<th>人次</th><th>金额（元）</th>") }
        h.raw("</tr>\n</thead>\n<tbody>\n")
        for unit in unitOrder {
            h.raw("<tr><th class=\"unit\">")
            h.text(unitLabel(unit))
            h.raw("</th>")
            for rule in rules {
                let t = summary.byUnitRule.first { $0.unit == unit && $0.rule == rule }?.tally ?? Tally()
                h.numbers(t)
            }
            h.numbers(summary.byUnit.first { $0.unit == unit }?.tally ?? Tally())
            h.raw("</tr>\n")
        }
        h.raw("</tbody>\n<tfoot>\n<tr><th>合计</th>")
        for r in summary.byRule { h.numbers(r.tally) }
        h.numbers(summary.total)
        h.raw("</tr>\n</tfoot>\n</table>\n")
        h.raw("<p class=\"meta\">新发现 \(findings.filter { state(of: $0).status == .new }.count) 条 · 仍未解决 \(findings.filter { state(of: $0).status == .open }.count) 条 · 已解决 \(resolved.count) 条</p>\n")

        runSection(&h)

        // Findings by unit, then person.
        h.raw("<h2>问题明细 Findings</h2>\n")
        var i = 0
        while i < findings.count {
            let unit = findings[i].unit
            h.raw("<section class=\"unit\">\n<h3>")
            h.text(unitLabel(unit))
            if let inspector = run.pairing.inspector(of: unit) {
                h.text("（检查单位：\(unitLabel(inspector))）")
            }
            h.raw("</h3>\n")
            while i < findings.count, findings[i].unit == unit {
                let key = findings[i].personKey
                h.raw("<div class=\"person\">\n<h4>")
                if let key {
                    h.text(findings[i].maskedName ?? "（无姓名）")
                    if run.reveal, let id = findings[i].idNumber { h.text(" 身份证号 \(id)") }
                    h.raw(" <span class=\"key\">人员标识 ")
                    h.text(key)
                    h.raw("</span>")
                } else {
                    h.text("不涉及具体学生的问题")
                }
                h.raw("</h4>\n")
                while i < findings.count, findings[i].unit == unit, findings[i].personKey == key {
                    finding(findings[i], &h)
                    i += 1
                }
                h.raw("</div>\n")
            }
            h.raw("</section>\n")
        }
        if !resolved.isEmpty {
            h.raw("<h2>已解决的问题 Resolved since the previous run</h2>\n<table class=\"list\">\n<thead><tr><th>编号</th><th>规则</th><th>单位</th><th>学生</th><th>资助项目</th><th>学期</th><th>金额（元）</th><th>说明</th><th>状态</th></tr></thead>\n<tbody>\n")
            for r in resolved {
                h.raw("<tr>")
                for cell in [r.id, r.rule.rawValue + " " + r.rule.chineseName, unitLabel(r.unit), r.maskedName ?? "", r.program ?? "", r.period, ReportText.yuan(r.amountFen), r.summary,
                             FindingState(status: .resolved, resolvedBy: r.resolvedBy).chinese] {
                    h.raw("<td>")
                    h.text(cell)
                    h.raw("</td>")
                }
                h.raw("</tr>\n")
            }
            h.raw("</tbody>\n</table>\n")
        }
        h.raw("</body>\n</html>\n")
        return h.bytes
    }

    /// What was checked: ledgers, snapshots, configuration files, pairing.
    func runSection(_ h: inout HTMLWriter) {
        h.raw("<h2>核查范围 What was checked</h2>\n<table class=\"list\">\n<thead><tr><th>台账</th><th>单位</th><th>条目数</th><th>根哈希</th><th>验证</th></tr></thead>\n<tbody>\n")
        for l in run.ledgers.sorted(by: { ReportText.precedes($0.origin, $1.origin) }) {
            h.raw("<tr>")
            for cell in [l.origin, unitLabel(l.unit), String(l.size), l.rootHex, l.verified ? "通过" : "未通过：" + (l.problem ?? "")] {
                h.raw("<td>")
                h.text(cell)
                h.raw("</td>")
            }
            h.raw("</tr>\n")
        }
        h.raw("</tbody>\n</table>\n")
        if !run.snapshots.isEmpty {
            h.raw("<table class=\"list\">\n<thead><tr><th>登记库</th><th>快照</th><th>截至日期</th><th>行数</th><th>SHA-256</th></tr></thead>\n<tbody>\n")
            let snapshots = run.snapshots.sorted { a, b in
                a.kind.rawValue != b.kind.rawValue ? ReportText.precedes(a.kind.rawValue, b.kind.rawValue) : ReportText.precedes(a.id, b.id)
            }
            for s in snapshots {
                let kind: String = switch s.kind {
                case .enrollment: "学籍"
                case .certificates: "证件"
                case .identity: "身份"
                }
                h.raw("<tr>")
                for cell in [kind, s.id, s.asOf, String(s.rows), s.sha256] {
                    h.raw("<td>")
                    h.text(cell)
                    h.raw("</td>")
                }
                h.raw("</tr>\n")
            }
            h.raw("</tbody>\n</table>\n")
        }
        h.raw("<table class=\"list\">\n<thead><tr><th>规则与标准文件</th><th>SHA-256</th></tr></thead>\n<tbody>\n")
        var files = run.configurationFiles.sorted { ReportText.precedes($0.name, $1.name) }
        if let pairingFile = run.pairing.file { files.append(pairingFile) }
        for f in files {
            h.raw("<tr><td>")
            h.text(f.name)
            h.raw("</td><td>")
            h.text(f.sha256)
            h.raw("</td></tr>\n")
        }
        h.raw("</tbody>\n</table>\n")
    }

    func finding(_ f: Finding, _ h: inout HTMLWriter) {
        let state = state(of: f)
        h.raw("<table class=\"finding severity-\(f.severity.rawValue)\">\n<tr><th>问题</th><td><b>")
        h.text(f.rule.rawValue + " " + f.rule.chineseName)
        h.raw("</b>（严重程度：")
        h.text(ReportText.severity(f.severity))
        h.raw("）")
        h.text(f.summary)
        h.raw("</td></tr>\n")
        var rows: [(String, String)] = [("编号", f.id)]
        if let p = f.program { rows.append(("资助项目", p)) }
        rows.append(("学期", f.period))
        if let s = f.schoolCode { rows.append(("学校代码", s)) }
        if !f.entries.isEmpty { rows.append(("台账条目", f.entries.map(ReportText.entry).joined(separator: "，"))) }
        rows.append(("金额（元）", ReportText.yuan(f.amountFen)))
        for (label, value) in rows {
            h.raw("<tr><th>")
            h.text(label)
            h.raw("</th><td>")
            h.text(value)
            h.raw("</td></tr>\n")
        }
        if !f.evidence.isEmpty {
            h.raw("<tr><th>证据</th><td><ul>")
            for e in f.evidence {
                let shown = shownValue(e)
                h.raw("<li>")
                h.text("\(e.source) \(e.locator) \(e.field)：\(shown.value ?? "（已隐藏）")")
                h.raw("</li>")
            }
            h.raw("</ul></td></tr>\n")
        }
        h.raw("<tr><th>处理建议</th><td>")
        h.text(f.action)
        h.raw("</td></tr>\n<tr><th>状态</th><td>")
        h.text(state.chinese)
        if let d = state.disposition {
            h.text("；\(d.outcome.chinese)：\(d.reason)" + (d.action.map { "；\($0)" } ?? "") + "（\(d.signer)，记录 #\(d.seq)）")
        }
        h.raw("</td></tr>\n</table>\n")
    }

    /// `430602 岳阳楼区`, or the code alone when its name is unknown.
    func unitLabel(_ code: String) -> String {
        run.unitNames[code].map { code + " " + $0 } ?? code
    }

    static let css = """
        body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun", sans-serif; font-size: 10.5pt; margin: 1.5em; color: #000; }
        h1 { font-size: 16pt; text-align: center; }
        h2 { font-size: 13pt; border-bottom: 1px solid #444; margin-top: 1.5em; }
        h3 { font-size: 12pt; }
        h4 { font-size: 11pt; margin: 0.8em 0 0.3em; }
        .meta { color: #333; }
        .key { font-family: monospace; font-weight: normal; color: #555; font-size: 9pt; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        th, td { border: 1px solid #666; padding: 2px 5px; vertical-align: top; }
        table.summary td { text-align: right; }
        table.summary th.unit { text-align: left; white-space: nowrap; }
        table.finding { width: 100%; }
        table.finding th { width: 7em; text-align: left; background: #f2f2f2; white-space: nowrap; }
        table.finding.severity-high { border-left: 4px solid #000; }
        ul { margin: 0; padding-left: 1.2em; }
        .person, table.finding { page-break-inside: avoid; }
        @media print { body { margin: 0; } @page { size: A4 landscape; margin: 12mm; } }

        """
}

/// Builds the page: markup as given, text escaped.
struct HTMLWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ markup: String) { bytes.append(contentsOf: markup.utf8) }

    /// Text with & < > " ' escaped.
    mutating func text(_ s: String) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            default: bytes.append(b)
            }
        }
    }

    /// Two summary cells: 人次 and the amount in yuan.
    mutating func numbers(_ t: CrossCheckReport.Tally) {
        raw("<td>\(t.count)</td><td>\(ReportText.yuan(t.amountFen))</td>")
    }
}

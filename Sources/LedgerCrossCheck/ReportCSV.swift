import LedgerCore
import LedgerCrypto

/// `findings.csv`: one row per finding (the current ones, then the previous run's now resolved), UTF-8 with a BOM
/// and CRLF so that Excel opens it as it is, Chinese headers. The 完整姓名 and 身份证号 columns exist only when the
/// run revealed personal values; without `reveal` the evidence column shows personal values as （已隐藏）, names
/// masked.
///
/// Cells are safe to open in a spreadsheet: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
/// is prefixed with `'` (CSV injection), and cells with commas, quotes or line breaks are quoted.
extension CrossCheckReport {
    public func csv() -> [UInt8] {
        var header = ["编号", "规则", "规则名称", "严重程度", "责任单位", "检查单位", "学校代码", "资助项目", "学期", "人员标识", "姓名"]
        if run.reveal { header += ["完整姓名", "身份证号"] }
        header += ["台账条目", "金额(元)", "问题说明", "证据", "处理建议", "状态", "处理结果", "处理说明", "处理人", "处理记录"]
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        Self.appendRow(header, to: &out)
        for f in findings {
            var row = [f.id, f.rule.rawValue, f.rule.chineseName, ReportText.severity(f.severity), f.unit, run.pairing.inspector(of: f.unit) ?? "",
                       f.schoolCode ?? "", f.program ?? "", f.period, f.personKey ?? "", f.maskedName ?? ""]
            if run.reveal { row += [f.name ?? "", f.idNumber ?? ""] }
            let evidence = f.evidence.map { e -> String in
                let shown = shownValue(e)
                return "\(e.source) \(e.locator) \(e.field): \(shown.value ?? "（已隐藏）")"
            }
            let state = state(of: f)
            row += [f.entries.map(ReportText.entry).joined(separator: "; "), ReportText.yuan(f.amountFen), f.summary, evidence.joined(separator: "; "),
                    f.action, state.chinese] + Self.dispositionCells(state.disposition)
            Self.appendRow(row, to: &out)
        }
        for r in resolved {
            var row = [r.id, r.rule.rawValue, r.rule.chineseName, ReportText.severity(r.severity), r.unit, run.pairing.inspector(of: r.unit) ?? "",
                       r.schoolCode ?? "", r.program ?? "", r.period, r.personKey ?? "", r.maskedName ?? ""]
            if run.reveal { row += ["", ""] }
            row += [r.entries.map(ReportText.entry).joined(separator: "; "), ReportText.yuan(r.amountFen), r.summary, "", r.action,
                    FindingState(status: .resolved, resolvedBy: r.resolvedBy).chinese] + Self.dispositionCells(states[r.id]?.disposition)
            Self.appendRow(row, to: &out)
        }
        return out
    }

    /// 处理结果, 处理说明, 处理人, 处理记录 (the disposition's seq).
    static func dispositionCells(_ d: FindingDisposition?) -> [String] {
        guard let d else { return ["", "", "", ""] }
        let text = d.action.map { d.reason.isEmpty ? $0 : d.reason + "；" + $0 } ?? d.reason
        return [d.outcome.chinese, text, d.signer, String(d.seq)]
    }

    static func appendRow(_ cells: [String], to out: inout [UInt8]) {
        for (i, cell) in cells.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: csvCell(cell).utf8)
        }
        out.append(contentsOf: [0x0d, 0x0a])
    }

    /// One cell: `'` before a leading = + - @ tab or CR, quoted when it holds a comma, quote or line break.
    static func csvCell(_ value: String) -> String {
        var v = value
        if let first = v.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { v = "'" + v }
        guard v.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacing("\"", with: "\"\"") + "\""
    }
}

/// Writes a disclosure table as a printable HTML page (docs/FORMAT.md §18): `<html lang="zh-CN">`, UTF-8, one
/// `<table>` with the CSV's header and rows (the same cell texts), above it the title, the 公示 period, the
/// contact and the checkpoint, below it the notes. Print CSS for A4 with page numbers (`第 n 页，共 m 页`) and the
/// table header repeated on every printed page. Everything escaped; no script, no external resource, no time.
public enum DisclosureHTML {
    static let style = """
        @page { size: A4; margin: 16mm 12mm 18mm 12mm; @bottom-center { content: "第 " counter(page) " 页，共 " counter(pages) " 页"; font-size: 9pt; } }
        html { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimSun", sans-serif; font-size: 10.5pt; color: #000; }
        body { margin: 12px; }
        h1 { font-size: 16pt; text-align: center; margin: 0 0 4px; }
        h2 { font-size: 12pt; text-align: center; font-weight: normal; margin: 0 0 8px; }
        p { margin: 2px 0; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0; }
        th, td { border: 1px solid #444; padding: 2px 5px; }
        th { background: #eee; font-weight: bold; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        tr.total td { font-weight: bold; }
        thead { display: table-header-group; }
        tr { page-break-inside: avoid; break-inside: avoid; }
        .note { font-size: 9pt; }
        @media print { body { margin: 0; } th { background: none; } }
        """

    public static func bytes(_ table: DisclosureTable, page: DisclosurePage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096 + table.rows.count * 200)
        func raw(_ s: String) { out.append(contentsOf: s.utf8) }
        func text(_ s: String) { appendEscaped(s, to: &out) }
        raw("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        text(page.title)
        raw(" — ")
        text(page.tableName)
        raw("</title>\n<style>\n")
        raw(style)
        raw("\n</style>\n</head>\n<body>\n<h1>")
        text(page.title)
        raw("</h1>\n<h2>")
        text(page.tableName)
        raw("</h2>\n<p>")
        text(page.publicity)
        raw("</p>\n<p>")
        text(page.contact)
        raw("</p>\n<p class=\"note\">")
        text(page.checkpoint)
        raw("</p>\n<table>\n<thead>\n<tr>")
        for h in table.header {
            raw("<th>")
            text(h)
            raw("</th>")
        }
        raw("</tr>\n</thead>\n<tbody>\n")
        // A column holding numbers is right-aligned, its `*` cells included; a text column (姓名 `*`) is not.
        let columnCount = table.rows.reduce(table.header.count) { max($0, $1.count) }
        var numeric = Array(repeating: false, count: columnCount)
        for row in table.rows {
            for (c, cell) in row.enumerated() {
                switch cell {
                case .integer, .fen: numeric[c] = true
                case .empty, .text: break
                }
            }
        }
        for (r, row) in table.rows.enumerated() {
            raw(r == table.rows.count - 1 ? "<tr class=\"total\">" : "<tr>")
            for (c, cell) in row.enumerated() {
                switch cell {
                case .integer, .fen: raw("<td class=\"n\">")
                case .text(let s) where numeric[c] && s == DisclosureTables.suppressedText: raw("<td class=\"n\">")
                case .empty, .text: raw("<td>")
                }
                text(cell.text)
                raw("</td>")
            }
            raw("</tr>\n")
        }
        raw("</tbody>\n</table>\n")
        for note in page.notes {
            raw("<p class=\"note\">")
            text(note)
            raw("</p>\n")
        }
        raw("</body>\n</html>\n")
        return out
    }

    /// `& < > " '` as references, CR as `&#13;` (a raw CR would be read as a line end); the rest copied.
    static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            default: out.append(b)
            }
        }
    }
}

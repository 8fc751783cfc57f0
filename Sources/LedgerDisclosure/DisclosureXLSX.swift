import SpreadsheetXLSX

/// Writes a disclosure table as an XLSX workbook (docs/FORMAT.md §18): a data sheet whose first row is the header
/// and whose rows are the CSV's (whole numbers and amounts as numbers, amounts with format `0.00`, everything else
/// as inline strings with the CSV's text), and a second sheet `说明` with the title, the 公示 period, the contact,
/// the checkpoint and the notes — kept out of the data sheet so that it equals the CSV.
public enum DisclosureXLSX {
    public static func bytes(_ table: DisclosureTable, file: String, sheetName: String, columnWidths: [Int], page: DisclosurePage) throws(DisclosureError) -> [UInt8] {
        var rows: [[Cell]] = [table.header.map { Cell.text($0) }]
        rows.reserveCapacity(table.rows.count + 1)
        for row in table.rows {
            rows.append(row.map { cell in
                switch cell {
                case .empty: .empty
                case .text(let s): .text(s)
                case .integer(let v): .integer(v)
                case .fen(let v): .fen(v)
                }
            })
        }
        let data = Worksheet(name: sheetName, rows: rows, hasHeaderRow: true, columnWidths: columnWidths)
        let about = Worksheet(name: "说明", rows: page.lines.map { [.text($0.label), .text(CellText.text($0.text))] }, columnWidths: [18, 100])
        do {
            return try Workbook(sheets: [data, about]).xlsxBytes()
        } catch {
            throw .spreadsheet(file: file, why: error.description)
        }
    }
}

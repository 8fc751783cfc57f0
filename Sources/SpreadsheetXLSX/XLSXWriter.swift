import Foundation
import ZIPFoundation

/// Writes a `Workbook` as the bytes of an `.xlsx` file (Office Open XML SpreadsheetML), in memory.
///
/// The archive holds the minimal parts, always in this order: `[Content_Types].xml`, `_rels/.rels`,
/// `xl/workbook.xml`, `xl/_rels/workbook.xml.rels`, `xl/styles.xml`, `xl/worksheets/sheet1.xml`, … . No
/// `docProps` (they would carry times and an author). Every ZIP entry has the modification time 1980-01-01 00:00
/// and permissions 0644, so the same workbook gives the same bytes with the same ZIP library and zlib.
///
/// Cells: text as inline strings, whole numbers as numbers, amounts in fen as exact decimal numbers of yuan
/// with the built-in number format 2 (`0.00`). Styles: 0 plain, 1 bold (header), 2 `0.00`, 3 bold `0.00`.
public enum XLSXWriter {
    /// How the XML parts are stored in the archive.
    public enum Compression: Sendable {
        /// Deflate (zlib's default level): what spreadsheet applications write; about a tenth of the size.
        case deflate
        /// Stored uncompressed: byte-identical on every platform, larger.
        case stored
    }

    /// Rows and columns a sheet can hold (Excel's limits), and the longest text a cell can hold.
    public static let maxRows = 1_048_576
    public static let maxColumns = 16_384
    public static let maxCellTextUTF16 = 32_767

    /// 1980-01-01 00:00:00 UTC, the earliest time a ZIP entry can carry (ZIPFoundation converts with gmtime).
    static let entryModificationDate = Date(timeIntervalSince1970: 315_532_800)

    public static func write(_ workbook: Workbook, compression: Compression = .deflate) throws(XLSXError) -> [UInt8] {
        try validate(workbook)
        var parts: [(path: String, bytes: [UInt8])] = [
            ("[Content_Types].xml", contentTypes(sheetCount: workbook.sheets.count)),
            ("_rels/.rels", Array(packageRelationships.utf8)),
            ("xl/workbook.xml", workbookPart(workbook)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships(sheetCount: workbook.sheets.count)),
            ("xl/styles.xml", Array(styles.utf8)),
        ]
        for (i, sheet) in workbook.sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(i + 1).xml", try worksheetPart(sheet, number: i + 1, selected: i == 0)))
        }
        return try archive(parts, compression: compression)
    }

    // MARK: validation

    static func validate(_ workbook: Workbook) throws(XLSXError) {
        guard !workbook.sheets.isEmpty else { throw .noSheets }
        var seen: Set<String> = []
        for (i, sheet) in workbook.sheets.enumerated() {
            let number = i + 1
            let units = sheet.name.utf16.count
            guard units >= 1 else { throw .invalidSheetName(sheet: number, why: "empty") }
            guard units <= 31 else { throw .invalidSheetName(sheet: number, why: "longer than 31 characters") }
            if sheet.name.unicodeScalars.contains(where: { ":\\/?*[]".unicodeScalars.contains($0) }) {
                throw .invalidSheetName(sheet: number, why: "contains one of : \\ / ? * [ ]")
            }
            if sheet.name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0xFFFE || $0.value == 0xFFFF }) {
                throw .invalidSheetName(sheet: number, why: "contains a control character")
            }
            if sheet.name.hasPrefix("'") || sheet.name.hasSuffix("'") {
                throw .invalidSheetName(sheet: number, why: "starts or ends with an apostrophe")
            }
            if sheet.name.lowercased() == "history" { throw .invalidSheetName(sheet: number, why: "History is reserved") }
            guard seen.insert(sheet.name.lowercased()).inserted else { throw .duplicateSheetName(sheet: number) }
            guard sheet.rows.count <= maxRows else { throw .tooManyRows(sheet: number) }
            for (r, row) in sheet.rows.enumerated() {
                guard row.count <= maxColumns else { throw .tooManyColumns(sheet: number, row: r + 1) }
                for (c, cell) in row.enumerated() {
                    if case .text(let s) = cell, s.utf8.count > maxCellTextUTF16, s.utf16.count > maxCellTextUTF16 {
                        throw .cellTextTooLong(sheet: number, row: r + 1, column: c + 1)
                    }
                }
            }
        }
    }

    // MARK: the package parts

    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    static func contentTypes(sheetCount: Int) -> [UInt8] {
        var s = declaration
        s += "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        s += "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        s += "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        s += "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        for i in 0..<sheetCount {
            s += "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        s += "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        s += "</Types>"
        return Array(s.utf8)
    }

    static let packageRelationships = declaration
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "</Relationships>"

    static func workbookPart(_ workbook: Workbook) -> [UInt8] {
        var out = Array(declaration.utf8)
        XMLText.appendASCII("<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>", to: &out)
        for (i, sheet) in workbook.sheets.enumerated() {
            XMLText.appendASCII("<sheet name=\"", to: &out)
            XMLText.append(sheet.name, to: &out)
            XMLText.appendASCII("\" sheetId=\"", to: &out)
            XMLText.appendDecimal(Int64(i + 1), to: &out)
            XMLText.appendASCII("\" r:id=\"rId", to: &out)
            XMLText.appendDecimal(Int64(i + 1), to: &out)
            XMLText.appendASCII("\"/>", to: &out)
        }
        XMLText.appendASCII("</sheets></workbook>", to: &out)
        return out
    }

    static func workbookRelationships(sheetCount: Int) -> [UInt8] {
        var s = declaration + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for i in 0..<sheetCount {
            s += "<Relationship Id=\"rId\(i + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(i + 1).xml\"/>"
        }
        s += "<Relationship Id=\"rId\(sheetCount + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        s += "</Relationships>"
        return Array(s.utf8)
    }

    /// Two fonts (plain, bold), the two fills every workbook has, one border, four cell formats (see the type's
    /// comment). Number format 2 is the built-in `0.00`.
    static let styles = declaration
        + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"4\">"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        + "<xf numFmtId=\"2\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"2\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyNumberFormat=\"1\"/>"
        + "</cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>"

    static func worksheetPart(_ sheet: Worksheet, number: Int, selected: Bool) throws(XLSXError) -> [UInt8] {
        let columnCount = sheet.rows.reduce(0) { max($0, $1.count) }
        var columnNames: [[UInt8]] = []
        columnNames.reserveCapacity(columnCount)
        for c in 0..<columnCount {
            var name: [UInt8] = []
            XMLText.appendColumnName(c, to: &name)
            columnNames.append(name)
        }
        var out = Array(declaration.utf8)
        out.reserveCapacity(256 + sheet.rows.count * (16 + columnCount * 40))
        XMLText.appendASCII("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><dimension ref=\"A1", to: &out)
        if columnCount > 0, sheet.rows.count > 0, columnCount > 1 || sheet.rows.count > 1 {
            out.append(0x3A)
            out.append(contentsOf: columnNames[columnCount - 1])
            XMLText.appendDecimal(Int64(sheet.rows.count), to: &out)
        }
        XMLText.appendASCII("\"/><sheetViews><sheetView", to: &out)
        if selected { XMLText.appendASCII(" tabSelected=\"1\"", to: &out) }
        XMLText.appendASCII(" workbookViewId=\"0\">", to: &out)
        if sheet.hasHeaderRow {
            XMLText.appendASCII("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>", to: &out)
        }
        XMLText.appendASCII("</sheetView></sheetViews>", to: &out)
        let widths = sheet.columnWidths.prefix(maxColumns)
        if widths.contains(where: { $0 > 0 }) {
            XMLText.appendASCII("<cols>", to: &out)
            for (c, width) in widths.enumerated() where width > 0 {
                XMLText.appendASCII("<col min=\"", to: &out)
                XMLText.appendDecimal(Int64(c + 1), to: &out)
                XMLText.appendASCII("\" max=\"", to: &out)
                XMLText.appendDecimal(Int64(c + 1), to: &out)
                XMLText.appendASCII("\" width=\"", to: &out)
                XMLText.appendDecimal(Int64(min(width, 255)), to: &out)
                XMLText.appendASCII("\" customWidth=\"1\"/>", to: &out)
            }
            XMLText.appendASCII("</cols>", to: &out)
        }
        XMLText.appendASCII("<sheetData>", to: &out)
        for (r, row) in sheet.rows.enumerated() {
            let bold = sheet.hasHeaderRow && r == 0
            XMLText.appendASCII("<row r=\"", to: &out)
            XMLText.appendDecimal(Int64(r + 1), to: &out)
            XMLText.appendASCII("\">", to: &out)
            for (c, cell) in row.enumerated() {
                if case .empty = cell { continue }
                XMLText.appendASCII("<c r=\"", to: &out)
                out.append(contentsOf: columnNames[c])
                XMLText.appendDecimal(Int64(r + 1), to: &out)
                out.append(0x22)
                switch cell {
                case .empty: break
                case .text(let s):
                    if bold { XMLText.appendASCII(" s=\"1\"", to: &out) }
                    if XMLText.needsSpacePreserved(s) {
                        XMLText.appendASCII(" t=\"inlineStr\"><is><t xml:space=\"preserve\">", to: &out)
                    } else {
                        XMLText.appendASCII(" t=\"inlineStr\"><is><t>", to: &out)
                    }
                    XMLText.append(s, to: &out)
                    XMLText.appendASCII("</t></is></c>", to: &out)
                case .integer(let v):
                    if bold { XMLText.appendASCII(" s=\"1\"", to: &out) }
                    XMLText.appendASCII("><v>", to: &out)
                    XMLText.appendDecimal(v, to: &out)
                    XMLText.appendASCII("</v></c>", to: &out)
                case .fen(let v):
                    XMLText.appendASCII(bold ? " s=\"3\"><v>" : " s=\"2\"><v>", to: &out)
                    XMLText.appendYuanNumber(fen: v, to: &out)
                    XMLText.appendASCII("</v></c>", to: &out)
                }
            }
            XMLText.appendASCII("</row>", to: &out)
        }
        XMLText.appendASCII("</sheetData></worksheet>", to: &out)
        return out
    }

    // MARK: the archive

    static func archive(_ parts: [(path: String, bytes: [UInt8])], compression: Compression) throws(XLSXError) -> [UInt8] {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for part in parts {
                let bytes = part.bytes
                try archive.addEntry(
                    with: part.path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: entryModificationDate,
                    permissions: 0o644, compressionMethod: compression == .deflate ? .deflate : .none
                ) { position, size in
                    let start = Int(clamping: position)
                    guard start >= 0, start <= bytes.count else { return Data() }
                    return Data(bytes[start..<min(bytes.count, start + min(size, bytes.count - start))])
                }
            }
            guard let data = archive.data else { throw XLSXError.archiveWriteFailed("the in-memory archive has no data") }
            return Array(data)
        } catch let error as XLSXError {
            throw error
        } catch {
            throw .archiveWriteFailed(String(describing: error))
        }
    }
}

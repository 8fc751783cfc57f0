import SpreadsheetXLSX
import Testing

/// The XLSX writer: parts and their order, fixed entry dates, cells, escaping, limits, determinism.
@Suite struct SpreadsheetXLSXTests {
    static let sample = Workbook(sheets: [
        Worksheet(name: "数据", rows: [
            [.text("名称"), .text("金额"), .text("人次")],
            [.text("a<b>&\"c\""), .fen(125_050), .integer(3)],
            [.text("x\u{1}y\u{FFFF}"), .fen(5), .integer(-7)],
            [.text(" 前后空格 "), .fen(-125_000), .empty, .text("\r\n\t")],
            [.empty, .fen(Int64.max), .integer(Int64.min)],
        ], hasHeaderRow: true, columnWidths: [20, 12]),
        Worksheet(name: "说明", rows: [[.text("标题")]]),
    ])

    static func part(_ parts: [XLSXArchive.Part], _ path: String) -> String {
        String(decoding: parts.first { $0.path == path }?.bytes ?? [], as: UTF8.self)
    }

    @Test func thePartsAreTheMinimalSetInAFixedOrder() throws {
        for compression in [XLSXWriter.Compression.deflate, .stored] {
            let parts = try XLSXArchive.parts(of: try XLSXWriter.write(Self.sample, compression: compression))
            #expect(parts.map(\.path) == ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                          "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"])
            let workbook = Self.part(parts, "xl/workbook.xml")
            #expect(workbook.contains("<sheet name=\"数据\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"说明\" sheetId=\"2\" r:id=\"rId2\"/>"))
            #expect(Self.part(parts, "[Content_Types].xml").contains("/xl/worksheets/sheet2.xml"))
            #expect(Self.part(parts, "xl/_rels/workbook.xml.rels").contains("Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\""))
        }
    }

    @Test func cellsAreWrittenExactly() throws {
        let sheet = Self.part(try XLSXArchive.parts(of: try Self.sample.xlsxBytes()), "xl/worksheets/sheet1.xml")
        #expect(sheet.contains("<dimension ref=\"A1:D5\"/>"))
        #expect(sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(sheet.contains("<c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t>名称</t></is></c>"))
        #expect(sheet.contains("<c r=\"A2\" t=\"inlineStr\"><is><t>a&lt;b&gt;&amp;&quot;c&quot;</t></is></c>"))
        #expect(sheet.contains("<c r=\"B2\" s=\"2\"><v>1250.5</v></c><c r=\"C2\"><v>3</v></c>"))
        #expect(sheet.contains("<c r=\"A3\" t=\"inlineStr\"><is><t>x\u{FFFD}y\u{FFFD}</t></is></c><c r=\"B3\" s=\"2\"><v>0.05</v></c><c r=\"C3\"><v>-7</v></c>"))
        #expect(sheet.contains("<t xml:space=\"preserve\"> 前后空格 </t>"))
        #expect(sheet.contains("<c r=\"B4\" s=\"2\"><v>-1250</v></c><c r=\"D4\" t=\"inlineStr\"><is><t xml:space=\"preserve\">&#13;&#10;&#9;</t></is></c>"))
        #expect(sheet.contains("<row r=\"5\"><c r=\"B5\" s=\"2\"><v>92233720368547758.07</v></c><c r=\"C5\"><v>-9223372036854775808</v></c></row>"))
        #expect(sheet.contains("<cols><col min=\"1\" max=\"1\" width=\"20\" customWidth=\"1\"/><col min=\"2\" max=\"2\" width=\"12\" customWidth=\"1\"/></cols>"))
        #expect(!sheet.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A }))
        let styles = Self.part(try XLSXArchive.parts(of: try Self.sample.xlsxBytes()), "xl/styles.xml")
        #expect(styles.contains("<xf numFmtId=\"2\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"))
    }

    @Test func columnNamesGoPastZ() throws {
        let row: [Cell] = (0..<30).map { .integer(Int64($0)) }
        let sheet = Self.part(try XLSXArchive.parts(of: try Workbook(sheets: [Worksheet(name: "s", rows: [row])]).xlsxBytes()), "xl/worksheets/sheet1.xml")
        #expect(sheet.contains("<c r=\"Z1\"><v>25</v></c><c r=\"AA1\"><v>26</v></c>"))
        #expect(sheet.contains("<dimension ref=\"A1:AD1\"/>"))
    }

    @Test func theSameWorkbookGivesTheSameBytes() throws {
        for compression in [XLSXWriter.Compression.deflate, .stored] {
            #expect(try XLSXWriter.write(Self.sample, compression: compression) == XLSXWriter.write(Self.sample, compression: compression))
        }
        var other = Self.sample
        other.sheets[0].rows[1][1] = .fen(125_051)
        #expect(try other.xlsxBytes() != Self.sample.xlsxBytes())
    }

    @Test func everyEntryIsDated1980AndHasFixedPermissions() throws {
        let bytes = try XLSXWriter.write(Self.sample, compression: .stored)
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        var local = 0, central = 0
        for i in 0..<(bytes.count - 46) {
            switch u32(i) {
            case 0x0403_4B50:
                local += 1
                #expect(u16(i + 10) == 0 && u16(i + 12) == 0x21, "local header at \(i): time \(u16(i + 10)) date \(u16(i + 12))")
            case 0x0201_4B50:
                central += 1
                #expect(u16(i + 12) == 0 && u16(i + 14) == 0x21)
                #expect(u32(i + 38) >> 16 == 0o100644)
            default: break
            }
        }
        #expect(local == 7 && central == 7)
    }

    @Test func invalidWorkbooksAreTypedErrors() {
        #expect(throws: XLSXError.noSheets) { try Workbook().xlsxBytes() }
        #expect(throws: XLSXError.invalidSheetName(sheet: 1, why: "empty")) { try Workbook(sheets: [Worksheet(name: "")]).xlsxBytes() }
        #expect(throws: XLSXError.invalidSheetName(sheet: 1, why: "longer than 31 characters")) {
            try Workbook(sheets: [Worksheet(name: String(repeating: "表", count: 32))]).xlsxBytes()
        }
        #expect(throws: XLSXError.invalidSheetName(sheet: 2, why: "contains one of : \\ / ? * [ ]")) {
            try Workbook(sheets: [Worksheet(name: "a"), Worksheet(name: "a/b")]).xlsxBytes()
        }
        #expect(throws: XLSXError.invalidSheetName(sheet: 1, why: "starts or ends with an apostrophe")) { try Workbook(sheets: [Worksheet(name: "'a")]).xlsxBytes() }
        #expect(throws: XLSXError.invalidSheetName(sheet: 1, why: "contains a control character")) { try Workbook(sheets: [Worksheet(name: "a\tb")]).xlsxBytes() }
        #expect(throws: XLSXError.duplicateSheetName(sheet: 2)) { try Workbook(sheets: [Worksheet(name: "Data"), Worksheet(name: "DATA")]).xlsxBytes() }
        #expect(throws: XLSXError.cellTextTooLong(sheet: 1, row: 2, column: 3)) {
            try Workbook(sheets: [Worksheet(name: "s", rows: [[], [.empty, .empty, .text(String(repeating: "x", count: 32_768))]])]).xlsxBytes()
        }
        #expect((try? Workbook(sheets: [Worksheet(name: "s", rows: [[.text(String(repeating: "表", count: 32_767))]])]).xlsxBytes()) != nil)
    }

    @Test func theReaderRefusesGarbageAndHugeArchives() throws {
        #expect(throws: XLSXError.self) { try XLSXArchive.parts(of: Array("not a zip".utf8)) }
        #expect(throws: XLSXError.self) { try XLSXArchive.parts(of: []) }
        let bytes = try Self.sample.xlsxBytes()
        #expect(throws: XLSXError.archiveTooLarge(limit: 1000)) { try XLSXArchive.parts(of: bytes, limit: 1000) }
        var truncated = bytes
        truncated.removeLast(30)
        #expect(throws: XLSXError.self) { try XLSXArchive.parts(of: truncated) }
    }
}

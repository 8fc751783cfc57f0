import LedgerCore
import LedgerDisclosure
import SpreadsheetXLSX
import Testing

/// Every produced file, every part of every XLSX included, searched for personal data: ID-number-like,
/// account-like and mobile-number-like strings, the people's names unmasked, their numbers, and categories
/// outside categories.*. Also: the same neutralised cell text in CSV, XLSX and HTML.
@Suite struct DisclosurePrivacyTests {
    /// The texts of a file: the file itself, or for an XLSX every part of the archive.
    static func texts(_ file: DisclosureFile) throws -> [(where: String, text: String)] {
        if file.name.hasSuffix(".xlsx") {
            return try XLSXArchive.parts(of: file.bytes).map { ("\(file.name)/\($0.path)", String(decoding: $0.bytes, as: UTF8.self)) }
        }
        return [(file.name, String(decoding: file.bytes, as: UTF8.self))]
    }

    @Test func noFileCarriesPersonalData() throws {
        let files = try DisclosureFixture.files()
        #expect(files.files.count == 9)
        let idLike = try Regex(#"\d{17}[\dXx]"#)
        let digitRun = try Regex(#"\d{12,}"#)
        let mobile = try Regex(#"1[3-9]\d{9}"#)
        let categories = Set(DisclosureFixture.people.compactMap(\.category))
        var scanned = 0
        for file in files.files {
            for (place, text) in try Self.texts(file) {
                scanned += 1
                #expect(text.firstMatch(of: idLike) == nil, "\(place): an ID-number-like string")
                #expect(text.firstMatch(of: digitRun) == nil, "\(place): a run of 12 or more digits")
                #expect(text.firstMatch(of: mobile) == nil, "\(place): a mobile-number-like string")
                for (i, person) in DisclosureFixture.people.enumerated() {
                    #expect(!text.contains(person.name), "\(place): the unmasked name of person \(i)")
                    #expect(!text.contains(person.idNumber) && !text.contains(person.account) && !text.contains(person.phone), "\(place): person \(i)'s numbers")
                }
                if !file.name.hasPrefix("categories.") {
                    for c in categories { #expect(!text.contains(c), "\(place): a difficulty category outside categories.*") }
                }
            }
        }
        #expect(scanned == 6 + 3 * 7)
        // The masked names are there, and the categories are in the category table.
        let list = String(decoding: try DisclosureFixture.file(files, "list.html"), as: UTF8.self)
        for person in DisclosureFixture.people { #expect(list.contains(NameMask.mask(person.name))) }
        let table = String(decoding: try DisclosureFixture.file(files, "categories.csv"), as: UTF8.self)
        for c in categories { #expect(table.contains(c)) }
    }

    @Test func neutralisedTextIsTheSameInEveryFormat() throws {
        var p = DisclosureFixture.payments[0]
        p.schoolName = "=HYPERLINK(\"http://x\",\"点\")"
        p.grade = "+1"
        p.program = "-2"
        p.period = "@SUM(A1)"
        p.maskedName = "\t张*"
        p.unit = "\r430626"
        var q = DisclosureFixture.payments[1]
        q.schoolName = "a,b"
        let files = try DisclosureFixture.files([p, q])
        let csv = try DisclosureFixture.csvText(try DisclosureFixture.file(files, "list.csv"))
        let rows = DisclosureFixture.parseCSV(csv)
        let row = rows.first { $0[10] == "50" }
        #expect(row?[1] == "'\t张*")
        #expect(row?[2] == "'\r430626")
        #expect(row?[4] == "'=HYPERLINK(\"http://x\",\"点\")")
        #expect(row?[5] == "'+1")
        #expect(row?[6] == "'-2")
        #expect(row?[7] == "'@SUM(A1)")
        #expect(csv.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"点\"\")\","))
        #expect(csv.contains(",\"'\r430626\","))
        #expect(csv.contains(",\"a,b\","))
        let sheet = String(decoding: try XLSXArchive.parts(of: try DisclosureFixture.file(files, "list.xlsx")).first { $0.path == "xl/worksheets/sheet1.xml" }!.bytes, as: UTF8.self)
        #expect(sheet.contains("<t>'=HYPERLINK(&quot;http://x&quot;,&quot;点&quot;)</t>"))
        #expect(sheet.contains("<t xml:space=\"preserve\">'&#9;张*</t>"))
        #expect(sheet.contains("<t xml:space=\"preserve\">'&#13;430626</t>"))
        #expect(sheet.contains("<t>'+1</t>") && sheet.contains("<t>'-2</t>") && sheet.contains("<t>'@SUM(A1)</t>"))
        #expect(!sheet.contains("<f>"))
        let html = String(decoding: try DisclosureFixture.file(files, "list.html"), as: UTF8.self)
        #expect(html.contains("<td>&#39;=HYPERLINK(&quot;http://x&quot;,&quot;点&quot;)</td>"))
        #expect(html.contains("<td>&#39;\t张*</td>") && html.contains("<td>&#39;&#13;430626</td>"))
        #expect(html.contains("<td>&#39;+1</td><td>&#39;-2</td><td>&#39;@SUM(A1)</td>"))
    }

    @Test func theHTMLPageHasWhatThePublicNeedsAndNothingActive() throws {
        var request = DisclosureFixture.request
        request.title = "<script>alert(1)</script>公示"
        let files = try DisclosureFixture.files(request: request)
        for name in ["list.html", "totals.html", "categories.html"] {
            let html = String(decoding: try DisclosureFixture.file(files, name), as: UTF8.self)
            #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;公示"))
            #expect(!html.lowercased().contains("<script"))
            #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("@import") && !html.contains("url("))
            #expect(html.contains("公示期：2025年10月9日至2025年10月17日（8个工作日）"))
            #expect(html.contains("监督电话/联系方式：平江县学生资助管理中心 0730-6221234"))
            #expect(html.contains("条目数 100，根哈希 \(DisclosureFixture.rootHex)"))
            #expect(html.contains("@page { size: A4;") && html.contains("content: \"第 \" counter(page) \" 页，共 \" counter(pages) \" 页\""))
            #expect(html.contains("thead { display: table-header-group; }"))
            #expect(html.ranges(of: "<table>").count == 1)
        }
        let categories = String(decoding: try DisclosureFixture.file(files, "categories.html"), as: UTF8.self)
        #expect(categories.contains("“*”表示人数少于 5 人"))
        #expect(categories.contains("<tr class=\"total\"><td>合计</td>"))
    }

    @Test func theXLSXDataSheetHoldsTheCSVRowsAndTheAboutSheetTheRest() throws {
        let files = try DisclosureFixture.files()
        let parts = try XLSXArchive.parts(of: try DisclosureFixture.file(files, "totals.xlsx"))
        let workbook = String(decoding: parts.first { $0.path == "xl/workbook.xml" }!.bytes, as: UTF8.self)
        #expect(workbook.contains("<sheet name=\"汇总\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"说明\" sheetId=\"2\" r:id=\"rId2\"/>"))
        let data = String(decoding: parts.first { $0.path == "xl/worksheets/sheet1.xml" }!.bytes, as: UTF8.self)
        #expect(data.contains("<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>430602</t></is></c><c r=\"B2\" t=\"inlineStr\"><is><t>寄宿生生活补助</t></is></c><c r=\"C2\" t=\"inlineStr\"><is><t>高中</t></is></c><c r=\"D2\"><v>2</v></c><c r=\"E2\" s=\"2\"><v>1000.05</v></c></row>"))
        #expect(data.contains("<row r=\"6\"><c r=\"A6\" t=\"inlineStr\"><is><t>合计</t></is></c><c r=\"D6\"><v>7</v></c><c r=\"E6\" s=\"2\"><v>4313.05</v></c></row>"))
        #expect(!data.contains("公示期"))
        let about = String(decoding: parts.first { $0.path == "xl/worksheets/sheet2.xml" }!.bytes, as: UTF8.self)
        #expect(about.contains("公示期：2025年10月9日至2025年10月17日（8个工作日）"))
    }
}

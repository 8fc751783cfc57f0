import Foundation
import LedgerDisclosure
import Testing
import TestSupport

/// Independent programs read what the public gets: openpyxl (PyPI) reads each XLSX back and compares every cell
/// with the CSV as Python's csv module reads it; headless Chromium renders list.html to PNG and prints it to PDF.
/// Both must be installed (.ci/run does): a missing one fails the test, it is never skipped.
/// `AIDLEDGER_WRITE_DOCS=1` also copies the rendered PNG to docs/disclosure-list.png.
@Suite(.serialized) struct DisclosureRealClientTests {
    /// The fixture's payments plus rows whose texts need quoting, escaping and neutralising.
    static func files() throws -> DisclosureFiles {
        var tricky = DisclosureFixture.payments[2]
        tricky.seq = 80
        tricky.schoolName = "=1+2,\"引号\"\r\n第二行"
        tricky.grade = "@A1"
        var amp = DisclosureFixture.payments[3]
        amp.seq = 81
        amp.schoolName = "A&B <学校> 'x'"
        amp.amountFen = 99_999_999
        return try DisclosureFixture.files(DisclosureFixture.payments + [tricky, amp])
    }

    static func write(_ files: DisclosureFiles) throws -> URL {
        let dir = try makeTemporaryDirectory()
        for f in files.files { try Data(f.bytes).write(to: dir.appendingPathComponent(f.name)) }
        return dir
    }

    static let openpyxlComparison = #"""
        import csv, io, sys
        from decimal import Decimal
        import openpyxl

        directory = sys.argv[1]
        problems, cells = [], 0
        for base, sheet in (("list", "公示名单"), ("totals", "汇总"), ("categories", "类别")):
            raw = open(f"{directory}/{base}.csv", "rb").read()
            if not raw.startswith(b"\xef\xbb\xbf"):
                problems.append(f"{base}.csv: no BOM")
            expected = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), strict=True))
            workbook = openpyxl.load_workbook(f"{directory}/{base}.xlsx")
            if workbook.sheetnames != [sheet, "说明"]:
                problems.append(f"{base}.xlsx: sheets {workbook.sheetnames}")
                continue
            got = []
            for row in workbook[sheet].iter_rows():
                texts = []
                for cell in row:
                    value = cell.value
                    if value is None:
                        texts.append("")
                    elif cell.number_format == "0.00":
                        if not isinstance(value, (int, float)) or isinstance(value, bool):
                            problems.append(f"{base}.xlsx {cell.coordinate}: an amount that is not a number")
                        texts.append(str(Decimal(repr(value)).quantize(Decimal("0.01"))))
                    elif isinstance(value, bool) or isinstance(value, float):
                        problems.append(f"{base}.xlsx {cell.coordinate}: unexpected {type(value).__name__}")
                        texts.append(str(value))
                    elif isinstance(value, int):
                        texts.append(str(value))
                    elif isinstance(value, str):
                        if cell.data_type != "s":
                            problems.append(f"{base}.xlsx {cell.coordinate}: text of type {cell.data_type}")
                        texts.append(value)
                    else:
                        problems.append(f"{base}.xlsx {cell.coordinate}: unexpected {type(value).__name__}")
                        texts.append(str(value))
                got.append(texts)
            if len(got) != len(expected):
                problems.append(f"{base}: {len(got)} rows in the XLSX, {len(expected)} in the CSV")
            for r, (a, b) in enumerate(zip(got, expected), start=1):
                width = max(len(a), len(b))
                a, b = a + [""] * (width - len(a)), b + [""] * (width - len(b))
                for c in range(width):
                    cells += 1
                    if a[c] != b[c]:
                        problems.append(f"{base} row {r} column {c + 1}: XLSX {a[c]!r} CSV {b[c]!r}")
        for p in problems:
            print(p)
        print(f"compared {cells} cells, {len(problems)} problems")
        sys.exit(1 if problems else 0)
        """#

    @Test func openpyxlReadsEveryXLSXAsItsCSV() throws {
        let dir = try Self.write(try Self.files())
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("compare.py")
        try Data(Self.openpyxlComparison.utf8).write(to: script)
        let r = try run(try which("python3"), [script.path, dir.path])
        #expect(r.status == 0, "openpyxl comparison failed (install it: pip install openpyxl): \(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("compared ") && r.stdout.contains(", 0 problems"))
        // 12 rows × 11 columns for the list, 6 × 5 for totals, 4 × 7 for categories: 190 cells.
        #expect(r.stdout.contains("compared 190 cells"), "\(r.stdout)")
    }

    @Test func chromiumRendersAndPrintsTheList() throws {
        let dir = try Self.write(try DisclosureFixture.files())
        defer { try? FileManager.default.removeItem(at: dir) }
        let chromium = try which("chromium")
        let page = dir.appendingPathComponent("list.html")
        let png = dir.appendingPathComponent("list.png"), pdf = dir.appendingPathComponent("list.pdf")
        let common = "--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir='\(dir.path)/profile'"
        let shot = try run("/bin/sh", ["-c", "timeout 180 '\(chromium)' \(common) --window-size=1280,900 --screenshot='\(png.path)' 'file://\(page.path)' 2>'\(dir.path)/shot.log'"])
        #expect(shot.status == 0, "chromium --screenshot failed: \((try? String(contentsOf: dir.appendingPathComponent("shot.log"), encoding: .utf8)) ?? "")")
        let image = try readBytes(png)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && image.count > 10_000, "not a PNG of a page")
        let print = try run("/bin/sh", ["-c", "timeout 180 '\(chromium)' \(common) --no-pdf-header-footer --print-to-pdf='\(pdf.path)' 'file://\(page.path)' 2>'\(dir.path)/pdf.log'"])
        #expect(print.status == 0, "chromium --print-to-pdf failed")
        let document = try readBytes(pdf)
        #expect(document.starts(with: Array("%PDF-".utf8)) && document.count > 5_000, "not a PDF")
        if ProcessInfo.processInfo.environment["AIDLEDGER_WRITE_DOCS"] == "1" {
            try Data(image).write(to: TestPaths.repoRoot.appendingPathComponent("docs/disclosure-list.png"))
        }
    }
}

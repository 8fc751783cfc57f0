import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import LedgerSamples
import LedgerTestVectors
import Testing

/// The public check of categories.csv follows its scope (docs/FORMAT.md §18.3 step 6): the unit rows and the 合计
/// column are the 已发放 payments of the request's units and periods in every school and programme, not the list's.
@Suite struct PublicCheckCategoryScopeTests {
    func codes(_ files: [String: [UInt8]]) -> [String] {
        Array(Set(PublicDisclosureCheck.check(files: files).problems.map(\.code))).sorted()
    }

    /// The export as the module's own writers make it (`DisclosureFiles.make`, every payment of the ledger given),
    /// with the fixture's manifest sealed over it and its bundle.
    func realExport(_ f: PublicCheckFixture) throws -> (files: [String: [UInt8]], made: DisclosureFiles) {
        let checkpoint = try #require(f.ledger.checkpoints.last).checkpoint
        let made = try DisclosureFiles.make(payments: try f.allPayments(), request: f.request, checkpoint: (Int64(checkpoint.size), checkpoint.root.hex),
                                            threshold: Int(f.threshold), calendar: try DisclosureFixture.calendar())
        var files = f.files
        for file in made.files { files[file.name] = file.bytes }
        let summary = DisclosureManifest.Summary(payments: Int64(made.summary.payments), paid: Int64(made.summary.paid), reversed: Int64(made.summary.reversed),
                                                 paidFen: made.summary.paidFen)
        return (try f.sealed(files, summary: summary), made)
    }

    @Test func aRequestNarrowedByProgrammeIsIntactWithTheUnitLevelTable() throws {
        let narrowed = try PublicCheckFixture(programs: [Sample.program])
        let outcome = PublicDisclosureCheck.check(files: narrowed.files)
        #expect(outcome.intact, "\(outcome.problems)")
        // The list leaves out the other programme; the category table counts it.
        let listed = try narrowed.payments(), counted = try narrowed.countedPayments()
        #expect(listed.count == 16 && counted.count == 22)
        let rows = PublicCheckFixture.rows(narrowed.files["categories.csv"]!)
        #expect(rows.last?.last == "\(counted.filter { $0.reversedBy == nil }.count)")
        // The same table as the request without the programme filter.
        #expect(narrowed.files["categories.csv"] == (try PublicCheckFixture()).files["categories.csv"])
    }

    @Test func aCategoryTableOfTheListsScopeIsFound() throws {
        let narrowed = try PublicCheckFixture(programs: [Sample.program])
        // What an export computed over the list's scope (schools and programmes applied) would publish.
        var files = narrowed.files
        files["categories.csv"] = PublicCheckFixture.csv(narrowed.categoryRows(try narrowed.payments()))
        let c = codes(try narrowed.sealed(files))
        #expect(c.contains("categories-row-total") && c.contains("categories-column-sum"), "\(c)")
    }

    @Test(arguments: [[String](), [Sample.program], [PublicCheckFixture.otherProgram]])
    func theModulesOwnExportIsIntact(_ programs: [String]) throws {
        let f = try PublicCheckFixture(programs: programs)
        let (files, made) = try realExport(f)
        let outcome = PublicDisclosureCheck.check(files: files)
        #expect(outcome.intact, "\(outcome.problems)")
        #expect(outcome.rowsConfirmed == (try f.payments()).count && made.summary.payments == outcome.rowsConfirmed)
        // Every programme filter gives the same category table (the HTML and XLSX name each fixture's own
        // checkpoint, so only the CSV is compared across fixtures).
        let (_, unfiltered) = try realExport(try PublicCheckFixture())
        #expect(made.files.first { $0.name == "categories.csv" } == unfiltered.files.first { $0.name == "categories.csv" })
        #expect(made.tables.categories == unfiltered.tables.categories)
    }

    @Test func aChangedCategoriesCellOfTheModulesExportIsFound() throws {
        let f = try PublicCheckFixture(programs: [Sample.program])
        let (files, _) = try realExport(f)
        var rows = PublicCheckFixture.rows(files["categories.csv"]!)
        // A unit's 合计, then the grand total, one more than the ledger has.
        let last = rows[1].count - 1
        rows[1][last] = String(Int(rows[1][last])! + 1)
        var changed = files
        changed["categories.csv"] = PublicCheckFixture.csv(rows)
        let p = PublicDisclosureCheck.check(files: try f.sealed(changed)).problems
        #expect(p.contains { $0.code == "categories-row-total" && $0.line == 2 && $0.column == last + 1 }, "\(p)")
        rows = PublicCheckFixture.rows(files["categories.csv"]!)
        rows[rows.count - 1][last] = String(Int(rows[rows.count - 1][last])! + 1)
        changed["categories.csv"] = PublicCheckFixture.csv(rows)
        #expect(codes(try f.sealed(changed)).contains("categories-column-sum"))
        // A suppressed cell shown as a number: the row no longer hides it.
        rows = PublicCheckFixture.rows(files["categories.csv"]!)
        if let r = rows.indices.dropFirst().first(where: { rows[$0].contains("*") }), let c = rows[r].firstIndex(of: "*") {
            rows[r][c] = "1"
            changed["categories.csv"] = PublicCheckFixture.csv(rows)
            #expect(codes(try f.sealed(changed)).contains("categories-suppression"))
        } else {
            Issue.record("the export suppresses nothing at threshold \(f.threshold)")
        }
    }
}

import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import PostgresClient
import Testing
import TestSupport

/// `aidledger registry import|list` against the test database: each kind imported, listed, read back through the
/// services with the right person keys; a bad file stores nothing.
@Suite(.serialized) struct RegistryCLITests {
    static func id(_ first17: String) -> String { first17 + String(IDNumber.checkCharacter(forFirst17: Array(first17.utf8))) }
    static let c = id("43062620150301001"), d = id("43062620160715002"), a = "11010519491231002X"

    static let enrollment = "\u{FEFF}身份证号,姓名,区县代码,学校代码,学校名称,学段,年级,是否寄宿,学籍状态,状态日期,学籍号,备注\r\n"
        + "\(c),张小明,430626,4306261,示范县第1小学,小学,3,是,在读,,G\(c),\r\n"
        + "\(d),李小红,430626,4306261,示范县第1小学,小学,2,否,转出,2025/9/1,,转学\r\n"
        + "\(d),李小红,430611,4306111,岳阳楼区第2小学,小学,2,否,在读,2025年9月1日,,\r\n"
    static let certificates = """
        status,valid_to,valid_from,issuer_unit,name,id_number,cert_number,cert_type
        valid,2026-08-31,2025-09-01,430626,张小明,\(c),DB430626001,低保证
        cancelled,,2024-03-01,430611,李小红,\(d),\(d)21,残疾人证

        """
    static let identity = "身份证号,姓名,是否在世,死亡日期\n\(c),张小明,是,\n\(d),李小红,是,\n\(a),王五,否,2025-10-01\n"

    static func sha256(_ text: String) throws -> String { try HashFunction(.sha256).hash(Array(text.utf8)).hex }

    /// The snapshots as `registry list --json` gives them.
    static func list(_ l: CLILedger, _ extra: [String] = []) throws -> [JSONObject] {
        let r = try l.aidledgerRun(["registry", "list", "--json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONParser.parse(Array(r.stdout.utf8.dropLast()), mode: .canonical).arrayValue?.compactMap(\.objectValue) ?? []
    }

    @Test func importEachKindListAndReadBack() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        for (n, (kind, name, text)) in [("enrollment", "学籍.csv", Self.enrollment), ("certificates", "certificates.csv", Self.certificates),
                                        ("identity", "identity.csv", Self.identity)].enumerated() {
            let path = try l.write(name, text)
            let r = try l.aidledgerRun(["registry", "import", "--kind", kind, path, "--as-of", "2025-09-0\(n + 1)"])
            #expect(r.status == 0, "\(kind): \(r.stderr)")
            let rows = kind == "identity" ? 3 : kind == "enrollment" ? 3 : 2
            #expect(r.stdout.contains("snapshot \(n + 1): \(kind) as of 2025-09-0\(n + 1), \(rows) rows, from \(name)"), "\(r.stdout)")
            #expect(r.stdout.contains("sha256 \(try Self.sha256(text))"), "\(r.stdout)")
        }
        // Nothing personal on the terminal.
        let listed = try l.aidledgerRun(["registry", "list"])
        #expect(listed.status == 0 && listed.stdout.contains("enrollment") && listed.stdout.contains("学籍.csv"), "\(listed.stdout)")
        for value in [Self.c, Self.d, "张小明", "李小红"] { #expect(!listed.stdout.contains(value)) }
        // Newest first; one kind; JSON with the whole digest.
        let all = try Self.list(l)
        #expect(all.map { $0["kind"]?.stringValue } == ["identity", "certificates", "enrollment"])
        #expect(all.map { $0["row_count"]?.intValue } == [3, 2, 3])
        #expect(all[2]["sha256"]?.stringValue == (try Self.sha256(Self.enrollment)) && all[2]["as_of"]?.stringValue == "2025-09-01")
        #expect(try Self.list(l, ["--kind", "certificates"]).map { $0["id"]?.intValue } == [2])

        // The same file as of the same date: nothing new. As of another date: a new snapshot.
        let enrollmentFile = l.dir.appendingPathComponent("学籍.csv").path
        let again = try l.aidledgerRun(["registry", "import", "--kind", "enrollment", enrollmentFile, "--as-of", "2025-09-01"])
        #expect(again.status == 0 && again.stdout.contains("already imported") && again.stdout.contains("snapshot 1:"), "\(again.stdout)")
        let today = try l.aidledgerRun(["registry", "import", "--kind", "enrollment", enrollmentFile])
        #expect(today.status == 0 && today.stdout.contains("snapshot 4: enrollment as of \(RegistryImport.today())"), "\(today.stdout)")
        #expect(try Self.list(l).count == 4)

        // Read back through the services: the records, and the keyed person keys of their ID numbers.
        let data = try LedgerDatabase.with(.connectionString(l.database)) { try RegistryImport.rows(store: $0.store, snapshotID: 1) }
        #expect(data.enrollment.map(\.idNumber) == [Self.c, Self.d, Self.d] && data.certificates.isEmpty && data.identity.isEmpty)
        #expect(data.enrollment[1].status == .transferredOut && data.enrollment[1].statusDate == "2025-09-01" && data.enrollment[2].line == 4)
        let identity = try LedgerDatabase.with(.connectionString(l.database)) { try RegistryImport.rows(store: $0.store, snapshotID: 3) }.identity
        #expect(identity.map(\.alive) == [true, true, false] && identity[2].deathDate == "2025-10-01")
        let personKeys = try PersonKeys(try PersonKeyFile.read(directory: l.dir.appendingPathComponent("keys").path))
        let stored = try PostgresConnection(l.database).query("SELECT encode(person_key, 'hex') FROM registry_rows WHERE snapshot_id = 3 ORDER BY row_no")
        #expect((0..<stored.count).map { stored.string($0, 0) } == [Self.c, Self.d, Self.a].map { Hex.encode(personKeys.personKey(idNumber: $0)) })
        #expect(throws: ServiceError.self) { try LedgerDatabase.with(.connectionString(l.database)) { try RegistryImport.rows(store: $0.store, snapshotID: 99) } }
    }

    @Test func aBadFileStoresNothing() throws {
        let l = try CLILedger()
        defer { try? FileManager.default.removeItem(at: l.dir) }
        let bad = Self.identity.replacingOccurrences(of: "\(Self.d),李小红,是,", with: "\(Self.d),李小红,是,2025-01-01")
            .replacingOccurrences(of: "\(Self.a),王五,否,2025-10-01", with: "\(Self.a),王五,也许,2025-10-01")
        let path = try l.write("bad-identity.csv", bad)
        let r = try l.aidledgerRun(["registry", "import", "--kind", "identity", path, "--as-of", "2025-09-01"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("rejected, nothing stored (2 problems)"), "\(r.stderr)")
        #expect(r.stderr.contains("bad-identity.csv:3:4: death_date: given for someone alive"), "\(r.stderr)")
        #expect(r.stderr.contains("bad-identity.csv:4:3: alive: must be 是/否"), "\(r.stderr)")
        for value in [Self.d, Self.a, "李小红", "王五", "2025-01-01", "2025-10-01"] { #expect(!r.stderr.contains(value), "\(r.stderr)") }
        // A file of another kind, and a missing one.
        let wrongKind = try l.aidledgerRun(["registry", "import", "--kind", "certificates", try l.write("i.csv", Self.identity)])
        #expect(wrongKind.status == 2 && wrongKind.stderr.contains("i.csv:1:0: cert_type: required column missing"), "\(wrongKind.stderr)")
        let missing = try l.aidledgerRun(["registry", "import", "--kind", "identity", l.dir.appendingPathComponent("none.csv").path])
        #expect(missing.status == 2 && missing.stderr.contains("cannot read"), "\(missing.stderr)")
        #expect(try Self.list(l).isEmpty)
        let rows = try PostgresConnection(l.database).query("SELECT (SELECT count(*) FROM registry_snapshots) + (SELECT count(*) FROM registry_rows)")
        #expect(rows.int(0, 0) == 0)
        // Usage errors.
        #expect(try l.aidledgerRun(["registry", "import", "--kind", "students", path]).status == 64)
        #expect(try l.aidledgerRun(["registry", "import", "--kind", "identity", path, "--as-of", "2025-9-1"]).status == 64)
        #expect(try l.aidledgerRun(["registry", "list", "--kind", "students"]).status == 64)
        let empty = try l.aidledgerRun(["registry", "list"])
        #expect(empty.status == 0 && empty.stdout.contains("no registry snapshots"))
    }
}

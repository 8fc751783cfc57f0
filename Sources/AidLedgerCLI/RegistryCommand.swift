import ArgumentParser
import Foundation
import LedgerCore
import LedgerServices
import LedgerStore

/// `aidledger registry import|list`: the registry snapshots a cross-check reads (issue 10, item 1).
struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Import registry snapshots (enrollment 学籍, certificates 证, identity 身份) for the cross-check, and list them.",
        subcommands: [Import.self, List.self]
    )

    static let kinds = RegistryKind.allCases.map(\.rawValue).joined(separator: ", ")

    static func kind(_ text: String) throws -> RegistryKind {
        guard let kind = RegistryKind(rawValue: text) else { throw ValidationError("unknown registry kind \(text); use \(kinds)") }
        return kind
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a registry file as a snapshot as of a date; snapshots are kept unchanged.",
            discussion: """
                Columns (Chinese or English headers, any order; other columns are ignored):
                  enrollment    id_number 身份证号, name 姓名, unit 区县代码, school_code 学校代码, school_name 学校名称, \
                stage 学段, grade 年级, boarding 是否寄宿, status 学籍状态 (在读/休学/转出/毕业/辍学/死亡), status_date 状态日期 \
                (required for every status but 在读), student_no 学籍号 (optional).
                  certificates  cert_type 证件类型, cert_number 证件号码, id_number 身份证号, name 姓名, issuer_unit 发证单位, \
                valid_from 有效期起, valid_to 有效期止 (empty: open-ended), status 状态 (有效/注销).
                  identity      id_number 身份证号, name 姓名, alive 是否在世 (是/否), death_date 死亡日期 (optional).
                Every row is validated; a file with any bad row is rejected whole (each problem as \
                file:line:column: field: why) and nothing is stored. Rows are joined through the keyed person key, computed \
                with the person-key secret of the key directory. Importing the same file as of the same date again stores \
                nothing and names the earlier snapshot.
                """
        )

        @OptionGroup var db: DatabaseOptions

        @Option(name: .long, help: "The registry: enrollment, certificates or identity.")
        var kind: String

        @Argument(help: "The CSV file (UTF-8, with or without BOM).")
        var file: String

        @Option(name: .customLong("as-of"), help: "The date the registry's rows describe, YYYY-MM-DD (default: today, UTC).")
        var asOf: String?

        @Option(name: .long, help: "The key directory holding person-key.secret (default <data-dir>/keys).")
        var keyDir: String?

        func validate() throws {
            _ = try RegistryCommand.kind(kind)
            if let asOf, !FieldSyntax.isDate(asOf) { throw ValidationError("--as-of must be a real date YYYY-MM-DD") }
        }

        func run() throws {
            let kind = try RegistryCommand.kind(kind)
            let asOf = asOf ?? RegistryImport.today()
            let personKeys = try PersonKeys(try PersonKeyFile.read(directory: keyDir ?? db.keyDirectory))
            let phase = PhaseLine()
            try db.open { database in
                phase.begin("validating and storing \(file) as the \(kind.rawValue) registry as of \(asOf)")
                let result = try RegistryImport.run(store: database.store, kind: kind, path: file, asOf: asOf, personKeys: personKeys)
                phase.end(result.alreadyImported ? "already imported" : "stored")
                let s = result.snapshot
                if result.alreadyImported { print("already imported (same kind, as-of date and file contents): nothing stored") }
                print("snapshot \(s.id): \(s.kind.rawValue) as of \(s.asOf), \(TextFormat.grouped(s.rowCount)) row\(s.rowCount == 1 ? "" : "s"), from \(s.fileName)")
                print("sha256 \(s.sha256)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registry snapshots, newest first (by as-of date, then import).")

        @OptionGroup var db: DatabaseOptions

        @Option(name: .long, help: "Only snapshots of this registry: enrollment, certificates or identity.")
        var kind: String?

        @Flag(name: .long, help: "Print a JSON array instead of a table.")
        var json = false

        func validate() throws {
            if let kind { _ = try RegistryCommand.kind(kind) }
        }

        func run() throws {
            let kind = try self.kind.map(RegistryCommand.kind)
            try db.open { database in
                let snapshots = try database.store.registrySnapshots(kind: kind)
                if json {
                    print(String(decoding: CanonicalJSON.encode(.array(snapshots.map(Self.json))), as: UTF8.self))
                    return
                }
                guard !snapshots.isEmpty else {
                    print("no registry snapshots\(kind.map { " of \($0.rawValue)" } ?? "") (import one with `aidledger registry import`)")
                    return
                }
                print(Self.line("id", "kind", "as of", "rows", "imported at", "sha256", "file"))
                for s in snapshots {
                    print(Self.line(String(s.id), s.kind.rawValue, s.asOf, TextFormat.grouped(s.rowCount), s.importedAt, String(s.sha256.prefix(12)) + "…", s.fileName))
                }
            }
        }

        static func line(_ id: String, _ kind: String, _ asOf: String, _ rows: String, _ at: String, _ sha: String, _ file: String) -> String {
            TextFormat.pad(id, 6, right: true) + "  " + TextFormat.pad(kind, 12) + "  " + TextFormat.pad(asOf, 10) + "  " + TextFormat.pad(rows, 11, right: true)
                + "  " + TextFormat.pad(at, 24) + "  " + TextFormat.pad(sha, 13) + "  " + file
        }

        /// Numbers beyond the format's integers (only in a tampered database) are written as the largest one.
        static func json(_ s: RegistrySnapshotInfo) -> JSONValue {
            func int(_ v: Int64) -> JSONValue { .int(min(max(v, -JSONValue.maxSafeInteger), JSONValue.maxSafeInteger)) }
            return .object(["id": int(s.id), "kind": .string(s.kind.rawValue), "as_of": .string(s.asOf), "imported_at": .string(s.importedAt),
                     "file_name": .string(s.fileName), "sha256": .string(s.sha256), "row_count": int(s.rowCount)])
        }
    }
}

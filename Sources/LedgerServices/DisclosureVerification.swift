import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure

/// `aidledger verify-disclosure DIR`: reads a published 公示 bundle from a directory and runs the public check
/// (docs/FORMAT.md §18.3, `PublicDisclosureCheck`) on it. The files are read here; the check is pure.
public enum DisclosureVerification {
    /// One problem the check found: its stable code, the file, line and column (when it is at one place), why.
    public struct Problem: Sendable, Equatable {
        public let code: String
        public let file: String
        public let line: Int?
        public let column: Int?
        public let why: String
    }

    public struct Result: Sendable {
        public let directory: String
        public let problems: [Problem]
        public let problemsTruncated: Bool
        public let origin: String
        public let ledgerKey: String
        /// The checkpoint the export says it was derived from, when the manifest parsed.
        public let checkpointSize: UInt64?
        public let checkpointRoot: String?
        public let title: String?
        public let rowsConfirmed: Int
        public var intact: Bool { problems.isEmpty }

        /// The report for a person to read. Never a personal value (the check's messages hold none).
        public var text: String {
            var out = ["aidledger verify-disclosure \(directory)"]
            if let title { out.append("title        \(title)") }
            out.append("origin       \(origin.isEmpty ? "(unknown)" : origin)")
            out.append("ledger key   \(ledgerKey.isEmpty ? "(unknown)" : ledgerKey)")
            if let checkpointSize, let checkpointRoot { out.append("checkpoint   size \(checkpointSize), root \(checkpointRoot)") }
            out.append("list         \(rowsConfirmed) rows confirmed against the ledger")
            if intact {
                out.append("INTACT: every listed row is a payment of the ledger, none in scope is missing, and the tables are the sums of the list")
            } else {
                out.append("NOT INTACT: \(problems.count)\(problemsTruncated ? "+" : "") problems")
                for p in problems {
                    out.append("  \(p.file)\(p.line.map { ":\($0)" } ?? "")\(p.column.map { ":\($0)" } ?? ""): \(p.code): \(p.why)")
                }
            }
            return out.joined(separator: "\n")
        }

        /// The report as canonical JSON (`--json`).
        public var json: String {
            func int(_ n: Int?) -> JSONValue { n.map { .int(Int64($0)) } ?? .null }
            let value: JSONValue = .object([
                "directory": .string(directory),
                "intact": .bool(intact),
                "problems": .array(problems.map { p in
                    .object(["code": .string(p.code), "file": .string(p.file), "line": int(p.line), "column": int(p.column), "why": .string(p.why)])
                }),
                "problems_truncated": .bool(problemsTruncated),
                "origin": .string(origin),
                "ledger_key": .string(ledgerKey),
                "checkpoint": checkpointSize.map { size in
                    .object(["size": .int(Int64(clamping: min(size, UInt64(JSONValue.maxSafeInteger)))), "root": .string(checkpointRoot ?? "")])
                } ?? .null,
                "rows_confirmed": .int(Int64(rowsConfirmed)),
            ])
            return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
        }
    }

    /// The files a public bundle may hold; others in the directory are not read.
    public static let fileNames = DisclosureManifest.fileNames + [PublicDisclosureCheck.manifestName, PublicDisclosureCheck.bundleName]

    /// Checks the public bundle in `directory`. Throws (the CLI exits with 2) when the directory cannot be read or
    /// holds no manifest.note or no ledger.bundle: then there is nothing to check. A file the manifest lists that
    /// is absent is a problem of the export, reported like the others.
    public static func verify(directory: String, trustedLedgerKey: String?) throws -> Result {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ServiceError("\(directory) is not a directory")
        }
        var files: [String: [UInt8]] = [:]
        for name in fileNames {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            files[name] = Array(try Files.read(path))
        }
        for required in [PublicDisclosureCheck.manifestName, PublicDisclosureCheck.bundleName] where files[required] == nil {
            throw ServiceError("\(directory) holds no \(required): it is not a public bundle of a disclosure")
        }
        let outcome = PublicDisclosureCheck.check(files: files, trustedLedgerKey: trustedLedgerKey)
        return Result(directory: directory,
                      problems: outcome.problems.map { Problem(code: $0.code, file: $0.file, line: $0.line, column: $0.column, why: $0.why) },
                      problemsTruncated: outcome.problemsTruncated, origin: outcome.origin, ledgerKey: outcome.ledgerKey,
                      checkpointSize: outcome.manifest?.checkpointSize, checkpointRoot: outcome.manifest?.checkpointRoot.hex,
                      title: outcome.manifest?.request.title, rowsConfirmed: outcome.rowsConfirmed)
    }

    /// A `--ledger-key` argument: the verifier key itself (`name+id+key`), or a file holding it on its first line.
    public static func ledgerKey(argument: String) throws -> String {
        if argument.contains("+") && !FileManager.default.fileExists(atPath: argument) { return argument }
        let bytes = try Files.read(argument)
        guard let text = String(data: bytes, encoding: .utf8),
              let line = text.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !line.isEmpty else {
            throw ServiceError("\(argument): not a file holding a verifier key")
        }
        return line
    }
}

import ArgumentParser
import Foundation
import LedgerCore
import LedgerVerify

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a ledger: a bundle file offline, or the ledger in the database with its openings.",
        discussion: """
            With --bundle, reads only the file (and --openings). Without it, reads the ledger from the database \
            (--database, PG* variables, or the embedded default) and also checks every stored opening against its \
            commitment. Exits 0 when the ledger is intact, 1 when verification finds a problem (the first bad seq and what \
            is wrong are printed), 2 when a file cannot be read or an openings line is invalid, 64 for a usage error.
            """
    )

    @Option(name: .long, help: "The bundle file (entries and checkpoints of one ledger; no personal data). Without it, the database is verified.")
    var bundle: String?

    @OptionGroup var db: DatabaseOptions

    @Option(name: .long, help: "A file of openings (JSON lines) to check against their commitments. Contains personal data.")
    var openings: String?

    @Option(name: .long, help: "The ledger key you trust (vkey form name+id+key). Without it the genesis key is trusted on first use.")
    var ledgerKey: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var remote: ServerOptions

    func run() throws {
        if remote.url != nil, bundle == nil { return try runRemote() }
        guard let bundle else { return try verifyDatabase() }
        let data = try Files.read(bundle)
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = ledgerKey
        if let openings { options.openings = try Self.readOpenings(openings) }
        let progress = ProgressLine("verifying \(bundle)")
        let report = data.withUnsafeBytes { raw in
            LedgerVerifier.verify(bundle: raw, options: options) { done, total in progress.update(done, of: total) }
        }
        progress.finish()
        print(json ? ReportRendering.json(report, bundle: bundle, pinned: ledgerKey != nil) : ReportRendering.text(report, bundle: bundle, pinned: ledgerKey != nil))
        if !report.intact { throw ExitCode(exitVerificationFailed) }
    }

    func verifyDatabase() throws {
        try StoreSession.with(db) { session in
            let ledger = try session.ledger(db)
            var options = LedgerVerifier.Options()
            options.trustedLedgerKey = ledgerKey
            try session.store.streamOpenings(ledger) { options.openings.append($0) }
            let checkpoints = try session.store.checkpoints(ledger)
            let total = try session.store.head(ledger).size
            var verifier = LedgerVerifier(options: options)
            verifier.addCheckpoints(checkpoints)
            let progress = ProgressLine("verifying \(ledger.origin)")
            var done: UInt64 = 0
            try session.store.streamEntriesConcurrently(ledger, hashingWith: ledger.suite) { _, bytes, entryHash in
                verifier.consume(entryBytes: bytes, precomputed: entryHash, computedWith: ledger.suite)
                done += 1
                if done & 0x3fff == 0 { progress.update(done, of: max(total, done)) }
            }
            progress.finish()
            let report = verifier.finish()
            let source = "database: \(ledger.origin)"
            print(json ? ReportRendering.json(report, bundle: source, pinned: ledgerKey != nil) : ReportRendering.text(report, bundle: source, pinned: ledgerKey != nil))
            if !report.intact { throw ExitCode(exitVerificationFailed) }
        }
    }

    static func readOpenings(_ path: String) throws -> [Opening] {
        let data = try Files.read(path)
        var result: [Opening] = []
        var lineNumber = 0
        for line in data.split(separator: 0x0a, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            do { result.append(try Opening(decoding: Array(line))) } catch {
                throw CLIError("\(path):\(lineNumber): \(error.message)")
            }
        }
        return result
    }
}

package enum ReportRendering {
    static func text(_ r: VerificationReport, bundle: String, pinned: Bool) -> String {
        var out: [String] = []
        out.append("aidledger verify \(bundle)")
        out.append("  origin       \(r.origin)")
        out.append("  suite        \(r.suite)")
        out.append("  ledger key   \(r.ledgerKey)" + (pinned ? " (pinned)" : " (from the genesis entry; pass --ledger-key to pin it)"))
        let kinds = EntryKind.allCases.compactMap { k in r.entriesByKind[k.rawValue].map { "\(k.rawValue) \(Format.grouped(Int64($0)))" } }
        out.append("  entries      \(Format.grouped(Int64(r.entries)))" + (kinds.isEmpty ? "" : " (\(kinds.joined(separator: ", ")))"))
        if let cp = r.latestCheckpoint {
            out.append("  checkpoints  \(r.checkpoints) signed; latest size \(cp.size), root \(cp.root.hex)")
        } else {
            out.append("  checkpoints  none valid")
        }
        out.append("  batches      \(r.batches)")
        out.append("  payments     \(Format.grouped(Int64(r.totals.payments))), \(Format.yuan(r.totals.grossFen)) yuan; reversals \(r.totals.reversals), \(Format.yuan(r.totals.reversedFen)) yuan; net \(Format.yuan(r.totals.netFen)) yuan")
        if !r.byUnitAndProgram.isEmpty {
            out.append("")
            out.append("  " + Format.pad("unit", 10) + Format.pad("programme", 24) + Format.pad("payments", 10, right: true) + Format.pad("gross", 18, right: true) + Format.pad("reversed", 16, right: true) + Format.pad("net (yuan)", 18, right: true))
            for key in r.byUnitAndProgram.keys.sorted() {
                let a = r.byUnitAndProgram[key]!
                let parts = key.split(separator: "\t", maxSplits: 1).map(String.init)
                out.append("  " + Format.pad(parts[0], 10) + Format.pad(parts.count > 1 ? parts[1] : "", 24) + Format.pad(Format.grouped(Int64(a.payments)), 10, right: true)
                           + Format.pad(Format.yuan(a.grossFen), 18, right: true) + Format.pad(Format.yuan(a.reversedFen), 16, right: true) + Format.pad(Format.yuan(a.netFen), 18, right: true))
            }
        }
        if !r.keys.isEmpty {
            out.append("")
            out.append("  keys")
            for k in r.keys {
                out.append("    " + Format.pad(k.role, 10) + Format.pad(k.units.joined(separator: ","), 16) + "enrolled at \(k.enrolledAt)" + (k.revokedAt.map { ", revoked at \($0)" } ?? "") + "  " + k.name)
            }
        }
        if r.openingsChecked > 0 || r.erasures > 0 {
            out.append("")
            out.append("  openings     \(r.openingsChecked) checked against their commitments" + (r.erasures > 0 ? "; \(r.erasures) erasure\(r.erasures == 1 ? "" : "s") on record" : ""))
        }
        out.append("")
        if r.intact {
            out.append("INTACT: every check passed.")
        } else {
            out.append("FAILED" + (r.firstBadSeq.map { ": first bad seq \($0)" } ?? "") + " (\(r.findings.count) finding\(r.findings.count == 1 ? "" : "s")\(r.findingsTruncated ? ", truncated" : ""))")
            for f in r.findings.prefix(50) { out.append("  \(f)") }
            if r.findings.count > 50 { out.append("  … \(r.findings.count - 50) more (use --json for all)") }
        }
        return out.joined(separator: "\n")
    }

    package static func json(_ r: VerificationReport, bundle: String, pinned: Bool) -> String {
        func amounts(_ a: VerificationReport.Amounts) -> JSONValue {
            .object(["payments": .int(Int64(a.payments)), "gross_fen": .int(a.grossFen), "reversals": .int(Int64(a.reversals)),
                     "reversed_fen": .int(a.reversedFen), "net_fen": .int(a.netFen)])
        }
        var byUnit: [JSONValue] = []
        for key in r.byUnitAndProgram.keys.sorted() {
            let parts = key.split(separator: "\t", maxSplits: 1).map(String.init)
            guard case .object(var o) = amounts(r.byUnitAndProgram[key]!) else { continue }
            o["unit"] = .string(parts[0])
            o["program"] = .string(parts.count > 1 ? parts[1] : "")
            byUnit.append(.object(o))
        }
        let value: JSONValue = .object([
            "bundle": .string(bundle),
            "intact": .bool(r.intact),
            "first_bad_seq": r.firstBadSeq.map { .int(Int64($0)) } ?? .null,
            "findings": .array(r.findings.map { f in
                .object(["code": .string(f.code.rawValue), "seq": f.seq.map { .int(Int64($0)) } ?? .null, "message": .string(f.message)])
            }),
            "findings_truncated": .bool(r.findingsTruncated),
            "origin": .string(r.origin),
            "suite": .string(r.suite),
            "ledger_key": .string(r.ledgerKey),
            "ledger_key_pinned": .bool(pinned),
            "entries": .int(Int64(r.entries)),
            "entries_by_kind": .object(JSONObject(r.entriesByKind.sorted { $0.key < $1.key }.map { (key: $0.key, value: .int(Int64($0.value))) })),
            "batches": .int(Int64(r.batches)),
            "totals": amounts(r.totals),
            "by_unit_and_program": .array(byUnit),
            "checkpoints": .int(Int64(r.checkpoints)),
            "latest_checkpoint": r.latestCheckpoint.map { .object(["size": .int(Int64($0.size)), "root": .string($0.root.hex)]) } ?? .null,
            "keys": .array(r.keys.map { k in
                .object(["name": .string(k.name), "role": .string(k.role), "units": .array(k.units.map { .string($0) }),
                         "enrolled_at": .int(Int64(k.enrolledAt)), "revoked_at": k.revokedAt.map { .int(Int64($0)) } ?? .null])
            }),
            "openings_checked": .int(Int64(r.openingsChecked)),
            "erasures": .int(Int64(r.erasures)),
        ])
        return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
    }
}

import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore
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

    @Option(name: .long, help: ArgumentHelp("A checkpoint you kept (a signed note as the server serves it, or a receipt JSON with its `checkpoint`); repeatable.",
                                            discussion: "Each must be signed by the ledger key and agree with the ledger at its size: a tail cut or a batch deleted and re-signed since is found."))
    var checkpoint: [String] = []

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var remote: ServerOptions

    func run() throws {
        if remote.url != nil, bundle == nil { return try runRemote() }
        guard let bundle else { return try verifyDatabase() }
        let data = try Files.read(bundle)
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = ledgerKey
        options.expectedCheckpoints = try keptCheckpoints()
        if let openings { options.openings = try Self.readOpenings(openings) }
        let progress = ProgressLine("verifying \(bundle)")
        let report = data.withUnsafeBytes { raw in
            LedgerVerifier.verify(bundle: raw, options: options) { done, total in progress.update(done, of: total) }
        }
        progress.finish()
        print(json ? report.json(source: bundle, pinned: ledgerKey != nil) : ReportRendering.text(report, bundle: bundle, pinned: ledgerKey != nil))
        if !report.intact { throw ExitCode(exitVerificationFailed) }
    }

    func verifyDatabase() throws {
        try db.open { database in
            let ledger = try database.ledger(origin: db.origin)
            let progress = ProgressLine("verifying \(ledger.origin)")
            let report = try StoreVerification.verify(database.store, ledger, trustedLedgerKey: ledgerKey, expectedCheckpoints: try keptCheckpoints()) { progress.update($0, of: $1) }
            progress.finish()
            let source = "database: \(ledger.origin)"
            print(json ? report.json(source: source, pinned: ledgerKey != nil) : ReportRendering.text(report, bundle: source, pinned: ledgerKey != nil))
            if !report.intact { throw ExitCode(exitVerificationFailed) }
        }
    }

    /// The notes of the --checkpoint files: a signed note as served (`GET …/checkpoint`), or a receipt (JSON with a
    /// `checkpoint` member, as the API answers a submission).
    func keptCheckpoints() throws -> [String] {
        try checkpoint.map { path in
            let bytes = Array(try Files.read(path))
            if bytes.first == UInt8(ascii: "{") {
                guard case .object(let o)? = try? JSONParser.parse(bytes, mode: .lenient), let note = o["checkpoint"]?.stringValue else {
                    throw CLIError("\(path): a JSON file must be a receipt with a `checkpoint` member (the signed note)")
                }
                return note
            }
            guard let text = String(bytes: bytes, encoding: .utf8) else { throw CLIError("\(path): not UTF-8 text") }
            return text
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

enum ReportRendering {
    static func text(_ r: VerificationReport, bundle: String, pinned: Bool) -> String {
        var out: [String] = []
        out.append("aidledger verify \(bundle)")
        out.append("  origin       \(r.origin)")
        out.append("  suite        \(r.suite)")
        out.append("  ledger key   \(r.ledgerKey)" + (pinned ? " (pinned)" : " (from the genesis entry; pass --ledger-key to pin it)"))
        let kinds = EntryKind.allCases.compactMap { k in r.entriesByKind[k.rawValue].map { "\(k.rawValue) \(TextFormat.grouped(Int64($0)))" } }
        out.append("  entries      \(TextFormat.grouped(Int64(r.entries)))" + (kinds.isEmpty ? "" : " (\(kinds.joined(separator: ", ")))"))
        if let cp = r.latestCheckpoint {
            out.append("  checkpoints  \(r.checkpoints) signed; latest size \(cp.size), root \(cp.root.hex)")
        } else {
            out.append("  checkpoints  none valid")
        }
        out.append("  batches      \(r.batches)")
        out.append("  payments     \(TextFormat.grouped(Int64(r.totals.payments))), \(TextFormat.yuan(r.totals.grossFen)) yuan; reversals \(r.totals.reversals), \(TextFormat.yuan(r.totals.reversedFen)) yuan; net \(TextFormat.yuan(r.totals.netFen)) yuan")
        if !r.byUnitAndProgram.isEmpty {
            out.append("")
            out.append("  " + TextFormat.pad("unit", 10) + TextFormat.pad("programme", 24) + TextFormat.pad("payments", 10, right: true) + TextFormat.pad("gross", 18, right: true) + TextFormat.pad("reversed", 16, right: true) + TextFormat.pad("net (yuan)", 18, right: true))
            for key in r.byUnitAndProgram.keys.sorted() {
                let a = r.byUnitAndProgram[key]!
                let parts = key.split(separator: "\t", maxSplits: 1).map(String.init)
                out.append("  " + TextFormat.pad(parts[0], 10) + TextFormat.pad(parts.count > 1 ? parts[1] : "", 24) + TextFormat.pad(TextFormat.grouped(Int64(a.payments)), 10, right: true)
                           + TextFormat.pad(TextFormat.yuan(a.grossFen), 18, right: true) + TextFormat.pad(TextFormat.yuan(a.reversedFen), 16, right: true) + TextFormat.pad(TextFormat.yuan(a.netFen), 18, right: true))
            }
        }
        if !r.keys.isEmpty {
            out.append("")
            out.append("  keys")
            for k in r.keys {
                out.append("    " + TextFormat.pad(k.role, 10) + TextFormat.pad(k.units.joined(separator: ","), 16) + "enrolled at \(k.enrolledAt)" + (k.revokedAt.map { ", revoked at \($0)" } ?? "") + "  " + k.name)
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

}

import Foundation
import Testing
import LedgerCore
import TestSupport

/// An executable of this package, built by `swift test` next to the test bundle.
func executable(_ name: String) throws -> String {
    let runner = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    for candidate in [runner.appendingPathComponent(name), TestPaths.repoRoot.appendingPathComponent(".build/debug/\(name)")] {
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
    }
    throw TestDataError("the \(name) executable was not built next to \(runner.path)")
}

func aidledger() throws -> String { try executable("aidledger") }

/// The developer tool (benchmarks, vectors, the offline demo bundle).
func aidledgerDev() throws -> String { try executable("aidledger-dev") }

@Suite(.serialized) struct CLITests {
    @Test func helpListsCommands() throws {
        let r = try run(try aidledger(), ["--help"])
        #expect(r.status == 0)
        for command in ["verify", "keys", "demo", "sample-csv"] { #expect(r.stdout.contains(command)) }
        // The benchmarks and the test vectors are the developer tool's, not the product's.
        #expect(!r.stdout.contains("bench") && !r.stdout.contains("make-vectors"))
        let dev = try run(try aidledgerDev(), ["--help"])
        for command in ["bench", "bench-store", "bench-server", "make-vectors", "demo-bundle"] { #expect(dev.stdout.contains(command), "\(dev.stdout)") }
        let v = try run(try aidledger(), ["verify", "--help"])
        #expect(v.status == 0 && v.stdout.contains("--bundle") && v.stdout.contains("--openings") && v.stdout.contains("--json"))
    }

    @Test func keysGenerateWritesPrivateFileWithMode0600() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for suite in ["ed25519-sha256", "sm2-sm3"] {
            let path = dir.appendingPathComponent("\(suite).key").path
            let r = try run(try aidledger(), ["keys", "generate", "--name", "aidledger.example/430626/officer/9", "--suite", suite, "--out", path])
            #expect(r.status == 0, "\(r.stderr)")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let vkey = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try VerifierKey(parsing: vkey, suite: Suite(rawValue: suite)!).name == "aidledger.example/430626/officer/9")
            #expect(try run(try aidledger(), ["keys", "show", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == vkey)
            // openssl reads the key file as it is.
            let o = try run(try which("openssl"), ["pkey", "-in", path, "-noout", "-text"])
            #expect(o.status == 0, "\(o.stderr)")
            // Never overwritten.
            let again = try run(try aidledger(), ["keys", "generate", "--name", "x/y", "--suite", suite, "--out", path])
            #expect(again.status != 0 && again.stderr.contains("already exists"))
        }
    }

    @Test(arguments: ["ed25519-sha256", "sm2-sm3"])
    func demoThenVerify(_ suite: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("demo").path
        let made = try run(try aidledgerDev(), ["demo-bundle", "--out", out, "--suite", suite, "--payments", "20"])
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        let vkey = try String(contentsOfFile: out + "/ledger.vkey", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try run(try aidledger(), ["verify", "--bundle", out + "/ledger.bundle", "--openings", out + "/openings.jsonl", "--ledger-key", vkey])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("INTACT"))
        #expect(r.stdout.contains("openings     300 checked"))
        let v = try run(try aidledger(), ["verify", "--bundle", out + "/ledger.bundle", "--json"])
        #expect(v.status == 0)
        let report = try JSONParser.parse(Array(v.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue!
        #expect(report["intact"] == .bool(true) && report["entries"] == .int(69) && report["suite"] == .string(suite))
        // Nothing personal is printed, even with openings.
        let openings = try String(contentsOfFile: out + "/openings.jsonl", encoding: .utf8).split(separator: "\n")
        let first = try Opening(decoding: Array(openings[0].utf8))
        #expect(!r.stdout.contains(first.value))
    }

    /// An independent client, the openssl command line, verifies a checkpoint signature made by the project,
    /// in each suite: the note text as signed, the signature after the 4-byte key ID, the ledger key's PEM.
    @Test(arguments: ["ed25519-sha256", "sm2-sm3"])
    func openSSLVerifiesCheckpoint(_ suite: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("demo")
        #expect(try run(try aidledgerDev(), ["demo-bundle", "--out", out.path, "--suite", suite, "--payments", "3"]).status == 0)
        let lines = try String(contentsOf: out.appendingPathComponent("ledger.bundle"), encoding: .utf8).split(separator: "\n")
        let note = try JSONParser.parse(Array(lines.last!.utf8), mode: .canonical).stringValue!
        let signed = try SignedCheckpoint(parsing: note)
        try Data(signed.note.text.utf8).write(to: dir.appendingPathComponent("note.txt"))
        try Data(signed.note.signatures[0].signature).write(to: dir.appendingPathComponent("sig.bin"))
        let openssl = try which("openssl")
        #expect(try run(openssl, ["pkey", "-in", out.appendingPathComponent("keys/ledger.key").path, "-pubout", "-out", "pub.pem"], cwd: dir).status == 0)
        let r = suite == "ed25519-sha256"
            ? try run(openssl, ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "note.txt", "-sigfile", "sig.bin"], cwd: dir)
            : try run(openssl, ["dgst", "-sm3", "-verify", "pub.pem", "-sigopt", "distid:1234567812345678", "-signature", "sig.bin", "note.txt"], cwd: dir)
        #expect(r.status == 0, "openssl: \(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Verified"))
        // And the key ID in the signature line is SHA-256 / SM3 (name || 0x0A || type || raw public key)[:4].
        let vkey = try VerifierKey(parsing: try String(contentsOf: out.appendingPathComponent("ledger.vkey"), encoding: .utf8).trimmingCharacters(in: .newlines), suite: Suite(rawValue: suite)!)
        #expect(signed.note.signatures[0].keyID == vkey.keyID)
    }

    @Test func brokenVectorFailsWithFirstBadSeq() throws {
        let dir = TestPaths.projectVectors.appendingPathComponent("ledgers")
        let r = try run(try aidledger(), ["verify", "--bundle", dir.appendingPathComponent("amount-changed.bundle").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAILED: first bad seq 11"))
        #expect(r.stdout.contains("seq 11: hash-chain:"))
        let j = try run(try aidledger(), ["verify", "--json", "--bundle", dir.appendingPathComponent("batch-revoked-key.bundle").path])
        #expect(j.status == 1)
        let report = try JSONParser.parse(Array(j.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue!
        #expect(report["first_bad_seq"] == .int(15) && report["intact"] == .bool(false))
    }

    @Test func usageAndInputErrorsExitWith2() throws {
        let missing = try run(try aidledger(), ["verify", "--bundle", "/nonexistent/ledger.bundle"])
        #expect(missing.status == 2 && missing.stderr.contains("cannot read /nonexistent/ledger.bundle"))
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let openings = dir.appendingPathComponent("o.jsonl")
        try Data("{\"field\":\"name\",\"salt\":\"00\",\"seq\":1,\"value\":\"x\"}\n".utf8).write(to: openings)
        let bundle = TestPaths.projectVectors.appendingPathComponent("ledgers/valid-ed25519-sha256.bundle").path
        let bad = try run(try aidledger(), ["verify", "--bundle", bundle, "--openings", openings.path])
        #expect(bad.status == 2 && bad.stderr.contains("o.jsonl:1: opening.salt: must be 32 lowercase hex digits"), "\(bad.stderr)")
        #expect(try run(try aidledger(), ["verify", "--no-such-flag"]).status == 64)
    }
}

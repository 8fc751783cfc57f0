import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerCore
import Testing
import TestSupport

/// `aidledger verify-disclosure DIR` on the committed public bundle (Tests/Vectors/disclosure, FORMAT.md §18):
/// 0 when intact, 1 with the problems when a file was changed, 2 when the directory is not a public bundle.
/// Only regular files are read, a file of another size than the manifest's is not read, and a report without
/// `--ledger-key` says that the key was not pinned.
@Suite(.serialized) struct DisclosureCLITests {
    /// A copy of the committed public bundle in a fresh directory.
    func copy() throws -> URL {
        let dir = try makeTemporaryDirectory()
        let source = TestPaths.projectVectors.appendingPathComponent("disclosure")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        return dir
    }

    @Test func anIntactBundleExitsZero() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", dir.appendingPathComponent("ledger.vkey").path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("INTACT") && r.stdout.contains("22 rows confirmed"))
        let vkey = try String(contentsOf: dir.appendingPathComponent("ledger.vkey"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let j = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", vkey, "--json"])
        #expect(j.status == 0, "\(j.stdout)\(j.stderr)")
        let report = try JSONParser.parse(Array(j.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue!
        #expect(report["intact"] == .bool(true) && report["problems"] == .array([]) && report["rows_confirmed"] == .int(22))
        #expect(report["ledger_key"] == .string(vkey))
    }

    @Test func aChangedListExitsOneWithItsProblems() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.appendingPathComponent("list.csv")
        // Read as bytes: the byte order mark stays (String(contentsOf:) would drop it).
        let text = String(decoding: try Data(contentsOf: list), as: UTF8.self)
        try Data(text.replacingOccurrences(of: ",625.00,", with: ",652.00,").utf8).write(to: list)
        let r = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("NOT INTACT") && r.stdout.contains("list.csv: file-digest") && r.stdout.contains("list-row-mismatch"))
        let j = try run(try aidledger(), ["verify-disclosure", dir.path, "--json"])
        #expect(j.status == 1)
        let report = try JSONParser.parse(Array(j.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue!
        let problems = report["problems"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(problems.contains { $0["code"] == "list-row-mismatch" && $0["file"] == "list.csv" && $0["line"] == .int(2) && $0["column"] == .int(9) })
        // A pinned key that is not the ledger's.
        try FileManager.default.removeItem(at: list)
        let other = "aidledger.example/430626+bd5c6b55+AXDLuisAlaZtjtvvOKT/tbw4Bg/pL0jFo0rvdXlAlxFL"
        let k = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", other])
        #expect(k.status == 1 && k.stdout.contains("ledger-key-untrusted") && k.stdout.contains("list.csv: file-missing"), "\(k.stdout)")
    }

    @Test func notAPublicBundleExitsTwo() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try run(try aidledger(), ["verify-disclosure", dir.appendingPathComponent("nowhere").path])
        #expect(missing.status == 2 && missing.stderr.contains("nowhere does not exist"), "\(missing.stderr)")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("ledger.bundle"))
        let r = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(r.status == 2 && r.stderr.contains("ledger.bundle"), "\(r.stderr)")
    }

    /// The keys of the problems in a `--json` report, as `file code`.
    func problemKeys(_ stdout: String) throws -> [String] {
        let report = try JSONParser.parse(Array(stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue
        return (report?["problems"]?.arrayValue ?? []).compactMap(\.objectValue).map { p in
            "\(p["file"]?.stringValue ?? "?") \(p["code"]?.stringValue ?? "?")"
        }
    }

    @Test func aLinkAFIFOOrADirectoryInPlaceOfAFileIsAProblemAndNotRead() throws {
        let dir = try copy(), outside = try copy()
        defer {
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: outside)
        }
        func replace(_ name: String) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.removeItem(at: url)
            return url
        }
        // list.csv: a link to an intact copy outside DIR; list.html: a link to /dev/zero; list.xlsx: a FIFO;
        // totals.csv: a directory.
        try FileManager.default.createSymbolicLink(at: try replace("list.csv"), withDestinationURL: outside.appendingPathComponent("list.csv"))
        try FileManager.default.createSymbolicLink(at: try replace("list.html"), withDestinationURL: URL(fileURLWithPath: "/dev/zero"))
        #expect(mkfifo(try replace("list.xlsx").path, 0o644) == 0)
        try FileManager.default.createDirectory(at: try replace("totals.csv"), withIntermediateDirectories: false)
        let vkey = outside.appendingPathComponent("ledger.vkey").path
        let r = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", vkey])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("NOT INTACT"))
        #expect(r.stdout.contains("list.csv: file-not-regular: it is a symbolic link, not a regular file (links are not followed"), "\(r.stdout)")
        #expect(r.stdout.contains("list.html: file-not-regular: it is a symbolic link"))
        #expect(r.stdout.contains("list.xlsx: file-not-regular: it is a FIFO (named pipe), not a regular file; it is not read"))
        #expect(r.stdout.contains("totals.csv: file-not-regular: it is a directory, not a regular file; it is not read"))
        #expect(!r.stdout.contains("permission") && !r.stdout.contains("NSCocoaErrorDomain") && !r.stderr.contains("NSCocoaErrorDomain"))
        let j = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", vkey, "--json"])
        #expect(j.status == 1)
        let keys = try problemKeys(j.stdout)
        for name in ["list.csv", "list.html", "list.xlsx", "totals.csv"] {
            #expect(keys.contains("\(name) file-not-regular") && !keys.contains("\(name) file-missing"), "\(keys)")
        }
        // The other files are still checked, and are intact.
        #expect(!keys.contains { $0.hasPrefix("categories.csv") || $0.hasPrefix("ledger.bundle") || $0.hasPrefix("manifest.note") }, "\(keys)")
    }

    @Test func aManifestOrBundleThatIsNotARegularFileExitsTwoSayingWhy() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = dir.appendingPathComponent("manifest.note"), bundle = dir.appendingPathComponent("ledger.bundle")
        let saved = try Data(contentsOf: manifest)
        try FileManager.default.removeItem(at: manifest)
        #expect(mkfifo(manifest.path, 0o644) == 0)
        let fifo = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(fifo.status == 2 && fifo.stderr.contains("manifest.note: it is a FIFO (named pipe), not a regular file"), "\(fifo.stderr)")
        #expect(!fifo.stderr.contains("permission"))
        try FileManager.default.removeItem(at: manifest)
        try FileManager.default.createDirectory(at: manifest, withIntermediateDirectories: false)
        let directory = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(directory.status == 2 && directory.stderr.contains("manifest.note: it is a directory, not a regular file"), "\(directory.stderr)")
        #expect(!directory.stderr.contains("NSCocoaErrorDomain") && !directory.stderr.contains("error 256"))
        // A manifest larger than 1 MiB is not read.
        try FileManager.default.removeItem(at: manifest)
        #expect(FileManager.default.createFile(atPath: manifest.path, contents: nil))
        #expect(truncate(manifest.path, 2 << 20) == 0)
        let large = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(large.status == 2 && large.stderr.contains("manifest.note is 2097152 bytes, more than the 1 MiB"), "\(large.stderr)")
        try FileManager.default.removeItem(at: manifest)
        try saved.write(to: manifest)
        // ledger.bundle: a link to a copy of itself, then a sparse file larger than 8 GiB.
        try FileManager.default.moveItem(at: bundle, to: dir.appendingPathComponent("bundle.copy"))
        try FileManager.default.createSymbolicLink(at: bundle, withDestinationURL: dir.appendingPathComponent("bundle.copy"))
        let link = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(link.status == 2 && link.stderr.contains("ledger.bundle: it is a symbolic link, not a regular file"), "\(link.stderr)")
        try FileManager.default.removeItem(at: bundle)
        #expect(FileManager.default.createFile(atPath: bundle.path, contents: nil))
        #expect(truncate(bundle.path, 9 << 30) == 0)
        let start = ContinuousClock.now
        let huge = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(huge.status == 2 && huge.stderr.contains("ledger.bundle is 9663676416 bytes, more than the 8 GiB"), "\(huge.stderr)")
    }

    @Test func aFileOfAnotherSizeThanTheManifestsIsNotRead() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A sparse list.csv of 3 GiB: its size alone disagrees with the manifest (2350 bytes), so it is not read.
        #expect(truncate(dir.appendingPathComponent("list.csv").path, 3 << 30) == 0)
        let start = ContinuousClock.now
        let r = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", dir.appendingPathComponent("ledger.vkey").path])
        #expect(ContinuousClock.now - start < .seconds(20), "reading the file instead of comparing its size?")
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("list.csv: file-size: 3221225472 bytes, the manifest says 2350 (the file is not read)"), "\(r.stdout)")
        #expect(!r.stdout.contains("file-missing") && !r.stdout.contains("csv-syntax"))
        // One byte short is the same problem.
        #expect(truncate(dir.appendingPathComponent("list.csv").path, 2349) == 0)
        let short = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", dir.appendingPathComponent("ledger.vkey").path, "--json"])
        let shortKeys = try problemKeys(short.stdout)
        #expect(short.status == 1 && shortKeys == ["list.csv file-size"], "\(short.stdout)")
    }

    @Test func withoutALedgerKeyTheReportSaysTheKeyWasNotPinned() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(try aidledger(), ["verify-disclosure", dir.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("INTACT ONLY AGAINST AN UNPINNED KEY") && !r.stdout.contains("\nINTACT:"), "\(r.stdout)")
        #expect(r.stdout.contains("(NOT PINNED: only the key the bundle itself names)"))
        #expect(r.stdout.contains("WARNING: THE LEDGER KEY WAS NOT PINNED") && r.stdout.contains("anyone can make a bundle"))
        #expect(r.stdout.contains("--ledger-key") && r.stdout.contains("GET /v1/ledgers/{id}/keys") && r.stdout.contains("ledger.key.vkey"))
        #expect(r.stderr.contains("warning: the ledger key was not pinned"))
        let j = try run(try aidledger(), ["verify-disclosure", dir.path, "--json"])
        let report = try JSONParser.parse(Array(j.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue
        #expect(j.status == 0 && report?["ledger_key_pinned"] == .bool(false) && report?["intact"] == .bool(true), "\(j.stdout)")
        // Pinned: no warning.
        let vkey = dir.appendingPathComponent("ledger.vkey").path
        let p = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", vkey])
        #expect(p.status == 0 && p.stdout.contains("\nINTACT: ") && p.stdout.contains("(pinned with --ledger-key)"), "\(p.stdout)")
        #expect(!p.stdout.contains("WARNING") && !p.stderr.contains("warning"))
        let pj = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", vkey, "--json"])
        let pinned = try JSONParser.parse(Array(pj.stdout.trimmingCharacters(in: .newlines).utf8), mode: .canonical).objectValue
        #expect(pj.status == 0 && pinned?["ledger_key_pinned"] == .bool(true))
        // A --ledger-key that is a FIFO is refused in words, not waited on.
        let fifo = dir.appendingPathComponent("key.fifo")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let k = try run(try aidledger(), ["verify-disclosure", dir.path, "--ledger-key", fifo.path])
        #expect(k.status == 2 && k.stderr.contains("it is a FIFO (named pipe), not a regular file"), "\(k.stderr)")
    }

    @Test func aDirectoryThatCannotBeOpenedSaysWhy() throws {
        let dir = try copy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try run(try aidledger(), ["verify-disclosure", dir.appendingPathComponent("list.csv").path])
        #expect(file.status == 2 && file.stderr.contains("list.csv is not a directory"), "\(file.stderr)")
        let long = dir.path + String(repeating: "/aaaaaaaaa", count: 420)
        let tooLong = try run(try aidledger(), ["verify-disclosure", long])
        #expect(tooLong.status == 2 && tooLong.stderr.contains("the path is longer than the system allows"), "\(tooLong.stderr)")
        // A path that is not UTF-8 (a byte \xff) is opened by its bytes.
        let script = #"d="$1/$(printf '\377')"; mkdir "$d" && cp "$1"/*.* "$d"/ && "$2" verify-disclosure "$d" --ledger-key "$d/ledger.vkey"; s=$?; rm -rf "$d"; exit $s"#
        let raw = try run("/bin/sh", ["-c", script, "sh", dir.path, try aidledger()])
        #expect(raw.status == 0 && raw.stdout.contains("\nINTACT: "), "\(raw.stdout)\(raw.stderr)")
    }
}

import Foundation
import LedgerCore
import LedgerSamples
import Testing
@testable import LedgerVerify
import TestSupport

/// One bundle mutated by one to three random operations, with a description that reproduces it.
struct BundleMutant {
    let bytes: [UInt8]
    let description: String
}

/// Mutates bundles the way a careless copy, a bad disk or a forger would: byte flips, line deletions,
/// swaps of adjacent and of random lines, duplicated lines, truncations. Line operations fix up the header's
/// counts half of the time, so that the mutant gets past the bundle check and reaches the entry checks.
struct BundleMutator {
    enum Operation: CaseIterable {
        case flipByte, deleteLine, swapAdjacentLines, swapRandomLines, duplicateLine, truncate
    }

    let original: [UInt8]
    let header: LedgerCore.Bundle.Header
    /// The original's checkpoint lines of the largest size.
    let largestCheckpointLines: [[UInt8]]

    init(_ original: [UInt8]) throws {
        self.original = original
        let header = try original.withUnsafeBytes { try LedgerCore.Bundle.layout($0) }.header
        self.header = header
        let lines = Self.lines(original).dropFirst(2 + Int(header.entries))
        func size(_ line: [UInt8]) -> UInt64 {
            guard case .string(let note)? = try? JSONParser.parse(line, mode: .canonical),
                  let checkpoint = try? SignedCheckpoint(parsing: note) else { return 0 }
            return checkpoint.checkpoint.size
        }
        let largest = lines.map(size).max() ?? 0
        largestCheckpointLines = lines.filter { size($0) == largest }
    }

    /// Mutant number `index` of the run seeded with `seed`: the same pair always gives the same mutant.
    func mutant(seed: UInt64, index: UInt64) -> BundleMutant {
        var rng = SplitMix64(seed: seed ^ (index &* 0x9E37_79B9_7F4A_7C15))
        var bytes = original
        var steps: [String] = []
        let count = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 2...3, using: &rng) : 1
        for _ in 0..<count {
            guard let operation = Operation.allCases.randomElement(using: &rng) else { break }
            steps.append(apply(operation, to: &bytes, rng: &rng))
        }
        return BundleMutant(bytes: bytes, description: steps.joined(separator: "; "))
    }

    func apply(_ operation: Operation, to bytes: inout [UInt8], rng: inout SplitMix64) -> String {
        switch operation {
        case .flipByte:
            guard !bytes.isEmpty else { return "flip (empty file)" }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            let mask = UInt8.random(in: 1...255, using: &rng)
            bytes[at] ^= mask
            return "flip byte \(at) ^ 0x\(String(mask, radix: 16))"
        case .truncate:
            guard !bytes.isEmpty else { return "truncate (empty file)" }
            let keep = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeLast(bytes.count - keep)
            return "truncate to \(keep) bytes"
        case .deleteLine, .swapAdjacentLines, .swapRandomLines, .duplicateLine:
            var lines = Self.lines(bytes)
            guard lines.count >= 2 else { return "\(operation) (too few lines)" }
            let description: String
            switch operation {
            case .deleteLine:
                let i = Int.random(in: 0..<lines.count, using: &rng)
                lines.remove(at: i)
                description = "delete line \(i + 1)"
            case .swapAdjacentLines:
                let i = Int.random(in: 0..<(lines.count - 1), using: &rng)
                lines.swapAt(i, i + 1)
                description = "swap lines \(i + 1) and \(i + 2)"
            case .swapRandomLines:
                let i = Int.random(in: 0..<lines.count, using: &rng), j = Int.random(in: 0..<lines.count, using: &rng)
                lines.swapAt(i, j)
                description = "swap lines \(i + 1) and \(j + 1)"
            default:
                let i = Int.random(in: 0..<lines.count, using: &rng), at = Int.random(in: 0...lines.count, using: &rng)
                lines.insert(lines[i], at: at)
                description = "copy line \(i + 1) to before line \(at + 1)"
            }
            let fixHeader = Bool.random(using: &rng)
            if fixHeader { fixUpHeader(&lines) }
            bytes = Self.join(lines)
            return description + (fixHeader ? " (header fixed)" : "")
        }
    }

    /// Applies steps as `mutant` describes them (`"swap lines 10 and 11 (header fixed)"`, `"flip byte 7 ^ 0x2"`, …)
    /// to the original: the fuzz corpus stores mutants this way, as edits of a committed vector.
    func replay(_ steps: [String]) throws -> [UInt8] {
        var bytes = original
        for step in steps {
            var words = step.split(separator: " ").map(String.init)
            let fixHeader = step.hasSuffix(" (header fixed)")
            if fixHeader { words.removeLast(2) }
            func number(_ i: Int) throws -> Int {
                guard i < words.count, let n = Int(words[i]), n >= 0 else { throw TestDataError("fuzz corpus: cannot read step \"\(step)\"") }
                return n
            }
            var lines = Self.lines(bytes)
            func line(_ i: Int) throws -> Int {
                let n = try number(i)
                guard n >= 1, n <= lines.count else { throw TestDataError("fuzz corpus: no line \(n) in step \"\(step)\"") }
                return n - 1
            }
            switch (words.first, words.dropFirst().first) {
            case ("flip", "byte"):
                let at = try number(2)
                guard words.count == 5, words[3] == "^", words[4].hasPrefix("0x"), let mask = UInt8(words[4].dropFirst(2), radix: 16), at < bytes.count else {
                    throw TestDataError("fuzz corpus: cannot read step \"\(step)\"")
                }
                bytes[at] ^= mask
                continue
            case ("truncate", "to"):
                let keep = try number(2)
                guard keep <= bytes.count else { throw TestDataError("fuzz corpus: cannot truncate to \(keep)") }
                bytes.removeLast(bytes.count - keep)
                continue
            case ("delete", "line"):
                lines.remove(at: try line(2))
            case ("swap", "lines"):
                lines.swapAt(try line(2), try line(4))
            case ("copy", "line"):
                let from = try line(2), before = try number(6) - 1
                guard before >= 0, before <= lines.count else { throw TestDataError("fuzz corpus: cannot read step \"\(step)\"") }
                lines.insert(lines[from], at: before)
            default:
                throw TestDataError("fuzz corpus: unknown step \"\(step)\"")
            }
            if fixHeader { fixUpHeader(&lines) }
            bytes = Self.join(lines)
        }
        return bytes
    }

    /// Rewrites the header's counts to the lines present (entry lines start with `{`, checkpoint lines with `"`),
    /// if line 2 is still a header.
    func fixUpHeader(_ lines: inout [[UInt8]]) {
        guard lines.count >= 2, lines[1].starts(with: Array(#"{"checkpoints":"#.utf8)) else { return }
        let rest = lines.dropFirst(2)
        let entries = rest.filter { $0.first == UInt8(ascii: "{") }.count
        let fixed = LedgerCore.Bundle.Header(origin: header.origin, suite: header.suite, entries: UInt64(entries), checkpoints: UInt64(rest.count - entries))
        lines[1] = Array(Self.lines(LedgerCore.Bundle.headerLines(fixed))[1])
    }

    /// The lines of a bundle without their LFs (a last line without LF counts as a line).
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static func join(_ lines: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines { out += line; out.append(0x0a) }
        return out
    }

    /// The documented no-ops (FORMAT.md §15, "Mutations that change nothing"): a mutant verifies as intact if and
    /// only if it is byte-identical to the original, or it keeps the magic line and the entry lines exactly, has a
    /// header whose counts match its lines, and its checkpoint lines are lines of the original's checkpoints (in
    /// any order, any of them repeated or left out) among which is a largest checkpoint of the original.
    func isNoOp(_ mutant: [UInt8]) -> Bool {
        if mutant == original { return true }
        guard mutant.last == 0x0a else { return false }
        let lines = Self.lines(mutant), originalLines = Self.lines(original)
        let entryCount = Int(header.entries)
        guard lines.count >= 2 + entryCount, lines[0] == originalLines[0],
              lines[2..<(2 + entryCount)].elementsEqual(originalLines[2..<(2 + entryCount)]) else { return false }
        let checkpointLines = Array(lines[(2 + entryCount)...])
        let counts = LedgerCore.Bundle.Header(origin: header.origin, suite: header.suite, entries: header.entries, checkpoints: UInt64(checkpointLines.count))
        guard lines[1] == Self.lines(LedgerCore.Bundle.headerLines(counts))[1] else { return false }
        let originalCheckpoints = Array(originalLines[(2 + entryCount)...])
        guard checkpointLines.allSatisfy({ originalCheckpoints.contains($0) }) else { return false }
        return checkpointLines.contains { largestCheckpointLines.contains($0) }
    }
}

/// The committed valid vectors of both suites, with the options the vector tests use (pinned key, openings).
struct FuzzSubject {
    let name: String
    let bundle: [UInt8]
    let options: LedgerVerifier.Options

    static func load(_ name: String) throws -> FuzzSubject {
        guard let v = try CommittedVectorTests.manifest().first(where: { $0["name"]?.stringValue == name }),
              let file = v["bundle"]?.stringValue, let key = v["ledger_key"]?.stringValue else { throw TestDataError("no vector \(name)") }
        var options = LedgerVerifier.Options()
        options.trustedLedgerKey = key
        if let o = v["openings"]?.stringValue {
            options.openings = try readBytes(CommittedVectorTests.directory.appendingPathComponent(o)).split(separator: 0x0a).map { try Opening(decoding: Array($0)) }
        }
        return FuzzSubject(name: name, bundle: try readBytes(CommittedVectorTests.directory.appendingPathComponent(file)), options: options)
    }

    /// The two valid vectors, one with every inspection entry kind (`crosscheck`, `disposition`, FORMAT §6.8–6.9)
    /// and one with `disclosure` entries (§6.10).
    static let names = ["valid-ed25519-sha256", "valid-sm2-sm3", "crosscheck-anchored", "disclosure-derived"]
}

/// Thousands of mutated bundles per run: the verifier never traps, and reports every mutant as not intact except
/// the documented no-ops. Deterministic: the seed is printed, and `AIDLEDGER_FUZZ_SEED` replays another run;
/// `AIDLEDGER_FUZZ_COUNT` sets the mutants per vector, `AIDLEDGER_FUZZ_FIRST` the first mutant index, and
/// `AIDLEDGER_FUZZ_TRACE=1` prints each mutant before it is verified (to find the one that traps), and
/// `AIDLEDGER_FUZZ_VECTOR` restricts the run to one vector.
@Suite struct VerifierFuzzTests {
    static let defaultSeed: UInt64 = 0x6169_646C_6564_6772 // "aidledgr"
    static let defaultCount: UInt64 = 1500

    static func environmentNumber(_ name: String) -> UInt64? {
        guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
        return text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }

    /// The no-op rule itself, on hand-made mutants: what it calls a no-op verifies as intact, and its near misses
    /// do not.
    @Test(arguments: FuzzSubject.names)
    func noOpRule(_ name: String) throws {
        let subject = try FuzzSubject.load(name)
        let mutator = try BundleMutator(subject.bundle)
        let lines = BundleMutator.lines(subject.bundle)
        let entries = Int(mutator.header.entries)
        let checkpoints = Array(lines[(2 + entries)...])
        let largest = try #require(checkpoints.firstIndex { mutator.largestCheckpointLines.contains($0) })
        func bundle(_ checkpointLines: [[UInt8]], fixHeader: Bool = true) -> [UInt8] {
            var out = Array(lines[..<(2 + entries)]) + checkpointLines
            if fixHeader { mutator.fixUpHeader(&out) }
            return BundleMutator.join(out)
        }
        func verdict(_ bytes: [UInt8]) -> (noOp: Bool, report: VerificationReport) {
            (mutator.isNoOp(bytes), bytes.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: subject.options) })
        }
        var noOps: [[UInt8]] = [subject.bundle, bundle(checkpoints.reversed()), bundle(checkpoints + [checkpoints[largest]]), bundle([checkpoints[largest]])]
        for i in checkpoints.indices where i != largest {
            var fewer = checkpoints
            fewer.remove(at: i)
            noOps.append(bundle(fewer))
        }
        for bytes in noOps {
            let (noOp, report) = verdict(bytes)
            #expect(noOp && report.intact, "\(report.findings)")
        }
        var withoutLargest = checkpoints
        withoutLargest.remove(at: largest)
        let dropLargest = verdict(bundle(withoutLargest))
        #expect(!dropLargest.noOp && dropLargest.report.findings.first?.code == .unsignedTail)
        let staleHeader = verdict(bundle(Array(checkpoints.dropFirst()), fixHeader: false))
        #expect(!staleHeader.noOp && staleHeader.report.findings.first?.code == .bundleMalformed)
        let reorderedEntries = verdict(BundleMutator.join(Array(lines[..<2]) + [lines[3], lines[2]] + Array(lines[4...])))
        #expect(!reorderedEntries.noOp && !reorderedEntries.report.intact)
    }

    @Test(arguments: FuzzSubject.names)
    func mutantsNeverTrapAndAreNeverIntactUnlessNoOps(_ name: String) throws {
        if let only = ProcessInfo.processInfo.environment["AIDLEDGER_FUZZ_VECTOR"], only != name { return }
        let subject = try FuzzSubject.load(name)
        let mutator = try BundleMutator(subject.bundle)
        let seed = Self.environmentNumber("AIDLEDGER_FUZZ_SEED") ?? Self.defaultSeed
        let count = Self.environmentNumber("AIDLEDGER_FUZZ_COUNT") ?? Self.defaultCount
        let first = Self.environmentNumber("AIDLEDGER_FUZZ_FIRST") ?? 0
        let trace = ProcessInfo.processInfo.environment["AIDLEDGER_FUZZ_TRACE"] == "1"
        print("fuzz \(name): seed 0x\(String(seed, radix: 16)), mutants \(first)..<\(first + count) (AIDLEDGER_FUZZ_SEED to replay another run)")
        let start = ContinuousClock.now
        var noOps = 0, wrong = 0
        var codes: [Finding.Code: Int] = [:]
        for index in first..<(first + count) {
            let mutant = mutator.mutant(seed: seed, index: index)
            if trace { FileHandle.standardError.write(Data("fuzz \(name) #\(index): \(mutant.description)\n".utf8)) }
            let report = mutant.bytes.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: subject.options) }
            let noOp = mutator.isNoOp(mutant.bytes)
            if noOp { noOps += 1 }
            if let code = report.findings.first?.code { codes[code, default: 0] += 1 }
            if report.intact != noOp {
                wrong += 1
                if wrong <= 10 {
                    Issue.record("\(name) mutant #\(index) (\(mutant.description)): \(noOp ? "a no-op, but not intact" : "intact, but not a no-op"): \(report.findings.prefix(3))")
                }
            }
        }
        let summary = codes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("fuzz \(name): \(count) mutants in \(ContinuousClock.now - start), \(noOps) no-ops; first findings: \(summary)")
        #expect(wrong == 0)
    }
}

/// The kept corpus (Tests/Vectors/fuzz-corpus, its README): mutants of the committed valid vectors that trapped
/// the verifier before it was hardened, and a few per finding code. Each is replayed from its recipe and must
/// reach its recorded first finding.
@Suite struct FuzzCorpusTests {
    static let directory = TestPaths.projectVectors.appendingPathComponent("fuzz-corpus")

    static func corpus() throws -> [JSONObject] {
        try readJSON(directory.appendingPathComponent("corpus.json")).arrayValue!.map { $0.objectValue! }
    }

    @Test func corpusReachesItsRecordedFirstFindings() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 100)
        var subjects: [String: (FuzzSubject, BundleMutator)] = [:]
        for name in FuzzSubject.names {
            let subject = try FuzzSubject.load(name)
            subjects[name] = (subject, try BundleMutator(subject.bundle))
        }
        var codes: Set<String> = []
        for entry in corpus {
            let name = entry["name"]!.stringValue!
            let (subject, mutator) = try #require(subjects[entry["vector"]!.stringValue!], "\(name): unknown vector")
            let bytes = try mutator.replay(entry["mutation"]!.arrayValue!.map { $0.stringValue! })
            let report = bytes.withUnsafeBytes { LedgerVerifier.verify(bundle: $0, options: subject.options) }
            let expect = entry["expect"]!.objectValue!
            let code = expect["code"]!.stringValue!
            let seq = expect["first_bad_seq"]?.intValue.map { UInt64($0) }
            codes.insert(code)
            #expect(report.findings.first?.code.rawValue == code && report.firstBadSeq == seq,
                    "\(name) (\(entry["mutation"]!)): expected \(code) at \(String(describing: seq)), found \(report.findings.prefix(3))")
        }
        #expect(codes.count >= 8, "the corpus should cover many finding codes: \(codes.sorted())")
    }
}

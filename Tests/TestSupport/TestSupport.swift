import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore

/// Locations of test data. A missing file is a test failure, never a skip.
public enum TestPaths {
    /// The repository root, derived from this file's path.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The external vectors (RFC 6962, RFC 8785, C2SP signed-note), copied into the repository with their sources
    /// noted (Tests/Vectors/external/README.md): nothing outside the clone is read.
    public static let sharedVectors = repoRoot.appendingPathComponent("Tests/Vectors/external")
    /// The project's own vectors.
    public static let projectVectors = repoRoot.appendingPathComponent("Tests/Vectors")
}

public struct TestDataError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public func readBytes(_ url: URL) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: url.path) else { throw TestDataError("missing test data file \(url.path)") }
    return Array(data)
}

public func readJSON(_ url: URL) throws -> JSONValue {
    try JSONParser.parse(try readBytes(url), mode: .lenient)
}

public func listFiles(_ url: URL) throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil).sorted { $0.path < $1.path }
}

public func decodeBase64(_ s: String) -> [UInt8] {
    Array(Data(base64Encoded: s) ?? Data())
}

/// Runs a program and returns its exit status and output. Standard input is empty.
public func run(_ executable: String, _ arguments: [String], cwd: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let cwd { p.currentDirectoryURL = cwd }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    // Read before waiting so a full pipe cannot deadlock the child.
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A fresh temporary directory, removed by the caller with `FileManager.default.removeItem`.
public func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aidledger-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The path of a tool on PATH, or a thrown error naming it.
public func which(_ tool: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestDataError("\(tool) is not on PATH; install it (the CI script does)")
}

/// The person-key secret of the tests' ledgers.
public let testPersonKeySecret = PersonKeySecret(bytes: Array(repeating: 0x5a, count: 32))!

/// The claims of a batch under the tests' secret.
public func testClaims(_ batch: PreparedBatch) throws -> PaymentClaims { try PersonKeys(testPersonKeySecret).claims(for: batch) }

extension LedgerStore {
    /// Appends one submission through the one append path and returns its receipt; a refusal or a duplicate is
    /// a thrown `AppendNotAdmitted`.
    public func appendOne(_ ledger: LedgerRecord, _ submission: Submission, time: String, ledgerKey: NamedSigningKey) throws -> Receipt {
        switch try append(ledger, [submission], time: time, ledgerKey: ledgerKey)[0] {
        case .appended(let r): return r
        case .duplicate: throw AppendNotAdmitted(refusal: nil)
        case .refused(let refusal): throw AppendNotAdmitted(refusal: refusal)
        }
    }

    /// Appends a prepared batch with its claims under the tests' secret.
    public func appendOne(_ ledger: LedgerRecord, batch: PreparedBatch, time: String, ledgerKey: NamedSigningKey) throws -> Receipt {
        try appendOne(ledger, .batch(batch, claims: try testClaims(batch)), time: time, ledgerKey: ledgerKey)
    }
}

/// An append the admission did not admit: refused (with the refusal) or already in the ledger.
public struct AppendNotAdmitted: Error, CustomStringConvertible {
    public let refusal: AdmissionRefusal?
    public var description: String { refusal.map { "refused: \($0)" } ?? "already in the ledger" }
}

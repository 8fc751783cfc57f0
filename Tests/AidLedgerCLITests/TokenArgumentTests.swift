import Foundation
import Testing
import TestSupport

/// `--token` is a file holding the token or the token itself: a mistyped path is an error about the file, never
/// sent to the server as a token (nothing is listening on the port used here: the error must come first).
@Suite struct TokenArgumentTests {
    @Test func aTokenArgumentThatIsNeitherFileNorTokenIsRefusedBeforeAnyRequest() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = ["--server", "http://127.0.0.1:9"]
        let missing = try run(try aidledger(), ["log"] + server + ["--token", dir.path + "/tokens/inspecter.token"], cwd: dir)
        #expect(missing.status == 2 && missing.stderr.contains("--token: no file " + dir.path + "/tokens/inspecter.token"), "\(missing.stderr)")
        let secret = try run(try aidledger(), ["log"] + server + ["--token", "s3cret-typed-wrong"], cwd: dir)
        #expect(secret.status == 2 && secret.stderr.contains("neither an existing file nor an aidledger token") && !secret.stderr.contains("s3cret"),
                "\(secret.stderr)")
        try Data("not a token\n".utf8).write(to: dir.appendingPathComponent("bad.token"))
        let bad = try run(try aidledger(), ["log"] + server + ["--token", dir.path + "/bad.token"], cwd: dir)
        #expect(bad.status == 2 && bad.stderr.contains("does not hold an aidledger token"), "\(bad.stderr)")
        let folder = try run(try aidledger(), ["log"] + server + ["--token", dir.path], cwd: dir)
        #expect(folder.status == 2 && folder.stderr.contains("is a directory"), "\(folder.stderr)")
        // A real-looking token and a file holding one get past the argument: the failure is then the connection.
        try Data("aidl_AAAA\n".utf8).write(to: dir.appendingPathComponent("good.token"))
        for argument in ["aidl_AAAA", dir.path + "/good.token"] {
            let r = try run(try aidledger(), ["log"] + server + ["--token", argument, "--retry-for", "0"], cwd: dir)
            #expect(r.status != 0 && !r.stderr.contains("--token"), "\(argument): \(r.stderr)")
        }
    }
}

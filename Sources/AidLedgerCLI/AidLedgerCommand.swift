import ArgumentParser
import Foundation
import LedgerServices
import LedgerStore

/// The `aidledger` command.
public struct AidLedgerCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aidledger",
        abstract: "Tamper-evident audit trail of student-aid payments (学生资助): hash-chained, signed, verifiable.",
        discussion: """
            Every entry is canonical JSON, hash-chained and covered by signed C2SP checkpoints; personal data
            appear only as salted commitments. See docs/FORMAT.md for the normative format.
            """,
        subcommands: [InitCommand.self, MigrateCommand.self, RepairCommand.self, KeysCommand.self, ImportCommand.self, RegistryCommand.self, SubmitCommand.self, ReverseCommand.self, TokensCommand.self,
                      VerifyCommand.self, ExportBundleCommand.self, LogCommand.self, ShowCommand.self, EraseCommand.self, DemoCommand.self,
                      SampleCSVCommand.self, CrossCheckCommand.self, DiscloseCommand.self, VerifyDisclosureCommand.self]
    )

    public init() {}

    /// Runs the command line. Exit codes: 0 success; 1 verification found a problem; 2 an input or I/O error
    /// (`aidledger: <message>` on standard error); 64 a usage error.
    public static func main(_ arguments: [String]? = nil) {
        var command: any ParsableCommand
        do { command = try parseAsRoot(arguments) } catch {
            exit(withError: error) // --help, usage errors (64)
        }
        do {
            try command.run()
        } catch let error as ExitCode {
            exit(withError: error) // 1: verification found a problem
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ServiceError {
            FileHandle.standardError.write(Data("aidledger: \(error.message)\(error.code == "error" ? "" : " [\(error.code)]")\n".utf8))
            Foundation.exit(2)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("aidledger: \(error.message) [\(error.code.rawValue)]\n".utf8))
            Foundation.exit(2)
        } catch {
            // ArgumentParser's own errors (help, usage) keep their codes. Anything else is an input or environment
            // problem, never a verification verdict.
            if exitCode(for: error) != .failure { exit(withError: error) }
            FileHandle.standardError.write(Data("aidledger: \(error)\n".utf8))
            Foundation.exit(2)
        }
    }
}

/// Exit code for a ledger that failed verification (usage and I/O errors exit with 2 via `CLIError`).
let exitVerificationFailed: Int32 = 1

/// A user-facing error: printed as `aidledger: <message>` with exit code 2. The services' error type, so that a
/// refusal keeps its stable code on the way.
typealias CLIError = ServiceError

import Foundation
import LedgerServices

/// An API token given on the command line (`--token`, `AIDLEDGER_TOKEN`): a file holding it, or the token itself.
/// Tokens are `aidl_` and 43 base64url characters (`aidledger tokens issue`); anything else that names no file is an
/// error about the file — a mistyped path is never sent to a server as if it were the token.
enum RemoteToken {
    static let prefix = "aidl_"

    static func read(_ argument: String, option: String = "--token") throws -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw CLIError("\(option): \(argument) is a directory, not a token file") }
            let token = String(decoding: try Files.read(argument), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.hasPrefix(prefix) else { throw CLIError("\(option): \(argument) does not hold an aidledger token (\(prefix)…)") }
            return token
        }
        guard argument.hasPrefix(prefix) else {
            // Not a token, and no such file: say so without echoing what may be a secret typed wrong.
            let looksLikePath = argument.contains("/") || argument.hasSuffix(".token") || argument.hasPrefix(".")
            throw CLIError(looksLikePath ? "\(option): no file \(argument)" : "\(option): neither an existing file nor an aidledger token (tokens begin with \(prefix))")
        }
        return argument
    }
}

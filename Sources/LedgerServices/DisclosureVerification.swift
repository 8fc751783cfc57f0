import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
#if canImport(Glibc)
import Glibc
#endif

/// `aidledger verify-disclosure DIR`: reads a published 公示 bundle from a directory and runs the public check
/// (docs/FORMAT.md §18.3, `PublicDisclosureCheck`) on it. The files are read here; the check is pure.
///
/// Reading is defensive, because DIR comes from anyone: every file is looked at with `lstat` first and only
/// regular files are read (a symbolic link is not followed; a FIFO, device or directory in its place is a
/// problem naming the file and why). manifest.note is read first, at most `manifestLimit` bytes; each file of the
/// export is read only when its size is the one the manifest gives (otherwise that is the problem, and the file
/// is not read) and at most `exportFileLimit`; ledger.bundle is read once, at most `bundleLimit` bytes.
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
        /// Whether the caller gave the ledger key to trust (`--ledger-key`). When not, the signatures were checked
        /// only against the key the bundle itself names, which anyone making a bundle can choose.
        public let ledgerKeyPinned: Bool
        /// The checkpoint the export says it was derived from, when the manifest parsed.
        public let checkpointSize: UInt64?
        public let checkpointRoot: String?
        public let title: String?
        public let rowsConfirmed: Int
        public var intact: Bool { problems.isEmpty }

        /// What an unpinned key means and how to pin it: printed with every report made without `--ledger-key`.
        public static let unpinnedKeyWarning = [
            "WARNING: THE LEDGER KEY WAS NOT PINNED (no --ledger-key). The signatures were checked only against the key",
            "  the bundle itself names, and anyone can make a bundle that names a key of their own: this report does not",
            "  show that the 公示 comes from the bureau's ledger. Pin the bureau's key: run again with --ledger-key and the",
            "  key the bureau publishes (GET /v1/ledgers/{id}/keys on its server, or its ledger.key.vkey file).",
        ]

        /// The report for a person to read. Never a personal value (the check's messages hold none).
        public var text: String {
            var out = ["aidledger verify-disclosure \(directory)"]
            if let title { out.append("title        \(title)") }
            out.append("origin       \(origin.isEmpty ? "(unknown)" : origin)")
            let keyNote = ledgerKeyPinned ? "(pinned with --ledger-key)" : "(NOT PINNED: only the key the bundle itself names)"
            out.append("ledger key   \(ledgerKey.isEmpty ? "(unknown)" : ledgerKey) \(keyNote)")
            if let checkpointSize, let checkpointRoot { out.append("checkpoint   size \(checkpointSize), root \(checkpointRoot)") }
            out.append("list         \(rowsConfirmed) rows confirmed against the ledger")
            if intact && ledgerKeyPinned {
                out.append("INTACT: every listed row is a payment of the ledger, none in scope is missing, and the tables are the sums of the list")
            } else if intact {
                out.append("INTACT ONLY AGAINST AN UNPINNED KEY: every listed row is a payment of the ledger in ledger.bundle, none in scope "
                           + "is missing, and the tables are the sums of the list; whose ledger that is was NOT checked")
            } else {
                out.append("NOT INTACT: \(problems.count)\(problemsTruncated ? "+" : "") problems")
                for p in problems {
                    out.append("  \(p.file)\(p.line.map { ":\($0)" } ?? "")\(p.column.map { ":\($0)" } ?? ""): \(p.code): \(p.why)")
                }
            }
            if !ledgerKeyPinned { out += Self.unpinnedKeyWarning }
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
                "ledger_key_pinned": .bool(ledgerKeyPinned),
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

    /// manifest.note is read up to this many bytes (a real one is a few kilobytes); a larger one is not read.
    public static let manifestLimit: Int64 = 1 << 20
    /// ledger.bundle is read up to this many bytes; a larger one is not read.
    public static let bundleLimit: Int64 = 8 << 30
    /// A file of the export (list.csv …) is read up to this many bytes; a larger one is a problem, not read.
    public static let exportFileLimit: Int64 = 1 << 30

    /// Checks the public bundle in `directory` (`path`: its bytes when they are not `directory`'s UTF-8, e.g. a
    /// path that is not valid UTF-8, as given on the command line). Throws (the CLI exits with 2) when the
    /// directory cannot be opened, or manifest.note or ledger.bundle is absent, is not a regular file, cannot be
    /// read or is larger than its limit: then there is nothing to check. A file of the export that is absent, is
    /// not a regular file, or has another size than the manifest's is a problem of the export, reported like the
    /// others.
    public static func verify(directory: String, path: [UInt8]? = nil, trustedLedgerKey: String?) throws -> Result {
        let dir = try ExportDirectory(path: path ?? Array(directory.utf8), name: directory)
        let manifestName = PublicDisclosureCheck.manifestName, bundleName = PublicDisclosureCheck.bundleName
        let manifestBytes = try dir.readRequired(manifestName, limit: manifestLimit)
        let bundleSize = try dir.requireRegular(bundleName, limit: bundleLimit)

        var files: [String: [UInt8]] = [manifestName: manifestBytes]
        // Problems found while reading, and the files not given to the check because of them.
        var readProblems: [Problem] = []
        var withheld: Set<String> = []
        if let manifest = try? DisclosureManifest.parse(note: manifestBytes).manifest {
            files[bundleName] = try dir.readRequired(bundleName, size: bundleSize)
            for f in manifest.files {
                func withhold(_ code: String, _ why: String) {
                    readProblems.append(Problem(code: code, file: f.name, line: nil, column: nil, why: why))
                    withheld.insert(f.name)
                }
                switch dir.lookup(f.name) {
                case .absent:
                    continue // the check reports file-missing
                case .notRegular(let kind):
                    withhold("file-not-regular", ExportDirectory.notRegularWhy(kind) + "; it is not read")
                case .unreadable(let reason):
                    withhold("file-unreadable", "cannot be read: \(reason)")
                case .regular(let size) where size != f.bytes:
                    withhold("file-size", "\(size) bytes, the manifest says \(f.bytes) (the file is not read)")
                case .regular(let size) where size > exportFileLimit:
                    withhold("file-too-large", "\(size) bytes, more than the \(exportFileLimit >> 30) GiB the check reads of one file; it is not read")
                case .regular(let size):
                    switch dir.read(f.name, size: size) {
                    case .success(let bytes): files[f.name] = bytes
                    case .failure(.notRegular(let kind)): withhold("file-not-regular", ExportDirectory.notRegularWhy(kind) + "; it is not read")
                    case .failure(.unreadable(let reason)): withhold("file-unreadable", "cannot be read: \(reason)")
                    }
                }
            }
        }
        // A malformed manifest ends the check at step 1: ledger.bundle and the export's files are not read.

        let outcome = PublicDisclosureCheck.check(files: files, trustedLedgerKey: trustedLedgerKey)
        // The check reports a withheld file as missing: that report is replaced by the reason it was withheld.
        var problems: [Problem] = []
        for p in outcome.problems {
            if p.code == "file-missing", withheld.contains(p.file) {
                if let i = readProblems.firstIndex(where: { $0.file == p.file }) { problems.append(readProblems.remove(at: i)) }
                continue
            }
            problems.append(Problem(code: p.code, file: p.file, line: p.line, column: p.column, why: p.why))
        }
        // A report left in readProblems is of a file the check did not reach (it ended before step 3, e.g. at a
        // bundle that does not parse, or at the limit on problems): like the check's own, it is not given.
        return Result(directory: directory, problems: problems, problemsTruncated: outcome.problemsTruncated, origin: outcome.origin, ledgerKey: outcome.ledgerKey,
                      ledgerKeyPinned: trustedLedgerKey != nil,
                      checkpointSize: outcome.manifest?.checkpointSize, checkpointRoot: outcome.manifest?.checkpointRoot.hex,
                      title: outcome.manifest?.request.title, rowsConfirmed: outcome.rowsConfirmed)
    }

    /// A `--ledger-key` argument: the verifier key itself (`name+id+key`), or a regular file (at most 64 KiB)
    /// holding it on its first line (`path`: the argument's bytes when they are not its UTF-8, as for `verify`).
    public static func ledgerKey(argument: String, path: [UInt8]? = nil) throws -> String {
        let file = path ?? Array(argument.utf8)
        let lookup = ExportDirectory.lookup(AT_FDCWD, file, followingLinks: true)
        switch lookup {
        case .absent, .unreadable: if argument.contains("+") { return argument } // a key is no path (its `/` may make it look like one)
        case .regular, .notRegular: break
        }
        let bytes: [UInt8]
        switch lookup {
        case .absent:
            throw ServiceError("--ledger-key \(argument): neither a verifier key (name+id+key) nor an existing file")
        case .notRegular(let kind):
            throw ServiceError("--ledger-key \(argument): \(ExportDirectory.notRegularWhy(kind))")
        case .unreadable(let reason):
            throw ServiceError("--ledger-key \(argument): cannot be read: \(reason)")
        case .regular(let size) where size > 64 << 10:
            throw ServiceError("--ledger-key \(argument): \(size) bytes, too large for a file holding a verifier key")
        case .regular(let size):
            switch ExportDirectory.read(AT_FDCWD, file, size: size, followingLinks: true) {
            case .success(let b): bytes = b
            case .failure(.notRegular(let kind)): throw ServiceError("--ledger-key \(argument): \(ExportDirectory.notRegularWhy(kind))")
            case .failure(.unreadable(let reason)): throw ServiceError("--ledger-key \(argument): cannot be read: \(reason)")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self),
              let line = text.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !line.isEmpty else {
            throw ServiceError("\(argument): not a file holding a verifier key")
        }
        return line
    }
}

/// The directory of a public bundle, opened once: its files are looked up and opened relative to it, never
/// following a symbolic link, and only regular files are read.
private final class ExportDirectory {
    /// What is under a name: nothing, a regular file of a size, something else (its kind, in words), or an error.
    enum Lookup {
        case absent
        case regular(size: Int64)
        case notRegular(String)
        case unreadable(String)
    }

    enum ReadFailure: Error {
        case notRegular(String)
        case unreadable(String)
    }

    let descriptor: Int32
    let name: String

    /// Opens the directory; throws a message saying why it cannot be (absent, not a directory, permission …).
    init(path: [UInt8], name: String) throws {
        guard !path.isEmpty else { throw ServiceError("no directory given") }
        guard let cPath = Self.cString(path) else { throw ServiceError("\(name) cannot be opened: the path holds a NUL byte") }
        let fd = open(cPath, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            switch e {
            case ENOENT: throw ServiceError("\(name) does not exist")
            case ENOTDIR: throw ServiceError("\(name) is not a directory")
            default: throw ServiceError("\(name) cannot be opened: \(Self.reason(e))")
            }
        }
        descriptor = fd
        self.name = name
    }

    deinit { close(descriptor) }

    func lookup(_ file: String) -> Lookup { Self.lookup(descriptor, Array(file.utf8), followingLinks: false) }

    func read(_ file: String, size: Int64) -> Swift.Result<[UInt8], ReadFailure> {
        Self.read(descriptor, Array(file.utf8), size: size, followingLinks: false)
    }

    /// The size of `file`, which must be a regular file of at most `limit` bytes: otherwise there is nothing to
    /// check, and the error says why.
    func requireRegular(_ file: String, limit: Int64) throws -> Int64 {
        switch lookup(file) {
        case .absent: throw ServiceError("\(name) holds no \(file): it is not a public bundle of a disclosure")
        case .notRegular(let kind): throw ServiceError("\(name)/\(file): \(Self.notRegularWhy(kind)), so there is nothing to check")
        case .unreadable(let reason): throw ServiceError("\(name)/\(file) cannot be read: \(reason)")
        case .regular(let size) where size > limit:
            throw ServiceError("\(name)/\(file) is \(size) bytes, more than the \(Self.bytesText(limit)) verify-disclosure reads; it is not read")
        case .regular(let size): return size
        }
    }

    /// The bytes of `file`, a regular file of `size` bytes (`requireRegular`).
    func readRequired(_ file: String, size: Int64) throws -> [UInt8] {
        switch read(file, size: size) {
        case .success(let bytes): return bytes
        case .failure(.notRegular(let kind)): throw ServiceError("\(name)/\(file): \(Self.notRegularWhy(kind)), so there is nothing to check")
        case .failure(.unreadable(let reason)): throw ServiceError("\(name)/\(file) cannot be read: \(reason)")
        }
    }

    /// The bytes of `file`, a regular file of at most `limit` bytes.
    func readRequired(_ file: String, limit: Int64) throws -> [UInt8] {
        try readRequired(file, size: try requireRegular(file, limit: limit))
    }

    /// A path's bytes as a C string; nil when they hold a NUL byte (no file has such a name).
    static func cString(_ path: [UInt8]) -> [CChar]? {
        path.contains(0) ? nil : path.map { CChar(bitPattern: $0) } + [0]
    }

    /// `lstat` (or `stat`, following links) of `file` (its bytes) relative to the directory `directory`.
    static func lookup(_ directory: Int32, _ file: [UInt8], followingLinks: Bool) -> Lookup {
        guard let cFile = cString(file) else { return .unreadable("the path holds a NUL byte") }
        var st = stat()
        guard fstatat(directory, cFile, &st, followingLinks ? 0 : AT_SYMLINK_NOFOLLOW) == 0 else {
            let e = errno
            return e == ENOENT ? .absent : .unreadable(reason(e))
        }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else { return .notRegular(kindName(kind)) }
        return .regular(size: Int64(st.st_size))
    }

    /// Reads `file`, which `lookup` found to be a regular file of `size` bytes: opened without following a link
    /// (unless `followingLinks`) and without blocking, checked again to be a regular file of that size, and read
    /// into one array of exactly that size. A file that changed in the meantime is not read.
    static func read(_ directory: Int32, _ file: [UInt8], size: Int64, followingLinks: Bool) -> Swift.Result<[UInt8], ReadFailure> {
        guard let cFile = cString(file) else { return .failure(.unreadable("the path holds a NUL byte")) }
        let fd = openat(directory, cFile, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            let e = errno
            return .failure(e == ELOOP && !followingLinks ? .notRegular(kindName(S_IFLNK)) : .unreadable(reason(e)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.unreadable(reason(errno))) }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else { return .failure(.notRegular(kindName(kind))) }
        guard Int64(st.st_size) == size, let count = Int(exactly: size) else { return .failure(.unreadable("it changed while it was being read")) }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count, let base = buffer.baseAddress {
                let n = Glibc.read(fd, base + done, count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    failure = n < 0 ? errno : -1
                    break
                }
                done += n
            }
            initialized = done
        }
        if failure > 0 { return .failure(.unreadable(reason(failure))) }
        var extra: UInt8 = 0
        guard failure == 0, bytes.count == count, Glibc.read(fd, &extra, 1) == 0 else {
            return .failure(.unreadable("it changed while it was being read"))
        }
        return .success(bytes)
    }

    /// Why a file that is not regular is not read, in words.
    static func notRegularWhy(_ kind: String) -> String {
        kind == kindName(S_IFLNK)
            ? "it is \(kind), not a regular file (links are not followed: the directory must hold the file itself)"
            : "it is \(kind), not a regular file"
    }

    static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFLNK: "a symbolic link"
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// An `errno` in plain words.
    static func reason(_ e: Int32) -> String {
        switch e {
        case EACCES, EPERM: "permission denied"
        case ENOENT: "it does not exist"
        case ENOTDIR: "a part of the path is not a directory"
        case ENAMETOOLONG: "the path is longer than the system allows (\(PATH_MAX) bytes, or \(NAME_MAX) for one name)"
        case ELOOP: "too many levels of symbolic links"
        case EIO: "an input/output error"
        default: String(cString: strerror(e))
        }
    }

    static func bytesText(_ n: Int64) -> String {
        n >= 1 << 30 && n % (1 << 30) == 0 ? "\(n >> 30) GiB" : n >= 1 << 20 && n % (1 << 20) == 0 ? "\(n >> 20) MiB" : "\(n) bytes"
    }
}

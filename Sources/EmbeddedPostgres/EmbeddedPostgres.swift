import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster under a directory, created with `initdb` and run with `pg_ctl` from the
/// system's PostgreSQL. It listens only on a Unix socket in its own directory (no TCP). When the current user is
/// root, the cluster belongs to and runs as the `postgres` system user, since PostgreSQL refuses to run as root.
public final class EmbeddedPostgres: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init; methods only run child processes.

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The directory that holds the cluster (`pg/`), its log and its socket directory.
    public let directory: URL
    public let port: Int
    /// Trade durability for speed (fsync off, no synchronous commit): for throwaway test clusters only.
    public let unsafeFast: Bool
    let binDirectory: URL
    let runAsPostgres: Bool

    public var dataDirectory: URL { directory.appendingPathComponent("pg") }
    public var logFile: URL { directory.appendingPathComponent("postgres.log") }
    /// The pid of the process that owns the running cluster (started or adopted it, and stops it).
    public var ownerFile: URL { directory.appendingPathComponent("owner.pid") }

    /// The directory of the server's socket: inside `directory` when its path is short enough for a Unix
    /// socket name (107 bytes), else under /tmp, named after `directory`.
    public var socketDirectory: String {
        let inside = directory.appendingPathComponent("run").path
        if inside.utf8.count <= 80 { return inside }
        var h: UInt64 = 1469598103934665603
        for b in directory.path.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return "/tmp/aidledger-\(String(h, radix: 36))"
    }

    public init(directory: String, port: Int = 5432, unsafeFast: Bool = false) throws {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        self.port = port
        self.unsafeFast = unsafeFast
        self.binDirectory = try EmbeddedPostgres.findBinaries()
        self.runAsPostgres = geteuid() == 0
    }

    /// libpq connection string for `database`.
    public func connectionString(database: String = "postgres") -> String {
        "host=\(socketDirectory) port=\(port) user=postgres dbname=\(database)"
    }

    public var isInitialized: Bool { FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) }

    public var isRunning: Bool {
        guard isInitialized else { return false }
        return (try? run("pg_ctl", ["-D", dataDirectory.path, "status"], allowFailure: true).status) == 0
    }

    /// Creates the cluster if needed and starts it if it is not running. Returns whether this process now owns
    /// it (and so should stop it): it started it, or it adopted a cluster left running by an owner that has
    /// died (a crashed daemon or CLI), so that no cluster is orphaned. A cluster whose owner is alive is used,
    /// not owned.
    @discardableResult
    public func start() throws -> Bool {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try withLock {
            if !isInitialized { try initialize() }
            if isRunning {
                // Adopted only when its recorded owner has died; one started by hand (no owner file) or by a live
                // process is used, not owned.
                guard let owner = currentOwner(), owner != getpid(), Glibc.kill(owner, 0) != 0, errno == ESRCH else { return false }
                try recordOwner()
                return true
            }
            try prepareOwnedPath(socketDirectory, directory: true)
            try prepareOwnedPath(logFile.path, directory: false)
            let result = try run("pg_ctl", ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "start"], allowFailure: true)
            guard result.status == 0 else {
                throw Failure(description: "PostgreSQL did not start (pg_ctl exit \(result.status)): \(result.output.suffix(400)); see \(logFile.path)")
            }
            try recordOwner()
            return true
        }
    }

    /// The pid in the owner file, if any.
    public func currentOwner() -> pid_t? {
        guard let text = try? String(contentsOf: ownerFile, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func recordOwner() throws {
        try Data("\(getpid())\n".utf8).write(to: ownerFile, options: .atomic)
    }

    /// Starts a watchdog that stops the cluster (fast shutdown) once this process has exited without stopping
    /// it — killed, crashed — provided the owner file still names this process. For the owner of a long-lived
    /// cluster (the daemon): the cluster never outlives it for more than about a second.
    public func stopWhenOwnerDies() throws {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let pid = getpid()
        let pgCtl = binDirectory.appendingPathComponent("pg_ctl").path
        let stop = (runAsPostgres ? "/usr/sbin/runuser -u postgres -- " : "") + "\(quote(pgCtl)) -D \(quote(dataDirectory.path)) -m fast -w stop"
        // A zombie counts as gone: its parent may be waiting for descriptors to close before it reaps it.
        let script = "while kill -0 \(pid) 2>/dev/null && [ \"$(sed 's/.*) //' /proc/\(pid)/stat 2>/dev/null | cut -c1)\" != Z ]; do sleep 0.5; done; "
            + "if [ \"$(cat \(quote(ownerFile.path)) 2>/dev/null)\" = \"\(pid)\" ]; then \(stop) >/dev/null 2>&1; rm -f \(quote(ownerFile.path)); fi"
        try Subprocess.spawnDetached(["/bin/sh", "-c", script])
    }

    /// Stops the cluster (fast shutdown: open transactions roll back, committed data is safe).
    public func stop() throws {
        guard isRunning else { try? FileManager.default.removeItem(at: ownerFile); return }
        let result = try run("pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"], allowFailure: true)
        guard result.status == 0 else { throw Failure(description: "pg_ctl stop failed: \(result.output.suffix(400))") }
        try? FileManager.default.removeItem(at: ownerFile)
    }

    /// Stops the cluster as if it crashed (immediate shutdown; the next start recovers from the WAL).
    public func kill() throws {
        guard isRunning else { return }
        _ = try run("pg_ctl", ["-D", dataDirectory.path, "-m", "immediate", "-w", "stop"], allowFailure: true)
    }

    /// Starts a watchdog that stops the cluster (immediate shutdown) once process `pid` has exited, however it
    /// exits, and then removes the cluster's directory if `removeDirectory`. For throwaway clusters (tests,
    /// benchmarks) that must not outlive their owner.
    public func stopWhenProcessExits(_ pid: pid_t, removeDirectory: Bool) throws {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let pgCtl = binDirectory.appendingPathComponent("pg_ctl").path
        let stop = (runAsPostgres ? "/usr/sbin/runuser -u postgres -- " : "") + "\(quote(pgCtl)) -D \(quote(dataDirectory.path)) -m immediate stop"
        let script = "while kill -0 \(pid) 2>/dev/null; do sleep 0.5; done; \(stop) >/dev/null 2>&1" + (removeDirectory ? "; rm -rf \(quote(directory.path))" : "")
        try Subprocess.spawnDetached(["/bin/sh", "-c", script])
    }

    func initialize() throws {
        try prepareOwnedPath(dataDirectory.path, directory: true)
        var args = ["-D", dataDirectory.path, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-instructions"]
        if unsafeFast { args.append("--no-sync") }
        let result = try run("initdb", args, allowFailure: true)
        guard result.status == 0 else { throw Failure(description: "initdb failed (exit \(result.status)): \(result.output.suffix(600))") }
        var conf = """

            # aidledger embedded cluster: Unix socket only, in its own directory.
            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory)'
            port = \(port)
            max_connections = 200
            wal_buffers = 32MB
            log_checkpoints = on
            synchronous_commit = on

            """
        if unsafeFast { conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" }
        let confPath = dataDirectory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: confPath)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(conf.utf8))
        try handle.close()
    }

    /// Creates `path` (a directory, or an empty file) and, when running as root, hands it to `postgres`.
    func prepareOwnedPath(_ path: String, directory isDirectory: Bool) throws {
        let fm = FileManager.default
        if isDirectory {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } else if !fm.fileExists(atPath: path) {
            _ = fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        if runAsPostgres {
            guard let pw = getpwnam("postgres") else { throw Failure(description: "running as root, but there is no 'postgres' system user to run PostgreSQL as") }
            guard chown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                throw Failure(description: "cannot give \(path) to the postgres user: \(String(cString: strerror(errno)))")
            }
            // The postgres user must be able to reach the path.
            var parent = URL(fileURLWithPath: path).deletingLastPathComponent()
            while parent.path != "/" {
                var st = stat()
                if stat(parent.path, &st) == 0, st.st_mode & 0o001 == 0 { chmod(parent.path, st.st_mode | 0o001) }
                parent = parent.deletingLastPathComponent()
            }
        }
    }

    /// Serializes start-up between processes sharing the directory.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = directory.appendingPathComponent(".lock").path
        let fd = open(lockPath, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw Failure(description: "cannot lock \(lockPath)") }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    struct RunResult {
        let status: Int32
        let output: String
    }

    /// Runs a PostgreSQL program, as the postgres user when we are root, from a directory it can read.
    func run(_ program: String, _ arguments: [String], allowFailure: Bool = false) throws -> RunResult {
        let executable = binDirectory.appendingPathComponent(program).path
        let argv = runAsPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
        let result = try Subprocess.run(argv)
        if !allowFailure && result.status != 0 {
            throw Failure(description: "\(program) failed (exit \(result.status)): \(result.output.suffix(400))")
        }
        return result
    }

    /// The directory with `initdb` and `pg_ctl`: `$AIDLEDGER_PG_BIN`, then PostgreSQL 15 and newer under
    /// /usr/lib/postgresql, then `PATH`.
    static func findBinaries() throws -> URL {
        let fm = FileManager.default
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["AIDLEDGER_PG_BIN"] { candidates.append(explicit) }
        if let versions = try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            for v in versions.compactMap(Int.init).sorted(by: >) where v >= 15 { candidates.append("/usr/lib/postgresql/\(v)/bin") }
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") { candidates.append(String(dir)) }
        for dir in candidates where fm.isExecutableFile(atPath: dir + "/initdb") && fm.isExecutableFile(atPath: dir + "/pg_ctl") {
            // PATH entries are often symlinks to the real bin directory; either works.
            return URL(fileURLWithPath: dir)
        }
        throw Failure(description: "PostgreSQL server programs (initdb, pg_ctl) not found; install postgresql-15 or set AIDLEDGER_PG_BIN")
    }
}

/// Runs a program and waits for it with `posix_spawn` and `waitpid`. Its output goes to a temporary file, not a
/// pipe: `pg_ctl start` leaves a server running that could hold a pipe open. (Foundation's `Process` was
/// seen to leave the child unreaped and wait forever here.)
enum Subprocess {
    /// Starts a program in its own session and does not wait for it (its output is discarded).
    static func spawnDetached(_ argv: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of the owner's: a pipe its parent reads to the end must not be held open by the watchdog.
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for fd in open where fd > 2 && fcntl(fd, F_GETFD) != -1 { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that signals to the owner's group (Ctrl-C, a test runner's kill) do not stop it.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let cargv = argv.map { strdup($0) } + [nil]
        defer { cargv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cargv, environ)
        guard spawned == 0 else { throw EmbeddedPostgres.Failure(description: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
    }

    static func run(_ command: [String]) throws -> EmbeddedPostgres.RunResult {
        // The child starts in "/", which the postgres user can always read (initdb and pg_ctl check their cwd).
        let argv = ["/bin/sh", "-c", "cd / && exec \"$@\"", "sh"] + command
        var template = Array("/tmp/aidledger-run-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw EmbeddedPostgres.Failure(description: "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd); unlink(path) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)

        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let cargv = argv.map { strdup($0) } + [nil]
        defer {
            envp.forEach { free($0) }
            cargv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cargv, envp)
        guard spawned == 0 else { throw EmbeddedPostgres.Failure(description: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw EmbeddedPostgres.Failure(description: "waitpid failed: \(String(cString: strerror(errno)))") }
        }
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return EmbeddedPostgres.RunResult(status: exitCode, output: output)
    }
}

import ArgumentParser
import CProcessTuning
import Foundation
import LedgerCore
import LedgerSamples
import LedgerServer

@main
struct AidLedgerDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aidledgerd",
        abstract: "The aidledger daemon: the HTTP/JSON API under /v1 for officers, inspectors and the public.",
        discussion: """
            Settings come from defaults, then --config FILE (see Config/aidledgerd.conf for every key), then \
            AIDLEDGERD_<KEY> environment variables, then these options. With no database configured the daemon \
            runs on its own PostgreSQL under the data directory and, on first start, creates a ledger, keys, API \
            tokens (<data-dir>/tokens/) and submits generated payments.
            """
    )

    @Option(name: .long, help: "Config file (key = value lines).")
    var config: String?

    @Option(name: .long, help: "Address to listen on (default 127.0.0.1).")
    var listenHost: String?

    @Option(name: .long, help: "Port to listen on (default 8080; 0 picks a free one, printed on stdout).")
    var listenPort: Int?

    @Option(name: .long, help: "Data directory (default .aidledger).")
    var dataDir: String?

    @Option(name: .long, help: "libpq connection string or URL (default: the embedded PostgreSQL under the data directory).")
    var database: String?

    func run() async throws {
        aidledger_keep_freed_memory()
        var c = ServerConfiguration()
        do {
            if let config { try c.load(file: config) }
            try c.loadEnvironment()
            if let listenHost { c.listenHost = listenHost }
            if let listenPort { try c.set("listen_port", String(listenPort), source: "--listen-port") }
            if let dataDir { c.dataDir = dataDir }
            if let database { c.database = database }
        } catch {
            FileHandle.standardError.write(Data("aidledgerd: \(error)\n".utf8))
            throw ExitCode(64)
        }
        // The embedded default's first start submits invented people's payments (LedgerSamples), so a new user
        // sees a working ledger at once.
        let sample = FirstStartSample(unit: Sample.homeUnit, program: Sample.program, period: "2025-autumn") { count in
            var rng = SplitMix64(seed: 1)
            return DemoData.boardingSubsidyPayments(count: count, unit: Sample.homeUnit, period: "2025-autumn", rng: &rng)
        }
        try await Daemon.run(c, firstStart: sample)
    }
}

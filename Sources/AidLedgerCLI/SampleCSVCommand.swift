import ArgumentParser
import LedgerSamples
import LedgerServices

struct SampleCSVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-csv",
        abstract: "Write a generated payment-batch CSV (the officers' format, Chinese headers; every person invented)."
    )
    @Option(name: .long, help: "Rows.")
    var payments: Int = 100
    @Option(name: .long, help: "Seed (the same seed gives the same file).")
    var seed: UInt64 = 1
    @Option(name: .long, help: "Unit code.")
    var unit: String = Sample.homeUnit
    @Option(name: .long, help: "Output file.")
    var out: String

    func run() throws {
        guard payments >= 1, payments <= 1_000_000 else { throw CLIError("--payments must be between 1 and 1000000") }
        try Files.write(out, Array(DemoCSV.batch(count: payments, unit: unit, seed: seed).utf8), mode: 0o600)
        print("wrote \(out): \(payments) payments for unit \(unit)")
    }
}

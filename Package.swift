// swift-tools-version: 6.1
import PackageDescription

// Module graph (one-way; docs/DESIGN.md draws it, and Tests/PackageGraphTests checks the rules below):
//
//   pure core      LedgerCrypto (COpenSSL) ─▶ LedgerCore (CScan) ─▶ LedgerVerify, LedgerImport, LedgerSamples;
//                  LedgerImport ─▶ LedgerCrossCheck (rules and standards as data, the rule engine, the report)
//   storage        PostgresClient (CLibPQ) ─▶ LedgerStore;  EmbeddedPostgres
//   application    LedgerServices: key files, database location, verification from the store, bundle export,
//                  ledger administration, submissions — what every face needs, written once
//   faces          AidLedgerCLI (aidledger), LedgerServer (aidledgerd); LedgerClient is the CLI's HTTP client
//   dev and tests  LedgerTestVectors (InMemoryLedger, the named ledgers), aidledger-dev (benchmarks, vectors)
//
// Rules: no face imports another face; pure modules never import the store; production targets never import
// test support or the dev tool; only the store runs SQL; only LedgerCrypto and PostgresClient touch C.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "aidledger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aidledger", targets: ["aidledger"]),
        .executable(name: "aidledgerd", targets: ["aidledgerd"]),
        .executable(name: "aidledger-dev", targets: ["aidledger-dev"]),
        .library(name: "LedgerCore", targets: ["LedgerCore"]),
        .library(name: "LedgerVerify", targets: ["LedgerVerify"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The daemon's HTTP server. Traits off: no swift-configuration, no full Foundation (shorter builds).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        // Already in Hummingbird's graph; named for graceful shutdown and structured logs.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Already in Hummingbird's graph; named for the handler that answers unparseable requests in JSON.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        // XLSX is a ZIP archive: written in memory for 公示 exports (SpreadsheetXLSX), deterministic timestamps.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // C libraries, each wrapped by one module.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "CScan"),
        .target(name: "CProcessTuning"),

        // Pure core: no I/O.
        .target(name: "LedgerCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "LedgerCore", dependencies: ["LedgerCrypto", "CScan"], swiftSettings: swiftSettings),
        .target(name: "LedgerVerify", dependencies: ["LedgerCore", "LedgerCrypto"], swiftSettings: swiftSettings),
        .target(name: "LedgerImport", dependencies: ["LedgerCore", "LedgerCrypto"], swiftSettings: swiftSettings),
        .target(name: "LedgerSamples", dependencies: ["LedgerCore"], swiftSettings: swiftSettings),
        // Cross-county verification: rules and standards as data, the rule engine, the report.
        .target(name: "LedgerCrossCheck", dependencies: ["LedgerCore", "LedgerCrypto", "LedgerImport"], swiftSettings: swiftSettings),
        .target(name: "SpreadsheetXLSX", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")], swiftSettings: swiftSettings),
        .target(name: "LedgerDisclosure", dependencies: ["LedgerCore", "LedgerCrypto", "LedgerVerify", "SpreadsheetXLSX"], swiftSettings: swiftSettings),

        // Storage.
        .target(name: "PostgresClient", dependencies: ["CLibPQ"], swiftSettings: swiftSettings),
        .target(name: "EmbeddedPostgres", swiftSettings: swiftSettings),
        .target(name: "LedgerStore", dependencies: ["LedgerCore", "LedgerCrypto", "PostgresClient"], resources: [.copy("Migrations")],
                swiftSettings: swiftSettings),

        // Application services, shared by the faces.
        .target(
            name: "LedgerServices",
            dependencies: ["LedgerCore", "LedgerCrypto", "LedgerVerify", "LedgerImport", "LedgerCrossCheck", "LedgerDisclosure", "LedgerSamples", "LedgerStore", "EmbeddedPostgres"],
            swiftSettings: swiftSettings
        ),

        // Faces.
        .target(name: "LedgerClient", dependencies: ["LedgerCore"], swiftSettings: swiftSettings),
        .target(
            name: "AidLedgerCLI",
            dependencies: [
                "LedgerServices", "LedgerCore", "LedgerCrypto", "LedgerVerify", "LedgerImport", "LedgerCrossCheck", "LedgerDisclosure", "LedgerStore", "LedgerSamples", "LedgerClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LedgerServer",
            dependencies: [
                "LedgerServices", "LedgerCore", "LedgerCrypto", "LedgerVerify", "LedgerImport", "LedgerStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "aidledger", dependencies: ["AidLedgerCLI", "CProcessTuning"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "aidledgerd",
            dependencies: ["LedgerServer", "LedgerSamples", "LedgerCore", "CProcessTuning",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),

        // Developer tools and test support: never linked by a production target.
        .target(name: "LedgerTestVectors", dependencies: ["LedgerCore", "LedgerCrypto", "LedgerSamples"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "aidledger-dev",
            dependencies: [
                "LedgerServices", "LedgerTestVectors", "LedgerSamples", "LedgerCore", "LedgerCrypto", "LedgerVerify", "LedgerDisclosure", "LedgerStore", "LedgerClient",
                "EmbeddedPostgres", "CProcessTuning", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "TestSupport", dependencies: ["LedgerCore", "LedgerCrypto", "PostgresClient", "EmbeddedPostgres", "LedgerStore"], path: "Tests/TestSupport",
                swiftSettings: swiftSettings),

        .testTarget(name: "LedgerCrossCheckTests", dependencies: ["LedgerCrossCheck", "LedgerCore", "LedgerCrypto", "LedgerImport", "LedgerSamples", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerDisclosureTests", dependencies: ["LedgerDisclosure", "SpreadsheetXLSX", "LedgerCore", "LedgerCrypto", "LedgerVerify", "LedgerSamples", "LedgerTestVectors", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerImportTests", dependencies: ["LedgerImport", "LedgerCore"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "LedgerCrossCheck", "LedgerCore", "LedgerCrypto", "LedgerSamples", "LedgerTestVectors", "LedgerVerify", "LedgerServices", "PostgresClient", "EmbeddedPostgres", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerCryptoTests", dependencies: ["LedgerCrypto", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerCrypto", "LedgerSamples", "LedgerTestVectors", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerVerifyTests", dependencies: ["LedgerVerify", "LedgerCore", "LedgerCrypto", "LedgerSamples", "LedgerTestVectors", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerServerTests", dependencies: ["LedgerClient", "LedgerCore", "LedgerCrypto", "LedgerSamples", "LedgerVerify", "LedgerStore", "LedgerServices", "PostgresClient", "EmbeddedPostgres", "LedgerServer", "TestSupport", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird")], swiftSettings: swiftSettings),
        .testTarget(name: "AidLedgerCLITests", dependencies: ["AidLedgerCLI", "LedgerCore", "LedgerCrypto", "LedgerSamples", "LedgerVerify", "LedgerImport", "LedgerServices", "PostgresClient", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "PackageGraphTests", dependencies: ["TestSupport"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.1
import PackageDescription

// Module graph (one-way):
//   COpenSSL ─▶ LedgerCrypto ─▶ LedgerCore ─▶ LedgerVerify, LedgerDemo ─▶ AidLedgerCLI ─▶ aidledger
//   CLibPQ ─▶ PostgresClient ─▶ LedgerStore ─▶ AidLedgerCLI, LedgerServer ─▶ aidledgerd
//   LedgerClient (a small blocking HTTP/1.1 client) ─▶ AidLedgerCLI (`--server`), tests, benchmarks
let package = Package(
    name: "aidledger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aidledger", targets: ["aidledger"]),
        .executable(name: "aidledgerd", targets: ["aidledgerd"]),
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
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "LedgerCrypto", dependencies: ["COpenSSL"]),
        .target(name: "CScan"),
        .target(name: "LedgerCore", dependencies: ["LedgerCrypto", "CScan"]),
        .target(name: "LedgerVerify", dependencies: ["LedgerCore", "LedgerCrypto"]),
        .target(name: "LedgerDemo", dependencies: ["LedgerCore"]),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
        .target(name: "LedgerImport", dependencies: ["LedgerCore"]),
        .target(name: "EmbeddedPostgres"),
        .target(name: "LedgerStore", dependencies: ["LedgerCore", "PostgresClient"], resources: [.copy("Migrations")]),
        .target(
            name: "AidLedgerCLI",
            dependencies: [
                "LedgerCore", "LedgerCrypto", "LedgerVerify", "LedgerDemo", "LedgerStore", "LedgerImport", "PostgresClient", "EmbeddedPostgres",
                "LedgerClient", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "LedgerClient", dependencies: ["LedgerCore"]),
        .target(
            name: "LedgerServer",
            dependencies: [
                "LedgerCore", "LedgerCrypto", "LedgerVerify", "LedgerDemo", "LedgerStore", "LedgerImport", "PostgresClient", "EmbeddedPostgres",
                "AidLedgerCLI", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "aidledgerd", dependencies: ["LedgerServer", "CProcessTuning", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "CProcessTuning"),
        .executableTarget(name: "aidledger", dependencies: ["AidLedgerCLI", "CProcessTuning"]),
        .target(name: "TestSupport", dependencies: ["LedgerCore", "PostgresClient", "EmbeddedPostgres", "LedgerStore"], path: "Tests/TestSupport"),
        .testTarget(name: "LedgerImportTests", dependencies: ["LedgerImport", "LedgerCore"]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "LedgerCore", "LedgerDemo", "LedgerVerify", "PostgresClient", "EmbeddedPostgres", "TestSupport"]),
        .testTarget(name: "LedgerCryptoTests", dependencies: ["LedgerCrypto", "TestSupport"]),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerCrypto", "TestSupport"]),
        .testTarget(name: "LedgerVerifyTests", dependencies: ["LedgerVerify", "LedgerCore", "LedgerCrypto", "LedgerDemo", "TestSupport"]),
        .testTarget(name: "LedgerServerTests", dependencies: ["LedgerClient", "LedgerCore", "LedgerCrypto", "LedgerDemo", "LedgerVerify", "LedgerStore", "PostgresClient", "EmbeddedPostgres", "AidLedgerCLI", "LedgerServer", "TestSupport"]),
        .testTarget(name: "AidLedgerCLITests", dependencies: ["AidLedgerCLI", "LedgerCore", "LedgerCrypto", "LedgerDemo", "LedgerVerify", "LedgerImport", "PostgresClient", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

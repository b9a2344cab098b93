// swift-tools-version: 6.1
import PackageDescription

// Dependencies point one way (see docs/architecture.md): RemedyCore depends on nothing of ours, RemedyEngine is the
// one composition root, and each third-party library enters through one module. The benchmarks are a package of
// their own (Benchmarks/Package.swift), so building and testing remedy does not compile them; the libraries below
// are what they use.
let package = Package(
    name: "remedy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "remedy", targets: ["remedy"]),
        .library(name: "RemedyCore", targets: ["RemedyCore"]),
        .library(name: "RemedyPlaybooks", targets: ["RemedyPlaybooks"]),
        .library(name: "RemedyAWS", targets: ["RemedyAWS"]),
        .library(name: "RemedyActions", targets: ["RemedyActions"]),
        .library(name: "RemedyExecutor", targets: ["RemedyExecutor"]),
        .library(name: "RemedyEngine", targets: ["RemedyEngine"]),
        .library(name: "RemedyJournal", targets: ["RemedyJournal"]),
        .library(name: "RemedyServer", targets: ["RemedyServer"]),
        .library(name: "RemedyExercise", targets: ["RemedyExercise"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .target(name: "RemedyCore"),
        .target(
            name: "RemedyPlaybooks",
            dependencies: ["RemedyCore", .product(name: "Yams", package: "Yams")],
            // The catalogues `remedy coverage` measures against, shipped with the binary.
            resources: [.copy("Coverage/Reference")]
        ),
        .target(
            name: "RemedyAWS",
            dependencies: [
                "RemedyCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(name: "RemedyActions", dependencies: ["RemedyCore", "RemedyAWS"]),
        .target(name: "RemedyExecutor", dependencies: ["RemedyCore"]),
        // The composition root: what plans and acts, assembled once for every command, the server and exercises.
        .target(name: "RemedyEngine", dependencies: ["RemedyCore", "RemedyAWS", "RemedyActions", "RemedyExecutor"]),
        .target(
            name: "RemedyJournal",
            dependencies: [
                "RemedyCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own C API for what GRDB does not wrap: the WAL hook that schedules checkpoints off the
                // writer's path, and SQLite's memory counters (Darwin has them in the system's SQLite3 module).
                .product(name: "GRDBSQLite", package: "GRDB.swift", condition: .when(platforms: [.linux])),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "RemedyServer",
            dependencies: [
                "RemedyCore",
                "RemedyPlaybooks",
                "RemedyAWS",
                "RemedyActions",
                "RemedyExecutor",
                "RemedyEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "RemedyExercise",
            dependencies: [
                "RemedyCore", "RemedyExecutor", "RemedyPlaybooks", "RemedyAWS", "RemedyActions", "RemedyEngine",
            ]
        ),
        .target(
            name: "RemedyCLI",
            dependencies: [
                "RemedyCore",
                "RemedyPlaybooks",
                "RemedyAWS",
                "RemedyActions",
                "RemedyExecutor",
                "RemedyEngine",
                "RemedyJournal",
                "RemedyServer",
                "RemedyExercise",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "remedy", dependencies: ["RemedyCLI"]),
        .target(
            name: "RemedyTestSupport",
            dependencies: [
                "RemedyCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/RemedyTestSupport"
        ),
        .testTarget(name: "RemedyCoreTests", dependencies: ["RemedyCore", "RemedyTestSupport"]),
        .testTarget(
            name: "RemedyPlaybooksTests",
            dependencies: ["RemedyCore", "RemedyPlaybooks", "RemedyActions", "RemedyTestSupport"]
        ),
        .testTarget(
            name: "RemedyExecutorTests",
            dependencies: [
                "RemedyCore", "RemedyExecutor", "RemedyPlaybooks", "RemedyActions", "RemedyJournal",
                "RemedyTestSupport",
            ]
        ),
        .testTarget(
            name: "RemedyCLITests",
            dependencies: [
                "RemedyCLI", "RemedyCore", "RemedyEngine", "RemedyActions", "RemedyAWS", "RemedyJournal",
                "RemedyPlaybooks", "RemedyTestSupport",
            ]
        ),
        .testTarget(
            name: "RemedyAWSTests",
            // The actions' moto tests live here too: moto's auth switch is server-wide, so every test that uses
            // moto belongs to one serialized suite.
            dependencies: [
                "RemedyCore", "RemedyAWS", "RemedyActions", "RemedyJournal", "RemedyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "RemedyJournalTests",
            dependencies: [
                "RemedyCore", "RemedyJournal", "RemedyTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "RemedyServerTests",
            dependencies: [
                "RemedyServer", "RemedyCore", "RemedyEngine", "RemedyExecutor", "RemedyJournal", "RemedyActions",
                "RemedyAWS", "RemedyPlaybooks", "RemedyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "RemedyExerciseTests",
            dependencies: [
                "RemedyExercise", "RemedyCore", "RemedyPlaybooks", "RemedyAWS", "RemedyJournal", "RemedyCLI",
                "RemedyTestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.1
import PackageDescription

// The benchmarks, apart from the product: `swift build --package-path Benchmarks -c release --product NAME`
// (docs/benchmarks.md). They use remedy's libraries by path, as any client would, and only their public API.
let package = Package(
    name: "remedy-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "remedy", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "SigV4Benchmark",
            dependencies: [.product(name: "RemedyAWS", package: "remedy")],
            path: "SigV4"
        ),
        .executableTarget(
            name: "JournalBenchmark",
            dependencies: [
                .product(name: "RemedyCore", package: "remedy"), .product(name: "RemedyJournal", package: "remedy"),
            ],
            path: "Journal"
        ),
        .executableTarget(
            name: "ExecutorBenchmark",
            dependencies: [
                .product(name: "RemedyCore", package: "remedy"),
                .product(name: "RemedyPlaybooks", package: "remedy"),
                .product(name: "RemedyAWS", package: "remedy"),
                .product(name: "RemedyActions", package: "remedy"),
                .product(name: "RemedyExecutor", package: "remedy"),
                .product(name: "RemedyJournal", package: "remedy"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Executor"
        ),
        .executableTarget(
            name: "ServeBenchmark",
            dependencies: [
                .product(name: "RemedyCore", package: "remedy"),
                .product(name: "RemedyPlaybooks", package: "remedy"),
                .product(name: "RemedyAWS", package: "remedy"),
                .product(name: "RemedyActions", package: "remedy"),
                .product(name: "RemedyExecutor", package: "remedy"),
                .product(name: "RemedyEngine", package: "remedy"),
                .product(name: "RemedyJournal", package: "remedy"),
                .product(name: "RemedyServer", package: "remedy"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Serve"
        ),
        .executableTarget(
            name: "ExerciseBenchmark",
            dependencies: [
                .product(name: "RemedyExercise", package: "remedy"),
                .product(name: "RemedyJournal", package: "remedy"),
                .product(name: "RemedyCore", package: "remedy"),
                .product(name: "RemedyPlaybooks", package: "remedy"),
            ],
            path: "Exercise"
        ),
    ],
    swiftLanguageModes: [.v6]
)

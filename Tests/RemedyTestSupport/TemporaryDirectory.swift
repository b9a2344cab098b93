import Foundation

/// A fresh directory under the system temporary directory, for tests that need real files.
public struct TemporaryDirectory: Sendable {
    /// The directory's absolute path, without a trailing slash.
    public let path: String

    /// Writes `contents` to `name` inside the directory (creating subdirectories) and returns the file's path.
    @discardableResult
    public func write(_ name: String, _ contents: String, executable: Bool = false) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        return file
    }

    /// The absolute path of `name` inside the directory (which need not exist).
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// Runs `body` with a new ``TemporaryDirectory`` and removes it afterwards, whatever happens.
public func withTemporaryDirectory<Result>(
    _ body: (TemporaryDirectory) async throws -> Result
) async throws -> Result {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("remedy-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(TemporaryDirectory(path: path))
}

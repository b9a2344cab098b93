import Foundation
import RemedyCore

/// The playbooks remedy has loaded, with every problem found while loading them.
public struct PlaybookLibrary: Sendable {
    public var playbooks: [Playbook]
    public var diagnostics: [Diagnostic]

    public init(playbooks: [Playbook], diagnostics: [Diagnostic]) {
        self.playbooks = playbooks
        self.diagnostics = diagnostics
    }

    /// Loads `.yaml` and `.yml` files from the given files and directories (directories are not recursed into), in
    /// name order, and validates each against the catalogue.
    ///
    /// A playbook with errors is left out of `playbooks`.
    public static func load(paths: [String], catalog: ActionCatalog) -> PlaybookLibrary {
        var playbooks: [Playbook] = []
        var diagnostics: [Diagnostic] = []
        var namesSeen: [String: SourceLocation] = [:]
        let parser = PlaybookParser()
        let validator = PlaybookValidator(catalog: catalog)
        for file in playbookFiles(in: paths, diagnostics: &diagnostics) {
            let text: String
            do {
                text = try SourceFile.read(file)
            } catch {
                diagnostics.append(.error(error.message, at: SourceLocation(file: file, line: 1, column: 1)))
                continue
            }
            let (parsed, parseDiagnostics) = parser.parse(text, file: file)
            diagnostics += parseDiagnostics
            guard let playbook = parsed else { continue }
            let validation = validator.validate(playbook)
            diagnostics += validation
            if let earlier = namesSeen[playbook.name], !playbook.name.isEmpty {
                diagnostics.append(
                    .error("playbook name '\(playbook.name)' is also used at \(earlier)", at: playbook.location)
                )
                continue
            }
            if let location = playbook.location { namesSeen[playbook.name] = location }
            if !(parseDiagnostics + validation).containsErrors { playbooks.append(playbook) }
        }
        return PlaybookLibrary(playbooks: playbooks, diagnostics: diagnostics.sortedByLocation())
    }

    static func playbookFiles(in paths: [String], diagnostics: inout [Diagnostic]) -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(
                    .error("no such file or directory", at: SourceLocation(file: path, line: 1, column: 1))
                )
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let entries = (try? manager.contentsOfDirectory(atPath: path)) ?? []
            let base = path.hasSuffix("/") ? path : path + "/"
            files += entries.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { base + $0 }
        }
        return files
    }
}

/// Reads input files with the size limit that applies to everything remedy parses.
public enum SourceFile {
    public static let maximumBytes = 1 << 20

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The file's bytes.
    ///
    /// `-` reads standard input. Refuses more than 1 MiB without reading it all.
    public static func readBytes(_ path: String) throws(ReadError) -> [UInt8] {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw ReadError(message: "cannot open \(path): no such file or not readable")
            }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        do {
            let data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
            guard data.count <= maximumBytes else {
                throw ReadError(message: "\(path) is over the limit of \(maximumBytes) bytes; refused")
            }
            return [UInt8](data)
        } catch let error as ReadError {
            throw error
        } catch {
            throw ReadError(message: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// The file as UTF-8 text.
    public static func read(_ path: String) throws(ReadError) -> String {
        let bytes = try readBytes(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ReadError(message: "\(path) is not UTF-8 text")
        }
        return text
    }
}

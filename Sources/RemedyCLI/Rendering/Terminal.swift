import Foundation

/// Writes lines to standard output or standard error.
struct Terminal: Sendable {
    private let handle: FileHandle

    static let standardOutput = Terminal(handle: .standardOutput)
    static let standardError = Terminal(handle: .standardError)

    func write(_ line: String) {
        handle.write(Data((line + "\n").utf8))
    }

    /// Whether a person is at the keyboard: standard input and output are both terminals.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }
}

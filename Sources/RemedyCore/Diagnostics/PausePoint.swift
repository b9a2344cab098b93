import Foundation

/// Named places where crash tests stop a `remedy` process in order to kill it there with `kill -9`.
///
/// With `REMEDY_TEST_PAUSE_AT=<name>` in its environment, a debug build that reaches the point prints
/// `remedy: paused at <name>` to standard error and blocks for good. Release builds compile the check away.
public enum PausePoint {
    /// Stops here for good when the environment names this point (debug builds only).
    @inline(__always)
    public static func reach(_ name: @autoclosure () -> String) {
        #if DEBUG
        guard let target, target == name() else { return }
        FileHandle.standardError.write(Data("remedy: paused at \(target)\n".utf8))
        while true { sleep(60) }
        #endif
    }

    #if DEBUG
    private static let target = ProcessInfo.processInfo.environment["REMEDY_TEST_PAUSE_AT"]
    #endif
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files only their owner may read (mode 0600): the journal, its WAL and shared-memory files, and the signing key.
///
/// They are created with that mode by `open(2)` itself, so no byte is ever readable by others, however the umask is
/// set; SQLite gives the WAL and shared-memory files the database file's mode.
enum PrivateFile {
    static let mode: mode_t = 0o600

    /// Creates `path` with mode 0600 holding `contents`; fails if it exists (never follows a link there).
    static func create(_ path: String, contents: [UInt8]) throws(JournalError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot create", path) }
        defer { close(descriptor) }
        try restrict(descriptor, path)
        var written = 0
        while written < contents.count {
            let count = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw failure("cannot write", path) }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw failure("cannot sync", path) }
    }

    /// Makes sure `path` exists with mode 0600: creates it empty, or takes away what others could do with a file
    /// an earlier version created more open.
    static func ensure(_ path: String) throws(JournalError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot open", path) }
        defer { close(descriptor) }
        try restrict(descriptor, path)
    }

    /// Sets mode 0600 (a umask may have made it stricter, an earlier version looser) and checks that it took.
    private static func restrict(_ descriptor: Int32, _ path: String) throws(JournalError) {
        var status = stat()
        guard fchmod(descriptor, mode) == 0, fstat(descriptor, &status) == 0, status.st_mode & 0o777 == mode else {
            throw failure("cannot make private (mode 600)", path)
        }
    }

    private static func failure(_ what: String, _ path: String) -> JournalError {
        JournalError("\(what) \(path): \(String(cString: strerror(errno)))")
    }
}

import Foundation

/// A file's lines, read in chunks: an export of a server's journal is gigabytes, and is verified without holding it.
struct FileLines {
    /// The bytes of one line, without its newline (a CRLF line keeps its carriage return, which JSON reads as white
    /// space), and its number in the file (from 1).
    struct Line {
        var number: Int
        var bytes: ArraySlice<UInt8>
    }

    private let handle: FileHandle
    private let chunkSize: Int
    private let maximumLineBytes: Int
    private var buffer: [UInt8] = []
    /// Where the next line starts in `buffer`, and how far from there a newline has already been looked for.
    private var lineStart = 0
    private var searched = 0
    private var atEnd = false
    private var lineNumber = 0

    /// Refuses a line longer than `maximumLineBytes` instead of reading on: a file without newlines must not fill
    /// memory.
    init(path: String, chunkSize: Int = 1 << 20, maximumLineBytes: Int) throws(JournalError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw JournalError("cannot read \(path)") }
        self.handle = handle
        self.chunkSize = max(1, chunkSize)
        self.maximumLineBytes = maximumLineBytes
    }

    /// The next line, or nil after the last; a last line without a newline counts.
    mutating func next() throws(JournalError) -> Line? {
        while true {
            let newline = buffer[(lineStart + searched)...].firstIndex(of: UInt8(ascii: "\n"))
            searched = (newline ?? buffer.count) - lineStart
            guard searched <= maximumLineBytes else {
                throw JournalError("line \(lineNumber + 1) is longer than \(maximumLineBytes) bytes")
            }
            if let newline { return take(upTo: newline, skippingNewline: true) }
            if atEnd { return lineStart < buffer.count ? take(upTo: buffer.count, skippingNewline: false) : nil }
            buffer.removeSubrange(0..<lineStart)
            lineStart = 0
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: chunkSize)
            } catch {
                throw JournalError("reading line \(lineNumber + 1) failed: \(error.localizedDescription)")
            }
            if let chunk, !chunk.isEmpty { buffer.append(contentsOf: chunk) } else { atEnd = true }
        }
    }

    private mutating func take(upTo end: Int, skippingNewline: Bool) -> Line {
        lineNumber += 1
        let line = Line(number: lineNumber, bytes: buffer[lineStart..<end])
        lineStart = skippingNewline ? end + 1 : end
        searched = 0
        return line
    }
}

/// Splits a command line into words the way Python's `shlex.split` (POSIX mode) does, which botocore uses for
/// `credential_process`.
///
/// Whitespace separates words; `'…'` keeps everything literally; inside `"…"` a backslash escapes only `"` and
/// `\`; outside quotes a backslash escapes any character; adjacent quoted and unquoted parts join into one word.
/// There is no variable expansion, globbing or `#` comment, and nothing runs through a shell.
enum CommandLineWords {
    struct SyntaxError: Error, Equatable {
        var reason: String
    }

    static func split(_ line: String) throws(SyntaxError) -> [String] {
        enum State {
            case between
            case word
            case single
            case double
        }
        var words: [String] = []
        var current = ""
        var state = State.between
        var iterator = line.makeIterator()

        while let character = iterator.next() {
            switch state {
            case .between, .word:
                if character == " " || character == "\t" || character == "\n" || character == "\r" {
                    if state == .word { words.append(current) }
                    current = ""
                    state = .between
                } else if character == "'" {
                    state = .single
                } else if character == "\"" {
                    state = .double
                } else if character == "\\" {
                    guard let escaped = iterator.next() else { throw SyntaxError(reason: "trailing backslash") }
                    current.append(escaped)
                    state = .word
                } else {
                    current.append(character)
                    state = .word
                }
            case .single:
                if character == "'" { state = .word } else { current.append(character) }
            case .double:
                if character == "\"" {
                    state = .word
                } else if character == "\\" {
                    guard let next = iterator.next() else { throw SyntaxError(reason: "no closing quotation") }
                    if next != "\"" && next != "\\" { current.append("\\") }
                    current.append(next)
                } else {
                    current.append(character)
                }
            }
        }
        switch state {
        case .single, .double: throw SyntaxError(reason: "no closing quotation")
        case .word: words.append(current)
        case .between: break
        }
        return words
    }
}

import RemedyCore
import Yams

/// A YAML document read for a playbook, scenario or config, with its nodes' positions and bounded in size.
///
/// Yams shares the nodes an alias points at, so a "billion laughs" document composes in linear memory; walking it
/// is what would explode, so every walk goes through `YAMLWalker`, which counts nodes and depth.
struct YAMLSource {
    /// Largest document accepted, in bytes.
    static let maximumBytes = 1 << 20

    let file: String
    let root: Node

    /// Composes `text`, or returns the diagnostic that says why it is not YAML remedy can read.
    static func compose(_ text: String, file: String) -> Result<YAMLSource, DiagnosticsError> {
        guard text.utf8.count <= maximumBytes else {
            return .failure(
                DiagnosticsError([
                    .error(
                        "file is \(text.utf8.count) bytes, over the limit of \(maximumBytes) bytes",
                        at: SourceLocation(file: file, line: 1, column: 1)
                    )
                ])
            )
        }
        do {
            guard let root = try Yams.compose(yaml: text) else {
                return .failure(
                    DiagnosticsError([.error("the file is empty", at: SourceLocation(file: file, line: 1, column: 1))])
                )
            }
            return .success(YAMLSource(file: file, root: root))
        } catch let error as YamlError {
            return .failure(DiagnosticsError([diagnostic(for: error, file: file)]))
        } catch {
            return .failure(
                DiagnosticsError([
                    .error("cannot read YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
                ])
            )
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text), " } ?? ""
            return .error(
                "invalid YAML: \(prefix)\(problem)",
                at: SourceLocation(file: file, line: mark.line, column: mark.column)
            )
        case .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text), " } ?? ""
            return .error(
                "invalid YAML: \(prefix)\(problem)",
                at: SourceLocation(file: file, line: mark.line, column: mark.column)
            )
        default:
            return .error("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}

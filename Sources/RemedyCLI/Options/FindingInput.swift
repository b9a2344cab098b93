import ArgumentParser
import RemedyCore
import RemedyPlaybooks

/// The finding argument of `plan` and `run`.
enum FindingInput {
    /// The findings in `path` (`-` for standard input); a refusal is printed with its reason and fails the command.
    static func read(_ path: String) throws -> [Finding] {
        do {
            return try FindingDecoder().decode(try SourceFile.readBytes(path))
        } catch let error as FindingInputError {
            Terminal.standardError.write("error: \(path): \(error.message)")
        } catch {
            Terminal.standardError.write("error: \(error)")
        }
        throw ExitCode.failure
    }
}

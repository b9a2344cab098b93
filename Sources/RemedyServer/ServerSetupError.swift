/// Why the server could not start: a configuration problem, said in terms of the configuration.
public struct ServerSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

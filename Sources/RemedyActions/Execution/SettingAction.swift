import RemedyAWS
import RemedyCore

/// The shape most hardening actions share: read a resource's settings, change those that fall short of what the
/// control asks, read them back, and on undo write back what was there.
///
/// A conforming action says which resource, which settings and how to read and write them; execute, probe,
/// verify and undo come from here. Only the settings that fall short are written, their values before are
/// journaled before the first change, and undo writes back exactly those.
public protocol SettingAction: ExecutableAction {
    /// The typed client the action speaks through.
    associatedtype Client: Sendable

    static func client(_ clients: ServiceClients) throws(ActionFailure) -> Client
    /// The resource the step changes, from its parameters.
    static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String
    /// What the control asks of each setting, by the setting's name.
    static func wanted(_ parameters: ActionParameters) throws(ActionFailure) -> [String: JSONValue]
    /// Whether a setting's value (`null` when unset) already meets what is asked; equality unless the action says
    /// otherwise (a minimum, any key rather than one).
    static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool
    /// The current values of the settings `wanted` names (`null` for one that is unset).
    static func read(_ resource: String, with client: Client) async throws(AWSError) -> [String: JSONValue]
    /// Writes `settings`; a `null` value unsets the setting (undo of one that was unset).
    static func write(
        _ settings: [String: JSONValue],
        to resource: String,
        with client: Client
    ) async throws(AWSError)
}

extension SettingAction {
    /// The output every setting action has.
    public static var changedOutput: OutputSpec {
        OutputSpec("changed", .list(.string), nullable: true, summary: "the settings the step changed")
    }

    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        current == wanted
    }

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let (resource, client, wanted, current) = try await state(parameters, in: context)
        let changes = wanted.filter { !meets(current[$0.key] ?? .null, $0.value, setting: $0.key) }
        // Already as asked: nothing changes, and there is nothing to undo.
        guard !changes.isEmpty else { return ActionResult(outputs: ["changed": []]) }
        let prior = JSONValue.object(Dictionary(uniqueKeysWithValues: changes.keys.map { ($0, current[$0] ?? .null) }))
        try await context.recordPriorState(prior)
        try await mutatingCall { () async throws(AWSError) in try await write(changes, to: resource, with: client) }
        return ActionResult(
            outputs: ["changed": .array(changes.keys.sorted().map(JSONValue.string))],
            priorState: prior
        )
    }

    /// Done when every setting meets what is asked, whoever made it so.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let (_, _, wanted, current) = try await state(parameters, in: context)
        guard wanted.allSatisfy({ meets(current[$0.key] ?? .null, $0.value, setting: $0.key) }) else {
            return .notDone
        }
        return .done(ActionResult(outputs: ["changed": .null], verified: true))
    }

    /// The step's resource and client, what it asks, and the settings as they are now.
    static func state(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure) -> (
        resource: String, client: Client, wanted: [String: JSONValue], current: [String: JSONValue]
    ) {
        let resource = try resource(parameters)
        let client = try client(context.clients)
        let wanted = try wanted(parameters)
        let current = try await readingCall { () async throws(AWSError) in try await read(resource, with: client) }
        return (resource, client, wanted, current)
    }

    /// Writes back the values the step changed, and only those.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        guard case .object(let prior) = priorState, !prior.isEmpty else { return }
        let resource = try resource(parameters)
        let client = try client(context.clients)
        try await mutatingCall { () async throws(AWSError) in try await write(prior, to: resource, with: client) }
    }
}

/// One protection a setting action can be asked for: its boolean parameter, the API's setting and the value asked.
public typealias AskedSetting = (parameter: String, setting: String, value: JSONValue)

extension ActionParameters {
    /// The settings of `asks` whose parameter is `true`.
    ///
    /// Asking for none is refused rather than read as "turn them off": these actions only ever turn protections on.
    func asked(_ asks: [AskedSetting], by action: String) throws(ActionFailure) -> [String: JSONValue] {
        let chosen = asks.filter { values[$0.parameter] == true }
        guard !chosen.isEmpty else {
            throw ActionFailure(
                .permanent,
                code: "NothingAsked",
                message: "\(action) needs at least one of \(asks.map(\.parameter).joined(separator: ", ")) set to true"
            )
        }
        return Dictionary(uniqueKeysWithValues: chosen.map { ($0.setting, $0.value) })
    }
}

/// Query-protocol settings travel as text: typed for comparison (numbers, `true`/`false`) and back.
enum QueryValues {
    static func typed(_ settings: [String: String]) -> [String: JSONValue] {
        settings.mapValues { text in Int(text).map { .number(Double($0)) } ?? .bool(text == "true") }
    }

    static func text(_ settings: [String: JSONValue]) -> [String: String] {
        settings.mapValues { value in value.doubleValue.map { String(Int($0)) } ?? (value == true ? "true" : "false") }
    }
}

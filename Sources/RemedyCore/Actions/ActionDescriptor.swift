/// What the catalogue says about an action: its parameters, outputs, permissions and effects.
///
/// Validation and planning need only this; execution belongs to the action types in RemedyActions.
public struct ActionDescriptor: Sendable, Hashable {
    /// Dotted name: `ec2.quarantine`.
    public var name: String
    public var summary: String
    public var parameters: [ParameterSpec]
    public var outputs: [OutputSpec]
    /// IAM actions the target role needs (`ec2:ModifyInstanceAttribute`).
    public var permissions: [String]
    /// Changes something in the account (the transport refuses it in dry-run).
    public var isMutating: Bool
    /// Can be reversed by `remedy undo` from prior state captured in the journal.
    public var isReversible: Bool
    /// Interrupts a workload or locks people out (stop, quarantine, deny-all): `require_approval_for: destructive`
    /// demands an approval gate before it.
    public var isDisruptive: Bool
    /// A call repeated while an earlier one may still be in flight creates a second copy (`CreateSnapshots` takes no
    /// idempotency token): a probe after a crash waits until an in-flight call can no longer take effect
    /// (`ActionInvoker.settlingTime`) before it may say "not done".
    public var callsCanDuplicate: Bool
    /// Where the action's calls are tested on the wire (`remedy actions NAME` says it).
    public var testedAgainst: TestBed

    /// Where an action's AWS calls are tested.
    public enum TestBed: Sendable, Hashable {
        /// moto's server, with signature checking on.
        case moto
        /// A loopback stub that checks every request against the botocore model and answers as the API does,
        /// because moto lacks (or was not probed for) the operations.
        case botocoreStub(because: String)
        /// The action makes no AWS call; how it is tested instead.
        case withoutAWS(String)
    }

    public init(
        name: String,
        summary: String,
        parameters: [ParameterSpec] = [],
        outputs: [OutputSpec] = [],
        permissions: [String] = [],
        isMutating: Bool,
        isReversible: Bool = false,
        isDisruptive: Bool = false,
        callsCanDuplicate: Bool = false,
        testedAgainst: TestBed = .moto
    ) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.outputs = outputs
        self.permissions = permissions
        self.isMutating = isMutating
        self.isReversible = isReversible
        self.isDisruptive = isDisruptive
        self.callsCanDuplicate = callsCanDuplicate
        self.testedAgainst = testedAgainst
    }

    public func parameter(named name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
    public func output(named name: String) -> OutputSpec? { outputs.first { $0.name == name } }
}

/// A parameter an action takes.
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    public var isRequired: Bool
    public var defaultValue: JSONValue?
    public var summary: String

    public init(
        _ name: String,
        _ type: ValueType,
        required isRequired: Bool = true,
        default defaultValue: JSONValue? = nil,
        summary: String
    ) {
        self.name = name
        self.type = type
        self.isRequired = isRequired && defaultValue == nil
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

/// A value an action produces, readable by later steps as `steps.<id>.<name>`.
public struct OutputSpec: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    public var summary: String
    /// Whether the output is null when there is nothing to report (no profile to detach): actions never say
    /// "nothing" with an empty string, so `steps.x.name != null` is the guard for a later step.
    public var isNullable: Bool

    public init(_ name: String, _ type: ValueType, nullable: Bool = false, summary: String) {
        self.name = name
        self.type = type
        self.isNullable = nullable
        self.summary = summary
    }
}

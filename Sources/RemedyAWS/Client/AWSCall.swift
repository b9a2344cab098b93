/// One API call as the client sends it: the wire parts, and what the call does to the account.
public struct AWSCall: Sendable {
    /// What a call does, which decides whether dry-run allows it and whether a retry is safe.
    public enum Effect: Sendable, Hashable {
        /// Reads only.
        case readOnly
        /// Changes the account. `idempotent` calls (setting a value, with a client token) may be retried after a
        /// transient failure; others only after throttling, which AWS answers before acting.
        case mutating(idempotent: Bool)

        public var isMutating: Bool { self != .readOnly }
    }

    /// What dry-run does with a mutating call.
    public enum DryRunPolicy: Sendable, Hashable {
        /// On EC2, sent with `DryRun=true`: AWS checks permission without acting. Other services' mutations are
        /// refused unsent whatever this says.
        case evaluate
        /// Refused unsent on EC2 too: for operations with no `DryRun` member (`DisassociateIamInstanceProfile`),
        /// and those endpoints have been measured to perform despite `DryRun=true` (moto 5.2.1:
        /// `ModifyInstanceMetadataOptions`, `CreateNetworkAclEntry`, `DeleteNetworkAclEntry`). Dry-run promises no
        /// change wherever it points, so it gives up the permission check for these.
        case refuse
    }

    public var operation: String
    public var effect: Effect
    public var method: String
    /// The encoded path, relative to the endpoint (`/`, `/bucket`, `/2015-03-31/functions/f/concurrency`).
    public var path: String
    /// The encoded query string, without `?`.
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// A label put before the endpoint's host (an S3 bucket, an S3 Control account id) unless the endpoint is an
    /// override.
    public var hostPrefix: String?
    /// False only for the few calls AWS takes without a signature (`AssumeRoleWithWebIdentity`).
    public var isSigned: Bool
    public var dryRun: DryRunPolicy

    public init(
        operation: String,
        effect: Effect,
        method: String,
        path: String = "/",
        query: String = "",
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        hostPrefix: String? = nil,
        isSigned: Bool = true,
        dryRun: DryRunPolicy = .evaluate
    ) {
        self.operation = operation
        self.effect = effect
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.hostPrefix = hostPrefix
        self.isSigned = isSigned
        self.dryRun = dryRun
    }
}

/// remedy's settings file (`remedy.yaml`): where the journal is, who may approve, how much runs at once.
///
/// `remedy run` and `remedy serve` read the same file; `remedy validate --config` checks it.
public struct RemedyConfiguration: Sendable, Hashable {
    public var journal: Journal
    public var approvers: Approvers
    public var concurrency: Concurrency
    /// How long a resource's case stays open to new findings.
    public var cases = Cases()
    public var pacing: Pacing
    /// How remedy's own AWS calls time out and retry.
    public var aws = AWSRequests()
    /// The playbooks directory.
    public var playbooks: String
    public var server: Server
    public var notifications: Notifications

    public init(
        journal: Journal = Journal(),
        approvers: Approvers = Approvers(),
        concurrency: Concurrency = Concurrency(),
        pacing: Pacing = Pacing(),
        playbooks: String = "Playbooks",
        server: Server = Server(),
        notifications: Notifications = Notifications()
    ) {
        self.journal = journal
        self.approvers = approvers
        self.concurrency = concurrency
        self.pacing = pacing
        self.playbooks = playbooks
        self.server = server
        self.notifications = notifications
    }

    /// How each AWS call of remedy's is bounded (`aws:`).
    public struct AWSRequests: Sendable, Hashable {
        /// Deadline for one attempt, connection included.
        public var requestTimeout: Duration = .seconds(30)
        /// Attempts in all, the first included.
        public var maximumAttempts: Int = 3
        /// Attempts in all while AWS answers with throttling.
        public var maximumThrottledAttempts: Int = 8

        public init() {}
    }

    public struct Journal: Sendable, Hashable {
        /// The SQLite file; `~` is the user's home.
        public var path: String
        /// The Ed25519 checkpoint key (`remedy journal init-key`); nil means unsigned checkpoints are not written.
        public var signingKey: String?
        public var checkpointInterval: Int

        public init(path: String = "~/.remedy/journal.sqlite", signingKey: String? = nil, checkpointInterval: Int = 100)
        {
            self.path = path
            self.signingKey = signingKey
            self.checkpointInterval = checkpointInterval
        }
    }

    public struct Approvers: Sendable, Hashable {
        /// Named groups of principal ARNs, referred to as `group:NAME` (or `role:NAME`) in approval steps.
        public var groups: [String: [String]]
        /// Accept a bare local name with `--as` (exercises, tests).
        ///
        /// The journal records the identity kind.
        public var allowsLocalPrincipals: Bool
        /// Roles whose sessions are told apart by name (`trusted_session_roles`).
        ///
        /// Only roles whose trust policy pins the session name to the person; every other role's sessions are one
        /// approver.
        public var trustedSessionRoles: [String]

        public init(
            groups: [String: [String]] = [:],
            allowsLocalPrincipals: Bool = false,
            trustedSessionRoles: [String] = []
        ) {
            self.groups = groups
            self.allowsLocalPrincipals = allowsLocalPrincipals
            self.trustedSessionRoles = trustedSessionRoles
        }

        /// The principal ARNs an approval step's approver reference stands for.
        public func principals(for reference: String) -> [String] {
            for prefix in ["group:", "role:"] where reference.hasPrefix(prefix) {
                return groups[String(reference.dropFirst(prefix.count))] ?? []
            }
            return [reference]
        }
    }

    /// Recurring findings: a finding about a resource with a live run of the same playbook that started within
    /// `window` joins that run's case, and first checks whether its containment still holds.
    public struct Cases: Sendable, Hashable {
        /// Zero: every finding starts its own case.
        public var window: Duration

        public init(window: Duration = .seconds(86_400)) {
            self.window = window
        }
    }

    public struct Concurrency: Sendable, Hashable {
        /// Runs executing at once, across all playbooks.
        public var maximumRuns: Int

        public init(maximumRuns: Int = 16) {
            self.maximumRuns = maximumRuns
        }
    }

    public struct Pacing: Sendable, Hashable {
        public struct Rate: Sendable, Hashable {
            public var perSecond: Double
            public var burst: Double

            public init(perSecond: Double, burst: Double) {
                self.perSecond = perSecond
                self.burst = burst
            }
        }

        /// Calls per second per service, region and account, below AWS's throttling limits.
        public var defaultRate: Rate
        public var services: [String: Rate]

        public init(defaultRate: Rate = Rate(perSecond: 5, burst: 20), services: [String: Rate] = [:]) {
            self.defaultRate = defaultRate
            self.services = services
        }
    }
}

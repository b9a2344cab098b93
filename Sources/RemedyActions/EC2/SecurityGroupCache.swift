import RemedyCore

/// The per-VPC groups `ec2.quarantine` swaps instances into, remembered once found or created with their rules
/// enforced, so that many quarantines in one VPC look each group up once rather than once per run.
///
/// One per `CatalogInvoker` (one per process). An entry is a hint, never the truth: a remembered group that was
/// deleted since makes the swap fail with `InvalidGroup.NotFound`, and the quarantine then forgets it and resolves
/// it again (creating it); a group whose rules were changed since is caught by the quarantine's verify, which
/// forgets it too. Concurrent runs asking for one group share a single lookup; a lookup that fails is not kept, and a
/// run whose shared lookup (started by another run) failed tries once more with its own, within its own retry budget:
/// one reset on `CreateSecurityGroup` must not fail every run that happened to be waiting on it.
public actor SecurityGroupCache {
    public struct Key: Sendable, Hashable {
        public var account: String
        public var region: String
        public var vpcID: String
        public var name: String
    }

    private var entries: [Key: Task<String, any Error>] = [:]
    /// Quarantines of this process using each group now: the allow-all group is removed only when none does.
    private var users: [Key: Int] = [:]

    public init() {}

    /// The remembered group id for `key`, or the one `resolve` finds (shared by every caller waiting for it).
    func groupID(
        _ key: Key,
        resolve: @escaping @Sendable () async throws(ActionFailure) -> String
    ) async throws(ActionFailure) -> String {
        if let shared = entries[key] {
            do {
                return try await shared.value
            } catch {
                // Another run's lookup failed: its error is not this run's; look again (or join whoever already is).
                if entries[key] == shared { entries[key] = nil }
            }
        }
        let task: Task<String, any Error>
        if let existing = entries[key] {
            task = existing
        } else {
            task = Task { try await resolve() }
            entries[key] = task
        }
        do {
            return try await task.value
        } catch {
            if entries[key] == task { entries[key] = nil }
            throw error as? ActionFailure
                ?? ActionFailure(.retryable, code: "GroupLookupFailed", message: "\(key.name): \(error)")
        }
    }

    /// A quarantine starts using the group at `key`.
    func use(_ key: Key) {
        users[key, default: 0] += 1
    }

    /// A quarantine is done with the group at `key`; true when no other quarantine of this process uses it.
    ///
    /// The entry is then forgotten at once, so a quarantine starting while the group is being removed resolves it
    /// again instead of swapping into a group about to go.
    func release(_ key: Key) -> Bool {
        let remaining = (users[key] ?? 1) - 1
        users[key] = remaining > 0 ? remaining : nil
        if remaining <= 0 { entries[key] = nil }
        return remaining <= 0
    }

    /// Drops the entry for `key` if it still names `groupID`, so the next run resolves the group again.
    func forget(_ key: Key, groupID: String) async {
        guard let task = entries[key], (try? await task.value) == groupID, entries[key] == task else { return }
        entries[key] = nil
    }
}

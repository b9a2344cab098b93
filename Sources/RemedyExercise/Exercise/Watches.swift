import Foundation

/// The account conditions expectations time ("within 10m"), watched from the start so the report knows when each
/// first held.
struct Watches: Sendable {
    /// Per expectation (by index): each resource it is about, with the account watch that times it.
    var resources: [[(resource: String, watch: Int)]]

    static func register(
        _ expectations: [Expectation],
        account: SimulatedAccount,
        initial: AccountState
    ) async -> Watches {
        var resources: [[(resource: String, watch: Int)]] = []
        for expectation in expectations {
            var entries: [(resource: String, watch: Int)] = []
            for (resource, predicate) in predicates(expectation.check, initial) {
                entries.append((resource, await account.watch(predicate)))
            }
            resources.append(entries)
        }
        return Watches(resources: resources)
    }

    /// The resources an expectation is about and the condition it expects of each.
    static func predicates(
        _ check: Expectation.Check,
        _ initial: AccountState
    ) -> [(String, @Sendable (AccountState) -> Bool)] {
        switch check {
        case .isolated(let selector, _):
            return instances(selector, initial).map { id in (id, { $0.isIsolated(id) }) }
        case .keyInactive(let key, _):
            return [
                (
                    key,
                    { state in
                        state.users.values.contains {
                            $0.accessKeys.contains { $0.id == key && $0.status == "Inactive" }
                        }
                    }
                )
            ]
        case .noConsoleAccess(let user, _):
            return [(user, { $0.users[user].map { !$0.hasLoginProfile } ?? false })]
        case .bucketNotPublic(let bucket, _):
            return [(bucket, { $0.buckets[bucket].map { !$0.isPublic } ?? false })]
        case .snapshotPrivate(let snapshot, _):
            return [(snapshot, { $0.snapshots[snapshot].map { !$0.isPublic } ?? false })]
        default:
            return []
        }
    }

    /// The instances a selector names, read from the account as it was at the start (tags may change).
    static func instances(_ selector: Expectation.InstanceSelector, _ state: AccountState) -> [String] {
        switch selector {
        case .id(let id): [id]
        case .all: state.instances.keys.sorted()
        case .tag(let key, let value): state.instances.values.filter { $0.tags[key] == value }.map(\.id).sorted()
        }
    }
}

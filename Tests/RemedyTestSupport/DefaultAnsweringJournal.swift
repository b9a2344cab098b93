import Foundation
import RemedyCore

/// A journal that forwards only what `RunJournal` requires to `base` and answers everything the protocol has a
/// default for with that default (reading every run's records): for checking a database's indexed answers against
/// what any journal would say.
public struct DefaultAnsweringJournal: ForwardingJournal {
    public let base: any RunJournal

    public init(base: any RunJournal) {
        self.base = base
    }

    public func append(_ entries: [JournalEntry]) async throws -> [JournalRecord] { try await base.append(entries) }
}

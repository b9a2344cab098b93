/// Lets runs execute: at most `limit` at once, and one at a time per resource.
///
/// A run that cannot go in waits in line; a release lets in, in arrival order, every waiter that now fits. Work that
/// makes no call (an approver's decision) takes its resource without a place among the `limit`: it is kept apart
/// from the run's other drivers in this process, but never waits for busy workers.
actor RunAdmission {
    let limit: Int
    private var busyResources: Set<String> = []
    /// Busy resources held outside the limit.
    private var unlimited: Set<String> = []
    private var waiting: [(resource: String, withinLimit: Bool, continuation: CheckedContinuation<Void, Never>)] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Runs `body` once admitted for `resource`, and lets the next in afterwards on every path.
    nonisolated func withAdmission<Result: Sendable>(
        for resource: String,
        withinLimit: Bool = true,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        await admit(resource, withinLimit: withinLimit)
        do {
            let result = try await body()
            await release(resource)
            return result
        } catch {
            await release(resource)
            throw error
        }
    }

    private func fits(_ resource: String, withinLimit: Bool) -> Bool {
        !busyResources.contains(resource) && (!withinLimit || executing < limit)
    }

    private func take(_ resource: String, withinLimit: Bool) {
        busyResources.insert(resource)
        if !withinLimit { unlimited.insert(resource) }
    }

    private func admit(_ resource: String, withinLimit: Bool) async {
        if fits(resource, withinLimit: withinLimit) {
            take(resource, withinLimit: withinLimit)
            return
        }
        await withCheckedContinuation { waiting.append((resource, withinLimit, $0)) }
    }

    private func release(_ resource: String) {
        busyResources.remove(resource)
        unlimited.remove(resource)
        var index = 0
        while index < waiting.count {
            let waiter = waiting[index]
            if fits(waiter.resource, withinLimit: waiter.withinLimit) {
                take(waiter.resource, withinLimit: waiter.withinLimit)
                waiting.remove(at: index)
                waiter.continuation.resume()
            } else {
                index += 1
            }
        }
    }

    /// Runs executing now, within the limit.
    var executing: Int { busyResources.count - unlimited.count }
}

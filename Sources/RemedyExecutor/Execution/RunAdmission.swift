/// Lets runs execute: at most `limit` at once, and one at a time per resource.
///
/// A run that cannot go in waits in line; a release lets in, in arrival order, every waiter that now fits.
actor RunAdmission {
    let limit: Int
    private var busyResources: Set<String> = []
    private var waiting: [(resource: String, continuation: CheckedContinuation<Void, Never>)] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Runs `body` once admitted for `resource`, and lets the next in afterwards on every path.
    nonisolated func withAdmission<Result: Sendable>(
        for resource: String,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        await admit(resource)
        do {
            let result = try await body()
            await release(resource)
            return result
        } catch {
            await release(resource)
            throw error
        }
    }

    private func fits(_ resource: String) -> Bool {
        busyResources.count < limit && !busyResources.contains(resource)
    }

    private func admit(_ resource: String) async {
        if fits(resource) {
            busyResources.insert(resource)
            return
        }
        await withCheckedContinuation { waiting.append((resource, $0)) }
    }

    private func release(_ resource: String) {
        busyResources.remove(resource)
        var index = 0
        while index < waiting.count {
            let waiter = waiting[index]
            if fits(waiter.resource) {
                busyResources.insert(waiter.resource)
                waiting.remove(at: index)
                waiter.continuation.resume()
            } else {
                index += 1
            }
        }
    }

    /// Runs executing now.
    var executing: Int { busyResources.count }
}

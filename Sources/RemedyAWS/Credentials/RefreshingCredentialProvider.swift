import Foundation
import Logging
import RemedyCore

/// Caches another provider's credentials and refreshes them shortly before they expire.
///
/// Credentials without an expiration are fetched once and kept. Concurrent callers that find the cache stale
/// share one fetch. When a refresh fails while the cached credentials are still valid, those are returned (and
/// the failure logged at debug); once they have expired, the failure is thrown.
///
///     let provider = RefreshingCredentialProvider(wrapping: AssumeRoleCredentialProvider(...))
///     let credentials = try await provider.credentials()
public actor RefreshingCredentialProvider: AWSCredentialProvider {
    /// How long before expiry credentials are refreshed by default (five minutes).
    public static let defaultRefreshWindow: Duration = .seconds(300)

    private let base: any AWSCredentialProvider
    private let refreshWindow: TimeInterval
    private let clockSkew: TimeInterval
    private let wallClock: WallClock
    private let logger: Logger

    private var cached: AWSCredentials?
    private var isRefreshing = false
    private var waiters: [CheckedContinuation<AWSCredentials, any Error>] = []

    /// - Parameters:
    ///   - base: the provider that fetches credentials.
    ///   - initial: credentials already fetched (the chain passes what it fetched while resolving).
    ///   - refreshWindow: refresh once expiry is this close.
    ///   - clockSkew: how far the local clock is behind AWS's (positive) or ahead of it (negative); added to `now`.
    ///   - now: the current time; tests pass a fake.
    public init(
        wrapping base: any AWSCredentialProvider,
        initial: AWSCredentials? = nil,
        refreshWindow: Duration = defaultRefreshWindow,
        clockSkew: Duration = .zero,
        wallClock: WallClock = .system,
        logger: Logger = Logger(label: "remedy.aws.credentials")
    ) {
        self.base = base
        self.cached = initial
        self.refreshWindow = refreshWindow.timeInterval
        self.clockSkew = clockSkew.timeInterval
        self.wallClock = wallClock
        self.logger = logger
    }

    public func credentials() async throws -> AWSCredentials {
        let current = wallClock.now.addingTimeInterval(clockSkew)
        if let cached, !needsRefresh(cached, at: current) { return cached }
        if isRefreshing {
            return try await withCheckedThrowingContinuation { waiters.append($0) }
        }
        isRefreshing = true
        let outcome: Result<AWSCredentials, any Error>
        do {
            let fresh = try await base.credentials()
            cached = fresh
            outcome = .success(fresh)
        } catch {
            let afterwards = wallClock.now.addingTimeInterval(clockSkew)
            if let cached, let expiration = cached.expiration, expiration > afterwards {
                logger.debug(
                    "credential refresh failed; using cached credentials until they expire",
                    metadata: [
                        "remedy.aws.access_key_id": "\(cached.accessKeyID)",
                        "remedy.aws.expires_in_seconds": "\(Int(expiration.timeIntervalSince(afterwards)))",
                        "error": "\(error)",
                    ]
                )
                outcome = .success(cached)
            } else {
                outcome = .failure(error)
            }
        }
        isRefreshing = false
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume(with: outcome) }
        return try outcome.get()
    }

    private func needsRefresh(_ credentials: AWSCredentials, at time: Date) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(time) <= refreshWindow
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit, which every connection, the journal and AWS calls draw on.
enum DescriptorLimit {
    /// Descriptors kept free of connections: the journal and its WAL, AWS and Slack calls, logs.
    static let reserve = 128

    /// Raises the soft limit to the hard one (the common soft default of 1,024 is what a flood of idle connections
    /// exhausts first) and returns the soft limit now in force.
    static func raiseToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// The most connections the server may hold: the configured cap, kept under the descriptor limit.
    static func connectionCap(configured: Int, softLimit: Int) -> Int {
        max(16, min(configured, softLimit - reserve))
    }
}

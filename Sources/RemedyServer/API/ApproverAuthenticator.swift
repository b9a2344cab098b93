import HTTPTypes

/// Finds the approver a request's bearer token belongs to.
///
/// The configuration holds only SHA-256 digests of approver tokens; the presented token's digest is compared in
/// constant time with every one of them.
struct ApproverAuthenticator: Sendable {
    private let digests: [(principal: String, digest: [UInt8])]

    /// - Parameter tokenHashes: principal ARN to the hex SHA-256 of their token.
    init(tokenHashes: [String: String]) {
        digests = tokenHashes.sorted { $0.key < $1.key }.compactMap { principal, hex in
            ConstantTime.bytes(fromHex: hex).map { (principal, $0) }
        }
    }

    func principal(_ headers: HTTPFields) throws(Rejection) -> String {
        guard let authorization = headers[.authorization], authorization.lowercased().hasPrefix("bearer "),
            authorization.count > 7
        else {
            throw .unauthenticated("approvals need Authorization: Bearer <your approver token>")
        }
        let digest = ConstantTime.sha256(Array(authorization.utf8.dropFirst(7)))
        var match: String?
        for entry in digests where ConstantTime.equal(entry.digest, digest) { match = entry.principal }
        guard let match else { throw .unauthenticated("the token is not an approver token of this server") }
        return match
    }
}

extension IAMClient {
    /// The role names of an instance profile (at most one, in practice).
    public func instanceProfileRoles(_ profileName: String) async throws(AWSError) -> [String] {
        let result = try await client.query("GetInstanceProfile", effect: .readOnly) {
            $0.set("InstanceProfileName", profileName)
        }
        return result.list("InstanceProfile", "Roles").compactMap { $0.string("RoleName") }
    }
}

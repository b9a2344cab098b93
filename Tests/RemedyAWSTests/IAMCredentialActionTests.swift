import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// The IAM credential actions through `CatalogInvoker` against moto with signature checking on: each is executed,
/// its effect read back from IAM, probed before and after, undone where it can be, and run in dry-run without
/// changing anything.
extension MotoIntegrationTests {
    func createUser(_ world: World, _ name: String) async throws {
        _ = try await world.iam.client.query("CreateUser", effect: .mutating(idempotent: false)) {
            $0.set("UserName", name)
        }
    }

    func createRole(_ world: World, _ name: String) async throws {
        _ = try await world.iam.client.query("CreateRole", effect: .mutating(idempotent: false)) {
            $0.set("RoleName", name)
            $0.set(
                "AssumeRolePolicyDocument",
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
            )
        }
    }

    func inlinePolicy(
        _ world: World,
        _ type: IAMClient.PrincipalType,
        _ name: String,
        _ policyName: String
    ) async throws -> JSONValue? {
        let document = try await world.iam.inlinePolicyIfPresent(
            principalType: type,
            name: name,
            policyName: policyName
        )
        return try document.map { try JSONParser().parse($0) }
    }

    @Test func revokeSessionsDeniesSessionsIssuedBeforeNowAndUndoDeletesThePolicy() async throws {
        let world = try await world()
        try await createUser(world, "leaky")
        let parameters: [String: JSONValue] = ["principal_type": "user", "principal": "leaky"]

        let dryRun = try await world.invoker.execute(request("iam.revoke_sessions", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("iam:PutUserPolicy") == true)
        #expect(try await inlinePolicy(world, .user, "leaky", "AWSRevokeOlderSessions") == nil)

        let revoke = request("iam.revoke_sessions", parameters)
        #expect(try await world.invoker.probe(revoke) == .notDone)
        let started = Date()
        let result = try await world.invoker.execute(revoke)
        #expect(result.verified)
        #expect(result.outputs["policy_name"] == "AWSRevokeOlderSessions")
        let cutoff = try #require(result.outputs["revoked_before"]?.stringValue)
        let when = try #require(ISO8601.parse(cutoff))
        #expect(abs(when.timeIntervalSince(started)) < 60)

        let document = try #require(try await inlinePolicy(world, .user, "leaky", "AWSRevokeOlderSessions"))
        let statement = try #require(document["Statement"]?[0])
        #expect(statement["Effect"] == "Deny")
        #expect(statement["Action"] == ["*"])
        #expect(statement["Resource"] == ["*"])
        #expect(statement["Condition"] == ["DateLessThan": ["aws:TokenIssueTime": .string(cutoff)]])

        // The probe recognises this step's revocation, not another step's.
        #expect(
            try await world.invoker.probe(revoke)
                == .done(
                    ActionResult(
                        outputs: ["policy_name": "AWSRevokeOlderSessions", "revoked_before": .string(cutoff)],
                        verified: true
                    )
                )
        )
        #expect(try await world.invoker.probe(request("iam.revoke_sessions", parameters, step: "s2")) == .notDone)

        try await world.invoker.undo(revoke, priorState: try #require(result.priorState))
        #expect(try await inlinePolicy(world, .user, "leaky", "AWSRevokeOlderSessions") == nil)
    }

    @Test func revokeSessionsOnARoleReplacesAnEarlierRevocationAndUndoPutsItBack() async throws {
        let world = try await world()
        try await createRole(world, "web-server")
        let earlier =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"#
            + #""Condition":{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}}]}"#
        try await world.iam.putInlinePolicy(
            principalType: .role,
            name: "web-server",
            policyName: "AWSRevokeOlderSessions",
            document: earlier
        )
        let revoke = request("iam.revoke_sessions", ["principal_type": "role", "principal": "web-server"])

        // An older revocation is not this step's: sessions issued since 2020 are still valid.
        #expect(try await world.invoker.probe(revoke) == .notDone)
        let result = try await world.invoker.execute(revoke)
        #expect(result.verified)
        let document = try #require(try await inlinePolicy(world, .role, "web-server", "AWSRevokeOlderSessions"))
        #expect(
            document["Statement"]?[0]?["Condition"]?["DateLessThan"]?["aws:TokenIssueTime"]
                == result.outputs["revoked_before"]
        )

        try await world.invoker.undo(revoke, priorState: try #require(result.priorState))
        #expect(
            try await world.iam.inlinePolicy(
                principalType: .role,
                name: "web-server",
                policyName: "AWSRevokeOlderSessions"
            ) == earlier
        )
    }

    @Test func denyAllQuarantinesARoleAndAUserAndUndoRemovesThePolicy() async throws {
        let world = try await world()
        try await createRole(world, "compromised")
        try await createUser(world, "mallory")
        for (type, name, principalType) in [
            ("role", "compromised", IAMClient.PrincipalType.role), ("user", "mallory", .user),
        ] {
            let parameters: [String: JSONValue] = ["principal_type": .string(type), "principal": .string(name)]
            let dryRun = try await world.invoker.execute(request("iam.deny_all", parameters, mode: .dryRun))
            #expect(dryRun.dryRunVerdict?.contains("iam:Put\(principalType.rawValue)Policy") == true)
            #expect(try await inlinePolicy(world, principalType, name, "RemedyDenyAll") == nil)

            let deny = request("iam.deny_all", parameters)
            #expect(try await world.invoker.probe(deny) == .notDone)
            let result = try await world.invoker.execute(deny)
            #expect(result.verified)
            let document = try #require(try await inlinePolicy(world, principalType, name, "RemedyDenyAll"))
            #expect(
                document["Statement"]
                    == [["Sid": "RemedyQuarantine", "Effect": "Deny", "Action": "*", "Resource": "*"]]
            )
            #expect(
                try await world.invoker.probe(deny)
                    == .done(ActionResult(outputs: ["policy_name": "RemedyDenyAll"], verified: true))
            )

            try await world.invoker.undo(deny, priorState: try #require(result.priorState))
            #expect(try await inlinePolicy(world, principalType, name, "RemedyDenyAll") == nil)
            #expect(try await world.invoker.probe(deny) == .notDone)
        }
    }

    @Test func loginProfileIsDeletedAndCannotBeUndone() async throws {
        let world = try await world()
        try await createUser(world, "console-user")
        _ = try await world.iam.client.query("CreateLoginProfile", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "console-user")
            $0.set("Password", "Correct-Horse-Battery-9")
        }
        let parameters: [String: JSONValue] = ["user": "console-user"]

        let dryRun = try await world.invoker.execute(request("iam.delete_login_profile", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("iam:DeleteLoginProfile") == true)
        #expect(try await world.iam.hasLoginProfile(user: "console-user"))

        let delete = request("iam.delete_login_profile", parameters)
        #expect(try await world.invoker.probe(delete) == .notDone)
        let result = try await world.invoker.execute(delete)
        #expect(result.verified)
        #expect(result.outputs["had_login_profile"] == true)
        #expect(try await world.iam.hasLoginProfile(user: "console-user") == false)
        guard case .done = try await world.invoker.probe(delete) else {
            Issue.record("probe still sees a login profile")
            return
        }
        // Running again (a retry after the probe missed) finds nothing to delete and still succeeds.
        #expect(try await world.invoker.execute(delete).outputs["had_login_profile"] == false)

        await #expect {
            try await world.invoker.undo(delete, priorState: result.priorState ?? .null)
        } throws: { ($0 as? ActionFailure)?.code == "NotReversible" }
        #expect(DeleteLoginProfile.descriptor.isReversible == false)
    }

    @Test func mfaDevicesEnabledAfterTheCutoffAreDeactivatedAndOlderOnesKept() async throws {
        let world = try await world()
        try await createUser(world, "phished")
        let device = try await world.iam.client.query(
            "CreateVirtualMFADevice",
            effect: .mutating(idempotent: false)
        ) { $0.set("VirtualMFADeviceName", "attacker-phone") }
        let serial = try #require(device.string("VirtualMFADevice", "SerialNumber"))
        _ = try await world.iam.client.query("EnableMFADevice", effect: .mutating(idempotent: false)) {
            $0.set("UserName", "phished")
            $0.set("SerialNumber", serial)
            $0.set("AuthenticationCode1", "123456")
            $0.set("AuthenticationCode2", "654321")
        }
        let formatter = ISO8601DateFormatter()
        let hourAgo = formatter.string(from: Date().addingTimeInterval(-3600))
        let inAnHour = formatter.string(from: Date().addingTimeInterval(3600))

        // A device enabled before the cutoff is not the attacker's: nothing to do, and the probe agrees.
        let later = request("iam.deactivate_mfa_devices", ["user": "phished", "enabled_after": .string(inAnHour)])
        #expect(try await world.invoker.execute(later).outputs["serial_numbers"] == [])
        #expect(try await world.iam.listMFADevices(user: "phished").map(\.serialNumber) == [serial])

        let parameters: [String: JSONValue] = ["user": "phished", "enabled_after": .string(hourAgo)]
        let dryRun = try await world.invoker.execute(request("iam.deactivate_mfa_devices", parameters, mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("iam:DeactivateMFADevice") == true)
        #expect(try await world.iam.listMFADevices(user: "phished").map(\.serialNumber) == [serial])

        let deactivate = request("iam.deactivate_mfa_devices", parameters)
        #expect(try await world.invoker.probe(deactivate) == .notDone)
        let result = try await world.invoker.execute(deactivate)
        #expect(result.verified)
        #expect(result.outputs["serial_numbers"] == [.string(serial)])
        #expect(try await world.iam.listMFADevices(user: "phished").isEmpty)
        guard case .done = try await world.invoker.probe(deactivate) else {
            Issue.record("probe still sees the device")
            return
        }
        await #expect {
            try await world.invoker.undo(deactivate, priorState: result.priorState ?? .null)
        } throws: { ($0 as? ActionFailure)?.code == "NotReversible" }

        await #expect {
            _ = try await world.invoker.execute(
                request("iam.deactivate_mfa_devices", ["user": "phished", "enabled_after": "yesterday"])
            )
        } throws: { ($0 as? ActionFailure)?.code == "InvalidParameter" }
    }
}

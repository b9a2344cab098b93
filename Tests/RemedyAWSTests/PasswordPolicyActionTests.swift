import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// `iam.set_password_policy` against moto: raised to the baseline, never weakened, and put back on undo.
extension MotoIntegrationTests {
    @Test func aWeakPasswordPolicyIsRaisedKeepingStrongerSettingsAndUndoPutsItBack() async throws {
        let world = try await world()
        let iam = IAMClient(try client(.iam, world))
        let weak = IAMClient.PasswordPolicy(
            minimumLength: 8,
            requireSymbols: false,
            requireNumbers: true,
            requireUppercase: false,
            requireLowercase: true,
            allowUsersToChange: true,
            maximumAgeDays: 30,
            reusePrevention: 5,
            hardExpiry: false
        )
        try await iam.updateAccountPasswordPolicy(weak)
        let raise = request("iam.set_password_policy", [:])

        let dryRun = try await world.invoker.execute(request("iam.set_password_policy", [:], mode: .dryRun))
        #expect(dryRun.dryRunVerdict?.contains("iam:UpdateAccountPasswordPolicy") == true)
        #expect(try await iam.accountPasswordPolicy() == weak)

        #expect(try await world.invoker.probe(raise) == .notDone)
        let result = try await world.invoker.execute(raise)
        #expect(result.verified)
        // Raised where weaker, kept where stronger (30 days before expiry is stricter than 90)
        #expect(
            try await iam.accountPasswordPolicy()
                == IAMClient.PasswordPolicy(
                    minimumLength: 14,
                    requireSymbols: true,
                    requireNumbers: true,
                    requireUppercase: true,
                    requireLowercase: true,
                    allowUsersToChange: true,
                    maximumAgeDays: 30,
                    reusePrevention: 24,
                    hardExpiry: false
                )
        )
        guard case .done = try await world.invoker.probe(raise) else {
            Issue.record("the probe does not see the raised policy")
            return
        }
        // Strong enough already: nothing changes, nothing to undo
        #expect(try await world.invoker.execute(raise).priorState == nil)

        try await world.invoker.undo(raise, priorState: try #require(result.priorState))
        #expect(try await iam.accountPasswordPolicy() == weak)
    }

    @Test func anAccountWithoutAPasswordPolicyGetsTheBaselineAndUndoRemovesIt() async throws {
        let world = try await world()
        let iam = IAMClient(try client(.iam, world))
        try? await iam.deleteAccountPasswordPolicy()
        #expect(try await iam.accountPasswordPolicy() == nil)
        let raise = request("iam.set_password_policy", ["minimum_length": 16])
        let result = try await world.invoker.execute(raise)
        #expect(result.outputs["previous_policy"] == .null)
        #expect(try await iam.accountPasswordPolicy()?.minimumLength == 16)
        try await world.invoker.undo(raise, priorState: try #require(result.priorState))
        #expect(try await iam.accountPasswordPolicy() == nil)
        await #expect {
            _ = try await world.invoker.execute(request("iam.set_password_policy", ["minimum_length": 4]))
        } throws: { ($0 as? ActionFailure)?.code == "InvalidParameter" }
    }
}

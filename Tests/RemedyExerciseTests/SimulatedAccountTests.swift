import Foundation
import RemedyAWS
import RemedyCore
import RemedyExercise
import Testing

/// The simulated account through remedy's real clients: what it answers, and what it refuses as AWS would.
@Suite struct SimulatedAccountTests {
    /// A VPC with one group and two instances (one terminated), and the responder role lacking `missing`.
    static func account(missing: [String] = []) throws -> AccountState {
        let text = """
            apiVersion: remedy/v1
            kind: Scenario
            name: simulated-account-tests
            account:
              id: "111122223333"
              region: us-east-1
              vpcs: [vpc-0123456789abcdef0]
              security_groups:
                - {id: sg-0123456789abcdef0, name: web, vpc: vpc-0123456789abcdef0, egress: [],
                   ingress: [{protocol: tcp, port: 443, cidr: 0.0.0.0/0}]}
              roles:
                - {name: RemedyResponder, missing_permissions: [\(missing.joined(separator: ", "))]}
              instances:
                - {id: i-0123456789abcdef0, vpc: vpc-0123456789abcdef0, subnet: subnet-01234567,
                   security_groups: [sg-0123456789abcdef0], tags: {Name: web}}
                - {id: i-0123456789abcdef1, state: terminated, vpc: vpc-0123456789abcdef0, subnet: subnet-01234567,
                   security_groups: [sg-0123456789abcdef0], tags: {Name: web}}
            findings: []
            expect: []

            """
        return try Scenarios.parse(text).get().account
    }

    static func ec2(
        _ state: AccountState,
        role: String? = nil
    ) async throws -> (EC2Client, SimulatedAccount) {
        let clock = ExerciseClock(start: Date(timeIntervalSince1970: 1_767_225_600))
        let account = SimulatedAccount(state: state, clock: clock)
        let context = Exercise.awsContext(for: account, clock: clock)
        var credentials: (any AWSCredentialProvider)?
        if let role { credentials = await context.assumedRole(role, sessionName: "remedy-test") }
        return (EC2Client(try context.client(.ec2, credentials: credentials)), account)
    }

    static func refusal(_ body: () async throws(AWSError) -> Void) async -> AWSError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func describeInstancesAnswersWhatTheClientDecodes() async throws {
        let (ec2, _) = try await Self.ec2(try Self.account())
        let instance = try #require(try await ec2.describeInstances(ids: ["i-0123456789abcdef0"]).first)
        #expect(instance.state == "running")
        #expect(instance.securityGroupIDs == ["sg-0123456789abcdef0"])
        #expect(instance.networkInterfaces.map(\.id) == ["eni-0123456789abcdef0"])
        #expect(instance.tags == ["Name": "web"])
        #expect(instance.httpTokens == "optional")
        let group = try #require(try await ec2.describeSecurityGroups(ids: ["sg-0123456789abcdef0"]).first)
        #expect(
            group.ingress == [IPPermission(ipProtocol: "tcp", fromPort: 443, toPort: 443, ipv4Ranges: ["0.0.0.0/0"])]
        )
    }

    @Test func missingResourcesAndWrongStatesAreRefusedWithAWSCodes() async throws {
        let (ec2, account) = try await Self.ec2(try Self.account())
        let missing = await Self.refusal { () async throws(AWSError) in
            _ = try await ec2.describeInstances(ids: ["i-00000000000000dead"])
        }
        #expect(missing?.code == "InvalidInstanceID.NotFound")
        #expect(missing?.statusCode == 400)
        let terminated = await Self.refusal { () async throws(AWSError) in
            try await ec2.stopInstances(ids: ["i-0123456789abcdef1"])
        }
        #expect(terminated?.code == "IncorrectInstanceState")
        #expect(await account.state.instances["i-0123456789abcdef1"]?.state == "terminated")
    }

    @Test func anOperationTheSimulationLacksIsRefusedByName() async throws {
        let (ec2, account) = try await Self.ec2(try Self.account())
        let refusal = await Self.refusal { () async throws(AWSError) in
            _ = try await ec2.client.query("RunInstances", effect: .mutating(idempotent: false)) {
                $0.set("ImageId", "ami-0123456789abcdef0")
            }
        }
        #expect(refusal?.code == "UnsupportedOperation")
        #expect(refusal?.message.contains("does not implement ec2 RunInstances") == true)
        #expect(await account.calls.last?.errorCode == "UnsupportedOperation")
    }

    @Test func aURLThatCannotBeSplitIsRefusedBeforeAnythingIsRouted() async throws {
        let (_, account) = try await Self.ec2(try Self.account())
        // Signed with the exercise's own key, so only the URL stands between it and being answered.
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(account.baseAccessKeyID)/20260101/us-east-1/ec2/aws4_request, "
            + "SignedHeaders=host, Signature=0"
        let response = try await SimulatedTransport(account: account).send(
            HTTPRequestData(
                method: "POST",
                url: "https://[::1/",
                headers: [("Authorization", authorization)],
                body: Array("Action=DescribeInstances&Version=2016-11-15".utf8)
            ),
            timeout: .seconds(5)
        )
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("<Code>InvalidURL</Code>"))
        #expect(String(decoding: response.body, as: UTF8.self).contains("unclosed IPv6 literal"))
        #expect(await account.calls.isEmpty)
    }

    @Test func aPermissionTheAssumedRoleLacksIsRefusedAndNothingChanges() async throws {
        let state = try Self.account(missing: ["ec2:ModifyInstanceMetadataOptions"])
        let role = "arn:aws:iam::111122223333:role/RemedyResponder"
        let (ec2, account) = try await Self.ec2(state, role: role)
        let refusal = await Self.refusal { () async throws(AWSError) in
            try await ec2.setMetadataOptions(
                instanceID: "i-0123456789abcdef0",
                .init(httpTokens: "required", httpEndpoint: "enabled", hopLimit: 1)
            )
        }
        #expect(refusal?.code == "UnauthorizedOperation")
        #expect(refusal?.statusCode == 403)
        #expect(
            refusal?.message.contains(
                "arn:aws:sts::111122223333:assumed-role/RemedyResponder/remedy-test is not authorized to perform: "
                    + "ec2:ModifyInstanceMetadataOptions"
            ) == true
        )
        #expect(await account.state.instances["i-0123456789abcdef0"]?.httpTokens == "optional")
        // Other calls of the same role go through.
        try await ec2.createTags(resources: ["i-0123456789abcdef0"], tags: ["k": "v"])
        #expect(await account.state.instances["i-0123456789abcdef0"]?.tags["k"] == "v")
    }

    @Test func aRoleTheAccountDoesNotHaveCannotBeAssumed() async throws {
        let (ec2, _) = try await Self.ec2(try Self.account(), role: "arn:aws:iam::111122223333:role/Nobody")
        let refusal = await Self.refusal { () async throws(AWSError) in
            _ = try await ec2.describeInstances(ids: ["i-0123456789abcdef0"])
        }
        #expect(refusal?.code == "NoCredentials")
        #expect(refusal?.message.contains("sts:AssumeRole") == true)
    }
}

/// Virtual time: waits pass at once and move the clock; timers race them as in real time.
@Suite struct ExerciseClockTests {
    @Test func aWaitPassesAtOnceAndMovesTheClockByItsLength() async throws {
        let clock = ExerciseClock(start: Date(timeIntervalSince1970: 0))
        let started = ContinuousClock.now
        try await clock.actionClock.sleep(for: .seconds(86_400))
        #expect(clock.elapsed == .seconds(86_400))
        #expect(clock.now == Date(timeIntervalSince1970: 86_400))
        // Not a speed check: a day's wait did not take a day (a loaded machine under `--parallel` took 6.5 s here).
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    @Test func aTimerAloneNeverMovesTheClock() async throws {
        // A step timeout whose call already returned may take a while to be cancelled on a loaded machine; it must
        // not fire and move virtual time meanwhile.
        let clock = ExerciseClock(start: Date(timeIntervalSince1970: 0))
        let timer = Task { try await clock.executorClock.sleep(for: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(clock.elapsed == .zero)
        timer.cancel()
        await #expect(throws: CancellationError.self) { try await timer.value }
        #expect(clock.elapsed == .zero)
    }

    @Test func aStepTimeoutShorterThanTheWaitFiresFirstAtItsOwnTime() async throws {
        let clock = ExerciseClock(start: Date(timeIntervalSince1970: 0))
        let first = await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    try await clock.executorClock.sleep(for: .seconds(60))
                    return "timeout"
                } catch { return "timer cancelled" }
            }
            group.addTask {
                do {
                    try await clock.actionClock.sleep(for: .seconds(300))
                    return "wait"
                } catch { return "wait cancelled" }
            }
            let first = await group.next() ?? ""
            group.cancelAll()
            return first
        }
        #expect(first == "timeout")
        #expect(clock.elapsed == .seconds(60))
    }
}

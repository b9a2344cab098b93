import Foundation
import RemedyAWS
import RemedyCore
import RemedyTestSupport
import Testing

/// `remedy doctor` run as a process against moto with signature checking on. In the moto suite, because moto's
/// auth switch is server-wide.
extension MotoIntegrationTests {
    func doctorEnvironment(_ credentials: AWSCredentials, home: String) throws -> [String: String] {
        [
            "HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": try #require(MotoServer.endpointURL),
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    static func playbook(_ name: String, role: String) -> String {
        """
        apiVersion: remedy/v1
        name: \(name)
        match: {types: ["Backdoor:EC2/*"]}
        target: {role: "\(role)"}
        steps:
          - id: tag
            action: ec2.tag
            with: {instance: "{{ finding.resources[0].id }}", tags: {case: "{{ run.id }}"}}
        """
    }

    @Test func doctorNamesTheCallerAndChecksEveryTargetRole() async throws {
        let credentials = try await moto.prepare()
        let iam = try moto.client(.iam, credentials: credentials)
        _ = try await iam.query("CreateRole", effect: .mutating(idempotent: false)) {
            $0.set("RoleName", "RemedyResponder")
            $0.set(
                "AssumeRolePolicyDocument",
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/remedy-runner"},"Action":"sts:AssumeRole"}]}"#
            )
        }
        _ = try await iam.query("CreateRole", effect: .mutating(idempotent: false)) {
            $0.set("RoleName", "Untrusted")
            $0.set(
                "AssumeRolePolicyDocument",
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/someone-else"},"Action":"sts:AssumeRole"}]}"#
            )
        }
        try await withTemporaryDirectory { directory in
            let playbooks = directory.file("playbooks")
            try FileManager.default.createDirectory(atPath: playbooks, withIntermediateDirectories: true)
            _ = try directory.write(
                "playbooks/good.yaml",
                Self.playbook(
                    "good",
                    role: "arn:{{ finding.partition }}:iam::{{ finding.account }}:role/RemedyResponder"
                )
            )
            let environment = try doctorEnvironment(credentials, home: directory.path)

            let healthy = try RemedyBinary.run(["doctor", "--playbooks", playbooks], environment: environment)
            #expect(healthy.status == 0, "\(healthy.standardOutput)\(healthy.standardError)")
            let lines = healthy.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.contains("region: us-east-1 (from AWS_REGION)"))
            #expect(lines.contains("credentials: environment variables (AWS_ACCESS_KEY_ID)"))
            #expect(lines.contains("caller: arn:aws:iam::123456789012:user/remedy-runner (account 123456789012)"))
            #expect(
                lines.contains {
                    $0.hasPrefix(
                        "role arn:aws:iam::123456789012:role/RemedyResponder: assumable (as arn:aws:sts::123456789012:assumed-role/RemedyResponder/remedy-doctor)"
                    )
                }
            )
            #expect(!healthy.standardOutput.contains(credentials.secretAccessKey))

            _ = try directory.write(
                "playbooks/untrusted.yaml",
                Self.playbook("untrusted", role: "arn:aws:iam::123456789012:role/Untrusted")
            )
            let broken = try RemedyBinary.run(["doctor", "--playbooks", playbooks], environment: environment)
            #expect(broken.status == 1)
            #expect(
                broken.standardOutput.contains(
                    "role arn:aws:iam::123456789012:role/Untrusted: FAILED: sts AssumeRole failed: AccessDenied"
                )
            )
            #expect(broken.standardOutput.contains("check the role's trust policy"))

            var forged = environment
            forged["AWS_SECRET_ACCESS_KEY"] = credentials.secretAccessKey + "x"
            let refused = try RemedyBinary.run(["doctor", "--playbooks", playbooks], environment: forged)
            #expect(refused.status == 1)
            #expect(refused.standardOutput.contains("SignatureDoesNotMatch"))
            #expect(refused.standardOutput.contains("wrong or the clock is skewed"))
            #expect(!refused.standardOutput.contains(credentials.secretAccessKey))
        }
    }
}

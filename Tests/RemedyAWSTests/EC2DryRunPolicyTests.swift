import Foundation
import RemedyAWS
import RemedyCore
import Testing

/// EC2 operations dry-run cannot trust to `DryRun=true` are refused unsent, like other services' mutations.
extension DryRunTests {
    @Test func ec2OperationsWithoutATrustworthyDryRunAreRefusedWithoutBeingSent() async throws {
        let transport = ScriptedTransport()
        let ec2 = EC2Client(try .testing(.ec2, transport: transport, mode: .dryRun))
        let refused = { (error: any Error) in
            (error as? AWSError)?.code == "DryRunRefused" && (error as? AWSError)?.kind == .refused
        }
        let options = EC2Instance.MetadataOptions(httpTokens: "required", httpEndpoint: "enabled", hopLimit: 1)
        // No DryRun member in botocore's model.
        await #expect { try await ec2.disassociateIamInstanceProfile(associationID: "iip-assoc-1") } throws: {
            refused($0)
        }
        await #expect {
            try await ec2.associateIamInstanceProfile(instanceID: "i-01234567", profileARN: "arn:aws:iam::1:x/y")
        } throws: { refused($0) }
        // moto 5.2.1 performs these despite DryRun=true.
        await #expect { try await ec2.setMetadataOptions(instanceID: "i-01234567", options) } throws: { refused($0) }
        await #expect {
            try await ec2.createNetworkACLDenyEntry(aclID: "acl-1", ruleNumber: 90, cidr: "192.0.2.1/32", isIPv6: false)
        } throws: { refused($0) }
        await #expect { try await ec2.deleteNetworkACLEntry(aclID: "acl-1", ruleNumber: 90) } throws: { refused($0) }
        #expect(transport.requests.isEmpty)
    }
}

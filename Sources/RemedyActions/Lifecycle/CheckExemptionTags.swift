import RemedyAWS
import RemedyCore

/// `remedy.check_exemption_tags`: reads a resource's tags and stops the run if it is exempt.
///
/// The first step of a run whose playbook exempts resources by tag while the finding did not carry the resource's
/// tags. It reads them from the account and fails the run before any other
/// step when an exemption tag is set (`ResourceExempt`) or the tags cannot be read (`ExemptionUnknown`): scoping
/// fails closed. The planner adds it (`PendingCheck.exemptionTags`); playbooks do not name it.
public struct CheckExemptionTags: RemediationAction {
    public static let descriptor = ActionDescriptor(
        name: PendingCheck.exemptionCheckAction,
        summary: "Read a resource's tags and stop the run if it carries an exemption tag",
        parameters: [
            ParameterSpec("resource_type", .string, summary: "the resource type (AwsEc2Instance, AwsS3Bucket, ...)"),
            ParameterSpec("resource", .string, summary: "the resource id"),
            ParameterSpec("tags", .map(.string), summary: "the exemption tags, key to value"),
        ],
        permissions: ["ec2:DescribeTags", "s3:GetBucketTagging"],
        isMutating: false
    )
}

extension CheckExemptionTags: TracelessAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let type = try parameters.string("resource_type")
        let resource = try parameters.string("resource")
        let exemptions = parameters.stringMap("tags")
        let tags = try await tags(ofType: type, resource, context)
        if let key = exemptions.keys.sorted().first(where: { tags[$0] == exemptions[$0] }) {
            throw ActionFailure(
                .permanent,
                code: "ResourceExempt",
                message: "\(resource) carries the exemption tag \(key)=\(exemptions[key] ?? ""): the playbook leaves "
                    + "it alone"
            )
        }
        return ActionResult(outputs: [:])
    }

    /// The resource's tags as the account has them now.
    static func tags(
        ofType type: String,
        _ resource: String,
        _ context: ActionContext
    ) async throws(ActionFailure) -> [String: String] {
        let unknown = { (reason: String) in
            ActionFailure(
                .permanent,
                code: "ExemptionUnknown",
                message: "cannot tell whether \(resource) is exempt: \(reason); remedy does not act on it"
            )
        }
        if type == "AwsS3Bucket" {
            guard ResourceIdentifierKind.bucketName.problem(with: resource) == nil else {
                throw unknown("'\(resource)' is not a bucket name")
            }
            let s3 = try context.clients.s3()
            return try await readingCall { () async throws(AWSError) in try await s3.tags(ofBucket: resource) }
        }
        // An identifier is checked before it is sent, as every parameter is: the finding kept it as text.
        guard let kind = ec2Kinds[type], kind.problem(with: resource) == nil else {
            throw unknown("remedy reads the tags of EC2 resources and S3 buckets, not of \(type) '\(resource)'")
        }
        let ec2 = try context.clients.ec2()
        return try await readingCall { () async throws(AWSError) in try await ec2.tags(of: resource) }
    }

    /// The EC2 resource types whose tags `DescribeTags` reads, with their identifier formats.
    static let ec2Kinds: [String: ResourceIdentifierKind] = [
        "AwsEc2Instance": .instanceID, "AwsEc2SecurityGroup": .securityGroupID, "AwsEc2Volume": .volumeID,
        "AwsEc2Snapshot": .snapshotID, "AwsEc2Vpc": .vpcID, "AwsEc2Subnet": .subnetID,
        "AwsEc2NetworkAcl": .networkACLID,
    ]
}

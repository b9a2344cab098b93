import RemedyAWS
import RemedyCore

/// One of Security Hub's CIS monitoring controls (CloudWatch.1-14).
///
/// Each asks for a metric filter on the trail's log group and an alarm on it. The titles and patterns are the Security Hub documentation's, as `docs/cis-alarm-patterns.source.tsv`
/// records them with their source (a test keeps the two equal).
public struct CISAlarm: Sendable, Hashable {
    public var control: String
    public var title: String
    public var pattern: String

    public static let all: [CISAlarm] = [
        CISAlarm(
            control: "CloudWatch.1",
            title: "A log metric filter and alarm should exist for usage of the \"root\" user",
            pattern:
                #"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#
        ),
        CISAlarm(
            control: "CloudWatch.2",
            title: "Ensure a log metric filter and alarm exist for unauthorized API calls",
            pattern: #"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#
        ),
        CISAlarm(
            control: "CloudWatch.3",
            title: "Ensure a log metric filter and alarm exist for Management Console sign-in without MFA",
            pattern:
                #"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#
        ),
        CISAlarm(
            control: "CloudWatch.4",
            title: "Ensure a log metric filter and alarm exist for IAM policy changes",
            pattern:
                #"{($.eventSource=iam.amazonaws.com) && (($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy))}"#
        ),
        CISAlarm(
            control: "CloudWatch.5",
            title: "Ensure a log metric filter and alarm exist for CloudTrail configuration changes",
            pattern:
                #"{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}"#
        ),
        CISAlarm(
            control: "CloudWatch.6",
            title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures",
            pattern: #"{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}"#
        ),
        CISAlarm(
            control: "CloudWatch.7",
            title:
                "Ensure a log metric filter and alarm exist for disabling or scheduled deletion of customer managed keys",
            pattern:
                #"{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}"#
        ),
        CISAlarm(
            control: "CloudWatch.8",
            title: "Ensure a log metric filter and alarm exist for S3 bucket policy changes",
            pattern:
                #"{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"#
        ),
        CISAlarm(
            control: "CloudWatch.9",
            title: "Ensure a log metric filter and alarm exist for AWS Config configuration changes",
            pattern:
                #"{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}"#
        ),
        CISAlarm(
            control: "CloudWatch.10",
            title: "Ensure a log metric filter and alarm exist for security group changes",
            pattern:
                #"{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}"#
        ),
        CISAlarm(
            control: "CloudWatch.11",
            title: "Ensure a log metric filter and alarm exist for changes to Network Access Control Lists (NACL)",
            pattern:
                #"{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}"#
        ),
        CISAlarm(
            control: "CloudWatch.12",
            title: "Ensure a log metric filter and alarm exist for changes to network gateways",
            pattern:
                #"{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"#
        ),
        CISAlarm(
            control: "CloudWatch.13",
            title: "Ensure a log metric filter and alarm exist for route table changes",
            pattern:
                #"{($.eventSource=ec2.amazonaws.com) && (($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable))}"#
        ),
        CISAlarm(
            control: "CloudWatch.14",
            title: "Ensure a log metric filter and alarm exist for VPC changes",
            pattern:
                #"{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}"#
        ),
    ]
}

/// `cloudwatch.create_cis_alarm` (CloudWatch.1-14).
///
/// The filter and the alarm are named `remedy-<control>` (the metric too), so a second run finds the step's own and
/// undo removes only what the step created. The metric counts matching events in namespace `LogMetrics`, as the
/// documentation names it; the alarm fires when five minutes hold at least one.
public struct CreateCISAlarm: RemediationAction {
    static let namespace = "LogMetrics"

    public static let descriptor = ActionDescriptor(
        name: "cloudwatch.create_cis_alarm",
        summary: "Create the metric filter and alarm a CIS monitoring control (CloudWatch.1-14) asks for on the "
            + "log group a multi-Region trail delivers to",
        parameters: [
            ParameterSpec("control", .oneOf(CISAlarm.all.map(\.control)), summary: "the control"),
            ParameterSpec("topic", .identifier(.topicARN), summary: "the SNS topic the alarm notifies"),
            ParameterSpec(
                "log_group",
                .identifier(.logGroupName),
                required: false,
                summary: "the trail's log group; if absent, the one a multi-Region trail of the region delivers to"
            ),
        ],
        outputs: [
            OutputSpec("log_group", .string, summary: "the log group the filter reads"),
            OutputSpec("alarm", .string, summary: "the alarm's name"),
        ],
        permissions: [
            "cloudtrail:DescribeTrails", "logs:DescribeMetricFilters", "logs:PutMetricFilter",
            "logs:DeleteMetricFilter", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm",
            "cloudwatch:DeleteAlarms",
        ],
        isMutating: true,
        isReversible: true
    )
}

extension CreateCISAlarm: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let target = try await Target(parameters, in: context)
        let logs = try context.clients.cloudWatchLogs()
        let cloudWatch = try context.clients.cloudWatch()
        let (pattern, actions) = try await target.found(logs, cloudWatch)
        // What the step finds is the team's or an earlier run's: undo leaves it.
        let prior: JSONValue = ["filter_existed": .bool(pattern != nil), "alarm_existed": .bool(actions != nil)]
        let filterIsRight = pattern == target.alarm.pattern
        let alarmIsRight = actions?.contains(target.topic) == true
        guard !(filterIsRight && alarmIsRight) else { return ActionResult(outputs: target.outputs) }
        try await context.recordPriorState(prior)
        try await mutatingCall { () async throws(AWSError) in
            if !filterIsRight {
                try await logs.putMetricFilter(
                    logGroup: target.logGroup,
                    name: target.name,
                    pattern: target.alarm.pattern,
                    namespace: namespace,
                    metric: target.name
                )
            }
            if !alarmIsRight {
                try await cloudWatch.putCountAlarm(
                    name: target.name,
                    description: "\(target.alarm.control): \(target.alarm.title) (remedy)",
                    namespace: namespace,
                    metric: target.name,
                    actions: [target.topic]
                )
            }
        }
        return ActionResult(outputs: target.outputs, priorState: prior)
    }

    /// Done when the filter holds the control's pattern and the alarm notifies the topic.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let target = try await Target(parameters, in: context)
        let logs = try context.clients.cloudWatchLogs()
        let cloudWatch = try context.clients.cloudWatch()
        let (pattern, actions) = try await target.found(logs, cloudWatch)
        guard pattern == target.alarm.pattern, actions?.contains(target.topic) == true else { return .notDone }
        return .done(ActionResult(outputs: target.outputs, verified: true))
    }

    /// Deletes the filter and the alarm the step created; what it found stays.
    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let target = try await Target(parameters, in: context)
        if priorState["alarm_existed"] == false {
            let cloudWatch = try context.clients.cloudWatch()
            try await mutatingCall { () async throws(AWSError) in try await cloudWatch.deleteAlarm(name: target.name) }
        }
        if priorState["filter_existed"] == false {
            let logs = try context.clients.cloudWatchLogs()
            try await mutatingCall { () async throws(AWSError) in
                try await logs.deleteMetricFilter(logGroup: target.logGroup, name: target.name)
            }
        }
    }

    /// The control's alarm, the topic, and the log group: given, or the one a multi-Region trail delivers to.
    struct Target {
        var alarm: CISAlarm
        var topic: String
        var logGroup: String

        /// The pattern of the filter and the actions of the alarm of the target's name, nil for one not there.
        func found(
            _ logs: CloudWatchLogsClient,
            _ cloudWatch: CloudWatchClient
        ) async throws(ActionFailure) -> (pattern: String?, actions: [String]?) {
            try await readingCall { () async throws(AWSError) in
                (
                    try await logs.metricFilterPattern(logGroup: logGroup, name: name),
                    try await cloudWatch.alarmActions(name: name)
                )
            }
        }

        /// `remedy-cloudwatch-1`: the filter's, the metric's and the alarm's name.
        var name: String { "remedy-" + alarm.control.lowercased().replacingOccurrences(of: ".", with: "-") }
        var outputs: [String: JSONValue] { ["log_group": .string(logGroup), "alarm": .string(name)] }

        init(_ parameters: ActionParameters, in context: ActionContext) async throws(ActionFailure) {
            let control = try parameters.string("control")
            guard let alarm = CISAlarm.all.first(where: { $0.control == control }) else {
                throw ActionFailure(.permanent, code: "UnknownControl", message: "no CIS alarm for \(control)")
            }
            self.alarm = alarm
            topic = try parameters.identifier("topic", .topicARN)
            if parameters.optionalString("log_group") != nil {
                logGroup = try parameters.identifier("log_group", .logGroupName)
            } else {
                logGroup = try await Self.trailLogGroup(try context.clients.cloudTrail())
            }
        }

        /// The log group of the region's multi-Region trail that delivers to CloudWatch Logs (the first by name).
        static func trailLogGroup(_ cloudTrail: CloudTrailClient) async throws(ActionFailure) -> String {
            let trails = try await readingCall { () async throws(AWSError) in try await cloudTrail.trails() }
            let delivering = trails.filter { $0.isMultiRegion && $0.logGroupARN != nil }.sorted { $0.name < $1.name }
            // `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`
            guard let arn = delivering.first?.logGroupARN.flatMap(ARN.init), arn.resource.hasPrefix("log-group:") else {
                throw ActionFailure(
                    .permanent,
                    code: "NoTrailLogGroup",
                    message: "no multi-Region trail in the region delivers to CloudWatch Logs (CloudWatch.1-14 need "
                        + "one: CloudTrail.5); deliver one, or give log_group"
                )
            }
            var name = String(arn.resource.dropFirst("log-group:".count))
            if name.hasSuffix(":*") { name.removeLast(2) }
            guard ResourceIdentifierKind.logGroupName.problem(with: name) == nil else {
                throw ActionFailure(.permanent, code: "NoTrailLogGroup", message: "the trail's log group is not valid")
            }
            return name
        }
    }
}

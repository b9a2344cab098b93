import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import Testing

/// The configuration-hardening actions (``SettingAction``) through `CatalogInvoker` against moto with signature
/// checking on, each through the same life: a dry-run changes nothing, the probe sees the setting short, execute
/// journals the value before and changes it, the probe sees it done, a second execute changes nothing, and undo
/// restores the value before.
extension MotoIntegrationTests {
    /// The life above for one action; `read` reads the setting from moto.
    func exerciseSetting(
        _ world: World,
        _ action: String,
        _ parameters: [String: JSONValue],
        permission: String,
        setting: String,
        before: JSONValue,
        after: JSONValue,
        read: () async throws -> JSONValue,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        try await RemedyAWSTests.exerciseSetting(
            world.invoker,
            { mode in request(action, parameters, mode: mode) },
            permission: permission,
            setting: setting,
            before: before,
            after: after,
            read: read,
            sourceLocation: sourceLocation
        )
    }

    @Test func aDynamoDBTableGetsDeletionProtection() async throws {
        let world = try await world()
        let dynamoDB = DynamoDBClient(try client(.dynamoDB, world))
        _ = try await dynamoDB.client.json(
            "CreateTable",
            effect: .mutating(idempotent: false),
            body: [
                "TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [["AttributeName": "id", "AttributeType": "S"]],
                "KeySchema": [["AttributeName": "id", "KeyType": "HASH"]],
            ]
        )
        try await exerciseSetting(
            world,
            "dynamodb.enable_deletion_protection",
            ["table": "orders"],
            permission: "dynamodb:UpdateTable",
            setting: "DeletionProtectionEnabled",
            before: false,
            after: true
        ) { () async throws -> JSONValue in .bool(try await dynamoDB.isDeletionProtected(table: "orders")) }
    }

    @Test func aBucketNotifiesItsDeletionsAndOneNotifyingAnythingIsLeftAlone() async throws {
        let world = try await world()
        let sns = SNSClient(try client(.sns, world))
        let topic = try await sns.createTopic(name: "remedy-s3-events")
        for bucket in ["payments-exports", "team-events"] { try await world.s3.createBucket(bucket) }
        try await exerciseSetting(
            world,
            "s3.notify_deletions",
            ["bucket": "payments-exports", "topic": .string(topic)],
            permission: "s3:PutBucketNotification",
            setting: "DeletionTopic",
            before: .null,
            after: "configured"
        ) { () async throws -> JSONValue in
            try await world.s3.hasEventNotifications(bucket: "payments-exports") ? "configured" : .null
        }
        // A bucket that already notifies (its team's own topic) keeps its configuration
        let teams = try await sns.createTopic(name: "team-events")
        try await world.s3.setDeletionNotifications(bucket: "team-events", topicARN: teams)
        let kept = try await world.invoker.execute(
            request("s3.notify_deletions", ["bucket": "team-events", "topic": .string(topic)])
        )
        #expect(kept.outputs["changed"] == [])
    }

    @Test func anECRRepositoryScansOnPush() async throws {
        let world = try await world()
        let ecr = ECRClient(try client(.ecr, world))
        _ = try await ecr.client.json(
            "CreateRepository",
            effect: .mutating(idempotent: false),
            body: ["repositoryName": "team/payments-api"]
        )
        try await exerciseSetting(
            world,
            "ecr.enable_scan_on_push",
            ["repository": "team/payments-api"],
            permission: "ecr:PutImageScanningConfiguration",
            setting: "scanOnPush",
            before: false,
            after: true
        ) { () async throws -> JSONValue in .bool(try await ecr.scansOnPush(repository: "team/payments-api")) }
    }

    @Test func aLogGroupKeepsItsEventsAYearAndOneKeepingThemLongerIsLeftAlone() async throws {
        let world = try await world()
        let logs = CloudWatchLogsClient(try client(.cloudWatchLogs, world))
        for (group, days) in [("/aws/lambda/payments", 7), ("/aws/lambda/payments-archive", 3653)] {
            _ = try await logs.client.json(
                "CreateLogGroup",
                effect: .mutating(idempotent: false),
                body: ["logGroupName": .string(group)]
            )
            try await logs.setRetention(logGroup: group, days: days)
        }
        try await exerciseSetting(
            world,
            "logs.set_retention",
            ["log_group": "/aws/lambda/payments"],
            permission: "logs:PutRetentionPolicy",
            setting: "retentionInDays",
            before: 7,
            after: 365
        ) { () async throws -> JSONValue in
            try await logs.retentionDays(logGroup: "/aws/lambda/payments").map { .number(Double($0)) } ?? .null
        }

        // Ten years is more than the year asked: nothing changes (the prefix also finds the other group's name)
        let longer = try await world.invoker.execute(
            request("logs.set_retention", ["log_group": "/aws/lambda/payments-archive"])
        )
        #expect(longer.outputs["changed"] == [])
        #expect(try await logs.retentionDays(logGroup: "/aws/lambda/payments-archive") == 3653)
    }

    @Test func aSubnetStopsGivingPublicAddresses() async throws {
        let world = try await world()
        try await world.ec2.setMapPublicIPOnLaunch(subnetID: world.subnetID, true)
        try await exerciseSetting(
            world,
            "ec2.disable_subnet_public_ip",
            ["subnet": .string(world.subnetID)],
            permission: "ec2:ModifySubnetAttribute",
            setting: "MapPublicIpOnLaunch",
            before: true,
            after: false
        ) { () async throws -> JSONValue in .bool(try await world.ec2.mapsPublicIPOnLaunch(subnetID: world.subnetID)) }
    }

    @Test func aTrailValidatesItsLogFiles() async throws {
        let world = try await world()
        try await world.s3.createBucket("remedy-trail-logs")
        let cloudTrail = CloudTrailClient(try client(.cloudTrail, world))
        _ = try await cloudTrail.client.json(
            "CreateTrail",
            effect: .mutating(idempotent: false),
            body: ["Name": "org-trail", "S3BucketName": "remedy-trail-logs", "IsMultiRegionTrail": true]
        )
        try await exerciseSetting(
            world,
            "cloudtrail.enable_log_file_validation",
            ["trail": "org-trail"],
            permission: "cloudtrail:UpdateTrail",
            setting: "LogFileValidationEnabled",
            before: false,
            after: true
        ) { () async throws -> JSONValue in .bool(try await cloudTrail.validatesLogFiles(trail: "org-trail")) }
    }

    @Test func aTopicIsEncryptedAndOneWithItsOwnKeyKeepsIt() async throws {
        let world = try await world()
        let sns = SNSClient(try client(.sns, world))
        let plain = try await sns.createTopic(name: "alerts")
        try await exerciseSetting(
            world,
            "sns.enable_encryption",
            ["topic": .string(plain)],
            permission: "sns:SetTopicAttributes",
            setting: "KmsMasterKeyId",
            before: .null,
            after: "alias/aws/sns"
        ) { () async throws -> JSONValue in
            // SNS answers an unset key as absent or empty: both are "no key".
            let key = try await sns.topicAttribute("KmsMasterKeyId", topicARN: plain)
            return key.map { $0.isEmpty ? .null : .string($0) } ?? .null
        }

        let keyed = try await sns.createTopic(name: "audit")
        try await sns.setTopicAttribute("KmsMasterKeyId", "alias/team-key", topicARN: keyed)
        let result = try await world.invoker.execute(request("sns.enable_encryption", ["topic": .string(keyed)]))
        #expect(result.outputs["changed"] == [])
        #expect(try await sns.topicAttribute("KmsMasterKeyId", topicARN: keyed) == "alias/team-key")
    }

    @Test func databaseProtectionsAreTurnedOnOneByOneAndOnlyOn() async throws {
        let world = try await world()
        let rds = try await createDatabase(world, "ledger-db", isPublic: false)
        _ = try await rds.setFlags(["DeletionProtection": false], of: .instance, "ledger-db")
        try await exerciseSetting(
            world,
            "rds.protect_instance",
            ["instance": "ledger-db", "deletion_protection": true],
            permission: "rds:ModifyDBInstance",
            setting: "DeletionProtection",
            before: false,
            after: true
        ) { () async throws -> JSONValue in
            .bool(try await rds.flags(["DeletionProtection"], of: .instance, "ledger-db")["DeletionProtection"]!)
        }

        let modifications = try await world.invoker.execute(
            request("rds.protect_instance", ["instance": "ledger-db", "multi_az": true])
        )
        #expect(modifications.outputs["changed"] == ["MultiAZ"])
        #expect(try await rds.flags(["MultiAZ"], of: .instance, "ledger-db") == ["MultiAZ": true])
        // Asking for nothing, or for a protection off, is refused rather than read as "turn it off"
        for parameters: [String: JSONValue] in [
            ["instance": "ledger-db"], ["instance": "ledger-db", "deletion_protection": false],
        ] {
            await #expect {
                _ = try await world.invoker.execute(request("rds.protect_instance", parameters))
            } throws: { ($0 as? ActionFailure)?.code == "NothingAsked" }
        }
    }

    @Test func aDatabaseClusterGetsDeletionProtection() async throws {
        let world = try await world()
        let rds = RDSClient(try client(.rds, world))
        _ = try await rds.client.query("CreateDBCluster", effect: .mutating(idempotent: false)) {
            $0.set("DBClusterIdentifier", "ledger")
            $0.set("Engine", "aurora-postgresql")
            $0.set("MasterUsername", "admin_user")
            $0.set("MasterUserPassword", "not-a-real-password-1")
        }
        try await exerciseSetting(
            world,
            "rds.protect_cluster",
            ["cluster": "ledger", "deletion_protection": true],
            permission: "rds:ModifyDBCluster",
            setting: "DeletionProtection",
            before: false,
            after: true
        ) { () async throws -> JSONValue in
            .bool(try await rds.flags(["DeletionProtection"], of: .cluster, "ledger")["DeletionProtection"]!)
        }
    }

    @Test func anAutoScalingGroupUsesItsLoadBalancersHealthChecks() async throws {
        let world = try await world()
        let autoScaling = AutoScalingClient(try client(.autoScaling, world))
        let images = try await world.ec2.client.query("DescribeImages", effect: .readOnly)
        let image = try #require(images.list("imagesSet").first?.string("imageId"))
        _ = try await autoScaling.client.query("CreateLaunchConfiguration", effect: .mutating(idempotent: false)) {
            $0.set("LaunchConfigurationName", "web")
            $0.set("ImageId", image)
            $0.set("InstanceType", "t3.micro")
        }
        _ = try await autoScaling.client.query("CreateAutoScalingGroup", effect: .mutating(idempotent: false)) {
            $0.set("AutoScalingGroupName", "web-asg")
            $0.set("LaunchConfigurationName", "web")
            $0.set("MinSize", 0)
            $0.set("MaxSize", 1)
            $0.set("VPCZoneIdentifier", world.subnetID)
        }
        try await exerciseSetting(
            world,
            "autoscaling.enable_elb_health_check",
            ["group": "web-asg"],
            permission: "autoscaling:UpdateAutoScalingGroup",
            setting: "HealthCheckType",
            before: "EC2",
            after: "ELB"
        ) { () async throws -> JSONValue in
            try await autoScaling.healthCheckType(group: "web-asg").map(JSONValue.string) ?? .null
        }
    }

    // The filter and alarm go on the log group the multi-Region trail delivers to, named for the control; what
    // was there before the step stays on undo.
    @Test func aCISAlarmWatchesTheTrailsLogGroupAndUndoRemovesOnlyWhatItCreated() async throws {
        let world = try await world()
        try await world.s3.createBucket("remedy-cis-trail")
        let logs = CloudWatchLogsClient(try client(.cloudWatchLogs, world))
        let cloudWatch = CloudWatchClient(try client(.cloudWatch, world))
        let sns = SNSClient(try client(.sns, world))
        let topic = try await sns.createTopic(name: "remedy-security-alarms")
        for group in ["org-trail-logs", "other-logs"] {
            _ = try await logs.client.json(
                "CreateLogGroup",
                effect: .mutating(idempotent: false),
                body: ["logGroupName": .string(group)]
            )
        }
        let cloudTrail = CloudTrailClient(try client(.cloudTrail, world))
        _ = try await cloudTrail.client.json(
            "CreateTrail",
            effect: .mutating(idempotent: false),
            body: [
                "Name": "org-trail", "S3BucketName": "remedy-cis-trail", "IsMultiRegionTrail": true,
                "CloudWatchLogsLogGroupArn": .string(
                    "arn:aws:logs:\(moto.region):\(MotoServer.account):log-group:org-trail-logs:*"
                ),
                "CloudWatchLogsRoleArn": .string("arn:aws:iam::\(MotoServer.account):role/cloudtrail-to-logs"),
            ]
        )
        let root = try #require(CISAlarm.all.first { $0.control == "CloudWatch.1" })
        let alarm = request("cloudwatch.create_cis_alarm", ["control": "CloudWatch.1", "topic": .string(topic)])

        let dryRun = try await world.invoker.execute(
            request("cloudwatch.create_cis_alarm", ["control": "CloudWatch.1", "topic": .string(topic)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("logs:PutMetricFilter") == true)
        #expect(try await logs.metricFilterPattern(logGroup: "org-trail-logs", name: "remedy-cloudwatch-1") == nil)
        #expect(try await world.invoker.probe(alarm) == .notDone)

        let (result, captured) = try await executeCapturingPriorState(world, alarm)
        #expect(result.verified)
        #expect(result.outputs == ["log_group": "org-trail-logs", "alarm": "remedy-cloudwatch-1"])
        #expect(captured == [["filter_existed": false, "alarm_existed": false]])
        #expect(
            try await logs.metricFilterPattern(logGroup: "org-trail-logs", name: "remedy-cloudwatch-1") == root.pattern
        )
        #expect(try await cloudWatch.alarmActions(name: "remedy-cloudwatch-1") == [topic])
        guard case .done = try await world.invoker.probe(alarm) else {
            Issue.record("the probe does not see the alarm")
            return
        }

        // A second run finds the filter and the alarm as asked: it changes nothing and has nothing to undo.
        let again = try await world.invoker.execute(alarm)
        #expect(again.priorState == nil)
        // One found changed (another topic) is put right, and undo of that run leaves what it found.
        let other = try await sns.createTopic(name: "someone-elses")
        try await cloudWatch.putCountAlarm(
            name: "remedy-cloudwatch-1",
            description: "theirs",
            namespace: "LogMetrics",
            metric: "remedy-cloudwatch-1",
            actions: [other]
        )
        let repaired = try await world.invoker.execute(alarm)
        #expect(repaired.priorState == ["filter_existed": true, "alarm_existed": true])
        #expect(try await cloudWatch.alarmActions(name: "remedy-cloudwatch-1") == [topic])
        try await world.invoker.undo(alarm, priorState: try #require(repaired.priorState))
        #expect(try await cloudWatch.alarmActions(name: "remedy-cloudwatch-1") == [topic])

        try await world.invoker.undo(alarm, priorState: try #require(result.priorState))
        #expect(try await logs.metricFilterPattern(logGroup: "org-trail-logs", name: "remedy-cloudwatch-1") == nil)
        #expect(try await cloudWatch.alarmActions(name: "remedy-cloudwatch-1") == nil)

        // A log group named by the playbook is used as named; a region without a delivering trail is refused.
        let named = try await world.invoker.execute(
            request(
                "cloudwatch.create_cis_alarm",
                ["control": "CloudWatch.3", "topic": .string(topic), "log_group": "other-logs"]
            )
        )
        #expect(named.outputs["log_group"] == "other-logs")
        _ = try await cloudTrail.client.json(
            "DeleteTrail",
            effect: .mutating(idempotent: true),
            body: ["Name": "org-trail"]
        )
        await #expect {
            _ = try await world.invoker.execute(alarm)
        } throws: { ($0 as? ActionFailure)?.code == "NoTrailLogGroup" }
    }

    @Test func aPublicDatabaseSnapshotIsMadePrivate() async throws {
        let world = try await world()
        let rds = try await createDatabase(world, "ledger-db", isPublic: false)
        _ = try await rds.createSnapshot(of: "ledger-db", snapshotID: "ledger-before-migration", tags: [:])
        try await rds.setSnapshotPublic("ledger-before-migration", true)
        try await exerciseSetting(
            world,
            "rds.make_snapshot_private",
            ["snapshot": "ledger-before-migration"],
            permission: "rds:ModifyDBSnapshotAttribute",
            setting: "public",
            before: true,
            after: false
        ) { () async throws -> JSONValue in .bool(try await rds.isSnapshotPublic("ledger-before-migration")) }
    }

    @Test func aPublicSSMDocumentIsMadePrivate() async throws {
        let world = try await world()
        let ssm = SSMClient(try client(.ssm, world))
        _ = try await ssm.client.json(
            "CreateDocument",
            effect: .mutating(idempotent: false),
            body: [
                "Name": "restart-payments", "DocumentType": "Command",
                "Content": .string(
                    #"{"schemaVersion":"2.2","description":"restart","mainSteps":[{"action":"aws:runShellScript","name":"r","inputs":{"runCommand":["systemctl restart payments"]}}]}"#
                ),
            ]
        )
        try await ssm.setDocumentPublic("restart-payments", true)
        try await exerciseSetting(
            world,
            "ssm.make_document_private",
            ["document": "restart-payments"],
            permission: "ssm:ModifyDocumentPermission",
            setting: "public",
            before: true,
            after: false
        ) { () async throws -> JSONValue in .bool(try await ssm.isDocumentPublic("restart-payments")) }
    }

    @Test func aTransitGatewayStopsAcceptingSharedAttachmentsUnreviewed() async throws {
        let world = try await world()
        let created = try await world.ec2.client.query("CreateTransitGateway", effect: .mutating(idempotent: false)) {
            $0.set("Options.AutoAcceptSharedAttachments", "enable")
        }
        let gateway = try #require(created.string("transitGateway", "transitGatewayId"))
        try await exerciseSetting(
            world,
            "ec2.disable_transit_gateway_auto_accept",
            ["transit_gateway": .string(gateway)],
            permission: "ec2:ModifyTransitGateway",
            setting: "AutoAcceptSharedAttachments",
            before: true,
            after: false
        ) { () async throws -> JSONValue in
            .bool(try await world.ec2.autoAcceptsSharedAttachments(transitGatewayID: gateway))
        }
    }

    @Test func aQueueIsEncryptedAndOneWithAKMSKeyKeepsIt() async throws {
        let world = try await world()
        let sqs = SQSClient(try client(.sqs, world))
        let plain = try await sqs.createQueue(name: "payments-events")
        try await sqs.setQueueAttributes(queueURL: plain, ["SqsManagedSseEnabled": "false"])
        try await exerciseSetting(
            world,
            "sqs.enable_encryption",
            ["queue": "payments-events"],
            permission: "sqs:SetQueueAttributes",
            setting: "SqsManagedSseEnabled",
            before: false,
            after: true
        ) { () async throws -> JSONValue in
            .bool(try await sqs.queueAttributes(queueURL: plain)["SqsManagedSseEnabled"] == "true")
        }

        let keyed = try await sqs.createQueue(name: "audit-events")
        try await sqs.setQueueAttributes(queueURL: keyed, ["KmsMasterKeyId": "alias/team-key"])
        let result = try await world.invoker.execute(request("sqs.enable_encryption", ["queue": "audit-events"]))
        #expect(result.outputs["changed"] == [])
        #expect(try await sqs.queueAttributes(queueURL: keyed)["KmsMasterKeyId"] == "alias/team-key")
    }

    @Test func aRedshiftClusterKeepsSnapshotsAWeekAndLosesItsPublicEndpoint() async throws {
        let world = try await world()
        let redshift = RedshiftClient(try client(.redshift, world))
        _ = try await redshift.client.query("CreateCluster", effect: .mutating(idempotent: false)) {
            $0.set("ClusterIdentifier", "analytics")
            $0.set("NodeType", "dc2.large")
            $0.set("MasterUsername", "admin_user")
            $0.set("MasterUserPassword", "Not-a-real-password-1")
            $0.set("PubliclyAccessible", true)
            $0.set("AutomatedSnapshotRetentionPeriod", 1)
        }
        let read = { (setting: String) async throws -> JSONValue in
            let value = try await redshift.settings([setting], cluster: "analytics")[setting]
            return value.flatMap { Int($0) }.map { .number(Double($0)) } ?? .bool(value == "true")
        }
        try await exerciseSetting(
            world,
            "redshift.protect_cluster",
            ["cluster": "analytics", "automated_snapshots": true],
            permission: "redshift:ModifyCluster",
            setting: "AutomatedSnapshotRetentionPeriod",
            before: 1,
            after: 7
        ) { try await read("AutomatedSnapshotRetentionPeriod") }
        try await exerciseSetting(
            world,
            "redshift.protect_cluster",
            ["cluster": "analytics", "make_private": true],
            permission: "redshift:ModifyCluster",
            setting: "PubliclyAccessible",
            before: true,
            after: false
        ) { try await read("PubliclyAccessible") }
        // Audit logs go to the log bucket
        try await world.s3.createBucket("remedy-redshift-logs")
        try await exerciseSetting(
            world,
            "redshift.enable_audit_logging",
            ["cluster": "analytics", "bucket": "remedy-redshift-logs"],
            permission: "redshift:EnableLogging",
            setting: "AuditLogBucket",
            before: .null,
            after: "remedy-redshift-logs"
        ) { () async throws -> JSONValue in
            try await redshift.auditLogBucket(cluster: "analytics").map(JSONValue.string) ?? .null
        }
        // Thirty-five days is more than the week asked: nothing changes
        try await redshift.modify(cluster: "analytics", ["AutomatedSnapshotRetentionPeriod": "35"])
        let longer = try await world.invoker.execute(
            request("redshift.protect_cluster", ["cluster": "analytics", "automated_snapshots": true])
        )
        #expect(longer.outputs["changed"] == [])
    }

    @Test func aBucketLogsToTheLogBucketAndNeverToItself() async throws {
        let world = try await world()
        let logBucket = "remedy-access-logs-\(MotoServer.account)-\(moto.region)"
        for bucket in ["payments-data", logBucket] { try await world.s3.createBucket(bucket) }
        // The log bucket lets the logging service write, as S3 requires
        try await world.s3.putBucketPolicy(
            bucket: logBucket,
            document: JSONValue.object([
                "Version": "2012-10-17",
                "Statement": [
                    [
                        "Effect": "Allow", "Principal": ["Service": "logging.s3.amazonaws.com"],
                        "Action": "s3:PutObject", "Resource": .string("arn:aws:s3:::\(logBucket)/*"),
                    ]
                ],
            ]).jsonText()
        )
        try await exerciseSetting(
            world,
            "s3.enable_access_logging",
            ["bucket": "payments-data", "target_bucket": .string(logBucket)],
            permission: "s3:PutBucketLogging",
            setting: "LoggingEnabled",
            before: .null,
            after: ["TargetBucket": .string(logBucket), "TargetPrefix": "payments-data/"]
        ) { () async throws -> JSONValue in
            guard let logging = try await world.s3.accessLogging(bucket: "payments-data") else { return .null }
            return ["TargetBucket": .string(logging.targetBucket), "TargetPrefix": .string(logging.targetPrefix)]
        }
        await #expect {
            _ = try await world.invoker.execute(
                request(
                    "s3.enable_access_logging",
                    ["bucket": .string(logBucket), "target_bucket": .string(logBucket)]
                )
            )
        } throws: { ($0 as? ActionFailure)?.code == "LogBucketIsTheBucket" }
    }

    @Test func aTrailIsEncryptedWithTheKeyGivenAndOneWithAKeyKeepsIt() async throws {
        let world = try await world()
        try await world.s3.createBucket("remedy-enc-trail")
        let kms = KMSClient(try client(.kms, world))
        let key = try await kms.createKey(description: "remedy-cloudtrail")
        let cloudTrail = CloudTrailClient(try client(.cloudTrail, world))
        for trail in ["org-trail", "team-trail"] {
            _ = try await cloudTrail.client.json(
                "CreateTrail",
                effect: .mutating(idempotent: false),
                body: ["Name": .string(trail), "S3BucketName": "remedy-enc-trail"]
            )
        }
        try await exerciseSetting(
            world,
            "cloudtrail.enable_encryption",
            ["trail": "org-trail", "kms_key": .string(key)],
            permission: "cloudtrail:UpdateTrail",
            setting: "KmsKeyId",
            before: .null,
            after: .string(key)
        ) { () async throws -> JSONValue in
            try await cloudTrail.kmsKey(trail: "org-trail").map(JSONValue.string) ?? .null
        }

        let teamKey = try await kms.createKey(description: "team")
        try await cloudTrail.setKMSKey(trail: "team-trail", teamKey)
        let kept = try await world.invoker.execute(
            request("cloudtrail.enable_encryption", ["trail": "team-trail", "kms_key": .string(key)])
        )
        #expect(kept.outputs["changed"] == [])
        #expect(try await cloudTrail.kmsKey(trail: "team-trail") == teamKey)
    }

    @Test func aBucketRefusesPlainHTTPAndUndoLeavesTheTeamsStatements() async throws {
        let world = try await world()
        try await world.s3.createBucket("payments-reports")
        let teams: JSONValue = [
            "Sid": "TeamRead", "Effect": "Allow",
            "Principal": ["AWS": .string("arn:aws:iam::\(MotoServer.account):root")],
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::payments-reports/*",
        ]
        try await world.s3.putBucketPolicy(
            bucket: "payments-reports",
            document: JSONValue.object(["Version": "2012-10-17", "Statement": [teams]]).jsonText()
        )
        let statements = { () async throws -> [JSONValue] in
            let text = try await world.s3.bucketPolicy(bucket: "payments-reports")
            return try text.map { try JSONParser().parse($0)["Statement"]?.arrayValue ?? [] } ?? []
        }
        try await exerciseSetting(
            world,
            "s3.require_tls",
            ["bucket": "payments-reports"],
            permission: "s3:PutBucketPolicy",
            setting: "DeniesPlainHTTP",
            before: false,
            after: true
        ) { () async throws -> JSONValue in .bool(try await statements().contains { $0["Sid"] == "RemedyRequireTLS" }) }
        #expect(try await statements() == [teams], "undo removed remedy's statement alone")

        // With remedy's statement as the only one, undo deletes the policy rather than leave an empty one
        try await world.s3.deleteBucketPolicy(bucket: "payments-reports")
        let step = request("s3.require_tls", ["bucket": "payments-reports"])
        let result = try await world.invoker.execute(step)
        let added = try #require(try await statements().first)
        #expect(added["Condition"] == ["Bool": ["aws:SecureTransport": "false"]])
        #expect(added["Resource"] == ["arn:aws:s3:::payments-reports", "arn:aws:s3:::payments-reports/*"])
        try await world.invoker.undo(step, priorState: try #require(result.priorState))
        #expect(try await world.s3.bucketPolicy(bucket: "payments-reports") == nil)
    }

    @Test func aTrailDeliversItsEventsToTheLogGroupGiven() async throws {
        let world = try await world()
        try await world.s3.createBucket("remedy-logs-trail")
        let cloudTrail = CloudTrailClient(try client(.cloudTrail, world))
        _ = try await cloudTrail.client.json(
            "CreateTrail",
            effect: .mutating(idempotent: false),
            body: ["Name": "org-trail", "S3BucketName": "remedy-logs-trail"]
        )
        let group = "arn:aws:logs:\(moto.region):\(MotoServer.account):log-group:remedy-cloudtrail:*"
        let role = "arn:aws:iam::\(MotoServer.account):role/remedy-cloudtrail-to-logs"
        try await exerciseSetting(
            world,
            "cloudtrail.deliver_to_logs",
            ["trail": "org-trail", "log_group": .string(group), "role": .string(role)],
            permission: "cloudtrail:UpdateTrail",
            setting: "CloudWatchLogs",
            before: .null,
            after: ["LogGroupArn": .string(group), "RoleArn": .string(role)]
        ) { () async throws -> JSONValue in
            guard let delivery = try await cloudTrail.logsDelivery(trail: "org-trail") else { return .null }
            return ["LogGroupArn": .string(delivery.logGroupARN), "RoleArn": .string(delivery.roleARN)]
        }
    }

    @Test func aDatabaseCollectsOSMetricsEveryMinute() async throws {
        let world = try await world()
        let rds = try await createDatabase(world, "metrics-db", isPublic: false)
        let role = "arn:aws:iam::\(MotoServer.account):role/remedy-rds-monitoring"
        try await exerciseSetting(
            world,
            "rds.enable_enhanced_monitoring",
            ["instance": "metrics-db", "role": .string(role)],
            permission: "rds:ModifyDBInstance",
            setting: "EnhancedMonitoring",
            before: .null,
            after: ["MonitoringInterval": 60, "MonitoringRoleArn": .string(role)]
        ) { () async throws -> JSONValue in
            let values = try await rds.settings(
                ["MonitoringInterval", "MonitoringRoleArn"],
                of: .instance,
                "metrics-db"
            )
            guard let interval = values["MonitoringInterval"].flatMap({ Int($0) }), interval > 0 else { return .null }
            return [
                "MonitoringInterval": .number(Double(interval)),
                "MonitoringRoleArn": .string(values["MonitoringRoleArn"] ?? ""),
            ]
        }
    }

    @Test func aBucketWithoutLifecycleGetsRemedysRuleThatNeverDeletes() async throws {
        let world = try await world()
        try await world.s3.createBucket("payments-archive")
        try await exerciseSetting(
            world,
            "s3.add_lifecycle_rule",
            ["bucket": "payments-archive"],
            permission: "s3:PutLifecycleConfiguration",
            setting: "HasLifecycle",
            before: false,
            after: true
        ) { () async throws -> JSONValue in .bool(try await world.s3.hasLifecycle(bucket: "payments-archive")) }
        // The rule as S3 keeps it: a transition and the upload clean-up, no expiration
        let step = request("s3.add_lifecycle_rule", ["bucket": "payments-archive"])
        _ = try await world.invoker.execute(step)
        let response = try await world.s3.client.perform(
            AWSCall(
                operation: "GetBucketLifecycleConfiguration",
                effect: .readOnly,
                method: "GET",
                path: "/payments-archive",
                query: "lifecycle"
            )
        )
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("<StorageClass>INTELLIGENT_TIERING</StorageClass>"))
        #expect(text.contains("<DaysAfterInitiation>7</DaysAfterInitiation>"))
        #expect(!text.contains("Expiration"))
    }

    @Test func aSecretRotatesEveryNinetyDaysWithItsOwnFunctionFromItsNextDate() async throws {
        let world = try await world()
        _ = try await createFunction(world, "rotate-payments-db")
        let secrets = SecretsManagerClient(try client(.secretsManager, world))
        let function = "arn:aws:lambda:\(moto.region):\(MotoServer.account):function:rotate-payments-db"
        for name in ["payments-db", "orphan-token"] {
            _ = try await secrets.client.json(
                "CreateSecret",
                effect: .mutating(idempotent: false),
                body: ["Name": .string(name), "SecretString": "not-a-real-secret"]
            )
        }
        // Rotating twice a year with its function: too seldom for SecretsManager.4
        try await secrets.scheduleRotation("payments-db", lambdaARN: function, days: 180)
        try await exerciseSetting(
            world,
            "secretsmanager.schedule_rotation",
            ["secret": "payments-db", "days": 90],
            permission: "secretsmanager:RotateSecret",
            setting: "RotationDays",
            before: 180,
            after: 90
        ) { () async throws -> JSONValue in
            let rotation = try await secrets.rotation("payments-db")
            return rotation.isEnabled ? rotation.days.map { .number(Double($0)) } ?? .null : .null
        }
        #expect(try await secrets.rotation("payments-db").lambdaARN == function)
        // A secret with no function cannot be rotated by anyone but its owner: the step fails and says so
        await #expect {
            _ = try await world.invoker.execute(request("secretsmanager.schedule_rotation", ["secret": "orphan-token"]))
        } throws: { ($0 as? ActionFailure)?.code == "NoRotationFunction" }
    }

    @Test func aVPCRecordsItsTrafficAndUndoDeletesOnlyTheFlowLogRemedyCreated() async throws {
        let world = try await world()
        let bucket = "remedy-flow-logs-\(MotoServer.account)-\(moto.region)"
        try await world.s3.createBucket(bucket)
        try await exerciseSetting(
            world,
            "ec2.enable_flow_logs",
            ["vpc": .string(world.vpcID), "bucket": .string(bucket)],
            // EC2 answers a DryRun=true call for what it would do
            permission: "would succeed (EC2 DryRun)",
            setting: "FlowLogs",
            before: .null,
            after: ["Count": 1]
        ) { () async throws -> JSONValue in
            let logs = try await world.ec2.flowLogs(vpcID: world.vpcID)
            return logs.isEmpty ? .null : ["Count": .number(Double(logs.count))]
        }
        // The flow log goes to the bucket, tagged as remedy's
        let step = request("ec2.enable_flow_logs", ["vpc": .string(world.vpcID), "bucket": .string(bucket)])
        _ = try await world.invoker.execute(step)
        let created = try #require(try await world.ec2.flowLogs(vpcID: world.vpcID).first)
        #expect(created.tags == ["remedy:managed": "true"])
    }

    @Test func aStoppedInstanceIsTerminatedAndARunningOrProtectedOneIsRefused() async throws {
        let world = try await world()
        let (stopped, _) = try await launchInstance(world)
        let (running, _) = try await launchInstance(world, groupName: "api")
        let (protected, _) = try await launchInstance(world, groupName: "db")
        try await world.ec2.stopInstances(ids: [stopped, protected])
        _ = try await world.ec2.client.query("ModifyInstanceAttribute", effect: .mutating(idempotent: true)) {
            $0.set("InstanceId", protected)
            $0.set("DisableApiTermination.Value", true)
        }
        let terminate = request("ec2.terminate_stopped_instance", ["instance": .string(stopped)])
        let dryRun = try await world.invoker.execute(
            request("ec2.terminate_stopped_instance", ["instance": .string(stopped)], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict == "would succeed (EC2 DryRun)")
        #expect(try await world.ec2.describeInstances(ids: [stopped]).first?.state == "stopped")
        #expect(try await world.invoker.probe(terminate) == .notDone)

        let result = try await world.invoker.execute(terminate)
        #expect(result.verified)
        #expect(result.outputs["state_before"] == "stopped")
        #expect(
            ["shutting-down", "terminated"].contains(try await world.ec2.describeInstances(ids: [stopped]).first?.state)
        )
        // A retry finds it gone and does not call again
        let retried = try await world.invoker.execute(terminate)
        #expect(retried.outputs["state_before"] != "stopped")

        for (instance, code) in [(running, "InstanceNotStopped"), (protected, "TerminationProtected")] {
            await #expect {
                _ = try await world.invoker.execute(
                    request("ec2.terminate_stopped_instance", ["instance": .string(instance)])
                )
            } throws: { ($0 as? ActionFailure)?.code == code }
        }
        #expect(try await world.ec2.describeInstances(ids: [running]).first?.state == "running")
        #expect(try await world.ec2.describeInstances(ids: [protected]).first?.state == "stopped")
    }

    @Test func anUnreadSecretIsScheduledForDeletionAndUndoRestoresIt() async throws {
        let world = try await world()
        let secrets = SecretsManagerClient(try client(.secretsManager, world))
        // moto 5.2.1 records no LastAccessedDate: a secret read recently is refused in ServiceSettingStubTests
        _ = try await secrets.client.json(
            "CreateSecret",
            effect: .mutating(idempotent: false),
            body: ["Name": "old-partner-token", "SecretString": "not-a-real-secret"]
        )
        let delete = request("secretsmanager.delete_unused_secret", ["secret": "old-partner-token"])
        let dryRun = try await world.invoker.execute(
            request("secretsmanager.delete_unused_secret", ["secret": "old-partner-token"], mode: .dryRun)
        )
        #expect(dryRun.dryRunVerdict?.contains("secretsmanager:DeleteSecret") == true)
        #expect(try await secrets.usage("old-partner-token").deletedDate == nil)
        #expect(try await world.invoker.probe(delete) == .notDone)

        let (result, captured) = try await executeCapturingPriorState(world, delete)
        #expect(result.verified)
        #expect(captured == [["scheduled_for_deletion": true]])
        let deletion = try #require(try await secrets.usage("old-partner-token").deletedDate)
        #expect(result.outputs["deletion_date"] == .string(Timestamp.format(deletion)))
        // Scheduled already: a retry changes nothing
        #expect(try await world.invoker.execute(delete).priorState == nil)

        try await world.invoker.undo(delete, priorState: try #require(result.priorState))
        #expect(try await secrets.usage("old-partner-token").deletedDate == nil)
    }

    // moto refuses the signature of rest-json GET calls without a body (docs/aws.md#moto-signature-checking), as for
    // Lambda: these calls are checked for behaviour, not signatures.
    @Test func aRESTAPIStageEncryptsItsCacheAndLogsErrors() async throws {
        let world = try await world()
        try await moto.turnAuthOff()
        let apiGateway = APIGatewayClient(try client(.apiGateway, world))
        let created = try await apiGateway.client.restJSON(
            "CreateRestApi",
            effect: .mutating(idempotent: false),
            method: "POST",
            path: "/restapis",
            body: ["name": "payments"]
        )
        let api = try #require(created["id"]?.stringValue)
        let resources = try await apiGateway.client.restJSON(
            "GetResources",
            effect: .readOnly,
            method: "GET",
            path: "/restapis/\(api)/resources"
        )
        let root = try #require(resources["item"]?.arrayValue?.first?["id"]?.stringValue)
        _ = try await apiGateway.client.restJSON(
            "PutMethod",
            effect: .mutating(idempotent: true),
            method: "PUT",
            path: "/restapis/\(api)/resources/\(root)/methods/GET",
            body: ["authorizationType": "NONE"]
        )
        _ = try await apiGateway.client.restJSON(
            "PutIntegration",
            effect: .mutating(idempotent: true),
            method: "PUT",
            path: "/restapis/\(api)/resources/\(root)/methods/GET/integration",
            body: ["type": "MOCK"]
        )
        _ = try await apiGateway.client.restJSON(
            "CreateDeployment",
            effect: .mutating(idempotent: false),
            method: "POST",
            path: "/restapis/\(api)/deployments",
            body: ["stageName": "prod"]
        )
        let stage = "\(api)/prod"
        try await exerciseSetting(
            world,
            "apigateway.protect_stage",
            ["stage": .string(stage), "encrypt_cache": true],
            permission: "apigateway:PATCH",
            setting: "caching/dataEncrypted",
            before: false,
            after: true
        ) { () async throws -> JSONValue in
            .bool(try await apiGateway.defaultMethodSettings(api: api, stage: "prod")["cacheDataEncrypted"] == true)
        }
        let logging = try await world.invoker.execute(
            request("apigateway.protect_stage", ["stage": .string(stage), "execution_logging": true])
        )
        #expect(logging.outputs["changed"] == ["logging/loglevel"])
        #expect(try await apiGateway.defaultMethodSettings(api: api, stage: "prod")["loggingLevel"] == "ERROR")
    }

    @Test func configRecordsTheRegionWithItsServiceLinkedRoleAndUndoStopsIt() async throws {
        let world = try await world()
        let bucket = "remedy-config-\(MotoServer.account)-\(moto.region)"
        try await world.s3.createBucket(bucket)
        let config = ConfigClient(try client(.config, world))
        try await exerciseSetting(
            world,
            "config.enable_recording",
            ["account": .string(MotoServer.account), "bucket": .string(bucket)],
            permission: "config:StartConfigurationRecorder",
            setting: "Recording",
            before: false,
            after: true
        ) { () async throws -> JSONValue in .bool(try await config.recorder()?.isRecording ?? false) }
        let recorders = try await config.client.json("DescribeConfigurationRecorders", effect: .readOnly, body: [:])
        let recorder = try #require(recorders["ConfigurationRecorders"]?.arrayValue?.first)
        #expect(
            recorder["roleARN"]
                == .string(
                    "arn:aws:iam::\(MotoServer.account):role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
                )
        )
        #expect(recorder["recordingGroup"]?["allSupported"] == true)
        let channels = try await config.client.json("DescribeDeliveryChannels", effect: .readOnly, body: [:])
        #expect(channels["DeliveryChannels"]?.arrayValue?.first?["s3BucketName"] == .string(bucket))
    }

    @Test func aProvisionedTableScalesWithDemandAndAnOnDemandOneIsLeftAlone() async throws {
        let world = try await world()
        let dynamoDB = DynamoDBClient(try client(.dynamoDB, world))
        for (table, provisioned) in [("orders", true), ("sessions", false)] {
            var body: [String: JSONValue] = [
                "TableName": .string(table),
                "AttributeDefinitions": [["AttributeName": "id", "AttributeType": "S"]],
                "KeySchema": [["AttributeName": "id", "KeyType": "HASH"]],
            ]
            if provisioned {
                body["ProvisionedThroughput"] = ["ReadCapacityUnits": 5, "WriteCapacityUnits": 2]
            } else {
                body["BillingMode"] = "PAY_PER_REQUEST"
            }
            _ = try await dynamoDB.client.json("CreateTable", effect: .mutating(idempotent: false), body: .object(body))
        }
        let scaling = ApplicationAutoScalingClient(try client(.applicationAutoScaling, world))
        try await exerciseSetting(
            world,
            "dynamodb.enable_autoscaling",
            ["table": "orders"],
            permission: "application-autoscaling:RegisterScalableTarget",
            setting: "ScaledDimensions",
            before: [],
            after: ["dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits"]
        ) { () async throws -> JSONValue in
            .array(
                try await scaling.scalableDimensions(namespace: "dynamodb", resource: "table/orders").sorted().map(
                    JSONValue.string
                )
            )
        }
        let onDemand = try await world.invoker.execute(request("dynamodb.enable_autoscaling", ["table": "sessions"]))
        #expect(onDemand.outputs["changed"] == [])
        #expect(try await scaling.scalableDimensions(namespace: "dynamodb", resource: "table/sessions").isEmpty)
    }

    @Test func anALBRedirectsHTTPToHTTPSAndOneWithoutHTTPSIsRefused() async throws {
        let world = try await world()
        let elb = ELBv2Client(try client(.elasticLoadBalancingV2, world))
        let second = try await world.ec2.client.query("CreateSubnet", effect: .mutating(idempotent: false)) {
            $0.set("VpcId", world.vpcID)
            $0.set("CidrBlock", "10.20.2.0/24")
            $0.set("AvailabilityZone", "\(moto.region)b")
        }
        let subnets = [world.subnetID, try #require(second.string("subnet", "subnetId"))]
        func loadBalancer(_ name: String) async throws -> String {
            let created = try await elb.client.query("CreateLoadBalancer", effect: .mutating(idempotent: false)) {
                $0.set("Name", name)
                $0.set("Subnets", list: subnets, style: .query)
            }
            return try #require(created.list("LoadBalancers").first?.string("LoadBalancerArn"))
        }
        func listener(_ balancer: String, _ networkProtocol: String, _ port: Int, _ group: String) async throws {
            _ = try await elb.client.query("CreateListener", effect: .mutating(idempotent: false)) {
                $0.set("LoadBalancerArn", balancer)
                $0.set("Protocol", networkProtocol)
                $0.set("Port", port)
                $0.set("DefaultActions.member.1.Type", "forward")
                $0.set("DefaultActions.member.1.TargetGroupArn", group)
                if networkProtocol == "HTTPS" {
                    // An IAM server certificate: moto looks ACM certificates up, and has none
                    $0.set(
                        "Certificates.member.1.CertificateArn",
                        "arn:aws:iam::\(MotoServer.account):server-certificate/web"
                    )
                }
            }
        }
        let group = try #require(
            try await elb.client.query("CreateTargetGroup", effect: .mutating(idempotent: false)) {
                $0.set("Name", "web")
                $0.set("Protocol", "HTTP")
                $0.set("Port", 80)
                $0.set("VpcId", world.vpcID)
            }.list("TargetGroups").first?.string("TargetGroupArn")
        )
        let web = try await loadBalancer("web")
        try await listener(web, "HTTP", 80, group)
        try await listener(web, "HTTPS", 443, group)
        let httpListeners = { () async throws -> JSONValue in
            let listeners = try await elb.listeners(ofLoadBalancer: web).filter { $0.networkProtocol == "HTTP" }
            return .object(
                Dictionary(uniqueKeysWithValues: listeners.map { ($0.arn, JSONValue.array($0.defaultActions)) })
            )
        }
        let before = try await httpListeners()
        let http = try #require(before.objectValue?.keys.first)
        #expect(before[http]?.arrayValue?.first?["Type"] == "forward")
        try await exerciseSetting(
            world,
            "elbv2.redirect_http_to_https",
            ["load_balancer": .string(web)],
            permission: "elasticloadbalancing:ModifyListener",
            setting: "HTTPListeners",
            before: before,
            after: [http: [RedirectHTTPToHTTPSExpectation.redirect]],
            read: httpListeners
        )

        let plain = try await loadBalancer("plain")
        try await listener(plain, "HTTP", 80, group)
        await #expect {
            _ = try await world.invoker.execute(
                request("elbv2.redirect_http_to_https", ["load_balancer": .string(plain)])
            )
        } throws: { ($0 as? ActionFailure)?.code == "NoHTTPSListener" }
    }
}

/// The redirect the action writes, as the listener reads back.
enum RedirectHTTPToHTTPSExpectation {
    static let redirect: JSONValue = [
        "Type": "redirect",
        "RedirectConfig": [
            "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
            "StatusCode": "HTTP_301",
        ],
    ]
}

/// A setting action's life through `invoker`.
///
/// A dry-run changes nothing, the probe sees the setting short, execute
/// journals the value before and changes it, the probe sees it done, a second execute changes nothing, and undo
/// restores the value before. `request` makes the step's request in a mode; `read` reads the setting back.
func exerciseSetting(
    _ invoker: CatalogInvoker,
    _ request: (ExecutionMode) -> ActionRequest,
    permission: String,
    setting: String,
    before: JSONValue,
    after: JSONValue,
    read: () async throws -> JSONValue,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) async throws {
    let dryRun = try await invoker.execute(request(.dryRun))
    #expect(dryRun.dryRunVerdict?.contains(permission) == true, sourceLocation: sourceLocation)
    #expect(try await read() == before, "a dry-run changed \(setting)", sourceLocation: sourceLocation)

    let step = request(.live)
    #expect(try await invoker.probe(step) == .notDone, sourceLocation: sourceLocation)
    let captured = CapturedPriorStates()
    let result = try await invoker.execute(step) { captured.add($0) }
    #expect(result.verified, sourceLocation: sourceLocation)
    #expect(result.outputs["changed"] == [.string(setting)], sourceLocation: sourceLocation)
    #expect(captured.all == [[setting: before]], "the value before is journaled first", sourceLocation: sourceLocation)
    #expect(try await read() == after, sourceLocation: sourceLocation)
    guard case .done = try await invoker.probe(step) else {
        Issue.record("the probe does not see \(setting) set", sourceLocation: sourceLocation)
        return
    }
    let again = try await invoker.execute(step)
    #expect(again.outputs["changed"] == [], sourceLocation: sourceLocation)
    #expect(again.priorState == nil, sourceLocation: sourceLocation)

    try await invoker.undo(step, priorState: try #require(result.priorState))
    #expect(try await read() == before, "undo did not restore \(setting)", sourceLocation: sourceLocation)
}

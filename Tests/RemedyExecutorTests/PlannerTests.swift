import RemedyActions
import RemedyCore
import RemedyExecutor
import RemedyPlaybooks
import RemedyTestSupport
import Testing

@Suite struct PlannerTests {
    let library = PlaybookLibrary.load(paths: [Repository.path("Playbooks")], catalog: .standard)
    let planner = Planner(catalog: .standard)

    func findings(_ fixture: String) throws -> [Finding] {
        try FindingDecoder().decode(try Repository.bytes("Fixtures/findings/\(fixture)"))
    }

    func plans(_ finding: Finding) -> [Plan] {
        planner.outcomes(for: finding, playbooks: library.playbooks).compactMap {
            if case .planned(let plan) = $0 { return plan }
            return nil
        }
    }

    @Test func aCappedPlaybookCarriesItsLimitsWithTheApproversOfItsGates() throws {
        let finding = try #require(try findings("eventbridge/guardduty-backdoor-cc-activity.json").first)
        let plan = try #require(plans(finding).first { $0.playbook == "ec2-compromise-contain" })
        #expect(
            plan.limits
                == RunLimits(
                    maximumRunsPerHour: 50,
                    maximumConcurrentRuns: nil,
                    approvers: ["group:incident-leads"],
                    timeout: .seconds(3600)
                )
        )
    }

    @Test func compromisedInstancePlanPutsEvidenceBeforeTheGatedIsolation() throws {
        let finding = try #require(try findings("eventbridge/guardduty-backdoor-cc-activity.json").first)
        let plan = try #require(plans(finding).first { $0.playbook == "ec2-compromise-contain" })
        #expect(plan.targetRole == .known("arn:aws:iam::111122223333:role/RemedyResponder"))
        let ids = plan.steps.map(\.id)
        let evidence = try #require(ids.firstIndex(of: "evidence"))
        let gate = try #require(ids.firstIndex(of: "approve-isolation"))
        let isolate = try #require(ids.firstIndex(of: "isolate"))
        #expect(evidence < gate && gate < isolate)
        let step = plan.steps[isolate]
        #expect(step.gatedBy == ["approve-isolation"])
        guard case .action(let name, let parameters, _, _, _) = step.kind else {
            Issue.record("isolate is not an action")
            return
        }
        #expect(name == "ec2.quarantine")
        #expect(parameters["instance"] == .known("i-0c027aaddbfe258b6"))
        #expect(parameters["isolation_group_name"] == .known("remedy-isolation"))
        // Security Hub write-back is skipped for a native GuardDuty finding.
        #expect(plan.steps.first { $0.id == "resolve" }?.disposition.isSkipped == true)
    }

    /// The one finding `document` (a finding or its envelope, edited by a test) decodes to.
    func decoded(_ document: [String: JSONValue]) throws -> Finding {
        try #require(try FindingDecoder().decode(Array(JSONValue.object(document).jsonText().utf8)).first)
    }

    /// The C&C fixture as GuardDuty would send another type about the same instance, or about an ECS cluster.
    func variant(type: String, resource: JSONValue? = nil) throws -> Finding {
        let text = try Repository.read("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json")
        var event = try #require(try JSONParser().parse(text).objectValue)
        var detail = try #require(event["detail"]?.objectValue)
        detail["type"] = .string(type)
        if let resource { detail["resource"] = resource }
        event["detail"] = .object(detail)
        return try decoded(event)
    }

    @Test func runtimeAndMalwareFindingsAboutAnInstanceGetTheInstanceContainment() throws {
        // Runtime Monitoring on an EC2 host, Malware Protection for EC2, and traffic the instance sends
        for type in [
            "Execution:Runtime/ReverseShell", "Impact:Runtime/CryptoMinerExecuted", "Execution:EC2/MaliciousFile",
            "Impact:EC2/PortSweep", "UnauthorizedAccess:EC2/MetadataDNSRebind",
        ] {
            let plan = try #require(plans(try variant(type: type)).first { $0.playbook == "ec2-compromise-contain" })
            let ids = plan.steps.map(\.id)
            // Evidence first, the isolation behind the incident lead's approval, on the instance the finding names
            #expect(ids.firstIndex(of: "evidence")! < ids.firstIndex(of: "approve-isolation")!)
            let isolate = try #require(plan.steps.first { $0.id == "isolate" })
            #expect(isolate.gatedBy == ["approve-isolation"])
            guard case .action(_, let parameters, _, _, _) = isolate.kind else {
                Issue.record("isolate is not an action")
                continue
            }
            #expect(parameters["instance"] == .known("i-0c027aaddbfe258b6"), "\(type)")
        }
        // WinRM brute force against the instance: its world-open WinRM ports are closed, as SSH's and RDP's
        var winRM = try variant(type: "Impact:EC2/WinRMBruteForce")
        winRM.severity = Severity(score: 20)
        let brute = try #require(plans(winRM).first)
        #expect(brute.playbook == "ec2-ssh-brute-force")
        guard case .action(_, let close, _, _, _)? = brute.steps.first(where: { $0.id == "close-ssh" })?.kind else {
            Issue.record("no close-ssh step")
            return
        }
        #expect(close["ports"] == .known([22, 3389, 5985, 5986]))
        // The same Runtime type about an ECS cluster names no instance: the instance containment does not act
        let ecs: JSONValue = [
            "resourceType": "ECSCluster",
            "ecsClusterDetails": ["name": "payments", "arn": "arn:aws:ecs:us-east-1:111122223333:cluster/payments"],
        ]
        let onECS = try variant(type: "Execution:Runtime/ReverseShell", resource: ecs)
        #expect(!plans(onECS).contains { $0.playbook == "ec2-compromise-contain" })
        // A Low-severity indicator stays below the containment's threshold
        var low = try variant(type: "Execution:Runtime/SuspiciousShellCreated")
        low.severity = Severity(score: 20)
        #expect(!plans(low).contains { $0.playbook == "ec2-compromise-contain" })
    }

    /// The anomalous-behavior fixture as GuardDuty would send another IAM type about the same key.
    func keyVariant(type: String) throws -> Finding {
        let text = try Repository.read("Fixtures/findings/sns/guardduty-credential-access-anomalous-behavior.json")
        let envelope = try #require(try JSONParser().parse(text).objectValue)
        let message = try #require(envelope["Message"]?.stringValue)
        var event = try #require(try JSONParser().parse(message).objectValue)
        var detail = try #require(event["detail"]?.objectValue)
        detail["type"] = .string(type)
        event["detail"] = .object(detail)
        return try decoded(event)
    }

    @Test func iamFindingsGoToThePlaybookThatAnswersThem() throws {
        func planned(_ type: String) throws -> [String] { plans(try keyVariant(type: type)).map(\.playbook) }
        // A key used anomalously, from Tor or a malicious address, or to turn logging off: deactivated at once
        for type in [
            "Exfiltration:IAMUser/AnomalousBehavior", "Recon:IAMUser/TorIPCaller",
            "DefenseEvasion:IAMUser/BedrockLoggingDisabled",
        ] {
            let plan = try #require(plans(try keyVariant(type: type)).first)
            #expect(plan.playbook == "iam-credential-compromise")
            #expect(plan.steps.first?.id == "deactivate-key", "\(type)")
        }
        // Discovery alone (Low) is not acted on
        #expect(try planned("Discovery:IAMUser/AnomalousBehavior").isEmpty)
        // A pentest distribution: the on-call is told, and the key waits for the lead
        let pentest = try #require(plans(try keyVariant(type: "PenTest:IAMUser/KaliLinux")).first)
        #expect(pentest.playbook == "iam-pentest-tooling")
        #expect(pentest.steps.map(\.id) == ["notify", "approve", "deactivate-key", "revoke-sessions"])
        #expect(pentest.steps.first { $0.id == "deactivate-key" }?.gatedBy == ["approve"])
        // Root: told, nothing deactivated
        let root = try #require(plans(try keyVariant(type: "Policy:IAMUser/RootCredentialUsage")).first)
        #expect(root.playbook == "iam-root-credential-usage")
        #expect(
            root.steps.allSatisfy { step in
                guard case .action(let name, _, _, _, _) = step.kind else { return false }
                return ["notify.slack", "securityhub.update_finding"].contains(name)
            }
        )
    }

    /// The anonymous-access fixture (a bucket and the key that called) as another S3 type, by another caller.
    func bucketVariant(type: String, caller: JSONValue? = nil) throws -> Finding {
        let text = try Repository.read("Fixtures/findings/raw/guardduty-s3-bucket-anonymous-access-granted.json")
        var detail = try #require(try JSONParser().parse(text).objectValue)
        detail["type"] = .string(type)
        if let caller, var resource = detail["resource"]?.objectValue {
            resource["accessKeyDetails"] = caller
            detail["resource"] = .object(resource)
        }
        return try decoded(detail)
    }

    @Test func threatsToABucketsDataDenyTheCallerThereAndAPentestHostWaitsForTheLead() throws {
        let exfiltration = try #require(plans(try bucketVariant(type: "Exfiltration:S3/AnomalousBehavior")).first)
        #expect(exfiltration.playbook == "s3-data-access-threat")
        let deny = try #require(exfiltration.steps.first { $0.id == "deny-principal" })
        #expect(deny.gatedBy.isEmpty)
        guard case .action("s3.deny_principal", let parameters, _, _, _) = deny.kind else {
            Issue.record("deny-principal is not s3.deny_principal")
            return
        }
        #expect(parameters["principal_id"] == .known("AIDAE178K5MH9U046VGSL"))
        #expect(parameters["bucket"] == .known("acme-analytics-exports-444455556666"))
        // From a penetration-testing host the denial waits for the lead
        let pentest = try #require(plans(try bucketVariant(type: "PenTest:S3/KaliLinux")).first)
        #expect(pentest.steps.first { $0.id == "deny-principal" }?.gatedBy == ["approve-pentest"])
        // Root's id is the account's: nothing is denied, the on-call is told
        let root: JSONValue = [
            "accessKeyId": "ASIAWII6APKGROOT0001", "principalId": "444455556666", "userName": "Root",
            "userType": "Root",
        ]
        let byRoot = try #require(plans(try bucketVariant(type: "Impact:S3/MaliciousIPCaller", caller: root)).first)
        #expect(byRoot.steps.first { $0.id == "deny-principal" }?.disposition.isSkipped == true)
        // Access logging turned off: the on-call is told, nothing is guessed
        let logging = try #require(plans(try bucketVariant(type: "Stealth:S3/ServerAccessLoggingDisabled")).first)
        #expect(logging.playbook == "s3-access-logging-disabled")
        #expect(logging.steps.map(\.id) == ["notify"])
    }

    @Test func aCompromisedLambdaKeepsItsEvidenceAndWaitsForTheLeadBeforeItStops() throws {
        var finding = try variant(type: "Backdoor:Lambda/C&CActivity.B")
        finding.resources = [
            FindingResource(
                type: "AwsLambdaFunction",
                id: "billing-export",
                arn: "arn:aws:lambda:us-east-1:111122223333:function:billing-export",
                region: "us-east-1",
                tags: [:],
                details: ["role": "arn:aws:iam::111122223333:role/billing-export-role"]
            )
        ]
        let plan = try #require(plans(finding).first)
        #expect(plan.playbook == "lambda-compromise")
        #expect(
            plan.steps.map(\.id) == [
                "evidence", "remove-public", "approve-containment", "throttle", "revoke-role-sessions", "notify",
            ]
        )
        // Evidence and the public permissions go at once; stopping it and cutting its role off wait for the lead
        #expect(plan.steps.prefix(2).allSatisfy { $0.gatedBy.isEmpty })
        #expect(plan.steps.first { $0.id == "throttle" }?.gatedBy == ["approve-containment"])
        #expect(plan.steps.first { $0.id == "revoke-role-sessions" }?.gatedBy == ["approve-containment"])
    }

    @Test func aDatabaseLoggedIntoFromTorIsSnapshottedThenMadePrivateAfterApproval() throws {
        let text = try Repository.read("Fixtures/findings/raw/guardduty-stealth-cloudtrail-logging-disabled.json")
        var detail = try #require(try JSONParser().parse(text).objectValue)
        detail["type"] = "CredentialAccess:RDS/TorIPCaller.SuccessfulLogin"
        detail["severity"] = 8
        detail["resource"] = [
            "resourceType": "RDSDBInstance",
            "rdsDbInstanceDetails": [
                "dbInstanceIdentifier": "payments-db", "engine": "aurora-postgresql",
                "dbInstanceArn": "arn:aws:rds:us-east-1:111122223333:db:payments-db",
            ],
            "rdsDbUserDetails": ["user": "reporting", "application": "psql", "database": "payments"],
        ]
        let finding = try decoded(detail)
        #expect(finding.resources.first?.type == "AwsRdsDbInstance")
        let plan = try #require(plans(finding).first)
        #expect(plan.playbook == "rds-compromise")
        #expect(plan.steps.map(\.id) == ["evidence", "approve-isolation", "make-private", "close-ingress", "notify"])
        #expect(plan.steps[0].gatedBy.isEmpty)
        #expect(plan.steps.first { $0.id == "make-private" }?.gatedBy == ["approve-isolation"])
        guard case .action(_, let parameters, _, _, _) = plan.steps[0].kind else {
            Issue.record("evidence is not an action")
            return
        }
        #expect(parameters["instance"] == .known("payments-db"))
        // An identifier RDS would never give refuses the playbook rather than reach a call
        detail["resource"] = [
            "resourceType": "RDSDBInstance", "rdsDbInstanceDetails": ["dbInstanceIdentifier": "payments--db"],
        ]
        let hostile = try decoded(detail)
        #expect(plans(hostile).isEmpty)
    }

    /// A GuardDuty EKS audit-log finding about `user` on cluster `payments`, as the API shapes it.
    func kubernetesFinding(type: String, user: String) throws -> Finding {
        let text = try Repository.read("Fixtures/findings/raw/guardduty-stealth-cloudtrail-logging-disabled.json")
        var detail = try #require(try JSONParser().parse(text).objectValue)
        detail["type"] = .string(type)
        detail["resource"] = [
            "resourceType": "EKSCluster",
            "eksClusterDetails": [
                "name": "payments", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/payments",
                "vpcId": "vpc-0123456789abcdef0", "status": "ACTIVE", "tags": [["key": "team", "value": "pay"]],
            ],
            "kubernetesDetails": [
                "kubernetesUserDetails": [
                    "username": .string(user), "uid": "aws-iam-authenticator:111122223333:AROAEXAMPLE",
                    "groups": ["system:authenticated"],
                ]
            ],
        ]
        return try decoded(detail)
    }

    @Test func aKubernetesCallerFromTorLosesItsAccessEntryAfterApproval() throws {
        let session = "arn:aws:sts::111122223333:assumed-role/deployer/gitlab-4711"
        let finding = try kubernetesFinding(type: "Discovery:Kubernetes/TorIPCaller", user: session)
        #expect(finding.resources.first?.type == "AwsEksCluster")
        #expect(finding.resources.first?.tags == ["team": "pay"])
        let plan = try #require(plans(finding).first)
        #expect(plan.playbook == "eks-cluster-threat")
        #expect(plan.steps.map(\.id) == ["notify", "approve", "remove-access", "notify-kubernetes"])
        let remove = try #require(plan.steps.first { $0.id == "remove-access" })
        #expect(remove.gatedBy == ["approve"])
        guard case .action(_, let parameters, _, _, _) = remove.kind else {
            Issue.record("remove-access is not an action")
            return
        }
        #expect(parameters["cluster"] == .known("payments"))
        #expect(parameters["user"] == .known(.string(session)))
        // Whether an IAM principal had an entry is known only when the run reads the cluster's entries
        #expect(plan.steps.last?.disposition.isSkipped == false)

        // An anonymous caller has no access entry: nothing to approve or remove, the on-call is told what to change
        let anonymous = try #require(
            plans(try kubernetesFinding(type: "Impact:Kubernetes/SuccessfulAnonymousAccess", user: "system:anonymous"))
                .first
        )
        #expect(anonymous.steps.filter { !$0.disposition.isSkipped }.map(\.id) == ["notify", "notify-kubernetes"])
        // Malware found in a container is not a caller's doing: not this playbook's
        let malware = try kubernetesFinding(type: "Execution:Kubernetes/MaliciousFile", user: session)
        #expect(plans(malware).allSatisfy { $0.playbook != "eks-cluster-threat" })
    }

    @Test func aWeakPasswordPolicyControlOrChangeRaisesThePolicy() throws {
        let finding = try #require(try findings("raw/asff-iam-3-cis-1.2-ruleid.json").first)
        for control in ["IAM.7", "IAM.15"] {
            var weak = finding
            weak.controlID = control
            let plan = try #require(plans(weak).first { $0.playbook == "iam-password-policy" }, "\(control)")
            #expect(plan.steps.first?.id == "strengthen")
            #expect(plan.steps.first { $0.id == "resolve" }?.disposition.isSkipped == false)
        }
        let changed = try keyVariant(type: "Stealth:IAMUser/PasswordPolicyChange")
        let plan = try #require(plans(changed).first)
        #expect(plan.playbook == "iam-password-policy")
        #expect(plan.steps.map(\.id) == ["strengthen", "notify", "resolve"])
    }

    @Test func aPublicDatabaseControlFindingNamesTheInstanceAndWaitsForThePlatformTeam() throws {
        let text = try Repository.read("Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json")
        var asff = try #require(try JSONParser().parse(text).objectValue)
        asff["Resources"] = [
            [
                "Type": "AwsRdsDbInstance", "Id": "arn:aws:rds:us-east-1:111122223333:db:payments-db",
                "Partition": "aws", "Region": "us-east-1",
            ]
        ]
        asff["Compliance"] = ["Status": "FAILED", "SecurityControlId": "RDS.2"]
        let finding = try decoded(asff)
        // The instance identifier follows `db:` in the ARN
        #expect(finding.resources.first?.id == "payments-db")
        let plan = try #require(plans(finding).first)
        #expect(plan.playbook == "rds-public-instance")
        #expect(plan.steps.first { $0.id == "make-private" }?.gatedBy == ["approve"])
        guard case .action(_, let parameters, _, _, _)? = plan.steps.first(where: { $0.id == "make-private" })?.kind
        else {
            Issue.record("make-private is not an action")
            return
        }
        #expect(parameters["instance"] == .known("payments-db"))
    }

    /// A Security Hub control finding about one resource, from the ASFF fixture.
    func controlFinding(_ control: String, type: String, id: String) throws -> Finding {
        let text = try Repository.read("Fixtures/findings/raw/asff-s3-8-bucket-block-public-access.json")
        var asff = try #require(try JSONParser().parse(text).objectValue)
        asff["Resources"] = [["Type": .string(type), "Id": .string(id), "Partition": "aws", "Region": "us-east-1"]]
        asff["Compliance"] = ["Status": "FAILED", "SecurityControlId": .string(control)]
        return try decoded(asff)
    }

    /// Each hardening control reaches its playbook; the step that fixes it gets the resource the ARN names (log
    /// groups and repositories keep their slashes, clusters lose `cluster:`), and only that control's step runs.
    @Test func hardeningControlsPlanTheirFixOnTheResourceTheARNNames() throws {
        let cases:
            [(
                control: String, type: String, arn: String, playbook: String, step: String, parameter: String,
                value: String
            )] = [
                (
                    "DynamoDB.6", "AwsDynamoDbTable", "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
                    "dynamodb-deletion-protection", "fix", "table", "orders"
                ),
                (
                    "ECR.1", "AwsEcrRepository", "arn:aws:ecr:us-east-1:111122223333:repository/team/payments-api",
                    "ecr-scan-on-push", "fix", "repository", "team/payments-api"
                ),
                (
                    "CloudWatch.16", "AwsLogsLogGroup",
                    "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/pay:*",
                    "log-group-retention", "fix", "log_group", "/aws/lambda/pay"
                ),
                (
                    "CloudTrail.4", "AwsCloudTrailTrail", "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail",
                    "cloudtrail-log-file-validation", "fix", "trail", "org-trail"
                ),
                (
                    "SNS.1", "AwsSnsTopic", "arn:aws:sns:us-east-1:111122223333:alerts",
                    "sns-topic-encryption", "fix", "topic", "arn:aws:sns:us-east-1:111122223333:alerts"
                ),
                (
                    "EC2.15", "AwsEc2Subnet", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0123456789abcdef0",
                    "subnet-public-ip", "fix", "subnet", "subnet-0123456789abcdef0"
                ),
                (
                    "RDS.7", "AwsRdsDbCluster", "arn:aws:rds:us-east-1:111122223333:cluster:ledger",
                    "rds-cluster-protection", "deletion-protection", "cluster", "ledger"
                ),
                (
                    "RDS.13", "AwsRdsDbInstance", "arn:aws:rds:us-east-1:111122223333:db:ledger-db",
                    "rds-protection", "minor-upgrades", "instance", "ledger-db"
                ),
                (
                    "S3.4", "AwsS3Bucket", "arn:aws:s3:::payments-data", "s3-default-encryption", "encrypt", "bucket",
                    "payments-data"
                ),
                (
                    "RDS.1", "AwsRdsDbSnapshot", "arn:aws:rds:us-east-1:111122223333:snapshot:ledger-before-migration",
                    "rds-snapshot-public", "fix", "snapshot", "ledger-before-migration"
                ),
                (
                    "SSM.4", "AwsSsmDocument", "arn:aws:ssm:us-east-1:111122223333:document/restart-payments",
                    "ssm-document-public", "fix", "document", "restart-payments"
                ),
                (
                    "EC2.23", "AwsEc2TransitGateway",
                    "arn:aws:ec2:us-east-1:111122223333:transit-gateway/tgw-0123456789abcdef0",
                    "transit-gateway-auto-accept", "fix", "transit_gateway", "tgw-0123456789abcdef0"
                ),
                (
                    "SQS.1", "AwsSqsQueue", "arn:aws:sqs:us-east-1:111122223333:payments-events",
                    "sqs-queue-encryption", "fix", "queue", "payments-events"
                ),
                (
                    "Redshift.3", "AwsRedshiftCluster", "arn:aws:redshift:us-east-1:111122223333:cluster:analytics",
                    "redshift-protection", "snapshots", "cluster", "analytics"
                ),
                (
                    "AutoScaling.1", "AwsAutoScalingAutoScalingGroup",
                    "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:8d3e1f3a-8c2f-4b7e-9a53-0c1f2d3e4f5a:"
                        + "autoScalingGroupName/web-asg",
                    "autoscaling-elb-health-check", "fix", "group", "web-asg"
                ),
                (
                    "S3.9", "AwsS3Bucket", "arn:aws:s3:::payments-data", "s3-access-logging", "fix", "bucket",
                    "payments-data"
                ),
                (
                    "CloudTrail.2", "AwsCloudTrailTrail", "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail",
                    "cloudtrail-encryption", "fix", "trail", "org-trail"
                ),
                (
                    "S3.5", "AwsS3Bucket", "arn:aws:s3:::payments-data", "s3-require-tls", "fix", "bucket",
                    "payments-data"
                ),
                (
                    "ElastiCache.1", "AwsElastiCacheCacheCluster",
                    "arn:aws:elasticache:us-east-1:111122223333:cluster:sessions-001", "elasticache-protection",
                    "backups", "cluster", "sessions-001"
                ),
                (
                    "ElastiCache.3", "AwsElastiCacheReplicationGroup",
                    "arn:aws:elasticache:us-east-1:111122223333:replicationgroup:sessions", "elasticache-failover",
                    "fix", "replication_group", "sessions"
                ),
                (
                    "Athena.4", "AwsAthenaWorkGroup", "arn:aws:athena:us-east-1:111122223333:workgroup/analysts",
                    "athena-workgroup-metrics", "fix", "workgroup", "analysts"
                ),
                (
                    "Macie.1", "AwsAccount", "AWS::::Account:111122223333", "macie-enable", "fix", "account",
                    "111122223333"
                ),
                (
                    "SSM.7", "AwsAccount", "AWS::::Account:111122223333", "ssm-public-sharing-block", "fix", "account",
                    "111122223333"
                ),
                (
                    "CloudTrail.5", "AwsCloudTrailTrail", "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail",
                    "cloudtrail-logs-delivery", "fix", "trail", "org-trail"
                ),
                (
                    "RDS.6", "AwsRdsDbInstance", "arn:aws:rds:us-east-1:111122223333:db:ledger-db",
                    "rds-enhanced-monitoring", "fix", "instance", "ledger-db"
                ),
                (
                    "S3.13", "AwsS3Bucket", "arn:aws:s3:::payments-archive", "s3-lifecycle", "fix", "bucket",
                    "payments-archive"
                ),
                (
                    "SecretsManager.4", "AwsSecretsManagerSecret",
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments-db-AbCdEf", "secret-rotation", "fix",
                    "secret", "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments-db-AbCdEf"
                ),
                (
                    "EC2.6", "AwsEc2Vpc", "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0123456789abcdef0",
                    "vpc-flow-logs",
                    "fix", "vpc", "vpc-0123456789abcdef0"
                ),
                (
                    "EC2.4", "AwsEc2Instance", "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0",
                    "ec2-stopped-instance", "terminate", "instance", "i-0123456789abcdef0"
                ),
                (
                    "SecretsManager.3", "AwsSecretsManagerSecret",
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:old-token-AbCdEf", "secret-unused", "delete",
                    "secret", "arn:aws:secretsmanager:us-east-1:111122223333:secret:old-token-AbCdEf"
                ),
                (
                    "APIGateway.5", "AwsApiGatewayStage",
                    "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod",
                    "apigateway-stage-protection", "encrypt-cache", "stage", "a1b2c3d4e5/prod"
                ),
                (
                    "Config.1", "AwsAccount", "AWS::::Account:111122223333", "config-recording", "fix", "bucket",
                    "remedy-config-111122223333-us-east-1"
                ),
                (
                    "DynamoDB.1", "AwsDynamoDbTable", "arn:aws:dynamodb:us-east-1:111122223333:table/orders",
                    "dynamodb-autoscaling", "fix", "table", "orders"
                ),
                (
                    "ELB.1", "AwsElbv2LoadBalancer",
                    "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188",
                    "alb-https-redirect", "fix", "load_balancer",
                    "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188"
                ),
                (
                    "Redshift.4", "AwsRedshiftCluster", "arn:aws:redshift:us-east-1:111122223333:cluster:analytics",
                    "redshift-audit-logging", "fix", "cluster", "analytics"
                ),
                (
                    "GuardDuty.4", "AwsGuardDutyDetector",
                    "arn:aws:guardduty:us-east-1:111122223333:detector/12abc34d567e8fa901bc2d34e56789f0",
                    "untagged-resource",
                    "mark", "resource",
                    "arn:aws:guardduty:us-east-1:111122223333:detector/12abc34d567e8fa901bc2d34e56789f0"
                ),
                (
                    "CodeBuild.5", "AwsCodeBuildProject",
                    "arn:aws:codebuild:us-east-1:111122223333:project/payments-build",
                    "codebuild-privileged-mode", "fix", "project", "payments-build"
                ),
                (
                    "SNS.2", "AwsSnsTopic", "arn:aws:sns:us-east-1:111122223333:alerts", "sns-delivery-status-logging",
                    "fix",
                    "topic", "arn:aws:sns:us-east-1:111122223333:alerts"
                ),
                (
                    "S3.11", "AwsS3Bucket", "arn:aws:s3:::payments-exports", "s3-event-notifications", "fix", "bucket",
                    "payments-exports"
                ),
                (
                    "IAM.22", "AwsIamUser", "arn:aws:iam::111122223333:user/alice", "iam-stale-credentials",
                    "deactivate-keys-unused-45-days", "user", "alice"
                ),
            ]
        for item in cases {
            let plan = try #require(
                plans(try controlFinding(item.control, type: item.type, id: item.arn)).first,
                "\(item.control)"
            )
            #expect(plan.playbook == item.playbook, "\(item.control)")
            let step = try #require(plan.steps.first { $0.id == item.step }, "\(item.control)")
            #expect(!step.disposition.isSkipped, "\(item.control)")
            guard case .action(_, let parameters, _, _, _) = step.kind else {
                Issue.record("\(item.control): \(item.step) is not an action")
                continue
            }
            #expect(parameters[item.parameter] == .known(.string(item.value)), "\(item.control)")
            // Of the steps that change the account, only the control's own run
            let changes = plan.steps.filter {
                if case .action(let name, _, true, _, _) = $0.kind {
                    name != "securityhub.update_finding"
                } else {
                    false
                }
            }
            // (unused credentials also lose their console password; a stopped instance is snapshotted first)
            let expected =
                ["IAM.22": [item.step, "remove-console"], "EC2.4": ["snapshot", item.step]][item.control] ?? [item.step]
            #expect(changes.filter { !$0.disposition.isSkipped }.map(\.id) == expected, "\(item.control)")
        }
        // Multi-AZ doubles the cost: it waits for the platform team
        let multiAZ = try #require(
            plans(
                try controlFinding(
                    "RDS.5",
                    type: "AwsRdsDbInstance",
                    id: "arn:aws:rds:us-east-1:111122223333:db:ledger-db"
                )
            ).first
        )
        #expect(multiAZ.steps.first { $0.id == "multi-az" }?.gatedBy == ["approve-multi-az"])
        // So does taking a Redshift cluster's public endpoint away
        let publicCluster = try #require(
            plans(
                try controlFinding(
                    "Redshift.1",
                    type: "AwsRedshiftCluster",
                    id: "arn:aws:redshift:us-east-1:111122223333:cluster:analytics"
                )
            ).first
        )
        #expect(publicCluster.steps.first { $0.id == "make-private" }?.gatedBy == ["approve-private"])
        #expect(publicCluster.steps.first { $0.id == "snapshots" }?.disposition.isSkipped == true)
        // A CIS monitoring control names its control and the account's alarm topic
        let cis = try #require(
            plans(try controlFinding("CloudWatch.4", type: "AwsAccount", id: "AWS::::Account:111122223333")).first
        )
        #expect(cis.playbook == "cis-monitoring-alarms")
        guard case .action(_, let parameters, _, _, _)? = cis.steps.first?.kind else {
            Issue.record("alarm is not an action")
            return
        }
        #expect(parameters["control"] == .known("CloudWatch.4"))
        #expect(parameters["topic"] == .known("arn:aws:sns:us-east-1:111122223333:remedy-security-alarms"))
    }

    @Test func everyShippedFindingOfTheCatalogueMatchesAPlaybook() throws {
        for fixture in [
            "eventbridge/guardduty-tor-client.json", "raw/guardduty-ssh-bruteforce.json",
            "raw/guardduty-recon-portprobe-govcloud.json", "raw/asff-s3-8-bucket-block-public-access.json",
            "eventbridge/securityhub-imported-three-findings.json", "raw/asff-kms-4-legacy-fsbp-controlid.json",
            "sns/guardduty-credential-access-anomalous-behavior.json",
        ] {
            for finding in try findings(fixture) {
                #expect(!plans(finding).isEmpty, "\(fixture): \(finding.types) \(finding.controlID ?? "")")
            }
        }
    }

    @Test func hostileValueInTheFindingRefusesThePlaybook() throws {
        // A well-formed finding whose remote address (not checked during normalisation) carries a query string.
        var text = try Repository.read("Fixtures/findings/raw/guardduty-ssh-bruteforce.json")
        text = text.replacingOccurrences(of: "\"198.51.100.23\"", with: "\"198.51.100.23&Action=DeleteVpc\"")
        let finding = try #require(try FindingDecoder().decode(Array(text.utf8)).first)
        let outcome = planner.outcomes(for: finding, playbooks: library.playbooks)
            .first { outcome in
                if case .refused(let playbook, _) = outcome { return playbook == "ec2-ssh-brute-force" }
                return false
            }
        guard case .refused(_, let reason)? = outcome else {
            Issue.record("the playbook was not refused")
            return
        }
        #expect(reason.contains("step 'deny-attacker' parameter 'address'"))
        #expect(reason.contains("is not a valid IP address"))
    }

    @Test func plannedParametersAreExactlyTheValidatedValues() throws {
        let finding = try #require(try findings("raw/guardduty-ssh-bruteforce.json").first)
        let plan = try #require(plans(finding).first { $0.playbook == "ec2-ssh-brute-force" })
        let step = try #require(plan.steps.first { $0.id == "deny-attacker" })
        guard case .action(_, let parameters, _, _, _) = step.kind else {
            Issue.record("deny-attacker is not an action step: \(step.kind)")
            return
        }
        #expect(
            parameters == [
                "instance": .known("i-0afceaa86dc3f3464"), "address": .known("198.51.100.23"),
                "rule_number": .known(90),
            ]
        )
    }

    @Test func exemptTagStopsTheMatch() throws {
        var finding = try #require(try findings("eventbridge/guardduty-backdoor-cc-activity.json").first)
        finding.resources[0].tags = ["remedy:exempt": "true"]
        let outcome = planner.outcomes(for: finding, playbooks: library.playbooks)
            .first { if case .notMatched("ec2-compromise-contain", _) = $0 { return true } else { return false } }
        #expect(outcome != nil)
    }

    @Test func unknownTagsBecomeAPendingCheckRatherThanAMatchWithoutScope() throws {
        var finding = try #require(try findings("eventbridge/guardduty-backdoor-cc-activity.json").first)
        finding.resources[0].tags = nil
        let plan = try #require(plans(finding).first { $0.playbook == "ec2-compromise-contain" })
        #expect(
            plan.pendingChecks == [
                .exemptionTags(
                    type: "AwsEc2Instance",
                    resource: "i-0c027aaddbfe258b6",
                    tags: ["remedy:exempt": "true"]
                )
            ]
        )
    }
}

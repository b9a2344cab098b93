import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyTestSupport
import Synchronization
import Testing

/// The setting actions moto 5.2.1 cannot test, through `CatalogInvoker` against the stub server.
///
/// moto lacks ElastiCache modifications, Athena workgroup updates and SSM service settings, and its Macie starts
/// enabled. Every request is checked against botocore 1.43.11's model; the routes keep the setting as the service
/// does, so each action goes through the same life as those tested against moto.
@Suite struct ServiceSettingStubTests {
    /// One resource's settings, as the routes read and change them.
    final class Settings: Sendable {
        let values: Mutex<[String: String]>
        init(_ initial: [String: String]) { values = Mutex(initial) }
        subscript(name: String) -> String? { values.withLock { $0[name] } }
        func set(_ name: String, _ value: String?) { values.withLock { $0[name] = value } }
    }

    private func invoker(_ stub: AWSStubServer) -> CatalogInvoker {
        let context = AWSContext(
            region: "us-east-1",
            resolver: EndpointResolver(environment: ["AWS_ENDPOINT_URL": stub.baseURL]),
            credentials: ResolvedCredentialProvider(
                source: .environment,
                provider: StaticCredentialProvider(TestCredentials.valid)
            ),
            configuration: .init(retry: RetryStrategy(maximumAttempts: 1), timeout: .seconds(20))
        )
        return CatalogInvoker(context: context)
    }

    private func request(_ action: String, _ parameters: [String: JSONValue]) -> (ExecutionMode) -> ActionRequest {
        { mode in
            ActionRequest(
                action: action,
                parameters: parameters,
                runID: "run-1",
                stepID: "fix",
                account: "111122223333",
                region: "us-east-1",
                mode: mode
            )
        }
    }

    private func expectConforming(_ stub: AWSStubServer, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for exchange in stub.exchanges {
            #expect(exchange.operation != nil, "no route for \(exchange.request)", sourceLocation: sourceLocation)
            #expect(exchange.problems.isEmpty, "\(exchange.problems)", sourceLocation: sourceLocation)
        }
    }

    private static func queryXML(_ operation: String, _ result: String) -> LocalHTTPResponse {
        LocalHTTPResponse(
            status: 200,
            headers: [("Content-Type", "text/xml")],
            text: """
                <\(operation)Response xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">\
                <\(operation)Result>\(result)</\(operation)Result>\
                <ResponseMetadata><RequestId>stub-request</RequestId></ResponseMetadata></\(operation)Response>
                """
        )
    }

    @Test func aCacheClusterKeepsAWeekOfBackupsAndTakesMinorUpgrades() async throws {
        let cluster = Settings(["SnapshotRetentionLimit": "0", "AutoMinorVersionUpgrade": "false"])
        let routes = [
            AWSStubRoute("elasticache.DescribeCacheClusters") { request in
                let fields = ["SnapshotRetentionLimit", "AutoMinorVersionUpgrade"].map {
                    "<\($0)>\(cluster[$0] ?? "")</\($0)>"
                }
                let id = request.form.first("CacheClusterId") ?? ""
                return Self.queryXML(
                    "DescribeCacheClusters",
                    "<CacheClusters><CacheCluster><CacheClusterId>\(id)</CacheClusterId>\(fields.joined())"
                        + "</CacheCluster></CacheClusters>"
                )
            },
            AWSStubRoute("elasticache.ModifyCacheCluster") { request in
                for name in ["SnapshotRetentionLimit", "AutoMinorVersionUpgrade"] {
                    if let value = request.form.first(name) { cluster.set(name, value) }
                }
                return Self.queryXML("ModifyCacheCluster", "<CacheCluster/>")
            },
        ]
        try await withAWSStubServer(routes) { stub in
            try await exerciseSetting(
                invoker(stub),
                request("elasticache.protect_cluster", ["cluster": "sessions-001", "automatic_backups": true]),
                permission: "elasticache:ModifyCacheCluster",
                setting: "SnapshotRetentionLimit",
                before: 0,
                after: 7
            ) { () async throws -> JSONValue in .number(Double(cluster["SnapshotRetentionLimit"] ?? "") ?? -1) }
            let modify = try #require(stub.requests(for: "elasticache.ModifyCacheCluster").first)
            #expect(FormBody(modify.body).first("ApplyImmediately") == "true")
            let upgrades = try await invoker(stub).execute(
                request("elasticache.protect_cluster", ["cluster": "sessions-001", "minor_version_upgrades": true])(
                    .live
                )
            )
            #expect(upgrades.outputs["changed"] == ["AutoMinorVersionUpgrade"])
            #expect(cluster["AutoMinorVersionUpgrade"] == "true")
            expectConforming(stub)
        }
    }

    @Test func aReplicationGroupFailsOverAutomatically() async throws {
        let group = Settings(["AutomaticFailover": "disabled"])
        let routes = [
            AWSStubRoute("elasticache.DescribeReplicationGroups") { _ in
                Self.queryXML(
                    "DescribeReplicationGroups",
                    "<ReplicationGroups><ReplicationGroup><ReplicationGroupId>sessions</ReplicationGroupId>"
                        + "<AutomaticFailover>\(group["AutomaticFailover"] ?? "")</AutomaticFailover>"
                        + "</ReplicationGroup></ReplicationGroups>"
                )
            },
            AWSStubRoute("elasticache.ModifyReplicationGroup") { request in
                group.set(
                    "AutomaticFailover",
                    request.form.first("AutomaticFailoverEnabled") == "true" ? "enabled" : "disabled"
                )
                return Self.queryXML("ModifyReplicationGroup", "<ReplicationGroup/>")
            },
        ]
        try await withAWSStubServer(routes) { stub in
            try await exerciseSetting(
                invoker(stub),
                request("elasticache.enable_automatic_failover", ["replication_group": "sessions"]),
                permission: "elasticache:ModifyReplicationGroup",
                setting: "AutomaticFailoverEnabled",
                before: false,
                after: true
            ) { () async throws -> JSONValue in .bool(group["AutomaticFailover"] == "enabled") }
            expectConforming(stub)
        }
    }

    @Test func anAthenaWorkgroupPublishesItsMetrics() async throws {
        let workgroup = Settings(["PublishCloudWatchMetricsEnabled": "false"])
        let routes = [
            AWSStubRoute("athena.GetWorkGroup") { request in
                let body: JSONValue = [
                    "WorkGroup": [
                        "Name": request.json["WorkGroup"] ?? .null, "State": "ENABLED",
                        "Configuration": [
                            "PublishCloudWatchMetricsEnabled": .bool(
                                workgroup["PublishCloudWatchMetricsEnabled"] == "true"
                            )
                        ],
                    ]
                ]
                return .json(body.jsonText())
            },
            AWSStubRoute("athena.UpdateWorkGroup") { request in
                let enabled = request.json["ConfigurationUpdates"]?["PublishCloudWatchMetricsEnabled"]?.boolValue
                workgroup.set("PublishCloudWatchMetricsEnabled", enabled.map { String($0) })
                return .json("{}")
            },
        ]
        try await withAWSStubServer(routes) { stub in
            try await exerciseSetting(
                invoker(stub),
                request("athena.enable_workgroup_metrics", ["workgroup": "analysts"]),
                permission: "athena:UpdateWorkGroup",
                setting: "PublishCloudWatchMetricsEnabled",
                before: false,
                after: true
            ) { () async throws -> JSONValue in .bool(workgroup["PublishCloudWatchMetricsEnabled"] == "true") }
            expectConforming(stub)
        }
    }

    // Macie never enabled answers GetMacieSession with AccessDeniedException; undo pauses it (disabling would
    // delete its findings), and a paused session is resumed rather than enabled again.
    @Test func macieIsEnabledUndoPausesItAndAPausedSessionIsResumed() async throws {
        let session = Settings([:])
        let routes = [
            AWSStubRoute("macie2.GetMacieSession") { _ in
                guard let status = session["status"] else {
                    return .json(#"{"__type":"AccessDeniedException","message":"Macie is not enabled"}"#, status: 403)
                }
                return .json(
                    JSONValue.object(["status": .string(status), "findingPublishingFrequency": "SIX_HOURS"]).jsonText()
                )
            },
            AWSStubRoute("macie2.EnableMacie") { request in
                guard session["status"] == nil else {
                    return .json(#"{"__type":"ConflictException","message":"Macie is already enabled"}"#, status: 409)
                }
                session.set("status", request.json["status"]?.stringValue ?? "ENABLED")
                return .json("{}")
            },
            AWSStubRoute("macie2.UpdateMacieSession") { request in
                session.set("status", request.json["status"]?.stringValue)
                return .json("{}")
            },
        ]
        try await withAWSStubServer(routes) { stub in
            let invoker = invoker(stub)
            let enable = request("macie.enable", ["account": "111122223333"])
            let dryRun = try await invoker.execute(enable(.dryRun))
            #expect(dryRun.dryRunVerdict?.contains("macie2:EnableMacie") == true)
            #expect(session["status"] == nil)
            let result = try await invoker.execute(enable(.live))
            #expect(result.outputs["changed"] == ["status"])
            #expect(result.priorState == ["status": .null])
            #expect(session["status"] == "ENABLED")
            let enabled = try #require(stub.requests(for: "macie2.EnableMacie").first)
            #expect(try JSONParser().parse(enabled.body)["clientToken"] == "remedy-enable-macie-111122223333")
            guard case .done = try await invoker.probe(enable(.live)) else {
                Issue.record("the probe does not see Macie enabled")
                return
            }
            try await invoker.undo(enable(.live), priorState: try #require(result.priorState))
            #expect(session["status"] == "PAUSED")

            let resumed = try await invoker.execute(enable(.live))
            #expect(resumed.priorState == ["status": "PAUSED"])
            #expect(session["status"] == "ENABLED")
            #expect(stub.requests(for: "macie2.EnableMacie").count == 1)
            expectConforming(stub)
        }
    }

    @Test func publicDocumentSharingIsBlockedForTheAccount() async throws {
        let setting = Settings(["value": "Enable"])
        let routes = [
            AWSStubRoute("ssm.GetServiceSetting") { request in
                let body: JSONValue = [
                    "ServiceSetting": [
                        "SettingId": request.json["SettingId"] ?? .null,
                        "SettingValue": .string(setting["value"] ?? ""),
                        "Status": "Default",
                    ]
                ]
                return .json(body.jsonText())
            },
            AWSStubRoute("ssm.UpdateServiceSetting") { request in
                setting.set("value", request.json["SettingValue"]?.stringValue)
                return .json("{}")
            },
        ]
        try await withAWSStubServer(routes) { stub in
            try await exerciseSetting(
                invoker(stub),
                request("ssm.block_public_document_sharing", ["account": "111122223333"]),
                permission: "ssm:UpdateServiceSetting",
                setting: "SettingValue",
                before: "Enable",
                after: "Disable"
            ) { () async throws -> JSONValue in .string(setting["value"] ?? "") }
            let update = try #require(stub.requests(for: "ssm.UpdateServiceSetting").first)
            #expect(
                try JSONParser().parse(update.body)["SettingId"] == "/ssm/documents/console/public-sharing-permission"
            )
            expectConforming(stub)
        }
    }

    // moto records no LastAccessedDate; Secrets Manager gives it as a date (epoch seconds at midnight UTC).
    @Test func aSecretReadRecentlyIsNotDeleted() async throws {
        let routes = [
            AWSStubRoute("secretsmanager.DescribeSecret") { request in
                let body: JSONValue = [
                    "ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:live-db-password-AbCdEf",
                    "Name": "live-db-password", "LastAccessedDate": .number(Date().timeIntervalSince1970 - 86_400),
                ]
                return .json(body.jsonText())
            }
        ]
        try await withAWSStubServer(routes) { stub in
            await #expect {
                _ = try await invoker(stub).execute(
                    request("secretsmanager.delete_unused_secret", ["secret": "live-db-password"])(.live)
                )
            } throws: { ($0 as? ActionFailure)?.code == "SecretInUse" }
            #expect(stub.exchanges.map(\.operation) == ["secretsmanager.DescribeSecret"])
            expectConforming(stub)
        }
    }

    // moto's Resource Groups Tagging API tags DynamoDB tables but cannot untag them, nor tag GuardDuty resources.
    @Test func anUntaggedDetectorIsMarkedAndATagItHasKeepsItsValue() async throws {
        let detector = "arn:aws:guardduty:us-east-1:111122223333:detector/12abc34d567e8fa901bc2d34e56789f0"
        let tags = Settings([:])
        let routes = [
            AWSStubRoute("resourcegroupstaggingapi.GetResources") { request in
                let arns = request.json["ResourceARNList"]?.arrayValue ?? []
                let current = tags.values.withLock { $0 }
                let mappings: [JSONValue] =
                    current.isEmpty
                    ? []
                    : arns.map { arn in
                        [
                            "ResourceARN": arn,
                            "Tags": .array(
                                current.sorted { $0.key < $1.key }.map {
                                    ["Key": .string($0.key), "Value": .string($0.value)]
                                }
                            ),
                        ]
                    }
                return .json(JSONValue.object(["ResourceTagMappingList": .array(mappings)]).jsonText())
            },
            AWSStubRoute("resourcegroupstaggingapi.TagResources") { request in
                for (key, value) in request.json["Tags"]?.objectValue ?? [:] { tags.set(key, value.stringValue) }
                return .json(#"{"FailedResourcesMap":{}}"#)
            },
            AWSStubRoute("resourcegroupstaggingapi.UntagResources") { request in
                for key in request.json["TagKeys"]?.arrayValue ?? [] { tags.set(key.stringValue ?? "", nil) }
                return .json(#"{"FailedResourcesMap":{}}"#)
            },
        ]
        try await withAWSStubServer(routes) { stub in
            try await exerciseSetting(
                invoker(stub),
                request("tagging.add_tags", ["resource": .string(detector), "tags": ["remedy:needs-owner": "true"]]),
                permission: "tag:TagResources",
                setting: "remedy:needs-owner",
                before: .null,
                after: "true"
            ) { () async throws -> JSONValue in tags["remedy:needs-owner"].map(JSONValue.string) ?? .null }
            let untag = try #require(stub.requests(for: "resourcegroupstaggingapi.UntagResources").first)
            #expect(try JSONParser().parse(untag.body)["TagKeys"] == ["remedy:needs-owner"])

            tags.set("owner", "payments")
            let kept = try await invoker(stub).execute(
                request("tagging.add_tags", ["resource": .string(detector), "tags": ["owner": "unknown"]])(.live)
            )
            #expect(kept.outputs["changed"] == [])
            #expect(tags["owner"] == "payments")
            expectConforming(stub)
        }
    }

    @Test func aCodeBuildProjectStopsBuildingPrivilegedAndKeepsTheRestOfItsEnvironment() async throws {
        let environment = Mutex<JSONValue>(
            [
                "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
                "privilegedMode": true,
                "environmentVariables": [["name": "STAGE", "value": "prod", "type": "PLAINTEXT"]],
            ]
        )
        let routes = [
            AWSStubRoute("codebuild.BatchGetProjects") { request in
                let name = request.json["names"]?.arrayValue?.first ?? .null
                let project: JSONValue = ["name": name, "environment": environment.withLock { $0 }]
                return .json(JSONValue.object(["projects": [project]]).jsonText())
            },
            AWSStubRoute("codebuild.UpdateProject") { request in
                environment.withLock { $0 = request.json["environment"] ?? .null }
                return .json(JSONValue.object(["project": ["name": request.json["name"] ?? .null]]).jsonText())
            },
        ]
        try await withAWSStubServer(routes) { stub in
            try await exerciseSetting(
                invoker(stub),
                request("codebuild.disable_privileged_mode", ["project": "payments-build"]),
                permission: "codebuild:UpdateProject",
                setting: "privilegedMode",
                before: true,
                after: false
            ) { () async throws -> JSONValue in environment.withLock { $0 }["privilegedMode"] ?? .null }
            let update = try JSONParser().parse(try #require(stub.requests(for: "codebuild.UpdateProject").first).body)
            #expect(update["environment"]?["image"] == "aws/codebuild/standard:7.0")
            #expect(update["environment"]?["environmentVariables"]?.arrayValue?.count == 1)
            expectConforming(stub)
        }
    }

    @Test func aTopicLogsFailedDeliveriesForEveryProtocol() async throws {
        let attributes = Settings([:])
        let routes = [
            AWSStubRoute("sns.GetTopicAttributes") { _ in
                let entries = attributes.values.withLock { $0 }.sorted { $0.key < $1.key }.map {
                    "<entry><key>\($0.key)</key><value>\($0.value)</value></entry>"
                }
                return LocalHTTPResponse(
                    status: 200,
                    headers: [("Content-Type", "text/xml")],
                    text: """
                        <GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\
                        <GetTopicAttributesResult><Attributes>\(entries.joined())</Attributes></GetTopicAttributesResult>\
                        <ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></GetTopicAttributesResponse>
                        """
                )
            },
            AWSStubRoute("sns.SetTopicAttributes") { request in
                let value = request.form.first("AttributeValue") ?? ""
                attributes.set(request.form.first("AttributeName") ?? "", value.isEmpty ? nil : value)
                return LocalHTTPResponse(
                    status: 200,
                    headers: [("Content-Type", "text/xml")],
                    text: """
                        <SetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\
                        <ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></SetTopicAttributesResponse>
                        """
                )
            },
        ]
        let role = "arn:aws:iam::111122223333:role/remedy-sns-delivery-logs"
        let protocols = ["Application", "Firehose", "HTTP", "Lambda", "SQS"]
        try await withAWSStubServer(routes) { stub in
            try await exerciseSetting(
                invoker(stub),
                request(
                    "sns.enable_delivery_status_logging",
                    ["topic": "arn:aws:sns:us-east-1:111122223333:alerts", "role": .string(role)]
                ),
                permission: "sns:SetTopicAttributes",
                setting: "FailureFeedbackRoles",
                before: .null,
                after: .object(
                    Dictionary(uniqueKeysWithValues: protocols.map { ("\($0)FailureFeedbackRoleArn", .string(role)) })
                )
            ) { () async throws -> JSONValue in
                let roles = attributes.values.withLock { $0 }
                return roles.isEmpty ? .null : .object(roles.mapValues(JSONValue.string))
            }
            expectConforming(stub)
        }
    }
}

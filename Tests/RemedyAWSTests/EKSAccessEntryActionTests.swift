import Foundation
import RemedyAWS
import RemedyActions
import RemedyCore
import RemedyTestSupport
import Synchronization
import Testing

/// `eks.remove_access_entry` through `CatalogInvoker` against the botocore-checked stub.
///
/// moto 5.2.1 has no EKS access entries (docs/aws.md#moto-operations-it-lacks-or-gets-wrong). The routes keep the cluster's entries and
/// their access policies as EKS does; every request is checked against botocore 1.43.11's model.
@Suite struct EKSAccessEntryActionTests {
    private static let cluster = "payments"
    private static let roleARN = "arn:aws:iam::111122223333:role/ci/deployer"
    private static let session = "arn:aws:sts::111122223333:assumed-role/deployer/gitlab-4711"
    private static let adminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    private static let viewPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"

    /// One cluster's access entries (principal ARN to entry) and their associated policies, as the routes change them.
    final class AccessEntries: Sendable {
        struct Entry: Sendable, Equatable {
            var entry: JSONValue
            var policies: [JSONValue]
        }

        let state: Mutex<[String: Entry]>
        init(_ initial: [String: Entry]) { state = Mutex(initial) }
        var all: [String: Entry] { state.withLock { $0 } }

        private static func notFound(_ principal: String) -> LocalHTTPResponse {
            .json(
                JSONValue.object([
                    "__type": "ResourceNotFoundException",
                    "message": .string("The specified access entry resource is not found: \(principal)"),
                ]).jsonText(),
                status: 404
            )
        }

        var routes: [AWSStubRoute] {
            [
                AWSStubRoute("eks.ListAccessEntries") { _ in
                    .json(
                        JSONValue.object(["accessEntries": .array(self.all.keys.sorted().map(JSONValue.string))])
                            .jsonText()
                    )
                },
                AWSStubRoute("eks.DescribeAccessEntry") { request in
                    let principal = request.labels["principalArn"] ?? ""
                    guard let entry = self.all[principal] else { return Self.notFound(principal) }
                    return .json(JSONValue.object(["accessEntry": entry.entry]).jsonText())
                },
                AWSStubRoute("eks.ListAssociatedAccessPolicies") { request in
                    let principal = request.labels["principalArn"] ?? ""
                    guard let entry = self.all[principal] else { return Self.notFound(principal) }
                    let body: JSONValue = [
                        "clusterName": .string(request.labels["name"] ?? ""), "principalArn": .string(principal),
                        "associatedAccessPolicies": .array(entry.policies),
                    ]
                    return .json(body.jsonText())
                },
                AWSStubRoute("eks.DeleteAccessEntry") { request in
                    let principal = request.labels["principalArn"] ?? ""
                    guard self.state.withLock({ $0.removeValue(forKey: principal) }) != nil else {
                        return Self.notFound(principal)
                    }
                    return .json("{}")
                },
                AWSStubRoute("eks.CreateAccessEntry") { request in
                    let principal = request.json["principalArn"]?.stringValue ?? ""
                    guard self.all[principal] == nil else {
                        return .json(
                            #"{"__type":"ResourceInUseException","message":"The access entry is already in use"}"#,
                            status: 409
                        )
                    }
                    var members = request.json.objectValue ?? [:]
                    members["clientRequestToken"] = nil
                    members["clusterName"] = .string(request.labels["name"] ?? "")
                    let entry = JSONValue.object(members)
                    self.state.withLock { $0[principal] = Entry(entry: entry, policies: []) }
                    return .json(JSONValue.object(["accessEntry": entry]).jsonText())
                },
                AWSStubRoute("eks.AssociateAccessPolicy") { request in
                    let principal = request.labels["principalArn"] ?? ""
                    let policy: JSONValue = [
                        "policyArn": request.json["policyArn"] ?? .null,
                        "accessScope": request.json["accessScope"] ?? .null,
                    ]
                    let found = self.state.withLock { state -> Bool in
                        guard state[principal] != nil else { return false }
                        state[principal]?.policies.removeAll { $0["policyArn"] == policy["policyArn"] }
                        state[principal]?.policies.append(policy)
                        return true
                    }
                    guard found else { return Self.notFound(principal) }
                    return .json(JSONValue.object(["associatedAccessPolicy": policy]).jsonText())
                },
            ]
        }
    }

    private static let deployer = AccessEntries.Entry(
        entry: [
            "clusterName": .string(cluster), "principalArn": .string(roleARN), "type": "STANDARD",
            "username": "deployer", "kubernetesGroups": ["ci-deployers"], "tags": ["team": "platform"],
        ],
        policies: [
            ["policyArn": .string(adminPolicy), "accessScope": ["type": "cluster"]],
            ["policyArn": .string(viewPolicy), "accessScope": ["type": "namespace", "namespaces": ["payments"]]],
        ]
    )
    private static let nodes = AccessEntries.Entry(
        entry: [
            "clusterName": .string(cluster), "principalArn": "arn:aws:iam::111122223333:role/eks-nodes",
            "type": "EC2_LINUX", "username": "system:node:{{EC2PrivateDNSName}}",
        ],
        policies: []
    )

    private func invoker(_ baseURL: String) -> CatalogInvoker {
        let context = AWSContext(
            region: "us-east-1",
            resolver: EndpointResolver(environment: ["AWS_ENDPOINT_URL": baseURL]),
            credentials: ResolvedCredentialProvider(
                source: .environment,
                provider: StaticCredentialProvider(TestCredentials.valid)
            ),
            configuration: .init(retry: RetryStrategy(maximumAttempts: 1), timeout: .seconds(20))
        )
        return CatalogInvoker(context: context)
    }

    private func request(_ user: String, mode: ExecutionMode = .live) -> ActionRequest {
        ActionRequest(
            action: "eks.remove_access_entry",
            parameters: ["cluster": .string(Self.cluster), "user": .string(user)],
            runID: "run-1",
            stepID: "remove-access",
            account: "111122223333",
            region: "us-east-1",
            mode: mode
        )
    }

    private func expectConforming(_ stub: AWSStubServer, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for exchange in stub.exchanges {
            #expect(exchange.operation != nil, "no route for \(exchange.request)", sourceLocation: sourceLocation)
            #expect(exchange.problems.isEmpty, "\(exchange.problems)", sourceLocation: sourceLocation)
        }
    }

    // A role session's username names the role without its path; the entry is found by account and role name,
    // and the delete names the ARN EKS gave, path included.
    @Test func removesTheEntryOfTheRoleBehindASessionAndUndoGivesItBackWithItsPolicies() async throws {
        let entries = AccessEntries([
            Self.roleARN: Self.deployer, Self.nodes.entry["principalArn"]!.stringValue!: Self.nodes,
        ])
        try await withAWSStubServer(entries.routes) { stub in
            let invoker = invoker(stub.baseURL)
            #expect(try await invoker.probe(request(Self.session)) == .notDone)

            let result = try await invoker.execute(request(Self.session))
            #expect(result.outputs["removed"] == true)
            #expect(result.outputs["principal_arn"] == .string(Self.roleARN))
            #expect(result.outputs["access_policies"] == [.string(Self.adminPolicy), .string(Self.viewPolicy)])
            #expect(entries.all.keys.sorted() == ["arn:aws:iam::111122223333:role/eks-nodes"])
            let delete = try #require(stub.requests(for: "eks.DeleteAccessEntry").first)
            #expect(delete.method == "DELETE")
            #expect(
                delete.path
                    == "/clusters/payments/access-entries/arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fci%2Fdeployer"
            )
            #expect(
                try await invoker.probe(request(Self.session))
                    == .done(
                        ActionResult(
                            outputs: [
                                "removed": .null, "principal_arn": .null, "access_policies": [], "reason": .null,
                            ],
                            verified: true
                        )
                    )
            )

            try await invoker.undo(request(Self.session), priorState: try #require(result.priorState))
            let restored = try #require(entries.all[Self.roleARN])
            #expect(restored.entry["type"] == "STANDARD")
            #expect(restored.entry["username"] == "deployer")
            #expect(restored.entry["kubernetesGroups"] == ["ci-deployers"])
            #expect(restored.entry["tags"] == ["team": "platform"])
            #expect(restored.policies == Self.deployer.policies)
            let create = try JSONParser().parse(try #require(stub.requests(for: "eks.CreateAccessEntry").first).body)
            #expect(create["clientRequestToken"] == "run-1/remove-access-undo")
            #expect(create["principalArn"] == .string(Self.roleARN))

            // A second undo (a retried one) finds the entry back and leaves it as it is.
            try await invoker.undo(request(Self.session), priorState: try #require(result.priorState))
            #expect(entries.all[Self.roleARN] == restored)
            expectConforming(stub)
        }
    }

    @Test func aUserWithoutAnAccessEntryOrNotAnIAMPrincipalChangesNothingAndSaysWhy() async throws {
        let entries = AccessEntries([Self.roleARN: Self.deployer])
        try await withAWSStubServer(entries.routes) { stub in
            let invoker = invoker(stub.baseURL)
            for user in ["system:anonymous", "system:serviceaccount:kube-system:default", "kubernetes-admin"] {
                let result = try await invoker.execute(request(user))
                #expect(result.outputs["removed"] == false)
                #expect(result.outputs["reason"]?.stringValue?.contains("Kubernetes RBAC") == true)
                #expect(result.priorState == nil)
            }
            #expect(stub.exchanges.isEmpty, "a user that is no IAM principal needs no call")

            let mapped = try await invoker.execute(request("arn:aws:sts::111122223333:assumed-role/ops/alice"))
            #expect(mapped.outputs["removed"] == false)
            #expect(mapped.outputs["reason"]?.stringValue?.contains("aws-auth") == true)
            // Same role name in another account is another principal.
            let elsewhere = try await invoker.execute(request("arn:aws:sts::444455556666:assumed-role/deployer/x"))
            #expect(elsewhere.outputs["removed"] == false)
            #expect(entries.all.keys.sorted() == [Self.roleARN])
            #expect(stub.requests(for: "eks.DeleteAccessEntry").isEmpty)
            expectConforming(stub)
        }
    }

    @Test func aDryRunReadsTheEntriesAndChangesNothing() async throws {
        let entries = AccessEntries([Self.roleARN: Self.deployer])
        try await withAWSStubServer(entries.routes) { stub in
            let result = try await invoker(stub.baseURL).execute(request(Self.roleARN, mode: .dryRun))
            #expect(result.dryRunVerdict?.contains("eks:DeleteAccessEntry") == true)
            #expect(entries.all == [Self.roleARN: Self.deployer])
            #expect(stub.exchanges.allSatisfy { $0.request.method == "GET" })
            expectConforming(stub)
        }
    }
}

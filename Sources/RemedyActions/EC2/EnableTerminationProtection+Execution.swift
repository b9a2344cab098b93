import RemedyAWS
import RemedyCore

/// Preserve the evidence (CONTAINMENT.md): termination protection on, every EBS volume kept on termination, and an
/// operating-system shutdown stops rather than terminates. Only what differs is changed; undo restores each value.
/// The prior values are written to a tag first, so a probe after a crash can still give undo what it needs.
extension EnableTerminationProtection: ExecutableAction {
    static let priorTag = "remedy:prior-preservation"

    struct Preservation: Hashable {
        var terminationProtected: Bool
        var shutdownBehavior: String
        /// Delete-on-termination per device name.
        var deleteOnTermination: [String: Bool]

        var isPreserved: Bool {
            terminationProtected && shutdownBehavior == "stop" && !deleteOnTermination.values.contains(true)
        }

        /// `termination=false;shutdown=terminate;delete=/dev/sda1,/dev/sdf`: short enough for a tag value.
        var tagValue: String {
            let deleted = deleteOnTermination.filter(\.value).keys.sorted().joined(separator: ",")
            return "termination=\(terminationProtected);shutdown=\(shutdownBehavior);delete=\(deleted)"
        }

        init(terminationProtected: Bool, shutdownBehavior: String, deleteOnTermination: [String: Bool]) {
            self.terminationProtected = terminationProtected
            self.shutdownBehavior = shutdownBehavior
            self.deleteOnTermination = deleteOnTermination
        }

        init?(tagValue: String) {
            var fields: [String: String] = [:]
            for field in tagValue.split(separator: ";") {
                let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            guard let termination = fields["termination"], let shutdown = fields["shutdown"] else { return nil }
            let deleted = (fields["delete"] ?? "").split(separator: ",").map { (String($0), true) }
            self.init(
                terminationProtected: termination == "true",
                shutdownBehavior: shutdown,
                deleteOnTermination: Dictionary(deleted, uniquingKeysWith: { first, _ in first })
            )
        }

        var json: JSONValue {
            [
                "termination_protection": .bool(terminationProtected),
                "shutdown_behavior": .string(shutdownBehavior),
                "delete_on_termination": .object(deleteOnTermination.mapValues(JSONValue.bool)),
            ]
        }
    }

    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        let before = try await preservation(of: instanceID, ec2)
        // In dry-run the tag is left out, so the verdict is the first change's own.
        if !before.isPreserved, context.request.mode == .live {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.createTags(resources: [instanceID], tags: [priorTag: before.tagValue])
            }
        }
        if !before.terminationProtected {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.setTerminationProtection(instanceID: instanceID, true)
            }
        }
        if before.shutdownBehavior != "stop" {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.setShutdownBehavior(instanceID: instanceID, "stop")
            }
        }
        for (device, delete) in before.deleteOnTermination.sorted(by: { $0.key < $1.key }) where delete {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.setDeleteOnTermination(instanceID: instanceID, deviceName: device, false)
            }
        }
        return ActionResult(priorState: before.json)
    }

    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        guard try await preservation(of: instanceID, ec2).isPreserved else { return .notDone }
        let prior = try await TagInstance.instance(instanceID, ec2).tags[priorTag].flatMap(Preservation.init(tagValue:))
        return .done(ActionResult(priorState: prior?.json, verified: true))
    }

    public static func undo(
        _ parameters: ActionParameters,
        priorState: JSONValue,
        in context: ActionContext
    )
        async throws(ActionFailure)
    {
        let instanceID = try parameters.string("instance")
        let ec2 = try context.clients.ec2()
        if priorState["termination_protection"]?.boolValue == false {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.setTerminationProtection(instanceID: instanceID, false)
            }
        }
        if let behavior = priorState["shutdown_behavior"]?.stringValue, behavior != "stop" {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.setShutdownBehavior(instanceID: instanceID, behavior)
            }
        }
        let devices = priorState["delete_on_termination"]?.objectValue ?? [:]
        for (device, delete) in devices.sorted(by: { $0.key < $1.key }) where delete.boolValue == true {
            try await aws(true) { () async throws(AWSError) in
                try await ec2.setDeleteOnTermination(instanceID: instanceID, deviceName: device, true)
            }
        }
    }

    static func preservation(of instanceID: String, _ ec2: EC2Client) async throws(ActionFailure) -> Preservation {
        let instance = try await TagInstance.instance(instanceID, ec2)
        let protected = try await aws { () async throws(AWSError) in
            try await ec2.instanceAttribute(instanceID, "disableApiTermination")
        }
        let behavior = try await aws { () async throws(AWSError) in
            try await ec2.instanceAttribute(instanceID, "instanceInitiatedShutdownBehavior")
        }
        return Preservation(
            terminationProtected: protected == "true",
            shutdownBehavior: behavior ?? "stop",
            deleteOnTermination: Dictionary(
                instance.volumes.map { ($0.deviceName, $0.deleteOnTermination) },
                uniquingKeysWith: { first, _ in first }
            )
        )
    }
}

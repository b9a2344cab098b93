import Foundation
import RemedyAWS
import RemedyCore

/// Writes the evidence under `<prefix><run id>/<step id>/`: `instance.json` and `console-output.txt` when an
/// instance is named, `finding.json` when the run has a finding, `journal.json` (the run's records so far) when the
/// invoker has the journal, and last `manifest.json` (each key with its SHA-256), whose presence tells a probe the
/// step finished. With Object Lock on the bucket every object carries a
/// retention date (the bucket's default rule, else `retention_days` in compliance mode). Every bucket call names the
/// expected owner (`bucket_owner`, else the finding's account), so evidence never lands in another account's bucket.
extension CollectEvidence: ExecutableAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let bucket = try parameters.string("bucket")
        let base = folder(parameters, context)
        var documents: [(name: String, contentType: String, body: [UInt8])] = []
        if let instanceID = parameters.optionalString("instance") {
            let ec2 = try context.clients.ec2()
            let instance = try await TagInstance.instance(instanceID, ec2)
            documents.append(("instance.json", "application/json", json(instance).jsonBytes()))
            let console = try await readingCall { () async throws(AWSError) in
                try await ec2.getConsoleOutput(instanceID: instanceID)
            }
            // EC2 returns the console output base64-encoded.
            let text = Data(base64Encoded: console, options: .ignoreUnknownCharacters).map { Array($0) }
            documents.append(("console-output.txt", "text/plain; charset=utf-8", text ?? Array(console.utf8)))
        }
        if let finding = context.request.finding {
            let text = finding.jsonText(options: .prettyPrinted)
            documents.append(("finding.json", "application/json", Array(text.utf8)))
        }
        if let journal = context.journal {
            documents.append(
                ("journal.json", "application/json", try await excerpt(of: context.request.runID, journal))
            )
        }
        let s3 = try evidenceBucketClient(parameters, context)
        let lock = try await readingCall { () async throws(AWSError) in try await s3.objectLock(bucket: bucket) }
        let retainUntil = lock.map { lock in
            let days = lock.defaultDays ?? (try? parameters.integer("retention_days")) ?? 90
            return iso8601(context.wallClock.now.addingTimeInterval(Double(days) * 86_400))
        }
        let mode = lock?.defaultMode ?? "COMPLIANCE"
        let collectedAt = iso8601(context.wallClock.now)
        let manifest: JSONValue = [
            "run": .string(context.request.runID), "step": .string(context.request.stepID),
            "collectedAt": .string(collectedAt), "retainUntil": retainUntil.map(JSONValue.string) ?? .null,
            "objects": .array(
                documents.map {
                    ["key": .string(base + $0.name), "sha256": .string(IdempotencyToken.sha256Hex($0.body))]
                }
            ),
        ]
        documents.append(("manifest.json", "application/json", manifest.jsonBytes(options: .prettyPrinted)))
        for document in documents {
            try await mutatingCall { () async throws(AWSError) in
                try await s3.putObject(
                    bucket: bucket,
                    key: base + document.name,
                    body: document.body,
                    contentType: document.contentType,
                    retainUntil: retainUntil,
                    lockMode: mode
                )
            }
        }
        return ActionResult(outputs: ["objects": .array(documents.map { .string(base + $0.name) })])
    }

    /// The manifest, written last, is in the bucket: the outputs are the keys it lists, and its own.
    public static func probe(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ProbeResult
    {
        let bucket = try parameters.string("bucket")
        let manifestKey = folder(parameters, context) + "manifest.json"
        let s3 = try evidenceBucketClient(parameters, context)
        let stored = try await readingCall { () async throws(AWSError) in
            try await s3.object(bucket: bucket, key: manifestKey)
        }
        guard let stored else { return .notDone }
        let manifest = try? JSONParser().parse(stored)
        let keys = (manifest?["objects"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue } + [manifestKey]
        return .done(ActionResult(outputs: ["objects": .array(keys.map(JSONValue.string))], verified: true))
    }

    private static func evidenceBucketClient(
        _ parameters: ActionParameters,
        _ context: ActionContext
    ) throws(ActionFailure) -> S3Client {
        try context.clients.s3(
            expectedBucketOwner: parameters.optionalString("bucket_owner") ?? context.request.account
        )
    }

    /// The run's journal records so far (sequence, time, kind, payload and hash chain), as a JSON array.
    static func excerpt(of runID: String, _ journal: any RunJournal) async throws(ActionFailure) -> [UInt8] {
        let records: [JournalRecord]
        do {
            records = try await journal.records(ofRun: runID)
        } catch {
            throw ActionFailure(
                .retryable,
                code: "JournalUnreadable",
                message: "the run's journal could not be read: \(error)"
            )
        }
        let values: [JSONValue] = records.map {
            [
                "sequence": .number(Double($0.sequence)), "recordedAt": .string($0.recordedAt),
                "kind": .string($0.kind),
                "payload": $0.payload, "previousHash": .string($0.previousHash), "hash": .string($0.hash),
            ]
        }
        return JSONValue.array(values).jsonBytes(options: .prettyPrinted)
    }

    static func folder(_ parameters: ActionParameters, _ context: ActionContext) -> String {
        let prefix = parameters.optionalString("prefix") ?? "remedy/"
        return prefix + context.request.runID + "/" + context.request.stepID + "/"
    }

    static func json(_ instance: EC2Instance) -> JSONValue {
        [
            "InstanceId": .string(instance.id), "State": .string(instance.state),
            "VpcId": instance.vpcID.map(JSONValue.string) ?? .null,
            "SubnetId": instance.subnetID.map(JSONValue.string) ?? .null,
            "SecurityGroupIds": .array(instance.securityGroupIDs.map(JSONValue.string)),
            "NetworkInterfaces": .array(
                instance.networkInterfaces.map {
                    [
                        "NetworkInterfaceId": .string($0.id),
                        "SecurityGroupIds": .array($0.securityGroupIDs.map(JSONValue.string)),
                    ]
                }
            ),
            "IamInstanceProfileArn": instance.instanceProfileARN.map(JSONValue.string) ?? .null,
            "Tags": .object(instance.tags.mapValues(JSONValue.string)),
            "HttpTokens": instance.httpTokens.map(JSONValue.string) ?? .null,
            "Volumes": .array(
                instance.volumes.map {
                    [
                        "DeviceName": .string($0.deviceName), "VolumeId": .string($0.volumeID),
                        "DeleteOnTermination": .bool($0.deleteOnTermination),
                    ]
                }
            ),
        ]
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

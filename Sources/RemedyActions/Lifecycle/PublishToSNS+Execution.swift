import RemedyAWS
import RemedyCore

/// A notification: SNS keeps no record a probe could read, so after a crash in the middle of a publish the
/// message may be sent twice (acceptable for a notification). On a FIFO topic the deduplication id derived from
/// the step makes SNS drop a second copy sent within its five-minute window.
extension PublishToSNS: TracelessAction {
    public static func execute(
        _ parameters: ActionParameters,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> ActionResult
    {
        let topic = try parameters.string("topic")
        let message = try parameters.string("message")
        let isFIFO = topic.hasSuffix(".fifo")
        let sns = try context.clients.sns()
        let messageID = try await mutatingCall { () async throws(AWSError) in
            try await sns.publish(
                topicARN: topic,
                subject: parameters.optionalString("subject"),
                message: message,
                messageGroupID: isFIFO ? "remedy" : nil,
                deduplicationID: isFIFO ? IdempotencyToken.sha256Hex(context.request.idempotencyKey) : nil
            )
        }
        return ActionResult(outputs: ["message_id": .string(messageID)])
    }

    /// SNS accepted the message: it returned a message id.
    public static func verify(
        _ parameters: ActionParameters,
        result: ActionResult,
        in context: ActionContext
    ) async throws(ActionFailure)
        -> Bool
    {
        !(result.outputs["message_id"]?.stringValue ?? "").isEmpty
    }
}

import Crypto
import Foundation
import RemedyCore

extension AWSClient {
    /// Calls an `ec2` or `query` protocol operation and returns the response's root element, checked to be
    /// `<ActionResponse>`.
    ///
    /// For the query protocol the `<ActionResult>` child is returned (an empty element when the operation has no
    /// result).
    public func query(
        _ action: String,
        effect: AWSCall.Effect,
        signed: Bool = true,
        dryRun: AWSCall.DryRunPolicy = .evaluate,
        _ configure: (inout FormParameters) -> Void = { _ in }
    ) async throws(AWSError) -> AWSXMLElement {
        var parameters = FormParameters(action: action, version: service.apiVersion)
        configure(&parameters)
        let call = AWSCall(
            operation: action,
            effect: effect,
            method: "POST",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: parameters.body,
            isSigned: signed,
            dryRun: dryRun
        )
        let root = try xml(try await perform(call), operation: action, expectedRoot: "\(action)Response")
        if service.wireProtocol == .ec2 { return root }
        return root["\(action)Result"] ?? AWSXMLElement(name: "\(action)Result")
    }

    /// Calls a `rest-json` operation and returns the JSON body (`{}` for an empty one).
    public func restJSON(
        _ operation: String,
        effect: AWSCall.Effect,
        method: String,
        path: String,
        query: String = "",
        body: JSONValue? = nil
    ) async throws(AWSError) -> JSONValue {
        var headers: [(name: String, value: String)] = []
        var bytes: [UInt8] = []
        if let body {
            bytes = body.jsonBytes()
            headers.append(("Content-Type", "application/json"))
        }
        let call = AWSCall(
            operation: operation,
            effect: effect,
            method: method,
            path: path,
            query: query,
            headers: headers,
            body: bytes
        )
        return try json(try await perform(call), operation: operation)
    }

    /// Calls a `json` protocol operation (`X-Amz-Target`) and returns the JSON body.
    public func json(
        _ operation: String,
        effect: AWSCall.Effect,
        body: JSONValue = [:]
    ) async throws(AWSError)
        -> JSONValue
    {
        guard case .json(let version, let targetPrefix) = service.wireProtocol else {
            throw localError(
                AWSCall(operation: operation, effect: effect, method: "POST"),
                "WrongProtocol",
                "\(service.id) does not use the json protocol"
            )
        }
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/x-amz-json-\(version)"),
            ("X-Amz-Target", "\(targetPrefix).\(operation)"),
        ]
        // SQS is "awsQueryCompatible": this header makes errors carry the legacy query codes.
        if service == .sqs { headers.append(("x-amzn-query-mode", "true")) }
        let call = AWSCall(
            operation: operation,
            effect: effect,
            method: "POST",
            headers: headers,
            body: body.jsonBytes()
        )
        return try json(try await perform(call), operation: operation)
    }

    func xml(_ response: HTTPResponseData, operation: String, expectedRoot: String) throws(AWSError) -> AWSXMLElement {
        // An HTML page is looked for only once the body is not the answer: success pays nothing for the check.
        let root: AWSXMLElement
        do {
            root = try AWSXMLElement.parse(response.body)
        } catch {
            throw malformed(
                operation,
                response,
                "the body is not complete XML (\(error.description))",
                orHTMLInsteadOf: "<\(expectedRoot)>"
            )
        }
        guard root.name == expectedRoot else {
            throw malformed(
                operation,
                response,
                "the root element is <\(root.name)>, expected <\(expectedRoot)>",
                orHTMLInsteadOf: "<\(expectedRoot)>"
            )
        }
        return root
    }

    func json(_ response: HTTPResponseData, operation: String) throws(AWSError) -> JSONValue {
        guard response.body.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return [:] }
        do {
            let value = try JSONParser(limits: .init(maximumBytes: 16 << 20, maximumDepth: 128)).parse(response.body)
            switch value {
            case .object: return value
            // Some endpoints (moto) answer operations without output with a bare `null`.
            case .null: return [:]
            default:
                throw malformed(
                    operation,
                    response,
                    "the body is JSON but not an object",
                    orHTMLInsteadOf: "JSON"
                )
            }
        } catch let error as AWSError {
            throw error
        } catch {
            throw malformed(
                operation,
                response,
                "the body is not complete JSON (\(error))",
                orHTMLInsteadOf: "JSON"
            )
        }
    }

    /// A body that is not the expected answer: an HTML page (a proxy, a console, an endpoint without the
    /// operation) is named as such, anything else as malformed.
    private func malformed(
        _ operation: String,
        _ response: HTTPResponseData,
        _ message: String,
        orHTMLInsteadOf expected: String
    ) -> AWSError {
        if AWSErrorDecoder.looksLikeHTML(response.body) {
            return malformed(operation, response, "an HTML page instead of \(expected)", kind: .notImplemented)
        }
        return malformed(operation, response, message)
    }

    private func malformed(
        _ operation: String,
        _ response: HTTPResponseData,
        _ message: String,
        kind: AWSError.Kind = .malformedResponse
    ) -> AWSError {
        AWSError(
            service: service.id,
            operation: operation,
            statusCode: response.status,
            code: kind == .notImplemented ? "NotImplementedByEndpoint" : "MalformedResponse",
            message: message,
            requestID: response.header("x-amzn-requestid") ?? response.header("x-amz-request-id"),
            kind: kind
        )
    }
}

/// The `Content-MD5` header value: base64 of the body's MD5 (an integrity check, not a security measure).
enum ContentMD5 {
    static func base64(_ body: [UInt8]) -> String {
        Data(Insecure.MD5.hash(data: body)).base64EncodedString()
    }
}

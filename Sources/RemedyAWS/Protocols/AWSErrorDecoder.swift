import RemedyCore

/// Reads an error response of any of the five protocols into an `AWSError`.
///
/// Tolerates what endpoints really send: moto's JSON services answer auth failures in query XML, unimplemented
/// routes answer with HTML pages, content types lie. The protocol, not the content type, picks the decoder.
struct AWSErrorDecoder {
    let service: AWSService
    let operation: String

    func decode(_ response: HTTPResponseData) -> AWSError {
        let requestID =
            response.header("x-amzn-requestid") ?? response.header("x-amz-request-id")
            ?? response.header("x-amzn-request-id")
        let body = response.body
        let firstByte = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }

        if Self.looksLikeHTML(body) {
            return error(
                response.status,
                code: "NotImplementedByEndpoint",
                message: "the endpoint answered with an HTML page (HTTP \(response.status)): it does not implement "
                    + "\(operation), or is not an AWS endpoint",
                requestID: requestID,
                kind: .notImplemented
            )
        }
        if firstByte == UInt8(ascii: "<"), let root = try? AWSXMLElement.parse(body) {
            return decodeXML(root, status: response.status, requestID: requestID)
        }
        if let code = response.header("x-amzn-query-error")?.split(separator: ";").first, !code.isEmpty {
            let message = (try? JSONParser().parse(body)).flatMap {
                $0["message"]?.stringValue ?? $0["Message"]?.stringValue
            }
            return error(response.status, code: String(code), message: message ?? "", requestID: requestID)
        }
        if firstByte == UInt8(ascii: "{"), let document = try? JSONParser().parse(body) {
            let raw =
                response.header("x-amzn-errortype") ?? document["__type"]?.stringValue ?? document["code"]?.stringValue
                ?? document["Code"]?.stringValue
            let message = document["message"]?.stringValue ?? document["Message"]?.stringValue ?? ""
            return error(
                response.status,
                code: Self.cleanJSONCode(raw) ?? "HTTP\(response.status)",
                message: message,
                requestID: requestID
            )
        }
        if let header = response.header("x-amzn-errortype") {
            return error(
                response.status,
                code: Self.cleanJSONCode(header) ?? "HTTP\(response.status)",
                message: "",
                requestID: requestID
            )
        }
        // S3 answers HEAD and some errors with no body at all.
        let code =
            switch response.status {
            case 404: "NotFound"
            case 403: "Forbidden"
            default: "HTTP\(response.status)"
            }
        return error(response.status, code: code, message: "no error details in the response", requestID: requestID)
    }

    private func decodeXML(_ root: AWSXMLElement, status: Int, requestID: String?) -> AWSError {
        // EC2: <Response><Errors><Error>; query: <ErrorResponse><Error>; S3: <Error> at the root.
        let element = root["Errors"]?["Error"] ?? root["Error"] ?? (root.name == "Error" ? root : nil)
        let code = element?.string("Code") ?? "HTTP\(status)"
        let message = element?.string("Message") ?? element?.string("message") ?? ""
        let id = requestID ?? root.string("RequestID") ?? root.string("RequestId") ?? element?.string("RequestId")
        return error(status, code: code, message: message, requestID: id)
    }

    private func error(
        _ status: Int,
        code: String,
        message: String,
        requestID: String?,
        kind: AWSError.Kind? = nil
    ) -> AWSError {
        AWSError(
            service: service.id,
            operation: operation,
            statusCode: status,
            code: code,
            message: message,
            requestID: requestID,
            kind: kind
        )
    }

    /// `com.amazonaws.sqs#QueueDoesNotExist` and `ResourceNotFoundException:http://...` both give the bare code.
    static func cleanJSONCode(_ raw: String?) -> String? {
        guard var code = raw, !code.isEmpty else { return nil }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        return code.isEmpty ? nil : code
    }

    /// Whether the body's first 256 bytes hold `<!doctype html` or `<html`, in any case.
    ///
    /// Compared as ASCII bytes, from each `<`: every error answer passes through here.
    static func looksLikeHTML(_ body: [UInt8]) -> Bool {
        let prefix = body.prefix(256)
        return prefix.indices.contains { start in
            guard prefix[start] == UInt8(ascii: "<") else { return false }
            return hasLowercasePrefix(prefix[start...], "<!doctype html")
                || hasLowercasePrefix(prefix[start...], "<html")
        }
    }

    /// Whether `bytes` begin with the lowercase ASCII `needle`, ignoring the bytes' case.
    private static func hasLowercasePrefix(_ bytes: ArraySlice<UInt8>, _ needle: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard bytes.count >= expected.count else { return false }
        return zip(bytes, expected).allSatisfy { byte, lowercase in
            let folded: UInt8 = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
            return folded == lowercase
        }
    }
}

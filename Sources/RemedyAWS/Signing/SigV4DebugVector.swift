import Foundation

/// Signs one request described in the `botocore_vectors.jsonl` format and reports the intermediate artefacts.
///
/// Backs `remedy debug sigv4`: paste a vector line (or a captured request in the same shape) and compare the
/// canonical request and string to sign with what another SDK or the service computed.
public enum SigV4DebugVector {
    /// One input line.
    ///
    /// `expected` and `tags` are accepted and ignored, so fixture lines can be fed as they are.
    public struct Input: Codable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        public var id: String
        /// `SigV4Auth` for every service but S3, `S3SigV4Auth` for S3.
        public var signer: String
        public var service: String
        public var region: String
        /// The signing time, `yyyyMMdd'T'HHmmss'Z'`.
        public var timestamp: String
        public var credentials: Credentials
        /// S3 only: `false` signs `UNSIGNED-PAYLOAD`.
        public var s3PayloadSigning: Bool?
        public var request: Request

        /// The credentials of the vector; redacted like ``AWSCredentials``.
        public struct Credentials: Codable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
            CustomReflectable
        {
            public var accessKeyID: String
            public var secretAccessKey: String
            public var sessionToken: String?

            enum CodingKeys: String, CodingKey {
                case accessKeyID = "access_key_id"
                case secretAccessKey = "secret_access_key"
                case sessionToken = "session_token"
            }

            public var description: String {
                AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: "", sessionToken: sessionToken)
                    .description
            }

            public var debugDescription: String { description }

            public var customMirror: Mirror {
                AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: "", sessionToken: sessionToken)
                    .customMirror
            }
        }

        /// The request: exact wire URL, headers in order as `[name, value]` pairs, body as base64.
        public struct Request: Codable, Sendable {
            public var method: String
            public var url: String
            public var headers: [[String]]
            public var bodyBase64: String

            enum CodingKeys: String, CodingKey {
                case method, url, headers
                case bodyBase64 = "body_base64"
            }
        }

        enum CodingKeys: String, CodingKey {
            case id, signer, service, region, timestamp, credentials, request
            case s3PayloadSigning = "s3_payload_signing"
        }

        public var description: String {
            "SigV4DebugVector.Input(id: \(id), signer: \(signer), service: \(service), region: \(region), "
                + "credentials: \(credentials))"
        }

        public var debugDescription: String { description }

        public var customMirror: Mirror {
            Mirror(
                self,
                children: [
                    "id": id, "signer": signer, "service": service, "region": region, "timestamp": timestamp,
                    "credentials": credentials, "s3PayloadSigning": s3PayloadSigning as Any,
                    "request": request,
                ],
                displayStyle: .struct
            )
        }
    }

    /// What the command prints for one input.
    public struct Output: Codable, Sendable, Equatable {
        public var id: String
        public var canonicalRequest: String
        public var stringToSign: String
        public var authorization: String

        enum CodingKeys: String, CodingKey {
            case id
            case canonicalRequest = "canonical_request"
            case stringToSign = "string_to_sign"
            case authorization
        }
    }

    /// Decodes one JSON line.
    ///
    /// Decoding errors are reduced to the failing key path: the line holds a secret key, and `DecodingError`
    /// descriptions can quote input.
    public static func decode(line: String) throws(SigV4Error) -> Input {
        do {
            return try JSONDecoder().decode(Input.self, from: Data(line.utf8))
        } catch let error as DecodingError {
            throw .invalidDebugVector(reason: reason(for: error))
        } catch {
            throw .invalidDebugVector(reason: "not JSON")
        }
    }

    /// The signer, request, credentials and time a vector describes.
    public static func prepare(
        _ input: Input
    ) throws(SigV4Error) -> (
        signer: SigV4Signer, request: SigV4Request, credentials: AWSCredentials, time: SigV4Timestamp
    ) {
        let isS3 = input.signer == "S3SigV4Auth"
        guard isS3 || input.signer == "SigV4Auth" else {
            throw .invalidDebugVector(reason: "signer must be SigV4Auth or S3SigV4Auth")
        }
        let rules: SigningRules = isS3 ? .s3(signPayload: input.s3PayloadSigning ?? true) : .standard
        let signer = try SigV4Signer(service: input.service, region: input.region, rules: rules)
        var headers: [(name: String, value: String)] = []
        for pair in input.request.headers {
            guard pair.count == 2 else { throw .invalidDebugVector(reason: "each header must be [name, value]") }
            headers.append((name: pair[0], value: pair[1]))
        }
        guard let body = Data(base64Encoded: input.request.bodyBase64) else {
            throw .invalidDebugVector(reason: "body_base64 is not base64")
        }
        let request = try SigV4Request(
            method: input.request.method,
            url: input.request.url,
            headers: headers,
            payload: .bytes(Array(body))
        )
        let credentials = AWSCredentials(
            accessKeyID: input.credentials.accessKeyID,
            secretAccessKey: input.credentials.secretAccessKey,
            sessionToken: input.credentials.sessionToken
        )
        return (signer, request, credentials, try SigV4Timestamp(parsing: input.timestamp))
    }

    /// Signs the vector's request with an `Authorization` header.
    public static func evaluate(_ input: Input) throws(SigV4Error) -> Output {
        let prepared = try prepare(input)
        let signed = try prepared.signer.sign(prepared.request, credentials: prepared.credentials, at: prepared.time)
        return Output(
            id: input.id,
            canonicalRequest: signed.canonicalRequest,
            stringToSign: signed.stringToSign,
            authorization: signed.authorization
        )
    }

    /// One JSON line in, one JSON line out: `{"id","canonical_request","string_to_sign","authorization"}`.
    public static func run(line: String) throws(SigV4Error) -> String {
        let output = try evaluate(try decode(line: line))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Written field by field: JSONEncoder does not promise key order, and readers expect this one.
        var fields: [String] = []
        for (key, value) in [
            ("id", output.id), ("canonical_request", output.canonicalRequest),
            ("string_to_sign", output.stringToSign), ("authorization", output.authorization),
        ] {
            guard let encoded = try? encoder.encode(value) else {
                throw .invalidDebugVector(reason: "output not encodable")
            }
            fields.append("\"\(key)\":\(String(decoding: encoded, as: UTF8.self))")
        }
        return "{\(fields.joined(separator: ","))}"
    }

    private static func reason(for error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        @unknown default: path = []
        }
        let keys = path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        switch error {
        case .keyNotFound: return "missing \(keys)"
        case .dataCorrupted where path.isEmpty: return "not JSON"
        default: return "bad value at \(keys.isEmpty ? "top level" : keys)"
        }
    }
}

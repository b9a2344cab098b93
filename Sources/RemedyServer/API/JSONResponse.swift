import Hummingbird
import RemedyCore

/// JSON answers built from `JSONValue`, the same encoder the journal uses.
enum JSONResponse {
    static func encode(_ value: JSONValue) -> [UInt8] {
        value.jsonBytes()
    }

    static func make(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: encode(value)))
        )
    }
}

import RemedyAWS
import RemedyCore

/// `elbv2.redirect_http_to_https` (ELB.1, ELBv2.1): every plain HTTP listener of an Application Load Balancer
/// answers with a permanent redirect to HTTPS on 443, keeping host, path and query.
///
/// A setting in ``SettingAction``'s sense: the HTTP listeners' default actions, by listener. It refuses a load
/// balancer with no HTTPS listener on 443 (the redirect would send every client to nothing), and a listener whose
/// actions it could not write back (authentication actions); undo restores each listener's actions as they were.
public struct RedirectHTTPToHTTPS: SettingAction {
    static let redirect: JSONValue = [
        "Type": "redirect",
        "RedirectConfig": [
            "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
            "StatusCode": "HTTP_301",
        ],
    ]
    static let restorable: Set<String> = ["forward", "redirect", "fixed-response"]

    public static let descriptor = ActionDescriptor(
        name: "elbv2.redirect_http_to_https",
        summary: "Make every HTTP listener of an Application Load Balancer redirect to HTTPS on 443 (refused when "
            + "the load balancer has no HTTPS listener there)",
        parameters: [ParameterSpec("load_balancer", .identifier(.arn), summary: "the load balancer's ARN")],
        outputs: [changedOutput],
        permissions: ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:ModifyListener"],
        isMutating: true,
        isReversible: true,
        isDisruptive: true
    )

    public static func client(_ clients: ServiceClients) throws(ActionFailure) -> ELBv2Client { try clients.elbv2() }
    public static func resource(_ parameters: ActionParameters) throws(ActionFailure) -> String {
        let arn = try parameters.identifier("load_balancer", .arn)
        guard ARN(arn)?.service == "elasticloadbalancing" else {
            throw ActionFailure(.permanent, code: "InvalidParameter", message: "\(arn) is not a load balancer ARN")
        }
        return arn
    }
    public static func wanted(_ parameters: ActionParameters) -> [String: JSONValue] { ["HTTPListeners": "redirect"] }
    /// Met when every HTTP listener redirects to HTTPS (a load balancer without one has nothing to redirect).
    public static func meets(_ current: JSONValue, _ wanted: JSONValue, setting: String) -> Bool {
        (current.objectValue ?? [:]).values.allSatisfy(redirectsToHTTPS)
    }
    public static func read(_ loadBalancer: String, with elb: ELBv2Client) async throws(AWSError) -> [String: JSONValue]
    {
        let listeners = try await elb.listeners(ofLoadBalancer: loadBalancer).filter { $0.networkProtocol == "HTTP" }
        return [
            "HTTPListeners": .object(
                Dictionary(uniqueKeysWithValues: listeners.map { ($0.arn, .array($0.defaultActions)) })
            )
        ]
    }
    /// `redirect` points every HTTP listener not redirecting to HTTPS; listeners' actions (undo) are written back.
    public static func write(
        _ settings: [String: JSONValue],
        to loadBalancer: String,
        with elb: ELBv2Client
    ) async throws(AWSError) {
        if case .object(let saved) = settings["HTTPListeners"] {
            for (listener, actions) in saved.sorted(by: { $0.key < $1.key }) {
                try await elb.setDefaultActions(listenerARN: listener, actions.arrayValue ?? [])
            }
            return
        }
        let listeners = try await elb.listeners(ofLoadBalancer: loadBalancer)
        guard listeners.contains(where: { $0.networkProtocol == "HTTPS" && $0.port == 443 }) else {
            throw refusal(
                "NoHTTPSListener",
                "load balancer \(loadBalancer) has no HTTPS listener on 443: a redirect there would fail every request"
            )
        }
        let changing = listeners.filter { $0.networkProtocol == "HTTP" && !redirectsToHTTPS(.array($0.defaultActions)) }
        for listener in changing {
            let types = listener.defaultActions.compactMap { $0["Type"]?.stringValue }
            guard types.allSatisfy(restorable.contains) else {
                throw refusal(
                    "UnrestorableListener",
                    "listener \(listener.arn) has \(types.joined(separator: ", ")) actions, which undo could not write back"
                )
            }
        }
        for listener in changing { try await elb.setDefaultActions(listenerARN: listener.arn, [redirect]) }
    }

    static func redirectsToHTTPS(_ actions: JSONValue) -> Bool {
        guard let only = actions.arrayValue, only.count == 1, only[0]["Type"] == "redirect" else { return false }
        return only[0]["RedirectConfig"]?["Protocol"] == "HTTPS"
    }

    static func refusal(_ code: String, _ message: String) -> AWSError {
        AWSError(
            service: "elasticloadbalancing",
            operation: "ModifyListener",
            statusCode: nil,
            code: code,
            message: message,
            kind: .permanent
        )
    }
}

import Foundation
import RemedyCore

/// IAM and STS (`query` protocol): users, keys, login profiles, MFA, inline policies, roles, assumed sessions.
extension SimulatedAccount {
    func iam(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        switch operation {
        case "ListAccessKeys":
            let user = try user(form["UserName"])
            return XML.list(
                "AccessKeyMetadata",
                user.accessKeys.map {
                    XML.leaf("UserName", user.name) + XML.leaf("AccessKeyId", $0.id) + XML.leaf("Status", $0.status)
                        + XML.leaf("CreateDate", $0.createDate)
                },
                item: "member"
            ) + XML.leaf("IsTruncated", false)
        case "GetAccessKeyLastUsed":
            let id = form["AccessKeyId"] ?? ""
            guard let (user, key) = accessKey(id) else {
                throw AWSFault(403, "AccessDenied", "The access key \(id) does not exist in this account")
            }
            var used = [XML.leaf("Region", state.region), XML.leaf("ServiceName", "s3")]
            if let lastUsed = key.lastUsed { used.append(XML.leaf("LastUsedDate", lastUsed)) }
            return XML.leaf("UserName", user.name) + XML.node("AccessKeyLastUsed", used)
        case "UpdateAccessKey":
            var user = try user(form["UserName"])
            let id = form["AccessKeyId"] ?? ""
            guard let index = user.accessKeys.firstIndex(where: { $0.id == id }) else {
                throw AWSFault(404, "NoSuchEntity", "The Access Key with id \(id) cannot be found.")
            }
            let status = form["Status"] ?? ""
            guard status == "Active" || status == "Inactive" else {
                throw AWSFault(400, "ValidationError", "Status must be Active or Inactive")
            }
            user.accessKeys[index].status = status
            state.users[user.name] = user
            return ""
        case "PutUserPolicy", "PutRolePolicy", "DeleteUserPolicy", "DeleteRolePolicy", "GetUserPolicy",
            "GetRolePolicy":
            return try inlinePolicy(operation, form)
        case "GetLoginProfile":
            let user = try user(form["UserName"])
            guard user.hasLoginProfile else {
                throw AWSFault(404, "NoSuchEntity", "Login Profile for User \(user.name) cannot be found.")
            }
            return XML.node(
                "LoginProfile",
                [XML.leaf("UserName", user.name), XML.leaf("CreateDate", "2025-01-01T00:00:00Z")]
            )
        case "DeleteLoginProfile":
            var user = try user(form["UserName"])
            guard user.hasLoginProfile else {
                throw AWSFault(404, "NoSuchEntity", "Login Profile for User \(user.name) cannot be found.")
            }
            user.hasLoginProfile = false
            state.users[user.name] = user
            return ""
        case "ListMFADevices":
            let user = try user(form["UserName"])
            return XML.list(
                "MFADevices",
                user.mfaDevices.map {
                    XML.leaf("UserName", user.name) + XML.leaf("SerialNumber", $0)
                        + XML.leaf("EnableDate", "2025-01-01T00:00:00Z")
                },
                item: "member"
            ) + XML.leaf("IsTruncated", false)
        case "DeactivateMFADevice":
            var user = try user(form["UserName"])
            let serial = form["SerialNumber"] ?? ""
            guard user.mfaDevices.contains(serial) else {
                throw AWSFault(404, "NoSuchEntity", "MFA Device with serial number \(serial) does not exist.")
            }
            user.mfaDevices.removeAll { $0 == serial }
            state.users[user.name] = user
            return ""
        case "GetInstanceProfile":
            let name = form["InstanceProfileName"] ?? ""
            guard let profile = state.instanceProfiles[name] else {
                throw AWSFault(404, "NoSuchEntity", "Instance Profile \(name) cannot be found.")
            }
            let prefix = "arn:\(state.partition):iam::\(state.accountID)"
            return XML.node(
                "InstanceProfile",
                [
                    XML.leaf("InstanceProfileName", profile.name),
                    XML.leaf("Arn", "\(prefix):instance-profile/\(profile.name)"),
                    XML.list(
                        "Roles",
                        profile.roles.map { XML.leaf("RoleName", $0) + XML.leaf("Arn", "\(prefix):role/\($0)") },
                        item: "member"
                    ),
                ]
            )
        default:
            throw .unsupported("iam", operation)
        }
    }

    func user(_ name: String?) throws(AWSFault) -> AccountState.User {
        guard let name, let user = state.users[name] else {
            throw AWSFault(404, "NoSuchEntity", "The user with name \(name ?? "") cannot be found.")
        }
        return user
    }

    func accessKey(_ id: String) -> (AccountState.User, AccountState.AccessKey)? {
        for user in state.users.values {
            if let key = user.accessKeys.first(where: { $0.id == id }) { return (user, key) }
        }
        return nil
    }

    private func inlinePolicy(_ operation: String, _ form: FormInput) throws(AWSFault) -> String {
        let isUser = operation.contains("User")
        let name = form[isUser ? "UserName" : "RoleName"] ?? ""
        let policyName = form["PolicyName"] ?? ""
        var policies: [String: String]
        if isUser {
            policies = try user(name).inlinePolicies
        } else {
            guard let role = state.roles[name] else {
                throw AWSFault(404, "NoSuchEntity", "The role with name \(name) cannot be found.")
            }
            policies = role.inlinePolicies
        }
        var result = ""
        if operation.hasPrefix("Put") {
            let document = form["PolicyDocument"] ?? ""
            guard (try? JSONParser().parse(Array(document.utf8))) != nil else {
                throw AWSFault(400, "MalformedPolicyDocument", "Syntax errors in policy.")
            }
            policies[policyName] = document
        } else {
            guard let document = policies[policyName] else {
                throw AWSFault(
                    404,
                    "NoSuchEntity",
                    "The \(isUser ? "user" : "role") policy with name \(policyName) cannot be found."
                )
            }
            if operation.hasPrefix("Delete") {
                policies[policyName] = nil
            } else {
                // IAM returns the document URL-encoded.
                let encoded = document.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? document
                result =
                    XML.leaf(isUser ? "UserName" : "RoleName", name) + XML.leaf("PolicyName", policyName)
                    + XML.leaf("PolicyDocument", encoded)
            }
        }
        if isUser {
            state.users[name]?.inlinePolicies = policies
        } else {
            state.roles[name]?.inlinePolicies = policies
        }
        return result
    }

    func sts(_ operation: String, _ form: FormInput, _ caller: Caller) throws(AWSFault) -> String {
        switch operation {
        case "GetCallerIdentity":
            return XML.leaf("Arn", caller.arn) + XML.leaf("UserId", "AIDAEXERCISE")
                + XML.leaf("Account", state.accountID)
        case "AssumeRole":
            let roleARN = form["RoleArn"] ?? ""
            let session = form["RoleSessionName"] ?? ""
            let prefix = "arn:\(state.partition):iam::\(state.accountID):role/"
            guard roleARN.hasPrefix(prefix), let name = roleARN.split(separator: "/").last.map(String.init),
                state.roles[name] != nil
            else {
                throw AWSFault(
                    403,
                    "AccessDenied",
                    "User: \(caller.arn) is not authorized to perform: sts:AssumeRole on resource: \(roleARN)"
                )
            }
            let key = "ASIAE5E" + String(format: "%013d", sessions.count + 1)
            sessions[key] = (name, session)
            // Expiry in real time: the credential cache compares it with the system clock.
            let expiry = Date().addingTimeInterval(3600)
            return XML.node(
                "Credentials",
                [
                    XML.leaf("AccessKeyId", key), XML.leaf("SecretAccessKey", "exercise-secret-\(key)"),
                    XML.leaf("SessionToken", "exercise-session-\(key)"),
                    XML.leaf("Expiration", expiry.formatted(Date.ISO8601FormatStyle())),
                ]
            )
                + XML.node(
                    "AssumedRoleUser",
                    [
                        XML.leaf(
                            "Arn",
                            "arn:\(state.partition):sts::\(state.accountID):assumed-role/\(name)/\(session)"
                        ),
                        XML.leaf("AssumedRoleId", "AROAEXERCISE:\(session)"),
                    ]
                )
        default:
            throw .unsupported("sts", operation)
        }
    }
}

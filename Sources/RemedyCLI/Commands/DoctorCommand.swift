import ArgumentParser
import Foundation
import RemedyAWS
import RemedyCore
import RemedyPlaybooks

extension RemedyCommand {
    /// `remedy doctor`.
    ///
    /// can remedy reach AWS, as whom, and can it assume the roles the playbooks name?
    struct DoctorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract: "Check the AWS region, credentials, caller identity and the playbooks' target roles.",
            discussion: """
                Prints where the credentials came from (never the secret), the caller identity from STS \
                GetCallerIdentity, and for each distinct target.role in the playbooks whether it can be assumed. \
                Roles written with {{ finding.account }} are checked in the caller's account, or in each --account.
                Exit status 0 when everything works, 1 otherwise, with what to do about it.
                """
        )

        @Option(
            name: .long,
            help: "The shared-config profile to use (default: AWS_DEFAULT_PROFILE, AWS_PROFILE, default)."
        )
        var profile: String?

        @Option(name: .long, help: "The AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region).")
        var region: String?

        @Option(name: .customLong("account"), help: "An account to check target roles in (repeatable).")
        var accounts: [String] = []

        @OptionGroup(title: "Playbooks")
        var playbookOptions: PlaybookOptions

        func run() async throws {
            let playbooks = try playbookOptions.loadLibrary().playbooks
            let context: AWSContext
            do {
                context = try await AWSContext.load(profile: profile, region: region)
            } catch {
                Terminal.standardError.write("error: \(error)")
                throw ExitCode.failure
            }
            Terminal.standardOutput.write("region: \(context.region) (from \(context.regionSource))")
            Terminal.standardOutput.write("credentials: \(context.credentials.source)")

            let identity: STSClient.CallerIdentity
            do {
                identity = try await STSClient(try context.client(.sts)).getCallerIdentity()
            } catch {
                Terminal.standardOutput.write("caller identity: FAILED: \(error)")
                throw ExitCode.failure
            }
            Terminal.standardOutput.write("caller: \(identity.arn) (account \(identity.account))")

            let roles = targetRoles(
                playbooks: playbooks,
                accounts: accounts.isEmpty ? [identity.account] : accounts,
                partition: ARN(identity.arn)?.partition.rawValue ?? "aws"
            )
            var allWell = true
            if roles.isEmpty { Terminal.standardOutput.write("target roles: none named by the playbooks") }
            for (role, playbooks) in roles.sorted(by: { $0.key < $1.key }) {
                let provider = await context.assumedRole(role, sessionName: "remedy-doctor")
                do {
                    // Fetching first reports AssumeRole's own error rather than a failure to sign the next call.
                    _ = try await provider.credentials()
                    let assumed = try await STSClient(try context.client(.sts, credentials: provider))
                        .getCallerIdentity()
                    Terminal.standardOutput.write(
                        "role \(role): assumable (as \(assumed.arn)); used by \(playbooks.joined(separator: ", "))"
                    )
                } catch {
                    allWell = false
                    Terminal.standardOutput.write(
                        "role \(role): FAILED: \(error); used by \(playbooks.joined(separator: ", "))"
                    )
                }
            }
            if !allWell { throw ExitCode.failure }
        }

        /// Each distinct role ARN the playbooks' `target.role` templates give for the accounts, with the playbooks.
        func targetRoles(playbooks: [Playbook], accounts: [String], partition: String) -> [String: [String]] {
            var roles: [String: [String]] = [:]
            for playbook in playbooks {
                guard let template = playbook.targetRole else { continue }
                for account in accounts {
                    let scope = ExpressionScope(finding: ["account": .string(account), "partition": .string(partition)])
                    guard case .value(.string(let role))? = try? template.evaluate(in: scope),
                        ResourceIdentifierKind.roleARN.problem(with: role) == nil
                    else {
                        Terminal.standardOutput.write(
                            "role of \(playbook.name): \(template.source) depends on more of the finding than account and partition; not checked"
                        )
                        continue
                    }
                    roles[role, default: []].append(playbook.name)
                }
            }
            return roles
        }
    }
}

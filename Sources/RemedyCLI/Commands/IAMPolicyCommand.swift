import ArgumentParser
import RemedyActions
import RemedyCore

extension RemedyCommand {
    /// `remedy iam-policy`: the least-privilege policy for the runner's target role.
    struct IAMPolicyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "iam-policy",
            abstract: "Print the minimal IAM policy (JSON) the target role needs for the loaded playbooks.",
            discussion: """
                Exactly the permissions that the actions used by the playbooks declare, with resources narrowed to \
                the resource type each permission can be scoped to. Playbooks with errors are left out (and named \
                on standard error).
                """
        )

        @OptionGroup(title: "Playbooks")
        var playbookOptions: PlaybookOptions

        @Option(name: .long, help: "The partition for resource ARNs: aws, aws-cn or aws-us-gov.")
        var partition: String = "aws"

        @Option(name: .long, help: "Narrow resource ARNs to this account id.")
        var account: String?

        func validate() throws {
            guard Partition(rawValue: partition) != nil else {
                throw ValidationError("--partition must be aws, aws-cn or aws-us-gov")
            }
            if let account, (try? ValueType.identifier(.accountID).validate(.string(account))) == nil {
                throw ValidationError("--account must be a 12-digit account id")
            }
        }

        func run() throws {
            let playbooks = try playbookOptions.loadLibrary().playbooks
            var names = Set(playbooks.flatMap { $0.steps.compactMap(\.action?.name) })
            // A playbook that exempts resources by tag may read the tags first (the planner's check step).
            if playbooks.contains(where: { !$0.match.exclusions.tags.isEmpty }) {
                names.insert(PendingCheck.exemptionCheckAction)
            }
            let actions = ActionCatalog.standard.all.filter { names.contains($0.name) }
            let policy = IAMPolicy(
                actions: actions,
                partition: Partition(rawValue: partition) ?? .aws,
                account: account
            )
            Terminal.standardOutput.write(policy.json.jsonText(options: .prettyPrinted))
        }
    }
}

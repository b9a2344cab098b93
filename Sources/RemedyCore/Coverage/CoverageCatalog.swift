/// The finding types and control ids remedy's playbooks are expected to handle.
public struct CoverageCatalog: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case guardDutyType = "guardduty"
            case securityHubControl = "securityhub-control"
        }

        public var kind: Kind
        /// The GuardDuty type or the control id.
        public var name: String
        public var title: String

        public init(kind: Kind, name: String, title: String) {
            self.kind = kind
            self.name = name
            self.title = title
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// This catalogue plus the entries of `other` it does not have yet.
    public func merging(_ other: CoverageCatalog) -> CoverageCatalog {
        var merged = entries
        for entry in other.entries where !merged.contains(where: { $0.kind == entry.kind && $0.name == entry.name }) {
            merged.append(entry)
        }
        return CoverageCatalog(entries: merged)
    }

    /// The families remedy commits to cover: the GuardDuty threat types and Security Hub controls responders meet
    /// most.
    public static let essential = CoverageCatalog(
        entries: [
            (
                "Backdoor:EC2/C&CActivity.B",
                "An EC2 instance is querying an IP associated with a command and control server"
            ),
            (
                "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                "An EC2 instance is querying a domain associated with cryptocurrency"
            ),
            ("Trojan:EC2/DNSDataExfiltration", "An EC2 instance is exfiltrating data through DNS queries"),
            ("UnauthorizedAccess:EC2/SSHBruteForce", "An EC2 instance has been involved in SSH brute force attacks"),
            ("UnauthorizedAccess:EC2/TorClient", "An EC2 instance is connecting to a Tor Guard or Authority node"),
            (
                "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                "Instance credentials are being used from outside AWS"
            ),
            ("CredentialAccess:IAMUser/AnomalousBehavior", "An API used to gain access was invoked anomalously"),
            ("Policy:S3/BucketBlockPublicAccessDisabled", "S3 Block Public Access was disabled on a bucket"),
            ("Policy:S3/BucketAnonymousAccessGranted", "A bucket was opened to anonymous access"),
            ("Stealth:IAMUser/CloudTrailLoggingDisabled", "A CloudTrail trail was disabled"),
            ("Recon:EC2/PortProbeUnprotectedPort", "An unprotected port on an EC2 instance is being probed"),
        ].map { Entry(kind: .guardDutyType, name: $0.0, title: $0.1) }
            + [
                ("S3.1", "S3 general purpose buckets should have block public access settings enabled"),
                ("S3.2", "S3 general purpose buckets should block public read access"),
                ("S3.8", "S3 general purpose buckets should block public access"),
                ("EC2.1", "Amazon EBS snapshots should not be publicly restorable"),
                ("EC2.2", "VPC default security groups should not allow inbound or outbound traffic"),
                ("EC2.7", "EBS default encryption should be enabled"),
                ("EC2.8", "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)"),
                ("EC2.13", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22"),
                ("EC2.19", "Security groups should not allow unrestricted access to ports with high risk"),
                ("IAM.3", "IAM users' access keys should be rotated every 90 days or less"),
                ("IAM.8", "Unused IAM user credentials should be removed"),
                ("Lambda.1", "Lambda function policies should prohibit public access"),
                ("KMS.4", "AWS KMS key rotation should be enabled"),
                ("CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region trail"),
                ("GuardDuty.1", "GuardDuty should be enabled"),
            ].map { Entry(kind: .securityHubControl, name: $0.0, title: $0.1) }
    )
}

/// Which playbooks handle each catalogue entry.
public struct CoverageReport: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var entry: CoverageCatalog.Entry
        public var playbooks: [String]
    }

    public var lines: [Line]

    public var gaps: [CoverageCatalog.Entry] { lines.filter(\.playbooks.isEmpty).map(\.entry) }

    /// A playbook handles a GuardDuty type when one of its type patterns matches it and its sources allow GuardDuty.
    ///
    /// a control when one of its control patterns matches it. Severity and resource filters are not considered.
    public init(catalog: CoverageCatalog, playbooks: [Playbook]) {
        lines = catalog.entries.map { entry in
            let handlers = playbooks.filter { playbook in
                let filter = playbook.match
                switch entry.kind {
                case .guardDutyType:
                    return (filter.sources.isEmpty || filter.sources.contains(.guardduty))
                        && filter.types.contains { $0.matches(entry.name) }
                        && !filter.exclusions.types.contains { $0.matches(entry.name) }
                case .securityHubControl:
                    return filter.controls.contains { $0.matches(entry.name) }
                }
            }
            return Line(entry: entry, playbooks: handlers.map(\.name))
        }
    }
}

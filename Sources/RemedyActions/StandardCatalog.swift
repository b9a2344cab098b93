import RemedyCore

extension ActionCatalog {
    /// Every action remedy ships, by family in the order incident-response guidance applies them.
    public static let standard = ActionCatalog(standardActions.map { $0.descriptor })

    /// The standard descriptors by family, in the order incident-response guidance applies them.
    public static var standardInFamilyOrder: [ActionDescriptor] { standardActions.map { $0.descriptor } }

    /// Whether remedy can perform the action: every standard action, and no other name.
    public static func isExecutable(_ name: String) -> Bool {
        standardActions.contains { $0.descriptor.name == name }
    }

    /// Each one self-describing (its descriptor) and executable.
    static let standardActions: [any ExecutableAction.Type] = [
        // EC2 compromise: evidence, preserve, detach, isolate, harden.
        TagInstance.self, SnapshotVolumes.self, EnableTerminationProtection.self, DetachFromAutoScaling.self,
        DeregisterFromTargetGroups.self, DetachInstanceProfile.self, QuarantineInstance.self, EnforceIMDSv2.self,
        StopInstance.self,
        // IAM credentials.
        DeactivateAccessKey.self, RevokeSessions.self, DenyAll.self, DeleteLoginProfile.self,
        DeactivateMFADevices.self, SetPasswordPolicy.self,
        // Network exposure.
        RevokeOpenIngress.self, EmptyDefaultSecurityGroup.self,
        // Data exposure.
        BlockBucketPublicAccess.self, BlockAccountPublicAccess.self, EnableBucketDefaultEncryption.self,
        RemovePublicBucketPolicyStatements.self, DenyPrincipalOnBucket.self, MakeSnapshotPrivate.self,
        MakeImagePrivate.self,
        EnableEBSEncryptionByDefault.self, EnableKeyRotation.self, RemovePublicLambdaPermissions.self,
        CaptureLambdaEvidence.self, SnapshotDBInstance.self, MakeDBInstancePrivate.self,
        ThrottleLambda.self,
        // Kubernetes access.
        RemoveEKSAccessEntry.self,
        // Configuration hardening (Security Hub controls).
        ProtectDBInstance.self, ProtectDBCluster.self, EnableDynamoDBDeletionProtection.self, EnableECRScanOnPush.self,
        SetLogGroupRetention.self, DisableSubnetPublicIP.self, EnableLogFileValidation.self, EnableTopicEncryption.self,
        EnableELBHealthCheck.self, CreateCISAlarm.self, MakeDBSnapshotPrivate.self, MakeSSMDocumentPrivate.self,
        DisableTransitGatewayAutoAccept.self, EnableQueueEncryption.self, ProtectRedshiftCluster.self,
        EnableBucketAccessLogging.self, EnableTrailEncryption.self, RequireBucketTLS.self, ProtectCacheCluster.self,
        EnableCacheFailover.self, EnableWorkGroupMetrics.self, EnableMacie.self, BlockPublicDocumentSharing.self,
        DeliverTrailToLogs.self, EnableEnhancedMonitoring.self, AddBucketLifecycleRule.self,
        ScheduleSecretRotation.self, EnableVPCFlowLogs.self, TerminateStoppedInstance.self, DeleteUnusedSecret.self,
        ProtectAPIStage.self, EnableConfigRecording.self, EnableDynamoDBAutoScaling.self, RedirectHTTPToHTTPS.self,
        EnableRedshiftAuditLogging.self, AddResourceTags.self,
        DisablePrivilegedBuilds.self, EnableDeliveryStatusLogging.self, NotifyBucketDeletions.self,
        // Network threats.
        BlockIPInWAF.self, DenyIPInNetworkACL.self,
        // Forensics and secrets.
        CollectEvidence.self, ShareSnapshots.self, RotateSecret.self, StartCloudTrailLogging.self,
        EnableGuardDutyDetector.self,
        // Finding lifecycle and people.
        UpdateSecurityHubFinding.self, ArchiveGuardDutyFinding.self, NotifySlack.self, PublishToSNS.self, Wait.self,
        WaitFor.self,
        // Scoping, added by the planner.
        CheckExemptionTags.self,
    ]
}

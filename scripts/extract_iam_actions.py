#!/usr/bin/env python3
"""Write Fixtures/iam/actions.json: the IAM action names remedy's declared permissions may use.

For each IAM service prefix remedy's actions use, the operation names of the botocore service models behind it
(an operation `DeregisterTargets` of model `elbv2` is the IAM action `elasticloadbalancing:DeregisterTargets`),
plus the few IAM actions that have no identically named operation. Those are listed below with their source:
the AWS Service Authorization Reference pages for each service ("Actions defined by ...").

Tests/RemedyActionsTests check every permission an action declares against this file.

Usage:  python3 scripts/extract_iam_actions.py
Needs only botocore (the committed file records the version it came from).
"""

import json
import os

import botocore
import botocore.session

# IAM prefix -> botocore service models whose operations are IAM actions under that prefix.
PREFIXES = {
    "apigateway": [],
    "application-autoscaling": ["application-autoscaling"],
    "athena": ["athena"],
    "autoscaling": ["autoscaling"],
    "cloudtrail": ["cloudtrail"],
    "cloudwatch": ["cloudwatch"],
    "codebuild": ["codebuild"],
    "config": ["config"],
    "dynamodb": ["dynamodb"],
    "ec2": ["ec2"],
    "ecr": ["ecr"],
    "eks": ["eks"],
    "elasticache": ["elasticache"],
    "elasticloadbalancing": ["elbv2", "elb"],
    "guardduty": ["guardduty"],
    "iam": ["iam"],
    "kms": ["kms"],
    "lambda": ["lambda"],
    "logs": ["logs"],
    "macie2": ["macie2"],
    "rds": ["rds"],
    "redshift": ["redshift"],
    "s3": ["s3", "s3control"],
    "secretsmanager": ["secretsmanager"],
    "securityhub": ["securityhub"],
    "sns": ["sns"],
    "sqs": ["sqs"],
    "ssm": ["ssm"],
    "sts": ["sts"],
    "tag": ["resourcegroupstaggingapi"],
    "wafv2": ["wafv2"],
}

# IAM actions with no operation of the same name. Source: Service Authorization Reference, "Actions defined by
# Amazon S3" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html): S3 names
# permissions after resources, not operations (PutBucketEncryption needs s3:PutEncryptionConfiguration,
# HeadObject needs s3:GetObject, ListObjectsV2 needs s3:ListBucket, the S3 Control account calls need
# s3:*AccountPublicAccessBlock, Get/PutPublicAccessBlock on a bucket need s3:*BucketPublicAccessBlock); "Actions
# defined by IAM" (list_awsidentityandaccessmanagementiam.html): iam:PassRole is a permission only, checked when a
# role is handed to a service such as EC2; "Actions defined by Amazon API Gateway Management"
# (list_amazonapigatewaymanagement.html): API Gateway's REST management permissions are named after HTTP methods
# (apigateway:GET, apigateway:PATCH...), not after operations; "Actions defined by Amazon CloudWatch Logs"
# (list_amazoncloudwatchlogs.html) and the VPC flow logs guide ("Publish flow logs to Amazon S3", IAM permissions):
# logs:CreateLogDelivery and logs:DeleteLogDelivery are permissions only, checked when a flow log is delivered to S3.
IAM_ONLY = {
    "apigateway": ["DELETE", "GET", "PATCH", "POST", "PUT"],
    "iam": ["PassRole"],
    "logs": ["CreateLogDelivery", "DeleteLogDelivery"],
    "s3": [
        "GetAccountPublicAccessBlock",
        "GetBucketObjectLockConfiguration",
        "GetBucketPublicAccessBlock",
        "GetEncryptionConfiguration",
        "GetLifecycleConfiguration",
        "ListAllMyBuckets",
        "ListBucket",
        "PutAccountPublicAccessBlock",
        "PutBucketObjectLockConfiguration",
        "PutBucketPublicAccessBlock",
        "PutEncryptionConfiguration",
        "PutLifecycleConfiguration",
    ],
}


def main():
    session = botocore.session.get_session()
    result = {
        "source": f"botocore {botocore.__version__} service models; IAM-only names from the AWS Service "
        "Authorization Reference (see scripts/extract_iam_actions.py)",
        "actions": {},
    }
    for prefix, services in sorted(PREFIXES.items()):
        names = set(IAM_ONLY.get(prefix, []))
        for service in services:
            names.update(session.get_service_model(service).operation_names)
        result["actions"][prefix] = sorted(names)
    out = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "iam", "actions.json")
    with open(out, "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print(f"wrote {sum(len(v) for v in result['actions'].values())} actions under {len(PREFIXES)} prefixes")


if __name__ == "__main__":
    main()

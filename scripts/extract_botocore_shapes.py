#!/usr/bin/env python3
"""Extract the input shapes of the AWS operations remedy calls from botocore's service models.

For each operation in OPERATIONS it writes Fixtures/botocore-shapes/<service>.<Operation>.json with the
service's protocol, API version, JSON/target metadata, the operation's HTTP method and requestUri, and the
input shape as a tree: every member with its wire name (`locationName`, else the member name), its location
(`header`, `uri`, `querystring`, or none for the body), `flattened`, the shape's type, required members, enum
values, min/max, list member and map key/value shapes, recursively. A shape already on the path from the root
is not expanded again: it appears as {"type": ..., "recursiveRef": "<ShapeName>"}.

The files are what Tests/RemedyTestSupport/BotocoreShapeChecker.swift checks recorded requests against.

Usage:  python3 scripts/extract_botocore_shapes.py [--out DIR]
Needs only botocore (the committed files come from botocore 1.43.11).
"""

import argparse
import json
import os
import sys

import botocore
import botocore.session

OPERATIONS = [
    ("securityhub", "BatchUpdateFindings"),
    ("securityhub", "GetFindings"),
    ("guardduty", "GetFindings"),
    ("guardduty", "ArchiveFindings"),
    ("guardduty", "ListDetectors"),
    ("guardduty", "GetDetector"),
    ("guardduty", "CreateDetector"),
    ("guardduty", "UpdateDetector"),
    ("guardduty", "UnarchiveFindings"),
    ("iam", "SimulatePrincipalPolicy"),
    ("wafv2", "GetIPSet"),
    ("wafv2", "UpdateIPSet"),
    ("cloudtrail", "StartLogging"),
    ("secretsmanager", "RotateSecret"),
    ("elbv2", "DeregisterTargets"),
    ("autoscaling", "DetachInstances"),
    ("eks", "ListAccessEntries"),
    ("eks", "DescribeAccessEntry"),
    ("eks", "ListAssociatedAccessPolicies"),
    ("eks", "DeleteAccessEntry"),
    ("eks", "CreateAccessEntry"),
    ("eks", "AssociateAccessPolicy"),
    ("elasticache", "DescribeCacheClusters"),
    ("elasticache", "ModifyCacheCluster"),
    ("elasticache", "DescribeReplicationGroups"),
    ("elasticache", "ModifyReplicationGroup"),
    ("athena", "GetWorkGroup"),
    ("athena", "UpdateWorkGroup"),
    ("macie2", "GetMacieSession"),
    ("macie2", "EnableMacie"),
    ("macie2", "UpdateMacieSession"),
    ("ssm", "GetServiceSetting"),
    ("ssm", "UpdateServiceSetting"),
    ("secretsmanager", "DescribeSecret"),
    ("resourcegroupstaggingapi", "GetResources"),
    ("resourcegroupstaggingapi", "TagResources"),
    ("resourcegroupstaggingapi", "UntagResources"),
    ("codebuild", "BatchGetProjects"),
    ("codebuild", "UpdateProject"),
    ("sns", "GetTopicAttributes"),
    ("sns", "SetTopicAttributes"),
]


def shape_tree(shape, path):
    """The shape as a JSON-ready dict; `path` holds the names of the shapes being expanded above it."""
    node = {"shape": shape.name, "type": shape.type_name}
    if shape.name in path and shape.type_name in ("structure", "list", "map"):
        node["recursiveRef"] = shape.name
        return node
    path = path + [shape.name]
    metadata = shape.metadata
    for key in ("min", "max", "pattern"):
        if key in metadata:
            node[key] = metadata[key]
    if getattr(shape, "enum", None):
        node["enum"] = list(shape.enum)
    if shape.serialization.get("flattened"):
        node["flattened"] = True
    if shape.serialization.get("payload"):
        node["payload"] = shape.serialization["payload"]
    if shape.type_name == "structure":
        node["required"] = list(metadata.get("required", []))
        members = {}
        for name, member in shape.members.items():
            entry = member_entry(name, member)
            entry["value"] = shape_tree(member, path)
            members[name] = entry
        node["members"] = members
    elif shape.type_name == "list":
        member = shape.member
        node["member"] = shape_tree(member, path)
        if member.serialization.get("name"):
            node["memberLocationName"] = member.serialization["name"]
    elif shape.type_name == "map":
        node["key"] = shape_tree(shape.key, path)
        node["value"] = shape_tree(shape.value, path)
        for part, attribute in (("key", "keyLocationName"), ("value", "valueLocationName")):
            name = getattr(shape, part).serialization.get("name")
            if name:
                node[attribute] = name
    if shape.type_name == "timestamp" and shape.serialization.get("timestampFormat"):
        node["timestampFormat"] = shape.serialization["timestampFormat"]
    return node


def member_entry(name, member):
    serialization = member.serialization
    entry = {"locationName": serialization.get("name", name)}
    if serialization.get("location"):
        entry["location"] = serialization["location"]
    if serialization.get("queryName"):
        entry["queryName"] = serialization["queryName"]
    if serialization.get("flattened"):
        entry["flattened"] = True
    if member.metadata.get("idempotencyToken"):
        entry["idempotencyToken"] = True
    return entry


def describe(session, service, operation_name):
    model = session.get_service_model(service)
    operation = model.operation_model(operation_name)
    metadata = model.metadata
    document = {
        "source": f"botocore {botocore.__version__} service model {service}/{model.api_version} (Apache-2.0)",
        "service": service,
        "operation": operation_name,
        "protocol": metadata["protocol"],
        "apiVersion": metadata["apiVersion"],
        "signingName": metadata.get("signingName", metadata.get("endpointPrefix")),
        "http": {
            "method": operation.http.get("method", "POST"),
            "requestUri": operation.http.get("requestUri", "/"),
        },
    }
    if metadata.get("jsonVersion"):
        document["jsonVersion"] = metadata["jsonVersion"]
    if metadata.get("targetPrefix"):
        document["targetPrefix"] = metadata["targetPrefix"]
    input_shape = operation.input_shape
    document["input"] = (
        shape_tree(input_shape, []) if input_shape is not None else {"type": "structure", "required": [], "members": {}}
    )
    return document


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "Fixtures", "botocore-shapes"))
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    session = botocore.session.get_session()
    for service, operation in OPERATIONS:
        document = describe(session, service, operation)
        path = os.path.join(arguments.out, f"{service}.{operation}.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write("\n")
        print(f"wrote {os.path.relpath(path, root)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

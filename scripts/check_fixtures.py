#!/usr/bin/env python3
"""Validate the finding fixtures under Fixtures/findings against the AWS service models.

For every GuardDuty finding (camelCase wire form or the AWS CLI's PascalCase form) and every
Security Hub ASFF finding found in a fixture -- after unwrapping SNS envelopes, EventBridge events,
GetFindings pages, BatchImportFindings batches, Lambda SNS/SQS event records and `aws sqs
receive-message` output -- every key is checked recursively against the botocore shape (`Finding` in
guardduty/2017-11-28, `AwsSecurityFinding` in securityhub/2018-10-26, `ReceiveMessageResult` in
sqs/2012-11-05): unknown keys, missing required members, wrong JSON types and values outside an enum
are reported with a JSON path. Security Hub OCSF findings (`Findings Imported V2`) and Lambda event
records are not botocore shapes; their structure is checked by hand (required keys, consistent
class/type/severity ids, MD5 of SQS bodies).

It also checks Fixtures/findings/manifest.json: every fixture file is listed exactly once, every
listed file exists, each entry is well formed, and for `expect: findings` entries the expected
normalised findings equal what this script derives from the file itself (an independent
implementation of the rules in Fixtures/findings/README.md). `not-findings/` files must unwrap to
something that is not a finding; `malformed/` files are exempt from all content checks.

Usage:  python3 scripts/check_fixtures.py [--root DIR] [-v]
Exit status: 0 when everything passes, 1 on any problem. Needs only botocore.
"""

import argparse
import hashlib
import json
import math
import os
import re
import sys

try:
    import botocore.loaders
except ImportError:  # pragma: no cover
    sys.stderr.write("check_fixtures.py needs botocore (pip install botocore)\n")
    sys.exit(2)

FINDING_DIRS = ("raw", "eventbridge", "sns", "asff-batch", "guardduty-api", "samples", "securityhub-guardduty",
                "lambda", "sqs", "attack-sequence", "ocsf", "lenient", "hostile-ids")
# lenient/ holds GuardDuty findings without updatedAt (and without createdAt): the model requires both,
# remedy falls back to createdAt and then to the envelope time. Only these two omissions are forgiven.
LENIENT_DIR = "lenient"
LENIENT_MISSING = re.compile(r": missing required member (updatedAt|createdAt) of Finding$")
NOT_FINDING_DIR = "not-findings"
MALFORMED_DIR = "malformed"
EXPECTS = ("findings", "not-a-finding", "malformed")
SEVERITY_LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
LABEL_VALUE = {"INFORMATIONAL": 0.0, "LOW": 1.0, "MEDIUM": 40.0, "HIGH": 70.0, "CRITICAL": 90.0}
FINDING_KEYS = ("id", "source", "types", "controlId", "severity", "severityLabel", "account", "region",
                "partition", "resource", "updatedAt", "sample", "updatedAtFrom")
UPDATED_AT_FROM = ("updatedAt", "createdAt", "envelope")
RESOURCE_KEYS = {"type", "id", "user", "userName", "userType"}
ACCESS_KEY_ID_PREFIX = "AWS::IAM::AccessKey:"  # ASFF resource id of a GuardDuty access key
SAMPLE_TITLE_PREFIX = "[SAMPLE]"
ASFF_SAMPLE_FIELD = "aws/guardduty/service/additionalInfo/sample"

EVENTBRIDGE_KEYS = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
SNS_NOTIFICATION_REQUIRED = {"Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion",
                             "Signature", "SigningCertURL", "UnsubscribeURL"}
SNS_NOTIFICATION_OPTIONAL = {"Subject", "MessageAttributes"}
# Lambda event records (AWS Lambda developer guide sample events; aws/aws-lambda-go events/testdata).
# Lambda spells the SNS URLs ...Url, the HTTP/SQS delivery spells them ...URL.
LAMBDA_SNS_RECORD_KEYS = {"EventSource", "EventVersion", "EventSubscriptionArn", "Sns"}
LAMBDA_SNS_REQUIRED = {"Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion", "Signature",
                       "SigningCertUrl", "UnsubscribeUrl"}
LAMBDA_SNS_OPTIONAL = {"Subject", "MessageAttributes"}
LAMBDA_SQS_REQUIRED = {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                       "eventSource", "eventSourceARN", "awsRegion"}
LAMBDA_SQS_OPTIONAL = {"md5OfMessageAttributes"}
LAMBDA_SQS_ATTRIBUTES_REQUIRED = {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                  "ApproximateFirstReceiveTimestamp"}
LAMBDA_SQS_ATTRIBUTES_OPTIONAL = {"AWSTraceHeader", "MessageGroupId", "MessageDeduplicationId", "SequenceNumber",
                                  "DeadLetterQueueSourceArn"}
# Security Hub OCSF findings ("Findings Imported V2"): classes used by Security Hub and the keys this
# checker requires of them (Security Hub user guide "OCSF findings"; OCSF 1.x schema).
OCSF_CLASSES = {2003: "Compliance Finding", 2004: "Detection Finding"}
OCSF_SEVERITY = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal"}
OCSF_SEVERITY_LABEL = {1: "INFORMATIONAL", 2: "LOW", 3: "MEDIUM", 4: "HIGH", 5: "CRITICAL", 6: "CRITICAL"}
OCSF_REQUIRED = {"activity_id", "activity_name", "category_uid", "category_name", "class_uid", "class_name",
                 "type_uid", "type_name", "severity_id", "severity", "status_id", "status", "metadata", "cloud",
                 "finding_info", "resources"}
OCSF_RESOURCE_TYPES = {"AWS::EC2::Instance": "AwsEc2Instance", "AWS::S3::Bucket": "AwsS3Bucket"}
# GuardDuty Extended Threat Detection: ResourceV2.resourceType -> remedy's resource type
SEQUENCE_RESOURCE_TYPES = {"EC2_INSTANCE": "AwsEc2Instance", "S3_BUCKET": "AwsS3Bucket", "ACCESS_KEY": "AwsIamAccessKey"}
SECURITYHUB_DETAIL_KEYS = {
    "Security Hub Findings - Imported": {"findings"},
    "Security Hub Findings - Custom Action": {"actionName", "actionDescription", "findings"},
}
CONFIG_DETAIL_REQUIRED = {"resourceId", "resourceType", "awsAccountId", "awsRegion", "configRuleName",
                          "configRuleARN", "messageType", "newEvaluationResult"}
CONFIG_DETAIL_OPTIONAL = {"recordVersion", "oldEvaluationResult", "notificationCreationTime"}
CONFIG_RESULT_KEYS = {"evaluationResultIdentifier", "complianceType", "resultRecordedTime",
                      "configRuleInvokedTime", "annotation", "resultToken"}
CONFIG_QUALIFIER_KEYS = {"configRuleName", "resourceType", "resourceId", "evaluationMode"}


# --------------------------------------------------------------------------------------------
# Schema checking against botocore shapes
# --------------------------------------------------------------------------------------------

class Model:
    def __init__(self, service, version):
        self.shapes = botocore.loaders.Loader().load_service_model(service, "service-2", version)["shapes"]

    def wire_members(self, shape_name, style):
        """Map wire key -> (member name, member shape) for a structure.

        style 'member' (PascalCase: Security Hub JSON and the AWS CLI's output) uses member names;
        style 'location' (GuardDuty's REST JSON) uses each member's locationName, falling back to
        the member name when the model gives none (e.g. RdsLoginAttemptAction.LoginAttributes)."""
        members = self.shapes[shape_name]["members"]
        out = {}
        for name, m in members.items():
            key = m.get("locationName", name) if style == "location" else name
            out[key] = (name, m["shape"])
        return out


def jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class SchemaChecker:
    def __init__(self, model, style, free_form_shapes=()):
        self.model = model
        self.style = style
        self.free_form_shapes = set(free_form_shapes)

    def check(self, value, shape_name, path, errors):
        if value is None:
            return  # services do emit explicit nulls (e.g. "platform": null)
        shape = self.model.shapes[shape_name]
        t = shape["type"]
        if t == "structure":
            if not isinstance(value, dict):
                errors.append(f"{path}: expected object for {shape_name}, got {jtype(value)}")
                return
            if shape_name in self.free_form_shapes and not set(value) <= {"value", "type", "Value", "Type"}:
                return  # see FREE_FORM note in GUARDDUTY_EVENT_FREE_FORM
            members = self.model.wire_members(shape_name, self.style)
            for key, sub in value.items():
                if key not in members:
                    hint = self._hint(key, members)
                    errors.append(f"{path}.{key}: unknown key for {shape_name}{hint}")
                    continue
                self.check(sub, members[key][1], f"{path}.{key}", errors)
            wire_of = {name: key for key, (name, _) in members.items()}
            for req in shape.get("required", []):
                if wire_of[req] not in value:
                    errors.append(f"{path}: missing required member {wire_of[req]} of {shape_name}")
        elif t == "list":
            if not isinstance(value, list):
                errors.append(f"{path}: expected array for {shape_name}, got {jtype(value)}")
                return
            for i, item in enumerate(value):
                self.check(item, shape["member"]["shape"], f"{path}[{i}]", errors)
        elif t == "map":
            if not isinstance(value, dict):
                errors.append(f"{path}: expected object (map) for {shape_name}, got {jtype(value)}")
                return
            for k, item in value.items():
                self.check(item, shape["value"]["shape"], f"{path}[{json.dumps(k)}]", errors)
        elif t == "string":
            if not isinstance(value, str):
                errors.append(f"{path}: expected string ({shape_name}), got {jtype(value)}")
            elif "enum" in shape and value not in shape["enum"]:
                errors.append(f"{path}: {value!r} is not one of {shape_name} {shape['enum']}")
        elif t in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append(f"{path}: expected integer ({shape_name}), got {jtype(value)}")
        elif t in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                errors.append(f"{path}: expected number ({shape_name}), got {jtype(value)}")
        elif t == "boolean":
            if not isinstance(value, bool):
                errors.append(f"{path}: expected boolean ({shape_name}), got {jtype(value)}")
        elif t == "timestamp":
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                errors.append(f"{path}: expected timestamp string or epoch number ({shape_name}), got {jtype(value)}")
        elif t == "blob":
            if not isinstance(value, str):
                errors.append(f"{path}: expected base64 string ({shape_name}), got {jtype(value)}")

    @staticmethod
    def _hint(key, members):
        low = {k.lower(): k for k in members}
        if key.lower() in low:
            return f" (did you mean {low[key.lower()]!r}? wrong case for this wire form)"
        return ""


# GuardDuty's EventBridge events (and the raw `detail` copied from them) carry service.additionalInfo
# as a free-form object such as {"threatListName": "ProofPoint", "sample": true}; the GetFindings API
# and the botocore model wrap the same data as {"value": "<JSON string>", "type": "default"}. Both
# forms are accepted for event-origin findings; API-origin findings must use the modelled form.
GUARDDUTY_EVENT_FREE_FORM = ("ServiceAdditionalInfo",)


# --------------------------------------------------------------------------------------------
# Unwrapping
# --------------------------------------------------------------------------------------------

class Unit:
    """One finding found inside a fixture file."""

    def __init__(self, kind, obj, path, style=None, origin=None, event=None, env_time=None):
        self.kind, self.obj, self.path, self.style, self.origin, self.event = kind, obj, path, style, origin, event
        self.env_time = env_time  # time of the innermost envelope: EventBridge `time`, else SNS `Timestamp`


class Extraction:
    def __init__(self):
        self.units = []
        self.errors = []
        self.not_finding = None  # reason string when the document is a recognised non-finding
        self.unrecognized = None


SQS_MODEL = None  # set in main(); `aws sqs receive-message` output is checked against ReceiveMessageResult


def extract(doc, path, ex, gd_model, sh_model, env=None):
    if isinstance(doc, dict) and "Type" in doc and "TopicArn" in doc and "MessageId" in doc:
        extract_sns(doc, path, ex, gd_model, sh_model)
    elif isinstance(doc, dict) and "detail-type" in doc and "source" in doc:
        extract_eventbridge(doc, path, ex, gd_model, sh_model)
    elif isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        extract_lambda(doc, path, ex, gd_model, sh_model)
    elif isinstance(doc, dict) and "Messages" in doc:
        extract_sqs_cli(doc, path, ex, gd_model, sh_model)
    elif isinstance(doc, dict) and "Findings" in doc:
        extract_pascal_batch(doc, path, ex, gd_model, sh_model, env)
    elif isinstance(doc, dict) and "findings" in doc and "detail-type" not in doc:
        allowed = set(gd_model.wire_members("GetFindingsResponse", "location"))
        for k in doc:
            if k not in allowed:
                ex.errors.append(f"{path}.{k}: unknown key for GuardDuty GetFindingsResponse (wire keys: {sorted(allowed)})")
        items = doc["findings"]
        if not isinstance(items, list):
            ex.errors.append(f"{path}.findings: expected array")
            return
        for i, f in enumerate(items):
            ex.units.append(Unit("guardduty", f, f"{path}.findings[{i}]", style="location", origin="api", env_time=env))
    elif is_asff(doc):
        ex.units.append(Unit("asff", doc, path, env_time=env))
    elif isinstance(doc, dict) and {"schemaVersion", "accountId", "type"} <= set(doc):
        ex.units.append(Unit("guardduty", doc, path, style="location", origin="event", env_time=env))
    elif isinstance(doc, dict) and {"SchemaVersion", "AccountId", "Type", "Resource"} <= set(doc):
        ex.units.append(Unit("guardduty", doc, path, style="member", origin="api", env_time=env))
    else:
        ex.unrecognized = f"{path}: not a recognised finding document ({jtype(doc)})"


def is_asff(doc):
    return isinstance(doc, dict) and "SchemaVersion" in doc and "ProductArn" in doc


def extract_sns(doc, path, ex, gd_model, sh_model):
    kind = doc.get("Type")
    if kind != "Notification":
        ex.not_finding = f"SNS {kind} message"
        return
    for k in SNS_NOTIFICATION_REQUIRED - set(doc):
        ex.errors.append(f"{path}: SNS notification lacks {k}")
    for k in set(doc) - SNS_NOTIFICATION_REQUIRED - SNS_NOTIFICATION_OPTIONAL:
        ex.errors.append(f"{path}.{k}: unknown key for an SNS HTTP(S) notification")
    msg = doc.get("Message")
    if not isinstance(msg, str):
        ex.errors.append(f"{path}.Message: expected a JSON string, got {jtype(msg)}")
        return
    try:
        inner = json.loads(msg)
    except ValueError as e:
        ex.errors.append(f"{path}.Message: not valid JSON ({e})")
        return
    extract(inner, f"{path}.Message<json>", ex, gd_model, sh_model, env=doc.get("Timestamp"))


def parse_json_string(value, path, ex):
    if not isinstance(value, str):
        ex.errors.append(f"{path}: expected a JSON string, got {jtype(value)}")
        return None
    try:
        return json.loads(value)
    except ValueError as e:
        ex.errors.append(f"{path}: not valid JSON ({e})")
        return None


def check_keys(obj, path, required, optional, what, ex):
    if not isinstance(obj, dict):
        ex.errors.append(f"{path}: expected object for {what}, got {jtype(obj)}")
        return False
    for k in sorted(required - set(obj)):
        ex.errors.append(f"{path}: {what} lacks {k}")
    for k in sorted(set(obj) - required - optional):
        ex.errors.append(f"{path}.{k}: unknown key for {what}")
    return True


def check_md5(body, md5, path, ex):
    if isinstance(body, str) and md5 != hashlib.md5(body.encode("utf-8")).hexdigest():
        ex.errors.append(f"{path}: MD5 of the body does not match ({md5!r})")


def extract_lambda(doc, path, ex, gd_model, sh_model):
    """A Lambda event from an SNS or SQS trigger: {"Records": [...]}, findings in record order."""
    for k in set(doc) - {"Records"}:
        ex.errors.append(f"{path}.{k}: unknown key for a Lambda SNS/SQS event")
    if not doc["Records"]:
        ex.errors.append(f"{path}.Records: empty")
    for i, rec in enumerate(doc["Records"]):
        rp = f"{path}.Records[{i}]"
        if isinstance(rec, dict) and rec.get("EventSource") == "aws:sns":
            if not check_keys(rec, rp, LAMBDA_SNS_RECORD_KEYS, set(), "a Lambda SNS record", ex):
                continue
            if rec.get("EventVersion") != "1.0":
                ex.errors.append(f"{rp}.EventVersion: expected '1.0'")
            sns = rec.get("Sns")
            if not check_keys(sns, f"{rp}.Sns", LAMBDA_SNS_REQUIRED, LAMBDA_SNS_OPTIONAL, "a Lambda SNS message", ex):
                continue
            if sns.get("Type") != "Notification":
                ex.not_finding = f"Lambda SNS record of type {sns.get('Type')!r}"
                continue
            inner = parse_json_string(sns.get("Message"), f"{rp}.Sns.Message", ex)
            if inner is not None:
                extract(inner, f"{rp}.Sns.Message<json>", ex, gd_model, sh_model, env=sns.get("Timestamp"))
        elif isinstance(rec, dict) and rec.get("eventSource") == "aws:sqs":
            if not check_keys(rec, rp, LAMBDA_SQS_REQUIRED, LAMBDA_SQS_OPTIONAL, "a Lambda SQS record", ex):
                continue
            check_keys(rec.get("attributes"), f"{rp}.attributes", LAMBDA_SQS_ATTRIBUTES_REQUIRED,
                       LAMBDA_SQS_ATTRIBUTES_OPTIONAL, "SQS message attributes", ex)
            check_md5(rec.get("body"), rec.get("md5OfBody"), f"{rp}.md5OfBody", ex)
            region = rec.get("awsRegion")
            if not (isinstance(rec.get("eventSourceARN"), str) and rec["eventSourceARN"].startswith("arn:")
                    and rec["eventSourceARN"].split(":")[3:4] == [region]):
                ex.errors.append(f"{rp}.eventSourceARN: not a queue ARN in awsRegion {region!r}")
            inner = parse_json_string(rec.get("body"), f"{rp}.body", ex)
            if inner is not None:
                extract(inner, f"{rp}.body<json>", ex, gd_model, sh_model)
        else:
            ex.errors.append(f"{rp}: neither an SNS (EventSource aws:sns) nor an SQS (eventSource aws:sqs) record")


def extract_sqs_cli(doc, path, ex, gd_model, sh_model):
    """`aws sqs receive-message` output: {"Messages": [{"MessageId", "ReceiptHandle", "MD5OfBody", "Body", ...}]}"""
    errs = []
    SchemaChecker(SQS_MODEL, "member").check(doc, "ReceiveMessageResult", path, errs)
    ex.errors.extend(errs)
    msgs = doc.get("Messages")
    if not isinstance(msgs, list) or not msgs:
        ex.errors.append(f"{path}.Messages: expected a non-empty array")
        return
    for i, m in enumerate(msgs):
        mp = f"{path}.Messages[{i}]"
        if not isinstance(m, dict):
            continue
        for k in ("MessageId", "ReceiptHandle", "MD5OfBody", "Body"):
            if k not in m:
                ex.errors.append(f"{mp}: message lacks {k}")
        check_md5(m.get("Body"), m.get("MD5OfBody"), f"{mp}.MD5OfBody", ex)
        inner = parse_json_string(m.get("Body"), f"{mp}.Body", ex)
        if inner is not None:
            extract(inner, f"{mp}.Body<json>", ex, gd_model, sh_model)


def extract_eventbridge(doc, path, ex, gd_model, sh_model):
    for k in EVENTBRIDGE_KEYS - set(doc):
        ex.errors.append(f"{path}: EventBridge event lacks {k}")
    for k in set(doc) - EVENTBRIDGE_KEYS:
        ex.errors.append(f"{path}.{k}: unknown key for an EventBridge event")
    dt, src, detail = doc.get("detail-type"), doc.get("source"), doc.get("detail")
    if dt == "GuardDuty Finding" and src == "aws.guardduty":
        if not isinstance(detail, dict):
            ex.errors.append(f"{path}.detail: expected object, got {jtype(detail)}")
            return
        ex.units.append(Unit("guardduty", detail, f"{path}.detail", style="location", origin="event",
                             env_time=doc.get("time")))
    elif dt in SECURITYHUB_DETAIL_KEYS and src == "aws.securityhub":
        if not isinstance(detail, dict) or not isinstance(detail.get("findings"), list):
            ex.errors.append(f"{path}.detail.findings: expected array")
            return
        for k in set(detail) - SECURITYHUB_DETAIL_KEYS[dt]:
            ex.errors.append(f"{path}.detail.{k}: unknown key for '{dt}'")
        for k in SECURITYHUB_DETAIL_KEYS[dt] - set(detail):
            ex.errors.append(f"{path}.detail: '{dt}' lacks {k}")
        for i, f in enumerate(detail["findings"]):
            ex.units.append(Unit("asff", f, f"{path}.detail.findings[{i}]", env_time=doc.get("time")))
    elif dt == "Findings Imported V2" and src == "aws.securityhub":
        if not isinstance(detail, dict) or not isinstance(detail.get("findings"), list) or not detail["findings"]:
            ex.errors.append(f"{path}.detail.findings: expected a non-empty array")
            return
        for k in set(detail) - {"findings"}:
            ex.errors.append(f"{path}.detail.{k}: unknown key for 'Findings Imported V2'")
        if len(detail["findings"]) != 1:
            ex.errors.append(f"{path}.detail.findings: Security Hub sends one finding per 'Findings Imported V2' event")
        for i, f in enumerate(detail["findings"]):
            fp = f"{path}.detail.findings[{i}]"
            check_ocsf(f, fp, ex)
            ex.units.append(Unit("ocsf", f, fp, env_time=doc.get("time")))
    elif dt == "Config Rules Compliance Change" and src == "aws.config":
        check_config_detail(detail, f"{path}.detail", ex)
        if isinstance(detail, dict) and detail.get("newEvaluationResult", {}).get("complianceType") == "NON_COMPLIANT":
            ex.units.append(Unit("config", detail, f"{path}.detail", event=doc, env_time=doc.get("time")))
        else:
            ex.not_finding = "Config compliance change that is not NON_COMPLIANT"
    else:
        ex.not_finding = f"EventBridge event {dt!r} from {src!r}"


def check_config_detail(detail, path, ex):
    if not isinstance(detail, dict):
        ex.errors.append(f"{path}: expected object")
        return
    for k in CONFIG_DETAIL_REQUIRED - set(detail):
        ex.errors.append(f"{path}: Config compliance change lacks {k}")
    for k in set(detail) - CONFIG_DETAIL_REQUIRED - CONFIG_DETAIL_OPTIONAL:
        ex.errors.append(f"{path}.{k}: unknown key for a Config compliance change")
    for rk in ("newEvaluationResult", "oldEvaluationResult"):
        r = detail.get(rk)
        if r is None:
            continue
        for k in set(r) - CONFIG_RESULT_KEYS:
            ex.errors.append(f"{path}.{rk}.{k}: unknown key for a Config evaluation result")
        q = r.get("evaluationResultIdentifier", {}).get("evaluationResultQualifier", {})
        for k in set(q) - CONFIG_QUALIFIER_KEYS:
            ex.errors.append(f"{path}.{rk}.evaluationResultIdentifier.evaluationResultQualifier.{k}: unknown key")
        if q and (q.get("resourceId") != detail.get("resourceId") or q.get("resourceType") != detail.get("resourceType")
                  or q.get("configRuleName") != detail.get("configRuleName")):
            ex.errors.append(f"{path}.{rk}: evaluationResultQualifier disagrees with the detail's rule/resource")


def check_ocsf(f, path, ex):
    """Hand check of a Security Hub OCSF finding (class, type, severity and status ids; required objects)."""
    if not check_keys(f, path, OCSF_REQUIRED, set(f) if isinstance(f, dict) else set(), "an OCSF finding", ex):
        return
    cls = f.get("class_uid")
    if cls not in OCSF_CLASSES:
        ex.errors.append(f"{path}.class_uid: {cls!r} is not one of {sorted(OCSF_CLASSES)}")
        return
    if f.get("class_name") != OCSF_CLASSES[cls]:
        ex.errors.append(f"{path}.class_name: {f.get('class_name')!r} does not match class_uid {cls}")
    if f.get("category_uid") != 2 or f.get("category_name") != "Findings":
        ex.errors.append(f"{path}: category must be 2 'Findings'")
    if f.get("type_uid") != cls * 100 + f.get("activity_id", -1):
        ex.errors.append(f"{path}.type_uid: expected class_uid * 100 + activity_id")
    if f.get("type_name") != f"{OCSF_CLASSES[cls]}: {f.get('activity_name')}":
        ex.errors.append(f"{path}.type_name: expected '<class_name>: <activity_name>'")
    if OCSF_SEVERITY.get(f.get("severity_id")) != f.get("severity"):
        ex.errors.append(f"{path}.severity: {f.get('severity')!r} does not match severity_id {f.get('severity_id')!r}")
    md, cloud, info = f.get("metadata"), f.get("cloud"), f.get("finding_info")
    product = md.get("product") if isinstance(md, dict) else None
    if not isinstance(product, dict) or not {"name", "uid", "vendor_name"} <= set(product) or "version" not in md:
        ex.errors.append(f"{path}.metadata: needs version and product.{{name, uid, vendor_name}}")
    if not isinstance(cloud, dict) or not isinstance(cloud.get("account"), dict) or "uid" not in cloud["account"] \
            or "region" not in cloud or cloud.get("provider") != "AWS":
        ex.errors.append(f"{path}.cloud: needs account.uid, region and provider 'AWS'")
    if not isinstance(info, dict) or not {"uid", "title"} <= set(info):
        ex.errors.append(f"{path}.finding_info: needs uid and title")
    res = f.get("resources")
    if not isinstance(res, list) or not res or not all(isinstance(r, dict) and {"type", "uid"} <= set(r) for r in res):
        ex.errors.append(f"{path}.resources: needs at least one {{type, uid}}")
    if cls == 2003:
        comp = f.get("compliance")
        if not isinstance(comp, dict) or not {"control", "status", "status_id"} <= set(comp):
            ex.errors.append(f"{path}.compliance: a Compliance Finding needs control, status and status_id")
    if "time" not in f and "time_dt" not in f:
        ex.errors.append(f"{path}: needs time or time_dt")


def extract_pascal_batch(doc, path, ex, gd_model, sh_model, env=None):
    items = doc["Findings"]
    if not isinstance(items, list):
        ex.errors.append(f"{path}.Findings: expected array")
        return
    if items and all(is_asff(f) for f in items):
        allowed = set(sh_model.shapes["GetFindingsResponse"]["members"]) | set(sh_model.shapes["BatchImportFindingsRequest"]["members"])
        what = "Security Hub GetFindings/BatchImportFindings"
        for i, f in enumerate(items):
            ex.units.append(Unit("asff", f, f"{path}.Findings[{i}]", env_time=env))
    else:
        allowed = set(gd_model.shapes["GetFindingsResponse"]["members"])
        what = "GuardDuty get-findings (CLI)"
        for i, f in enumerate(items):
            ex.units.append(Unit("guardduty", f, f"{path}.Findings[{i}]", style="member", origin="api", env_time=env))
    for k in doc:
        if k not in allowed:
            ex.errors.append(f"{path}.{k}: unknown top-level key for {what} output (allowed: {sorted(allowed)})")


# --------------------------------------------------------------------------------------------
# Normalisation (independent re-implementation of Fixtures/findings/README.md)
# --------------------------------------------------------------------------------------------

def band(value):
    if value <= 0:
        return "INFORMATIONAL"
    if value < 40:
        return "LOW"
    if value < 70:
        return "MEDIUM"
    if value < 90:
        return "HIGH"
    return "CRITICAL"


def pick(d, camel):
    """Read a GuardDuty member in either wire form (camelCase locationName or PascalCase name)."""
    if camel in d:
        return d[camel]
    pascal = camel[0].upper() + camel[1:]
    return d.get(pascal)


def arn_partition(arn):
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[1] if len(parts) > 2 and parts[0] == "arn" else None


def region_partition(region):
    if not isinstance(region, str):
        return None
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def timestamps(updated, created, env_time):
    """(updatedAt, updatedAtFrom): the finding's own updatedAt, else its createdAt, else the envelope time."""
    if updated:
        return updated, "updatedAt"
    if created:
        return created, "createdAt"
    if env_time:
        return env_time, "envelope"
    raise ValueError("no updatedAt, createdAt or envelope time")


def guardduty_sample(f):
    """GuardDuty marks CreateSampleFindings output in service.additionalInfo: as a free-form key
    ({"sample": true}, EventBridge/S3 export), inside the JSON string of the modelled {value, type} form
    ({"value": "{\"sample\":true}", "type": "default"}, GetFindings), or both at once. The console's
    [SAMPLE] title prefix is also honoured although GuardDuty does not put it in the finding's title."""
    info = pick(pick(f, "service") or {}, "additionalInfo")
    if isinstance(info, dict):
        if info.get("sample") is True:
            return True
        value = pick(info, "value")
        if isinstance(value, str):
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict) and decoded.get("sample") is True:
                return True
    return str(pick(f, "title") or "").startswith(SAMPLE_TITLE_PREFIX)


def strip_arn(uid, kind):
    """Bare id of a sequence resource uid given as an ARN (arn:...:instance/i-..., arn:...:s3:::bucket)."""
    if not isinstance(uid, str) or not uid.startswith("arn:"):
        return uid
    rest = uid.split(":", 5)[5] if uid.count(":") >= 5 else uid
    if kind == "AwsEc2Instance" and rest.startswith("instance/"):
        return rest[len("instance/"):]
    return rest


def sequence_resource(seq, index=0):
    """Attack sequence: member `index` of service.detection.sequence.resources, mapped to remedy's types."""
    r0 = (pick(seq, "resources") or [{}])[index]
    rtype = SEQUENCE_RESOURCE_TYPES.get(pick(r0, "resourceType"), pick(r0, "resourceType"))
    resource = {"type": rtype, "id": strip_arn(pick(r0, "uid"), rtype)}
    if rtype == "AwsIamAccessKey":
        ak = pick(pick(r0, "data") or {}, "accessKey") or {}
        resource.update(userName=pick(ak, "userName"), userType=pick(ak, "userType"))
    return resource


def normalise_all(unit):
    """An attack sequence is one finding per member resource (each routed to the playbooks of its kind), the member
    as its resource; everything else is one finding."""
    f = unit.obj
    seq = pick(pick(pick(f, "service") or {}, "detection") or {}, "sequence") if unit.kind == "guardduty" else None
    members = len(pick(seq, "resources") or []) if seq is not None else 0
    if members <= 1:
        return [normalise(unit)]
    return [dict(normalise(unit), resource=sequence_resource(seq, i)) for i in range(members)]


def normalise(unit):
    f = unit.obj
    if unit.kind == "guardduty":
        score = round(float(pick(f, "severity")) * 10.0, 6)
        res = pick(f, "resource") or {}
        rtype = pick(res, "resourceType")
        seq = pick(pick(pick(f, "service") or {}, "detection") or {}, "sequence")
        if seq is not None:
            resource = sequence_resource(seq)
        elif rtype == "Instance":
            resource = {"type": "AwsEc2Instance", "id": pick(pick(res, "instanceDetails"), "instanceId")}
        elif rtype == "AccessKey":
            ak = pick(res, "accessKeyDetails")
            resource = {"type": "AwsIamAccessKey", "id": pick(ak, "accessKeyId"), "user": pick(ak, "userName"),
                        "userName": pick(ak, "userName"), "userType": pick(ak, "userType")}
        elif rtype == "S3Bucket":
            resource = {"type": "AwsS3Bucket", "id": pick(pick(res, "s3BucketDetails")[0], "name")}
        else:
            resource = {"type": rtype, "id": None}
        updated, source_of = timestamps(pick(f, "updatedAt"), pick(f, "createdAt"), unit.env_time)
        return {"id": pick(f, "id"), "source": "guardduty", "types": [pick(f, "type")], "controlId": None,
                "severity": score, "severityLabel": band(score), "account": pick(f, "accountId"),
                "region": pick(f, "region"), "partition": pick(f, "partition") or arn_partition(pick(f, "arn")),
                "resource": resource, "updatedAt": updated, "sample": guardduty_sample(f), "updatedAtFrom": source_of}
    if unit.kind == "asff":
        sev = f.get("Severity", {})
        label = sev.get("Label")
        if "Normalized" in sev:
            score = float(sev["Normalized"])
        elif label:
            score = LABEL_VALUE[label]
        elif str(sev.get("Original", "")).upper() in LABEL_VALUE:
            score = LABEL_VALUE[str(sev["Original"]).upper()]
        else:
            score = None
        pf = f.get("ProductFields", {})
        control = f.get("Compliance", {}).get("SecurityControlId")
        if control is None:
            control = pf.get("ControlId", pf.get("RuleId"))
        r0 = (f.get("Resources") or [{}])[0]
        source = "guardduty" if re.fullmatch(r"arn:[a-z-]+:securityhub:[a-z0-9-]+::product/aws/guardduty", f.get("ProductArn", "")) else "securityhub"
        resource = {"type": r0.get("Type"), "id": r0.get("Id")}
        if r0.get("Type") == "AwsIamAccessKey":
            rid = r0.get("Id") or ""
            rid = rid[len(ACCESS_KEY_ID_PREFIX):] if rid.startswith(ACCESS_KEY_ID_PREFIX) else rid
            details = r0.get("Details", {}).get("AwsIamAccessKey", {})
            resource = {"type": "AwsIamAccessKey", "id": "" if rid == "null" else rid,
                        "userName": details.get("UserName", details.get("PrincipalName")),
                        "userType": details.get("PrincipalType")}
        sample = pf.get(ASFF_SAMPLE_FIELD) == "true" or str(f.get("Title", "")).startswith(SAMPLE_TITLE_PREFIX)
        updated, source_of = timestamps(f.get("UpdatedAt"), f.get("CreatedAt"), unit.env_time)
        return {"id": f.get("Id"), "source": source, "types": f.get("Types", []), "controlId": control,
                "severity": score, "severityLabel": label or (band(score) if score is not None else None),
                "account": f.get("AwsAccountId"), "region": f.get("Region"),
                "partition": r0.get("Partition") or arn_partition(r0.get("Id")) or arn_partition(f.get("ProductArn")),
                "resource": resource, "updatedAt": updated, "sample": sample, "updatedAtFrom": source_of}
    if unit.kind == "ocsf":
        info, product = f["finding_info"], f["metadata"]["product"]
        label = OCSF_SEVERITY_LABEL[f["severity_id"]]
        guardduty = product.get("name") == "GuardDuty" or str(product.get("uid", "")).endswith("/aws/guardduty")
        r0 = f["resources"][0]
        region = f["cloud"].get("region")
        if info.get("modified_time_dt"):
            updated, source_of = info["modified_time_dt"], "updatedAt"
        else:
            updated, source_of = f.get("time_dt"), "createdAt"
        return {"id": info["uid"], "source": "guardduty" if guardduty else "securityhub",
                "types": list(info.get("types", [])),
                "controlId": f.get("compliance", {}).get("control") if f["class_uid"] == 2003 else None,
                "severity": LABEL_VALUE[label], "severityLabel": label, "account": f["cloud"]["account"]["uid"],
                "region": region, "partition": region_partition(region),
                "resource": {"type": OCSF_RESOURCE_TYPES.get(r0["type"], r0["type"]), "id": r0["uid"]},
                "updatedAt": updated, "sample": str(info.get("title", "")).startswith(SAMPLE_TITLE_PREFIX),
                "updatedAtFrom": source_of}
    ev = unit.event
    return {"id": ev["id"], "source": "config", "types": [], "controlId": f["configRuleName"], "severity": 40.0,
            "severityLabel": "MEDIUM", "account": f["awsAccountId"], "region": f["awsRegion"],
            "partition": arn_partition(f["configRuleARN"]), "resource": {"type": f["resourceType"], "id": f["resourceId"]},
            "updatedAt": ev["time"], "sample": False, "updatedAtFrom": "envelope"}


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool) and math.isclose(a, b, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


# --------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------

def check_manifest_entry(e, problems):
    where = f"manifest: {e.get('path', '<no path>')}"
    for k in set(e) - {"path", "expect", "findings", "reason", "note"}:
        problems.append(f"{where}: unknown key {k!r}")
    if e.get("expect") not in EXPECTS:
        problems.append(f"{where}: expect must be one of {EXPECTS}")
        return
    if e["expect"] == "findings":
        fs = e.get("findings")
        if not isinstance(fs, list) or not fs:
            problems.append(f"{where}: 'findings' must be a non-empty list")
            return
        if "reason" in e:
            problems.append(f"{where}: 'reason' is only for not-a-finding/malformed entries")
        for i, f in enumerate(fs):
            w = f"{where}: findings[{i}]"
            if not isinstance(f, dict):
                problems.append(f"{w}: not an object")
                continue
            missing, extra = set(FINDING_KEYS) - set(f), set(f) - set(FINDING_KEYS)
            if missing:
                problems.append(f"{w}: missing {sorted(missing)}")
            if extra:
                problems.append(f"{w}: unknown keys {sorted(extra)}")
            if f.get("source") not in ("guardduty", "securityhub", "config"):
                problems.append(f"{w}: bad source {f.get('source')!r}")
            if not isinstance(f.get("severity"), float) or not 0.0 <= f["severity"] <= 100.0:
                problems.append(f"{w}: severity must be a float in 0...100")
            elif f.get("severityLabel") not in SEVERITY_LABELS:
                problems.append(f"{w}: bad severityLabel {f.get('severityLabel')!r}")
            if f.get("partition") not in ("aws", "aws-cn", "aws-us-gov"):
                problems.append(f"{w}: bad partition {f.get('partition')!r}")
            if not re.fullmatch(r"\d{12}", str(f.get("account"))):
                problems.append(f"{w}: account must be 12 digits")
            r = f.get("resource")
            if not isinstance(r, dict) or not {"type", "id"} <= set(r) or set(r) - RESOURCE_KEYS:
                problems.append(f"{w}: resource must be {{type, id[, user][, userName, userType]}}")
            elif r.get("type") == "AwsIamAccessKey" and not {"userName", "userType"} <= set(r):
                problems.append(f"{w}: an AwsIamAccessKey resource carries userName and userType")
            elif r.get("type") != "AwsIamAccessKey" and set(r) & {"user", "userName", "userType"}:
                problems.append(f"{w}: only AwsIamAccessKey resources carry user/userName/userType")
            if not isinstance(f.get("sample"), bool):
                problems.append(f"{w}: sample must be true or false")
            if f.get("updatedAtFrom") not in UPDATED_AT_FROM:
                problems.append(f"{w}: updatedAtFrom must be one of {UPDATED_AT_FROM}")
            if not isinstance(f.get("region"), str) or not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", f.get("region")):
                problems.append(f"{w}: region must look like an AWS region")
            if not isinstance(f.get("types"), list):
                problems.append(f"{w}: types must be a list")
    else:
        if "findings" in e:
            problems.append(f"{where}: 'findings' is only for expect=findings")
        reason = e.get("reason")
        if not isinstance(reason, str) or not reason or reason != reason.lower():
            problems.append(f"{where}: 'reason' must be a non-empty lowercase string")


def check_catalogue(path, found_types, found_controls, problems, verbose):
    """Light sanity check of Fixtures/coverage/finding-types.yaml (a fixed, simple layout)."""
    if not os.path.exists(path):
        problems.append(f"{path}: missing")
        return
    section, gd, sh = None, [], []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if re.match(r"^(guardduty|securityhub_controls):\s*$", line):
            section = line.split(":")[0]
            continue
        m = re.match(r'^\s*-\s+(type|id):\s*"([^"]+)"\s*$', line)
        if m:
            key, val = m.groups()
            if (section, key) == ("guardduty", "type"):
                gd.append(val)
            elif (section, key) == ("securityhub_controls", "id"):
                sh.append(val)
            else:
                problems.append(f"{path}:{n}: '{key}' entry outside its section")
    for name, items in (("guardduty", gd), ("securityhub_controls", sh)):
        if not items:
            problems.append(f"{path}: no entries under {name}")
        dup = {x for x in items if items.count(x) > 1}
        if dup:
            problems.append(f"{path}: duplicate {name} entries {sorted(dup)}")
    if verbose:
        print(f"catalogue: {len(gd)} GuardDuty types ({len([t for t in gd if t in found_types])} with fixtures), "
              f"{len(sh)} controls ({len([c for c in sh if c in found_controls])} with fixtures)")
        for t in gd:
            if t not in found_types:
                print(f"  catalogue only (no fixture): {t}")
        for c in sh:
            if c not in found_controls:
                print(f"  catalogue only (no fixture): {c}")


# --------------------------------------------------------------------------------------------

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(here, "..", "Fixtures", "findings"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    root = os.path.normpath(args.root)

    global SQS_MODEL
    gd_model = Model("guardduty", "2017-11-28")
    sh_model = Model("securityhub", "2018-10-26")
    SQS_MODEL = Model("sqs", "2012-11-05")
    checkers = {
        ("guardduty", "location", "event"): SchemaChecker(gd_model, "location", GUARDDUTY_EVENT_FREE_FORM),
        ("guardduty", "location", "api"): SchemaChecker(gd_model, "location"),
        ("guardduty", "member", "api"): SchemaChecker(gd_model, "member"),
        ("asff", None, None): SchemaChecker(sh_model, "member"),
    }

    problems = []
    manifest_path = os.path.join(root, "manifest.json")
    try:
        manifest = json.load(open(manifest_path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"FAIL {manifest_path}: {e}")
        return 1
    entries = manifest.get("fixtures") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        print(f"FAIL {manifest_path}: expected an object with a 'fixtures' list")
        return 1
    for k in set(manifest) - {"version", "description", "fixtures"}:
        problems.append(f"manifest: unknown top-level key {k!r}")

    on_disk = set()
    for d, _, names in os.walk(root):
        for n in names:
            rel = os.path.relpath(os.path.join(d, n), root).replace(os.sep, "/")
            if rel not in ("manifest.json", "README.md"):
                on_disk.add(rel)
    by_path = {}
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("path"), str):
            problems.append(f"manifest: bad entry {e!r:.80}")
            continue
        if e["path"] in by_path:
            problems.append(f"manifest: {e['path']} listed twice")
        by_path[e["path"]] = e
        check_manifest_entry(e, problems)
    for p in sorted(on_disk - set(by_path)):
        problems.append(f"manifest: {p} exists but is not listed")
    for p in sorted(set(by_path) - on_disk):
        problems.append(f"manifest: {p} is listed but does not exist")

    counts, n_findings = {}, 0
    found_types, found_controls = set(), set()
    for rel in sorted(on_disk & set(by_path)):
        top = rel.split("/")[0]
        counts[top] = counts.get(top, 0) + 1
        e = by_path[rel]
        if top == MALFORMED_DIR:
            if e.get("expect") != "malformed":
                problems.append(f"{rel}: files in {MALFORMED_DIR}/ must expect 'malformed'")
            continue
        if top not in FINDING_DIRS + (NOT_FINDING_DIR,):
            problems.append(f"{rel}: unexpected folder {top!r}")
            continue
        try:
            doc = json.load(open(os.path.join(root, rel), encoding="utf-8"))
        except ValueError as err:
            problems.append(f"{rel}: invalid JSON: {err}")
            continue
        ex = Extraction()
        extract(doc, "$", ex, gd_model, sh_model)
        problems.extend(f"{rel}: {m}" for m in ex.errors)
        if top == NOT_FINDING_DIR:
            if e.get("expect") != "not-a-finding":
                problems.append(f"{rel}: files in {NOT_FINDING_DIR}/ must expect 'not-a-finding'")
            if ex.units:
                problems.append(f"{rel}: expected no finding, but {len(ex.units)} unwrapped")
            elif args.verbose:
                print(f"ok   {rel}: {ex.not_finding or ex.unrecognized}")
            continue
        if e.get("expect") != "findings":
            problems.append(f"{rel}: files in {top}/ must expect 'findings'")
        if ex.unrecognized:
            problems.append(f"{rel}: {ex.unrecognized}")
        if ex.not_finding:
            problems.append(f"{rel}: unwrapped to a non-finding ({ex.not_finding})")
        derived = []
        for u in ex.units:
            errs = []
            checker = checkers[(u.kind, u.style, u.origin)] if u.kind == "guardduty" else checkers[("asff", None, None)]
            if u.kind == "guardduty":
                checker.check(u.obj, "Finding", u.path, errs)
            elif u.kind == "asff":
                checker.check(u.obj, "AwsSecurityFinding", u.path, errs)
            if top == LENIENT_DIR:
                errs = [m for m in errs if not LENIENT_MISSING.search(m)]
            problems.extend(f"{rel}: {m}" for m in errs)
            try:
                normalised = normalise_all(u)
            except (KeyError, TypeError, IndexError, ValueError, AttributeError) as err:
                problems.append(f"{rel}: {u.path}: cannot normalise ({err!r})")
                continue
            for n in normalised:
                derived.append(n)
                found_types.update(n["types"])
                if n["controlId"]:
                    found_controls.add(n["controlId"])
        n_findings += len(derived)
        expected = e.get("findings") or []
        if len(expected) != len(derived):
            problems.append(f"{rel}: manifest lists {len(expected)} finding(s), file holds {len(derived)}")
        for i, (want, got) in enumerate(zip(expected, derived)):
            if not same(want, got):
                keys = sorted(k for k in set(want) | set(got) if not same(want.get(k), got.get(k)))
                for k in keys:
                    problems.append(f"{rel}: findings[{i}].{k}: manifest has {want.get(k)!r}, file gives {got.get(k)!r}")
        if args.verbose:
            print(f"ok   {rel}: {len(derived)} finding(s)" if not any(p.startswith(rel + ":") for p in problems) else f"FAIL {rel}")

    catalogue = os.path.normpath(os.path.join(root, "..", "coverage", "finding-types.yaml"))
    check_catalogue(catalogue, found_types, found_controls, problems, args.verbose)

    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    if problems:
        for p in problems:
            print(f"FAIL {p}")
        print(f"{len(problems)} problem(s); {len(on_disk)} fixture files ({summary}); {n_findings} findings checked")
        return 1
    print(f"OK: {len(on_disk)} fixture files ({summary}); {n_findings} findings checked against botocore "
          f"{botocore.__version__ if hasattr(botocore, '__version__') else ''} models".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())

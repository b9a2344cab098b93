#!/usr/bin/env python3
"""Validate the finding fixtures under Fixtures/findings against the AWS service models.

For every GuardDuty finding (camelCase wire form or the AWS CLI's PascalCase form) and every
Security Hub ASFF finding found in a fixture -- after unwrapping SNS envelopes, EventBridge events,
GetFindings pages and BatchImportFindings batches -- every key is checked recursively against the
botocore shape (`Finding` in guardduty/2017-11-28, `AwsSecurityFinding` in securityhub/2018-10-26):
unknown keys, missing required members, wrong JSON types and values outside an enum are reported
with a JSON path.

It also checks Fixtures/findings/manifest.json: every fixture file is listed exactly once, every
listed file exists, each entry is well formed, and for `expect: findings` entries the expected
normalised findings equal what this script derives from the file itself (an independent
implementation of the rules in Fixtures/findings/README.md). `not-findings/` files must unwrap to
something that is not a finding; `malformed/` files are exempt from all content checks.

Usage:  python3 scripts/check_fixtures.py [--root DIR] [-v]
Exit status: 0 when everything passes, 1 on any problem. Needs only botocore.
"""

import argparse
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

FINDING_DIRS = ("raw", "eventbridge", "sns", "asff-batch", "guardduty-api")
NOT_FINDING_DIR = "not-findings"
MALFORMED_DIR = "malformed"
EXPECTS = ("findings", "not-a-finding", "malformed")
SEVERITY_LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
LABEL_VALUE = {"INFORMATIONAL": 0.0, "LOW": 1.0, "MEDIUM": 40.0, "HIGH": 70.0, "CRITICAL": 90.0}
FINDING_KEYS = ("id", "source", "types", "controlId", "severity", "severityLabel", "account", "region",
                "partition", "resource", "updatedAt")

EVENTBRIDGE_KEYS = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
SNS_NOTIFICATION_REQUIRED = {"Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion",
                             "Signature", "SigningCertURL", "UnsubscribeURL"}
SNS_NOTIFICATION_OPTIONAL = {"Subject", "MessageAttributes"}
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

    def __init__(self, kind, obj, path, style=None, origin=None, event=None):
        self.kind, self.obj, self.path, self.style, self.origin, self.event = kind, obj, path, style, origin, event


class Extraction:
    def __init__(self):
        self.units = []
        self.errors = []
        self.not_finding = None  # reason string when the document is a recognised non-finding
        self.unrecognized = None


def extract(doc, path, ex, gd_model, sh_model):
    if isinstance(doc, dict) and "Type" in doc and "TopicArn" in doc and "MessageId" in doc:
        extract_sns(doc, path, ex, gd_model, sh_model)
    elif isinstance(doc, dict) and "detail-type" in doc and "source" in doc:
        extract_eventbridge(doc, path, ex, gd_model, sh_model)
    elif isinstance(doc, dict) and "Findings" in doc:
        extract_pascal_batch(doc, path, ex, gd_model, sh_model)
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
            ex.units.append(Unit("guardduty", f, f"{path}.findings[{i}]", style="location", origin="api"))
    elif is_asff(doc):
        ex.units.append(Unit("asff", doc, path))
    elif isinstance(doc, dict) and {"schemaVersion", "accountId", "type"} <= set(doc):
        ex.units.append(Unit("guardduty", doc, path, style="location", origin="event"))
    elif isinstance(doc, dict) and {"SchemaVersion", "AccountId", "Type", "Resource"} <= set(doc):
        ex.units.append(Unit("guardduty", doc, path, style="member", origin="api"))
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
    extract(inner, f"{path}.Message<json>", ex, gd_model, sh_model)


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
        ex.units.append(Unit("guardduty", detail, f"{path}.detail", style="location", origin="event"))
    elif dt in SECURITYHUB_DETAIL_KEYS and src == "aws.securityhub":
        if not isinstance(detail, dict) or not isinstance(detail.get("findings"), list):
            ex.errors.append(f"{path}.detail.findings: expected array")
            return
        for k in set(detail) - SECURITYHUB_DETAIL_KEYS[dt]:
            ex.errors.append(f"{path}.detail.{k}: unknown key for '{dt}'")
        for k in SECURITYHUB_DETAIL_KEYS[dt] - set(detail):
            ex.errors.append(f"{path}.detail: '{dt}' lacks {k}")
        for i, f in enumerate(detail["findings"]):
            ex.units.append(Unit("asff", f, f"{path}.detail.findings[{i}]"))
    elif dt == "Config Rules Compliance Change" and src == "aws.config":
        check_config_detail(detail, f"{path}.detail", ex)
        if isinstance(detail, dict) and detail.get("newEvaluationResult", {}).get("complianceType") == "NON_COMPLIANT":
            ex.units.append(Unit("config", detail, f"{path}.detail", event=doc))
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


def extract_pascal_batch(doc, path, ex, gd_model, sh_model):
    items = doc["Findings"]
    if not isinstance(items, list):
        ex.errors.append(f"{path}.Findings: expected array")
        return
    if items and all(is_asff(f) for f in items):
        allowed = set(sh_model.shapes["GetFindingsResponse"]["members"]) | set(sh_model.shapes["BatchImportFindingsRequest"]["members"])
        what = "Security Hub GetFindings/BatchImportFindings"
        for i, f in enumerate(items):
            ex.units.append(Unit("asff", f, f"{path}.Findings[{i}]"))
    else:
        allowed = set(gd_model.shapes["GetFindingsResponse"]["members"])
        what = "GuardDuty get-findings (CLI)"
        for i, f in enumerate(items):
            ex.units.append(Unit("guardduty", f, f"{path}.Findings[{i}]", style="member", origin="api"))
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


def normalise(unit):
    f = unit.obj
    if unit.kind == "guardduty":
        score = round(float(pick(f, "severity")) * 10.0, 6)
        res = pick(f, "resource") or {}
        rtype = pick(res, "resourceType")
        if rtype == "Instance":
            resource = {"type": "AwsEc2Instance", "id": pick(pick(res, "instanceDetails"), "instanceId")}
        elif rtype == "AccessKey":
            ak = pick(res, "accessKeyDetails")
            resource = {"type": "AwsIamAccessKey", "id": pick(ak, "accessKeyId"), "user": pick(ak, "userName")}
        elif rtype == "S3Bucket":
            resource = {"type": "AwsS3Bucket", "id": pick(pick(res, "s3BucketDetails")[0], "name")}
        else:
            resource = {"type": rtype, "id": None}
        return {"id": pick(f, "id"), "source": "guardduty", "types": [pick(f, "type")], "controlId": None,
                "severity": score, "severityLabel": band(score), "account": pick(f, "accountId"),
                "region": pick(f, "region"), "partition": pick(f, "partition") or arn_partition(pick(f, "arn")),
                "resource": resource, "updatedAt": pick(f, "updatedAt")}
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
        return {"id": f.get("Id"), "source": source, "types": f.get("Types", []), "controlId": control,
                "severity": score, "severityLabel": label or (band(score) if score is not None else None),
                "account": f.get("AwsAccountId"), "region": f.get("Region"),
                "partition": r0.get("Partition") or arn_partition(r0.get("Id")) or arn_partition(f.get("ProductArn")),
                "resource": {"type": r0.get("Type"), "id": r0.get("Id")}, "updatedAt": f.get("UpdatedAt")}
    ev = unit.event
    return {"id": ev["id"], "source": "config", "types": [], "controlId": f["configRuleName"], "severity": 40.0,
            "severityLabel": "MEDIUM", "account": f["awsAccountId"], "region": f["awsRegion"],
            "partition": arn_partition(f["configRuleARN"]), "resource": {"type": f["resourceType"], "id": f["resourceId"]},
            "updatedAt": ev["time"]}


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
            if not isinstance(r, dict) or not {"type", "id"} <= set(r) or set(r) - {"type", "id", "user"}:
                problems.append(f"{w}: resource must be {{type, id[, user]}}")
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

    gd_model = Model("guardduty", "2017-11-28")
    sh_model = Model("securityhub", "2018-10-26")
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
            checker = checkers[(u.kind, u.style, u.origin)] if u.kind == "guardduty" else checkers.get(("asff", None, None))
            if u.kind == "guardduty":
                checker.check(u.obj, "Finding", u.path, errs)
            elif u.kind == "asff":
                checker.check(u.obj, "AwsSecurityFinding", u.path, errs)
            problems.extend(f"{rel}: {m}" for m in errs)
            try:
                n = normalise(u)
            except (KeyError, TypeError, IndexError, ValueError, AttributeError) as err:
                problems.append(f"{rel}: {u.path}: cannot normalise ({err!r})")
                continue
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

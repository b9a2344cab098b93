#!/usr/bin/env python3
"""The storm benchmark: remedy against a plain boto3 loop, on the same findings, against moto.

`storm.sh` builds remedy and calls `storm.py bench --remedy BIN`. Each repetition:
  1. resets moto and seeds a world with boto3 (instances in VPCs, IAM users with active keys, buckets without
     Block Public Access, security groups open to the world), sent straight to moto, not counted;
  2. writes the findings about it (GuardDuty GetFindings output, Security Hub ASFF batches, at most 100 per file);
  3. runs `remedy run FILE` for every file, pointed at a counting proxy in front of moto; reads the world back;
  4. resets, reseeds identically, and runs `storm.py loop`, a plain boto3 loop making the minimum calls for the same
     effect, through the same proxy; reads the world back.
Then prints wall time and AWS calls per side (by operation), the ratios, and the medians over all repetitions.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"
PARTITION = "aws"
ISOLATION_GROUP = "remedy-isolation"  # the name ec2.quarantine uses by default; the loop uses it too
UNTRACK_GROUP = "remedy-untrack"  # the allow-all group of ec2.quarantine's two-stage swap
ALL_TRAFFIC = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
FAMILIES = ("ec2", "iam", "s3", "sg")
FAMILY_NAMES = {
    "ec2": "compromised instances (snapshot volumes + quarantine)",
    "iam": "leaked access keys (deactivate)",
    "s3": "public buckets (block public access)",
    "sg": "open security groups (revoke 0.0.0.0/0 and ::/0 ingress)",
}
MAX_PER_FILE = 100  # remedy refuses inputs holding more findings than this
HERE = Path(__file__).resolve().parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# MARK: - The counting proxy

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "expect", "content-length",
}
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/([^/]+)/aws4_request")
S3_SUBRESOURCES = {
    "publicAccessBlock": "PublicAccessBlock", "policy": "BucketPolicy", "policyStatus": "BucketPolicyStatus",
    "acl": "BucketAcl", "tagging": "BucketTagging", "versioning": "BucketVersioning",
    "encryption": "BucketEncryption", "ownershipControls": "BucketOwnershipControls", "location": "BucketLocation",
    "logging": "BucketLogging", "lifecycle": "BucketLifecycleConfiguration", "cors": "BucketCors",
    "website": "BucketWebsite", "notification": "BucketNotificationConfiguration",
}
VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "POST": "Post", "HEAD": "Head"}


def operation_of(method: str, path: str, headers, body: bytes) -> tuple[str, str]:
    """(service, operation) of one request, the same way for every client: the service from the SigV4 credential
    scope, the operation from X-Amz-Target (JSON protocols), Action= (query protocols) or the REST method and path."""
    match = CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    service = match.group(1) if match else "unsigned"
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    url = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if "Action" in query:
        return service, query["Action"][0]
    if "x-www-form-urlencoded" in headers.get("Content-Type", "") and body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        if "Action" in form:
            return service, form["Action"][0]
    # REST (S3 here): the verb and the subresource, named as the API names them.
    parts = [p for p in url.path.split("/") if p]
    verb = VERBS.get(method, method)
    for key in query:
        if key in S3_SUBRESOURCES:
            return service, verb + S3_SUBRESOURCES[key]
    if not parts:
        return service, "ListBuckets" if method == "GET" else f"{method} /"
    if len(parts) == 1:
        names = {"GET": "ListObjects", "PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}
        return service, names.get(method, f"{method} bucket")
    names = {"GET": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject", "HEAD": "HeadObject"}
    return service, names.get(method, f"{method} object")


class CountingProxy:
    """Forwards every request unchanged (Host included: SigV4 signs it) to moto and counts them by operation."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self.lock = threading.Lock()
        self.local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one(self):
                proxy.forward(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self) -> collections.Counter:
        with self.lock:
            counts, self.counts = self.counts, collections.Counter()
        return counts

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def read_body(handler) -> bytes:
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    def upstream(self, fresh: bool = False) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
            self.local.connection = connection
        return connection

    def forward(self, handler) -> None:
        body = self.read_body(handler)
        if not handler.path.startswith("/moto-api"):
            key = operation_of(handler.command, handler.path, handler.headers, body)
            with self.lock:
                self.counts[key] += 1
        for attempt in range(2):
            connection = self.upstream(fresh=attempt > 0)
            try:
                connection.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
                for name, value in handler.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        connection.putheader(name, value)  # Host as the client sent it
                if body or handler.command in ("POST", "PUT", "PATCH"):
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body or None)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                if attempt == 1:
                    raise
        handler.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                handler.send_header(name, value)
        if handler.command == "HEAD":
            handler.send_header("Content-Length", response.getheader("Content-Length") or "0")
        else:
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)


# MARK: - moto


def free_port(low: int, high: int) -> int:
    for port in range(low, high + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    sys.exit(f"storm: no free port in {low}-{high}")


class Moto:
    def __init__(self, port: int, log_path: Path):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            ["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        sys.exit(f"storm: moto_server did not start on port {port}; see {log_path}")

    def reset(self):
        request = urllib.request.Request(f"{self.url}/moto-api/reset", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=30).read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# MARK: - boto3


def boto3_clients(endpoint: str):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="AKIASTORMBENCHMARK00", aws_secret_access_key="storm-secret", region_name=REGION
    )
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    return {name: session.client(name, endpoint_url=endpoint, config=config) for name in ("ec2", "iam", "s3")}


def aws_environment(endpoint: str, home: Path) -> dict:
    """Static credentials and the endpoint, nothing from the machine's AWS configuration, no HTTP proxy."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "REMEDY_")) and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    environment.update(
        AWS_ACCESS_KEY_ID="AKIASTORMBENCHMARK00",
        AWS_SECRET_ACCESS_KEY="storm-secret",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        NO_PROXY="127.0.0.1,localhost",
        HOME=str(home),
    )
    return environment


# MARK: - The world and its findings

OPEN_RULES = [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
     "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
]
INTERNAL_RULE = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}


def seed(clients, per_family: int, families: list[str], vpcs: int, tag: str, existing_groups: bool) -> dict:
    """Creates the world straight in moto (not through the proxy). Names depend only on the arguments.

    With `existing_groups`, every VPC already holds the isolation group (no rules) and the allow-all group remedy's
    two-stage swap goes through, as after an earlier incident."""
    ec2, iam, s3 = clients["ec2"], clients["iam"], clients["s3"]
    world = {"vpcs": [], "instances": [], "keys": [], "buckets": [], "groups": []}
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    for v in range(vpcs):
        vpc = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{v}.0.0/20", AvailabilityZone=f"{REGION}a")
        app = ec2.create_security_group(GroupName=f"storm-app-{v}", Description="application", VpcId=vpc)
        world["vpcs"].append({"vpc": vpc, "subnet": subnet["Subnet"]["SubnetId"], "app": app["GroupId"]})
        if existing_groups and "ec2" in families:
            isolation = ec2.create_security_group(GroupName=ISOLATION_GROUP, Description="no traffic", VpcId=vpc)
            ec2.revoke_security_group_egress(GroupId=isolation["GroupId"], IpPermissions=ALL_TRAFFIC)
            untrack = ec2.create_security_group(GroupName=UNTRACK_GROUP, Description="all traffic", VpcId=vpc)
            ec2.authorize_security_group_ingress(GroupId=untrack["GroupId"], IpPermissions=ALL_TRAFFIC)
    if "ec2" in families:
        for v, vpc in enumerate(world["vpcs"]):
            count = len(range(v, per_family, vpcs))
            if count == 0:
                continue
            reservation = ec2.run_instances(
                ImageId=image, InstanceType="t3.micro", MinCount=count, MaxCount=count,
                SubnetId=vpc["subnet"], SecurityGroupIds=[vpc["app"]],
            )
            for instance in reservation["Instances"]:
                interface = instance["NetworkInterfaces"][0]
                world["instances"].append({
                    "id": instance["InstanceId"], "vpc": vpc["vpc"], "subnet": vpc["subnet"],
                    "interface": interface["NetworkInterfaceId"], "groups": [vpc["app"]],
                    "privateIp": instance.get("PrivateIpAddress", "10.0.0.10"),
                    "volumes": [m["Ebs"]["VolumeId"] for m in instance.get("BlockDeviceMappings", [])],
                })
    if "iam" in families:
        for i in range(per_family):
            user = f"storm-user-{i:03d}"
            iam.create_user(UserName=user)
            key = iam.create_access_key(UserName=user)["AccessKey"]
            world["keys"].append({"user": user, "key": key["AccessKeyId"], "userId": f"AIDA{secrets.token_hex(8)}"})
    if "s3" in families:
        for i in range(per_family):
            bucket = f"storm-{tag}-bucket-{i:03d}"
            s3.create_bucket(Bucket=bucket)
            world["buckets"].append(bucket)
    if "sg" in families:
        vpc = world["vpcs"][0]["vpc"]
        for i in range(per_family):
            group = ec2.create_security_group(GroupName=f"storm-open-{i:03d}", Description="open", VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=OPEN_RULES + [INTERNAL_RULE])
            world["groups"].append({"id": group, "name": f"storm-open-{i:03d}", "vpc": vpc})
    if "ec2" in families:
        # A volume per instance: run_instances attaches a root volume; read them back in case the answer omits it.
        ids = [i["id"] for i in world["instances"]]
        described = {}
        for start in range(0, len(ids), 100):
            for reservation in ec2.describe_instances(InstanceIds=ids[start:start + 100])["Reservations"]:
                for instance in reservation["Instances"]:
                    described[instance["InstanceId"]] = [
                        m["Ebs"]["VolumeId"] for m in instance.get("BlockDeviceMappings", [])
                    ]
        for instance in world["instances"]:
            instance["volumes"] = described[instance["id"]]
    return world


def timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def guardduty_finding(kind: str, resource: dict, title: str, severity: float) -> dict:
    finding_id = secrets.token_hex(16)
    now = timestamp()
    return {
        "SchemaVersion": "2.0", "AccountId": ACCOUNT, "Region": REGION, "Partition": PARTITION, "Id": finding_id,
        "Arn": f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/{'d' * 32}/finding/{finding_id}",
        "Type": kind, "Resource": resource,
        "Service": {
            "ServiceName": "guardduty", "DetectorId": "d" * 32, "ResourceRole": "TARGET", "Archived": False,
            "Count": 1, "EventFirstSeen": now, "EventLastSeen": now,
        },
        "Severity": severity, "CreatedAt": now, "UpdatedAt": now, "Title": title, "Description": title,
    }


def asff_finding(control: str, title: str, resource: dict) -> dict:
    finding_id = secrets.token_hex(16)
    now = timestamp()
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"arn:aws:securityhub:{REGION}:{ACCOUNT}:security-control/{control}/finding/{finding_id}",
        "ProductArn": f"arn:aws:securityhub:{REGION}::product/aws/securityhub",
        "ProductName": "Security Hub", "CompanyName": "AWS", "Region": REGION,
        "GeneratorId": f"security-control/{control}", "AwsAccountId": ACCOUNT,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "FirstObservedAt": now, "LastObservedAt": now, "CreatedAt": now, "UpdatedAt": now,
        "Severity": {"Label": "HIGH", "Normalized": 70, "Original": "HIGH"},
        "Title": title, "Description": title,
        "ProductFields": {"aws/securityhub/ProductName": "Security Hub", "Resources:0/Id": resource["Id"]},
        "Resources": [resource],
        "Compliance": {"Status": "FAILED", "SecurityControlId": control},
        "Workflow": {"Status": "NEW"}, "WorkflowState": "NEW", "RecordState": "ACTIVE",
    }


def findings_of(world: dict) -> dict[str, list[dict]]:
    findings = {family: [] for family in FAMILIES}
    for instance in world["instances"]:
        findings["ec2"].append(guardduty_finding(
            "Backdoor:EC2/C&CActivity.B!DNS",
            {
                "ResourceType": "Instance",
                "InstanceDetails": {
                    "InstanceId": instance["id"], "InstanceType": "t3.micro", "InstanceState": "running",
                    "AvailabilityZone": f"{REGION}a",
                    "NetworkInterfaces": [{
                        "NetworkInterfaceId": instance["interface"], "VpcId": instance["vpc"],
                        "SubnetId": instance["subnet"], "PrivateIpAddress": instance["privateIp"],
                        "SecurityGroups": [{"GroupId": g, "GroupName": "storm-app"} for g in instance["groups"]],
                    }],
                    "Tags": [{"Key": "Name", "Value": f"storm-{instance['id']}"}],
                },
            },
            f"EC2 instance {instance['id']} is querying a domain name associated with a known command and control server.",
            8.0,
        ))
    for key in world["keys"]:
        findings["iam"].append(guardduty_finding(
            "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
            {
                "ResourceType": "AccessKey",
                "AccessKeyDetails": {
                    "AccessKeyId": key["key"], "PrincipalId": key["userId"], "UserName": key["user"],
                    "UserType": "IAMUser",
                },
            },
            f"An API was invoked from a known malicious IP address with the access key of {key['user']}.",
            5.0,
        ))
    for bucket in world["buckets"]:
        findings["s3"].append(asff_finding("S3.8", "S3 general purpose buckets should block public access", {
            "Type": "AwsS3Bucket", "Id": f"arn:aws:s3:::{bucket}", "Partition": PARTITION, "Region": REGION,
            "Details": {"AwsS3Bucket": {
                "Name": bucket, "OwnerAccountId": ACCOUNT,
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": False, "BlockPublicPolicy": False, "IgnorePublicAcls": False,
                    "RestrictPublicBuckets": False,
                },
            }},
        }))
    for group in world["groups"]:
        findings["sg"].append(asff_finding(
            "EC2.19", "Security groups should not allow unrestricted access to ports with high risk", {
                "Type": "AwsEc2SecurityGroup", "Id": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group['id']}",
                "Partition": PARTITION, "Region": REGION,
                "Details": {"AwsEc2SecurityGroup": {
                    "GroupName": group["name"], "GroupId": group["id"], "OwnerId": ACCOUNT, "VpcId": group["vpc"],
                    "IpPermissions": OPEN_RULES + [INTERNAL_RULE],
                }},
            }))
    return findings


def write_findings(findings: dict[str, list[dict]], directory: Path) -> list[Path]:
    """One file per family and chunk of at most 100 findings: GuardDuty GetFindings output or an ASFF batch."""
    files = []
    for family in FAMILIES:
        entries = findings[family]
        for chunk, start in enumerate(range(0, len(entries), MAX_PER_FILE)):
            path = directory / f"{family}-{chunk}.json"
            path.write_text(json.dumps({"Findings": entries[start:start + MAX_PER_FILE]}, indent=1))
            files.append(path)
    return files


# MARK: - The plain boto3 loop


def open_permissions(permissions: list[dict]) -> list[dict]:
    """The world-open part of each rule in the finding: what RevokeSecurityGroupIngress must name."""
    revoke = []
    for rule in permissions:
        v4 = [r for r in rule.get("IpRanges", []) if r.get("CidrIp") == "0.0.0.0/0"]
        v6 = [r for r in rule.get("Ipv6Ranges", []) if r.get("CidrIpv6") == "::/0"]
        if v4 or v6:
            entry = {k: rule[k] for k in ("IpProtocol", "FromPort", "ToPort") if k in rule}
            if v4:
                entry["IpRanges"] = [{"CidrIp": "0.0.0.0/0"}]
            if v6:
                entry["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
            revoke.append(entry)
    return revoke


def boto3_loop(files: list[Path], endpoint: str, existing_groups: bool, failures: list | None = None) -> dict:
    """The minimum calls for the same effect, taking every identifier from the findings themselves. The isolation
    group is created once per VPC or, when the world already has them, looked up once per VPC.

    Stops at the first failed call, unless given `failures`: then a finding whose call failed is noted there and
    the loop goes on (the fault benchmark's peer). Returns the seconds per file."""
    clients = boto3_clients(endpoint)
    ec2, iam, s3 = clients["ec2"], clients["iam"], clients["s3"]
    isolation: dict[str, str] = {}  # VPC -> isolation group, created once per VPC

    def remediate(finding: dict) -> None:
        if "Resource" in finding and finding["Resource"]["ResourceType"] == "Instance":
            details = finding["Resource"]["InstanceDetails"]
            instance = details["InstanceId"]
            vpc = details["NetworkInterfaces"][0]["VpcId"]
            ec2.create_snapshots(
                InstanceSpecification={"InstanceId": instance},
                Description=f"Forensic snapshot for {finding['Type']}",
            )
            if vpc not in isolation and existing_groups:
                isolation[vpc] = ec2.describe_security_groups(Filters=[
                    {"Name": "group-name", "Values": [ISOLATION_GROUP]}, {"Name": "vpc-id", "Values": [vpc]},
                ])["SecurityGroups"][0]["GroupId"]
            if vpc not in isolation:
                group = ec2.create_security_group(
                    GroupName=ISOLATION_GROUP, Description="isolation: no traffic", VpcId=vpc
                )["GroupId"]
                ec2.revoke_security_group_egress(GroupId=group, IpPermissions=ALL_TRAFFIC)
                isolation[vpc] = group
            ec2.modify_instance_attribute(InstanceId=instance, Groups=[isolation[vpc]])
        elif "Resource" in finding and finding["Resource"]["ResourceType"] == "AccessKey":
            details = finding["Resource"]["AccessKeyDetails"]
            iam.update_access_key(UserName=details["UserName"], AccessKeyId=details["AccessKeyId"], Status="Inactive")
        elif finding.get("Resources", [{}])[0].get("Type") == "AwsS3Bucket":
            bucket = finding["Resources"][0]["Details"]["AwsS3Bucket"]["Name"]
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            })
        elif finding.get("Resources", [{}])[0].get("Type") == "AwsEc2SecurityGroup":
            details = finding["Resources"][0]["Details"]["AwsEc2SecurityGroup"]
            ec2.revoke_security_group_ingress(
                GroupId=details["GroupId"], IpPermissions=open_permissions(details["IpPermissions"])
            )
        else:
            raise SystemExit(f"loop: unexpected finding {finding.get('Id')}")

    per_file = {}
    for path in files:
        began = time.perf_counter()
        for finding in json.loads(path.read_text())["Findings"]:
            try:
                remediate(finding)
            except Exception as error:  # botocore's errors: noted when the caller carries on
                if failures is None:
                    raise
                failures.append(f"{type(error).__name__}: {error}")
        per_file[path.stem] = time.perf_counter() - began
    return per_file


# MARK: - Checking the end state


def check_world(clients, world: dict) -> list[str]:
    """Everything the storm should have changed, read back straight from moto. Returns the problems."""
    ec2, iam, s3 = clients["ec2"], clients["iam"], clients["s3"]
    problems = []
    if world["instances"]:
        groups = {g["GroupId"]: g for g in paginate(ec2, "describe_security_groups", "SecurityGroups")}
        snapshots = collections.Counter(s["VolumeId"] for s in paginate(
            ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"]))
        ids = [i["id"] for i in world["instances"]]
        for start in range(0, len(ids), 100):
            for reservation in ec2.describe_instances(InstanceIds=ids[start:start + 100])["Reservations"]:
                for instance in reservation["Instances"]:
                    now = [g["GroupId"] for g in instance["SecurityGroups"]]
                    group = groups.get(now[0]) if len(now) == 1 else None
                    if not group or group["GroupName"] != ISOLATION_GROUP or group["IpPermissions"] or \
                            group["IpPermissionsEgress"]:
                        problems.append(f"{instance['InstanceId']} is not isolated: groups {now}")
        for instance in world["instances"]:
            for volume in instance["volumes"]:
                if snapshots[volume] != 1:
                    problems.append(f"volume {volume} of {instance['id']} has {snapshots[volume]} snapshots")
            if not instance["volumes"]:
                problems.append(f"{instance['id']} has no volume to snapshot")
    for key in world["keys"]:
        status = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=key["user"])["AccessKeyMetadata"]}
        if status.get(key["key"]) != "Inactive":
            problems.append(f"key {key['key']} of {key['user']} is {status.get(key['key'])}")
    for bucket in world["buckets"]:
        try:
            configuration = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        except s3.exceptions.ClientError as error:
            configuration = {"error": error.response["Error"]["Code"]}
        if not all(configuration.get(k) is True for k in
                   ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")):
            problems.append(f"bucket {bucket} public access block is {configuration}")
    if world["groups"]:
        ids = [g["id"] for g in world["groups"]]
        for start in range(0, len(ids), 100):
            for group in ec2.describe_security_groups(GroupIds=ids[start:start + 100])["SecurityGroups"]:
                rules = group["IpPermissions"]
                open_rules = [r for r in rules if any(x.get("CidrIp") == "0.0.0.0/0" for x in r.get("IpRanges", []))
                              or any(x.get("CidrIpv6") == "::/0" for x in r.get("Ipv6Ranges", []))]
                internal = [r for r in rules if r.get("FromPort") == 443 and any(
                    x.get("CidrIp") == "10.0.0.0/8" for x in r.get("IpRanges", []))]
                if open_rules or not internal:
                    problems.append(f"group {group['GroupId']}: open rules {open_rules}, internal rule kept: {bool(internal)}")
    return problems


def paginate(client, method: str, key: str, **arguments) -> list:
    return [item for page in client.get_paginator(method).paginate(**arguments) for item in page[key]]


# MARK: - The benchmark


def remedy_families(remedy: str) -> list[str]:
    """The open-ingress family runs only when remedy can execute ec2.revoke_open_ingress."""
    answer = subprocess.run(
        [remedy, "actions", "ec2.revoke_open_ingress", "--output", "json"], capture_output=True, text=True, check=True
    )
    executable = json.loads(answer.stdout).get("executable") is True
    return [f for f in FAMILIES if f != "sg" or executable]


def run_remedy(remedy: str, files: list[Path], work: Path, environment: dict, config: Path, parallel: bool) -> dict:
    # One journal; with --parallel-files one per process, because concurrent processes on one journal fail with
    # "database is locked" (no busy timeout) in this version.
    journal = lambda path: work / (f"journal-{path.stem}.sqlite" if parallel else "journal.sqlite")
    command = lambda path: [
        remedy, "run", str(path), "--playbooks", str(HERE / "playbooks"), "--journal", str(journal(path)),
        "--config", str(config), "--output", "json",
    ]
    per_file = {}
    start = time.perf_counter()
    if parallel:
        processes = [subprocess.Popen(command(p), env=environment, cwd=work, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for p in files]
        outputs = [(p.args, *p.communicate(), p.returncode) for p in processes]
    else:
        outputs = []
        for path in files:
            began = time.perf_counter()
            done = subprocess.run(command(path), env=environment, cwd=work, capture_output=True, text=True)
            outputs.append((done.args, done.stdout, done.stderr, done.returncode))
            per_file[path.stem] = time.perf_counter() - began
    wall = time.perf_counter() - start
    statuses = collections.Counter()
    failures = []
    for args, stdout, stderr, code in outputs:
        try:
            reports = json.loads(stdout)
        except json.JSONDecodeError:
            reports = []
        for report in reports:
            statuses[report.get("status")] += 1
            if report.get("status") != "succeeded":
                failures.append(f"{report.get('runId')} {report.get('status')}: {report.get('failure')}")
        if code != 0:
            failures.append(f"exit {code}: {Path(args[2]).name}: {stderr.strip()[:300]}")
    return {"wall": wall, "statuses": dict(statuses), "failures": failures, "perFile": per_file}


def run_loop(files: list[Path], environment: dict, existing_groups: bool) -> dict:
    start = time.perf_counter()
    flags = ["--existing-groups"] if existing_groups else []
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "loop", *flags, *map(str, files)],
        env=environment, capture_output=True, text=True,
    )
    wall = time.perf_counter() - start
    failures = [] if done.returncode == 0 else [f"exit {done.returncode}: {done.stderr.strip()[-1200:]}"]
    per_file = json.loads(done.stdout) if done.returncode == 0 else {}
    return {"wall": wall, "failures": failures, "perFile": per_file}


def by_operation(counts: collections.Counter) -> dict[str, int]:
    return {f"{service}:{operation}": n for (service, operation), n in sorted(counts.items())}


def one_repetition(index: int, args, moto: Moto, proxy: CountingProxy, families: list[str], work: Path) -> dict:
    direct = boto3_clients(moto.url)
    config = work / "remedy.yaml"
    config.write_text(
        "apiVersion: remedy/v1\n"
        f"concurrency:\n  max_runs: {args.max_runs}\n"
        "pacing:\n  default: {per_second: 10000, burst: 10000}\n"
    )
    result = {}
    for side in ("remedy", "boto3"):
        side_dir = work / f"rep{index}-{side}"
        side_dir.mkdir()
        (side_dir / "home").mkdir()
        moto.reset()
        world = seed(direct, args.per_family, families, args.vpcs, f"r{index}", args.existing_groups)
        files = write_findings(findings_of(world), side_dir)
        environment = aws_environment(proxy.url, side_dir / "home")
        proxy.take()
        if side == "remedy":
            outcome = run_remedy(args.remedy, files, side_dir, environment, config, args.parallel_files)
        else:
            outcome = run_loop(files, environment, args.existing_groups)
        outcome["calls"] = by_operation(proxy.take())
        outcome["total"] = sum(outcome["calls"].values())
        outcome["problems"] = check_world(direct, world)
        outcome["findings"] = sum(len(json.loads(f.read_text())["Findings"]) for f in files)
        result[side] = outcome
        ok = not outcome["failures"] and not outcome["problems"]
        log(f"run {index}: {side:6s} {outcome['findings']} findings in {outcome['wall']:.2f} s, "
            f"{outcome['total']} calls, {'end state verified' if ok else 'FAILED'}"
            + (f" ({outcome.get('statuses')})" if side == "remedy" else "")
            + " (per file: " + ", ".join(f"{k} {v:.2f} s" for k, v in outcome["perFile"].items()) + ")")
        for line in (outcome["failures"] + outcome["problems"])[:4]:
            log(f"    {line}")
        if len(outcome["failures"] + outcome["problems"]) > 4:
            log(f"    ... {len(outcome['failures'])} failures and {len(outcome['problems'])} problems in all")
    return result


def bench(args) -> int:
    families = remedy_families(args.remedy)
    if args.families:
        families = [f for f in families if f in args.families.split(",")]
    log("families: " + "; ".join(f"{f}: {args.per_family} {FAMILY_NAMES[f]}" for f in families))
    skipped = [f for f in FAMILIES if f not in families]
    if skipped:
        log("skipped: " + "; ".join(f"{f} ({FAMILY_NAMES[f]})" for f in skipped)
            + (" - ec2.revoke_open_ingress is not executable in this build" if "sg" in skipped else ""))
    validate = subprocess.run([args.remedy, "validate", str(HERE / "playbooks")], capture_output=True, text=True)
    if validate.returncode != 0:
        log(validate.stdout + validate.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="remedy-storm-"))
    moto = Moto(free_port(args.port_low, args.port_high), work / "moto_server.log")
    proxy = CountingProxy(moto.port)
    log(f"moto_server on {moto.url}, counting proxy on {proxy.url}, work in {work}")
    results = []
    try:
        for index in range(1, args.runs + 1):
            results.append(one_repetition(index, args, moto, proxy, families, work))
    finally:
        proxy.stop()
        moto.stop()
    failed = any(r[s]["failures"] or r[s]["problems"] for r in results for s in ("remedy", "boto3"))
    report(results, families, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"families": families, "runs": results}, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def report(results: list[dict], families: list[str], args) -> None:
    median = lambda values: statistics.median(values)
    findings = results[0]["remedy"]["findings"]
    print(f"\nstorm: {findings} findings ({', '.join(families)}; {args.per_family} each), "
          f"{len(results)} run(s), remedy concurrency.max_runs {args.max_runs}, {args.vpcs} VPC(s), isolation groups "
          f"{'already there' if args.existing_groups else 'created during the storm'}")
    print(f"{'run':>4} {'remedy s':>9} {'boto3 s':>8} {'ratio':>6} {'remedy calls':>13} {'boto3 calls':>12} {'ratio':>6}")
    for i, r in enumerate(results, 1):
        a, b = r["remedy"], r["boto3"]
        print(f"{i:>4} {a['wall']:9.2f} {b['wall']:8.2f} {a['wall'] / b['wall']:6.2f} "
              f"{a['total']:13d} {b['total']:12d} {a['total'] / b['total']:6.2f}")
    wall = {s: median([r[s]["wall"] for r in results]) for s in ("remedy", "boto3")}
    calls = {s: median([r[s]["total"] for r in results]) for s in ("remedy", "boto3")}
    operations = sorted({op for r in results for s in ("remedy", "boto3") for op in r[s]["calls"]})
    print(f"\ncalls by operation (median over runs):")
    print(f"{'operation':44s} {'remedy':>7} {'boto3':>7}")
    for op in operations:
        a = median([r["remedy"]["calls"].get(op, 0) for r in results])
        b = median([r["boto3"]["calls"].get(op, 0) for r in results])
        print(f"{op:44s} {a:7g} {b:7g}")
    print(f"{'total':44s} {calls['remedy']:7g} {calls['boto3']:7g}")
    print(f"\nmedian wall time: remedy {wall['remedy']:.2f} s, boto3 loop {wall['boto3']:.2f} s, "
          f"ratio remedy/boto3 {wall['remedy'] / wall['boto3']:.2f}x (target 1.2x)")
    print(f"median AWS calls: remedy {calls['remedy']:g}, boto3 loop {calls['boto3']:g}, "
          f"ratio remedy/boto3 {calls['remedy'] / calls['boto3']:.2f}x (target 1.2x)")


def main() -> int:
    # SIGTERM stops moto and the proxy too (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("bench", help="the whole benchmark")
    run.add_argument("--remedy", required=True, help="the remedy binary (release build)")
    run.add_argument("--per-family", type=int, default=75)
    run.add_argument("--runs", type=int, default=3)
    run.add_argument("--vpcs", type=int, default=3, help="VPCs the instances are spread over")
    run.add_argument("--max-runs", type=int, default=16, help="remedy's concurrency.max_runs")
    run.add_argument("--families", help="comma-separated subset of ec2,iam,s3,sg")
    run.add_argument("--existing-groups", action="store_true",
                     help="every VPC already holds remedy-isolation and remedy-untrack (a later incident)")
    run.add_argument("--parallel-files", action="store_true", help="start one remedy per input file at once (each with its own journal)")
    run.add_argument("--port-low", type=int, default=5301)
    run.add_argument("--port-high", type=int, default=5310)
    run.add_argument("--json", help="write every measurement here")
    run.add_argument("--keep", action="store_true", help="keep the work directory (journals, findings, logs)")
    loop = commands.add_parser("loop", help="the plain boto3 loop (AWS_ENDPOINT_URL from the environment)")
    loop.add_argument("--existing-groups", action="store_true")
    loop.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    if args.command == "loop":
        print(json.dumps(boto3_loop(args.files, os.environ["AWS_ENDPOINT_URL"], args.existing_groups)))
        return 0
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""SigV4 benchmark, botocore side, and the generator of the shared request set.

    sigv4.py generate OUT.jsonl [--count 1000] [--seed 7]
    sigv4.py bench REQUESTS.jsonl [--passes 5] [--dump FILE]

`generate` writes requests in the botocore_vectors.jsonl shape (without `expected`), a mix like the vectors:
EC2 and IAM query POSTs, S3 PUTs whose body is hashed (some UNSIGNED-PAYLOAD), S3 GETs with sub-resources,
rest-json calls with ARN paths, some with session tokens. Every request shares one signing time, as a burst
of calls from one process would.

`bench` signs each request with botocore's SigV4Auth / S3SigV4Auth exactly as botocore does for a client call
(`add_auth` on an AWSRequest, signing time patched to the request's timestamp) and prints
`botocore sigv4: <signs/s>`. --dump writes each Authorization value, one per line, for comparison.
"""

import argparse
import base64
import datetime
import json
import random
import sys
import time
from urllib.parse import quote, urlencode

CREDENTIALS = [
    {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "session_token": None},
    {"access_key_id": "AKIAI44QH8DHBEXAMPLE", "secret_access_key": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
     "session_token": None},
    {"access_key_id": "ASIAQWERTYUIOPEXAMPL", "secret_access_key": "Xq9Tz0nYl3Vb7K1mP8sRf2Jd5Hg6WcEXAMPLEKEY",
     "session_token": "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQD" + "x" * 300 + "EXAMPLETOKEN=="},
]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
TIMESTAMP = "20261128T120000Z"
USER_AGENT = "remedy/0.1 (swift)"


def _line(rng, index, signer, service, region, method, url, headers, body, s3_payload_signing=None):
    entry = {
        "id": f"bench-{index:04d}",
        "signer": signer,
        "service": service,
        "region": region,
        "timestamp": TIMESTAMP,
        "credentials": rng.choice(CREDENTIALS),
        "request": {
            "method": method,
            "url": url,
            "headers": headers,
            "body_base64": base64.b64encode(body).decode(),
        },
    }
    if s3_payload_signing is not None:
        entry["s3_payload_signing"] = s3_payload_signing
    return entry


def _word(rng, length):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(length))


def generate(count, seed):
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        kind = rng.random()
        region = rng.choice(REGIONS)
        if kind < 0.30:
            params = {"Action": rng.choice(["DescribeInstances", "StopInstances", "ModifyInstanceAttribute",
                                            "RevokeSecurityGroupIngress", "CreateTags"]),
                      "Version": "2016-11-15"}
            for n in range(rng.randint(1, 6)):
                params[f"InstanceId.{n + 1}"] = f"i-{_word(rng, 17)}"
            if rng.random() < 0.3:
                params["Tag.1.Key"] = "remedy:quarantined"
                params["Tag.1.Value"] = f"incident {_word(rng, 6)} / {_word(rng, 4)}"
            body = urlencode(params).encode()
            headers = [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"], ["User-Agent", USER_AGENT]]
            lines.append(_line(rng, index, "SigV4Auth", "ec2", region, "POST",
                               f"https://ec2.{region}.amazonaws.com/", headers, body))
        elif kind < 0.45:
            params = {"Action": rng.choice(["ListAttachedRolePolicies", "DetachRolePolicy", "UpdateAccessKey",
                                            "GetRole"]),
                      "Version": "2010-05-08", "RoleName": f"remedy-{_word(rng, 8)}"}
            if rng.random() < 0.5:
                params["PolicyArn"] = f"arn:aws:iam::123456789012:policy/{_word(rng, 10)}"
            body = urlencode(params).encode()
            headers = [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"], ["User-Agent", USER_AGENT]]
            lines.append(_line(rng, index, "SigV4Auth", "iam", "us-east-1", "POST",
                               "https://iam.amazonaws.com/", headers, body))
        elif kind < 0.65:
            bucket = f"remedy-{_word(rng, 8)}"
            key = "/".join(quote(f"{_word(rng, 5)} {_word(rng, 3)}", safe="") for _ in range(rng.randint(1, 3)))
            body = json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}/*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}] * rng.randint(1, 3)}).encode()
            headers = [["Content-Type", "application/json"], ["User-Agent", USER_AGENT]]
            if rng.random() < 0.3:
                headers.append(["Content-MD5", base64.b64encode(bytes(rng.randrange(256) for _ in range(16))).decode()])
            sub = rng.choice(["", "?policy", "?tagging", "?acl"])
            lines.append(_line(rng, index, "S3SigV4Auth", "s3", region, "PUT",
                               f"https://{bucket}.s3.{region}.amazonaws.com/{key}{sub}", headers, body,
                               s3_payload_signing=rng.random() < 0.75))
        elif kind < 0.75:
            bucket = f"remedy-{_word(rng, 8)}"
            query = rng.choice(["list-type=2&prefix=logs%2F2026%2F&max-keys=100", "acl", "policyStatus",
                                "versioning", f"list-type=2&continuation-token={_word(rng, 24)}"])
            headers = [["Accept", "application/xml"], ["User-Agent", USER_AGENT]]
            lines.append(_line(rng, index, "S3SigV4Auth", "s3", region, "GET",
                               f"https://s3.{region}.amazonaws.com/{bucket}?{query}", headers, b"",
                               s3_payload_signing=True))
        else:
            choice = rng.random()
            if choice < 0.4:
                name = f"f-{_word(rng, 6)}"
                arn = quote(f"arn:aws:lambda:{region}:123456789012:function:{name}", safe="")
                url = f"https://lambda.{region}.amazonaws.com/2017-10-31/functions/{arn}/concurrency"
                service, method, body = "lambda", "PUT", json.dumps({"ReservedConcurrentExecutions": 0}).encode()
            elif choice < 0.7:
                url = f"https://securityhub.{region}.amazonaws.com/findings/batchupdate"
                service, method = "securityhub", "PATCH"
                body = json.dumps({"FindingIdentifiers": [
                    {"Id": f"arn:aws:securityhub:{region}:123456789012:finding/{_word(rng, 32)}",
                     "ProductArn": f"arn:aws:securityhub:{region}::product/aws/guardduty"}],
                    "Workflow": {"Status": "RESOLVED"}}).encode()
            else:
                url = f"https://guardduty.{region}.amazonaws.com/detector/{_word(rng, 32)}/findings/archive"
                service, method = "guardduty", "POST"
                body = json.dumps({"FindingIds": [_word(rng, 32) for _ in range(rng.randint(1, 4))]}).encode()
            headers = [["Content-Type", "application/json"], ["User-Agent", USER_AGENT],
                       ["X-Amz-User-Agent", "remedy/0.1  playbook/quarantine"]]
            lines.append(_line(rng, index, "SigV4Auth", service, region, method, url, headers, body))
    return lines


def bench(path, passes, dump):
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials

    entries = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    stamps = {entry["timestamp"] for entry in entries}
    if len(stamps) != 1:
        sys.exit("sigv4.py: bench expects one timestamp for the whole request set")
    fixed = datetime.datetime.strptime(stamps.pop(), "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda: fixed

    jobs = []
    signers = {}
    for entry in entries:
        creds = entry["credentials"]
        credentials = Credentials(creds["access_key_id"], creds["secret_access_key"], creds["session_token"])
        request = AWSRequest(method=entry["request"]["method"], url=entry["request"]["url"],
                             data=base64.b64decode(entry["request"]["body_base64"]))
        for name, value in entry["request"]["headers"]:
            request.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
        signer_class = botocore.auth.S3SigV4Auth if entry["signer"] == "S3SigV4Auth" else botocore.auth.SigV4Auth
        if signer_class is botocore.auth.S3SigV4Auth:
            request.context["client_config"] = Config(
                s3={"payload_signing_enabled": entry.get("s3_payload_signing", True)})
        key = (entry["signer"], entry["service"], entry["region"], creds["access_key_id"])
        signer = signers.get(key)
        if signer is None:
            signer = signers[key] = signer_class(credentials, entry["service"], entry["region"])
        jobs.append((signer, request))

    # Warm-up pass, which also yields the Authorization values to compare with the Swift run.
    authorizations = []
    for signer, request in jobs:
        signer.add_auth(request)
        authorizations.append(request.headers["Authorization"])
    if dump:
        with open(dump, "w", encoding="utf-8") as handle:
            handle.write("\n".join(authorizations) + "\n")

    start = time.perf_counter()
    for _ in range(passes):
        for signer, request in jobs:
            signer.add_auth(request)  # removes the previous Authorization/X-Amz-* headers first
    elapsed = time.perf_counter() - start
    signs = passes * len(jobs)
    print(f"botocore sigv4: {round(signs / elapsed)} signs/s ({len(jobs)} requests x {passes} passes)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate")
    gen.add_argument("out")
    gen.add_argument("--count", type=int, default=1000)
    gen.add_argument("--seed", type=int, default=7)
    run = commands.add_parser("bench")
    run.add_argument("requests")
    run.add_argument("--passes", type=int, default=5)
    run.add_argument("--dump")
    args = parser.parse_args()
    if args.command == "generate":
        with open(args.out, "w", encoding="utf-8") as handle:
            for entry in generate(args.count, args.seed):
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    else:
        bench(args.requests, args.passes, args.dump)


if __name__ == "__main__":
    main()

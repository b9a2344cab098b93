#!/usr/bin/env python3
"""The fault benchmark: remedy under throttling and under SIGKILL, against moto, through Tests/FaultProxy.

`faults.sh` builds remedy in release and calls one of:

  throttle   the storm (75 findings each of compromised instances, leaked keys, public buckets, open groups) with
             `--throttle` of all requests answered RequestLimitExceeded (503) by the fault proxy; then the same
             world and the same seeded faults for a plain boto3 loop (botocore's standard retry mode, 3 attempts,
             as AWS's SDKs default to) that carries on past a failed finding. Per side: wall time, findings
             remediated, the end state read back from moto; for remedy also every mutating call forwarded more
             than once for one resource.
  kill       a 75-instance containment (snapshot + quarantine) started with `remedy run`, killed with SIGKILL at a
             random moment, then `remedy resume`, itself killed at random moments up to --resume-kills times,
             until a resume finishes. Per round: the kills, the time from the first start to the finished resume
             against an uninterrupted run, the journal verified with its signing key (strict: a signed checkpoint
             must cover the last record), one snapshot set per instance, every instance isolated.

Both print every round, then medians; exit 1 if any end state or journal is wrong. The world, the findings and
the end-state checks are storm.py's.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
sys.path.insert(0, str(HERE.parent / "storm"))
import storm  # noqa: E402  (the storm's world, findings, checks and moto)

PROXY = REPOSITORY / "Tests" / "FaultProxy" / "fault_proxy.py"
PLAYBOOKS = HERE.parent / "storm" / "playbooks"
log = storm.log


class FaultProxy:
    """Tests/FaultProxy/fault_proxy.py in front of moto, logging every request to `log_path`."""

    def __init__(self, upstream: str, log_path: Path, arguments: list[str]):
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, str(PROXY), "--upstream", upstream, "--log", str(log_path), *arguments],
            stdout=subprocess.PIPE, text=True,
        )
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def stop(self):
        self.process.terminate()
        self.process.wait(10)

    def entries(self) -> list[dict]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    def forwarded(self) -> collections.Counter:
        return collections.Counter(e["operation"] for e in self.entries() if e.get("forwarded") is True)

    def throttled(self) -> int:
        return sum(1 for e in self.entries() if e.get("forwarded") is False)


def median(values):
    return statistics.median(values) if values else float("nan")


def write_config(path: Path, text: str) -> Path:
    path.write_text("apiVersion: remedy/v1\n" + text)
    return path


def run_files(remedy: str, files: list[Path], journal: Path, config: Path, environment: dict, work: Path) -> dict:
    """`remedy run FILE --output json` per file, one after the other, on one journal."""
    statuses = collections.Counter()
    failures = []
    for path in files:
        done = subprocess.run(
            [remedy, "run", str(path), "--playbooks", str(PLAYBOOKS), "--journal", str(journal), "--config",
             str(config), "--output", "json"],
            env=environment, cwd=work, capture_output=True, text=True,
        )
        try:
            reports = json.loads(done.stdout)
        except json.JSONDecodeError:
            reports = []
            failures.append(f"exit {done.returncode}: {path.name}: {done.stderr.strip()[:300]}")
        for report in reports:
            statuses[report.get("status")] += 1
            if report.get("status") != "succeeded":
                failures.append(f"{report.get('runId')} {report.get('status')}: {report.get('failure')}")
    return {"statuses": dict(statuses), "failures": failures}


# MARK: - throttle


def duplicated_mutations(forwarded: collections.Counter, world: dict) -> list[str]:
    """Mutating calls forwarded more often than the remediation needs: one snapshot set and two swaps per instance,
    one call per key, bucket and group. (A throttled request is not forwarded, so retries do not count.)"""
    expected = {
        "CreateSnapshots": len(world["instances"]),
        "ModifyInstanceAttribute": 2 * len(world["instances"]),
        "UpdateAccessKey": len(world["keys"]),
        "RevokeSecurityGroupIngress": len(world["groups"]),
    }
    problems = [f"{operation} forwarded {forwarded[operation]} times for {count} needed"
                for operation, count in expected.items() if forwarded[operation] > count]
    # S3 is REST: the proxy names a request by its verb and path, one PUT per bucket.
    for bucket in world["buckets"]:
        if forwarded[f"PUT /{bucket}"] > 1:
            problems.append(f"PutPublicAccessBlock forwarded {forwarded[f'PUT /{bucket}']} times for {bucket}")
    return problems


def loop_tolerant(files: list[Path], endpoint: str) -> None:
    """storm.py's boto3 loop, carrying on past a finding whose calls failed; prints a JSON summary."""
    failures: list[str] = []
    storm.boto3_loop(files, endpoint, existing_groups=False, failures=failures)
    findings = sum(len(json.loads(path.read_text())["Findings"]) for path in files)
    errors = collections.Counter(failure[:100] for failure in failures)
    print(json.dumps({"remediated": findings - len(failures), "errors": errors.most_common(3)}))


def throttle_round(index: int, args, moto: storm.Moto, work: Path) -> dict:
    direct = storm.boto3_clients(moto.url)
    result = {}
    for side in ("remedy", "boto3"):
        side_dir = work / f"throttle{index}-{side}"
        (side_dir / "home").mkdir(parents=True)
        moto.reset()
        world = storm.seed(direct, args.per_family, args.families, args.vpcs, f"t{index}", existing_groups=False)
        files = storm.write_findings(storm.findings_of(world), side_dir)
        proxy = FaultProxy(moto.url, side_dir / "proxy.jsonl", ["--throttle", str(args.throttle), "--seed", str(index)])
        environment = storm.aws_environment(proxy.url, side_dir / "home")
        began = time.perf_counter()
        if side == "remedy":
            config = write_config(side_dir / "remedy.yaml", f"concurrency:\n  max_runs: {args.max_runs}\n")
            outcome = run_files(args.remedy, files, side_dir / "journal.sqlite", config, environment, side_dir)
            outcome["remediated"] = outcome["statuses"].get("succeeded", 0)
        else:
            # The loop's own process, with python's stdout its JSON summary (boto3's stdout is quiet).
            done = subprocess.run(
                [sys.executable, __file__, "loop", *map(str, files)], env=environment, capture_output=True, text=True
            )
            summary = json.loads(done.stdout) if done.returncode == 0 else {}
            outcome = {"remediated": summary.get("remediated", 0), "errors": summary.get("errors", []),
                       "failures": [] if done.returncode == 0 else [done.stderr.strip()[-600:]]}
        outcome["wall"] = time.perf_counter() - began
        proxy.stop()
        outcome["throttled"] = proxy.throttled()
        outcome["forwarded"] = sum(proxy.forwarded().values())
        outcome["duplicates"] = duplicated_mutations(proxy.forwarded(), world) if side == "remedy" else []
        outcome["problems"] = storm.check_world(direct, world)
        outcome["findings"] = sum(len(json.loads(f.read_text())["Findings"]) for f in files)
        result[side] = outcome
        log(f"round {index}: {side:6s} {outcome['remediated']}/{outcome['findings']} remediated in "
            f"{outcome['wall']:.1f} s; {outcome['throttled']} requests throttled, {outcome['forwarded']} forwarded; "
            f"{len(outcome['problems'])} end-state problems, {len(outcome['duplicates'])} duplicated mutations")
        for line in (outcome.get("failures", []) + outcome["duplicates"])[:3]:
            log(f"    {line}")
        if side == "boto3" and outcome["errors"]:
            log(f"    loop errors: {outcome['errors']}")
    return result


def throttle(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="remedy-faults-"))
    moto = storm.Moto(storm.free_port(args.port_low, args.port_high), work / "moto_server.log")
    log(f"throttle: {args.per_family} findings per family ({', '.join(args.families)}), {args.throttle:.0%} of "
        f"requests throttled, {args.runs} round(s); moto on {moto.url}, work in {work}")
    rounds = []
    try:
        for index in range(1, args.runs + 1):
            rounds.append(throttle_round(index, args, moto, work))
    finally:
        moto.stop()
    print(f"\nthrottle: {rounds[0]['remedy']['findings']} findings, {args.throttle:.0%} of requests answered "
          f"RequestLimitExceeded (fault proxy, seeded per round), remedy concurrency.max_runs {args.max_runs}")
    print(f"{'round':>5} {'remedy ok':>10} {'remedy s':>9} {'dup':>4} {'boto3 ok':>9} {'boto3 s':>8} {'ratio':>6}")
    for i, r in enumerate(rounds, 1):
        a, b = r["remedy"], r["boto3"]
        print(f"{i:>5} {a['remediated']:>10} {a['wall']:9.1f} {len(a['duplicates']):>4} {b['remediated']:>9} "
              f"{b['wall']:8.1f} {a['wall'] / b['wall']:6.2f}")
    wall = {s: median([r[s]["wall"] for r in rounds]) for s in ("remedy", "boto3")}
    ok = {s: median([r[s]["remediated"] for r in rounds]) for s in ("remedy", "boto3")}
    print(f"median: remedy remediated {ok['remedy']:g} in {wall['remedy']:.1f} s; boto3 loop (standard retries) "
          f"{ok['boto3']:g} in {wall['boto3']:.1f} s; wall ratio remedy/boto3 {wall['remedy'] / wall['boto3']:.2f}x")
    failed = any(r["remedy"]["problems"] or r["remedy"]["duplicates"] or r["remedy"]["failures"] for r in rounds)
    if args.json:
        Path(args.json).write_text(json.dumps(rounds, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


# MARK: - kill


def journal_runs(journal: Path) -> collections.Counter:
    """How the journal's runs ended, by their last run-level record."""
    database = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        rows = database.execute(
            "SELECT kind FROM record WHERE sequence IN (SELECT MAX(sequence) FROM record WHERE runId IS NOT NULL "
            "GROUP BY runId)"
        ).fetchall()
    finally:
        database.close()
    return collections.Counter(kind for (kind,) in rows)


def start(command: list[str], environment: dict, work: Path) -> subprocess.Popen:
    return subprocess.Popen(command, env=environment, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def kill_at(process: subprocess.Popen, delay: float) -> bool:
    """SIGKILL after `delay` s unless the process ended first; whether it was killed."""
    try:
        process.wait(delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def kill_round(index: int, args, moto: storm.Moto, chooser: random.Random, work: Path, baseline: float | None) -> dict:
    direct = storm.boto3_clients(moto.url)
    round_dir = work / f"kill{index}"
    (round_dir / "home").mkdir(parents=True)
    moto.reset()
    world = storm.seed(direct, args.instances, ["ec2"], args.vpcs, f"k{index}", existing_groups=False)
    files = storm.write_findings(storm.findings_of(world), round_dir)
    proxy = FaultProxy(moto.url, round_dir / "proxy.jsonl", [])
    environment = storm.aws_environment(proxy.url, round_dir / "home")
    key = round_dir / "journal.key"
    subprocess.run([args.remedy, "journal", "init-key", "--key", str(key)], check=True, capture_output=True)
    journal = round_dir / "journal.sqlite"
    # One short attempt per call: a snapshot step in doubt waits request_timeout x max_attempts (10 s) before its
    # probe may say "not done" (docs/runs.md), instead of the default's 230 s.
    config = write_config(
        round_dir / "remedy.yaml",
        f"concurrency:\n  max_runs: {args.max_runs}\njournal:\n  signing_key: {key}\n"
        "aws: {request_timeout: 5s, max_attempts: 2, max_throttled_attempts: 1}\n",
    )
    engine = ["--journal", str(journal), "--config", str(config)]
    run = [args.remedy, "run", str(files[0]), "--playbooks", str(PLAYBOOKS), *engine]
    resume = [args.remedy, "resume", *engine]
    began = time.perf_counter()
    kills = []
    if baseline is None:
        done = subprocess.run(run, env=environment, cwd=round_dir, capture_output=True, text=True)
        outcome = {"kills": [], "baseline": True, "exit": done.returncode}
    else:
        # The first kill falls anywhere in an uninterrupted run's time; resumes are killed earlier in theirs.
        moment = chooser.uniform(0.3, 0.9 * baseline)
        if kill_at(start(run, environment, round_dir), moment):
            kills.append(f"run at {moment:.2f} s")
        for _ in range(args.resume_kills):
            if chooser.random() < 0.5:
                continue
            moment = chooser.uniform(0.3, baseline / 2)
            if kill_at(start(resume, environment, round_dir), moment):
                kills.append(f"resume at {moment:.2f} s")
        done = subprocess.run(resume, env=environment, cwd=round_dir, capture_output=True, text=True)
        outcome = {"kills": kills, "baseline": False, "exit": done.returncode}
    outcome["wall"] = time.perf_counter() - began
    proxy.stop()
    if done.returncode != 0:
        outcome.setdefault("failures", []).append(f"exit {done.returncode}: {done.stderr.strip()[-400:]}")
    verify = subprocess.run([args.remedy, "journal", "verify", "--journal", str(journal), "--key", str(key)],
                            capture_output=True, text=True)
    outcome["verified"] = verify.returncode == 0
    if not outcome["verified"]:
        outcome.setdefault("failures", []).append(f"journal verify: {verify.stdout.strip()} {verify.stderr.strip()}")
    forwarded = proxy.forwarded()
    outcome["createSnapshots"] = forwarded["CreateSnapshots"]
    outcome["modifyInstanceAttribute"] = forwarded["ModifyInstanceAttribute"]
    outcome["runs"] = dict(journal_runs(journal))
    outcome["problems"] = storm.check_world(direct, world)
    if outcome["runs"] != {"run.succeeded": args.instances}:
        outcome.setdefault("failures", []).append(f"runs ended {outcome['runs']}")
    log(f"round {index}: {'uninterrupted' if baseline is None else ', '.join(kills) or 'no kill landed'}; "
        f"{outcome['wall']:.1f} s; runs {outcome['runs']}; CreateSnapshots {outcome['createSnapshots']}, "
        f"ModifyInstanceAttribute {outcome['modifyInstanceAttribute']}; journal "
        f"{'verified' if outcome['verified'] else 'NOT VERIFIED'}; {len(outcome['problems'])} end-state problems")
    for line in (outcome.get("failures", []) + outcome["problems"])[:3]:
        log(f"    {line}")
    return outcome


def kill(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="remedy-kills-"))
    moto = storm.Moto(storm.free_port(args.port_low, args.port_high), work / "moto_server.log")
    chooser = random.Random(args.seed)
    log(f"kill: {args.instances} instances, {args.rounds} killed round(s) after {args.baselines} uninterrupted; "
        f"moto on {moto.url}, work in {work}")
    baselines, rounds = [], []
    try:
        for index in range(1, args.baselines + 1):
            baselines.append(kill_round(index, args, moto, chooser, work, None))
        baseline = median([b["wall"] for b in baselines])
        for index in range(1, args.rounds + 1):
            rounds.append(kill_round(args.baselines + index, args, moto, chooser, work, baseline))
    finally:
        moto.stop()
    kills = sum(len(r["kills"]) for r in rounds)
    bad = [r for r in baselines + rounds if r.get("failures") or r["problems"]]
    snapshots = collections.Counter(r["createSnapshots"] for r in rounds)
    print(f"\nkill: {args.instances}-instance containment (snapshot + quarantine), {len(rounds)} rounds, {kills} "
          f"SIGKILLs ({sum(1 for r in rounds for k in r['kills'] if k.startswith('run'))} of remedy run, "
          f"{sum(1 for r in rounds for k in r['kills'] if k.startswith('resume'))} of remedy resume), seed {args.seed}")
    print(f"uninterrupted: median {median([b['wall'] for b in baselines]):.1f} s; killed and resumed to the end: "
          f"median {median([r['wall'] for r in rounds]):.1f} s "
          f"(ratio {median([r['wall'] for r in rounds]) / median([b['wall'] for b in baselines]):.2f}x)")
    print(f"rounds with every run succeeded, every instance isolated, one snapshot per volume and the journal "
          f"verified with its key: {len(baselines) + len(rounds) - len(bad)} of {len(baselines) + len(rounds)}")
    print(f"CreateSnapshots forwarded per round: {dict(sorted(snapshots.items()))} ({args.instances} needed); "
          f"ModifyInstanceAttribute median {median([r['modifyInstanceAttribute'] for r in rounds]):g} "
          f"({2 * args.instances} for the two-stage swaps; a swap repeated after a kill sets the same groups again)")
    if args.json:
        Path(args.json).write_text(json.dumps({"baselines": baselines, "rounds": rounds}, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("throttle", "kill"):
        command = commands.add_parser(name)
        command.add_argument("--remedy", required=True, help="the remedy binary (release build)")
        command.add_argument("--vpcs", type=int, default=3)
        command.add_argument("--max-runs", type=int, default=16, help="remedy's concurrency.max_runs")
        command.add_argument("--port-low", type=int, default=5311)
        command.add_argument("--port-high", type=int, default=5320)
        command.add_argument("--json", help="write every measurement here")
        command.add_argument("--keep", action="store_true", help="keep the work directory")
        if name == "throttle":
            command.add_argument("--per-family", type=int, default=75)
            command.add_argument("--families", type=lambda s: s.split(","), default=list(storm.FAMILIES))
            command.add_argument("--throttle", type=float, default=0.3)
            command.add_argument("--runs", type=int, default=3)
        else:
            command.add_argument("--instances", type=int, default=75)
            command.add_argument("--rounds", type=int, default=8)
            command.add_argument("--baselines", type=int, default=2, help="uninterrupted rounds timed first")
            command.add_argument("--resume-kills", type=int, default=2, help="at most this many resumes killed")
            command.add_argument("--seed", type=int, default=19)
    loop = commands.add_parser("loop", help="the tolerant boto3 loop (AWS_ENDPOINT_URL from the environment)")
    loop.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    if args.command == "loop":
        loop_tolerant(args.files, os.environ["AWS_ENDPOINT_URL"])
        return 0
    return throttle(args) if args.command == "throttle" else kill(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Malformed traffic against `remedy serve`: does the server end where it started?

Starts the release `remedy serve` (a bearer-token feed, the shipped playbooks, dry-run, loopback), then sends
--passes passes of --requests fuzzed requests from --clients threads, each on its own connections: wrong methods
and paths, truncated and oversize bodies (announced and sent, announced and abandoned: the client reads the 413 and
closes), broken JSON, bad tokens, headers past the limits, slow partial requests cut off, and valid findings. After
each pass it waits for the server to settle and reads its resident memory and open descriptors from /proc.
Prints the answers by status, any 5xx, and memory and descriptors before and after every pass; exits 1 on a 5xx,
a crash, or growth past --tolerance-mib / --tolerance-fds from the first pass to the last.

    python3 Benchmarks/webhook/fuzz.py --remedy .build/release/remedy [--passes 3 --requests 10000 --clients 8]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent.parent
TOKEN = "fuzz-token-0123456789abcdef"
FINDING = json.loads((REPOSITORY / "Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json").read_text())


def read_proc(path: str) -> str:
    # /proc files are read to their end with a loop (a single read may stop at a page).
    with open(path, "rb") as file:
        chunks = []
        while chunk := file.read(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def resident_mib(pid: int) -> float:
    for line in read_proc(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def request(kind: str, rng: random.Random) -> bytes:
    """One request of the given kind, as raw bytes."""
    event = json.loads(json.dumps(FINDING))
    event["detail"]["id"] = "%032x" % rng.getrandbits(128)
    body = json.dumps(event).encode()
    auth = f"Authorization: Bearer {TOKEN}\r\n"
    head = "POST /v1/events HTTP/1.1\r\nHost: remedy\r\nContent-Type: application/json\r\n"
    if kind == "valid":
        return (head + auth + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    if kind == "bad-token":
        return (head + "Authorization: Bearer wrong\r\n" + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    if kind == "broken-json":
        cut = body[: rng.randrange(1, len(body))]
        return (head + auth + f"Content-Length: {len(cut)}\r\n\r\n").encode() + cut
    if kind == "wrong-method":
        return f"{rng.choice(['GET', 'PUT', 'DELETE', 'PATCH'])} /v1/events HTTP/1.1\r\nHost: remedy\r\n\r\n".encode()
    if kind == "unknown-path":
        return f"GET /{'x' * rng.randrange(1, 2000)} HTTP/1.1\r\nHost: remedy\r\n\r\n".encode()
    if kind == "wrong-media":
        return (
            "POST /v1/events HTTP/1.1\r\nHost: remedy\r\nContent-Type: application/xml\r\n" + auth
            + f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
    if kind == "oversize-sent":
        big = b"x" * (1_100_000)
        return (head + auth + f"Content-Length: {len(big)}\r\n\r\n").encode() + big
    if kind == "oversize-abandoned":
        # Announces 10 MB, sends 4 KB: the client reads the 413 and closes (what grew the server before).
        return (head + "Content-Length: 10000000\r\n\r\n").encode() + b"x" * 4000
    if kind == "huge-header":
        return (head + auth + "X-Junk: " + "y" * 70_000 + "\r\nContent-Length: 2\r\n\r\n{}").encode()
    if kind == "garbage":
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 512)))
    if kind == "deep-json":
        deep = b"[" * 5000 + b"]" * 5000
        return (head + auth + f"Content-Length: {len(deep)}\r\n\r\n").encode() + deep
    if kind == "partial":
        return (head + auth + "Content-Length: 500\r\n\r\n").encode() + body[:100]
    raise ValueError(kind)


KINDS = [
    ("valid", 10), ("bad-token", 10), ("broken-json", 15), ("wrong-method", 8), ("unknown-path", 8),
    ("wrong-media", 8), ("oversize-sent", 2), ("oversize-abandoned", 15), ("huge-header", 6), ("garbage", 10),
    ("deep-json", 4), ("partial", 4),
]


def one(port: int, kind: str, rng: random.Random) -> str:
    """Sends one request on a new connection and returns the status line's code, or what happened instead."""
    data = request(kind, rng)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            try:
                connection.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed before the whole body went out (413)
            if kind == "partial":
                connection.settimeout(0.05)  # give up early, mid-body, as a flaky client would
            answer = connection.recv(64)
            if not answer:
                return "closed"
            parts = answer.split(b" ", 2)
            return parts[1].decode() if len(parts) > 1 and answer.startswith(b"HTTP/") else "not-http"
    except socket.timeout:
        return "client-gave-up" if kind == "partial" else "timeout"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"


def fuzz_pass(port: int, requests: int, clients: int, seed: int) -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    lock = threading.Lock()
    names, weights = zip(*KINDS)

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        local: collections.Counter = collections.Counter()
        for _ in range(requests // clients):
            kind = rng.choices(names, weights)[0]
            local[(kind, one(port, kind, rng))] += 1
        with lock:
            counts.update(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def settle(pid: int, seconds: float) -> tuple[float, int]:
    time.sleep(seconds)
    return resident_mib(pid), descriptors(pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--remedy", required=True)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait after a pass before measuring")
    parser.add_argument("--tolerance-mib", type=float, default=8.0)
    parser.add_argument("--tolerance-fds", type=int, default=8)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="remedy-fuzz-"))
    # remedy serve asks STS who it is at start, and runs of the valid findings make dry-run calls: a private
    # moto_server answers them, on loopback.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        moto_port = probe.getsockname()[1]
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", moto_port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        return fuzz(args, work, moto_port)
    finally:
        moto.terminate()
        moto.wait(10)


def fuzz(args, work: Path, moto_port: int) -> int:
    config = work / "remedy.yaml"
    config.write_text(
        "apiVersion: remedy/v1\n"
        f"playbooks: {REPOSITORY / 'Playbooks'}\n"
        f"journal: {{path: {work / 'journal.sqlite'}}}\n"
        "server:\n"
        "  listen: 127.0.0.1:0\n"
        "  auth: {bearer_tokens: {fuzz: {env: REMEDY_FUZZ_TOKEN}}}\n"
        "  limits: {requests_per_second: 100000, burst: 100000, idle_timeout: 5s, body_timeout: 5s}\n"
    )
    environment = dict(os.environ, REMEDY_FUZZ_TOKEN=TOKEN, AWS_ACCESS_KEY_ID="AKIAFUZZ000000000000",
                       AWS_SECRET_ACCESS_KEY="fuzz", AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                       AWS_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}",
                       HOME=str(work))
    log = open(work / "serve.log", "w")
    server = subprocess.Popen([args.remedy, "serve", "--dry-run", "--config", str(config)],
                              env=environment, stdout=subprocess.PIPE, stderr=log, text=True)
    # "remedy serve listening on http://127.0.0.1:PORT" is its first line (or it exits with the reason).
    found = re.search(r"listening on https?://127\.0\.0\.1:(\d+)", server.stdout.readline())
    port = int(found.group(1)) if found else None
    if port is None:
        server.kill()
        print(f"fuzz: remedy serve did not say where it listens; see {work / 'serve.log'}", file=sys.stderr)
        return 1
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    # Warm up with valid requests, so the first figure is a server that has answered, not an idle process.
    fuzz_pass_counts = fuzz_pass(port, 200, 4, seed=0)
    before = settle(server.pid, args.settle)
    print(f"remedy serve pid {server.pid} on 127.0.0.1:{port}; after warm-up ({sum(fuzz_pass_counts.values())} "
          f"requests): {before[0]:.1f} MiB resident, {before[1]} descriptors")
    figures = [before]
    failed = False
    for index in range(1, args.passes + 1):
        began = time.perf_counter()
        counts = fuzz_pass(port, args.requests, args.clients, seed=index)
        took = time.perf_counter() - began
        if server.poll() is not None:
            print(f"pass {index}: the server exited with {server.returncode}")
            return 1
        figures.append(settle(server.pid, args.settle))
        by_status = collections.Counter()
        for (kind, status), n in counts.items():
            by_status[status] += n
        errors = {f"{kind} {status}": n for (kind, status), n in counts.items() if status.startswith("5")}
        failed |= bool(errors)
        print(f"pass {index}: {sum(counts.values())} requests in {took:.1f} s; answers "
              + ", ".join(f"{s} {n}" for s, n in sorted(by_status.items()))
              + f"; {figures[-1][0]:.1f} MiB resident, {figures[-1][1]} descriptors"
              + (f"; 5xx: {errors}" if errors else ""))
    growth = (figures[-1][0] - figures[1][0], figures[-1][1] - figures[1][1])
    print(f"from the first pass to the last: {growth[0]:+.1f} MiB, {growth[1]:+d} descriptors "
          f"(warm-up to last: {figures[-1][0] - figures[0][0]:+.1f} MiB, {figures[-1][1] - figures[0][1]:+d})")
    server.terminate()
    server.wait(30)
    failed |= growth[0] > args.tolerance_mib or growth[1] > args.tolerance_fds
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

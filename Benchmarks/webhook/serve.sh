#!/usr/bin/env bash
# remedy serve under load: wrk posts GuardDuty findings (each a new finding) with a bearer token to the server, whose
# playbook's one step posts to a local endpoint that answers at once. Prints accepted findings per second, the 202
# latency percentiles (wrk --latency), the server's CPU time per accepted finding, its resident memory before and
# after, and what the journal holds.
#
#     bash Benchmarks/webhook/serve.sh [SECONDS] [CONNECTIONS]      # defaults: 60 s, 32 connections
#
# For the memory figure over 1M findings, run long enough: at the 5,500-5,900 findings/s measured at 48 connections
# in the tenth session, about 3 minutes (e.g. 190 seconds); at the 1,500-1,900/s of earlier sessions' machine, 10-12.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
connections=${2:-32}

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
swift build --package-path Benchmarks -c release --product ServeBenchmark >/dev/null
work=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work/finding.json" <<'PY'
import json, sys
event = json.load(open("Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json"))
event["detail"]["id"] = "__FINDING_ID__"
json.dump(event, open(sys.argv[1], "w"))
PY

"$(swift build --package-path Benchmarks -c release --show-bin-path)/ServeBenchmark" "$work/journal.sqlite" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 200); do grep -q '^listening' "$work/server.out" && break; sleep 0.05; done
port=$(awk '/^listening/ {print $2}' "$work/server.out")
rss() { awk '/^VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$server_pid/status"; }

# A short warm-up, so "before" is the server after its first requests, not an idle process.
FINDING_TEMPLATE="$work/finding.json" wrk -t1 -c4 -d2s -s Benchmarks/webhook/post-findings.lua "http://127.0.0.1:$port" >/dev/null
# utime + stime of the server, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

echo "rss before: $(rss)"
ticks_before=$(cpu_ticks)
FINDING_TEMPLATE="$work/finding.json" wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s Benchmarks/webhook/post-findings.lua "http://127.0.0.1:$port" | tee "$work/wrk.out"
ticks_after=$(cpu_ticks)
echo "rss after: $(rss)"
# Over the requests answered 2xx while wrk ran; what the workers do with the backlog afterwards is not counted.
requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
refused=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
awk -v ticks=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v n=$((requests - ${refused:-0})) \
    'BEGIN { printf "server CPU per accepted finding: %.3f ms\n", ticks / hz / n * 1000 }'
kill -TERM "$server_pid"
wait "$server_pid" || true
cat "$work/server.out" | grep -v '^listening'
echo "journal size: $(du -h "$work/journal.sqlite" | cut -f1) (+ WAL $(du -h "$work/journal.sqlite-wal" 2>/dev/null | cut -f1))"

#!/usr/bin/env bash
# The storm benchmark: 300 findings (75 each of compromised instances, leaked access keys, public buckets and, when
# remedy can execute ec2.revoke_open_ingress, open security groups) remediated against moto by remedy and by a plain
# boto3 loop making the minimum calls, through the same counting proxy. Prints wall time and AWS calls per side, by
# operation, and the ratios; medians over --runs (default 3). Every argument goes to storm.py bench, for example
# --per-family 75 --runs 3 --max-runs 16 --vpcs 3 --parallel-files --json out.json --keep.
# moto_server runs on the first free port in 5301-5310 (--port-low/--port-high).
set -euo pipefail

cd "$(dirname "$0")/../.."
command -v moto_server >/dev/null || { echo "storm.sh: moto_server is missing (pip install 'moto[server]')" >&2; exit 1; }
python3 -c 'import boto3' 2>/dev/null || { echo "storm.sh: boto3 is missing (pip install boto3)" >&2; exit 1; }

flock /tmp/remedy-swift-build.lock nice -n 5 swift build -c release --product remedy >&2
remedy="$(flock /tmp/remedy-swift-build.lock swift build -c release --show-bin-path)/remedy"

exec python3 Benchmarks/storm/storm.py bench --remedy "$remedy" "$@"

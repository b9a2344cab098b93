#!/usr/bin/env bash
# The fault benchmark (issue 19): remedy against moto through Tests/FaultProxy/fault_proxy.py.
#   bash Benchmarks/faults/faults.sh throttle   # the 300-finding storm with 30% of requests throttled, and a boto3 loop
#   bash Benchmarks/faults/faults.sh kill       # a 75-instance containment killed with SIGKILL at random moments
# Further arguments go to faults.py (see its --help), for example --runs 3, --rounds 8, --seed 19, --json out.json.
set -euo pipefail

cd "$(dirname "$0")/../.."
command -v moto_server >/dev/null || { echo "faults.sh: moto_server is missing (pip install 'moto[server]')" >&2; exit 1; }
python3 -c 'import boto3' 2>/dev/null || { echo "faults.sh: boto3 is missing (pip install boto3)" >&2; exit 1; }

flock /tmp/remedy-swift-build.lock nice -n 5 swift build -c release --product remedy >&2
remedy="$(flock /tmp/remedy-swift-build.lock swift build -c release --show-bin-path)/remedy"

command="${1:?usage: faults.sh throttle|kill [faults.py arguments]}"
shift
exec python3 Benchmarks/faults/faults.py "$command" --remedy "$remedy" "$@"

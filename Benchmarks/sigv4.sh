#!/usr/bin/env bash
# Compares the SigV4 signer with botocore on the same 1,000 generated requests.
#
# Builds the release benchmark (under the shared build lock), generates the request set once, checks that both
# signers produce identical Authorization headers for every request, then runs each side RUNS times and prints the
# medians and their ratio. Environment: RUNS (default 5), SWIFT_PASSES (default 200), PY_PASSES (default 5).
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${RUNS:-5}
swift_passes=${SWIFT_PASSES:-200}
py_passes=${PY_PASSES:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

flock /tmp/remedy-swift-build.lock nice -n 5 swift build --package-path Benchmarks -c release --product SigV4Benchmark >&2
bench="$(flock /tmp/remedy-swift-build.lock swift build --package-path Benchmarks -c release --show-bin-path)/SigV4Benchmark"

python3 Benchmarks/sigv4.py generate "$work/requests.jsonl" --count 1000 --seed 7
"$bench" "$work/requests.jsonl" 1 --dump "$work/swift.authz" >/dev/null
python3 Benchmarks/sigv4.py bench "$work/requests.jsonl" --passes 1 --dump "$work/botocore.authz" >/dev/null
if ! cmp -s "$work/swift.authz" "$work/botocore.authz"; then
    echo "sigv4.sh: remedy and botocore disagree on some Authorization headers:" >&2
    diff "$work/swift.authz" "$work/botocore.authz" | head -n 10 >&2
    exit 1
fi
echo "Authorization headers identical for all $(wc -l <"$work/swift.authz") requests"

rate() { sed -E 's/^[^:]*: ([0-9]+) signs\/s.*/\1/'; }
for ((i = 1; i <= runs; i++)); do
    line=$("$bench" "$work/requests.jsonl" "$swift_passes")
    echo "run $i: $line"
    rate <<<"$line" >>"$work/swift.rates"
    line=$(python3 Benchmarks/sigv4.py bench "$work/requests.jsonl" --passes "$py_passes")
    echo "run $i: $line"
    rate <<<"$line" >>"$work/botocore.rates"
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
swift_median=$(median "$work/swift.rates")
botocore_median=$(median "$work/botocore.rates")
echo "median over $runs runs: remedy sigv4 $swift_median signs/s, botocore $botocore_median signs/s"
awk -v s="$swift_median" -v b="$botocore_median" 'BEGIN { printf "ratio: %.1fx\n", s / b }'

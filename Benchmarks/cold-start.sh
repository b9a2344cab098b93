#!/usr/bin/env bash
# Cold wall time of `remedy validate Playbooks/` and `remedy plan FINDING` (release build, new process each run).
# Prints the median and the 90th percentile of RUNS runs of each. Target (DESIGN.md section 9): under 50 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-21}
finding=${FINDING:-Fixtures/findings/eventbridge/guardduty-backdoor-cc-activity.json}
swift build -c release --product remedy >/dev/null
binary=$(swift build -c release --show-bin-path)/remedy
python3 - "$binary" "$runs" "$finding" <<'PY'
import statistics, subprocess, sys, time
binary, runs, finding = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for label, args in [("validate Playbooks/", ["validate", "Playbooks"]), ("plan " + finding, ["plan", finding])]:
    subprocess.run([binary, *args], stdout=subprocess.DEVNULL, check=True)  # page cache warm, process cold
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([binary, *args], stdout=subprocess.DEVNULL, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p90 = samples[int(0.9 * (len(samples) - 1))]
    print(f"remedy {label}: median {statistics.median(samples):.1f} ms, p90 {p90:.1f} ms over {runs} runs")
PY

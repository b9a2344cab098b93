#!/bin/sh
# Renders an exercise's HTML report in headless Chromium and writes a PNG screenshot, to check that the report
# (and its SVG timeline) displays in a browser. Not part of the test suite: it needs Debian's chromium.
#
#   scripts/render-report.sh [SCENARIO] [SCREENSHOT.png]
#
# Defaults: Fixtures/scenarios/crypto-mining-campaign.yaml and /tmp/remedy-exercise-report.png. Installs chromium
# with apt-get when it is missing (as root). REMEDY_BIN names an already built remedy binary; otherwise the script
# builds one with swift build.
set -eu
scenario=${1:-Fixtures/scenarios/crypto-mining-campaign.yaml}
screenshot=${2:-/tmp/remedy-exercise-report.png}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v chromium >/dev/null 2>&1; then
    apt-get install -y chromium >/dev/null
fi
remedy=${REMEDY_BIN:-}
if [ -z "$remedy" ]; then
    swift build -q --product remedy
    remedy=.build/debug/remedy
fi
# The exercise exits 1 when an expectation fails; the report is written either way.
"$remedy" exercise "$scenario" --report "$work/report.html" --journal "$work/journal.sqlite" || true
test -s "$work/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1800 \
    --screenshot="$screenshot" "file://$work/report.html" 2>/dev/null
echo "screenshot: $screenshot"

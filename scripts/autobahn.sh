#!/usr/bin/env bash
# Runs the Autobahn test suite's fuzzing client (server cases 1-7 and 10:
# framing, pings, reserved bits, opcodes, fragmentation, UTF-8, close,
# misc; not 9 (performance) nor 12-13 (compression, not offered)) against
# the Engine.IO echo server, through scripts/autobahn/eio_shim.py, which
# adds and strips Engine.IO's message prefix and forwards every other byte
# untouched. Prints the verdicts per section; the HTML report is in
# target/autobahn/reports/.
#
# Usage: WSTEST=/path/to/wstest scripts/autobahn.sh
#
# `wstest` is autobahntestsuite 0.8.2, Python 2.7 only, e.g.
#   virtualenv -p python2.7 /tmp/ab && /tmp/ab/bin/pip install autobahntestsuite==0.8.2
#   WSTEST=/tmp/ab/bin/wstest scripts/autobahn.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wstest="${WSTEST:-wstest}"
out="$repo_root/target/autobahn"
server_port="${SERVER_PORT:-3950}"
shim_port="${SHIM_PORT:-3951}"
mkdir -p "$out"

cargo build --quiet -p runtime-tokio --example engine_echo
PORT="$server_port" "$repo_root/target/debug/examples/engine_echo" > "$out/server.log" 2>&1 &
server_pid=$!
python3 "$repo_root/scripts/autobahn/eio_shim.py" "$shim_port" "$server_port" > "$out/shim.log" 2>&1 &
shim_pid=$!
trap 'kill "$server_pid" "$shim_pid" 2>/dev/null || true' EXIT
sleep 1

cat > "$out/fuzzingclient.json" <<JSON
{
  "outdir": "$out/reports",
  "servers": [{"agent": "socketio-rs engine_echo", "url": "ws://127.0.0.1:$shim_port/"}],
  "cases": ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"],
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
(cd "$out" && "$wstest" -m fuzzingclient -s fuzzingclient.json > wstest.log 2>&1)

python3 - "$out/reports/index.json" <<'PY'
import collections, json, sys
results = list(json.load(open(sys.argv[1])).values())[0]
sections = collections.defaultdict(collections.Counter)
for case, result in results.items():
    sections[case.split(".")[0]][result["behavior"] + "/" + result["behaviorClose"]] += 1
for section in sorted(sections, key=int):
    print(section, dict(sections[section]))
for case, result in sorted(results.items()):
    if (result["behavior"], result["behaviorClose"]) != ("OK", "OK"):
        print(" ", case, result["behavior"], result["behaviorClose"])
PY

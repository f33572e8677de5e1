#!/usr/bin/env bash
# The demo: a chat in the browser. Builds the chat example (a Socket.IO server
# on tokio that also serves the chat page and the official browser client),
# installs the npm client into interop/ if needed, and runs the server on
# 127.0.0.1:$PORT (3000 by default) until Ctrl-C; open the printed URL in two
# browser tabs (add `?transport=polling` to one to pin it to long-polling).
#
# With DEMO_CHECK=1 it is a bounded, non-interactive check instead (CI's demo
# step): it starts the server, checks that the page and the browser client are
# served, lets two official socket.io-client connections in node (one
# upgrading from long-polling, one WebSocket-only) chat through it, stops the
# server and exits 0 or 1. (tests/browser_chat.rs drives the page itself in
# headless Chromium.)
#
# Run from anywhere: `bash scripts/demo.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${PORT:-3000}
[[ -d interop/node_modules/socket.io-client ]] || npm ci --prefix interop --no-audit --no-fund
cargo build -q -p runtime-tokio --example chat
chat="${CARGO_TARGET_DIR:-target}/debug/examples/chat"

if [[ "${DEMO_CHECK:-0}" != 1 ]]; then
    echo "Open http://127.0.0.1:$PORT/ in two browser tabs (one with ?transport=polling); Ctrl-C stops the server."
    PORT=$PORT exec "$chat"
fi

PORT=$PORT "$chat" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    kill -0 $server 2>/dev/null || { echo "demo: the chat server exited"; exit 1; }
    sleep 0.1
done
timeout 60 node interop/demo_client.js "http://127.0.0.1:$PORT"

#!/usr/bin/env bash
# The demo: builds the chat example (a Socket.IO server on tokio), starts it on
# 127.0.0.1, and talks to it with two official socket.io-client connections
# (one upgrading from long-polling, one WebSocket-only). Installs the npm
# client into interop/ if needed. Run from anywhere: `bash scripts/demo.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${PORT:-3000}
[[ -d interop/node_modules/socket.io-client ]] || npm ci --prefix interop --no-audit --no-fund
cargo build -q -p runtime-tokio --example chat

PORT=$PORT "${CARGO_TARGET_DIR:-target}/debug/examples/chat" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
node interop/demo_client.js "http://127.0.0.1:$PORT"
sleep 0.2

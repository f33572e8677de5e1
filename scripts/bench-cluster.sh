#!/usr/bin/env bash
# A cluster target for the shared bench harness (/work/shared/bench/run.sh):
# NODES bench_server nodes (runtime-tokio/examples/bench_server.rs built with
# the redis feature and given REDIS_URL: the Redis adapter) sharing one redis-server,
# behind HAProxy in TCP mode (round robin: each WebSocket connection goes to
# the next node) listening on 127.0.0.1:$PORT. Everything binds 127.0.0.1 on
# free ports and lives in this process group, which run.sh signals at the end.
#
#   cargo build --release -p runtime-tokio --features redis --example bench_server
#   /work/shared/bench/run.sh one-node="$PWD/scripts/bench-cluster.sh 1" two-nodes="$PWD/scripts/bench-cluster.sh 2"
#
# See docs/benchmarks.md ("Two nodes over Redis") for the figures and how to read them.
set -euo pipefail

nodes=${1:?usage: PORT=3000 bench-cluster.sh NODES}
front=${PORT:-3000}
root=$(cd "$(dirname "$0")/.." && pwd)
node_bin=$root/target/release/examples/bench_server
[[ -x $node_bin ]] || { echo "build it first: cargo build --release -p runtime-tokio --features redis --example bench_server" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listening() {
    for _ in $(seq 100); do
        [[ -n "$(ss -Htln "sport = :$1")" ]] && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    exit 1
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
wait_listening "$redis_port"

servers=""
for index in $(seq "$nodes"); do
    node_port=$(free_port)
    REDIS_URL="redis://127.0.0.1:$redis_port/" PORT=$node_port "$node_bin" &
    wait_listening "$node_port"
    servers+="    server node$index 127.0.0.1:$node_port"$'\n'
done

config=$(mktemp /tmp/bench-cluster-haproxy.XXXXXX.cfg)
cat >"$config" <<CONFIG
global
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend bench
    bind 127.0.0.1:$front
    default_backend nodes
backend nodes
    balance roundrobin
$servers
CONFIG
exec haproxy -db -f "$config"

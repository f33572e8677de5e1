#!/usr/bin/env bash
# The whole test suite, as CI runs it (`.ci/run`) on a fresh clone: formatting,
# lints, tests, docs, the no_std proof and a short fuzz smoke. Stops at the
# first failing step. Run it from anywhere: `bash scripts/test-all.sh`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

NO_STD_TARGET=thumbv7em-none-eabihf
FUZZ_SMOKE_SECONDS=10
SUITE_START=$SECONDS
STEP_TIMES=()

# Runs one named step with a header and records how long it took.
step() {
    local name=$1
    shift
    local start=$SECONDS
    printf '\n==> %s\n' "$name"
    "$@"
    local took=$((SECONDS - start))
    STEP_TIMES+=("$(printf '%5ss  %s' "$took" "$name")")
}

# The proto crates must build without std (no_std + alloc).
no_std_proof() {
    # A `#![no_std]` crate with its own `#[panic_handler]` that calls into both
    # proto crates: if std leaks into their dependency graph, rustc reports a
    # duplicate `panic_impl` lang item (E0152). It shares the workspace's target dir.
    cargo build --manifest-path .ci/nostd-probe/Cargo.toml --target-dir "${CARGO_TARGET_DIR:-target}"
    # Where the bare-metal target can be installed, build for a target that has
    # no std at all. A fresh machine may not reach the rustup servers: then the
    # probe above is the proof.
    if timeout 300 rustup target add "$NO_STD_TARGET"; then
        cargo build -p engineio-proto -p socketio-proto --no-default-features --target "$NO_STD_TARGET"
    else
        echo "rustup could not add $NO_STD_TARGET: skipping the cross build (the no_std probe above still ran)"
    fi
}

# The Debian packages the tests need, installed when missing (with sudo only
# when not root): chromium for the browser test (runtime-tokio/tests/browser_chat.rs,
# driven by the npm peer playwright-core), redis-server and haproxy for the
# cluster tests (runtime-tokio/tests/cluster_*.rs start their own).
install_debian_packages() {
    local missing=()
    [[ -x /usr/bin/chromium ]] || missing+=(chromium)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v haproxy >/dev/null || missing+=(haproxy)
    if [[ ${#missing[@]} -gt 0 ]]; then
        local as_root=()
        [[ $(id -u) -eq 0 ]] || as_root=(sudo)
        "${as_root[@]}" apt-get update -q
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
    /usr/bin/chromium --version
    redis-server --version
    # sed reads to the end: `head -1` closes the pipe early, and under
    # pipefail haproxy's SIGPIPE (exit 141) would fail the whole run.
    haproxy -v | sed -n 1p
}

# runtime-async-std drives runtime-tokio's executor-neutral driver: no tokio
# scheduler, reactor or timer may be in its dependency graph (only tokio's
# `sync` channels and `io` traits, which need no tokio runtime).
no_tokio_runtime_proof() {
    local features
    features=$(cargo tree -p runtime-async-std --all-features -e normal,features -i tokio --prefix none |
        grep -o 'tokio feature "[a-z-]*"' | sort -u)
    echo "$features"
    if grep -qE '"(rt|rt-multi-thread|net|time|process|signal|fs)"' <<<"$features"; then
        echo "a tokio runtime feature is in runtime-async-std's dependency graph"
        return 1
    fi
}

fuzz_smoke() {
    if [[ -f fuzz/Cargo.toml ]]; then
        bash scripts/fuzz.sh "$FUZZ_SMOKE_SECONDS"
    else
        echo "no fuzz/Cargo.toml: no fuzz targets yet, skipping the fuzz smoke"
    fi
}

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy" cargo clippy --workspace --all-targets --all-features -- -D warnings
# The reference peers the interop tests run (npm: engine.io-client, pinned in
# interop/package-lock.json; PyPI: python-socketio, pinned in
# interop/python/requirements.txt), installed before `cargo test`.
step "install peers" npm ci --prefix interop --no-audit --no-fund
step "install python peers" python3 -m pip install -q -r interop/python/requirements.txt
step "install chromium, redis-server, haproxy" install_debian_packages
step "cargo test" cargo test --workspace --all-features
step "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
step "no_std proof" no_std_proof
step "no tokio runtime under runtime-async-std" no_tokio_runtime_proof
step "fuzz smoke (${FUZZ_SMOKE_SECONDS}s per target)" fuzz_smoke
# The README's demo must keep working: its bounded check, on a free port.
step "demo" env DEMO_CHECK=1 PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" bash scripts/demo.sh

printf '\n==> all steps passed in %ss\n' "$((SECONDS - SUITE_START))"
printf '%s\n' "${STEP_TIMES[@]}"

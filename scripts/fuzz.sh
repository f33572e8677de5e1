#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS seconds each (default 60), starting
# from the committed seed corpus, and fails if any target finds a crash.
#
# Usage: scripts/fuzz.sh [SECONDS]
#
# Seeds in fuzz/corpus/<target>/ are copied into a temporary working corpus so
# a run never dirties the repository. Crash inputs land in
# fuzz/artifacts/<target>/ (gitignored); minimize one with
# `cargo +nightly fuzz tmin --debug-assertions <target> <file>` and commit it
# under fuzz/regressions/<target>/.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 [SECONDS]" >&2
    exit 2
fi

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz_dir="$repo_root/fuzz"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"

ensure_cargo_fuzz() {
    if [[ -x "$cargo_bin/cargo-fuzz" ]] || command -v cargo-fuzz >/dev/null 2>&1; then
        return
    fi
    # Another shell on this machine may be installing it already: wait for
    # that install instead of racing it with a second one.
    if pgrep -f "cargo install.*cargo-fuzz" >/dev/null 2>&1; then
        echo "cargo-fuzz is being installed by another process; waiting for it..."
        while pgrep -f "cargo install.*cargo-fuzz" >/dev/null 2>&1; do
            sleep 10
        done
        if [[ -x "$cargo_bin/cargo-fuzz" ]]; then
            return
        fi
    fi
    echo "installing cargo-fuzz..."
    cargo install cargo-fuzz --locked
}

ensure_cargo_fuzz

cd "$fuzz_dir"
# Debug assertions on: overflow checks and the codecs' debug_assert!s are
# invariants too. Build once; every run below reuses the same flags.
fuzz_flags=(--debug-assertions)
cargo +nightly fuzz build "${fuzz_flags[@]}"

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/engineio-fuzz.XXXXXX")"
trap 'rm -rf "$work_dir"' EXIT

mapfile -t targets < <(cargo fuzz list)
failed=()
summary=()
for target in "${targets[@]}"; do
    corpus="$work_dir/corpus/$target"
    mkdir -p "$corpus" "$fuzz_dir/artifacts/$target"
    # The seeds, and every input that once crashed the target: each run
    # replays the regressions first.
    for seeds in "$fuzz_dir/corpus/$target" "$fuzz_dir/regressions/$target"; do
        if [[ -d "$seeds" ]]; then
            cp -R "$seeds/." "$corpus/"
        fi
    done
    log="$work_dir/$target.log"
    echo "=== $target: ${seconds}s"
    status=0
    cargo +nightly fuzz run "${fuzz_flags[@]}" "$target" "$corpus" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1 || status=$?

    # libFuzzer's last status line: "#N DONE cov: C ft: F corp: … exec/s: E …".
    last_status="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
    cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last_status")"
    ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last_status")"
    corp="$(sed -nE 's/.* corp: ([^ ]+).*/\1/p' <<<"$last_status")"
    execs="$(sed -nE 's/^stat::number_of_executed_units:[[:space:]]+([0-9]+)/\1/p' "$log" | tail -n 1)"
    rate="$(sed -nE 's/^stat::average_exec_per_sec:[[:space:]]+([0-9]+)/\1/p' "$log" | tail -n 1)"
    if [[ "$status" -eq 0 ]]; then
        result="ok"
    else
        result="CRASH (exit $status, see fuzz/artifacts/$target/)"
        failed+=("$target")
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written to' "$log" | head -n 8 || true
        tail -n 30 "$log" >&2
    fi
    line="$(printf '%-20s execs/s: %-8s execs: %-10s cov: %-6s ft: %-6s corp: %-12s %s' \
        "$target" "${rate:-?}" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result")"
    echo "$line"
    summary+=("$line")
done

echo
echo "=== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [[ "${#failed[@]}" -gt 0 ]]; then
    echo "targets with crashes: ${failed[*]}" >&2
    exit 1
fi

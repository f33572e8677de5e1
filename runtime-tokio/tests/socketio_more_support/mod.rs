//! What the `socketio_more_*` tests share: running
//! `interop/socketio_more_client.js` (the real npm `socket.io-client`;
//! install with `npm ci --prefix interop`) and waiting for the server side.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;
use tokio::sync::mpsc;

/// How long a node client may run.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(25);

/// How long the server side may take to report.
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `socketio_more_client.js <url> <scenario> <mode> <extra…>` and returns its JSON report (`ok` checked).
pub async fn run_client(url: &str, scenario: &str, mode: &str, extra: &[&str]) -> Value {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("interop");
    assert!(
        dir.join("node_modules").join("socket.io-client").exists(),
        "the npm peers are missing: run `npm ci --prefix interop` (scripts/test-all.sh does)"
    );
    let child = Command::new("node")
        .arg(dir.join("socketio_more_client.js"))
        .args([url, scenario, mode])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node is on the PATH");
    let output = tokio::time::timeout(CLIENT_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the node client ({scenario} {mode}) ran over {CLIENT_TIMEOUT:?}"))
        .expect("the node client ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stdout.lines().last().unwrap_or_default();
    let report: Value = serde_json::from_str(line)
        .unwrap_or_else(|error| panic!("no JSON report ({error}); stdout: {stdout}; stderr: {stderr}"));
    assert_eq!(report["ok"], true, "client report: {report}; stderr: {stderr}");
    report
}

/// The next thing the server side reports.
pub async fn next<T>(reports: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(REPORT_TIMEOUT, reports.recv())
        .await
        .expect("the server reports in time")
        .expect("the server runs")
}

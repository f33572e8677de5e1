//! What the `socketio_more_*` tests share: running
//! `interop/socketio_more_client.js` (the real npm `socket.io-client`;
//! install with `npm ci --prefix interop`) and waiting for the server side.

#![allow(dead_code)]

#[path = "../peers/mod.rs"]
mod peers;

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

/// How long a node client may run.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(25);

/// How long the server side may take to report.
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `socketio_more_client.js <url> <scenario> <mode> <extra…>` and returns its JSON report (`ok` checked).
pub async fn run_client(url: &str, scenario: &str, mode: &str, extra: &[&str]) -> Value {
    peers::require_npm("socket.io-client");
    let all: Vec<&str> = [url, scenario, mode].into_iter().chain(extra.iter().copied()).collect();
    peers::node("socketio_more_client.js", &all, CLIENT_TIMEOUT).await.ok_report()
}

/// The next thing the server side reports.
pub async fn next<T>(reports: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(REPORT_TIMEOUT, reports.recv())
        .await
        .expect("the server reports in time")
        .expect("the server runs")
}

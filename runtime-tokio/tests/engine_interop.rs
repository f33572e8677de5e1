//! The Engine.IO server against the real npm `engine.io-client` (pinned in
//! `interop/package.json`; install with `npm ci --prefix interop`).
//!
//! Each test starts an echo server on 127.0.0.1:0, runs
//! `interop/engine_client.js` in node (connect, send a text and a binary
//! message, wait for both echoes) and checks the JSON line it prints and the
//! events the server saw. Everything has a timeout and the node child is
//! killed when the test ends, so a broken server fails the test instead of
//! hanging it.

mod peers;

use std::time::Duration;

use engineio_proto::server::{CloseReason, ServerConfig};
use runtime_tokio::engine::{EngineOptions, EngineSocket, Event};
use serde_json::Value;
use tokio::sync::mpsc;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts an echo server; every server-side event arrives on the receiver.
async fn start_echo_server() -> (String, mpsc::UnboundedReceiver<Event>) {
    let options = EngineOptions::default().with_config(ServerConfig::default().with_eio3(true));
    let (addr, _server, mut connections) =
        runtime_tokio::tokio::bind("127.0.0.1:0", options).await.expect("bind 127.0.0.1:0");
    let (events, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(socket) = connections.accept().await {
            tokio::spawn(echo(socket, events.clone()));
        }
    });
    (format!("http://{addr}"), received)
}

async fn echo(mut socket: EngineSocket, events: mpsc::UnboundedSender<Event>) {
    while let Some(event) = socket.recv().await {
        if let Event::Message(message) = &event {
            let _ = socket.send(message.clone()).await;
        }
        let _ = events.send(event);
    }
}

/// Runs the node client and returns its JSON report.
async fn run_client(url: &str, mode: &str, version: &str) -> Value {
    peers::require_npm("engine.io-client");
    peers::node("engine_client.js", &[url, mode, version], CLIENT_TIMEOUT).await.ok_report()
}

fn assert_echoes(report: &Value) {
    assert_eq!(report["text"], "hello", "{report}");
    assert_eq!(report["binary"], serde_json::json!([1, 2, 3, 250]), "{report}");
}

/// The server-side events seen within a short while.
async fn server_events(received: &mut mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
    let mut events = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(300), received.recv()).await {
        events.push(event);
    }
    events
}

#[tokio::test]
async fn polling_client_gets_text_and_binary_echoes() {
    let (url, mut received) = start_echo_server().await;
    let report = run_client(&url, "polling", "v4").await;
    assert_echoes(&report);
    assert_eq!(report["transport"], "polling");
    assert!(!server_events(&mut received).await.contains(&Event::Upgraded));
}

#[tokio::test]
async fn websocket_client_gets_text_and_binary_echoes() {
    let (url, mut received) = start_echo_server().await;
    let report = run_client(&url, "websocket", "v4").await;
    assert_echoes(&report);
    assert_eq!(report["transport"], "websocket");
    let events = server_events(&mut received).await;
    // The client exits right after its close: a close frame or a dropped connection.
    let closed = [Event::Closed(CloseReason::TransportClose), Event::Closed(CloseReason::TransportError)];
    assert!(events.iter().any(|event| closed.contains(event)), "{events:?}");
}

#[tokio::test]
async fn polling_client_upgrades_to_websocket_and_gets_echoes() {
    let (url, mut received) = start_echo_server().await;
    let report = run_client(&url, "upgrade", "v4").await;
    assert_eq!(report["upgraded"], true, "{report}");
    assert_eq!(report["transport"], "websocket");
    assert_echoes(&report);
    let events = server_events(&mut received).await;
    assert!(events.contains(&Event::Upgrading) && events.contains(&Event::Upgraded), "{events:?}");
}

#[tokio::test]
async fn engine_io_v3_client_upgrades_and_gets_echoes() {
    let (url, _received) = start_echo_server().await;
    let report = run_client(&url, "upgrade", "v3").await;
    assert_eq!(report["upgraded"], true, "{report}");
    assert_echoes(&report);
}

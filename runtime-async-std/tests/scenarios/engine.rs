//! The Engine.IO server role: an echo server on runtime `R` (its `bind`)
//! against the npm `engine.io-client` (`interop/engine_client.js`: connect,
//! send a text and a binary message, wait for both echoes, close), and
//! against the `ws` client (`interop/second_websocket_client.js`: a second
//! WebSocket for an upgraded session).

use std::sync::Arc;
use std::time::Duration;

use engineio_proto::server::{CloseReason, ServerConfig};
use runtime_async_std::engine::{EngineOptions, EngineSocket, Event};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::peers::{self, within};
use super::RuntimeUnderTest;

/// How long the node client may run.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts an echo server on `R` (Engine.IO v4, and v3 allowed); every
/// server-side event arrives on the receiver.
async fn start_echo_server<R: RuntimeUnderTest>() -> (String, mpsc::UnboundedReceiver<Event>) {
    let options = EngineOptions::default().with_config(ServerConfig::default().with_eio3(true));
    let (addr, _server, mut connections) = R::bind_engine(options).await.expect("bind 127.0.0.1:0");
    let (events, received) = mpsc::unbounded_channel();
    let runtime = R::runtime();
    let spawner = Arc::clone(&runtime);
    runtime.spawn(Box::pin(async move {
        while let Some(socket) = connections.accept().await {
            spawner.spawn(Box::pin(echo_each_message(socket, events.clone())));
        }
    }));
    (format!("http://{addr}"), received)
}

async fn echo_each_message(mut socket: EngineSocket, events: mpsc::UnboundedSender<Event>) {
    while let Some(event) = socket.recv().await {
        if let Event::Message(message) = &event {
            let _ = socket.send(message.clone()).await;
        }
        let _ = events.send(event);
    }
}

/// The server-side events seen until none comes for a short while.
async fn server_events(received: &mut mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(Some(event)) = within(Duration::from_millis(300), received.recv()).await {
        events.push(event);
    }
    events
}

/// Runs the node client (Engine.IO `version` v4 or v3) over `mode` against
/// a fresh echo server on `R`: its report, once both echoes came back, and
/// the server's events.
async fn echo_session<R: RuntimeUnderTest>(mode: &str, version: &str) -> (Value, Vec<Event>) {
    peers::require_npm("engine.io-client");
    let (url, mut received) = start_echo_server::<R>().await;
    let report = peers::node("engine_client.js", &[&url, mode, version], CLIENT_TIMEOUT).await.ok_report();
    assert_eq!(report["text"], "hello", "the text echo: {report}");
    assert_eq!(report["binary"], json!([1, 2, 3, 250]), "the binary echo: {report}");
    (report, server_events(&mut received).await)
}

/// An Engine.IO v4 client over `mode` gets its text and binary messages
/// echoed, on the transport it asked for.
pub async fn engine_client_gets_text_and_binary_echoes<R: RuntimeUnderTest>(mode: &str) {
    let (report, events) = echo_session::<R>(mode, "v4").await;
    match mode {
        "polling" => {
            assert_eq!(report["transport"], "polling", "{report}");
            assert!(!events.contains(&Event::Upgraded), "no upgrade: {events:?}");
        }
        "websocket" => {
            assert_eq!(report["transport"], "websocket", "{report}");
            // The client exits right after its close: a close frame or a dropped connection.
            let closed = [Event::Closed(CloseReason::TransportClose), Event::Closed(CloseReason::TransportError)];
            assert!(events.iter().any(|event| closed.contains(event)), "the server saw the close: {events:?}");
        }
        _ => {
            assert_eq!(report["upgraded"], true, "{report}");
            assert_eq!(report["transport"], "websocket", "{report}");
            assert!(events.contains(&Event::Upgrading) && events.contains(&Event::Upgraded), "{events:?}");
        }
    }
}

/// An Engine.IO v3 client (`engine.io-client` 3) over `mode` gets its echoes.
pub async fn engine_io_v3_client_gets_text_and_binary_echoes<R: RuntimeUnderTest>(mode: &str) {
    let (report, _events) = echo_session::<R>(mode, "v3").await;
    if mode == "upgrade" {
        assert_eq!(report["upgraded"], true, "{report}");
    }
}

/// A second WebSocket for a session already upgraded to its first one
/// (`interop/second_websocket_client.js`, the `ws` client, over Engine.IO
/// `mode` = `eio4` or `eio3`): as with the reference server, it opens (101)
/// and is closed by the server at once without a status code (1005 to the
/// client), and the session goes on on its first WebSocket.
pub async fn second_websocket_of_an_upgraded_session_opens_and_is_closed<R: RuntimeUnderTest>(mode: &str) {
    peers::require_npm("ws");
    let eio = mode.trim_start_matches("eio");
    let (url, mut received) = start_echo_server::<R>().await;
    let report = peers::node("second_websocket_client.js", &[&url, eio], CLIENT_TIMEOUT).await.ok_report();
    assert_eq!(report["secondOpened"], true, "the second WebSocket opened: {report}");
    assert_eq!(report["secondError"], Value::Null, "no handshake error: {report}");
    assert_eq!(report["secondCloseCode"], 1005, "closed by the server without a status code: {report}");
    assert_eq!(report["echo"], "4hello", "the first WebSocket still echoes: {report}");
    let events = server_events(&mut received).await;
    let hello = Event::Message(engineio_proto::Message::from("hello"));
    let before_hello: Vec<&Event> = events.iter().take_while(|event| **event != hello).collect();
    assert!(events.contains(&hello), "the server got hello: {events:?}");
    assert!(
        !before_hello.iter().any(|event| matches!(event, Event::Closed(_))),
        "the session was not closed before hello: {events:?}"
    );
}

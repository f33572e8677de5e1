//! The Rust Socket.IO client against the real npm `socket.io` 4.8.1 server
//! (`interop/server_socketio.js`, pinned in `interop/package.json`; install
//! with `npm ci --prefix interop`), over polling only, WebSocket only, and
//! polling upgraded to WebSocket: what is particular to this crate's client
//! API. The interop exchanges themselves (events and acks both ways, emits
//! buffered across a server restart) are the shared scenario suite of
//! `runtime-async-std/tests/runtimes.rs`, which runs them on this tokio build
//! as on smol and async-std.

mod client_support;

use std::time::Duration;

use bytes::Bytes;
use client_support::{free_port, NodeServer, WAIT};
use engineio_proto::TransportKind;
use runtime_tokio::client::{AckError, Args, Client, ClientError, ClientSocket, DisconnectReason};
use serde_json::{json, Value};
use socketio_proto::Binary;
use tokio::sync::mpsc;
use tokio::time::timeout;

/// The client options of one transport mode.
fn transports(mode: &str) -> (&'static [TransportKind], bool) {
    match mode {
        "polling" => (&[TransportKind::Polling], false),
        "websocket" => (&[TransportKind::WebSocket], false),
        _ => (&[TransportKind::Polling, TransportKind::WebSocket], true),
    }
}

/// A client of the server on `port` over `mode`, with short reconnection delays.
fn client(port: u16, mode: &str) -> Client {
    let (kinds, upgrade) = transports(mode);
    Client::builder(&format!("http://127.0.0.1:{port}"))
        .transports(kinds)
        .upgrade(upgrade)
        .reconnection_delay(Duration::from_millis(100), Duration::from_millis(300))
        .ack_timeout(Duration::from_secs(5))
        .build()
        .expect("the client starts")
}

/// Joins `socket`'s namespace within [`WAIT`].
async fn connect(socket: &ClientSocket) {
    timeout(WAIT, socket.connect()).await.expect("connect answers in time").expect("the namespace is joined");
}

async fn connect_returns_once_connected(mode: &str) {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = client(port, mode);
    let socket = client.socket("/admin");
    connect(&socket).await;
    assert!(socket.connected() && socket.active());
    server.next(|line| line["connection"] == "/admin").await;
}

#[tokio::test]
async fn connect_fails_when_the_server_refuses_the_namespace() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    let socket = client.socket("/private");
    let (sender, mut errors) = mpsc::unbounded_channel();
    socket.on_connect_error(move |message| {
        let _ = sender.send(message.to_string());
    });
    let outcome = timeout(WAIT, socket.connect()).await.expect("connect answers in time");
    assert!(matches!(&outcome, Err(ClientError::ConnectFailed(message)) if message == "not authorized"), "{outcome:?}");
    assert_eq!(errors.recv().await.as_deref(), Some("not authorized"));
    assert!(!socket.connected());
    assert!(!socket.active(), "a refused socket does not retry by itself");
}

#[tokio::test]
async fn connect_fails_when_nothing_listens_and_reconnection_is_off() {
    let port = free_port();
    let client =
        Client::builder(&format!("http://127.0.0.1:{port}")).reconnection(false).build().expect("the client starts");
    let outcome = timeout(WAIT, client.socket("/").connect()).await.expect("connect answers in time");
    assert!(matches!(outcome, Err(ClientError::ConnectFailed(_))), "{outcome:?}");
}

#[tokio::test]
async fn emit_with_ack_times_out_when_the_server_does_not_answer() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    let socket = client.socket("/");
    connect(&socket).await;
    let outcome: Result<(Value,), _> =
        timeout(WAIT, socket.emit_with_ack_timeout("unanswered", &1, Duration::from_millis(200)))
            .await
            .expect("the deadline is kept");
    assert!(matches!(outcome, Err(ClientError::Ack(AckError::TimedOut))), "{outcome:?}");
}

#[tokio::test]
async fn polling_upgrades_to_websocket_when_allowed() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = client(port, "upgrade");
    let socket = client.socket("/");
    connect(&socket).await;
    let line = server.next(|line| line.get("upgraded").is_some()).await;
    assert_eq!(line["upgraded"], "websocket", "{line}");
    let answer: (String,) = timeout(WAIT, socket.emit_with_ack("echo", &"after upgrade"))
        .await
        .expect("in time")
        .expect("acknowledged over the WebSocket");
    assert_eq!(answer.0, "after upgrade");
}

#[tokio::test]
async fn a_namespace_joined_on_an_open_connection_connects_once() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    connect(&client.socket("/")).await;
    let admin = client.socket("/admin");
    connect(&admin).await;
    connect(&admin).await;
    let connections: Vec<Value> = server
        .lines_within(Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|line| line["connection"] == "/admin")
        .collect();
    assert_eq!(connections.len(), 1, "{connections:?}");
}

#[tokio::test]
async fn disconnect_leaves_the_namespace_and_connect_joins_it_again() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    let socket = client.socket("/admin");
    let (sender, mut reasons) = mpsc::unbounded_channel();
    socket.on_disconnect(move |reason| {
        let _ = sender.send(reason);
    });
    connect(&socket).await;
    socket.disconnect();
    let line = server.next(|line| line.get("disconnect").is_some()).await;
    assert_eq!(line["reason"], "client namespace disconnect", "{line}");
    assert_eq!(reasons.recv().await, Some(DisconnectReason::IoClientDisconnect));
    assert!(!socket.connected());
    connect(&socket).await;
    server.next(|line| line["connection"] == "/admin").await;
}

#[tokio::test]
async fn dropping_every_handle_closes_the_connection() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    let socket = client.socket("/");
    connect(&socket).await;
    drop((client, socket));
    let line = server.next(|line| line.get("disconnect").is_some()).await;
    assert_eq!(line["disconnect"], "/", "{line}");
}

#[tokio::test]
async fn a_volatile_emit_while_disconnected_is_dropped_and_a_plain_one_kept() {
    let port = free_port();
    let server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    let socket = client.socket("/");
    let (sender, mut disconnects) = mpsc::unbounded_channel();
    socket.on_disconnect(move |reason| {
        let _ = sender.send(reason);
    });
    connect(&socket).await;
    server.kill().await;
    timeout(WAIT, disconnects.recv()).await.expect("the client sees the server go");
    socket.emit_volatile("volatile", &1).await.expect("accepted (and dropped)");
    socket.emit("kept", &2).await.expect("buffered");
    let mut restarted = NodeServer::start(port).await;
    let mut events = Vec::new();
    while events.last() != Some(&json!("kept")) {
        events.push(restarted.next(|line| line.get("event").is_some()).await["event"].clone());
    }
    let later = restarted.lines_within(Duration::from_millis(300)).await;
    assert_eq!(events, [json!("kept")], "the buffered emit, and nothing before it");
    assert!(later.iter().all(|line| line["event"] != "volatile"), "{later:?}");
}

#[tokio::test]
async fn reconnection_reports_attempts_errors_and_the_attempt_that_succeeded() {
    let port = free_port();
    let server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    let (sender, mut reports) = mpsc::unbounded_channel();
    let (attempts, errors, successes) = (sender.clone(), sender.clone(), sender);
    client.on_reconnect_attempt(move |n| {
        let _ = attempts.send(format!("attempt {n}"));
    });
    client.on_reconnect_error(move |_message| {
        let _ = errors.send(String::from("error"));
    });
    client.on_reconnect(move |n| {
        let _ = successes.send(format!("reconnected on {n}"));
    });
    let socket = client.socket("/");
    connect(&socket).await;
    server.kill().await;
    assert_eq!(timeout(WAIT, reports.recv()).await.expect("in time").as_deref(), Some("attempt 1"));
    assert_eq!(timeout(WAIT, reports.recv()).await.expect("in time").as_deref(), Some("error"));
    let _restarted = NodeServer::start(port).await;
    let mut last_attempt = 1;
    loop {
        let report = timeout(WAIT, reports.recv()).await.expect("in time").expect("running");
        if let Some(n) = report.strip_prefix("attempt ") {
            last_attempt = n.parse().expect("a number");
        } else if report != "error" {
            assert_eq!(report, format!("reconnected on {last_attempt}"));
            break;
        }
    }
    assert!(last_attempt >= 2, "the first attempt failed while the server was down");
}

#[tokio::test]
async fn reconnection_gives_up_after_the_allowed_attempts() {
    let port = free_port();
    let server = NodeServer::start(port).await;
    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .transports(&[TransportKind::WebSocket])
        .reconnection_delay(Duration::from_millis(50), Duration::from_millis(100))
        .reconnection_attempts(2)
        .build()
        .expect("the client starts");
    let (sender, mut failed) = mpsc::unbounded_channel();
    client.on_reconnect_failed(move || {
        let _ = sender.send(());
    });
    let socket = client.socket("/");
    connect(&socket).await;
    server.kill().await;
    timeout(WAIT, failed.recv()).await.expect("reconnect_failed in time");
    assert!(!socket.connected());
}

#[tokio::test]
async fn on_any_outgoing_sees_each_emit_as_it_leaves() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = client(port, "websocket");
    let socket = client.socket("/");
    let (sender, mut outgoing) = mpsc::unbounded_channel();
    socket.on_any_outgoing(move |event, args| {
        let args: Vec<Value> = args.to_owned_value().unwrap_or_default();
        let _ = sender.send((event.to_string(), args));
    });
    socket.emit("early", &1).await.expect("buffered until joined");
    connect(&socket).await;
    socket.emit("late", &2).await.expect("sent");
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.push(timeout(WAIT, outgoing.recv()).await.expect("in time").expect("running"));
    }
    assert_eq!(seen, [("early".to_string(), vec![json!(1)]), ("late".to_string(), vec![json!(2)])]);
    server.next(|line| line["event"] == "late").await;
}

async fn binary_round_trips_with_force_base64(transport: TransportKind) {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .transports(&[transport])
        .force_base64(true)
        .ack_timeout(Duration::from_secs(5))
        .build()
        .expect("the client starts");
    let socket = client.socket("/");
    connect(&socket).await;
    let args = Args::from_tuple(&(Binary(Bytes::from_static(&[0, 1, 254, 255])),)).expect("arguments");
    let answer = timeout(WAIT, socket.emit_args_with_ack("echo", args, None)).await.expect("in time").expect("acked");
    let (bytes,): (Binary,) = answer.to_owned_value().expect("the ack's arguments");
    assert_eq!(&bytes.0[..], &[0, 1, 254, 255]);
    let seen = server.next(|line| line["event"] == "echo").await;
    assert_eq!(seen["args"], json!([{"type": "Buffer", "data": [0, 1, 254, 255]}]));
}

#[tokio::test]
async fn binary_round_trips_with_force_base64_over_polling() {
    binary_round_trips_with_force_base64(TransportKind::Polling).await;
}

#[tokio::test]
async fn binary_round_trips_with_force_base64_over_websocket() {
    binary_round_trips_with_force_base64(TransportKind::WebSocket).await;
}

macro_rules! over_each_transport {
    ($($mode:ident),*) => {
        $(
            mod $mode {
                #[tokio::test]
                async fn connect_returns_once_the_namespace_is_joined() {
                    super::connect_returns_once_connected(stringify!($mode)).await;
                }
            }
        )*
    };
}

over_each_transport!(polling, websocket, upgrade);

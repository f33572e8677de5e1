//! Connection options of the Rust client against the real npm `socket.io`
//! 4.8.1 server (`interop/server_socketio.js`): extra headers, auth computed
//! at each (re)connection, the connect timeout, `rememberUpgrade`.

mod client_support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use client_support::{free_port, NodeServer, WAIT};
use http::{HeaderName, HeaderValue};
use runtime_tokio::client::{Client, ClientError, ConnectFuture, Connector, TransportKind};
use runtime_tokio::tokio::{TokioConnector, TokioRuntime};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

async fn extra_headers_reach_the_server(transport: TransportKind) {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = Client::builder(&url(port))
        .transports(&[transport])
        .extra_header(HeaderName::from_static("x-client-test"), HeaderValue::from_static("yes"))
        .build()
        .expect("the client starts");
    timeout(WAIT, client.socket("/").connect()).await.expect("in time").expect("joined");
    let connection = server.next(|line| line.get("connection").is_some()).await;
    assert_eq!(connection["header"], "yes", "{connection}");
}

#[tokio::test]
async fn extra_headers_reach_the_server_over_polling() {
    extra_headers_reach_the_server(TransportKind::Polling).await;
}

#[tokio::test]
async fn extra_headers_reach_the_server_in_the_websocket_handshake() {
    extra_headers_reach_the_server(TransportKind::WebSocket).await;
}

#[tokio::test]
async fn the_auth_callback_is_evaluated_again_at_each_reconnection() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let client = Client::builder(&url(port))
        .transports(&[TransportKind::WebSocket])
        .reconnection_delay(Duration::from_millis(100), Duration::from_millis(300))
        .auth_callback(move || {
            let call = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move { json!({ "call": call }) }
        })
        .build()
        .expect("the client starts");
    let socket = client.socket("/");
    timeout(WAIT, socket.connect()).await.expect("in time").expect("joined");
    let first = server.next(|line| line.get("connection").is_some()).await;
    assert_eq!(first["auth"], json!({"call": 1}));

    server.kill().await;
    let mut restarted = NodeServer::start(port).await;
    let second = restarted.next(|line| line.get("connection").is_some()).await;
    assert_eq!(second["auth"], json!({"call": 2}), "a fresh value, computed for the new connection");
}

#[tokio::test]
async fn a_server_that_never_answers_the_handshake_fails_with_a_connect_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a listener");
    let port = listener.local_addr().expect("its address").port();
    // Accepts connections and never answers them.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = Client::builder(&url(port))
        .timeout(Duration::from_millis(300))
        .reconnection(false)
        .build()
        .expect("the client starts");
    let socket = client.socket("/");
    let (sender, mut errors) = mpsc::unbounded_channel();
    socket.on_connect_error(move |message| {
        let _ = sender.send(message.to_string());
    });
    let outcome = timeout(WAIT, socket.connect()).await.expect("connect answers in time");
    assert!(matches!(&outcome, Err(ClientError::ConnectFailed(message)) if message == "timeout"), "{outcome:?}");
    assert_eq!(errors.recv().await.as_deref(), Some("timeout"));
    silent.abort();
}

/// Joins `/` with a client that upgrades, has the server close the
/// connection once upgraded, and returns the transport the reconnection
/// opened with (a reconnection to a server that stayed up: with
/// `rememberUpgrade` a failed attempt, as during an outage, forgets the
/// WebSocket's success, as in the reference).
async fn transport_of_the_reconnection(remember_upgrade: bool) -> String {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = Client::builder(&url(port))
        .remember_upgrade(remember_upgrade)
        .reconnection_delay(Duration::from_millis(100), Duration::from_millis(300))
        .build()
        .expect("the client starts");
    let socket = client.socket("/");
    timeout(WAIT, socket.connect()).await.expect("in time").expect("joined");
    let first = server.next(|line| line.get("connection").is_some()).await;
    assert_eq!(first["transport"], "polling");
    server.next(|line| line["upgraded"] == "websocket").await;
    socket.emit("drop_connection", &()).await.expect("emitted");
    server.next(|line| line.get("disconnect").is_some()).await;
    let second = server.next(|line| line.get("connection").is_some()).await;
    second["transport"].as_str().expect("a transport name").to_string()
}

#[tokio::test]
async fn remember_upgrade_reconnects_directly_over_websocket() {
    assert_eq!(transport_of_the_reconnection(true).await, "websocket");
}

#[tokio::test]
async fn without_remember_upgrade_a_reconnection_starts_with_polling_again() {
    assert_eq!(transport_of_the_reconnection(false).await, "polling");
}

/// The tokio connector, counting the connections it opens.
#[derive(Debug, Default)]
struct CountingConnector {
    opened: AtomicU32,
}

impl Connector for CountingConnector {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture {
        self.opened.fetch_add(1, Ordering::SeqCst);
        TokioConnector.connect(host, port)
    }
}

#[tokio::test]
async fn polling_requests_reuse_their_connections() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let connector = Arc::new(CountingConnector::default());
    let runtime = Arc::new(TokioRuntime::current().expect("inside tokio"));
    let client = Client::builder(&url(port))
        .transports(&[TransportKind::Polling])
        .ack_timeout(Duration::from_secs(5))
        .build_with(runtime, connector.clone())
        .expect("the client starts");
    let socket = client.socket("/");
    timeout(WAIT, socket.connect()).await.expect("in time").expect("joined");
    for n in 0..20 {
        let (echoed,): (u32,) = timeout(WAIT, socket.emit_with_ack("echo", &n)).await.expect("in time").expect("acked");
        assert_eq!(echoed, n);
    }
    // Each round trip is a POST and a GET: some 40 requests, on a handful of
    // connections (one for the long poll, one for the posts, a few more
    // when a request finds both busy or one closing).
    let opened = connector.opened.load(Ordering::SeqCst);
    assert!(opened <= 6, "{opened} connections for some 40 requests");
}

/// A connect that fails says why: the driver's I/O error reaches the
/// application in the connect error (here, nothing listens on the port).
async fn failed_connect_names_its_cause(transport: TransportKind, what_failed: &str) {
    let url = format!("http://127.0.0.1:{}", free_port());
    let client = Client::builder(&url).transports(&[transport]).reconnection(false).build().expect("a client");
    let outcome = timeout(WAIT, client.socket("/").connect()).await.expect("the connect ends");
    let Err(ClientError::ConnectFailed(message)) = outcome else {
        panic!("a refused connection must fail the connect: {outcome:?}");
    };
    assert!(message.starts_with(what_failed), "{message:?}");
    assert!(message.contains("refused"), "the I/O error is in {message:?}");
    client.close();
}

#[tokio::test]
async fn a_refused_polling_connect_names_the_io_error() {
    failed_connect_names_its_cause(TransportKind::Polling, "GET request failed: ").await;
}

#[tokio::test]
async fn a_refused_websocket_connect_names_the_io_error() {
    failed_connect_names_its_cause(TransportKind::WebSocket, "websocket connection failed: ").await;
}

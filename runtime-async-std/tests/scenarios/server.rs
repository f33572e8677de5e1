//! The server role: the Socket.IO server of runtime `R` against the npm
//! `socket.io-client` 4.8 (`interop/socketio_client.js`).
//!
//! The server has `/` (behind an auth middleware wanting token `secret`;
//! `slow` acks after a pause on `R`'s timer, `fast` at once; `echo` acks
//! with its arguments; `fanout` broadcasts `msg` to a room the socket
//! joined; it emits `bin`, a binary, and asks `welcome` with an ack),
//! `/admin` (`whoami` acks the namespace, `kick` disconnects the socket) and
//! `/private` (always refused). The node client runs one session over a
//! transport mode and prints a JSON report of what it received.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use runtime_async_std::socketio::{AckSender, ConnectError, Handshake, Socket, SocketIo};
use runtime_async_std::socketio_proto::{Args, Binary};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{peers, RuntimeUnderTest, WAIT};

/// How long the node client may run.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the server waits for the client's `welcome` ack.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

async fn require_token(handshake: Arc<Handshake>) -> Result<(), ConnectError> {
    match handshake.auth::<Value>() {
        Some(auth) if auth["token"] == "secret" => Ok(()),
        _ => Err(ConnectError::new("bad token")),
    }
}

/// Starts the server of the module docs on `R`; the client's answer to
/// `welcome` (`welcome:…`) and the server-side disconnections
/// (`disconnect:<namespace>:<reason>`) arrive on the receiver.
pub async fn start_contract_server<R: RuntimeUnderTest>() -> (String, mpsc::UnboundedReceiver<String>) {
    let (addr, io) = R::bind_socketio(SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (answers, received) = mpsc::unbounded_channel();
    let disconnections = answers.clone();
    io.ns("/", move |socket: Socket| {
        let answers = answers.clone();
        async move {
            socket.join("room");
            socket.on("slow", |_socket: Socket, _: Args, ack: Option<AckSender>| async move {
                super::sleep(R::runtime().as_ref(), Duration::from_millis(100)).await;
                if let Some(ack) = ack {
                    ack.send("slow").expect("the connection is open");
                }
            });
            socket.on("fast", |_socket: Socket, _: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send("fast").expect("the connection is open");
                }
            });
            socket.on("fanout", |socket: Socket, args: Args, _ack: Option<AckSender>| async move {
                socket.ns().to("room").emit_args("msg", args);
            });
            socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send_args(args).expect("the connection is open");
                }
            });
            socket.emit("bin", &Binary(Bytes::from_static(&[4, 5, 6]))).expect("emit bin");
            R::runtime().spawn(Box::pin(async move {
                let answer = match socket.emit_with_ack("welcome", "hi", ACK_TIMEOUT).await {
                    Ok(args) => args.deserialize::<(String,)>().map(|(text,)| text).unwrap_or_else(|e| e.to_string()),
                    Err(error) => format!("no answer: {error}"),
                };
                let _ = answers.send(format!("welcome:{answer}"));
            }));
        }
    })
    .middleware(require_token);
    io.ns("/admin", move |socket: Socket| {
        let disconnections = disconnections.clone();
        async move {
            socket.on("whoami", |socket: Socket, _: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send(socket.namespace().trim_start_matches('/')).expect("the connection is open");
                }
            });
            socket.on("kick", |socket: Socket, _: Args, _ack: Option<AckSender>| async move { socket.disconnect() });
            socket.on_disconnect(move |socket: Socket, reason| {
                let disconnections = disconnections.clone();
                async move {
                    let _ = disconnections.send(format!("disconnect:{}:{reason}", socket.namespace()));
                }
            });
        }
    });
    io.ns("/private", |_socket: Socket| async {})
        .middleware(|_handshake| async { Err(ConnectError::new("not authorized")) });
    (format!("http://{addr}"), received)
}

/// The node client, over `mode`, gets everything the server promises, and
/// the server hears its ack and its disconnection.
pub async fn node_client_gets_events_acks_binary_namespaces_and_refusals<R: RuntimeUnderTest>(mode: &str) {
    peers::require_npm("socket.io-client");
    let (url, mut answers) = start_contract_server::<R>().await;
    let report = peers::node("socketio_client.js", &[&url, mode], CLIENT_TIMEOUT).await.ok_report();
    let expected_transport = if mode == "polling" { "polling" } else { "websocket" };
    assert_eq!(report["transport"], expected_transport, "{report}");
    assert_eq!(report["echo"], json!(["hello", [1, 2, 3]]), "text and binary echoed in the ack: {report}");
    assert_eq!(report["bin"], json!([4, 5, 6]), "binary emit from the server: {report}");
    assert_eq!(report["welcome"], "hi", "{report}");
    assert_eq!(report["whoami"], "admin", "ack from /admin: {report}");
    assert_eq!(report["privateError"], "not authorized", "middleware refusal: {report}");
    assert_ne!(report["rootId"], report["adminId"], "one socket id per namespace: {report}");
    assert_eq!(report["handlerOrder"], json!(["slow", "fast"]), "one socket's handlers run in order: {report}");
    let fanout: Vec<u64> = (0..50).collect();
    assert_eq!(report["fanout"], json!(fanout), "room broadcasts arrive once each, in order: {report}");
    assert_eq!(report["adminDisconnect"], "io server disconnect", "{report}");
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let next = peers::within(WAIT, answers.recv()).await;
        heard.push(next.expect("the server hears back in time").expect("the server runs"));
    }
    heard.sort();
    assert_eq!(
        heard,
        ["disconnect:/admin:server namespace disconnect", "welcome:thanks"],
        "the welcome ack reached emit_with_ack; on_disconnect ran"
    );
}

//! The Rust client in Engine.IO 3 / Socket.IO 4 mode (for socket.io 2.x
//! servers) against the real npm `socket.io` 4.8.1 server with `allowEIO3`
//! (`interop/server_socketio.js` with `ALLOW_EIO3=1`), over polling only,
//! WebSocket only, and polling upgraded to WebSocket: events and acks both
//! ways, binary, namespaces multiplexed on one connection.

mod client_support;

use std::time::Duration;

use bytes::Bytes;
use client_support::{free_port, NodeServer, WAIT};
use runtime_tokio::client::{Args, Client, ProtocolVersion, TransportKind};
use serde_json::{json, Value};
use socketio_proto::Binary;
use tokio::sync::mpsc;
use tokio::time::timeout;

async fn eio3_server(port: u16) -> NodeServer {
    NodeServer::start_script("server_socketio.js", port, &[("ALLOW_EIO3", "1")]).await
}

fn eio3_client(port: u16, mode: &str) -> Client {
    let (transports, upgrade): (&[TransportKind], bool) = match mode {
        "polling" => (&[TransportKind::Polling], false),
        "websocket" => (&[TransportKind::WebSocket], false),
        _ => (&[TransportKind::Polling, TransportKind::WebSocket], true),
    };
    Client::builder(&format!("http://127.0.0.1:{port}"))
        .protocol(ProtocolVersion::V3)
        .transports(transports)
        .upgrade(upgrade)
        .ack_timeout(Duration::from_secs(5))
        .build()
        .expect("the client starts")
}

async fn namespaces_events_acks_and_binary(mode: &str) {
    let port = free_port();
    let mut server = eio3_server(port).await;
    let client = eio3_client(port, mode);
    let main = client.socket("/");
    let admin = client.socket("/admin");
    let (sender, mut hellos) = mpsc::unbounded_channel();
    admin.on("hello", move |(text, namespace): (String, String), _ack| {
        let _ = sender.send((text, namespace));
    });
    admin.on("question", |(question,): (String,), ack| {
        if let Some(ack) = ack {
            ack.send(&format!("v2 answer to {question}")).expect("the client runs");
        }
    });
    timeout(WAIT, main.connect()).await.expect("in time").expect("/ joined");
    timeout(WAIT, admin.connect()).await.expect("in time").expect("/admin joined");
    let hello = timeout(WAIT, hellos.recv()).await.expect("hello in time");
    assert_eq!(hello, Some(("world".to_string(), "/admin".to_string())));

    let args = Args::from_tuple(&("bytes", Binary(Bytes::from_static(&[1, 2, 3])))).expect("arguments");
    let answer = timeout(WAIT, admin.emit_args_with_ack("echo", args, None)).await.expect("in time").expect("acked");
    let (label, bytes): (String, Binary) = answer.to_owned_value().expect("the ack's arguments");
    assert_eq!((label.as_str(), &bytes.0[..]), ("bytes", &[1u8, 2, 3][..]));
    let seen = server.next(|line| line["event"] == "echo").await;
    assert_eq!(seen["nsp"], "/admin");
    assert_eq!(seen["args"], json!(["bytes", {"type": "Buffer", "data": [1, 2, 3]}]));

    let reply: (Value,) =
        timeout(WAIT, main.emit_with_ack("echo", &json!({"on": "/"}))).await.expect("in time").expect("acked on /");
    assert_eq!(reply.0, json!({"on": "/"}));

    admin.emit("ask", &"life").await.expect("emitted");
    let line = server.next(|line| line.get("answer").is_some() || line.get("answerError").is_some()).await;
    assert_eq!(line["answer"], "v2 answer to life", "{line}");
}

#[tokio::test]
async fn namespaces_events_acks_and_binary_over_polling() {
    namespaces_events_acks_and_binary("polling").await;
}

#[tokio::test]
async fn namespaces_events_acks_and_binary_over_websocket() {
    namespaces_events_acks_and_binary("websocket").await;
}

#[tokio::test]
async fn namespaces_events_acks_and_binary_over_an_upgraded_connection() {
    namespaces_events_acks_and_binary("upgrade").await;
}

#[tokio::test]
async fn the_server_refuses_an_eio3_client_without_allow_eio3() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .protocol(ProtocolVersion::V3)
        .transports(&[TransportKind::Polling])
        .reconnection(false)
        .build()
        .expect("the client starts");
    let outcome = timeout(WAIT, client.socket("/").connect()).await.expect("connect answers in time");
    assert!(outcome.is_err(), "{outcome:?}");
}

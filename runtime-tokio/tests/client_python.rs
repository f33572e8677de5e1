//! The Rust client against the python-socketio server (ASGI under uvicorn,
//! `interop/python/socketio_server.py`, pinned in
//! `interop/python/requirements.txt`), over polling only, WebSocket only,
//! and polling upgraded to WebSocket: events and acks both ways, binary,
//! namespaces multiplexed on one connection, auth.

mod client_support;

use std::time::Duration;

use bytes::Bytes;
use client_support::{free_port, NodeServer, WAIT};
use runtime_tokio::client::{Args, Client, TransportKind};
use serde_json::{json, Value};
use socketio_proto::Binary;
use tokio::sync::mpsc;
use tokio::time::timeout;

fn client(port: u16, mode: &str) -> Client {
    let (transports, upgrade): (&[TransportKind], bool) = match mode {
        "polling" => (&[TransportKind::Polling], false),
        "websocket" => (&[TransportKind::WebSocket], false),
        _ => (&[TransportKind::Polling, TransportKind::WebSocket], true),
    };
    Client::builder(&format!("http://127.0.0.1:{port}"))
        .transports(transports)
        .upgrade(upgrade)
        .auth(json!({"token": "py"}))
        .ack_timeout(Duration::from_secs(5))
        .build()
        .expect("the client starts")
}

async fn namespaces_events_acks_and_binary(mode: &str) {
    let port = free_port();
    let mut server = NodeServer::start_python(port).await;
    let client = client(port, mode);
    let main = client.socket("/");
    let admin = client.socket("/admin");
    let (sender, mut hellos) = mpsc::unbounded_channel();
    admin.on("hello", move |(text, namespace): (String, String), _ack| {
        let _ = sender.send((text, namespace));
    });
    admin.on("question", |(question,): (String,), ack| {
        if let Some(ack) = ack {
            ack.send(&format!("rust answers {question}")).expect("the client runs");
        }
    });
    timeout(WAIT, main.connect()).await.expect("in time").expect("/ joined");
    timeout(WAIT, admin.connect()).await.expect("in time").expect("/admin joined");
    let hello = timeout(WAIT, hellos.recv()).await.expect("hello in time");
    assert_eq!(hello, Some(("world".to_string(), "/admin".to_string())));
    let connection = server.next(|line| line["connection"] == "/admin").await;
    assert_eq!(connection["auth"], json!({"token": "py"}));

    let args = Args::from_tuple(&("bytes", Binary(Bytes::from_static(&[9, 8, 7])))).expect("arguments");
    let answer = timeout(WAIT, admin.emit_args_with_ack("echo", args, None)).await.expect("in time").expect("acked");
    let (label, bytes): (String, Binary) = answer.to_owned_value().expect("the ack's arguments");
    assert_eq!((label.as_str(), &bytes.0[..]), ("bytes", &[9u8, 8, 7][..]));
    let seen = server.next(|line| line["event"] == "echo").await;
    assert_eq!((seen["nsp"].clone(), seen["args"].clone()), (json!("/admin"), json!(["bytes", {"_binary": "CQgH"}])));

    let reply: (Value,) =
        timeout(WAIT, main.emit_with_ack("echo", &json!({"on": "/"}))).await.expect("in time").expect("acked on /");
    assert_eq!(reply.0, json!({"on": "/"}));

    main.emit("note", &"plain").await.expect("emitted");
    let note = server.next(|line| line["event"] == "note").await;
    assert_eq!((note["nsp"].clone(), note["args"].clone()), (json!("/"), json!(["plain"])));

    admin.emit("ask", &"life").await.expect("emitted");
    let line = server.next(|line| line.get("answer").is_some() || line.get("answerError").is_some()).await;
    assert_eq!(line["answer"], "rust answers life", "{line}");
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

//! The Rust client in Socket.IO v2 mode against a server that writes
//! go-socket.io's frames byte for byte (go-socket.io itself is not installed
//! here): a raw WebSocket server on 127.0.0.1 whose JSON ends in a newline,
//! whose namespace CONNECT reply carries `[]`, and which sends an ACK without
//! id. The JS 2.x client (socket.io-parser 3) takes all of it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use runtime_tokio::client::{Client, ProtocolVersion, TransportKind};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

const WAIT: Duration = Duration::from_secs(15);

type Ws = WebSocketStream<tokio::net::TcpStream>;

/// The next text frame from the client, skipping its heartbeats.
async fn next_frame(ws: &mut Ws) -> String {
    loop {
        let message = timeout(WAIT, ws.next())
            .await
            .expect("the client writes in time")
            .expect("the WebSocket stays open")
            .expect("the WebSocket reads");
        if let Message::Text(text) = message {
            if text.as_str() != "2" {
                return text.to_string();
            }
        }
    }
}

async fn send(ws: &mut Ws, frame: &str) {
    ws.send(Message::text(frame)).await.expect("the frame is written");
}

/// Plays go-socket.io's side of the session; returns what the client sent.
async fn go_socketio_server(listener: TcpListener) -> Vec<String> {
    let (stream, _) = listener.accept().await.expect("the client connects");
    let mut ws = tokio_tungstenite::accept_async(stream).await.expect("the WebSocket handshake");
    let mut received = Vec::new();
    send(&mut ws, "0{\"sid\":\"6\",\"upgrades\":[],\"pingInterval\":20000,\"pingTimeout\":60000}\n").await;
    send(&mut ws, "40").await;
    received.push(next_frame(&mut ws).await);
    send(&mut ws, "40/admin,[]\n").await;
    send(&mut ws, "42/admin,[\"welcome\",{\"ns\":\"/admin\"}]\n").await;
    // Two events with acks on `/` (ids 0 and 1).
    received.push(next_frame(&mut ws).await);
    received.push(next_frame(&mut ws).await);
    send(&mut ws, "431[\"hi\"]\n").await;
    send(&mut ws, "43[\"hi\"]\n").await;
    // The session survives the ACK without id: this answer still arrives.
    send(&mut ws, "430[\"hi\"]\n").await;
    received.push(next_frame(&mut ws).await);
    received
}

#[tokio::test]
async fn client_joins_two_namespaces_and_gets_its_acks_from_go_socketio_frames() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a listener");
    let port = listener.local_addr().expect("its address").port();
    let server = tokio::spawn(go_socketio_server(listener));

    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .protocol(ProtocolVersion::V3)
        .transports(&[TransportKind::WebSocket])
        .upgrade(false)
        .reconnection(false)
        .build()
        .expect("the client starts");
    let main = client.socket("/");
    let admin = client.socket("/admin");
    let (sender, mut welcomes) = mpsc::unbounded_channel();
    admin.on("welcome", move |(payload,): (Value,), _ack| {
        let _ = sender.send(payload);
    });
    timeout(WAIT, main.connect()).await.expect("in time").expect("/ joined");
    timeout(WAIT, admin.connect()).await.expect("in time").expect("/admin joined");
    let welcome = timeout(WAIT, welcomes.recv()).await.expect("the welcome in time");
    assert_eq!(welcome, Some(json!({"ns": "/admin"})));

    let first = main.emit_with_ack::<_, (String,)>("ask", &"first");
    let second = main.emit_with_ack::<_, (String,)>("ask", &"second");
    let (first, second) = timeout(WAIT, async { tokio::join!(first, second) }).await.expect("both acks in time");
    assert_eq!(first.expect("the first ack (id 0)"), ("hi".to_owned(),));
    assert_eq!(second.expect("the second ack (id 1)"), ("hi".to_owned(),));
    assert!(main.connected() && admin.connected(), "both namespaces stay joined");

    main.emit("bye", &"now").await.expect("emitted");
    let received = timeout(WAIT, server).await.expect("the server ends in time").expect("the server runs");
    assert_eq!(
        received,
        ["40/admin,", "420[\"ask\",\"first\"]", "421[\"ask\",\"second\"]", "42[\"bye\",\"now\"]"],
        "the frames the client sent"
    );
}

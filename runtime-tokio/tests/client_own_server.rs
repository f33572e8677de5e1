//! The Rust client against this crate's own Socket.IO server
//! (`runtime_tokio::socketio`), over polling only, WebSocket only, and
//! polling upgraded to WebSocket: events and acks both ways, binary,
//! namespaces multiplexed on one connection, auth and extra headers.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use runtime_tokio::client::{Args, Client, TransportKind};
use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use serde_json::{json, Value};
use socketio_proto::Binary;
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(15);

/// What the server saw.
#[derive(Debug, PartialEq)]
enum Seen {
    /// A connection: namespace, auth, `x-client-test` header.
    Connection(String, Value, Option<String>),
    /// The client's answer to `question`.
    Answer(String),
}

/// A server whose `/` and `/admin` acknowledge `echo` with its arguments,
/// greet each socket with `hello` and ask it `question` (with an ack).
async fn start_server() -> (String, mpsc::UnboundedReceiver<Seen>) {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (seen, reports) = mpsc::unbounded_channel();
    for namespace in ["/", "/admin"] {
        let seen = seen.clone();
        io.ns(namespace, move |socket: Socket| {
            let seen = seen.clone();
            async move {
                let handshake = socket.handshake();
                let auth = handshake.auth::<Value>().unwrap_or(Value::Null);
                let header =
                    handshake.headers().get("x-client-test").and_then(|value| value.to_str().ok()).map(str::to_string);
                let _ = seen.send(Seen::Connection(handshake.namespace().to_string(), auth, header));
                socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
                    if let Some(ack) = ack {
                        let _ = ack.send_args(args);
                    }
                });
                let _ = socket.emit("hello", &"world");
                tokio::spawn(async move {
                    let answer = match socket.emit_with_ack("question", "q", Duration::from_secs(5)).await {
                        Ok(args) => args.to_owned_value::<(String,)>().map(|(text,)| text).unwrap_or_default(),
                        Err(error) => format!("no answer: {error}"),
                    };
                    let _ = seen.send(Seen::Answer(answer));
                });
            }
        });
    }
    (format!("http://{addr}"), reports)
}

async fn events_acks_binary_and_namespaces(mode: &str) {
    let (url, mut seen) = start_server().await;
    let (transports, upgrade): (&[TransportKind], bool) = match mode {
        "polling" => (&[TransportKind::Polling], false),
        "websocket" => (&[TransportKind::WebSocket], false),
        _ => (&[TransportKind::Polling, TransportKind::WebSocket], true),
    };
    let client = Client::builder(&url)
        .transports(transports)
        .upgrade(upgrade)
        .auth(json!({"token": "own"}))
        .extra_header(HeaderName::from_static("x-client-test"), HeaderValue::from_static("own"))
        .ack_timeout(Duration::from_secs(5))
        .build()
        .expect("the client starts");
    let admin = client.socket("/admin");
    let (sender, mut hellos) = mpsc::unbounded_channel();
    admin.on("hello", move |(text,): (String,), _ack| {
        let _ = sender.send(text);
    });
    admin.on("question", |(question,): (String,), ack| {
        if let Some(ack) = ack {
            let _ = ack.send(&format!("answer to {question}"));
        }
    });
    timeout(WAIT, admin.connect()).await.expect("in time").expect("/admin joined");
    assert_eq!(timeout(WAIT, hellos.recv()).await.expect("hello in time").as_deref(), Some("world"));
    let connection = timeout(WAIT, seen.recv()).await.expect("in time");
    let expected = Seen::Connection("/admin".into(), json!({"token": "own"}), Some("own".into()));
    assert_eq!(connection, Some(expected));
    assert_eq!(timeout(WAIT, seen.recv()).await.expect("in time"), Some(Seen::Answer("answer to q".into())));

    let args = Args::from_tuple(&(1, Binary(Bytes::from_static(b"\x00\xff")))).expect("arguments");
    let answer = timeout(WAIT, admin.emit_args_with_ack("echo", args, None)).await.expect("in time").expect("acked");
    let (number, bytes): (u32, Binary) = answer.to_owned_value().expect("the ack's arguments");
    assert_eq!((number, &bytes.0[..]), (1, &b"\x00\xff"[..]));

    let main = client.socket("/");
    timeout(WAIT, main.connect()).await.expect("in time").expect("/ joined on the same connection");
    let (echoed,): (Value,) =
        timeout(WAIT, main.emit_with_ack("echo", &json!({"on": "/"}))).await.expect("in time").expect("acked");
    assert_eq!(echoed, json!({"on": "/"}));
}

#[tokio::test]
async fn events_acks_binary_and_namespaces_over_polling() {
    events_acks_binary_and_namespaces("polling").await;
}

#[tokio::test]
async fn events_acks_binary_and_namespaces_over_websocket() {
    events_acks_binary_and_namespaces("websocket").await;
}

#[tokio::test]
async fn events_acks_binary_and_namespaces_over_an_upgraded_connection() {
    events_acks_binary_and_namespaces("upgrade").await;
}

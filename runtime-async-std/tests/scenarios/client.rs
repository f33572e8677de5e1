//! The client role: the Socket.IO client of runtime `R` against the npm
//! `socket.io` 4.8 server (`interop/server_socketio.js`: on connection it
//! emits `hello` ("world", namespace); `echo` acks with its arguments; `ask`
//! asks the client `question` with an ack and prints the answer; it prints
//! every event it receives), and in Socket.IO v2 mode against a stand-in
//! for go-socket.io that writes its exact frames.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use runtime_async_std::client::{Client, ClientError, ProtocolVersion, TransportKind};

use super::go_socketio::{GoSocketIoServer, EXPECTED_FROM_CLIENT};
use super::peers::{free_port, within, NodeServer};
use super::{client, transports, RuntimeUnderTest, WAIT};

/// Events and acks go both ways between the client and the node server.
pub async fn client_exchanges_events_and_acks_with_the_node_server<R: RuntimeUnderTest>(mode: &str) {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = client::<R>(&format!("http://127.0.0.1:{port}"), mode);
    let socket = client.socket("/");
    let (hello_sender, mut hellos) = mpsc::unbounded_channel();
    socket.on("hello", move |(text, namespace): (String, String), _ack| {
        let _ = hello_sender.send((text, namespace));
    });
    socket.on("question", |(question,): (String,), ack| {
        if let Some(ack) = ack {
            ack.send(&format!("answer to {question}")).expect("the client is running");
        }
    });
    within(WAIT, socket.connect()).await.expect("connect answers in time").expect("the namespace is joined");

    let hello = within(WAIT, hellos.recv()).await.expect("hello in time");
    assert_eq!(hello, Some(("world".to_owned(), "/".to_owned())), "the server's event reached the handler");
    let (echoed,): (Value,) =
        within(WAIT, socket.emit_with_ack("echo", &json!({"n": 1}))).await.expect("in time").expect("acknowledged");
    assert_eq!(echoed, json!({"n": 1}), "the server's ack came back");
    socket.emit("ask", &"life").await.expect("emitted");
    let line = server.next(|line| line.get("answer").is_some() || line.get("answerError").is_some()).await;
    assert_eq!(line["answer"], "answer to life", "the client's handler answered the server's ack: {line}");
}

/// Emits made while the node server is down are buffered and arrive once,
/// in order, after it restarts on the same port.
pub async fn emits_while_the_server_is_down_arrive_once_in_order_after_restart<R: RuntimeUnderTest>(mode: &str) {
    let port = free_port();
    let server = NodeServer::start(port).await;
    let client = client::<R>(&format!("http://127.0.0.1:{port}"), mode);
    let socket = client.socket("/");
    let (disconnect_sender, mut disconnects) = mpsc::unbounded_channel();
    socket.on_disconnect(move |reason| {
        let _ = disconnect_sender.send(reason);
    });
    within(WAIT, socket.connect()).await.expect("connect answers in time").expect("the namespace is joined");

    server.kill().await;
    within(WAIT, disconnects.recv()).await.expect("the client sees the server go");
    assert!(!socket.connected());
    for seq in 0..10 {
        socket.emit("seq", &seq).await.expect("buffered while disconnected");
    }

    let mut restarted = NodeServer::start(port).await;
    let mut received = Vec::new();
    while received.len() < 10 {
        let line = restarted.next(|line| line["event"] == "seq").await;
        received.push(line["args"][0].clone());
    }
    let late: Vec<Value> = restarted
        .lines_within(Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|line| line["event"] == "seq")
        .collect();
    assert_eq!(received, (0..10).map(|seq| json!(seq)).collect::<Vec<_>>(), "all ten, in order");
    assert!(late.is_empty(), "no event twice: {late:?}");
    assert!(socket.connected());
}

/// The client in Socket.IO v2 mode against go-socket.io's exact frames (a
/// stand-in server: JSON ending in a newline, `40/admin,[]\n` as the
/// namespace CONNECT reply, an ACK without id): both namespaces join, the
/// welcome event arrives, both acks resolve, and the session survives.
pub async fn client_in_v2_mode_takes_go_socketio_frames<R: RuntimeUnderTest>(_mode: &str) {
    let server = GoSocketIoServer::start();
    let builder = Client::builder(&format!("http://127.0.0.1:{}", server.port))
        .protocol(ProtocolVersion::V3)
        .transports(&[TransportKind::WebSocket])
        .upgrade(false)
        .reconnection(false);
    let client = R::build_client(builder).expect("the client starts");
    let main = client.socket("/");
    let admin = client.socket("/admin");
    let (sender, mut welcomes) = mpsc::unbounded_channel();
    admin.on("welcome", move |(payload,): (Value,), _ack| {
        let _ = sender.send(payload);
    });
    within(WAIT, main.connect()).await.expect("in time").expect("/ joined");
    within(WAIT, admin.connect()).await.expect("in time").expect("/admin joined");
    let welcome = within(WAIT, welcomes.recv()).await.expect("the welcome in time");
    assert_eq!(welcome, Some(json!({"ns": "/admin"})));

    let first = main.emit_with_ack::<_, (String,)>("ask", &"first");
    let second = main.emit_with_ack::<_, (String,)>("ask", &"second");
    let (first, second) = within(WAIT, futures_util::future::join(first, second)).await.expect("both acks in time");
    assert_eq!(first.expect("the first ack (id 0)"), ("hi".to_owned(),));
    assert_eq!(second.expect("the second ack (id 1)"), ("hi".to_owned(),));
    assert!(main.connected() && admin.connected(), "both namespaces stay joined");

    main.emit("bye", &"now").await.expect("emitted");
    let frames = within(WAIT, server.frames()).await.expect("the session ends in time");
    assert_eq!(frames, EXPECTED_FROM_CLIENT, "the frames the client sent");
}

/// In Socket.IO v2 mode the auth goes where the JS 2.x client puts its
/// `query`: the npm `socket.io` 4.8 server with `allowEIO3` admits the
/// token on `/private` (a middleware on `handshake.auth.token`), refuses a
/// wrong one, and shows the token to `/` as `handshake.query`.
pub async fn client_in_v2_mode_sends_its_auth_where_a_v2_client_sends_its_query<R: RuntimeUnderTest>(mode: &str) {
    let port = free_port();
    let mut server = NodeServer::start_with_env(port, &[("ALLOW_EIO3", "1")]).await;
    let url = format!("http://127.0.0.1:{port}");
    let v2_client = |token: &str| {
        let (kinds, upgrade) = transports(mode);
        let builder = Client::builder(&url)
            .protocol(ProtocolVersion::V3)
            .transports(kinds)
            .upgrade(upgrade)
            .reconnection(false)
            .auth(json!({"token": token}));
        R::build_client(builder).expect("the client starts")
    };

    let client = v2_client("s3cret");
    let main = client.socket("/");
    let private = client.socket("/private");
    within(WAIT, main.connect()).await.expect("in time").expect("/ joined");
    within(WAIT, private.connect()).await.expect("in time").expect("/private admits the token");
    let root = server.next(|line| line["connection"] == "/").await;
    assert_eq!(root["query"]["token"], "s3cret", "{root}");
    let admitted = server.next(|line| line["connection"] == "/private").await;
    assert_eq!(admitted["auth"], json!({"token": "s3cret"}));

    let refused = v2_client("wrong").socket("/private");
    let outcome = within(WAIT, refused.connect()).await.expect("in time");
    assert!(matches!(&outcome, Err(ClientError::ConnectFailed(message)) if message == "not authorized"), "{outcome:?}");
}

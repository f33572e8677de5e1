//! The client role: the Socket.IO client of runtime `R` against the npm
//! `socket.io` 4.8 server (`interop/server_socketio.js`: on connection it
//! emits `hello` ("world", namespace); `echo` acks with its arguments; `ask`
//! asks the client `question` with an ack and prints the answer; it prints
//! every event it receives).

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::peers::{free_port, within, NodeServer};
use super::{client, RuntimeUnderTest, WAIT};

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

//! Cross-runtime pairs: the Rust client on runtime `C` against the Rust
//! server on runtime `S` (the same runtime on both sides included).

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::greeting::start_greeting_server;
use super::peers::within;
use super::{client, RuntimeUnderTest, WAIT};

/// Events and acks go both ways between a client on `C` and the greeting
/// server on `S` over `mode`.
pub async fn client_and_server_exchange_events_and_acks<C: RuntimeUnderTest, S: RuntimeUnderTest>(mode: &str) {
    let (url, mut answers) = start_greeting_server::<S>().await;
    let client = client::<C>(&url, mode);
    let socket = client.socket("/");
    let (hello_sender, mut hellos) = mpsc::unbounded_channel();
    socket.on("hello", move |(text,): (String,), _ack| {
        let _ = hello_sender.send(text);
    });
    socket.on("welcome", |(greeting,): (String,), ack| {
        if let Some(ack) = ack {
            ack.send(&if greeting == "hi" { "thanks" } else { "what?" }).expect("the client is running");
        }
    });
    within(WAIT, socket.connect()).await.expect("connect answers in time").expect("the namespace is joined");

    let hello = within(WAIT, hellos.recv()).await.expect("hello in time");
    assert_eq!(hello.as_deref(), Some("world"), "the server's event reached the client");
    let (echoed,): (Value,) = within(WAIT, socket.emit_with_ack("echo", &json!({"text": "hi", "n": [1, 2]})))
        .await
        .expect("in time")
        .expect("acknowledged");
    assert_eq!(echoed, json!({"text": "hi", "n": [1, 2]}), "the server's ack carried the arguments back");
    let answer = within(WAIT, answers.recv()).await.expect("the server's ack in time");
    assert_eq!(answer.as_deref(), Some("thanks"), "the client's ack reached the server");
}

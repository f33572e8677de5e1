//! Cross-runtime pairs: the Rust client on runtime `C` against the Rust
//! server on runtime `S` (the same runtime on both sides included).

use runtime_async_std::socketio::{AckSender, Socket, SocketIo};
use runtime_async_std::socketio_proto::Args;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::peers::within;
use super::{client, RuntimeUnderTest, WAIT};

/// Events and acks go both ways between a client on `C` and a server on `S`
/// over `mode`: the server greets, echoes in its ack, and asks the client a
/// question whose ack it reports.
pub async fn client_and_server_exchange_events_and_acks<C: RuntimeUnderTest, S: RuntimeUnderTest>(mode: &str) {
    let (addr, io) = S::bind_socketio(SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (answer_sender, mut answers) = mpsc::unbounded_channel();
    io.ns("/", move |socket: Socket| {
        let answer_sender = answer_sender.clone();
        async move {
            socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send_args(args).expect("the connection is open");
                }
            });
            socket.emit("hello", &"world").expect("emit hello");
            S::runtime().spawn(Box::pin(async move {
                let answer = socket.emit_with_ack("question", "life", WAIT).await;
                let _ = answer_sender.send(answer.map(|args| args.deserialize::<(String,)>().ok()));
            }));
        }
    });

    let client = client::<C>(&format!("http://{addr}"), mode);
    let socket = client.socket("/");
    let (hello_sender, mut hellos) = mpsc::unbounded_channel();
    socket.on("hello", move |(text,): (String,), _ack| {
        let _ = hello_sender.send(text);
    });
    socket.on("question", |(question,): (String,), ack| {
        if let Some(ack) = ack {
            ack.send(&format!("answer to {question}")).expect("the client is running");
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
    let answer = within(WAIT, answers.recv()).await.expect("the server's ack in time").expect("the server runs");
    let answer = answer.expect("the client acknowledged");
    assert_eq!(answer, Some(("answer to life".to_owned(),)), "the client's ack reached the server");
}

//! The greeting server: on runtime `S`, `/` acks `echo` with its arguments
//! (binary included), emits `hello` ("world") to each new socket and asks it
//! `welcome` ("hi") with an ack, whose answer the test reads. The server of
//! the cross-runtime pairs and of the python-socketio client.

use std::time::Duration;

use runtime_async_std::socketio::{AckSender, Socket, SocketIo};
use runtime_async_std::socketio_proto::Args;
use tokio::sync::mpsc;

use super::RuntimeUnderTest;

/// How long the server waits for the answer to `welcome`.
const WELCOME_ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the greeting server on `S`: its URL, and the answers to `welcome`
/// (the answer's first argument, or what went wrong).
pub async fn start_greeting_server<S: RuntimeUnderTest>() -> (String, mpsc::UnboundedReceiver<String>) {
    let (addr, io) = S::bind_socketio(SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (answer_sender, answers) = mpsc::unbounded_channel();
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
                let answer = match socket.emit_with_ack("welcome", "hi", WELCOME_ACK_TIMEOUT).await {
                    Ok(args) => args.deserialize::<(String,)>().map(|(text,)| text).unwrap_or_else(|e| e.to_string()),
                    Err(error) => format!("no answer: {error}"),
                };
                let _ = answer_sender.send(answer);
            }));
        }
    });
    (format!("http://{addr}"), answers)
}

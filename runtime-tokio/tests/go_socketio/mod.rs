//! A stand-in for go-socket.io (a Socket.IO v2 server in Go, Engine.IO 3
//! only; not installed here): a raw WebSocket server on 127.0.0.1 that writes
//! go-socket.io's frames byte for byte. Its JSON ends in a newline, its
//! namespace CONNECT reply carries `[]`, and it sends an ACK without id.
//!
//! Executor-neutral: the server runs on a thread of its own with its own
//! tokio runtime, so the client under test may run on any executor.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// How long the server waits for each frame of the client.
const FRAME_WAIT: Duration = Duration::from_secs(15);

type Ws = WebSocketStream<tokio::net::TcpStream>;

/// The frames the client must send, in order, for the session to complete:
/// `/admin`'s CONNECT, two events with acks on `/` (ids 0 and 1), then a
/// last event showing the session survived the ACK without id.
pub const EXPECTED_FROM_CLIENT: [&str; 4] =
    ["40/admin,", "420[\"ask\",\"first\"]", "421[\"ask\",\"second\"]", "42[\"bye\",\"now\"]"];

/// The running server: its port, and what the client sent once the session ends.
pub struct GoSocketIoServer {
    /// Where it listens (`http://127.0.0.1:<port>`).
    pub port: u16,
    received: oneshot::Receiver<std::thread::Result<Result<Vec<String>, String>>>,
}

impl GoSocketIoServer {
    /// Binds 127.0.0.1 and serves one session on a thread of its own.
    pub fn start() -> GoSocketIoServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
        let port = listener.local_addr().expect("its address").port();
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let (sender, received) = oneshot::channel();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).map_err(|error| error.to_string())?;
                    serve(listener).await
                })
            });
            let _ = sender.send(outcome);
        });
        GoSocketIoServer { port, received }
    }

    /// The frames the client sent (heartbeats left out), once the session
    /// ran to its end; panics with the server's reason otherwise.
    pub async fn frames(self) -> Vec<String> {
        match self.received.await.expect("the server thread answers") {
            Ok(Ok(frames)) => frames,
            Ok(Err(reason)) => panic!("the go-socket.io stand-in stopped: {reason}"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The next text frame from the client, skipping its heartbeats.
async fn next_frame(ws: &mut Ws) -> Result<String, String> {
    loop {
        let message = tokio::time::timeout(FRAME_WAIT, ws.next())
            .await
            .map_err(|_| String::from("no frame from the client in time"))?
            .ok_or_else(|| String::from("the client closed the WebSocket"))?
            .map_err(|error| error.to_string())?;
        if let Message::Text(text) = message {
            if text.as_str() != "2" {
                return Ok(text.to_string());
            }
        }
    }
}

async fn send(ws: &mut Ws, frame: &str) -> Result<(), String> {
    ws.send(Message::text(frame)).await.map_err(|error| error.to_string())
}

/// Plays go-socket.io's side of one session.
async fn serve(listener: tokio::net::TcpListener) -> Result<Vec<String>, String> {
    let (stream, _) = tokio::time::timeout(FRAME_WAIT, listener.accept())
        .await
        .map_err(|_| String::from("no client connected in time"))?
        .map_err(|error| error.to_string())?;
    let mut ws = tokio_tungstenite::accept_async(stream).await.map_err(|error| error.to_string())?;
    let mut received = Vec::new();
    send(&mut ws, "0{\"sid\":\"6\",\"upgrades\":[],\"pingInterval\":20000,\"pingTimeout\":60000}\n").await?;
    send(&mut ws, "40").await?;
    received.push(next_frame(&mut ws).await?);
    send(&mut ws, "40/admin,[]\n").await?;
    send(&mut ws, "42/admin,[\"welcome\",{\"ns\":\"/admin\"}]\n").await?;
    received.push(next_frame(&mut ws).await?);
    received.push(next_frame(&mut ws).await?);
    send(&mut ws, "431[\"hi\"]\n").await?;
    send(&mut ws, "43[\"hi\"]\n").await?;
    // Answers the first ack only after the ACK without id.
    send(&mut ws, "430[\"hi\"]\n").await?;
    received.push(next_frame(&mut ws).await?);
    Ok(received)
}

//! A Socket.IO client on tokio: connects to `http://127.0.0.1:3000` (or the
//! URL given as first argument), prints the server's `hello`, emits `echo`
//! with an acknowledgement and prints the answer.
//!
//! Try it against the reference server: `node interop/server_socketio.js 3000`,
//! then `cargo run -p runtime-tokio --example client`.

use std::time::Duration;

use runtime_tokio::client::{Client, ClientError};

#[tokio::main]
async fn main() -> Result<(), ClientError> {
    let url = std::env::args().nth(1).unwrap_or_else(|| String::from("http://127.0.0.1:3000"));
    let client = Client::builder(&url).ack_timeout(Duration::from_secs(5)).build()?;
    let socket = client.socket("/");
    socket.on("hello", |args: Vec<serde_json::Value>, _ack| println!("server says hello: {args:?}"));
    socket.on_disconnect(|reason| println!("disconnected: {reason}"));
    tokio::time::timeout(Duration::from_secs(10), socket.connect())
        .await
        .map_err(|_| ClientError::ConnectFailed(format!("{url} did not answer within 10 s")))??;
    println!("connected to {url}");
    socket.emit("chat", &"hello from Rust").await?;
    let answer: (String,) = socket.emit_with_ack("echo", &"ping").await?;
    println!("echo acknowledged with {answer:?}");
    client.close();
    Ok(())
}

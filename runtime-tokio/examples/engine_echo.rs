//! An Engine.IO echo server on tokio: every message a client sends comes
//! back to it, text as text and binary as binary, over polling, WebSocket or
//! both (with the upgrade). Engine.IO v3 clients are accepted too.
//!
//! ```text
//! PORT=3000 cargo run -p runtime-tokio --example engine_echo
//! curl 'http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling'
//! ```

use engineio_proto::server::ServerConfig;
use runtime_tokio::engine::{EngineOptions, EngineSocket, Event};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let options = EngineOptions::default().with_config(ServerConfig::default().with_eio3(true));
    let (addr, _server, mut connections) = runtime_tokio::tokio::bind(("127.0.0.1", port), options).await?;
    eprintln!("Engine.IO echo on http://{addr}/engine.io/");
    while let Some(socket) = connections.accept().await {
        tokio::spawn(echo(socket));
    }
    Ok(())
}

async fn echo(mut socket: EngineSocket) {
    let sid = socket.id().clone();
    eprintln!("{sid}: open");
    while let Some(event) = socket.recv().await {
        match event {
            Event::Message(message) => {
                if let Err(error) = socket.send(message).await {
                    eprintln!("{sid}: echo refused: {error}");
                }
            }
            Event::Closed(reason) => eprintln!("{sid}: closed ({reason})"),
            other => eprintln!("{sid}: {other:?}"),
        }
    }
}

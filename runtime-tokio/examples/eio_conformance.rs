//! The Engine.IO server the socketio/engine.io-protocol test suite expects:
//! `http://127.0.0.1:$PORT/engine.io/` (`PORT` defaults to 3000), every
//! message echoed back to its sender (text as text, binary as binary),
//! pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000, CORS `*`.
//! With `ALLOW_EIO3=1` Engine.IO 3 clients are accepted too.
//!
//! ```text
//! cargo run -p runtime-tokio --example eio_conformance
//! ALLOW_EIO3=1 PORT=3001 cargo run -p runtime-tokio --example eio_conformance
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use engineio_proto::server::ServerConfig;
use runtime_tokio::engine::{Cors, EngineOptions, EngineSocket, Event};

/// The port used when `PORT` is not set.
const DEFAULT_PORT: u16 = 3000;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(DEFAULT_PORT);
    let allow_eio3 = std::env::var("ALLOW_EIO3").is_ok_and(|value| value == "1");
    let addr = serve(port, allow_eio3).await?;
    eprintln!("eio_conformance listening on http://{addr}/engine.io/ (EIO3 {allow_eio3})");
    std::future::pending::<()>().await;
    Ok(())
}

/// The suite's server options; `allow_eio3` accepts Engine.IO 3 clients too.
fn options(allow_eio3: bool) -> EngineOptions {
    let config = ServerConfig::default()
        .with_ping_interval(Duration::from_millis(300))
        .with_ping_timeout(Duration::from_millis(200))
        .with_max_http_buffer_size(1_000_000)
        .with_eio3(allow_eio3);
    EngineOptions::default().with_path("/engine.io/").with_config(config).with_cors(Cors::any())
}

/// Binds `127.0.0.1:port` (0 for any free port) on the current tokio
/// runtime and echoes every session's messages in background tasks;
/// returns the bound address.
pub async fn serve(port: u16, allow_eio3: bool) -> std::io::Result<SocketAddr> {
    let (addr, _server, mut connections) = runtime_tokio::tokio::bind(("127.0.0.1", port), options(allow_eio3)).await?;
    tokio::spawn(async move {
        while let Some(socket) = connections.accept().await {
            tokio::spawn(echo(socket));
        }
    });
    Ok(addr)
}

/// Sends every message of `socket` back to it, as it came.
async fn echo(mut socket: EngineSocket) {
    while let Some(event) = socket.recv().await {
        if let Event::Message(message) = event {
            // A refused echo means the session is closing; its Closed event ends the loop.
            let _ = socket.send(message).await;
        }
    }
}

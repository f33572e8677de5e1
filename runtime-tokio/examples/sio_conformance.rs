//! The Socket.IO server the socketio/socket.io-protocol test suite expects:
//! `http://127.0.0.1:$PORT/socket.io/` (`PORT` defaults to 3000),
//! pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000,
//! connectTimeout 1000 ms, CORS `*`, no connection state recovery.
//!
//! - `/`: emits `auth` with the CONNECT payload (`{}` when none) on
//!   connection, answers `message` with `message-back` and the same
//!   arguments, acks `message-with-ack` with its arguments;
//! - `/custom`: emits `auth` on connection;
//! - any other namespace is refused with `{"message":"Invalid namespace"}`.
//!
//! ```text
//! cargo run -p runtime-tokio --example sio_conformance
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use runtime_tokio::engine::Cors;
use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use socketio_proto::Args;

/// The port used when `PORT` is not set.
const DEFAULT_PORT: u16 = 3000;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(DEFAULT_PORT);
    let addr = serve(port).await?;
    eprintln!("sio_conformance listening on http://{addr}/socket.io/");
    std::future::pending::<()>().await;
    Ok(())
}

/// Binds `127.0.0.1:port` (0 for any free port) on the current tokio
/// runtime with the suite's options and namespaces; returns the bound
/// address. The server runs in background tasks.
pub async fn serve(port: u16) -> std::io::Result<SocketAddr> {
    let builder = SocketIo::builder()
        .path("/socket.io/")
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_http_buffer_size(1_000_000)
        .connect_timeout(Duration::from_millis(1000))
        .cors(Cors::any());
    let (addr, io) = runtime_tokio::tokio::bind_socketio(("127.0.0.1", port), builder).await?;
    io.ns("/", |socket: Socket| async move {
        emit_auth(&socket);
        socket.on("message", |socket: Socket, args: Args, _ack: Option<AckSender>| async move {
            let _ = socket.emit_args("message-back", args);
        });
        socket.on("message-with-ack", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
            if let Some(ack) = ack {
                let _ = ack.send_args(args);
            }
        });
    });
    io.ns("/custom", |socket: Socket| async move {
        emit_auth(&socket);
    });
    Ok(addr)
}

/// Emits `auth` with the socket's CONNECT payload as the client sent it
/// (the reference's `socket.handshake.auth`, `{}` when there was none).
fn emit_auth(socket: &Socket) {
    let auth = socket.handshake().auth_json().map_or("{}", |auth| auth.as_str());
    let _ = socket.emit_args("auth", Args::builder().raw_json(auth).build());
}

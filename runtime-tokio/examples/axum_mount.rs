//! Socket.IO mounted into an axum app: `/hello` stays an ordinary axum
//! route, `/socket.io/` is the Socket.IO server (polling and WebSocket),
//! through [`SocketIoLayer`]. Each client is greeted with `welcome`, and an
//! `echo` event is acknowledged with its arguments.
//!
//! ```text
//! PORT=3000 cargo run -p runtime-tokio --example axum_mount
//! curl http://127.0.0.1:3000/hello
//! curl 'http://127.0.0.1:3000/socket.io/?EIO=4&transport=polling'
//! ```

use std::sync::Arc;

use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use runtime_tokio::tokio::TokioRuntime;
use runtime_tokio::tower::SocketIoLayer;
use socketio_proto::Args;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let runtime = TokioRuntime::current().map_err(std::io::Error::other)?;
    let io = SocketIo::builder().build(Arc::new(runtime));
    io.ns("/", |socket: Socket| async move {
        socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
            if let Some(ack) = ack {
                let _ = ack.send_args(args);
            }
        });
        let _ = socket.emit("welcome", "hello from axum");
    });
    let app =
        axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" })).layer(SocketIoLayer::from(&io));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("axum on http://{}/hello, Socket.IO on /socket.io/", listener.local_addr()?);
    axum::serve(listener, app).await
}

//! The abuse suite (`runtime-tokio/tests/abuse/`) against the Socket.IO
//! server on async-std: its tasks, timers and sockets on async-std, the clients
//! on tokio.

#[path = "../../runtime-tokio/tests/abuse/mod.rs"]
mod abuse;

use std::io;
use std::net::SocketAddr;

use runtime_tokio::socketio::{SocketIo, SocketIoBuilder};

/// Binds the server under test on 127.0.0.1 (any port): async-std's.
pub async fn bind_server_under_test(builder: SocketIoBuilder) -> io::Result<(SocketAddr, SocketIo)> {
    runtime_async_std::async_std::bind_socketio("127.0.0.1:0", builder).await
}

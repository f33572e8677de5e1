//! The abuse suite (`abuse/`) against the Socket.IO server on tokio.

mod abuse;

use std::io;
use std::net::SocketAddr;

use runtime_tokio::socketio::{SocketIo, SocketIoBuilder};

/// Binds the server under test on 127.0.0.1 (any port): tokio's.
pub async fn bind_server_under_test(builder: SocketIoBuilder) -> io::Result<(SocketAddr, SocketIo)> {
    runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await
}

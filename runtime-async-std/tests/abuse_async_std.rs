//! The abuse suite (issue #7) against the Socket.IO server on async-std: the
//! tests of `runtime-tokio/tests/abuse/` (hostile HTTP, hostile packets, a
//! client that stops reading), with [`bind_server_under_test`] binding
//! `runtime_async_std::async_std`'s server. The clients, raw or well-behaved,
//! run on tokio, the server's tasks, timers and sockets on async-std.

#[path = "../../runtime-tokio/tests/abuse/http.rs"]
mod http;
#[path = "../../runtime-tokio/tests/abuse/packets.rs"]
mod packets;
#[path = "../../runtime-tokio/tests/raw_client/mod.rs"]
mod raw_client;
#[path = "../../runtime-tokio/tests/abuse/slow_reader.rs"]
mod slow_reader;
#[path = "../../runtime-tokio/tests/abuse/support.rs"]
mod support;

use std::io;
use std::net::SocketAddr;

use runtime_tokio::socketio::{SocketIo, SocketIoBuilder};

/// Binds the server under test on 127.0.0.1 (any port): async-std's.
pub async fn bind_server_under_test(builder: SocketIoBuilder) -> io::Result<(SocketAddr, SocketIo)> {
    runtime_async_std::async_std::bind_socketio("127.0.0.1:0", builder).await
}

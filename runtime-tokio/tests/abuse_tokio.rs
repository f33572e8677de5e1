//! The abuse suite (issue #7) against the Socket.IO server on tokio:
//! hostile HTTP ([`http`]), hostile packets ([`packets`]) and a client that
//! stops reading while the server broadcasts to it ([`slow_reader`]). The
//! same tests run against the smol and async-std servers from
//! `runtime-async-std/tests/abuse_smol.rs` and `abuse_async_std.rs`; each
//! names its server in [`bind_server_under_test`]. The clients, raw or
//! well-behaved, run on tokio in every case.

#[path = "abuse/http.rs"]
mod http;
#[path = "abuse/packets.rs"]
mod packets;
#[path = "raw_client/mod.rs"]
mod raw_client;
#[path = "abuse/slow_reader.rs"]
mod slow_reader;
#[path = "abuse/support.rs"]
mod support;

use std::io;
use std::net::SocketAddr;

use runtime_tokio::socketio::{SocketIo, SocketIoBuilder};

/// Binds the server under test on 127.0.0.1 (any port): tokio's.
pub async fn bind_server_under_test(builder: SocketIoBuilder) -> io::Result<(SocketAddr, SocketIo)> {
    runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await
}

//! The Socket.IO server of the bench contract (`/work/shared/bench/README.md`)
//! on smol or async-std, as `runtime-tokio`'s `bench_server` is on tokio:
//! listens on `127.0.0.1:$PORT` at `/socket.io/`; every socket of `/` joins
//! room `bench`; `echo` is acked with exactly the arguments received (binary
//! attachments included); `fanout` emits `msg` with its arguments to room
//! `bench`, the sender included.
//!
//! ```sh
//! cargo build --release -p runtime-async-std --all-features --example bench_server
//! PORT=3000 target/release/examples/bench_server smol        # or: async-std
//! ```
//!
//! smol's global executor runs on one thread unless `SMOL_THREADS` says
//! otherwise; like tokio's multi-threaded runtime, this server uses one per
//! core when it is not set (async-std's pool already does).

mod common;

use std::future::Future;

use runtime_async_std::socketio::SocketIo;

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let executor = std::env::args().nth(1).unwrap_or_else(|| "smol".to_owned());
    match executor.as_str() {
        "smol" => {
            if std::env::var_os("SMOL_THREADS").is_none() {
                let cores = std::thread::available_parallelism().map_or(1, usize::from);
                std::env::set_var("SMOL_THREADS", cores.to_string());
            }
            smol::block_on(serve(runtime_async_std::smol::bind_socketio(("127.0.0.1", port), SocketIo::builder())))
        }
        "async-std" => async_std::task::block_on(serve(runtime_async_std::async_std::bind_socketio(
            ("127.0.0.1", port),
            SocketIo::builder(),
        ))),
        other => Err(std::io::Error::other(format!("unknown executor {other}: smol or async-std"))),
    }
}

/// Registers the bench namespace on the server `bound` gives, then serves forever.
async fn serve(bound: impl Future<Output = std::io::Result<(std::net::SocketAddr, SocketIo)>>) -> std::io::Result<()> {
    let (addr, io) = bound.await?;
    common::echo_and_fanout(&io, "bench");
    println!("bench_server listening on http://{addr}/socket.io/");
    std::future::pending().await
}

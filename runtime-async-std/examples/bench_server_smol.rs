//! The Socket.IO server of the bench contract (`/work/shared/bench/README.md`)
//! on smol, as `runtime-tokio`'s `bench_server` is on tokio: listens on
//! `127.0.0.1:$PORT` at `/socket.io/`; every socket of `/` joins room
//! `bench`; `echo` is acked with exactly the arguments received (binary
//! attachments included); `fanout` emits `msg` with its arguments to room
//! `bench`, the sender included.
//!
//! smol's global executor runs on one thread unless `SMOL_THREADS` says
//! otherwise; like tokio's multi-threaded runtime, this server uses one per
//! core when it is not set.
//!
//! ```sh
//! PORT=3000 cargo run --release -p runtime-async-std --example bench_server_smol
//! ```

#[allow(dead_code)]
mod common;

use runtime_async_std::socketio::SocketIo;

fn main() -> std::io::Result<()> {
    if std::env::var_os("SMOL_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        std::env::set_var("SMOL_THREADS", cores.to_string());
    }
    let bound = runtime_async_std::smol::bind_socketio(("127.0.0.1", common::port()), SocketIo::builder());
    smol::block_on(common::serve_bench(bound))
}

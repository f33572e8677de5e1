//! The Socket.IO server of the bench contract (`/work/shared/bench/README.md`)
//! on async-std (its task pool has one thread per core), as
//! `runtime-tokio`'s `bench_server` is on tokio: listens on
//! `127.0.0.1:$PORT` at `/socket.io/`; every socket of `/` joins room
//! `bench`; `echo` is acked with exactly the arguments received (binary
//! attachments included); `fanout` emits `msg` with its arguments to room
//! `bench`, the sender included.
//!
//! ```sh
//! PORT=3000 cargo run --release -p runtime-async-std --features async-std --example bench_server_async_std
//! ```

#[allow(dead_code)]
mod common;

use runtime_async_std::socketio::SocketIo;

fn main() -> std::io::Result<()> {
    let bound = runtime_async_std::async_std::bind_socketio(("127.0.0.1", common::port()), SocketIo::builder());
    async_std::task::block_on(common::serve_bench(bound))
}

//! A Socket.IO server on async-std: `echo` is acked with its arguments,
//! `fanout` is broadcast as `msg` to every socket (room `everyone`).
//!
//! ```sh
//! PORT=3000 cargo run -p runtime-async-std --features async-std --example async_std_server
//! ```

#[allow(dead_code)]
mod common;

use runtime_async_std::socketio::SocketIo;

fn main() -> std::io::Result<()> {
    async_std::task::block_on(async {
        let (addr, io) =
            runtime_async_std::async_std::bind_socketio(("127.0.0.1", common::port()), SocketIo::builder()).await?;
        common::echo_and_fanout(&io, "everyone");
        println!("async_std_server listening on http://{addr}/socket.io/");
        std::future::pending::<std::io::Result<()>>().await
    })
}

//! The Socket.IO server of the bench contract (`/work/shared/bench/README.md`):
//! listens on `127.0.0.1:$PORT` at `/socket.io/`; every socket of `/` joins
//! room `bench`; `echo` is acked with exactly the arguments received (binary
//! attachments included); `fanout` emits `msg` with its arguments to room
//! `bench`, the sender included.
//!
//! ```sh
//! PORT=3000 cargo run --release -p runtime-tokio --example bench_server
//! ```

use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use socketio_proto::Args;

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let (addr, io) = runtime_tokio::tokio::bind_socketio(("127.0.0.1", port), SocketIo::builder()).await?;
        io.ns("/", |socket: Socket| async move {
            socket.join("bench");
            socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    let _ = ack.send_args(args);
                }
            });
            socket.on("fanout", |socket: Socket, args: Args, _ack: Option<AckSender>| async move {
                socket.ns().to("bench").emit_args("msg", args);
            });
        });
        println!("bench_server listening on http://{addr}/socket.io/");
        std::future::pending::<std::io::Result<()>>().await
    })
}

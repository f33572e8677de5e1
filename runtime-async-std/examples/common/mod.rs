//! The namespace the server examples and the bench server register, written
//! once for every executor.

use runtime_async_std::socketio::{AckSender, Socket, SocketIo};
use runtime_async_std::socketio_proto::Args;

/// Registers `/`: every socket joins room `room`; `echo` is acked with the
/// arguments received (binary attachments included); `fanout` emits `msg`
/// with its arguments to room `room`, the sender included.
pub fn echo_and_fanout(io: &SocketIo, room: &'static str) {
    io.ns("/", move |socket: Socket| async move {
        socket.join(room);
        socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
            if let Some(ack) = ack {
                let _ = ack.send_args(args);
            }
        });
        socket.on("fanout", move |socket: Socket, args: Args, _ack: Option<AckSender>| async move {
            socket.ns().to(room).emit_args("msg", args);
        });
    });
}

/// The bench contract server (`/work/shared/bench/README.md`, as
/// `runtime-tokio`'s `bench_server`): registers [`echo_and_fanout`] with room
/// `bench` on the server `bound` gives, prints its address, serves forever.
pub async fn serve_bench(
    bound: impl std::future::Future<Output = std::io::Result<(std::net::SocketAddr, SocketIo)>>,
) -> std::io::Result<()> {
    let (addr, io) = bound.await?;
    echo_and_fanout(&io, "bench");
    println!("bench_server listening on http://{addr}/socket.io/");
    std::future::pending().await
}

/// `$PORT`, 3000 when unset.
pub fn port() -> u16 {
    std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000)
}

//! The Socket.IO server of the bench contract (`/work/shared/bench/README.md`):
//! listens on `127.0.0.1:$PORT` at `/socket.io/`; every socket of `/` joins
//! room `bench`; `echo` is acked with exactly the arguments received (binary
//! attachments included); `fanout` emits `msg` with its arguments to room
//! `bench`, the sender included.
//!
//! ```sh
//! PORT=3000 cargo run --release -p runtime-tokio --example bench_server
//! ```
//!
//! Built with the `redis` feature and given `$REDIS_URL`, it is one node of a
//! cluster: the same handlers with the Redis adapter, so a `fanout` reaches
//! room `bench` on every node (`scripts/bench-cluster.sh` runs several behind
//! HAProxy for the cluster benchmark of `docs/benchmarks.md`).
//!
//! ```sh
//! REDIS_URL=redis://127.0.0.1:6379/ PORT=3000 \
//!     cargo run --release -p runtime-tokio --features redis --example bench_server
//! ```

use runtime_tokio::socketio::{AckSender, Socket, SocketIo, SocketIoBuilder};
use socketio_proto::Args;

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let redis_url = std::env::var("REDIS_URL").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let builder = with_adapter(SocketIo::builder(), redis_url.as_deref()).await?;
        let (addr, io) = runtime_tokio::tokio::bind_socketio(("127.0.0.1", port), builder).await?;
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
        match redis_url {
            Some(url) => println!("bench_server listening on http://{addr}/socket.io/ (Redis adapter at {url})"),
            None => println!("bench_server listening on http://{addr}/socket.io/"),
        }
        std::future::pending::<std::io::Result<()>>().await
    })
}

/// The builder with the Redis adapter at `redis_url`, when one is given.
#[cfg(feature = "redis")]
async fn with_adapter(builder: SocketIoBuilder, redis_url: Option<&str>) -> std::io::Result<SocketIoBuilder> {
    use runtime_tokio::redis::{RedisAdapter, RedisAdapterConfig};
    let Some(url) = redis_url else { return Ok(builder) };
    let adapter = RedisAdapter::connect(url, RedisAdapterConfig::default()).await.map_err(std::io::Error::other)?;
    Ok(builder.adapter(adapter))
}

/// Without the `redis` feature a `$REDIS_URL` is refused rather than ignored.
#[cfg(not(feature = "redis"))]
async fn with_adapter(builder: SocketIoBuilder, redis_url: Option<&str>) -> std::io::Result<SocketIoBuilder> {
    match redis_url {
        None => Ok(builder),
        Some(_) => Err(std::io::Error::other("REDIS_URL is set: build with `--features redis` for the Redis adapter")),
    }
}

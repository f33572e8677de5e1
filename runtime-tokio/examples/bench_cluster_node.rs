//! The bench server of `/work/shared/bench/README.md` (the `bench_server`
//! contract) as one node of a cluster: the same handlers, with the Redis
//! adapter at `$REDIS_URL`, so a `fanout` reaches room `bench` on every node.
//! `scripts/bench-cluster.sh` runs several behind HAProxy for the cluster
//! fanout benchmark of `docs/benchmarks.md`.
//!
//! ```sh
//! REDIS_URL=redis://127.0.0.1:6379/ PORT=3000 \
//!     cargo run --release -p runtime-tokio --features redis --example bench_cluster_node
//! ```

use runtime_tokio::redis::{RedisAdapter, RedisAdapterConfig};
use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use socketio_proto::Args;

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let adapter =
            RedisAdapter::connect(&redis_url, RedisAdapterConfig::default()).await.map_err(std::io::Error::other)?;
        let builder = SocketIo::builder().adapter(adapter);
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
        println!("bench_cluster_node listening on http://{addr}/socket.io/ (Redis adapter at {redis_url})");
        std::future::pending::<std::io::Result<()>>().await
    })
}

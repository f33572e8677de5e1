//! Client-side throughput of the Socket.IO client against our own server
//! (`runtime_tokio::tokio::bind_socketio`) on loopback, one connection over
//! WebSocket or polling:
//!
//! - `emit_*`: `BATCH` fire-and-forget emits, timed until the server
//!   counted them all;
//! - `ack_sequential_*`: one `emit_with_ack` round trip at a time;
//! - `ack_pipelined_*`: `BATCH` acknowledged emits in flight at once, timed
//!   until the last acknowledgement.
//!
//! Run: `cargo bench -p runtime-tokio --bench client`. Client and server
//! share the machine (and its 2 cores here): the figures are for the pair.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use divan::Bencher;
use runtime_tokio::client::{Args, Client, ClientSocket, TransportKind};
use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

/// Emits per measured batch.
const BATCH: usize = 200;

fn main() {
    divan::main();
}

/// A server that counts `count` events and acknowledges `echo`, and a
/// client joined to it over `transport`.
struct Pair {
    runtime: Runtime,
    socket: ClientSocket,
    counted: Arc<AtomicUsize>,
    progress: Arc<Notify>,
    _client: Client,
}

impl Pair {
    fn start(transport: TransportKind) -> Pair {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let counted = Arc::new(AtomicUsize::new(0));
        let progress = Arc::new(Notify::new());
        let (server_counted, server_progress) = (counted.clone(), progress.clone());
        let (client, socket) = runtime.block_on(async move {
            let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder())
                .await
                .expect("bind 127.0.0.1:0");
            io.ns("/", move |socket: Socket| {
                let (counted, progress) = (server_counted.clone(), server_progress.clone());
                async move {
                    socket.on("count", move |_socket: Socket, _args: Args, _ack: Option<AckSender>| {
                        let (counted, progress) = (counted.clone(), progress.clone());
                        async move {
                            counted.fetch_add(1, Ordering::AcqRel);
                            progress.notify_one();
                        }
                    });
                    socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
                        if let Some(ack) = ack {
                            let _ = ack.send_args(args);
                        }
                    });
                }
            });
            let client = Client::builder(&format!("http://{addr}"))
                .transports(&[transport])
                .ack_timeout(Duration::from_secs(10))
                .build()
                .expect("the client starts");
            let socket = client.socket("/");
            tokio::time::timeout(Duration::from_secs(10), socket.connect())
                .await
                .expect("joined in time")
                .expect("joined");
            (client, socket)
        });
        Pair { runtime, socket, counted, progress, _client: client }
    }

    /// `BATCH` emits, until the server counted them.
    fn emit_batch(&self) {
        self.runtime.block_on(async {
            let target = self.counted.load(Ordering::Acquire) + BATCH;
            for n in 0..BATCH {
                self.socket.emit("count", &n).await.expect("emitted");
            }
            while self.counted.load(Ordering::Acquire) < target {
                let _ = tokio::time::timeout(Duration::from_millis(50), self.progress.notified()).await;
            }
        });
    }

    /// One acknowledged round trip.
    fn ack_round_trip(&self) {
        self.runtime.block_on(async {
            let _: (u32,) = self.socket.emit_with_ack("echo", &7).await.expect("acknowledged");
        });
    }

    /// `BATCH` acknowledged emits in flight at once.
    fn ack_pipelined(&self) {
        self.runtime.block_on(async {
            let pending: Vec<_> = (0..BATCH)
                .map(|n| self.socket.emit_args_with_ack("echo", Args::from_tuple(&(n,)).expect("arguments"), None))
                .collect();
            for answer in pending {
                answer.await.expect("acknowledged");
            }
        });
    }
}

#[divan::bench(sample_count = 20)]
fn emit_websocket(bencher: Bencher) {
    let pair = Pair::start(TransportKind::WebSocket);
    bencher.counter(divan::counter::ItemsCount::new(BATCH)).bench_local(|| pair.emit_batch());
}

#[divan::bench(sample_count = 10)]
fn emit_polling(bencher: Bencher) {
    let pair = Pair::start(TransportKind::Polling);
    bencher.counter(divan::counter::ItemsCount::new(BATCH)).bench_local(|| pair.emit_batch());
}

#[divan::bench(sample_count = 50)]
fn ack_sequential_websocket(bencher: Bencher) {
    let pair = Pair::start(TransportKind::WebSocket);
    bencher.counter(divan::counter::ItemsCount::new(1usize)).bench_local(|| pair.ack_round_trip());
}

#[divan::bench(sample_count = 20)]
fn ack_sequential_polling(bencher: Bencher) {
    let pair = Pair::start(TransportKind::Polling);
    bencher.counter(divan::counter::ItemsCount::new(1usize)).bench_local(|| pair.ack_round_trip());
}

#[divan::bench(sample_count = 20)]
fn ack_pipelined_websocket(bencher: Bencher) {
    let pair = Pair::start(TransportKind::WebSocket);
    bencher.counter(divan::counter::ItemsCount::new(BATCH)).bench_local(|| pair.ack_pipelined());
}

#[divan::bench(sample_count = 10)]
fn ack_pipelined_polling(bencher: Bencher) {
    let pair = Pair::start(TransportKind::Polling);
    bencher.counter(divan::counter::ItemsCount::new(BATCH)).bench_local(|| pair.ack_pipelined());
}

//! Load and fault soak (issue #7): clients churn against the Socket.IO
//! server — connect, emit with ack, disconnect, again — for a while, then
//! leave; no ack may be lost, and once they are gone the server must be
//! back where it started: no session, its tasks and this process's file
//! descriptors back to their count before the churn, and RSS within 10% of
//! it (or 2 MB: see [`RSS_SLACK_KB`]).
//!
//! The CI form is short: `SOAK_CLIENTS` clients (default 500) for
//! `SOAK_SECONDS` seconds (default 10). The full form of the issue:
//!
//! ```sh
//! SOAK_CLIENTS=5000 SOAK_SECONDS=120 cargo test --release -p runtime-tokio --test soak -- --nocapture
//! ```
//!
//! The server runs on a runtime of its own (one worker), so its live tasks
//! are counted apart from the clients' (tokio's `num_alive_tasks`). Clients
//! are this crate's, one in ten on polling only and the rest on WebSocket;
//! each WebSocket client holds two descriptors of this process (its end and
//! the server's), a polling one up to four, so 5 000 clients need an
//! `ulimit -n` above 12 000. RSS is read from `/proc/self/status` after
//! `malloc_trim`, so that memory the allocator merely keeps cached is not
//! counted as held; the allocator's bytes in use (`mallinfo2`), the
//! threads and the peak RSS are printed with the other figures. The
//! baseline is taken after a warm-up in which every client connects once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engineio_proto::TransportKind;
use runtime_tokio::client::Client;
use runtime_tokio::socketio::{AckSender, Data, Socket, SocketIo};
use tokio::runtime::Runtime;
use tokio::time::timeout;

/// How long one connect or ack may take under the full load.
const PATIENCE: Duration = Duration::from_secs(60);
/// How long the server may take to release everything once the clients left.
const SETTLE: Duration = Duration::from_secs(60);
/// How long an idle blocking thread (the clients' address lookups) lives:
/// short, so that their stacks are gone when RSS is read.
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_millis(500);
/// RSS growth tolerated even when it is over 10% of a small baseline: an
/// idle process of ~10 MB keeps a few hundred kB to 2 MB more after a peak
/// of hundreds of MB in its allocator's arenas alone (the live heap, printed
/// too, grows by about 100 kB then stays, whatever the number of connections).
const RSS_SLACK_KB: u64 = 2048;
/// Acks asked for per connection.
const EMITS_PER_CONNECTION: usize = 3;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// A number field of `/proc/self/status` (memory in kB).
fn status_field(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// What `/proc/self/status` says, in kB: (VmRSS, VmHWM).
fn memory_kb() -> (u64, u64) {
    (status_field("VmRSS:"), status_field("VmHWM:"))
}

/// This process's threads (tokio's blocking pool grows for the clients'
/// address lookups; its idle threads exit after [`BLOCKING_KEEP_ALIVE`]).
fn threads() -> usize {
    usize::try_from(status_field("Threads:")).unwrap_or(usize::MAX)
}

/// Bytes the allocator hands out right now (glibc, every arena).
fn heap_in_use_kb() -> usize {
    // SAFETY: `mallinfo2` only reads the allocator's statistics.
    unsafe { libc::mallinfo2() }.uordblks / 1024
}

/// Resident memory after handing cached free memory back to the system.
fn trimmed_rss_kb() -> u64 {
    // SAFETY: `malloc_trim` only releases free heap memory; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
    memory_kb().0
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|entries| entries.count()).unwrap_or(0)
}

/// Polls `probe` until it is at most `target`, for up to [`SETTLE`]; returns its last value.
async fn settle(mut probe: impl FnMut() -> usize, target: usize) -> usize {
    let started = Instant::now();
    loop {
        let value = probe();
        if value <= target || started.elapsed() > SETTLE {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Counts of what the clients did.
#[derive(Default)]
struct Tally {
    connections: AtomicUsize,
    acks_asked: AtomicUsize,
    acks_received: AtomicUsize,
    failures: AtomicUsize,
}

/// One client slot: connections one after the other until `until` (at least one), each
/// joining `/`, asking for [`EMITS_PER_CONNECTION`] acks and leaving.
async fn churn(url: String, slot: usize, until: Instant, tally: Arc<Tally>) {
    let transports: &[TransportKind] =
        if slot % 10 == 0 { &[TransportKind::Polling] } else { &[TransportKind::WebSocket] };
    let mut round = 0usize;
    // At least one connection, even when `until` has passed.
    while round == 0 || Instant::now() < until {
        let client = match Client::builder(&url).transports(transports).reconnection(false).build() {
            Ok(client) => client,
            Err(_) => {
                tally.failures.fetch_add(1, Ordering::Relaxed);
                round += 1;
                continue;
            }
        };
        let socket = client.socket("/");
        if !matches!(timeout(PATIENCE, socket.connect()).await, Ok(Ok(()))) {
            tally.failures.fetch_add(1, Ordering::Relaxed);
            client.close();
            round += 1;
            continue;
        }
        tally.connections.fetch_add(1, Ordering::Relaxed);
        for emit in 0..EMITS_PER_CONNECTION {
            let sent = format!("{slot}/{round}/{emit}");
            tally.acks_asked.fetch_add(1, Ordering::Relaxed);
            match timeout(PATIENCE, socket.emit_with_ack::<_, (String,)>("echo", &sent)).await {
                Ok(Ok((answer,))) if answer == sent => {
                    tally.acks_received.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
        client.close();
        round += 1;
    }
}

/// Starts the server on its own one-worker runtime: `/` acknowledges `echo`.
fn start_server(runtime: &Runtime) -> (String, SocketIo) {
    runtime.block_on(async {
        let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind");
        io.ns("/", |socket: Socket| async move {
            socket.on("echo", |_socket: Socket, Data(text): Data<String>, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    let _ = ack.send(&text);
                }
            });
        });
        (format!("http://{addr}"), io)
    })
}

/// Runs `clients` slots for `duration` and waits for the server to have no session left.
async fn run_churn(url: &str, io: &SocketIo, clients: usize, duration: Duration) -> Arc<Tally> {
    let tally = Arc::new(Tally::default());
    let until = Instant::now() + duration;
    let mut slots = tokio::task::JoinSet::new();
    for slot in 0..clients {
        slots.spawn(churn(url.to_owned(), slot, until, Arc::clone(&tally)));
    }
    while let Some(slot) = slots.join_next().await {
        slot.expect("no client slot panicked");
    }
    let left = settle(|| io.engine().session_count(), 0).await;
    assert_eq!(left, 0, "sessions still open {SETTLE:?} after the clients left");
    tally
}

#[test]
fn churning_clients_lose_no_ack_and_leave_no_memory_task_or_descriptor_behind() {
    let clients = usize::try_from(env_or("SOAK_CLIENTS", 500)).unwrap_or(500);
    let duration = Duration::from_secs(env_or("SOAK_SECONDS", 10));
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_keep_alive(BLOCKING_KEEP_ALIVE)
            .enable_all()
            .build()
    };
    let server_runtime = runtime().expect("server runtime");
    let client_runtime = runtime().expect("client runtime");
    let (url, io) = start_server(&server_runtime);
    let server_tasks = || server_runtime.metrics().num_alive_tasks();

    client_runtime.block_on(async {
        // Warm-up with every client once: lazily built state (the namespace,
        // maps grown to hold `clients` entries, allocator arenas) exists
        // before the baseline, so what is compared is what the churn added.
        let rss_cold = trimmed_rss_kb();
        run_churn(&url, &io, clients, Duration::from_millis(1)).await;
        let client_tasks = tokio::runtime::Handle::current().metrics().num_alive_tasks();
        // Idle blocking threads (address lookups) are gone after their keep-alive.
        tokio::time::sleep(BLOCKING_KEEP_ALIVE * 2).await;
        let threads_before = threads();
        let (tasks_before, fds_before, rss_before, heap_before) =
            (server_tasks(), open_descriptors(), trimmed_rss_kb(), heap_in_use_kb());

        let started = Instant::now();
        let tally = run_churn(&url, &io, clients, duration).await;
        let churned = started.elapsed();
        let (_, peak) = memory_kb();

        let tasks_after = settle(server_tasks, tasks_before).await;
        let fds_after = settle(open_descriptors, fds_before).await;
        let client_tasks_after =
            settle(|| tokio::runtime::Handle::current().metrics().num_alive_tasks(), client_tasks).await;
        let threads_after = settle(threads, threads_before).await;
        let (rss_after, heap_after) = (trimmed_rss_kb(), heap_in_use_kb());

        let asked = tally.acks_asked.load(Ordering::Relaxed);
        let received = tally.acks_received.load(Ordering::Relaxed);
        println!(
            "soak: {clients} clients for {churned:?}: {} connections, {asked} acks asked, {received} received, {} failed connects; \
             RSS cold {rss_cold} kB, before {rss_before} kB, peak {peak} kB, after {rss_after} kB; server tasks {tasks_before} -> {tasks_after}; \
             heap in use {heap_before} kB -> {heap_after} kB; threads {threads_before} -> {threads_after}; \
             client tasks {client_tasks} -> {client_tasks_after}; descriptors {fds_before} -> {fds_after}",
            tally.connections.load(Ordering::Relaxed),
            tally.failures.load(Ordering::Relaxed),
        );
        assert!(tally.connections.load(Ordering::Relaxed) >= clients, "every client connected at least once");
        assert_eq!(tally.failures.load(Ordering::Relaxed), 0, "connections failed");
        assert_eq!(received, asked, "acks were lost");
        assert!(tasks_after <= tasks_before, "server tasks leaked: {tasks_before} -> {tasks_after}");
        assert!(client_tasks_after <= client_tasks, "client tasks leaked: {client_tasks} -> {client_tasks_after}");
        assert!(fds_after <= fds_before, "descriptors leaked: {fds_before} -> {fds_after}");
        let allowed = (rss_before + rss_before / 10).max(rss_before + RSS_SLACK_KB);
        assert!(rss_after <= allowed, "RSS grew past 10% (or {RSS_SLACK_KB} kB): {rss_before} kB -> {rss_after} kB");
    });
}

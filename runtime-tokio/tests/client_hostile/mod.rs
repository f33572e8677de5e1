//! The client against a hostile server, written once: a test crate that
//! includes this module defines `build_client` at its root, starting the
//! client under test (`client_hostile_tokio` here, `client_hostile_smol` in
//! runtime-async-std). The hostile server is raw sockets on 127.0.0.1 in a
//! thread of its own, sending the exact bytes of each case.
//!
//! The tests run one at a time: the descriptor count is the process's.

mod server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use runtime_tokio::client::{Client, ClientBuilder, DisconnectReason, TransportKind};
use server::*;
use tokio::io::AsyncWriteExt;

const MIB: usize = 1024 * 1024;

/// Serializes the tests of the crate.
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

/// A client of `server` on the transports given, not reconnecting.
fn builder(server: &HostileServer, transports: &[TransportKind]) -> ClientBuilder {
    Client::builder(&server.url()).transports(transports).reconnection(false)
}

/// What the application of a client saw: its `error` messages and
/// `disconnect` reasons.
#[derive(Clone, Default)]
struct Seen {
    errors: Arc<Mutex<Vec<String>>>,
    disconnects: Arc<Mutex<Vec<DisconnectReason>>>,
}

impl Seen {
    /// Starts `client`, joining `/`, and records what it reports.
    fn watch(client: &Client) -> Seen {
        let seen = Seen::default();
        let errors = seen.errors.clone();
        client.on_error(move |message| errors.lock().unwrap_or_else(PoisonError::into_inner).push(message.into()));
        let socket = client.socket("/");
        let disconnects = seen.disconnects.clone();
        socket.on_disconnect(move |reason| disconnects.lock().unwrap_or_else(PoisonError::into_inner).push(reason));
        tokio::spawn(async move {
            let _ = socket.connect().await;
        });
        seen
    }

    /// Waits (up to 20 s) for an error containing `text`, and returns it.
    async fn error_containing(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let errors = self.errors.lock().unwrap_or_else(PoisonError::into_inner).clone();
            if let Some(error) = errors.iter().find(|error| error.contains(text)) {
                return error.clone();
            }
            assert!(Instant::now() < deadline, "no error containing {text:?}; errors: {errors:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (up to 20 s) for a disconnect, and returns its reason.
    async fn first_disconnect(&self) -> DisconnectReason {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(reason) = self.disconnects.lock().unwrap_or_else(PoisonError::into_inner).first() {
                return *reason;
            }
            assert!(Instant::now() < deadline, "no disconnect");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Waits for the hostile server's report, at most `within`.
fn report<T>(reports: &mpsc::Receiver<T>, within: Duration) -> T {
    reports.recv_timeout(within).expect("the hostile server reported")
}

/// What the flooding server saw: the bytes written until the writes
/// stalled (and whether they did), then whether 16 MiB more went out
/// within 30 s.
enum FloodReport {
    Stalled { written: usize, stalled: bool },
    Resumed(bool),
}

/// A WebSocket server that opens the session, acknowledges the CONNECT of
/// `/`, then writes `batch` until the client stops taking it, then writes
/// 16 MiB more.
fn flooding_server(batch: Vec<u8>) -> (HostileServer, mpsc::Receiver<FloodReport>) {
    let (reports, reported) = mpsc::channel();
    let batch = Arc::new(batch);
    let server = HostileServer::start(move |mut stream| {
        let (reports, batch) = (reports.clone(), batch.clone());
        async move {
            let Some(request) = read_request(&mut stream).await else { return };
            if accept_websocket(&mut stream, &request).await.is_err() {
                return;
            }
            if open_websocket_session(&mut stream, "flood").await.is_err() {
                return;
            }
            let mut offset = 0;
            let (written, stalled) =
                write_until_stalled(&mut stream, &batch, &mut offset, Duration::from_secs(2), 512 * MIB).await;
            let _ = reports.send(FloodReport::Stalled { written, stalled });
            let (more, stalled) =
                write_until_stalled(&mut stream, &batch, &mut offset, Duration::from_secs(30), 16 * MIB).await;
            let _ = reports.send(FloodReport::Resumed(!stalled && more >= 16 * MIB));
            closed_by_peer(&mut stream, Duration::from_secs(60)).await;
        }
    });
    (server, reported)
}

/// `frame` repeated to about 64 KiB.
fn batch_of(frame: &[u8]) -> Vec<u8> {
    frame.repeat((64 * 1024 / frame.len()).max(1))
}

/// Blocks the handler until `gate` opens, the way a slow application
/// does, while the executor's other threads keep running the client's other
/// tasks (on tokio's multi-threaded runtime, the blocked worker hands them
/// over).
fn stay_busy_until(gate: mpsc::Receiver<()>) {
    let wait = || {
        let _ = gate.recv_timeout(Duration::from_secs(60));
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

/// A flood of `frame`s: while the handler of the first event is busy, the
/// client stops reading (the server's writes stall after a bounded amount);
/// once the handler returns, the events flow again.
async fn flood_is_held_back_while_the_handler_is_busy(frame: Vec<u8>) {
    let (server, reported) = flooding_server(batch_of(&frame));
    let client = crate::build_client(builder(&server, &[TransportKind::WebSocket])).expect("client");
    let (release, gate) = mpsc::channel::<()>();
    let mut gate = Some(gate);
    let received = Arc::new(AtomicUsize::new(0));
    let counted = received.clone();
    client.socket("/").on("e", move |_: Vec<serde_json::Value>, _| {
        if let Some(gate) = gate.take() {
            stay_busy_until(gate);
        }
        counted.fetch_add(1, Ordering::SeqCst);
    });
    let seen = Seen::watch(&client);
    let FloodReport::Stalled { written, stalled } = report(&reported, Duration::from_secs(120)) else {
        panic!("the flood's first report is the stall");
    };
    let errors = seen.errors.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert!(stalled, "the client read {written} bytes without stopping ({errors:?})");
    assert!(written < 64 * MIB, "the client took {written} bytes while its handler was busy");
    assert_eq!(received.load(Ordering::SeqCst), 0, "the handler is still busy with the first event");
    release.send(()).expect("the handler waits");
    let resumed = report(&reported, Duration::from_secs(60));
    assert!(matches!(resumed, FloodReport::Resumed(true)), "the client did not read again");
    assert!(received.load(Ordering::SeqCst) > 0);
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_small_events_is_held_back_while_the_handler_is_busy() {
    let _serial = serial().await;
    flood_is_held_back_while_the_handler_is_busy(text_frame(r#"42["e",1]"#)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_60_kb_events_is_held_back_while_the_handler_is_busy() {
    let _serial = serial().await;
    let event = format!(r#"42["e","{}"]"#, "x".repeat(60 * 1024));
    flood_is_held_back_while_the_handler_is_busy(text_frame(&event)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_1_mib_events_is_held_back_by_the_byte_bound() {
    let _serial = serial().await;
    // 64 pending frames of 1 MiB would be 64 MiB: the 16 MiB byte bound stops
    // the reads well before.
    let event = format!(r#"42["e","{}"]"#, "x".repeat(MIB));
    flood_is_held_back_while_the_handler_is_busy(text_frame(&event)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_flood_from_a_server_that_never_reads_ends_with_send_buffer_full_and_a_reconnection() {
    let _serial = serial().await;
    let (connections, connected) = mpsc::channel();
    let server = HostileServer::start(move |mut stream| {
        let connections = connections.clone();
        async move {
            let Some(request) = read_request(&mut stream).await else { return };
            if accept_websocket(&mut stream, &request).await.is_err() {
                return;
            }
            let _ = connections.send(());
            if open_websocket_session(&mut stream, "pings").await.is_err() {
                return;
            }
            // Endless pings, never reading a pong.
            let pings = text_frame("2").repeat(16 * 1024);
            while stream.write_all(&pings).await.is_ok() {}
        }
    });
    let builder = builder(&server, &[TransportKind::WebSocket])
        .max_unwritten(4096, 16 * MIB)
        .reconnection(true)
        .reconnection_delay(Duration::from_millis(10), Duration::from_millis(20));
    let client = crate::build_client(builder).expect("client");
    let seen = Seen::watch(&client);
    report(&connected, Duration::from_secs(20));
    seen.error_containing("send buffer full").await;
    assert_eq!(seen.first_disconnect().await, DisconnectReason::TransportError);
    report(&connected, Duration::from_secs(20));
    client.close();
}

/// A polling server answering the handshake with `head`, then writing
/// `chunk` until the client hangs up; reports the bytes of body written
/// and whether the writes stalled instead of failing.
fn endless_answer_server(head: &'static str, chunk: Vec<u8>) -> (HostileServer, mpsc::Receiver<(usize, bool)>) {
    let (reports, reported) = mpsc::channel();
    let chunk = Arc::new(chunk);
    let server = HostileServer::start(move |mut stream| {
        let (reports, chunk) = (reports.clone(), chunk.clone());
        async move {
            if read_request(&mut stream).await.is_none() || stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let outcome = write_until_stalled(&mut stream, &chunk, &mut 0, Duration::from_secs(10), 512 * MIB).await;
            let _ = reports.send(outcome);
        }
    });
    (server, reported)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_chunked_handshake_answer_is_cut_off_at_the_limit() {
    let _serial = serial().await;
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n";
    let chunk = [&b"10000\r\n"[..], &vec![b'x'; 0x10000], b"\r\n"].concat();
    let (server, reported) = endless_answer_server(head, chunk);
    let builder = builder(&server, &[TransportKind::Polling]).max_received_payload(1_000_000);
    let client = crate::build_client(builder).expect("client");
    let seen = Seen::watch(&client);
    let error = seen.error_containing("larger than the limit of 1000000 bytes").await;
    let (written, stalled) = report(&reported, Duration::from_secs(60));
    assert!(!stalled && written < 64 * MIB, "{written} bytes written, stalled: {stalled}; {error}");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_content_length_is_refused_before_reading_the_body() {
    let _serial = serial().await;
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: 524288000\r\n\r\n";
    let (server, reported) = endless_answer_server(head, vec![b'x'; 0x10000]);
    let client = crate::build_client(builder(&server, &[TransportKind::Polling])).expect("client");
    let seen = Seen::watch(&client);
    seen.error_containing("larger than the limit of 104857600 bytes").await;
    let (written, stalled) = report(&reported, Duration::from_secs(60));
    assert!(!stalled && written < 64 * MIB, "{written} bytes written, stalled: {stalled}");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_open_packet_ends_the_session_with_an_error() {
    let _serial = serial().await;
    let server = HostileServer::start(move |mut stream| async move {
        let Some(request) = read_request(&mut stream).await else { return };
        if accept_websocket(&mut stream, &request).await.is_err() {
            return;
        }
        if open_websocket_session(&mut stream, "first").await.is_err() {
            return;
        }
        if stream.write_all(&text_frame(&open_packet("second", false, 25_000, 20_000))).await.is_ok() {
            closed_by_peer(&mut stream, Duration::from_secs(60)).await;
        }
    });
    let client = crate::build_client(builder(&server, &[TransportKind::WebSocket])).expect("client");
    let seen = Seen::watch(&client);
    seen.error_containing(r#"second open packet (sid "second")"#).await;
    assert_eq!(seen.first_disconnect().await, DisconnectReason::ParseError);
    client.close();
}

/// A WebSocket server that opens a session and sends one event whose
/// argument is `size` bytes of `x`.
fn big_event_server(size: usize) -> HostileServer {
    HostileServer::start(move |mut stream| async move {
        let Some(request) = read_request(&mut stream).await else { return };
        if accept_websocket(&mut stream, &request).await.is_err()
            || open_websocket_session(&mut stream, "big").await.is_err()
        {
            return;
        }
        let message = format!(r#"42["e","{}"]"#, "x".repeat(size));
        if stream.write_all(&text_frame(&message)).await.is_ok() {
            closed_by_peer(&mut stream, Duration::from_secs(60)).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_message_larger_than_the_servers_max_payload_is_delivered_by_default() {
    let _serial = serial().await;
    // The server announced maxPayload 1 MB; the reference client takes larger
    // messages from it all the same.
    let server = big_event_server(2 * MIB);
    let client = crate::build_client(builder(&server, &[TransportKind::WebSocket])).expect("client");
    let (sizes, delivered) = mpsc::channel();
    client.socket("/").on("e", move |args: Vec<serde_json::Value>, _| {
        let _ = sizes.send(args.first().and_then(serde_json::Value::as_str).map_or(0, str::len));
    });
    let seen = Seen::watch(&client);
    let errors = seen.errors.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert_eq!(report(&delivered, Duration::from_secs(30)), 2 * MIB, "{errors:?}");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_message_over_the_limit_ends_the_session_with_an_error() {
    let _serial = serial().await;
    let server = big_event_server(2 * MIB);
    let builder = builder(&server, &[TransportKind::WebSocket]).max_received_payload(1_000_000);
    let client = crate::build_client(builder).expect("client");
    let seen = Seen::watch(&client);
    seen.error_containing("the server sent a message larger than 1000000 bytes").await;
    assert_eq!(seen.first_disconnect().await, DisconnectReason::TransportError);
    client.close();
}

/// A server that reads the first request and then runs `stall` on the
/// connection; reports whether the client closed it within 10 s.
fn stalling_server<F, Fut>(stall: F) -> (HostileServer, mpsc::Receiver<bool>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let (reports, reported) = mpsc::channel();
    let stall = Arc::new(stall);
    let server = HostileServer::start(move |mut stream| {
        let (reports, stall) = (reports.clone(), stall.clone());
        async move {
            if read_request(&mut stream).await.is_some() {
                let _ = reports.send(stall(stream).await);
            }
        }
    });
    (server, reported)
}

/// A server that reads the first request on `transport` and never answers:
/// the client gives up at its connect timeout and closes that socket.
async fn first_request_never_answered_is_given_up(transport: TransportKind) {
    let (server, closed) =
        stalling_server(|mut stream| async move { closed_by_peer(&mut stream, Duration::from_secs(10)).await });
    let builder = builder(&server, &[transport]).timeout(Duration::from_millis(300));
    let client = crate::build_client(builder).expect("client");
    let seen = Seen::watch(&client);
    seen.error_containing("timeout").await;
    assert!(report(&closed, Duration::from_secs(20)), "the client kept the socket of the {transport:?} it gave up");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_never_answered_is_given_up_at_the_timeout_and_its_socket_closed() {
    let _serial = serial().await;
    first_request_never_answered_is_given_up(TransportKind::Polling).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_upgrade_never_answered_is_given_up_at_the_timeout_and_its_socket_closed() {
    let _serial = serial().await;
    first_request_never_answered_is_given_up(TransportKind::WebSocket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_answered_at_one_byte_per_second_is_given_up_and_its_socket_closed() {
    let _serial = serial().await;
    let (server, closed) = stalling_server(|mut stream| async move {
        let answer = polling_answer(&open_packet("slow", false, 25_000, 20_000));
        for byte in answer.iter().take(10) {
            if stream.write_all(&[*byte]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        closed_by_peer(&mut stream, Duration::from_millis(1)).await
    });
    let builder = builder(&server, &[TransportKind::Polling]).timeout(Duration::from_millis(1500));
    let client = crate::build_client(builder).expect("client");
    let seen = Seen::watch(&client);
    seen.error_containing("timeout").await;
    assert!(report(&closed, Duration::from_secs(20)), "the client kept the socket of the request it gave up");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_poll_is_given_up_at_the_ping_timeout_and_its_socket_closed() {
    let _serial = serial().await;
    let (reports, closed) = mpsc::channel();
    let server = HostileServer::start(move |mut stream| {
        let reports = reports.clone();
        async move {
            while let Some(request) = read_request(&mut stream).await {
                let answer = match (request.method.as_str(), request.has_sid()) {
                    ("GET", false) => polling_answer(&open_packet("hung", false, 300, 200)),
                    ("POST", _) => polling_answer("ok"),
                    _ => {
                        let _ = reports.send(closed_by_peer(&mut stream, Duration::from_secs(10)).await);
                        return;
                    }
                };
                if stream.write_all(&answer).await.is_err() {
                    return;
                }
            }
        }
    });
    let client = crate::build_client(builder(&server, &[TransportKind::Polling])).expect("client");
    let seen = Seen::watch(&client);
    assert_eq!(seen.first_disconnect().await, DisconnectReason::PingTimeout);
    assert!(report(&closed, Duration::from_secs(20)), "the client kept the socket of the poll it gave up");
    client.close();
}

/// The descriptors open in this process.
fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|entries| entries.count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_sessions_dying_during_the_upgrade_leave_no_descriptor_behind() {
    let _serial = serial().await;
    const CYCLES: usize = 50;
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counted = handshakes.clone();
    let server = HostileServer::start(move |mut stream| {
        let handshakes = counted.clone();
        async move {
            while let Some(request) = read_request(&mut stream).await {
                let answer = match (request.method.as_str(), request.has_sid(), request.is_websocket()) {
                    (_, _, true) => {
                        // The upgrade is accepted; the probe is never answered.
                        if accept_websocket(&mut stream, &request).await.is_ok() {
                            closed_by_peer(&mut stream, Duration::from_secs(600)).await;
                        }
                        return;
                    }
                    ("GET", false, _) if handshakes.fetch_add(1, Ordering::SeqCst) < CYCLES => {
                        polling_answer(&open_packet("dies", true, 1, 1))
                    }
                    ("POST", _, _) => polling_answer("ok"),
                    // A pending poll, or the handshake after the last cycle.
                    _ => {
                        closed_by_peer(&mut stream, Duration::from_secs(600)).await;
                        return;
                    }
                };
                if stream.write_all(&answer).await.is_err() {
                    return;
                }
            }
        }
    });
    let before = open_descriptors();
    let builder = Client::builder(&server.url())
        .reconnection_delay(Duration::from_millis(20), Duration::from_millis(40))
        .timeout(Duration::from_secs(600));
    let client = crate::build_client(builder).expect("client");
    let _seen = Seen::watch(&client);
    let deadline = Instant::now() + Duration::from_secs(120);
    while handshakes.load(Ordering::SeqCst) <= CYCLES {
        assert!(Instant::now() < deadline, "{} handshakes", handshakes.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Past the close wait of the last WebSockets closed.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = open_descriptors();
    // What may remain: the pending handshake of the next attempt, both ends.
    assert!(after <= before + 4, "{before} descriptors before {CYCLES} failed upgrades, {after} after");
    client.close();
}

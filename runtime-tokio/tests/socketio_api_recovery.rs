//! Connection state recovery against the real `socket.io-client` 4.8.1 (its
//! own recovery on: it sends its pid and last offset when it reconnects).
//!
//! The server joins each fresh socket to `news`, gives it the data
//! `"alice"` and emits `hello`; the client then drops its Engine.IO
//! connection ("transport close", recoverable), the server broadcasts
//! `missed` 0, 1, 2 to `news` while it is away, and the client reconnects
//! and asks for its `state` (rooms and data).

mod socketio_api_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use runtime_tokio::socketio::{AckSender, DisconnectReason, RecoveryConfig, Socket, SocketIo, SocketIoBuilder};
use serde_json::{json, Value};
use socketio_api_support::run_client;
use socketio_proto::Args;

/// Starts the server; returns its URL and its count of middleware runs.
async fn start_server(builder: SocketIoBuilder) -> (String, Arc<AtomicUsize>) {
    let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await.expect("bind 127.0.0.1:0");
    let middleware_runs = Arc::new(AtomicUsize::new(0));
    let runs = Arc::clone(&middleware_runs);
    io.ns("/", |socket: Socket| async move {
        if !socket.recovered() {
            socket.join("news");
            socket.set_data(String::from("alice"));
            socket.emit("hello", "first").expect("the connection is open");
        }
        socket.on("state", |socket: Socket, _: Args, ack: Option<AckSender>| async move {
            if let Some(ack) = ack {
                let state = json!({ "rooms": socket.rooms(), "data": socket.data::<String>() });
                ack.send(&state).expect("the connection is open");
            }
        });
        socket.on_disconnect(|socket: Socket, reason| async move {
            if reason == DisconnectReason::TransportClose {
                for value in 0..3 {
                    socket.ns().to("news").emit("missed", &value).expect("numbers serialize");
                }
            }
        });
    })
    .middleware(move |_handshake| {
        runs.fetch_add(1, Ordering::SeqCst);
        async { Ok(()) }
    });
    (format!("http://{addr}"), middleware_runs)
}

async fn recovering_session() -> (Value, usize) {
    let builder = SocketIo::builder().connection_state_recovery(RecoveryConfig::default());
    let (url, middleware_runs) = start_server(builder).await;
    let report = run_client(&url, &["recovery"]).await;
    (report, middleware_runs.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovering_client_receives_the_events_broadcast_while_it_was_away() {
    let (report, _) = recovering_session().await;
    // Each carries its offset as a last argument, as in the reference; the client keeps the first.
    assert_eq!(report["missed"], json!([0, 1, 2]), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovered_socket_keeps_its_id_and_the_client_sees_recovered() {
    let (report, _) = recovering_session().await;
    assert_eq!(report["firstRecovered"], false, "{report}");
    assert_eq!(report["recovered"], true, "{report}");
    assert_eq!(report["secondId"], report["firstId"], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovered_socket_gets_its_rooms_and_data_back() {
    let (report, _) = recovering_session().await;
    let id = report["firstId"].clone();
    assert_eq!(report["state"], json!({ "rooms": [id, "news"], "data": "alice" }), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovered_socket_skips_the_middlewares() {
    let (report, middleware_runs) = recovering_session().await;
    assert_eq!(report["recovered"], true, "{report}");
    assert_eq!(middleware_runs, 1, "only the fresh connection went through the middleware");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovered_socket_goes_through_the_middlewares_when_configured() {
    let config = RecoveryConfig { skip_middlewares: false, ..RecoveryConfig::default() };
    let (url, middleware_runs) = start_server(SocketIo::builder().connection_state_recovery(config)).await;
    let report = run_client(&url, &["recovery"]).await;
    assert_eq!(report["recovered"], true, "{report}");
    assert_eq!(report["missed"], json!([0, 1, 2]), "{report}");
    assert_eq!(middleware_runs.load(Ordering::SeqCst), 2, "the recovered connection went through the middleware");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_recovery_a_reconnecting_client_gets_a_fresh_socket() {
    let (url, middleware_runs) = start_server(SocketIo::builder()).await;
    let report = run_client(&url, &["recovery"]).await;
    assert_eq!(report["recovered"], false, "{report}");
    assert_ne!(report["secondId"], report["firstId"], "{report}");
    assert_eq!(report["missed"], json!([]), "{report}");
    assert_eq!(middleware_runs.load(Ordering::SeqCst), 2);
}

//! What the `socketio_api_*` tests share: running `interop/socketio_api_client.js`
//! (the real npm `socket.io-client`; install with `npm ci --prefix interop`)
//! and waiting for what the server side reports.

#![allow(dead_code)]

#[path = "../peers/mod.rs"]
mod peers;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use runtime_tokio::socketio::{NamespaceRef, Socket, SocketIo};
use serde_json::{json, Value};
use socketio_proto::Args;
use tokio::sync::mpsc;

/// How long a node client may run.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// How long the server side may take to report.
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `socketio_api_client.js <url> <args…>` and returns its JSON report (`ok` checked).
pub async fn run_client(url: &str, args: &[&str]) -> Value {
    peers::require_npm("socket.io-client");
    let all: Vec<&str> = std::iter::once(url).chain(args.iter().copied()).collect();
    peers::node("socketio_api_client.js", &all, CLIENT_TIMEOUT).await.ok_report()
}

/// The next thing the server side reports.
pub async fn next<T>(reports: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(REPORT_TIMEOUT, reports.recv())
        .await
        .expect("the server reports in time")
        .expect("the server runs")
}

/// A server for `socketio_api_client.js group <clients> <answering>` with
/// its reports.
pub struct Group {
    /// Where the server listens.
    pub url: String,
    /// What the server side heard, as JSON objects (see [`start_group`]).
    pub reports: mpsc::UnboundedReceiver<Value>,
}

/// Starts a server whose `/` namespace gives each socket the data `index`
/// (its auth), joins it to `group-<index % 2>` (and `vip` for index 0),
/// reports `{"handshake","auth","peer","address"}`, `{"rooms"}`, every incoming event
/// (`{"any","args"}`), every outgoing emit (`{"outgoing"}`),
/// `{"disconnecting","rooms"}` and `{"disconnect","reason"}`, emits
/// `welcome` <index>, and once `clients` sockets are set up runs `scenario`,
/// then emits `done` to everyone.
pub async fn start_group<F, Fut>(clients: usize, scenario: F) -> Group
where
    F: Fn(SocketIo, NamespaceRef, mpsc::UnboundedSender<Value>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (report, reports) = mpsc::unbounded_channel();
    let ready = Arc::new(AtomicUsize::new(0));
    let scenario = Arc::new(scenario);
    let server = io.clone();
    io.ns("/", move |socket: Socket| {
        let (report, ready, scenario, server) =
            (report.clone(), Arc::clone(&ready), Arc::clone(&scenario), server.clone());
        async move {
            let auth = socket.handshake().auth::<Value>().unwrap_or_default();
            let index = auth["index"].as_u64().unwrap_or_default();
            let peer =
                socket.handshake().headers().get("x-peer").and_then(|value| value.to_str().ok()).map(String::from);
            let address = socket.handshake().address().map(|address| address.ip().to_string());
            let _ = report.send(json!({ "handshake": index, "auth": auth, "peer": peer, "address": address }));
            socket.set_data(index);
            socket.join(&format!("group-{}", index % 2));
            if index == 0 {
                socket.join("vip");
            }
            let _ = report.send(json!({ "rooms": socket.rooms(), "id": socket.id().as_str() }));
            let any = report.clone();
            socket.on_any(move |_socket: Socket, name: String, args: Args| {
                let any = any.clone();
                async move {
                    let args = args.deserialize::<Value>().unwrap_or_default();
                    let _ = any.send(json!({ "any": name, "args": args }));
                }
            });
            let outgoing = report.clone();
            socket.on_any_outgoing(move |_socket: &Socket, name: &str, _args: &Args| {
                let _ = outgoing.send(json!({ "outgoing": name }));
            });
            let disconnecting = report.clone();
            socket.on_disconnecting(move |socket: Socket, reason| {
                let disconnecting = disconnecting.clone();
                async move {
                    let _ = disconnecting.send(json!({ "disconnecting": reason.as_str(), "rooms": socket.rooms() }));
                }
            });
            let disconnect = report.clone();
            socket.on_disconnect(move |_socket: Socket, reason| {
                let disconnect = disconnect.clone();
                async move {
                    let _ = disconnect.send(json!({ "disconnect": index, "reason": reason.as_str() }));
                }
            });
            socket.emit("welcome", &index).expect("the connection is open");
            if ready.fetch_add(1, Ordering::SeqCst) + 1 == clients {
                let namespace = socket.ns();
                tokio::spawn(async move {
                    scenario(server, namespace.clone(), report).await;
                    namespace.emit("done", &true).expect("booleans serialize");
                });
            }
        }
    });
    Group { url: format!("http://{addr}"), reports }
}

/// The next report that has `key`, skipping the others.
pub async fn next_with(reports: &mut mpsc::UnboundedReceiver<Value>, key: &str) -> Value {
    loop {
        let report = next(reports).await;
        if report.get(key).is_some() {
            return report;
        }
    }
}

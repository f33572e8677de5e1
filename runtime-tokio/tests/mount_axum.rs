//! The Socket.IO server mounted into an axum app with `SocketIoLayer`: the
//! app's own routes still answer, and the real npm `socket.io-client`
//! (installed by `npm ci --prefix interop`) connects through the layer over
//! polling and over WebSocket, gets an ack and a server event.
//!
//! The node client is a short inline program (`node -e`, run in `interop/`
//! so it finds `node_modules`); it has a timeout, and the child is killed
//! when the test ends.

mod peers;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use runtime_tokio::engine::{EngineOptions, EngineServer};
use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use runtime_tokio::tokio::TokioRuntime;
use runtime_tokio::tower::{SocketIoLayer, SocketIoService};
use serde_json::{json, Value};
use socketio_proto::Args;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Connects to `process.argv[1]` over the transport `process.argv[2]`,
/// emits `echo` with an ack, waits for the server's `welcome`, prints one
/// JSON line.
const CLIENT: &str = r#"
const { io } = require("socket.io-client");
const [url, transport] = process.argv.slice(1);
const result = { ok: false };
const finish = () => { console.log(JSON.stringify(result)); process.exit(result.ok ? 0 : 1); };
setTimeout(() => { result.error = "timeout"; finish(); }, 10000);
const socket = io(url, { transports: [transport], reconnection: false });
let pending = 2;
const done = () => { if (--pending === 0) { result.ok = true; result.transport = socket.io.engine.transport.name; socket.disconnect(); finish(); } };
socket.on("connect_error", (error) => { result.error = String(error && error.message); finish(); });
socket.on("welcome", (text) => { result.welcome = text; done(); });
socket.on("connect", () => socket.emit("echo", "ping", 7, (...args) => { result.ack = args; done(); }));
"#;

/// An axum app with a `/hello` route and the Socket.IO server under
/// `/socket.io/`, served on 127.0.0.1:0.
async fn start_app() -> SocketAddr {
    let runtime = TokioRuntime::current().expect("inside a tokio runtime");
    let io = SocketIo::builder().build(Arc::new(runtime));
    io.ns("/", |socket: Socket| async move {
        socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
            if let Some(ack) = ack {
                ack.send_args(args).expect("the connection is open");
            }
        });
        socket.emit("welcome", "from axum").expect("the connection is open");
    });
    let app =
        axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" })).layer(SocketIoLayer::from(&io));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// One `GET` over a fresh connection: the status line and the body.
async fn get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write request");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer))
        .await
        .expect("the answer arrives in time")
        .expect("read the answer");
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

async fn run_client(addr: SocketAddr, transport: &str) -> Value {
    peers::require_npm("socket.io-client");
    let args = ["-e", CLIENT, &format!("http://{addr}"), transport].map(OsString::from).to_vec();
    peers::run("node", args, CLIENT_TIMEOUT).await.report()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_route_still_answers_beside_the_layer() {
    let addr = start_app().await;
    let (status, body) = get(addr, "/hello").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(body, "hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_app_path_still_gets_the_apps_404() {
    let addr = start_app().await;
    let (status, _body) = get(addr, "/nowhere").await;
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layer_answers_an_engine_io_handshake_under_its_path() {
    let addr = start_app().await;
    let (status, body) = get(addr, "/socket.io/?EIO=4&transport=polling").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(body.starts_with("0{\"sid\":"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_client_connects_through_the_layer_and_gets_an_ack() {
    let addr = start_app().await;
    let report = run_client(addr, "polling").await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["ack"], json!(["ping", 7]), "{report}");
    assert_eq!(report["welcome"], "from axum", "{report}");
    assert_eq!(report["transport"], "polling", "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_client_connects_through_the_layer_and_gets_an_ack() {
    let addr = start_app().await;
    let report = run_client(addr, "websocket").await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["ack"], json!(["ping", 7]), "{report}");
    assert_eq!(report["welcome"], "from axum", "{report}");
    assert_eq!(report["transport"], "websocket", "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_io_only_server_mounts_with_the_same_layer() {
    let runtime = TokioRuntime::current().expect("inside a tokio runtime");
    let (engine, _connections) = EngineServer::new(EngineOptions::default(), Arc::new(runtime));
    let app =
        axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" })).layer(SocketIoLayer::new(engine));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (status, body) = get(addr, "/engine.io/?EIO=4&transport=polling").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(body.starts_with("0{\"sid\":"), "{body}");
    assert_eq!(get(addr, "/hello").await.1, "hello");
}

#[tokio::test]
async fn service_answers_its_path_and_404s_the_rest() {
    let runtime = TokioRuntime::current().expect("inside a tokio runtime");
    let io = SocketIo::builder().build(Arc::new(runtime));
    let mut service = SocketIoService::from(&io);
    let request = |path: &str| http::Request::get(path).body(Empty::<Bytes>::new()).expect("a valid request");
    let handshake = service.call(request("/socket.io/?EIO=4&transport=polling")).await.expect("infallible");
    assert_eq!(handshake.status(), 200);
    let body = handshake.into_body().collect().await.expect("the body").to_bytes();
    assert!(body.starts_with(b"0{\"sid\":"), "{body:?}");
    let elsewhere = service.call(request("/elsewhere")).await.expect("infallible");
    assert_eq!(elsewhere.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mounted_preflight_echoes_no_requested_headers_past_the_header_size_limit() {
    // axum reads heads far larger than 16 KiB: the layer bounds its echo itself.
    let addr = start_app().await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let requested = vec!["x-header"; 20 * 1024 / 9].join(",");
    let request = format!(
        "OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Origin: http://example.com\r\nAccess-Control-Request-Headers: {requested}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write request");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer))
        .await
        .expect("the answer arrives in time")
        .expect("read the answer");
    assert!(answer.starts_with("HTTP/1.1 204"), "{}", &answer[..answer.len().min(200)]);
    assert!(!answer.to_ascii_lowercase().contains("access-control-allow-headers"), "{answer}");
}

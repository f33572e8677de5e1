//! The HTTP edges the reference server configures with options: CORS
//! (`cors`: origin list or predicate, credentials, preflight), the
//! `allowRequest` hook (asked on handshakes only; a refusal is a 403), and
//! the header read timeout that disconnects slowloris clients. Driven with
//! raw HTTP/1.1 requests.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::HeaderValue;
use runtime_tokio::engine::{AllowRequest, Cors, EngineOptions, EngineServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);
const HANDSHAKE: &str = "/engine.io/?EIO=4&transport=polling";

/// A server with `options` whose new sockets are kept open (and dropped with
/// the returned server's last user, the test).
async fn start_server(options: EngineOptions) -> (SocketAddr, EngineServer) {
    let (addr, server, mut connections) = runtime_tokio::tokio::bind("127.0.0.1:0", options).await.expect("bind");
    tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Some(socket) = connections.accept().await {
            sockets.push(socket);
        }
    });
    (addr, server)
}

struct HttpAnswer {
    status: u16,
    head: String,
    body: String,
}

impl HttpAnswer {
    /// The values of header `name` (lower case), in order.
    fn header(&self, name: &str) -> Vec<&str> {
        self.head
            .lines()
            .filter_map(|line| line.split_once(": "))
            .filter(|(key, _)| *key == name)
            .map(|(_, value)| value)
            .collect()
    }
}

/// Sends one request with `Connection: close` and reads the whole answer.
async fn http(addr: SocketAddr, method: &str, target: &str, extra_headers: &str) -> HttpAnswer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n{extra_headers}\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write request");
    let mut raw = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("answer in time").expect("read answer");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    HttpAnswer { status, head: head.to_ascii_lowercase(), body: body.to_owned() }
}

fn sid_of(answer: &HttpAnswer) -> String {
    let open: serde_json::Value = serde_json::from_str(answer.body.trim_start_matches('0')).expect("open packet");
    open["sid"].as_str().expect("sid").to_owned()
}

fn listed() -> EngineOptions {
    EngineOptions::default().with_cors(Cors::list([
        HeaderValue::from_static("http://a.example"),
        HeaderValue::from_static("http://b.example"),
    ]))
}

// --- CORS ---

#[tokio::test]
async fn default_cors_allows_any_origin_without_credentials() {
    let (addr, _server) = start_server(EngineOptions::default()).await;
    let answer = http(addr, "GET", HANDSHAKE, "Origin: http://a.example\r\n").await;
    assert_eq!(answer.header("access-control-allow-origin"), ["*"], "{}", answer.head);
    assert!(answer.header("access-control-allow-credentials").is_empty(), "{}", answer.head);
}

#[tokio::test]
async fn listed_origin_is_echoed_with_vary_origin() {
    let (addr, _server) = start_server(listed()).await;
    let answer = http(addr, "GET", HANDSHAKE, "Origin: http://b.example\r\n").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), ["http://b.example"], "{}", answer.head);
    assert_eq!(answer.header("vary"), ["origin"], "{}", answer.head);
}

#[tokio::test]
async fn unlisted_origin_gets_no_allow_origin_header() {
    let (addr, _server) = start_server(listed()).await;
    let answer = http(addr, "GET", HANDSHAKE, "Origin: http://evil.example\r\n").await;
    assert!(answer.header("access-control-allow-origin").is_empty(), "{}", answer.head);
}

#[tokio::test]
async fn origin_predicate_decides_which_origins_are_echoed() {
    let cors = Cors::predicate(|origin| origin.as_bytes().ends_with(b".good.example"));
    let (addr, _server) = start_server(EngineOptions::default().with_cors(cors)).await;
    let good = http(addr, "GET", HANDSHAKE, "Origin: http://app.good.example\r\n").await;
    assert_eq!(good.header("access-control-allow-origin"), ["http://app.good.example"], "{}", good.head);
    let bad = http(addr, "GET", HANDSHAKE, "Origin: http://bad.example\r\n").await;
    assert!(bad.header("access-control-allow-origin").is_empty(), "{}", bad.head);
}

#[tokio::test]
async fn credentials_flag_sends_allow_credentials() {
    let (addr, _server) = start_server(
        listed().with_cors(Cors::list([HeaderValue::from_static("http://a.example")]).with_credentials(true)),
    )
    .await;
    let answer = http(addr, "GET", HANDSHAKE, "Origin: http://a.example\r\n").await;
    assert_eq!(answer.header("access-control-allow-credentials"), ["true"], "{}", answer.head);
}

#[tokio::test]
async fn preflight_allows_get_and_post_and_echoes_the_requested_headers() {
    let (addr, _server) = start_server(listed()).await;
    let headers = "Origin: http://a.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-token, content-type\r\n";
    let answer = http(addr, "OPTIONS", HANDSHAKE, headers).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.header("access-control-allow-origin"), ["http://a.example"], "{}", answer.head);
    assert_eq!(answer.header("access-control-allow-methods"), ["get,post"], "{}", answer.head);
    assert_eq!(answer.header("access-control-allow-headers"), ["x-token, content-type"], "{}", answer.head);
    assert_eq!(answer.header("vary"), ["origin", "access-control-request-headers"], "{}", answer.head);
}

// --- allowRequest ---

#[tokio::test]
async fn refused_handshake_gets_403_with_the_hooks_message() {
    let allow = AllowRequest::new(|_parts, _peer| Err("no entry".to_owned()));
    let (addr, server) = start_server(EngineOptions::default().with_allow_request(allow)).await;
    let answer = http(addr, "GET", HANDSHAKE, "").await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body, r#"{"code":4,"message":"no entry"}"#);
    assert_eq!(server.session_count(), 0);
}

#[tokio::test]
async fn refusal_without_a_message_uses_the_reference_message() {
    let allow = AllowRequest::new(|_parts, _peer| Err(String::new()));
    let (addr, _server) = start_server(EngineOptions::default().with_allow_request(allow)).await;
    let answer = http(addr, "GET", HANDSHAKE, "").await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body, r#"{"code":4,"message":"Forbidden"}"#);
}

#[tokio::test]
async fn refused_websocket_handshake_gets_the_reference_400() {
    let allow = AllowRequest::new(|_parts, _peer| Err("no entry".to_owned()));
    let (addr, _server) = start_server(EngineOptions::default().with_allow_request(allow)).await;
    let headers =
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let answer = http(addr, "GET", "/engine.io/?EIO=4&transport=websocket", headers).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body, "no entry");
}

#[tokio::test]
async fn async_hook_sees_the_request_headers_and_the_peer_address() {
    let allow = AllowRequest::new_async(|parts, peer| {
        let token = parts.headers.get("x-token").cloned();
        async move {
            match (token, peer) {
                (Some(token), Some(peer)) if token == "letmein" && peer.ip().is_loopback() => Ok(()),
                (token, peer) => Err(format!("refused {token:?} from {peer:?}")),
            }
        }
    });
    let (addr, _server) = start_server(EngineOptions::default().with_allow_request(allow)).await;
    assert_eq!(http(addr, "GET", HANDSHAKE, "X-Token: letmein\r\n").await.status, 200);
    assert_eq!(http(addr, "GET", HANDSHAKE, "X-Token: wrong\r\n").await.status, 403);
}

#[tokio::test]
async fn hook_is_asked_on_handshakes_only() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    // Lets the first request in and refuses every later one it is asked about.
    let allow = AllowRequest::new(move |_parts, _peer| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Ok(()),
        _ => Err("only one".to_owned()),
    });
    let (addr, _server) = start_server(EngineOptions::default().with_allow_request(allow)).await;
    let sid = sid_of(&http(addr, "GET", HANDSHAKE, "").await);
    let post = http(addr, "POST", &format!("{HANDSHAKE}&sid={sid}"), "").await;
    assert_eq!((post.status, post.body.as_str()), (200, "ok"), "the POST to the session is not asked about");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

// --- header read timeout ---

const SHORT_HEADER_TIMEOUT: Duration = Duration::from_millis(300);

/// Sends half a request line and waits for the server to hang up; `None`
/// when it has not after `patience`.
async fn stall(addr: SocketAddr, patience: Duration) -> Option<Duration> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    stream.write_all(b"GET /engine.io/?EIO=4&tra").await.expect("write half a request line");
    let mut rest = Vec::new();
    match timeout(patience, stream.read_to_end(&mut rest)).await {
        Ok(_) => Some(started.elapsed()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn stalled_request_head_is_disconnected_after_the_header_read_timeout() {
    let options = EngineOptions::default().with_header_read_timeout(Some(SHORT_HEADER_TIMEOUT));
    let (addr, _server) = start_server(options).await;
    let stalled = tokio::spawn(stall(addr, WAIT));
    // Meanwhile an ordinary client is served.
    assert_eq!(http(addr, "GET", HANDSHAKE, "").await.status, 200);
    let hung_up_after = stalled.await.expect("the stalling client ran").expect("the server hung up");
    assert!(hung_up_after >= SHORT_HEADER_TIMEOUT - Duration::from_millis(50), "{hung_up_after:?}");
}

#[tokio::test]
async fn stalled_request_head_is_kept_without_a_header_read_timeout() {
    let (addr, _server) = start_server(EngineOptions::default().with_header_read_timeout(None)).await;
    assert_eq!(stall(addr, SHORT_HEADER_TIMEOUT * 3).await, None);
}

#[tokio::test]
async fn header_read_timeout_defaults_to_ten_seconds() {
    assert_eq!(EngineOptions::default().header_read_timeout, Some(Duration::from_secs(10)));
}

#[tokio::test]
async fn socketio_server_takes_the_edges_through_its_engine_options() {
    let allow = AllowRequest::new(|_parts, _peer| Err("closed today".to_owned()));
    let options = EngineOptions::default()
        .with_path("/socket.io/")
        .with_cors(Cors::exact(HeaderValue::from_static("http://a.example")))
        .with_allow_request(allow);
    let builder = runtime_tokio::socketio::SocketIo::builder().engine_options(options);
    let (addr, _io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await.expect("bind");
    let answer = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body, r#"{"code":4,"message":"closed today"}"#);
    assert_eq!(answer.header("access-control-allow-origin"), ["http://a.example"], "{}", answer.head);
}

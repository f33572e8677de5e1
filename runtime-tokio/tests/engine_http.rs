//! The Engine.IO server's HTTP and WebSocket edges, driven with raw
//! HTTP/1.1 requests and a tungstenite client: limits, aborted polls, CORS,
//! error answers. The protocol itself is engineio-proto's (and the interop
//! tests'); these check what the driver adds.

use std::net::SocketAddr;
use std::time::Duration;

use engineio_proto::server::{CloseReason, ServerConfig};
use futures_util::{SinkExt, StreamExt};
use http::HeaderValue;
use runtime_tokio::engine::{EngineOptions, Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const WAIT: Duration = Duration::from_secs(5);
const SMALL_LIMIT: usize = 100;

/// A server whose sockets' events all arrive on the receiver.
async fn start_server(options: EngineOptions) -> (SocketAddr, mpsc::UnboundedReceiver<Event>) {
    let (addr, _server, mut connections) = runtime_tokio::tokio::bind("127.0.0.1:0", options).await.expect("bind");
    let (events, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(mut socket) = connections.accept().await {
            let events = events.clone();
            tokio::spawn(async move {
                while let Some(event) = socket.recv().await {
                    let _ = events.send(event);
                }
            });
        }
    });
    (addr, received)
}

fn small_limit() -> EngineOptions {
    EngineOptions::default().with_config(ServerConfig::default().with_max_http_buffer_size(SMALL_LIMIT))
}

struct HttpAnswer {
    status: u16,
    head: String,
    body: String,
}

/// Sends one request with `Connection: close` and reads the whole answer.
async fn http(addr: SocketAddr, method: &str, target: &str, extra_headers: &str, body: &str) -> HttpAnswer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n{extra_headers}\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write request");
    let mut raw = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("answer in time").expect("read answer");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    HttpAnswer { status, head: head.to_ascii_lowercase(), body: body.to_owned() }
}

/// A polling handshake; returns the sid.
async fn handshake(addr: SocketAddr) -> String {
    let answer = http(addr, "GET", "/engine.io/?EIO=4&transport=polling", "", "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let open: serde_json::Value = serde_json::from_str(answer.body.trim_start_matches('0')).expect("open packet");
    open["sid"].as_str().expect("sid").to_owned()
}

async fn next_closed(received: &mut mpsc::UnboundedReceiver<Event>) -> CloseReason {
    loop {
        match timeout(WAIT, received.recv()).await.expect("an event in time") {
            Some(Event::Closed(reason)) => return reason,
            Some(_) => {}
            None => panic!("the server's events ended without Closed"),
        }
    }
}

#[tokio::test]
async fn preflight_gets_204_with_cors_headers() {
    let (addr, _events) = start_server(EngineOptions::default()).await;
    let headers = "Origin: http://example.com\r\nAccess-Control-Request-Headers: x-token\r\n";
    let answer = http(addr, "OPTIONS", "/engine.io/?EIO=4&transport=polling", headers, "").await;
    assert_eq!(answer.status, 204);
    assert!(answer.head.contains("access-control-allow-origin: *"), "{}", answer.head);
    assert!(answer.head.contains("access-control-allow-headers: x-token"), "{}", answer.head);
}

#[tokio::test]
async fn configured_cors_origin_is_sent_with_credentials() {
    let options = EngineOptions::default().with_cors_origin(HeaderValue::from_static("http://example.com"));
    let (addr, _events) = start_server(options).await;
    let answer = http(addr, "GET", "/engine.io/?EIO=4&transport=polling", "", "").await;
    assert!(answer.head.contains("access-control-allow-origin: http://example.com"), "{}", answer.head);
    assert!(answer.head.contains("access-control-allow-credentials: true"), "{}", answer.head);
}

#[tokio::test]
async fn request_outside_the_path_gets_404() {
    let (addr, _events) = start_server(EngineOptions::default()).await;
    assert_eq!(http(addr, "GET", "/other/?EIO=4&transport=polling", "", "").await.status, 404);
}

#[tokio::test]
async fn unknown_sid_gets_the_reference_error_body() {
    let (addr, _events) = start_server(EngineOptions::default()).await;
    let answer = http(addr, "GET", "/engine.io/?EIO=4&transport=polling&sid=nope", "", "").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body, r#"{"code":1,"message":"Session ID unknown"}"#);
}

#[tokio::test]
async fn post_over_the_limit_gets_413_and_closes_the_session() {
    let (addr, mut events) = start_server(small_limit()).await;
    let sid = handshake(addr).await;
    let body = format!("4{}", "x".repeat(SMALL_LIMIT * 2));
    let answer = http(addr, "POST", &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"), "", &body).await;
    assert_eq!(answer.status, 413);
    assert_eq!(next_closed(&mut events).await, CloseReason::TransportError);
}

#[tokio::test]
async fn aborted_parked_get_closes_the_session() {
    let (addr, mut events) = start_server(EngineOptions::default()).await;
    let sid = handshake(addr).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write request");
    // Let the GET park, then walk away from it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(stream);
    assert_eq!(next_closed(&mut events).await, CloseReason::TransportError);
}

#[tokio::test]
async fn websocket_message_over_the_limit_is_closed_with_1009() {
    let (addr, mut events) = start_server(small_limit()).await;
    let stream = TcpStream::connect(addr).await.expect("connect");
    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket");
    let (mut websocket, _) = tokio_tungstenite::client_async(url, stream).await.expect("websocket handshake");
    let open = timeout(WAIT, websocket.next()).await.expect("open in time").expect("open packet").expect("frame");
    assert!(open.to_text().expect("text").starts_with("0{\"sid\":"), "{open:?}");
    let oversized = format!("4{}", "x".repeat(SMALL_LIMIT * 2));
    websocket.send(WsMessage::text(oversized)).await.expect("send");
    let close = loop {
        match timeout(WAIT, websocket.next()).await.expect("close in time") {
            Some(Ok(WsMessage::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|frame| frame.code), Some(CloseCode::Size));
    assert_eq!(next_closed(&mut events).await, CloseReason::TransportError);
}

#[tokio::test]
async fn websocket_request_without_key_is_refused_as_the_reference_does() {
    let (addr, _events) = start_server(EngineOptions::default()).await;
    let headers = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    let answer = http(addr, "GET", "/engine.io/?EIO=4&transport=websocket", headers, "").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body, "Bad request");
}

/// Opens a WebSocket session and returns the client and the open packet's JSON.
async fn open_websocket(addr: SocketAddr) -> (tokio_tungstenite::WebSocketStream<TcpStream>, serde_json::Value) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket");
    let (mut websocket, _) = tokio_tungstenite::client_async(url, stream).await.expect("websocket handshake");
    let open = timeout(WAIT, websocket.next()).await.expect("open in time").expect("open packet").expect("frame");
    let open = open.into_text().expect("text");
    let json = serde_json::from_str(open.as_str().trim_start_matches('0')).expect("open packet JSON");
    (websocket, json)
}

/// The next text frame the client receives.
async fn next_text(websocket: &mut tokio_tungstenite::WebSocketStream<TcpStream>) -> String {
    loop {
        match timeout(WAIT, websocket.next()).await.expect("a frame in time") {
            Some(Ok(WsMessage::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(_)) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn websocket_session_pings_on_its_timer_and_times_out_a_silent_client() {
    let config = ServerConfig::default()
        .with_ping_interval(Duration::from_millis(100))
        .with_ping_timeout(Duration::from_millis(100));
    let (addr, mut events) = start_server(EngineOptions::default().with_config(config)).await;
    let (mut websocket, open) = open_websocket(addr).await;
    assert_eq!(open["pingInterval"], 100);
    assert_eq!(next_text(&mut websocket).await, "2");
    websocket.send(WsMessage::text("3")).await.expect("pong");
    assert_eq!(next_text(&mut websocket).await, "2");
    // No pong this time.
    assert_eq!(next_closed(&mut events).await, CloseReason::PingTimeout);
}

#[tokio::test]
async fn dropping_the_engine_socket_closes_the_session_for_the_client() {
    let (addr, _server, mut connections) =
        runtime_tokio::tokio::bind("127.0.0.1:0", EngineOptions::default()).await.expect("bind");
    let (mut websocket, _) = open_websocket(addr).await;
    let socket = timeout(WAIT, connections.accept()).await.expect("a socket in time").expect("socket");
    drop(socket);
    let ending = loop {
        match timeout(WAIT, websocket.next()).await.expect("the end in time") {
            Some(Ok(WsMessage::Close(frame))) => break frame.map(|frame| frame.code),
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(ending, Some(CloseCode::Normal));
}

#[tokio::test]
async fn application_messages_reach_a_polling_client_on_its_next_get() {
    let (addr, _server, mut connections) =
        runtime_tokio::tokio::bind("127.0.0.1:0", EngineOptions::default()).await.expect("bind");
    let sid = handshake(addr).await;
    let socket = timeout(WAIT, connections.accept()).await.expect("a socket in time").expect("socket");
    assert_eq!(socket.id().as_str(), sid);
    socket.send("first").await.expect("queued");
    socket.send(bytes::Bytes::from_static(&[1, 2])).await.expect("queued");
    let answer = http(addr, "GET", &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"), "", "").await;
    assert_eq!(answer.body, "4first\u{1e}bAQI=");
}

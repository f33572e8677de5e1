//! The conformance examples (`eio_conformance`, `sio_conformance`), which the
//! socketio/engine.io-protocol and socketio/socket.io-protocol suites run
//! against, answer the golden exchanges of the protocol notes (§1.3, §1.4,
//! §2.4). The examples' own `serve` functions are driven in-process on a
//! free port, with a raw HTTP/1.1 or tungstenite client.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;

#[path = "../examples/eio_conformance.rs"]
#[allow(dead_code)]
mod eio_conformance;

#[path = "../examples/sio_conformance.rs"]
#[allow(dead_code)]
mod sio_conformance;

const WAIT: Duration = Duration::from_secs(5);

type WebSocket = WebSocketStream<TcpStream>;

struct HttpAnswer {
    status: u16,
    head: String,
    body: String,
}

/// Sends one GET with `Connection: close` and reads the whole answer.
async fn http_get(addr: SocketAddr, target: &str, extra_headers: &str) -> HttpAnswer {
    let mut stream = timeout(WAIT, TcpStream::connect(addr)).await.expect("connect in time").expect("connect");
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra_headers}\r\n");
    stream.write_all(request.as_bytes()).await.expect("write request");
    let mut raw = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("answer in time").expect("read answer");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("head and body");
    let status = head.split(' ').nth(1).and_then(|status| status.parse().ok()).expect("status code");
    HttpAnswer { status, head: head.to_owned(), body: body.to_owned() }
}

/// Opens a WebSocket-only session at `path` and returns the client and the open packet's text.
async fn open_websocket(addr: SocketAddr, path: &str) -> (WebSocket, String) {
    let stream = timeout(WAIT, TcpStream::connect(addr)).await.expect("connect in time").expect("connect");
    let url = format!("ws://{addr}{path}?EIO=4&transport=websocket");
    let (mut websocket, _) =
        timeout(WAIT, tokio_tungstenite::client_async(url, stream)).await.expect("upgrade in time").expect("upgrade");
    let open = next_frame(&mut websocket).await.into_text().expect("open packet is text");
    (websocket, open.as_str().to_owned())
}

/// The next data frame the client receives.
async fn next_frame(websocket: &mut WebSocket) -> WsMessage {
    loop {
        match timeout(WAIT, websocket.next()).await.expect("a frame in time") {
            Some(Ok(frame @ (WsMessage::Text(_) | WsMessage::Binary(_)))) => return frame,
            Some(Ok(_)) => {}
            other => panic!("expected a data frame, got {other:?}"),
        }
    }
}

/// The next text frame other than a ping, answering pings with pongs so the
/// session outlives the suite's 300 ms heartbeat.
async fn next_packet(websocket: &mut WebSocket) -> String {
    loop {
        match next_frame(websocket).await {
            WsMessage::Text(text) if text.as_str() == "2" => send_text(websocket, "3").await,
            WsMessage::Text(text) => return text.as_str().to_owned(),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

async fn send_text(websocket: &mut WebSocket, text: &str) {
    timeout(WAIT, websocket.send(WsMessage::text(text))).await.expect("send in time").expect("send");
}

/// The JSON after `prefix` in `packet`.
fn json_after(packet: &str, prefix: &str) -> serde_json::Value {
    let rest = packet.strip_prefix(prefix).unwrap_or_else(|| panic!("{packet:?} starts with {prefix:?}"));
    serde_json::from_str(rest).expect("JSON payload")
}

async fn eio_server(allow_eio3: bool) -> SocketAddr {
    eio_conformance::serve(0, allow_eio3).await.expect("eio_conformance binds")
}

async fn sio_server() -> SocketAddr {
    sio_conformance::serve(0).await.expect("sio_conformance binds")
}

/// A Socket.IO client connected to `/` (CONNECT answered, `auth` received).
async fn sio_connected(addr: SocketAddr) -> WebSocket {
    let (mut websocket, _open) = open_websocket(addr, "/socket.io/").await;
    send_text(&mut websocket, "40").await;
    let reply = next_packet(&mut websocket).await;
    assert!(reply.starts_with("40{"), "{reply:?}");
    assert_eq!(next_packet(&mut websocket).await, r#"42["auth",{}]"#);
    websocket
}

#[tokio::test]
async fn eio_open_packet_carries_exactly_the_suite_options() {
    let addr = eio_server(false).await;
    let answer = http_get(addr, "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(answer.status, 200);
    let open = json_after(&answer.body, "0");
    let object = open.as_object().expect("open packet object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
    assert_eq!(open["pingInterval"], 300);
    assert_eq!(open["pingTimeout"], 200);
    assert_eq!(open["maxPayload"], 1_000_000);
    assert_eq!(open["upgrades"], serde_json::json!(["websocket"]));
}

#[tokio::test]
async fn eio_shares_its_answers_with_any_origin() {
    let addr = eio_server(false).await;
    let answer = http_get(addr, "/engine.io/?EIO=4&transport=polling", "Origin: http://example.test\r\n").await;
    assert_eq!(answer.status, 200);
    let head = answer.head.to_ascii_lowercase();
    assert!(head.contains("\r\naccess-control-allow-origin: *\r\n"), "{}", answer.head);
}

#[tokio::test]
async fn eio_echoes_a_text_message_as_text() {
    let addr = eio_server(false).await;
    let (mut websocket, _open) = open_websocket(addr, "/engine.io/").await;
    send_text(&mut websocket, "4hello €").await;
    assert_eq!(next_frame(&mut websocket).await, WsMessage::text("4hello €"));
}

#[tokio::test]
async fn eio_echoes_a_binary_message_as_binary() {
    let addr = eio_server(false).await;
    let (mut websocket, _open) = open_websocket(addr, "/engine.io/").await;
    let payload = vec![0_u8, 1, 2, 255];
    timeout(WAIT, websocket.send(WsMessage::binary(payload.clone()))).await.expect("send in time").expect("send");
    assert_eq!(next_frame(&mut websocket).await, WsMessage::binary(payload));
}

#[tokio::test]
async fn eio_pings_after_the_300_ms_interval() {
    let addr = eio_server(false).await;
    let (mut websocket, _open) = open_websocket(addr, "/engine.io/").await;
    let opened = Instant::now();
    assert_eq!(next_frame(&mut websocket).await, WsMessage::text("2"));
    let elapsed = opened.elapsed();
    assert!(elapsed >= Duration::from_millis(200) && elapsed < Duration::from_millis(1000), "ping after {elapsed:?}");
}

#[tokio::test]
async fn eio3_is_refused_without_allow_eio3() {
    let addr = eio_server(false).await;
    let answer = http_get(addr, "/engine.io/?EIO=3&transport=polling", "").await;
    assert_eq!(answer.status, 400, "{}", answer.body);
}

#[tokio::test]
async fn eio3_is_served_with_allow_eio3() {
    let addr = eio_server(true).await;
    let answer = http_get(addr, "/engine.io/?EIO=3&transport=polling", "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("\"pingInterval\":300"), "{}", answer.body);
}

#[tokio::test]
async fn sio_open_packet_carries_the_suite_options() {
    let addr = sio_server().await;
    let (_websocket, open) = open_websocket(addr, "/socket.io/").await;
    let open = json_after(&open, "0");
    assert_eq!(open["pingInterval"], 300);
    assert_eq!(open["pingTimeout"], 200);
    assert_eq!(open["maxPayload"], 1_000_000);
}

#[tokio::test]
async fn sio_connect_to_main_namespace_gets_a_sid_then_the_empty_auth() {
    let addr = sio_server().await;
    let (mut websocket, _open) = open_websocket(addr, "/socket.io/").await;
    send_text(&mut websocket, "40").await;
    let reply = json_after(&next_packet(&mut websocket).await, "40");
    assert!(reply["sid"].is_string(), "{reply}");
    assert_eq!(next_packet(&mut websocket).await, r#"42["auth",{}]"#);
}

#[tokio::test]
async fn sio_message_is_answered_with_message_back_and_the_same_arguments() {
    let addr = sio_server().await;
    let mut websocket = sio_connected(addr).await;
    send_text(&mut websocket, r#"42["message",1,"2",{"3":[true]}]"#).await;
    assert_eq!(next_packet(&mut websocket).await, r#"42["message-back",1,"2",{"3":[true]}]"#);
}

#[tokio::test]
async fn sio_binary_message_is_answered_with_binary_message_back() {
    let addr = sio_server().await;
    let mut websocket = sio_connected(addr).await;
    send_text(&mut websocket, r#"451-["message",{"_placeholder":true,"num":0}]"#).await;
    timeout(WAIT, websocket.send(WsMessage::binary(vec![1_u8, 2, 3]))).await.expect("send in time").expect("send");
    assert_eq!(next_packet(&mut websocket).await, r#"451-["message-back",{"_placeholder":true,"num":0}]"#);
    assert_eq!(next_frame(&mut websocket).await, WsMessage::binary(vec![1_u8, 2, 3]));
}

#[tokio::test]
async fn sio_message_with_ack_is_acked_with_its_arguments() {
    let addr = sio_server().await;
    let mut websocket = sio_connected(addr).await;
    send_text(&mut websocket, r#"4212["message-with-ack",1]"#).await;
    assert_eq!(next_packet(&mut websocket).await, "4312[1]");
}

#[tokio::test]
async fn sio_unknown_namespace_is_refused_with_invalid_namespace() {
    let addr = sio_server().await;
    let (mut websocket, _open) = open_websocket(addr, "/socket.io/").await;
    send_text(&mut websocket, "40/random,").await;
    assert_eq!(next_packet(&mut websocket).await, r#"44/random,{"message":"Invalid namespace"}"#);
}

#[tokio::test]
async fn sio_custom_namespace_emits_the_auth_payload() {
    let addr = sio_server().await;
    let (mut websocket, _open) = open_websocket(addr, "/socket.io/").await;
    send_text(&mut websocket, r#"40/custom,{"token":"x"}"#).await;
    let reply = json_after(&next_packet(&mut websocket).await, "40/custom,");
    assert!(reply["sid"].is_string(), "{reply}");
    assert_eq!(next_packet(&mut websocket).await, r#"42/custom,["auth",{"token":"x"}]"#);
}

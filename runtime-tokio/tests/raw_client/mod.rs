//! Raw HTTP long-polling requests written byte by byte, for tests that
//! control exactly what a client sends and when it reads.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// A raw client WebSocket.
pub type Ws = WebSocketStream<TcpStream>;

/// How long the server may take to answer.
pub const WAIT: Duration = Duration::from_secs(20);

/// A raw HTTP answer: its head (status line and headers) and its body.
pub struct Answer {
    /// The status line and headers, as received.
    pub head: String,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Answer {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// One HTTP/1.1 request with `extra_headers` (`"Name: value\r\n"` lines) on
/// its own connection; asserts a 200 answer.
pub async fn request(addr: SocketAddr, method: &str, query: &str, extra_headers: &str, body: &str) -> Answer {
    let mut stream = TcpStream::connect(addr).await.expect("connect to the server");
    let request = format!(
        "{method} /socket.io/?{query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra_headers}\
         Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send the request");
    let mut response = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut response))
        .await
        .expect("the server answers in time")
        .expect("read the answer");
    let split = response.windows(4).position(|window| window == b"\r\n\r\n").expect("a complete HTTP head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    Answer { head, body: response[split + 4..].to_vec() }
}

/// One plain request; returns the body as text.
pub async fn http(addr: SocketAddr, method: &str, query: &str, body: &str) -> String {
    let answer = request(addr, method, query, "", body).await;
    String::from_utf8(answer.body).expect("a text answer")
}

/// Opens a Socket.IO v5 polling connection and joins `/`; returns the
/// Engine.IO sid and the socket id.
pub async fn connect_polling(addr: SocketAddr) -> (String, String) {
    let open = http(addr, "GET", "EIO=4&transport=polling", "").await;
    let open: serde_json::Value = serde_json::from_str(open.strip_prefix('0').expect("an open packet")).expect("JSON");
    let sid = open["sid"].as_str().expect("a sid").to_owned();
    let query = format!("EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &query, "40").await, "ok");
    let reply = http(addr, "GET", &query, "").await;
    let reply: serde_json::Value =
        serde_json::from_str(reply.strip_prefix("40").expect("a CONNECT reply")).expect("JSON CONNECT reply");
    (sid, reply["sid"].as_str().expect("a socket id").to_owned())
}

/// The next text message of `ws`.
pub async fn next_text(ws: &mut Ws) -> String {
    use futures_util::StreamExt;
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("the server answers in time")
            .expect("the WebSocket stays open")
            .expect("the WebSocket reads");
        if let Message::Text(text) = message {
            return text.to_string();
        }
    }
}

/// Opens a Socket.IO v5 WebSocket connection and joins `/`; returns the
/// socket id from the CONNECT reply.
pub async fn connect(addr: std::net::SocketAddr) -> (Ws, String) {
    use futures_util::SinkExt;
    let stream = TcpStream::connect(addr).await.expect("connect to the server");
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream).await.expect("WebSocket handshake");
    assert!(next_text(&mut ws).await.starts_with('0'), "the open packet comes first");
    ws.send(Message::text("40")).await.expect("send CONNECT");
    let reply = next_text(&mut ws).await;
    let json: serde_json::Value =
        serde_json::from_str(reply.strip_prefix("40").expect("a CONNECT reply")).expect("JSON CONNECT reply");
    (ws, json["sid"].as_str().expect("a socket id").to_owned())
}

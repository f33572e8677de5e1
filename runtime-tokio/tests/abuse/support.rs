//! What the abuse tests share: a Socket.IO server whose `/` acknowledges
//! `echo` with its argument, raw HTTP/1.1 and WebSocket clients written here
//! (so every byte sent is the test's choice), and [`Bystander`], a
//! well-behaved client (this crate's, over WebSocket) doing emit/ack round
//! trips while a test misbehaves, to prove the server keeps serving others.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use engineio_proto::TransportKind;
use runtime_tokio::client::Client;
use runtime_tokio::socketio::{AckSender, Data, Socket, SocketIo, SocketIoBuilder};
use serde_json::Value;
use socketio_proto::Args;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// How long anything the tests wait for may take (a loaded 2-core box).
pub const WAIT: Duration = Duration::from_secs(10);

/// The Socket.IO path.
pub const PATH: &str = "/socket.io/";

/// A running server.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The server itself (its engine counts the sessions).
    pub io: SocketIo,
    /// How many `abuse` events the application was handed.
    pub abuse_events: Arc<AtomicUsize>,
}

impl Server {
    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many Engine.IO sessions are open.
    pub fn sessions(&self) -> usize {
        self.io.engine().session_count()
    }

    /// Waits until the server holds `count` sessions; panics after [`WAIT`].
    pub async fn wait_for_sessions(&self, count: usize) {
        let outcome = timeout(WAIT * 3, async {
            while self.sessions() != count {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(outcome.is_ok(), "the server holds {} sessions, not {count}", self.sessions());
    }
}

/// Starts `builder` on 127.0.0.1: `/` acknowledges `echo` with its
/// argument, answers `message` with `message-back` and all its arguments
/// (attachments too), and counts the `abuse` events it is handed (the event the
/// tests' malformed packets name: none of them may reach the application).
pub async fn start(builder: SocketIoBuilder) -> Server {
    let (addr, io) = crate::bind_server_under_test(builder).await.expect("bind 127.0.0.1:0");
    let abuse_events = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&abuse_events);
    io.ns("/", move |socket: Socket| {
        let counted = Arc::clone(&counted);
        async move {
            socket.on("message", |socket: Socket, args: Args, _ack: Option<AckSender>| async move {
                let _ = socket.emit_args("message-back", args);
            });
            socket.on("echo", |_socket: Socket, Data(value): Data<Value>, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    let _ = ack.send(&value);
                }
            });
            socket.on("abuse", move |_socket: Socket, Data(_value): Data<Value>, _ack: Option<AckSender>| {
                counted.fetch_add(1, Ordering::SeqCst);
                async {}
            });
        }
    });
    Server { addr, io, abuse_events }
}

/// A well-behaved client doing `echo` round trips in a loop while a test
/// misbehaves next to it.
pub struct Bystander {
    stop: Arc<AtomicBool>,
    task: JoinHandle<usize>,
}

impl Bystander {
    /// Connects this crate's client over WebSocket to `/` (returns once
    /// joined) and starts the round trips.
    pub async fn start(url: &str) -> Bystander {
        let client = Client::builder(url)
            .transports(&[TransportKind::WebSocket])
            .reconnection(false)
            .build()
            .expect("the bystander client starts");
        let socket = client.socket("/");
        timeout(WAIT, socket.connect()).await.expect("the bystander joins in time").expect("the bystander joins");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut round_trips = 0usize;
            loop {
                let sent = format!("round trip {round_trips}");
                let answer: (String,) = timeout(WAIT, socket.emit_with_ack("echo", &sent))
                    .await
                    .expect("the bystander's ack comes in time")
                    .expect("the bystander's ack comes");
                assert_eq!(answer.0, sent, "the bystander's ack carries its argument back");
                round_trips += 1;
                if stopping.load(Ordering::Acquire) {
                    client.close();
                    return round_trips;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Bystander { stop, task }
    }

    /// Stops after one more round trip (made after everything the test did
    /// before calling this) and returns how many were made.
    pub async fn finish(self) -> usize {
        self.stop.store(true, Ordering::Release);
        let round_trips = timeout(WAIT, self.task).await.expect("the bystander ends in time").expect("no panic");
        assert!(round_trips >= 1, "the bystander made no round trip");
        round_trips
    }
}

/// An HTTP answer, its head lower-cased.
#[derive(Debug)]
pub struct HttpAnswer {
    /// The status code (0 when there was no status line).
    pub status: u16,
    /// The status line and headers, lower-cased.
    pub head: String,
    /// The body, as text (lossy).
    pub body: String,
}

impl HttpAnswer {
    /// Splits a raw answer into status, head and body.
    pub fn parse(raw: &[u8]) -> HttpAnswer {
        let raw = String::from_utf8_lossy(raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
        let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        HttpAnswer { status, head: head.to_ascii_lowercase(), body: body.to_owned() }
    }
}

/// Sends one request (`Connection: close`) with `body` and reads the whole answer.
pub async fn http(addr: SocketAddr, method: &str, target: &str, headers: &str, body: &[u8]) -> HttpAnswer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write the request head");
    // The server may answer (413) and hang up before reading a large body.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("the answer comes in time");
    HttpAnswer::parse(&raw)
}

/// `GET` of `query` on the Socket.IO path.
pub async fn get(addr: SocketAddr, query: &str) -> HttpAnswer {
    http(addr, "GET", &format!("{PATH}?{query}"), "", b"").await
}

/// `POST` of `body` to `query` on the Socket.IO path.
pub async fn post(addr: SocketAddr, query: &str, body: &[u8]) -> HttpAnswer {
    http(addr, "POST", &format!("{PATH}?{query}"), "Content-Type: text/plain;charset=UTF-8\r\n", body).await
}

/// A polling handshake: the sid of the new session.
pub async fn polling_handshake(addr: SocketAddr) -> String {
    let answer = get(addr, "EIO=4&transport=polling").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    sid_of(&answer.body)
}

/// The sid of an open packet `0{…}`.
pub fn sid_of(open_packet: &str) -> String {
    let open: Value = serde_json::from_str(open_packet.trim_start_matches('0')).expect("an open packet");
    open["sid"].as_str().expect("a sid").to_owned()
}

/// A polling session that joined `/`: its sid, after `40` and the CONNECT reply.
pub async fn polling_socket(addr: SocketAddr) -> String {
    let sid = polling_handshake(addr).await;
    let query = format!("EIO=4&transport=polling&sid={sid}");
    assert_eq!(post(addr, &query, b"40").await.body, "ok");
    let reply = get(addr, &query).await;
    assert!(reply.body.starts_with("40{\"sid\":"), "{reply:?}");
    sid
}

/// WebSocket opcodes.
pub const TEXT: u8 = 0x1;
/// Binary frame.
pub const BINARY: u8 = 0x2;
/// Close frame.
pub const CLOSE: u8 = 0x8;
/// Ping frame.
pub const PING: u8 = 0x9;
/// Pong frame.
pub const PONG: u8 = 0xA;

/// A WebSocket client on a raw TCP stream: frames are built here, so they
/// may break the rules.
pub struct RawWebSocket {
    stream: TcpStream,
    buffered: Vec<u8>,
}

/// What the server did on a raw WebSocket.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// A frame: opcode and payload (a close frame's payload starts with its code).
    Frame(u8, Vec<u8>),
    /// The server closed the TCP connection.
    Eof,
}

impl RawWebSocket {
    /// Opens `query` on the Socket.IO path as a WebSocket; panics unless
    /// the server answers 101.
    pub async fn open(addr: SocketAddr, query: &str) -> RawWebSocket {
        let (socket, head) = RawWebSocket::try_open(addr, query).await;
        assert!(head.starts_with("http/1.1 101"), "no upgrade: {head}");
        socket
    }

    /// Sends the upgrade request for `query`; returns the socket and the
    /// answer's head (lower-cased), whatever it is.
    pub async fn try_open(addr: SocketAddr, query: &str) -> (RawWebSocket, String) {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let request = format!(
            "GET {PATH}?{query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("write the upgrade request");
        let mut socket = RawWebSocket { stream, buffered: Vec::new() };
        let head = timeout(WAIT, socket.read_head()).await.expect("the upgrade answer comes in time");
        (socket, head.to_ascii_lowercase())
    }

    /// Sends the upgrade request for `query` (the bytes of
    /// [`RawWebSocket::try_open`]) and reads an answer that is no `101`: its
    /// head and a body of its `Content-Length` (without waiting for the
    /// server to hang up).
    pub async fn refusal(addr: SocketAddr, query: &str) -> HttpAnswer {
        let (mut socket, head) = RawWebSocket::try_open(addr, query).await;
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let complete = timeout(WAIT, async { while socket.buffered.len() < length && socket.fill().await {} });
        complete.await.expect("the refusal's body comes in time");
        let body = socket.buffered.get(..length).unwrap_or(&socket.buffered);
        let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        HttpAnswer { status, head, body: String::from_utf8_lossy(body).into_owned() }
    }

    async fn read_head(&mut self) -> String {
        loop {
            if let Some(end) = self.buffered.windows(4).position(|window| window == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffered[..end]).into_owned();
                self.buffered.drain(..end + 4);
                return head;
            }
            if !self.fill().await {
                return String::from_utf8_lossy(&self.buffered).into_owned();
            }
        }
    }

    /// Reads more bytes; false at EOF or on a reset.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(read) => {
                self.buffered.extend_from_slice(&chunk[..read]);
                true
            }
        }
    }

    /// Sends one frame (FIN set, masked as a client must) with `opcode`.
    pub async fn send_frame(&mut self, opcode: u8, payload: &[u8]) {
        // The server may have closed already: what it did is read afterwards.
        let _ = self.stream.write_all(&masked_frame(0x80 | opcode, payload)).await;
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.send_frame(TEXT, text.as_bytes()).await;
    }

    /// Sends raw bytes (no framing).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes).await;
    }

    /// Sends raw bytes unless the server stops taking them for `stall`:
    /// false then (its socket buffers are full: it does not read).
    pub async fn send_raw_within(&mut self, bytes: &[u8], stall: Duration) -> bool {
        let mut written = 0;
        while written < bytes.len() {
            match timeout(stall, self.stream.write(&bytes[written..])).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return false,
                Ok(Ok(count)) => written += count,
            }
        }
        true
    }

    /// Closes the sending direction (TCP FIN); reading goes on.
    pub async fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown().await;
    }

    /// The next frame from the server (unmasked), or EOF; panics after [`WAIT`].
    pub async fn receive(&mut self) -> Received {
        timeout(WAIT, self.receive_inner()).await.expect("the server sends or closes in time")
    }

    async fn receive_inner(&mut self) -> Received {
        loop {
            if let Some((opcode, payload, used)) = parse_frame(&self.buffered) {
                self.buffered.drain(..used);
                if opcode == CLOSE {
                    // As a client must (RFC 6455 §5.5.1): the server waits
                    // for this answer before it hangs up.
                    self.send_frame(CLOSE, &payload).await;
                }
                return Received::Frame(opcode, payload);
            }
            if !self.fill().await {
                return Received::Eof;
            }
        }
    }

    /// The next text frame, skipping pings (`2`, answered with `3`).
    pub async fn receive_text(&mut self) -> String {
        loop {
            match self.receive().await {
                Received::Frame(TEXT, payload) if payload == b"2" => self.send_text("3").await,
                Received::Frame(TEXT, payload) => return String::from_utf8(payload).expect("UTF-8 text"),
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Everything until the server hangs up: the frames, in order.
    pub async fn until_closed(&mut self) -> Vec<(u8, Vec<u8>)> {
        let mut frames = Vec::new();
        loop {
            match self.receive().await {
                Received::Frame(opcode, payload) => frames.push((opcode, payload)),
                Received::Eof => return frames,
            }
        }
    }
}

/// The mask of every frame [`masked_frame`] builds.
pub const MASK: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

/// A client frame: `first_byte` (FIN, RSV bits and opcode, as given), the
/// mask bit and length, [`MASK`], and `payload` masked.
pub fn masked_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![first_byte];
    match payload.len() {
        len if len < 126 => frame.push(0x80 | len as u8),
        len if len <= 0xFFFF => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&MASK);
    frame.extend(payload.iter().enumerate().map(|(index, byte)| byte ^ MASK[index % 4]));
    frame
}

/// One unmasked server frame at the start of `bytes`: opcode, payload and
/// the bytes it used; `None` when incomplete.
fn parse_frame(bytes: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let opcode = bytes.first()? & 0x0F;
    let short = bytes.get(1)? & 0x7F;
    let (length, start) = match short {
        126 => (usize::from(u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?])), 4),
        127 => {
            let mut length = [0u8; 8];
            length.copy_from_slice(bytes.get(2..10)?);
            (usize::try_from(u64::from_be_bytes(length)).ok()?, 10)
        }
        short => (usize::from(short), 2),
    };
    let payload = bytes.get(start..start + length)?.to_vec();
    Some((opcode, payload, start + length))
}

/// A v4 WebSocket session that joined `/`: the socket, after the open
/// packet, `40` and the CONNECT reply.
pub async fn websocket_socket(addr: SocketAddr) -> RawWebSocket {
    let mut websocket = RawWebSocket::open(addr, "EIO=4&transport=websocket").await;
    let open = websocket.receive_text().await;
    assert!(open.starts_with("0{\"sid\":"), "{open}");
    websocket.send_text("40").await;
    let reply = websocket.receive_text().await;
    assert!(reply.starts_with("40{\"sid\":"), "{reply}");
    websocket
}

//! A hostile server: raw sockets on 127.0.0.1, in a thread of its own (so a
//! client whose handler blocks its executor cannot starve it), answering
//! each connection with a scenario that writes exact bytes.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// The open packet of a session `sid`: no upgrade unless `upgrades`.
pub fn open_packet(sid: &str, upgrades: bool, ping_interval: u64, ping_timeout: u64) -> String {
    let upgrades = if upgrades { r#"["websocket"]"# } else { "[]" };
    format!(
        r#"0{{"sid":"{sid}","upgrades":{upgrades},"pingInterval":{ping_interval},"pingTimeout":{ping_timeout},"maxPayload":1000000}}"#
    )
}

/// One HTTP request head read from a connection.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The `Sec-WebSocket-Key`, for an upgrade.
    pub websocket_key: Option<String>,
}

impl Request {
    /// Whether it asks for the WebSocket transport.
    pub fn is_websocket(&self) -> bool {
        self.websocket_key.is_some()
    }

    /// Whether it is a polling request of an existing session.
    pub fn has_sid(&self) -> bool {
        self.target.contains("sid=")
    }
}

/// Reads one request head (and skips a body of `Content-Length` bytes);
/// `None` when the connection ends first.
pub async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let mut websocket_key = None;
    let mut content_length = 0usize;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        match name.as_str() {
            "sec-websocket-key" => websocket_key = Some(value.to_string()),
            "content-length" => content_length = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0u8; content_length];
    stream.read_exact(&mut body).await.ok()?;
    Some(Request { method, target, websocket_key })
}

/// Opens a WebSocket session: the open packet, then, once the client sent
/// its CONNECT (any frame), the acknowledgement of `/`.
pub async fn open_websocket_session(stream: &mut TcpStream, sid: &str) -> std::io::Result<()> {
    stream.write_all(&text_frame(&open_packet(sid, false, 25_000, 20_000))).await?;
    let mut connect = [0u8; 8];
    stream.read_exact(&mut connect).await?;
    stream.write_all(&text_frame(r#"40{"sid":"a"}"#)).await
}

/// A polling answer `200` with `body`, kept alive.
pub fn polling_answer(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Accepts the WebSocket upgrade of `request` (`101`).
pub async fn accept_websocket(stream: &mut TcpStream, request: &Request) -> std::io::Result<()> {
    let key = request.websocket_key.as_deref().unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    stream.write_all(answer.as_bytes()).await
}

/// An unmasked WebSocket text frame (the server's side).
pub fn text_frame(text: &str) -> Vec<u8> {
    let payload = text.as_bytes();
    let mut frame = vec![0x81];
    match payload.len() {
        len if len < 126 => frame.push(len as u8),
        len if len <= usize::from(u16::MAX) => {
            frame.push(126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}

/// What a scenario does with one accepted connection.
pub type Scenario = Arc<dyn Fn(TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A hostile server running `scenario` for every connection it accepts, in
/// a thread with its own runtime; it stops when dropped.
pub struct HostileServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HostileServer {
    pub fn start<F, Fut>(scenario: F) -> HostileServer
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let scenario: Scenario = Arc::new(move |stream| Box::pin(scenario(stream)));
        let (addr_sender, addr_receiver) = std::sync::mpsc::channel();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
                addr_sender.send(listener.local_addr().expect("address")).expect("test alive");
                let mut connections = tokio::task::JoinSet::new();
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                connections.spawn(scenario(stream));
                            }
                        }
                    }
                }
                connections.abort_all();
            });
        });
        let addr = addr_receiver.recv_timeout(Duration::from_secs(10)).expect("the hostile server started");
        HostileServer { addr, stop: Some(stop), thread: Some(thread) }
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Writes `chunk` over and over, from `offset` in it (kept across calls,
/// so frames stay whole), until a write stays blocked for `stall` (the
/// peer stopped reading) or `cap` bytes went out; returns the bytes
/// written, and whether it stalled (`false`: the cap, or a write error).
pub async fn write_until_stalled(
    stream: &mut TcpStream,
    chunk: &[u8],
    offset: &mut usize,
    stall: Duration,
    cap: usize,
) -> (usize, bool) {
    let mut written = 0;
    while written < cap {
        match tokio::time::timeout(stall, stream.write(&chunk[*offset..])).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (written, false),
            Ok(Ok(count)) => {
                written += count;
                *offset = (*offset + count) % chunk.len();
            }
            Err(_) => return (written, true),
        }
    }
    (written, false)
}

/// Waits until the peer closes `stream` (reads and discards what it
/// sends); `true` if it did within `within`.
pub async fn closed_by_peer(stream: &mut TcpStream, within: Duration) -> bool {
    let mut sink = vec![0u8; 64 * 1024];
    let read_to_end = async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, read_to_end).await.is_ok()
}

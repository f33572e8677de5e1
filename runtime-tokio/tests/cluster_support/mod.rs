//! What the cluster tests share: a real `redis-server` of their own on a
//! free loopback port, our servers with the Redis adapter, our client, and
//! waiting for conditions.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use runtime_tokio::client::{AckResponder, Client, ClientSocket};
use runtime_tokio::redis::{RedisAdapter, RedisAdapterConfig};
use runtime_tokio::socketio::{Socket, SocketIo};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout, Instant};

#[path = "../peers/mod.rs"]
mod peers;

pub use peers::free_port;

#[path = "../json_lines/mod.rs"]
mod json_lines;

use json_lines::{received_within, JsonPeer};

/// How long any single wait of these tests may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// A `redis-server` of the test's own (no persistence), killed on drop.
pub struct RedisServer {
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl RedisServer {
    /// Starts `redis-server` on a free port and waits until it answers PING.
    pub async fn start() -> RedisServer {
        RedisServer::start_on(free_port()).await
    }

    /// Starts `redis-server` on `port` and waits until it answers PING.
    pub async fn start_on(port: u16) -> RedisServer {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is installed (scripts/test-all.sh installs the Debian package)");
        let server = RedisServer { child, port };
        wait_for(|| async { ping(port).await }).await;
        server
    }

    /// The URL clients connect to.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (`kill -9`) and waits until it is gone.
    pub async fn kill(mut self) -> u16 {
        self.child.kill().await.expect("redis-server can be killed");
        self.port
    }
}

/// Whether Redis on `port` answers PING.
async fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else { return false };
    if stream.write_all(b"PING\r\n").await.is_err() {
        return false;
    }
    let mut line = String::new();
    let mut reader = BufReader::new(stream);
    matches!(timeout(Duration::from_secs(1), reader.read_line(&mut line)).await, Ok(Ok(_)) if line.starts_with("+PONG"))
}

/// Waits until `condition` holds, checking every 50 ms, at most [`WAIT`].
pub async fn wait_for<F, Fut>(mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !condition().await {
        assert!(start.elapsed() < WAIT, "condition not met within {WAIT:?}");
        sleep(Duration::from_millis(50)).await;
    }
}

/// The CONNECT payload of the test clients: the rooms to join.
#[derive(Deserialize)]
struct JoinRooms {
    rooms: Vec<String>,
}

/// One of our servers with the Redis adapter at `redis_url`: on `/`, each
/// socket joins the rooms of its auth `{"rooms": […]}` and keeps
/// `{"server": name}` as its data.
pub async fn rust_server(redis_url: &str, name: &str) -> (SocketAddr, SocketIo) {
    rust_server_with(redis_url, name, RedisAdapterConfig::default()).await
}

/// [`rust_server`] with adapter settings `config` (requests time out after 2 s).
pub async fn rust_server_with(redis_url: &str, name: &str, config: RedisAdapterConfig) -> (SocketAddr, SocketIo) {
    let config = config.with_requests_timeout(Duration::from_secs(2));
    let adapter = RedisAdapter::connect(redis_url, config).await.expect("Redis answers");
    let builder = SocketIo::builder().adapter(adapter);
    let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await.expect("binds");
    let server_name = name.to_owned();
    io.ns("/", move |socket: Socket| {
        let server_name = server_name.clone();
        async move {
            if let Some(auth) = socket.handshake().auth::<JoinRooms>() {
                for room in auth.rooms {
                    socket.join(&room);
                }
            }
            socket.set_data(serde_json::json!({ "server": server_name }));
        }
    });
    (addr, io)
}

/// Waits until `io`'s `/` counts `servers` servers in the cluster.
pub async fn wait_for_servers(io: &SocketIo, servers: usize) {
    let namespace = io.sockets();
    wait_for(|| {
        let namespace = namespace.clone();
        async move { namespace.server_count().await.ok() == Some(servers) }
    })
    .await;
}

/// One of our clients on `/` of `addr`, in `rooms`: the `news` it receives
/// come out of the receiver; it acks `question` with `answer` (never, with `None`).
pub struct TestClient {
    /// The client (dropped: disconnected).
    pub client: Client,
    /// Its socket on `/`.
    pub socket: ClientSocket,
    /// Each `news` argument received.
    pub news: mpsc::UnboundedReceiver<String>,
    /// Each `question` received (acked or not).
    pub questions: mpsc::UnboundedReceiver<serde_json::Value>,
}

impl TestClient {
    /// Connects and waits until `/` is joined.
    pub async fn connect(addr: SocketAddr, rooms: &[&str], answer: Option<&str>) -> TestClient {
        let client = Client::builder(&format!("http://{addr}"))
            .auth(serde_json::json!({ "rooms": rooms }))
            .build()
            .expect("the client starts");
        let socket = client.socket("/");
        let (sender, news) = mpsc::unbounded_channel();
        socket.on("news", move |(text,): (String,), _ack: Option<AckResponder>| {
            let _ = sender.send(text);
        });
        let (asked, questions) = mpsc::unbounded_channel();
        let answer = answer.map(str::to_owned);
        socket.on("question", move |question: serde_json::Value, ack: Option<AckResponder>| {
            let _ = asked.send(question);
            if let (Some(ack), Some(answer)) = (ack, answer.as_ref()) {
                let _ = ack.send(answer);
            }
        });
        timeout(WAIT, socket.connect()).await.expect("connects in time").expect("joins /");
        TestClient { client, socket, news, questions }
    }

    /// The next `news`, within [`WAIT`].
    pub async fn next_news(&mut self) -> String {
        timeout(WAIT, self.news.recv()).await.expect("news in time").expect("the client is running")
    }

    /// The first `count` `news` (within [`WAIT`]), then any received during `quiet`.
    pub async fn news_until(&mut self, count: usize, quiet: Duration) -> Vec<String> {
        let mut all = Vec::new();
        for _ in 0..count {
            all.push(self.next_news().await);
        }
        all.extend(self.news_within(quiet).await);
        all
    }

    /// Every `news` received within `window`.
    pub async fn news_within(&mut self, window: Duration) -> Vec<String> {
        received_within(&mut self.news, window).await
    }
}

/// A node peer under `interop/` (a server or clients) that prints one JSON
/// object per stdout line and reads commands on stdin; killed on drop.
pub struct NodePeer {
    peer: JsonPeer,
}

impl NodePeer {
    /// Starts `node interop/SCRIPT args…`.
    pub fn start(script: &str, args: &[String]) -> NodePeer {
        peers::require_npm("@socket.io/redis-adapter");
        NodePeer { peer: JsonPeer::start("node", script, args, &[], true) }
    }

    /// Sends one JSON command line.
    pub async fn send(&mut self, command: serde_json::Value) {
        self.peer.write_line(command).await;
    }

    /// The next line `pick` accepts (earlier lines are dropped), within
    /// [`WAIT`]; a `fatal` line from the peer fails the test.
    pub async fn next(&mut self, mut pick: impl FnMut(&serde_json::Value) -> bool) -> serde_json::Value {
        self.peer
            .lines
            .next(|line| {
                assert!(line.get("fatal").is_none(), "the node peer failed: {line}");
                pick(line)
            })
            .await
    }

    /// The lines printed until `count` of them match `pick` (within
    /// [`WAIT`]), then those printed during `quiet` (to catch extras).
    pub async fn lines_until(
        &mut self,
        count: usize,
        pick: impl Fn(&serde_json::Value) -> bool,
        quiet: Duration,
    ) -> Vec<serde_json::Value> {
        self.peer.lines.until(count, pick, quiet).await
    }

    /// Every line printed within `window`.
    pub async fn lines_within(&mut self, window: Duration) -> Vec<serde_json::Value> {
        self.peer.lines.within(window).await
    }

    /// Kills the process (`kill -9`).
    pub async fn kill(mut self) {
        self.peer.kill().await;
    }
}

/// HAProxy with `docs/deploy/haproxy.cfg` in front of two servers; killed on drop.
pub async fn start_haproxy(backend_a: SocketAddr, backend_b: SocketAddr) -> (Child, u16) {
    let front = free_port();
    let config = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/deploy/haproxy.cfg");
    let haproxy = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&config)
        .env("FRONT_ADDR", format!("127.0.0.1:{front}"))
        .env("BACKEND_A", backend_a.to_string())
        .env("BACKEND_B", backend_b.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("haproxy is installed (scripts/test-all.sh installs the Debian package)");
    wait_for(|| async move { TcpStream::connect(("127.0.0.1", front)).await.is_ok() }).await;
    (haproxy, front)
}

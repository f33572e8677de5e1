//! Issue #8, item 5: one of two servers sharing a real Redis is killed
//! (`kill -9`) while the other broadcasts; HAProxy with the exact
//! `docs/deploy/haproxy.cfg` is in front of both, and our Rust clients
//! connect through it.
//!
//! What is guaranteed, and asserted:
//! - the survivor keeps serving: its clients get every broadcast, once, in
//!   order, before, during and after the kill, and new clients land on it;
//! - a request that was waiting on the dead server when it died
//!   (`fetch_sockets_everywhere`, `server_side_emit_with_ack`) fails with
//!   [`AdapterError::Timeout`] naming the operation and the missing answer;
//!   once Redis has dropped the dead server's connections, requests count
//!   the survivor only and succeed;
//! - the clients of the dead server notice, reconnect by themselves to the
//!   same URL, and HAProxy sends them to the survivor; every broadcast the
//!   survivor makes after they joined it reaches them exactly once, in order;
//! - what they emitted while disconnected (buffered by our client) reaches
//!   the survivor exactly once, in order, after the reconnection, and an
//!   emit with an ack made during the outage gets the survivor's ack.
//!
//! What is NOT guaranteed, and not asserted: the broadcasts made between the
//! kill and a client's reconnection are lost for that client. Redis pub/sub
//! keeps nothing, and connection state recovery needs the session, which
//! lived in the dead process (the reference `@socket.io/redis-adapter` does
//! not restore sessions either; only a persistent session store would). An
//! emit the client wrote to the connection just before it died is lost too
//! (unless the client's `retries` is set), so the test emits only after the
//! client saw the disconnection.
//!
//! Our client does not keep cookies yet, so it cannot follow HAProxy's
//! sticky cookie: the clients are WebSocket-only (one HTTP request per
//! session, which round robin may send anywhere). A polling client of ours
//! would need `balance source` instead (see `docs/deployment.md`).
//!
//! The killed server is a real process: this test binary (`harness = false`)
//! starts itself with [`NODE_ROLE`] set to be that server, so `kill -9` drops
//! its listener, its WebSockets and its Redis connections at once, with no
//! goodbye. The survivor runs in the test process, which observes it.

mod cluster_support;

mod single_test;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cluster_support::{start_haproxy, wait_for_servers, RedisServer, WAIT};
use engineio_proto::TransportKind;
use futures_util::StreamExt;
use runtime_tokio::client::{AckResponder, Client, ClientSocket};
use runtime_tokio::redis::{RedisAdapter, RedisAdapterConfig};
use runtime_tokio::socketio::{AckSender, AdapterError, Data, Socket, SocketIo};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout, Instant};

/// Set in the environment of the child process that is a cluster node: `REDIS_URL NAME`.
const NODE_ROLE: &str = "CLUSTER_FAILOVER_NODE";

/// The one test of this binary.
const TEST_NAME: &str = "killing_a_server_mid_broadcast_leaves_the_survivor_serving_and_its_clients_fail_over";

/// How long a request waits for the other servers.
const REQUESTS_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the reconnecting clients wait before their first attempt (±50 %
/// randomization, as in `socket.io-client`): long enough that their emits
/// right after the disconnection are surely buffered.
const RECONNECTION_DELAY: Duration = Duration::from_secs(3);

/// How many events each client of the dead server emits while disconnected.
const OUTAGE_REPORTS: u64 = 5;

/// How many clients connect through HAProxy (round robin: half on each server).
const CLIENTS: usize = 4;

/// Long enough to see that a message that should not come did not.
const QUIET: Duration = Duration::from_millis(700);

fn main() -> ExitCode {
    if let Ok(role) = std::env::var(NODE_ROLE) {
        return run_node(&role);
    }
    single_test::run(TEST_NAME, killing_a_server_mid_broadcast_leaves_the_survivor_serving_and_its_clients_fail_over)
}

/// The node role: a cluster node on a free port, its address printed on
/// stdout; it serves until killed.
fn run_node(role: &str) -> ExitCode {
    let Some((redis_url, name)) = role.split_once(' ') else {
        eprintln!("{NODE_ROLE} must be `REDIS_URL NAME`, got {role:?}");
        return ExitCode::FAILURE;
    };
    let served = tokio::runtime::Builder::new_multi_thread().enable_all().build().and_then(|runtime| {
        runtime.block_on(async {
            let node = ClusterNode::start(redis_url, name).await?;
            println!("listening {}", node.addr);
            std::future::pending::<std::io::Result<()>>().await
        })
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the cluster node failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The CONNECT payload of the test clients.
#[derive(Deserialize)]
struct ClientName {
    name: String,
}

/// One server of the cluster: the Redis adapter, `welcome` (its name) sent
/// to each socket on `/` as it joins, each `report` (a number) of a client
/// passed on with the client's name, `ask` and server-side emits acked with its name.
struct ClusterNode {
    addr: SocketAddr,
    io: SocketIo,
    reports: mpsc::UnboundedReceiver<(String, u64)>,
}

impl ClusterNode {
    async fn start(redis_url: &str, name: &str) -> std::io::Result<ClusterNode> {
        let config = RedisAdapterConfig::default().with_requests_timeout(REQUESTS_TIMEOUT);
        let adapter = RedisAdapter::connect(redis_url, config).await.map_err(std::io::Error::other)?;
        let builder = SocketIo::builder().adapter(adapter);
        let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await?;
        let (report, reports) = mpsc::unbounded_channel();
        let server_name = name.to_owned();
        io.ns("/", move |socket: Socket| {
            let (report, server_name) = (report.clone(), server_name.clone());
            async move {
                let client = socket.handshake().auth::<ClientName>().map(|auth| auth.name).unwrap_or_default();
                socket.on("report", move |_socket: Socket, Data(number): Data<u64>, _ack: Option<AckSender>| {
                    let _ = report.send((client.clone(), number));
                    async {}
                });
                let acking_server = server_name.clone();
                socket.on("ask", move |_socket: Socket, Data(_question): Data<u64>, ack: Option<AckSender>| {
                    if let Some(ack) = ack {
                        let _ = ack.send(&acking_server);
                    }
                    async {}
                });
                let _ = socket.emit("welcome", &server_name);
            }
        });
        let server_name = name.to_owned();
        io.sockets().on_server_side_emit(move |event| {
            if let Some(ack) = event.ack {
                ack.send(socketio_proto::Json::from_serialize(&server_name).ok());
            }
        });
        Ok(ClusterNode { addr, io, reports })
    }
}

/// The node killed by the test: this binary in the node role.
struct ChildNode {
    child: Child,
    addr: SocketAddr,
}

impl ChildNode {
    async fn start(redis_url: &str, name: &str) -> ChildNode {
        let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
            .env(NODE_ROLE, format!("{redis_url} {name}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the test binary starts itself");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let line = timeout(WAIT, lines.next_line())
            .await
            .expect("the node starts in time")
            .expect("the node's stdout")
            .expect("the node prints its address");
        let addr = line.strip_prefix("listening ").and_then(|addr| addr.parse().ok());
        let addr = addr.unwrap_or_else(|| panic!("unexpected node line {line:?}"));
        ChildNode { child, addr }
    }

    fn pid(&self) -> String {
        self.child.id().expect("the node runs").to_string()
    }

    /// Stops the process (`kill -STOP`): it holds its connections but answers
    /// nothing. Returns once every thread of it is seen stopped (`T` in
    /// `/proc/PID/task/*/stat`): a loaded machine may let a thread run a
    /// little after the signal was sent.
    async fn freeze(&self) {
        let pid = self.pid();
        let status = Command::new("kill").args(["-STOP", &pid]).status().await.expect("kill runs");
        assert!(status.success(), "kill -STOP failed");
        let all_stopped = || {
            let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return false };
            tasks.flatten().all(|task| {
                std::fs::read_to_string(task.path().join("stat"))
                    .ok()
                    .and_then(|stat| stat.rsplit_once(") ").map(|(_, rest)| rest.starts_with('T')))
                    .unwrap_or(false)
            })
        };
        let deadline = Instant::now() + WAIT;
        while !all_stopped() {
            assert!(Instant::now() < deadline, "the node did not stop in time");
            sleep(Duration::from_millis(5)).await;
        }
    }

    /// Kills the process (`kill -9`) and reaps it.
    async fn kill(mut self) {
        self.child.kill().await.expect("the node can be killed");
    }
}

/// One of our clients through HAProxy: the `welcome` names of the servers
/// it joined, its `news` numbers and its disconnections come out of channels.
struct FailoverClient {
    name: String,
    _client: Client,
    socket: ClientSocket,
    welcomes: mpsc::UnboundedReceiver<String>,
    news: mpsc::UnboundedReceiver<u64>,
    /// The `news` numbers collected so far.
    seen: Vec<u64>,
    disconnections: mpsc::UnboundedReceiver<()>,
}

impl FailoverClient {
    /// Connects to `front` (WebSocket only) and returns with the server that welcomed it.
    async fn connect(front: u16, name: &str) -> (FailoverClient, String) {
        let client = Client::builder(&format!("http://127.0.0.1:{front}"))
            .transports(&[TransportKind::WebSocket])
            .reconnection_delay(RECONNECTION_DELAY, RECONNECTION_DELAY)
            .auth(serde_json::json!({ "name": name }))
            .build()
            .expect("the client starts");
        let socket = client.socket("/");
        let (welcome, welcomes) = mpsc::unbounded_channel();
        socket.on("welcome", move |(server,): (String,), _ack: Option<AckResponder>| {
            let _ = welcome.send(server);
        });
        let (delivered, news) = mpsc::unbounded_channel();
        socket.on("news", move |(number,): (u64,), _ack: Option<AckResponder>| {
            let _ = delivered.send(number);
        });
        let (disconnected, disconnections) = mpsc::unbounded_channel();
        socket.on_disconnect(move |_reason| {
            let _ = disconnected.send(());
        });
        timeout(WAIT, socket.connect()).await.expect("connects in time").expect("joins /");
        let mut client = FailoverClient {
            name: name.to_owned(),
            _client: client,
            socket,
            welcomes,
            news,
            seen: Vec::new(),
            disconnections,
        };
        let server = client.next_welcome().await;
        (client, server)
    }

    async fn next_welcome(&mut self) -> String {
        timeout(WAIT, self.welcomes.recv()).await.expect("welcomed in time").expect("the client runs")
    }

    /// Moves the `news` numbers received so far into `seen`.
    fn collect_news(&mut self) {
        while let Ok(number) = self.news.try_recv() {
            self.seen.push(number);
        }
    }

    /// Waits until `seen` holds a number, at least `at_least`, within [`WAIT`].
    async fn wait_for_news(&mut self, at_least: u64) {
        let started = Instant::now();
        loop {
            self.collect_news();
            if self.seen.last().is_some_and(|last| *last >= at_least) {
                return;
            }
            assert!(started.elapsed() < WAIT, "{} never got news {at_least}: {:?}", self.name, self.seen);
            sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Broadcasts `news` 1, 2, 3… from `io` every 20 ms until stopped; `sent`
/// holds the last number emitted.
struct Broadcaster {
    sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Broadcaster {
    fn start(io: SocketIo) -> Broadcaster {
        let (sent, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let (last, stopped) = (sent.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !stopped.load(Ordering::Acquire) {
                let number = last.load(Ordering::Acquire) + 1;
                io.emit("news", &number).expect("emits");
                last.store(number, Ordering::Release);
                sleep(Duration::from_millis(20)).await;
            }
        });
        Broadcaster { sent, stop, task }
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Acquire)
    }

    /// Stops and returns the last number emitted.
    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Release);
        self.task.await.expect("the broadcaster ran");
        self.sent.load(Ordering::Acquire)
    }
}

/// Waits until Redis has carried `count` messages on `channel`.
async fn seen_on_channel(messages: &mut (impl futures_util::Stream<Item = redis::Msg> + Unpin), count: usize) {
    for _ in 0..count {
        timeout(WAIT, messages.next()).await.expect("the request reached Redis in time").expect("subscribed");
    }
}

async fn killing_a_server_mid_broadcast_leaves_the_survivor_serving_and_its_clients_fail_over() {
    let redis = RedisServer::start().await;
    let mut survivor = ClusterNode::start(&redis.url(), "a").await.expect("node a starts");
    let doomed = ChildNode::start(&redis.url(), "b").await;
    wait_for_servers(&survivor.io, 2).await;
    let (_haproxy, front) = start_haproxy(survivor.addr, doomed.addr).await;

    let (mut on_a, mut on_b) = (Vec::new(), Vec::new());
    for index in 0..CLIENTS {
        let (client, server) = FailoverClient::connect(front, &format!("c{index}")).await;
        match server.as_str() {
            "a" => on_a.push(client),
            "b" => on_b.push(client),
            other => panic!("welcomed by unknown server {other:?}"),
        }
    }
    assert_eq!((on_a.len(), on_b.len()), (CLIENTS / 2, CLIENTS / 2), "round robin spreads the clients");
    let everywhere = survivor.io.sockets().fetch_sockets_everywhere().await.expect("both servers answer");
    assert_eq!(everywhere.iter().filter(|socket| !socket.is_local()).count(), on_b.len());

    // Broadcasts flow from the survivor to every client, through Redis to b's.
    let broadcaster = Broadcaster::start(survivor.io.clone());
    for client in on_a.iter_mut().chain(on_b.iter_mut()) {
        client.wait_for_news(1).await;
    }

    // b hangs (holding its Redis connections), requests wait on it, then it is killed.
    let monitor = redis::Client::open(redis.url()).expect("url");
    let mut requests = monitor.get_async_pubsub().await.expect("connects");
    // A pattern subscription: PUBSUB NUMSUB (the server count) does not count it.
    requests.psubscribe("socket.io-request#/#").await.expect("subscribes");
    doomed.freeze().await;
    let namespace = survivor.io.sockets();
    let fetching = tokio::spawn(async move { namespace.fetch_sockets_everywhere().await.map(|sockets| sockets.len()) });
    let namespace = survivor.io.sockets();
    let asking = tokio::spawn(async move { namespace.server_side_emit_with_ack("ping", &1).await });
    seen_on_channel(&mut requests.on_message(), 2).await;
    doomed.kill().await;

    // b's clients notice at once, and emit while disconnected (before their
    // first reconnection attempt, at least half the delay away): buffered by
    // the client, an `ask` awaiting its ack among them.
    let mut asks = Vec::new();
    for client in &mut on_b {
        timeout(WAIT, client.disconnections.recv()).await.expect("b's client notices").expect("runs");
        for number in 1..=OUTAGE_REPORTS {
            client.socket.emit("report", &number).await.expect("buffered");
        }
        let socket = client.socket.clone();
        asks.push(tokio::spawn(async move { socket.emit_with_ack::<_, (String,)>("ask", &1).await }));
        assert!(!client.socket.connected(), "the reports were emitted while disconnected");
    }

    // The requests that were waiting on b time out.
    let fetched = fetching.await.expect("the request ran");
    assert_eq!(fetched, Err(AdapterError::Timeout { operation: "fetchSockets", answered: 0, expected: 1 }));
    let asked = asking.await.expect("the request ran");
    assert_eq!(asked, Err(AdapterError::Timeout { operation: "serverSideEmit", answered: 0, expected: 1 }));
    let message = asked.expect_err("timed out").to_string();
    assert!(message.starts_with("timeout reached while waiting for serverSideEmit"), "{message}");

    // b's clients reconnect through HAProxy, which sends them to the survivor.
    let mut joined_survivor_after = BTreeMap::new();
    for client in &mut on_b {
        assert_eq!(client.next_welcome().await, "a", "{} reconnected to the survivor", client.name);
        joined_survivor_after.insert(client.name.clone(), broadcaster.sent());
    }
    for ask in asks {
        let answer = timeout(WAIT, ask).await.expect("acked in time").expect("the ask ran");
        assert_eq!(
            answer.expect("acked"),
            ("a".to_owned(),),
            "an emit buffered during the outage is acked by the survivor"
        );
    }
    let (mut newcomer, server) = FailoverClient::connect(front, "newcomer").await;
    assert_eq!(server, "a", "new clients land on the survivor");

    // The survivor got each buffered report exactly once, in order.
    let expected_reports: usize = on_b.len() * usize::try_from(OUTAGE_REPORTS).expect("small");
    let mut reports: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for _ in 0..expected_reports {
        let (client, number) = timeout(WAIT, survivor.reports.recv()).await.expect("reports in time").expect("runs");
        reports.entry(client).or_default().push(number);
    }
    sleep(QUIET).await;
    while let Ok((client, number)) = survivor.reports.try_recv() {
        reports.entry(client).or_default().push(number);
    }
    let expected: BTreeMap<String, Vec<u64>> =
        on_b.iter().map(|client| (client.name.clone(), (1..=OUTAGE_REPORTS).collect())).collect();
    assert_eq!(reports, expected, "each buffered report arrived once, in order");

    // Once Redis dropped b's connections, requests count the survivor only.
    wait_for_servers(&survivor.io, 1).await;
    let everywhere = survivor.io.sockets().fetch_sockets_everywhere().await.expect("the survivor alone answers");
    assert_eq!((everywhere.len(), everywhere.iter().all(|socket| socket.is_local())), (CLIENTS + 1, true));

    // Broadcasts after the failover: once, in order, to everyone.
    let last = broadcaster.stop().await;
    survivor.io.emit("news", &(last + 1)).expect("emits");
    let last = last + 1;
    for client in on_a.iter_mut().chain(on_b.iter_mut()).chain(std::iter::once(&mut newcomer)) {
        client.wait_for_news(last).await;
    }
    sleep(QUIET).await;
    for client in on_a.iter_mut().chain(on_b.iter_mut()) {
        client.collect_news();
    }
    for client in &on_a {
        let numbers = &client.seen;
        assert_eq!(
            numbers,
            &(1..=last).collect::<Vec<_>>(),
            "{} (on the survivor) got every broadcast once",
            client.name
        );
    }
    for client in &on_b {
        let numbers = &client.seen;
        assert!(
            numbers.windows(2).all(|pair| pair[0] < pair[1]),
            "{}: no duplicate, in order: {numbers:?}",
            client.name
        );
        let rejoined = joined_survivor_after[&client.name];
        let after_rejoining: Vec<u64> = numbers.iter().copied().filter(|number| *number > rejoined).collect();
        assert_eq!(
            after_rejoining,
            ((rejoined + 1)..=last).collect::<Vec<_>>(),
            "{} got every broadcast made after it joined the survivor, once (earlier ones may be lost)",
            client.name
        );
    }
    drop(redis);
}

//! The chat example end to end in a real browser: headless Chromium (driven
//! by `interop/browser/chat_e2e.js` through playwright-core) opens two chat
//! pages, one pinned to long-polling and one upgrading to WebSocket; they
//! chat both ways, the server process is killed and started again on the
//! same port, both pages reconnect by themselves, and they chat again.
//!
//! The server is the example's own [`chat::serve`] in a child process: this
//! test binary (`harness = false`) starts itself with [`SERVER_ROLE`] set to
//! be the server, so that killing it is a real process kill (the listener
//! and every connection close at once, with no Socket.IO goodbye).
//! Needs Chromium (`apt-get install -y chromium`) and the npm packages
//! (`npm ci --prefix interop`); `scripts/test-all.sh` installs both.

#[path = "../examples/chat.rs"]
#[allow(dead_code)]
mod chat;
mod json_lines;
mod peers;

mod single_test;

use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use json_lines::JsonPeer;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tokio::time::timeout;

/// Set in the environment of the child process that serves the chat (to its port).
const SERVER_ROLE: &str = "BROWSER_CHAT_SERVE_PORT";

/// The browser the driver launches.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The one test of this binary.
const TEST_NAME: &str = "two_chat_pages_talk_both_ways_and_survive_a_server_restart";

/// How long the server may take to start listening.
const SERVER_START: Duration = Duration::from_secs(30);

/// How long the whole browser scenario may take.
const SCENARIO: Duration = Duration::from_secs(180);

fn main() -> ExitCode {
    if let Ok(port) = std::env::var(SERVER_ROLE) {
        return serve_chat(&port);
    }
    single_test::run(TEST_NAME, two_chat_pages_talk_both_ways_and_survive_a_server_restart)
}

/// The server role: the chat example on 127.0.0.1:`port`, announcing itself
/// on stdout as the example does.
fn serve_chat(port: &str) -> ExitCode {
    let served = tokio::runtime::Builder::new_multi_thread().enable_all().build().and_then(|runtime| {
        runtime.block_on(async {
            let port: u16 = port.parse().map_err(std::io::Error::other)?;
            let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
            println!("chat listening on http://{}/", listener.local_addr()?);
            chat::serve(listener).await
        })
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the chat server failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A polling-only page and an upgrading page chat both ways, keep what they
/// say during a server outage, reconnect by themselves once the server is
/// back on the same port, and chat again.
async fn two_chat_pages_talk_both_ways_and_survive_a_server_restart() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "no Chromium at {CHROMIUM}: run `apt-get install -y chromium` (scripts/test-all.sh does)"
    );
    peers::require_npm("playwright-core");
    peers::require_npm("socket.io-client");

    let port = restartable_port();
    let mut server = ChatServer::start(port).await;
    let mut driver = JsonPeer::start("node", "browser/chat_e2e.js", &[format!("http://127.0.0.1:{port}/")], &[], true);

    let report = timeout(SCENARIO, async {
        loop {
            let message = driver.lines.recv().await.expect("the driver reports before it exits");
            match message["request"].as_str() {
                Some("kill-server") => server.kill().await,
                Some("restart-server") => server = ChatServer::start(port).await,
                Some(other) => panic!("the driver asked for {other:?}"),
                None => return message,
            }
            driver.write_line("done").await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the browser scenario ran over {SCENARIO:?}"));
    server.kill().await;

    assert_eq!(report["ok"], true, "browser report: {report:#}");
    for phase in ["before", "after"] {
        for (page, transport) in [("polling", "polling"), ("websocket", "websocket")] {
            let shown = &report["seen"][phase][page];
            assert_eq!(shown["state"], "connected", "{page} page {phase} the restart: {shown}");
            assert_eq!(shown["transport"], transport, "{page} page {phase} the restart: {shown}");
        }
    }
    // What each page said while the server was down was kept by the
    // reference client (socket.io-client 4.8 buffers emits made while
    // disconnected and sends them right after the next CONNECT), so it shows
    // in both pages after the restart, with everything said before and after.
    for page in ["polling", "websocket"] {
        assert_eq!(report["seen"]["outage"][page]["state"], "disconnected", "{page} page during the outage: {report}");
        let messages = texts(&report["seen"]["after"][page]["messages"]);
        for phase in ["before", "outage", "after"] {
            for said in texts(&report["sent"][phase]) {
                assert!(messages.contains(&said), "the {page} page never showed {said:?}; it shows {messages:?}");
            }
        }
    }
}

/// The strings of a JSON array.
fn texts(array: &Value) -> Vec<String> {
    let items = array.as_array().unwrap_or_else(|| panic!("expected an array, got {array}"));
    items
        .iter()
        .map(|item| item.as_str().unwrap_or_else(|| panic!("expected a string, got {item}")).to_owned())
        .collect()
}

/// A free port below the ephemeral range when there is room: while the
/// server is down, the browser's reconnection attempts (and any other
/// outgoing connection) take local ports from that range, and one landing on
/// the server's port would keep the restarted server from binding it.
fn restartable_port() -> u16 {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next().and_then(|start| start.parse::<u16>().ok()))
        .unwrap_or(32768);
    const LOWEST: u16 = 20000;
    if ephemeral_start > LOWEST + 1000 {
        let span = u32::from(ephemeral_start - LOWEST);
        let seed =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.subsec_nanos()) ^ std::process::id();
        for attempt in 0..200 {
            let offset = (seed.wrapping_add(attempt * 7919)) % span;
            let port = LOWEST + u16::try_from(offset).expect("offset below the span");
            if StdTcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return port;
            }
        }
    }
    let listener = StdTcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    listener.local_addr().map(|addr: SocketAddr| addr.port()).expect("the bound port")
}

/// The chat server child process.
struct ChatServer {
    child: Child,
    _output: tokio::task::JoinHandle<()>,
}

impl ChatServer {
    /// Starts this binary as the chat server on `port` and waits until it
    /// listens. A just-killed server's port may take a moment to come free:
    /// a start that fails is tried again, for a while.
    async fn start(port: u16) -> ChatServer {
        let deadline = tokio::time::Instant::now() + SERVER_START;
        loop {
            let mut child = Command::new(std::env::current_exe().expect("this test binary"))
                .env(SERVER_ROLE, port.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .expect("start the chat server");
            let mut lines = BufReader::new(child.stdout.take().expect("the server's stdout")).lines();
            let first = tokio::time::timeout_at(deadline, lines.next_line()).await;
            if let Ok(Ok(Some(line))) = first {
                assert!(line.starts_with("chat listening on"), "the chat server said {line:?}");
                return ChatServer { child, _output: tokio::spawn(drain(lines)) };
            }
            let _ = child.kill().await;
            assert!(tokio::time::Instant::now() < deadline, "the chat server did not start on port {port}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Kills the process (SIGKILL) and waits for it to be gone.
    async fn kill(&mut self) {
        self.child.kill().await.expect("kill the chat server");
    }
}

/// Reads (and drops) the server's log lines, so that it never blocks on a full pipe.
async fn drain(mut lines: Lines<BufReader<ChildStdout>>) {
    while let Ok(Some(_)) = lines.next_line().await {}
}

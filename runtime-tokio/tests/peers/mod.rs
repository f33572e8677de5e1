//! Running the reference peers (the node and python scripts under `interop/`)
//! from the tests: in `interop/`, with a deadline, killed on drop, and their
//! last stdout line read as a JSON report; and [`NodeServer`], the npm
//! `socket.io` server the client tests talk to.
//!
//! Executor-neutral (std processes and threads, `tokio::sync` channels, which
//! need no tokio runtime): the tokio tests and `runtime-async-std`'s scenario
//! suite (on smol and async-std too) share it.

#![allow(dead_code)]

use std::ffi::OsString;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::pin::pin;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::future::{select, Either};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// The `interop/` folder at the repository root.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("interop")
}

/// Fails the test with the install command when the npm `package` is missing.
pub fn require_npm(package: &str) {
    assert!(
        interop_dir().join("node_modules").join(package).exists(),
        "the npm peers are missing: run `npm ci --prefix interop` (scripts/test-all.sh does)"
    );
}

/// What a peer printed.
#[derive(Debug)]
pub struct PeerOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl PeerOutput {
    /// The last stdout line as JSON (the peer's report).
    pub fn report(&self) -> Value {
        let line = self.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|error| {
            panic!("no JSON report ({error}); stdout: {}; stderr: {}", self.stdout, self.stderr)
        })
    }

    /// The report, which must say `"ok": true`.
    pub fn ok_report(&self) -> Value {
        let report = self.report();
        assert_eq!(report["ok"], true, "client report: {report}; stderr: {}", self.stderr);
        report
    }
}

/// Runs `program args…` in `interop/` and waits for it, at most `timeout`
/// (then kills it and fails the test).
pub fn run_blocking(program: &str, args: Vec<OsString>, timeout: Duration) -> PeerOutput {
    let mut child = Command::new(program)
        .current_dir(interop_dir())
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{program} is on the PATH: {error}"));
    let stdout = read_to_end_in_background(child.stdout.take());
    let stderr = read_to_end_in_background(child.stderr.take());
    let deadline = std::time::Instant::now() + timeout;
    while child.try_wait().expect("the peer can be waited for").is_none() {
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the peer `{program} {args:?}` ran over {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    PeerOutput {
        stdout: stdout.join().expect("the stdout reader ran"),
        stderr: stderr.join().expect("the stderr reader ran"),
    }
}

/// Everything `pipe` gives until it closes, read on a thread.
fn read_to_end_in_background(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// [`run_blocking`] on a thread of its own, awaited from any executor.
pub async fn run(program: &str, args: Vec<OsString>, timeout: Duration) -> PeerOutput {
    let program = program.to_owned();
    let (sender, receiver) = oneshot::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(move || run_blocking(&program, args, timeout));
        let _ = sender.send(outcome);
    });
    match receiver.await.expect("the peer thread answers") {
        Ok(output) => output,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Runs `node interop/<script> args…`.
pub async fn node(script: &str, args: &[&str], timeout: Duration) -> PeerOutput {
    let mut all = vec![interop_dir().join(script).into_os_string()];
    all.extend(args.iter().map(OsString::from));
    run("node", all, timeout).await
}

/// `future`'s output, or `None` when `limit` passes first (timed by a
/// thread, so on any executor).
pub async fn within<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let (sender, expired) = oneshot::channel::<()>();
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        let _ = sender.send(());
    });
    match select(pin!(future), expired).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// A port free right now on the loopback interface.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a bound address").port()
}

/// How long [`NodeServer::next`] waits for a line.
const NODE_SERVER_WAIT: Duration = Duration::from_secs(15);

/// A running npm `socket.io` server (`interop/server_socketio.js`), its
/// stdout lines parsed as JSON; killed when dropped.
pub struct NodeServer {
    child: Child,
    lines: mpsc::UnboundedReceiver<Value>,
}

impl NodeServer {
    /// Starts the server on `port` and waits until it listens.
    pub async fn start(port: u16) -> NodeServer {
        NodeServer::start_with_env(port, &[]).await
    }

    /// [`NodeServer::start`] with `env` set (`ALLOW_EIO3`, `RECOVERY`…).
    pub async fn start_with_env(port: u16, env: &[(&str, &str)]) -> NodeServer {
        require_npm("socket.io");
        let mut child = Command::new("node")
            .current_dir(interop_dir())
            .envs(env.iter().copied())
            .arg(interop_dir().join("server_socketio.js"))
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node is on the PATH");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    let _ = sender.send(value);
                }
            }
        });
        let mut server = NodeServer { child, lines };
        server.next(|line| line.get("listening").is_some()).await;
        server
    }

    /// The next line `pick` accepts (earlier lines are dropped).
    pub async fn next(&mut self, mut pick: impl FnMut(&Value) -> bool) -> Value {
        let found = within(NODE_SERVER_WAIT, async {
            while let Some(line) = self.lines.recv().await {
                if pick(&line) {
                    return Some(line);
                }
            }
            None
        })
        .await;
        match found {
            Some(Some(line)) => line,
            Some(None) => panic!("the node server exited"),
            None => panic!("the node server printed no expected line within {NODE_SERVER_WAIT:?}"),
        }
    }

    /// Every line printed within `window`.
    pub async fn lines_within(&mut self, window: Duration) -> Vec<Value> {
        let mut lines = Vec::new();
        let _ = within(window, async {
            while let Some(line) = self.lines.recv().await {
                lines.push(line);
            }
        })
        .await;
        lines
    }

    /// Kills the process and waits for it to be gone.
    pub async fn kill(mut self) {
        self.child.kill().expect("the node server can be killed");
        let _ = self.child.wait();
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

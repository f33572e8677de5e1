//! Shared by the client tests: running a node Socket.IO server script of
//! `interop/` (pinned in `interop/package.json`; `npm ci --prefix interop`
//! installs it) and reading the JSON lines it prints.

#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// How long any single wait of the client tests may take.
pub const WAIT: Duration = Duration::from_secs(15);

#[path = "../peers/mod.rs"]
mod peers;

pub use peers::{free_port, interop_dir};

/// The JSON lines a child process prints, read in a task.
pub struct JsonLines {
    lines: mpsc::UnboundedReceiver<Value>,
    what: &'static str,
}

impl JsonLines {
    /// Reads `stdout` line by line; lines that are not JSON are skipped.
    pub fn read(stdout: impl tokio::io::AsyncRead + Unpin + Send + 'static, what: &'static str) -> JsonLines {
        let (sender, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    let _ = sender.send(value);
                }
            }
        });
        JsonLines { lines, what }
    }

    /// The next line `pick` accepts (earlier lines are dropped; a failure
    /// shows them).
    pub async fn next(&mut self, mut pick: impl FnMut(&Value) -> bool) -> Value {
        let mut skipped = Vec::new();
        let found = timeout(WAIT, async {
            while let Some(line) = self.lines.recv().await {
                if pick(&line) {
                    return Some(line);
                }
                skipped.push(line);
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            Ok(None) => panic!("{} exited before printing the expected line; it printed {skipped:?}", self.what),
            Err(_) => panic!("{} printed no expected line within {WAIT:?}; it printed {skipped:?}", self.what),
        }
    }

    /// Every line printed within `window`.
    pub async fn within(&mut self, window: Duration) -> Vec<Value> {
        let mut lines = Vec::new();
        let _ = timeout(window, async {
            while let Some(line) = self.lines.recv().await {
                lines.push(line);
            }
        })
        .await;
        lines
    }

    /// Every line until the process closes its stdout.
    pub async fn rest(&mut self) -> Vec<Value> {
        let mut lines = Vec::new();
        timeout(WAIT, async {
            while let Some(line) = self.lines.recv().await {
                lines.push(line);
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{} did not close its output within {WAIT:?}", self.what));
        lines
    }
}

/// A running server script (node, or python); killed when dropped.
pub struct NodeServer {
    child: Child,
    /// What it printed.
    pub lines: JsonLines,
}

impl NodeServer {
    /// Starts `interop/server_socketio.js` on `port` and waits until it listens.
    pub async fn start(port: u16) -> NodeServer {
        NodeServer::start_script("server_socketio.js", port, &[]).await
    }

    /// Starts `interop/<script> <port>` with extra environment variables and
    /// waits until it prints `{"listening":…}`.
    pub async fn start_script(script: &str, port: u16, env: &[(&str, &str)]) -> NodeServer {
        let dir = interop_dir();
        assert!(
            dir.join("node_modules").join("socket.io").exists(),
            "the npm peers are missing: run `npm ci --prefix interop` (scripts/test-all.sh does)"
        );
        NodeServer::start_program("node", &dir.join(script), port, env).await
    }

    /// Starts `interop/python/socketio_server.py` (python-socketio under
    /// uvicorn) on `port` and waits until it listens.
    pub async fn start_python(port: u16) -> NodeServer {
        let script = interop_dir().join("python").join("socketio_server.py");
        NodeServer::start_program("python3", &script, port, &[]).await
    }

    /// Starts `program script port` and waits until it prints `{"listening":…}`.
    async fn start_program(program: &str, script: &std::path::Path, port: u16, env: &[(&str, &str)]) -> NodeServer {
        let mut child = Command::new(program)
            .arg(script)
            .arg(port.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("{program} is on the PATH: {error}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut server = NodeServer { child, lines: JsonLines::read(stdout, "the server") };
        server.next(|line| line.get("listening").is_some()).await;
        server
    }

    /// The next line `pick` accepts (earlier lines are dropped).
    pub async fn next(&mut self, pick: impl FnMut(&Value) -> bool) -> Value {
        self.lines.next(pick).await
    }

    /// Every line printed within `window`.
    pub async fn lines_within(&mut self, window: Duration) -> Vec<Value> {
        self.lines.within(window).await
    }

    /// Kills the process and waits for it to be gone.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("the node server can be killed");
    }
}

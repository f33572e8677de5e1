//! Shared by the client tests: running a node Socket.IO server script of
//! `interop/` (pinned in `interop/package.json`; `npm ci --prefix interop`
//! installs it) and reading the JSON lines it prints.

#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::{Child, Command};

/// How long any single wait of the client tests may take.
pub const WAIT: Duration = Duration::from_secs(15);

#[path = "../peers/mod.rs"]
mod peers;

pub use peers::{free_port, interop_dir};

#[path = "../json_lines/mod.rs"]
mod json_lines;

pub use json_lines::JsonLines;

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

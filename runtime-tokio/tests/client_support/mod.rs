//! Shared by the client tests: running a node Socket.IO server script of
//! `interop/` (pinned in `interop/package.json`; `npm ci --prefix interop`
//! installs it) and reading the JSON lines it prints.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;

/// How long any single wait of the client tests may take.
pub const WAIT: Duration = Duration::from_secs(15);

#[path = "../peers/mod.rs"]
mod peers;

pub use peers::free_port;

#[path = "../json_lines/mod.rs"]
pub mod json_lines;

use json_lines::JsonPeer;

/// A running server script (node, or python); killed when dropped.
pub struct NodeServer {
    peer: JsonPeer,
}

impl NodeServer {
    /// Starts `interop/server_socketio.js` on `port` and waits until it listens.
    pub async fn start(port: u16) -> NodeServer {
        NodeServer::start_script("server_socketio.js", port, &[]).await
    }

    /// Starts `interop/<script> <port>` with extra environment variables and
    /// waits until it prints `{"listening":…}`.
    pub async fn start_script(script: &str, port: u16, env: &[(&str, &str)]) -> NodeServer {
        peers::require_npm("socket.io");
        NodeServer::start_program("node", script, port, env).await
    }

    /// Starts `interop/python/socketio_server.py` (python-socketio under
    /// uvicorn) on `port` and waits until it listens.
    pub async fn start_python(port: u16) -> NodeServer {
        NodeServer::start_program("python3", "python/socketio_server.py", port, &[]).await
    }

    /// Starts `program interop/<script> port` and waits until it prints `{"listening":…}`.
    async fn start_program(program: &str, script: &str, port: u16, env: &[(&str, &str)]) -> NodeServer {
        let mut server = NodeServer { peer: JsonPeer::start(program, script, &[port.to_string()], env, false) };
        server.next(|line| line.get("listening").is_some()).await;
        server
    }

    /// The next line `pick` accepts (earlier lines are dropped).
    pub async fn next(&mut self, pick: impl FnMut(&Value) -> bool) -> Value {
        self.peer.lines.next(pick).await
    }

    /// Every line printed within `window`.
    pub async fn lines_within(&mut self, window: Duration) -> Vec<Value> {
        self.peer.lines.within(window).await
    }

    /// Kills the process and waits for it to be gone.
    pub async fn kill(mut self) {
        self.peer.kill().await;
    }
}

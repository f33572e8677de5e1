//! A peer process (a node or python script of `interop/`) run under tokio,
//! and the JSON lines it prints on its stdout, read in a tokio task: shared
//! by `client_support`, `cluster_support` and `browser_chat`. Whoever
//! includes this module also includes `peers` beside it.

#![allow(dead_code)]

use std::fmt::Display;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::peers::interop_dir;

/// How long one wait for a line may take.
const WAIT: Duration = Duration::from_secs(15);

/// A peer process started by [`JsonPeer::start`]; killed when dropped.
pub struct JsonPeer {
    child: Child,
    stdin: Option<ChildStdin>,
    /// What it prints on its stdout.
    pub lines: JsonLines,
}

impl JsonPeer {
    /// Starts `program interop/<script> args…` in `interop/` with the extra
    /// environment variables `env` and its stderr inherited; its stdin is
    /// piped when `stdin` is true (for [`JsonPeer::write_line`]), else empty.
    pub fn start(program: &str, script: &str, args: &[String], env: &[(&str, &str)], stdin: bool) -> JsonPeer {
        let dir = interop_dir();
        let mut child = Command::new(program)
            .arg(dir.join(script))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(&dir)
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("{program} is on the PATH: {error}"));
        let stdin = child.stdin.take();
        let lines = JsonLines::read(child.stdout.take().expect("stdout is piped"), script);
        JsonPeer { child, stdin, lines }
    }

    /// Writes `line` and a newline on its stdin.
    pub async fn write_line(&mut self, line: impl Display) {
        let what = &self.lines.what;
        let stdin = self.stdin.as_mut().unwrap_or_else(|| panic!("{what} was started without a stdin"));
        let written = stdin.write_all(format!("{line}\n").as_bytes()).await;
        written.unwrap_or_else(|error| panic!("{what} reads its stdin: {error}"));
    }

    /// Kills the process (`kill -9`) and waits for it to be gone.
    pub async fn kill(&mut self) {
        let killed = self.child.kill().await;
        killed.unwrap_or_else(|error| panic!("{} can be killed: {error}", self.lines.what));
    }
}

/// The JSON lines a child process prints, read in a task.
pub struct JsonLines {
    lines: mpsc::UnboundedReceiver<Value>,
    what: String,
}

impl JsonLines {
    /// Reads `stdout` line by line; lines that are not JSON go to stderr,
    /// after `what`.
    pub fn read(stdout: impl tokio::io::AsyncRead + Unpin + Send + 'static, what: &str) -> JsonLines {
        let (sender, lines) = mpsc::unbounded_channel();
        let label = what.to_owned();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                match serde_json::from_str::<Value>(&line) {
                    Ok(value) => {
                        let _ = sender.send(value);
                    }
                    Err(_) => eprintln!("{label}: {line}"),
                }
            }
        });
        JsonLines { lines, what: what.to_owned() }
    }

    /// The next line, however long it takes; `None` once the process has
    /// closed its stdout.
    pub async fn recv(&mut self) -> Option<Value> {
        self.lines.recv().await
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
        received_within(&mut self.lines, window).await
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

    /// The lines printed until `count` of them match `pick` (within
    /// [`WAIT`]), then those printed during `quiet` (to catch extras).
    pub async fn until(&mut self, count: usize, pick: impl Fn(&Value) -> bool, quiet: Duration) -> Vec<Value> {
        let mut lines = Vec::new();
        let mut matched = 0;
        while matched < count {
            let line = match timeout(WAIT, self.lines.recv()).await {
                Ok(Some(line)) => line,
                Ok(None) => panic!("{} exited; lines so far: {lines:?}", self.what),
                Err(_) => {
                    panic!("only {matched} of {count} expected lines from {} within {WAIT:?}: {lines:?}", self.what)
                }
            };
            matched += usize::from(pick(&line));
            lines.push(line);
        }
        lines.extend(self.within(quiet).await);
        lines
    }
}

/// Everything `receiver` gets within `window` (less if its senders are gone).
pub async fn received_within<T>(receiver: &mut mpsc::UnboundedReceiver<T>, window: Duration) -> Vec<T> {
    let mut received = Vec::new();
    let _ = timeout(window, async {
        while let Some(item) = receiver.recv().await {
            received.push(item);
        }
    })
    .await;
    received
}

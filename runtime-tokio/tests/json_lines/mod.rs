//! The JSON lines a peer process (a node or python script of `interop/`)
//! prints on its stdout, read in a tokio task: shared by `client_support`
//! and `cluster_support`.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// How long one wait for a line may take.
const WAIT: Duration = Duration::from_secs(15);

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

//! The server role against the python-socketio client
//! (`interop/python/socketio_client.py`, pinned in
//! `interop/python/requirements.txt`): it emits `echo` ("ping", 7) and a
//! binary `echo`, both with acks, and answers the server's `welcome` with
//! "thanks", over polling or WebSocket (no upgrade).

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use super::greeting::start_greeting_server;
use super::peers::{self, within};
use super::{RuntimeUnderTest, WAIT};

/// How long the python client may run.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Fails the test with the install command when python-socketio is missing.
fn require_python_peers() {
    let probe = Command::new("python3")
        .args(["-c", "import socketio, websocket, requests"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("python3 is on the PATH");
    assert!(
        probe.success(),
        "the python peers are missing: run `python3 -m pip install -r interop/python/requirements.txt` \
         (scripts/test-all.sh does)"
    );
}

/// The python client, over `mode`, gets its acks (text and binary) and the
/// server's `welcome`, and the server hears its answer.
pub async fn python_client_gets_acks_binary_and_server_events<R: RuntimeUnderTest>(mode: &str) {
    require_python_peers();
    let (url, mut answers) = start_greeting_server::<R>().await;
    let script = peers::interop_dir().join("python").join("socketio_client.py").into_os_string();
    let report = peers::run("python3", vec![script, url.into(), mode.into()], CLIENT_TIMEOUT).await.ok_report();
    assert_eq!(report["transport"], mode, "{report}");
    assert_eq!(report["echo"], json!(["ping", 7]), "text and number echoed in the ack: {report}");
    assert_eq!(report["binary"], json!([1, 2, 3]), "binary echoed in the ack: {report}");
    assert_eq!(report["welcome"], "hi", "{report}");
    let answer = within(WAIT, answers.recv()).await.expect("the welcome ack in time");
    assert_eq!(answer.as_deref(), Some("thanks"), "the client's ack reached the server");
}

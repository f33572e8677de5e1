//! The Socket.IO server against the python-socketio client (pinned in
//! `interop/python/requirements.txt`; install with
//! `python3 -m pip install -r interop/python/requirements.txt`, as
//! `scripts/test-all.sh` does).
//!
//! Each test starts a server on 127.0.0.1:0 whose `/` namespace acks `echo`
//! with its arguments and greets each socket with `welcome` (with an ack),
//! runs `interop/python/socketio_client.py` over one transport and checks
//! the JSON line it prints, plus the client's answer to `welcome`.
//! Everything has a timeout and the python child is killed when the test ends.

mod peers;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use serde_json::{json, Value};
use socketio_proto::Args;
use tokio::process::Command;
use tokio::sync::mpsc;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

fn client_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("interop").join("python").join("socketio_client.py")
}

/// Starts the server of the module docs; the client's answers to `welcome`
/// arrive on the receiver.
async fn start_server() -> (String, mpsc::UnboundedReceiver<String>) {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (answers, received) = mpsc::unbounded_channel();
    io.ns("/", move |socket: Socket| {
        let answers = answers.clone();
        async move {
            socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send_args(args).expect("the connection is open");
                }
            });
            tokio::spawn(async move {
                let answer = match socket.emit_with_ack("welcome", "hi", ACK_TIMEOUT).await {
                    Ok(args) => args.deserialize::<(String,)>().map(|(text,)| text).unwrap_or_else(|e| e.to_string()),
                    Err(error) => format!("no answer: {error}"),
                };
                let _ = answers.send(answer);
            });
        }
    });
    (format!("http://{addr}"), received)
}

/// Runs the python client over `transport` and returns its JSON report.
async fn run_client(url: &str, transport: &str) -> Value {
    let probe = Command::new("python3")
        .args(["-c", "import socketio, websocket, requests"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .expect("python3 is on the PATH");
    assert!(
        probe.success(),
        "the python peers are missing: run `python3 -m pip install -r interop/python/requirements.txt` \
         (scripts/test-all.sh does)"
    );
    let script = client_script().into_os_string();
    peers::run("python3", vec![script, url.into(), transport.into()], CLIENT_TIMEOUT).await.ok_report()
}

/// Runs one session over `transport` and checks the contract of the module docs.
async fn check_contract(transport: &str) {
    let (url, mut answers) = start_server().await;
    let report = run_client(&url, transport).await;
    assert_eq!(report["transport"], transport, "{report}");
    assert_eq!(report["echo"], json!(["ping", 7]), "text and number echoed in the ack: {report}");
    assert_eq!(report["binary"], json!([1, 2, 3]), "binary echoed in the ack: {report}");
    assert_eq!(report["welcome"], "hi", "{report}");
    let answer = tokio::time::timeout(ACK_TIMEOUT, answers.recv()).await;
    assert_eq!(answer.expect("the welcome ack in time").as_deref(), Some("thanks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_polling_client_gets_acks_binary_and_server_events() {
    check_contract("polling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_websocket_client_gets_acks_binary_and_server_events() {
    check_contract("websocket").await;
}

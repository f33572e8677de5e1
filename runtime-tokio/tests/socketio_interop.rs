//! The Socket.IO server against the real npm `socket.io-client` (pinned in
//! `interop/package.json`; install with `npm ci --prefix interop`).
//!
//! Each test starts a server on 127.0.0.1:0 with namespaces `/` (behind an
//! auth middleware; `slow` acks after a pause, `fast` at once; `fanout`
//! broadcasts `msg` to a room the socket joined),
//! `/admin` (`kick` disconnects the socket) and `/private` (always refused), runs
//! `interop/socketio_client.js` in node over one transport setting and
//! checks the JSON line it prints, plus what the server heard back from the
//! client. Everything has a timeout and the node child is killed when the
//! test ends.

mod peers;

use std::time::Duration;

use bytes::Bytes;
use runtime_tokio::socketio::{AckSender, ConnectError, Data, Handshake, Socket, SocketIo};
use serde_json::Value;
use socketio_proto::{Args, Binary};
use std::sync::Arc;
use tokio::sync::mpsc;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

async fn require_token(handshake: Arc<Handshake>) -> Result<(), ConnectError> {
    match handshake.auth::<Value>() {
        Some(auth) if auth["token"] == "secret" => Ok(()),
        _ => Err(ConnectError::new("bad token")),
    }
}

/// Starts the server of the module docs; the client's answer to the
/// server's `welcome` (`welcome:…`) and the server-side disconnections
/// (`disconnect:<namespace>:<reason>`) arrive on the receiver.
async fn start_server() -> (String, mpsc::UnboundedReceiver<String>) {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (answers, received) = mpsc::unbounded_channel();
    let disconnections = answers.clone();
    io.ns("/", move |socket: Socket| {
        let answers = answers.clone();
        async move {
            socket.join("room");
            socket.on("slow", |_socket: Socket, _: Args, ack: Option<AckSender>| async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if let Some(ack) = ack {
                    ack.send("slow").expect("the connection is open");
                }
            });
            socket.on("fast", |_socket: Socket, _: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send("fast").expect("the connection is open");
                }
            });
            socket.on("fanout", |socket: Socket, args: Args, _ack: Option<AckSender>| async move {
                socket.ns().to("room").emit_args("msg", args);
            });
            socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send_args(args).expect("the connection is open");
                }
            });
            socket.emit("bin", &Binary(Bytes::from_static(&[4, 5, 6]))).expect("emit bin");
            tokio::spawn(async move {
                let answer = match socket.emit_with_ack("welcome", "hi", ACK_TIMEOUT).await {
                    Ok(args) => args.deserialize::<(String,)>().map(|(text,)| text).unwrap_or_else(|e| e.to_string()),
                    Err(error) => format!("no answer: {error}"),
                };
                let _ = answers.send(format!("welcome:{answer}"));
            });
        }
    })
    .middleware(require_token);
    io.ns("/admin", move |socket: Socket| {
        let disconnections = disconnections.clone();
        async move {
            socket.on("whoami", |socket: Socket, _: Args, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    ack.send(socket.namespace().trim_start_matches('/')).expect("the connection is open");
                }
            });
            socket.on("kick", |socket: Socket, _: Args, _ack: Option<AckSender>| async move { socket.disconnect() });
            socket.on_disconnect(move |socket: Socket, reason| {
                let disconnections = disconnections.clone();
                async move {
                    let _ = disconnections.send(format!("disconnect:{}:{reason}", socket.namespace()));
                }
            });
        }
    });
    io.ns("/private", |_socket: Socket| async {})
        .middleware(|_handshake| async { Err(ConnectError::new("not authorized")) });
    (format!("http://{addr}"), received)
}

/// Runs the node client and returns its JSON report.
async fn run_client(url: &str, mode: &str) -> Value {
    peers::require_npm("socket.io-client");
    peers::node("socketio_client.js", &[url, mode], CLIENT_TIMEOUT).await.ok_report()
}

/// Runs one session over `mode` and checks the whole contract.
async fn check_contract(mode: &str) -> Value {
    let (url, mut answers) = start_server().await;
    let report = run_client(&url, mode).await;
    assert_eq!(report["echo"], serde_json::json!(["hello", [1, 2, 3]]), "text and binary echoed in the ack: {report}");
    assert_eq!(report["bin"], serde_json::json!([4, 5, 6]), "binary emit from the server: {report}");
    assert_eq!(report["welcome"], "hi", "{report}");
    assert_eq!(report["whoami"], "admin", "ack from /admin: {report}");
    assert_eq!(report["privateError"], "not authorized", "middleware refusal: {report}");
    assert_ne!(report["rootId"], report["adminId"], "one socket id per namespace: {report}");
    assert_eq!(
        report["handlerOrder"],
        serde_json::json!(["slow", "fast"]),
        "one socket's handlers run in order: {report}"
    );
    let fanout: Vec<u64> = (0..50).collect();
    assert_eq!(report["fanout"], serde_json::json!(fanout), "room broadcasts arrive once each, in order: {report}");
    assert_eq!(report["adminDisconnect"], "io server disconnect", "{report}");
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let next = tokio::time::timeout(ACK_TIMEOUT, answers.recv()).await;
        heard.push(next.expect("the server hears back in time").expect("the server runs"));
    }
    heard.sort();
    assert_eq!(
        heard,
        ["disconnect:/admin:server namespace disconnect", "welcome:thanks"],
        "the welcome ack reached emit_with_ack; on_disconnect ran"
    );
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_client_gets_events_acks_binary_namespaces_and_refusals() {
    let report = check_contract("polling").await;
    assert_eq!(report["transport"], "polling");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_client_gets_events_acks_binary_namespaces_and_refusals() {
    let report = check_contract("websocket").await;
    assert_eq!(report["transport"], "websocket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_client_gets_events_acks_binary_namespaces_and_refusals() {
    let report = check_contract("upgrade").await;
    assert_eq!(report["transport"], "websocket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn middleware_sees_the_auth_payload_and_refuses_a_wrong_token() {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    // The client's token is "secret": a middleware wanting another refuses it.
    io.ns("/", |_socket: Socket| async {}).middleware(|handshake: Arc<Handshake>| async move {
        match handshake.auth::<Value>() {
            Some(auth) if auth["token"] == "other" => Ok(()),
            _ => Err(ConnectError::new("bad token")),
        }
    });
    io.ns("/admin", |_socket: Socket| async {});
    let url = format!("http://{addr}");
    let stdout = peers::node("socketio_client.js", &[&url, "websocket"], CLIENT_TIMEOUT).await.stdout;
    assert!(stdout.contains("connect_error on /: bad token"), "stdout: {stdout}");
}

/// `Data<T>` reads the first argument (used by the docs' example).
#[test]
fn data_reads_the_first_argument_and_ignores_the_rest() {
    use runtime_tokio::socketio::FromArgs;
    let args = Args::from_tuple(&("first", 2)).expect("serializes");
    let Data(first) = Data::<String>::from_args(args).expect("a string first");
    assert_eq!(first, "first");
}

/// `Data<Binary>` turns an attachment placeholder back into its bytes.
#[test]
fn data_reads_a_binary_first_argument() {
    use runtime_tokio::socketio::FromArgs;
    let args = Args::from_tuple(&(Binary(Bytes::from_static(&[7, 8])),)).expect("serializes");
    assert_eq!(args.attachments().len(), 1, "the bytes travel as an attachment");
    let Data(Binary(bytes)) = Data::<Binary>::from_args(args).expect("a binary first");
    assert_eq!(&bytes[..], &[7, 8]);
}

/// An event without arguments does not fit `Data<T>`: its handler is skipped.
#[test]
fn data_refuses_an_event_without_arguments() {
    use runtime_tokio::socketio::FromArgs;
    assert!(Data::<String>::from_args(Args::empty()).is_err());
}

//! The Socket.IO server with `allow_eio3(true)` against the official v2
//! client (`socket.io-client@2.5.0`, the npm alias `socket.io-client-v2` in
//! `interop/package.json`; install with `npm ci --prefix interop`): Engine.IO
//! 3 and Socket.IO protocol v4, whose clients join `/` implicitly and carry
//! their auth in the namespace query. See `interop/socketio_more_v2_client.js`
//! for the scenario.

mod peers;

use std::time::Duration;

use bytes::Bytes;
use runtime_tokio::socketio::{AckSender, ConnectError, Socket, SocketIo};
use serde_json::{json, Value};
use socketio_proto::{Args, Binary};
use tokio::sync::mpsc;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts the server of the v2 scenario; the client's answers to `welcome` arrive on the receiver.
async fn start_server() -> (String, mpsc::UnboundedReceiver<String>) {
    let builder = SocketIo::builder().allow_eio3(true);
    let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await.expect("bind 127.0.0.1:0");
    let (answers, received) = mpsc::unbounded_channel();
    io.ns("/", move |socket: Socket| {
        let answers = answers.clone();
        async move {
            let auth = socket.handshake().auth_json().map(|auth| auth.as_str().to_owned());
            let _ = answers.send(format!("auth:{}", auth.unwrap_or_default()));
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
                let _ = answers.send(answer);
            });
        }
    });
    io.ns("/admin", |socket: Socket| async move {
        socket.on("whoami", |socket: Socket, _: Args, ack: Option<AckSender>| async move {
            let auth = socket.handshake().auth::<Value>();
            let query = socket.handshake().namespace_query().map(str::to_owned);
            if let Some(ack) = ack {
                ack.send(&json!({ "auth": auth, "query": query })).expect("the connection is open");
            }
        });
    })
    .middleware(|handshake| async move {
        match handshake.auth::<Value>() {
            Some(auth) if auth["token"] == "secret" => Ok(()),
            _ => Err(ConnectError::new("bad token")),
        }
    });
    io.ns("/private", |_socket: Socket| async {})
        .middleware(|_handshake| async { Err(ConnectError::new("not authorized")) });
    (format!("http://{addr}"), received)
}

/// Runs the v2 node client and returns its JSON report (`ok` checked).
async fn run_v2_client(url: &str, mode: &str) -> Value {
    peers::require_npm("socket.io-client-v2");
    peers::node("socketio_more_v2_client.js", &[url, mode], CLIENT_TIMEOUT).await.ok_report()
}

/// Runs the scenario over `mode` and checks everything the client and the server saw.
async fn v2_scenario(mode: &str) {
    let (url, mut answers) = start_server().await;
    let report = run_v2_client(&url, mode).await;
    assert_eq!(report["rootConnected"], true, "{report}");
    assert_eq!(report["adminConnected"], true, "{report}");
    assert_eq!(report["echo"], json!(["hello", [1, 2, 3]]), "{report}");
    assert_eq!(report["bin"], json!([4, 5, 6]), "{report}");
    assert_eq!(report["welcome"], "hi", "{report}");
    assert_eq!(report["whoami"], json!({ "auth": { "token": "secret" }, "query": "token=secret" }), "{report}");
    assert_eq!(report["privateError"], "not authorized", "{report}");
    assert_eq!(report["nowhereError"], "Invalid namespace", "{report}");
    let expected_transport = if mode == "polling" { "polling" } else { "websocket" };
    assert_eq!(report["transport"], expected_transport, "{report}");
    let mut heard = Vec::new();
    while let Ok(Some(answer)) = tokio::time::timeout(Duration::from_secs(5), answers.recv()).await {
        heard.push(answer);
        if heard.len() == 2 {
            break;
        }
    }
    // The implicit `/` has an empty auth, as the reference's `connect("/")`.
    assert_eq!(heard, ["auth:{}", "thanks"]);
}

#[tokio::test]
async fn v2_client_over_polling_joins_root_implicitly_and_admin_with_query_auth() {
    v2_scenario("polling").await;
}

#[tokio::test]
async fn v2_client_over_websocket_joins_root_implicitly_and_admin_with_query_auth() {
    v2_scenario("websocket").await;
}

#[tokio::test]
async fn v2_client_upgrading_to_websocket_keeps_its_namespaces() {
    v2_scenario("upgrade").await;
}

#[tokio::test]
async fn v2_client_joins_the_main_namespace_the_server_did_not_register() {
    let builder = SocketIo::builder().allow_eio3(true);
    let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await.expect("bind 127.0.0.1:0");
    io.ns("/admin", |_socket: Socket| async {});
    let url = format!("http://{addr}");
    let report = peers::node("socketio_more_v2_client.js", &[&url, "websocket", "bare"], CLIENT_TIMEOUT).await.report();
    assert_eq!(report, json!({ "ok": true, "connected": ["/", "/admin"] }));
}

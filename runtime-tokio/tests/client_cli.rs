//! The `sio_cli` example (issue #5's command-line client, interface fixed)
//! driven as a process against the real npm `socket.io` 4.8.1 server
//! (`interop/server_socketio.js`): JSON lines in on stdin, JSON lines out on
//! stdout, exit codes.
//!
//! The example binary is built by a plain `cargo test` (examples are built
//! with the tests); for a focused run build it first:
//! `cargo build -p runtime-tokio --example sio_cli && cargo test -p runtime-tokio --test client_cli`.

mod client_support;

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};

use client_support::json_lines::JsonLines;
use client_support::{free_port, NodeServer, WAIT};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin, Command};
use tokio::time::timeout;

/// The example binary, next to this test's `deps/` folder.
fn cli_path() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps/<test>");
    let path = profile_dir.join("examples").join(format!("sio_cli{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p runtime-tokio --example sio_cli`",
        path.display()
    );
    path
}

/// A running `sio_cli`; killed when dropped.
struct Cli {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: JsonLines,
}

impl Cli {
    fn start(args: &[&str]) -> Cli {
        let mut child = Command::new(cli_path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("sio_cli starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        Cli { child, stdin, lines: JsonLines::read(stdout, "sio_cli") }
    }

    /// Writes one JSON line on its stdin.
    async fn send(&mut self, line: Value) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(format!("{line}\n").as_bytes()).await.expect("sio_cli reads stdin");
        stdin.flush().await.expect("sio_cli reads stdin");
    }

    /// Closes its stdin (end of input).
    fn end_input(&mut self) {
        self.stdin = None;
    }

    async fn next(&mut self, pick: impl FnMut(&Value) -> bool) -> Value {
        self.lines.next(pick).await
    }

    /// Waits for the process to exit.
    async fn exit(&mut self) -> ExitStatus {
        timeout(WAIT, self.child.wait()).await.expect("sio_cli exits in time").expect("sio_cli ran")
    }
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

async fn events_acks_and_binary_flow_both_ways(transport: &str) {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let mut cli = Cli::start(&[&url(port), "--transport", transport, "--namespace", "/", "--namespace", "/admin"]);
    // The two namespaces join in either order; each prints connect, then hello.
    let mut seen = Vec::new();
    while seen.len() < 4 {
        seen.push(cli.next(|line| line["type"] == "connect" || line["type"] == "event").await);
    }
    for ns in ["/", "/admin"] {
        let lines: Vec<&Value> = seen.iter().filter(|line| line["ns"] == ns).collect();
        assert_eq!(
            lines,
            [
                &json!({"ns": ns, "type": "connect"}),
                &json!({"ns": ns, "type": "event", "event": "hello", "args": ["world", ns]})
            ],
            "{seen:?}"
        );
    }

    cli.send(json!({"ns": "/admin", "emit": "echo", "args": [{"n": 1}, {"_binary": "AQID"}], "ack": true, "id": 7}))
        .await;
    let ack = cli.next(|line| line["type"] == "ack").await;
    assert_eq!(ack, json!({"ns": "/admin", "type": "ack", "id": 7, "args": [{"n": 1}, {"_binary": "AQID"}]}));
    let seen = server.next(|line| line["event"] == "echo").await;
    assert_eq!(seen["nsp"], "/admin");
    assert_eq!(seen["args"], json!([{"n": 1}, {"type": "Buffer", "data": [1, 2, 3]}]));

    cli.send(json!({"emit": "note", "args": ["plain"]})).await;
    let note = server.next(|line| line["event"] == "note").await;
    assert_eq!((note["nsp"].clone(), note["args"].clone()), (json!("/"), json!(["plain"])));

    cli.send(json!({"close": true})).await;
    assert!(cli.exit().await.success());
    let disconnect = server.next(|line| line.get("disconnect").is_some()).await;
    assert!(disconnect["reason"].is_string(), "{disconnect}");
}

#[tokio::test]
async fn events_acks_and_binary_flow_both_ways_over_polling() {
    events_acks_and_binary_flow_both_ways("polling").await;
}

#[tokio::test]
async fn events_acks_and_binary_flow_both_ways_over_websocket() {
    events_acks_and_binary_flow_both_ways("websocket").await;
}

#[tokio::test]
async fn events_acks_and_binary_flow_both_ways_over_an_upgraded_connection() {
    events_acks_and_binary_flow_both_ways("both").await;
}

#[tokio::test]
async fn end_of_input_waits_for_the_acks_asked_for_then_exits_zero() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let mut cli = Cli::start(&[&url(port)]);
    // Typed before the namespace is joined: buffered, then sent in order.
    for id in 0..3 {
        cli.send(json!({"emit": "echo", "args": [id], "ack": true, "id": id})).await;
    }
    cli.end_input();
    assert!(cli.exit().await.success());
    let acks: Vec<Value> = cli.lines.rest().await.into_iter().filter(|line| line["type"] == "ack").collect();
    let mut ids: Vec<Value> = acks.iter().map(|ack| ack["id"].clone()).collect();
    ids.sort_by_key(|id| id.as_i64());
    assert_eq!(ids, [json!(0), json!(1), json!(2)], "{acks:?}");
    assert!(acks.iter().all(|ack| ack["args"] == json!([ack["id"]])), "{acks:?}");
}

#[tokio::test]
async fn auth_reaches_the_server_in_the_connect_packet() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let mut cli = Cli::start(&[&url(port), "--auth", r#"{"token":"abc"}"#]);
    cli.next(|line| line["type"] == "connect").await;
    let connection = server.next(|line| line["connection"] == "/").await;
    assert_eq!(connection["auth"], json!({"token": "abc"}));
}

#[tokio::test]
async fn a_refused_namespace_prints_connect_error_and_the_cli_exits_one() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let mut cli = Cli::start(&[&url(port), "--namespace", "/private", "--transport", "websocket"]);
    let error = cli.next(|line| line["type"] == "connect_error").await;
    assert_eq!(error, json!({"type": "connect_error", "message": "not authorized"}));
    assert_eq!(cli.exit().await.code(), Some(1));
}

#[tokio::test]
async fn emits_typed_during_an_outage_arrive_in_order_after_reconnection() {
    let port = free_port();
    let server = NodeServer::start(port).await;
    let mut cli = Cli::start(&[&url(port), "--transport", "websocket"]);
    cli.next(|line| line["type"] == "connect").await;
    server.kill().await;
    let disconnect = cli.next(|line| line["type"] == "disconnect").await;
    assert_eq!(disconnect["reason"], "transport close", "{disconnect}");
    let attempt = cli.next(|line| line["type"] == "reconnect_attempt").await;
    assert_eq!(attempt, json!({"type": "reconnect_attempt", "n": 1}));
    for seq in 0..5 {
        cli.send(json!({"emit": "seq", "args": [seq]})).await;
    }
    let mut restarted = NodeServer::start(port).await;
    let mut received = Vec::new();
    while received.len() < 5 {
        received.push(restarted.next(|line| line["event"] == "seq").await["args"][0].clone());
    }
    assert_eq!(received, [json!(0), json!(1), json!(2), json!(3), json!(4)]);
    cli.next(|line| line["type"] == "connect").await;
}

#[tokio::test]
async fn bad_arguments_exit_two() {
    let mut cli = Cli::start(&["http://127.0.0.1:1", "--transport", "carrier-pigeon"]);
    assert_eq!(cli.exit().await.code(), Some(2));
}

#[tokio::test]
async fn eio3_mode_talks_to_a_server_allowing_eio3() {
    let port = free_port();
    let _server = NodeServer::start_script("server_socketio.js", port, &[("ALLOW_EIO3", "1")]).await;
    let mut cli = Cli::start(&[&url(port), "--eio", "3", "--namespace", "/admin"]);
    cli.next(|line| line["type"] == "connect").await;
    cli.send(json!({"ns": "/admin", "emit": "echo", "args": [{"_binary": "/w=="}], "ack": true, "id": "v2"})).await;
    let ack = cli.next(|line| line["type"] == "ack").await;
    assert_eq!(ack, json!({"ns": "/admin", "type": "ack", "id": "v2", "args": [{"_binary": "/w=="}]}));
}

#[tokio::test]
async fn auth_in_eio3_mode_reaches_a_private_namespace_as_its_query() {
    let port = free_port();
    let mut server = NodeServer::start_script("server_socketio.js", port, &[("ALLOW_EIO3", "1")]).await;
    let mut cli = Cli::start(&[&url(port), "--eio", "3", "--auth", r#"{"token":"s3cret"}"#, "--namespace", "/private"]);
    assert_eq!(cli.next(|line| line["type"] == "connect").await, json!({"ns": "/private", "type": "connect"}));
    let connection = server.next(|line| line["connection"] == "/private").await;
    assert_eq!(connection["auth"], json!({"token": "s3cret"}));
}

#[tokio::test]
async fn lines_have_the_documented_key_order() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let mut child = Command::new(cli_path())
        .arg(url(port))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("sio_cli starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(b"{\"emit\":\"echo\",\"args\":[1],\"ack\":true,\"id\":1}\n").await.expect("written");
    drop(stdin);
    let output = timeout(WAIT, child.wait_with_output()).await.expect("exits in time").expect("ran");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    for expected in [
        r#"{"ns":"/","type":"connect"}"#,
        r#"{"ns":"/","type":"event","event":"hello","args":["world","/"]}"#,
        r#"{"ns":"/","type":"ack","id":1,"args":[1]}"#,
    ] {
        assert!(lines.contains(&expected), "{expected} in {lines:?}");
    }
}

#[tokio::test]
async fn retries_and_ack_timeout_get_an_emit_through_a_server_that_loses_its_first_ack() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let mut cli = Cli::start(&[&url(port), "--transport", "websocket", "--retries", "2", "--ack-timeout", "1000"]);
    cli.send(json!({"emit": "flaky", "args": [5], "ack": true, "id": 1})).await;
    let ack = cli.next(|line| line["type"] == "ack" || line["type"] == "emit_error").await;
    assert_eq!(ack, json!({"ns": "/", "type": "ack", "id": 1, "args": [5]}));
}

#[tokio::test]
async fn an_ack_that_never_comes_is_an_emit_error_after_the_ack_timeout() {
    let port = free_port();
    let _server = NodeServer::start(port).await;
    let mut cli = Cli::start(&[&url(port), "--transport", "websocket", "--ack-timeout", "200"]);
    cli.send(json!({"emit": "unanswered", "args": [], "ack": true, "id": 2})).await;
    let error = cli.next(|line| line["type"] == "ack" || line["type"] == "emit_error").await;
    assert_eq!(error, json!({"ns": "/", "type": "emit_error", "id": 2, "message": "operation has timed out"}));
}

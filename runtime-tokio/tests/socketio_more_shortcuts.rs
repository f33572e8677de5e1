//! The main-namespace shortcuts (`io.emit`, `io.to`, `io.except`,
//! `io.fetch_sockets`) and the per-socket operators (`socket.volatile()`,
//! `socket.timeout(d)`) against the real npm `socket.io-client`: see the
//! `shortcuts` scenario of `interop/socketio_more_client.js`. Clients `a`
//! and `b` (separate connections) are in rooms `a-room` and `b-room`.

mod socketio_more_support;

use std::time::Duration;

use runtime_tokio::socketio::{AckError, Socket, SocketIo};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use socketio_more_support::{next, run_client};

/// What the server side of the scenario saw.
struct Outcome {
    /// The client's report.
    report: Value,
    /// The names `io.fetch_sockets()` found, sorted.
    fetched: Vec<String>,
    /// What `socket.timeout(…).emit_with_ack("ask", 1)` gave for `a` and for `b`.
    asks: (Result<Value, String>, Result<Value, String>),
}

async fn ask(socket: &Socket) -> Result<Value, String> {
    match socket.timeout(Duration::from_millis(500)).emit_with_ack("ask", &1).await {
        Ok(args) => args.deserialize::<Value>().map_err(|error| error.to_string()),
        Err(AckError::Timeout) => Err("timeout".to_owned()),
        Err(error) => Err(error.to_string()),
    }
}

/// Runs the scenario over `mode`; the server, once both sockets are in:
/// `io.emit("all", 1)`, `io.to("a-room").emit("to", "a")`,
/// `io.except("a-room").emit("except", "b")`, `io.emit("fetched", names)`,
/// `ask` both with a 500 ms timeout, `socket.volatile().emit("vol", name)`
/// on each, then `io.emit("done", true)`.
async fn shortcuts_scenario(mode: &'static str) -> Outcome {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let (joined, mut sockets) = mpsc::unbounded_channel();
    io.ns("/", move |socket: Socket| {
        let joined = joined.clone();
        async move {
            let name = socket.handshake().auth::<Value>().and_then(|auth| auth["name"].as_str().map(String::from));
            let name = name.unwrap_or_default();
            socket.join(&format!("{name}-room"));
            socket.set_data(name.clone());
            let _ = joined.send((name, socket));
        }
    });
    let url = format!("http://{addr}");
    let client = tokio::spawn(async move { run_client(&url, "shortcuts", mode, &[]).await });
    let mut both = [next(&mut sockets).await, next(&mut sockets).await];
    both.sort_by(|left, right| left.0.cmp(&right.0));
    let [(_, a), (_, b)] = both;

    io.emit("all", &1).expect("numbers serialize");
    io.to("a-room").emit("to", "a").expect("strings serialize");
    io.except("a-room").emit("except", "b").expect("strings serialize");
    let mut fetched: Vec<String> = io.fetch_sockets().iter().filter_map(|socket| socket.data::<String>()).collect();
    fetched.sort();
    io.emit("fetched", &fetched).expect("strings serialize");
    let asks = tokio::join!(ask(&a), ask(&b));
    a.volatile().emit("vol", "a").expect("the connection is open");
    b.volatile().emit("vol", "b").expect("the connection is open");
    io.emit("done", &true).expect("booleans serialize");

    let report = client.await.expect("the client task ran");
    Outcome { report, fetched, asks }
}

#[tokio::test]
async fn io_emit_reaches_every_socket_of_the_main_namespace() {
    let Outcome { report, .. } = shortcuts_scenario("polling").await;
    for name in ["a", "b"] {
        assert_eq!(report["events"][name][0], json!(["all", 1]), "{report}");
        assert_eq!(report["events"][name].as_array().and_then(|events| events.last()), Some(&json!(["done", true])));
    }
}

#[tokio::test]
async fn io_to_and_io_except_select_by_room() {
    let Outcome { report, .. } = shortcuts_scenario("websocket").await;
    assert_eq!(report["events"]["a"][1], json!(["to", "a"]), "{report}");
    assert_eq!(report["events"]["b"][1], json!(["except", "b"]), "{report}");
    let names = |name: &str| -> Vec<Value> {
        report["events"][name].as_array().into_iter().flatten().map(|event| event[0].clone()).collect()
    };
    assert!(!names("a").contains(&json!("except")), "{report}");
    assert!(!names("b").contains(&json!("to")), "{report}");
}

#[tokio::test]
async fn io_fetch_sockets_finds_every_socket_of_the_main_namespace() {
    let Outcome { report, fetched, .. } = shortcuts_scenario("websocket").await;
    assert_eq!(fetched, ["a", "b"]);
    assert_eq!(report["events"]["a"][2], json!(["fetched", ["a", "b"]]), "{report}");
}

#[tokio::test]
async fn socket_timeout_emit_with_ack_gets_the_answer_or_times_out() {
    let Outcome { asks, .. } = shortcuts_scenario("polling").await;
    assert_eq!(asks.0, Ok(json!(["yes from a"])));
    assert_eq!(asks.1, Err("timeout".to_owned()));
}

#[tokio::test]
async fn socket_volatile_emit_reaches_its_socket_over_websocket_in_order() {
    let Outcome { report, .. } = shortcuts_scenario("websocket").await;
    assert_eq!(report["events"]["a"][4], json!(["vol", "a"]), "{report}");
    assert_eq!(report["events"]["b"][4], json!(["vol", "b"]), "{report}");
}

#[tokio::test]
async fn io_emit_without_a_main_namespace_reaches_nobody() {
    let (_, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    assert_eq!(io.emit("all", &1).map_err(|error| error.to_string()), Ok(()));
    assert!(io.fetch_sockets().is_empty());
    assert!(io.of("/").is_none(), "the shortcuts do not register `/`");
}

#[tokio::test]
async fn a_client_joins_the_main_namespace_nobody_registered_and_io_emit_reaches_it() {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let url = format!("http://{addr}");
    let client = tokio::spawn(async move { run_client(&url, "bare", "websocket", &[]).await });
    let joined = async {
        while io.fetch_sockets().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), joined).await.expect("the client joins `/`");
    io.emit("hi", "there").expect("strings serialize");
    let report = client.await.expect("the client task ran");
    assert_eq!(report["hi"], "there", "{report}");
    assert!(io.of("/").is_some(), "`/` exists once a client joined it");
}

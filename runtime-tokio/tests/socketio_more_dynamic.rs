//! Dynamic namespaces ([`SocketIo::dynamic_ns`], the reference
//! `io.of(/^\/dynamic-\d+$/)`) against the real npm `socket.io-client`: see
//! the `dynamic` scenario of `interop/socketio_more_client.js`.

mod socketio_more_support;

use std::time::Duration;

use runtime_tokio::socketio::{AckSender, ConnectError, Handshake, ParentNamespaceRef, Socket, SocketIo};
use serde_json::{json, Value};
use socketio_proto::Args;
use tokio::sync::mpsc;

use socketio_more_support::{next, run_client};

fn is_dynamic(name: &str, _handshake: &Handshake) -> bool {
    name.strip_prefix("/dynamic-")
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// A server with the dynamic namespace `/dynamic-<digits>` (whose
/// middleware refuses `/dynamic-666`); each child socket is welcomed with
/// its namespace name and reports `ready` on the receiver; `cleanup`: empty
/// children are forgotten.
async fn start_server(cleanup: bool) -> (String, SocketIo, ParentNamespaceRef, mpsc::UnboundedReceiver<String>) {
    let builder = SocketIo::builder().cleanup_empty_child_namespaces(cleanup);
    let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await.expect("bind 127.0.0.1:0");
    let (ready, readies) = mpsc::unbounded_channel();
    let parent = io
        .dynamic_ns(is_dynamic, move |socket: Socket| {
            let ready = ready.clone();
            async move {
                socket.emit("welcome", socket.namespace()).expect("the connection is open");
                socket.on("ready", move |socket: Socket, _: Args, _ack: Option<AckSender>| {
                    let ready = ready.clone();
                    async move {
                        let _ = ready.send(socket.namespace().to_owned());
                    }
                });
            }
        })
        .middleware(|handshake| async move {
            match handshake.namespace() {
                "/dynamic-666" => Err(ConnectError::new("cursed")),
                _ => Ok(()),
            }
        });
    (format!("http://{addr}"), io, parent, readies)
}

/// Runs the scenario over `mode`: once both children are ready, the server
/// says `hello` on the parent. Returns the client's report and the
/// children's names as the parent lists them.
async fn dynamic_scenario(mode: &'static str) -> (Value, Vec<String>, SocketIo) {
    let (report, children, io, _) = dynamic_scenario_with(mode, false).await;
    (report, children, io)
}

/// [`dynamic_scenario`], optionally cleaning up empty children, also giving the parent.
async fn dynamic_scenario_with(
    mode: &'static str,
    cleanup: bool,
) -> (Value, Vec<String>, SocketIo, ParentNamespaceRef) {
    let (url, io, parent, mut readies) = start_server(cleanup).await;
    let client = tokio::spawn(async move { run_client(&url, "dynamic", mode, &[]).await });
    let mut ready = vec![next(&mut readies).await, next(&mut readies).await];
    ready.sort();
    assert_eq!(ready, ["/dynamic-1", "/dynamic-22"]);
    parent.emit("hello", "all").expect("strings serialize");
    let report = client.await.expect("the client task ran");
    let mut children: Vec<String> = parent.children().iter().map(|child| child.name().to_owned()).collect();
    children.sort();
    (report, children, io, parent)
}

#[tokio::test]
async fn a_matching_unknown_namespace_gets_a_child_with_the_parents_handler() {
    let (report, children, io) = dynamic_scenario("websocket").await;
    assert_eq!(report["welcome"], json!({ "/dynamic-1": "/dynamic-1", "/dynamic-22": "/dynamic-22" }), "{report}");
    // As in the reference, the child exists before its middlewares run: a refused one too.
    assert_eq!(children, ["/dynamic-1", "/dynamic-22", "/dynamic-666"]);
    assert!(io.of("/dynamic-1").is_some(), "a child is a registered namespace");
}

#[tokio::test]
async fn a_broadcast_on_the_parent_reaches_every_child() {
    let (report, _, _) = dynamic_scenario("polling").await;
    assert_eq!(report["hello"], json!({ "/dynamic-1": "all", "/dynamic-22": "all" }), "{report}");
}

#[tokio::test]
async fn the_parents_middleware_guards_its_children() {
    let (report, _, _) = dynamic_scenario("websocket").await;
    assert_eq!(report["errors"]["/dynamic-666"], "cursed", "{report}");
}

#[tokio::test]
async fn a_namespace_no_predicate_accepts_is_an_invalid_namespace() {
    let (report, children, io) = dynamic_scenario("websocket").await;
    assert_eq!(report["errors"]["/static"], "Invalid namespace", "{report}");
    assert!(!children.contains(&"/static".to_owned()));
    assert!(io.of("/static").is_none());
}

#[tokio::test]
async fn children_are_kept_once_empty_by_default() {
    let (_, _, io, parent) = dynamic_scenario_with("websocket", false).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(parent.children().len(), 3);
    assert!(io.of("/dynamic-1").is_some());
}

#[tokio::test]
async fn with_cleanup_a_child_is_forgotten_once_its_last_socket_left() {
    let (_, _, io, parent) = dynamic_scenario_with("websocket", true).await;
    let emptied = async {
        while !parent.children().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), emptied).await.expect("the children are forgotten");
    assert!(io.of("/dynamic-1").is_none());
    assert!(io.of("/dynamic-666").is_none(), "a child whose only CONNECT was refused is forgotten too");
}

#[tokio::test]
async fn with_cleanup_a_forgotten_child_is_created_afresh_for_its_next_client() {
    let (url, io, parent, mut readies) = start_server(true).await;
    for _ in 0..2 {
        let url = url.clone();
        let client = tokio::spawn(async move { run_client(&url, "dynamic", "websocket", &[]).await });
        next(&mut readies).await;
        next(&mut readies).await;
        parent.emit("hello", "all").expect("strings serialize");
        let report = client.await.expect("the client task ran");
        assert_eq!(report["hello"], json!({ "/dynamic-1": "all", "/dynamic-22": "all" }), "{report}");
        let emptied = async {
            while io.of("/dynamic-1").is_some() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), emptied).await.expect("the child is forgotten");
    }
}

//! A mixed cluster on one real Redis: two of our servers (Redis adapter) and
//! one node `socket.io` 4.8.1 server with `@socket.io/redis-adapter` 8.3.0
//! (`interop/cluster_node_server.js`), with `socket.io-client` 4.8.1 clients
//! on each (`interop/cluster_clients.js`).

mod cluster_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use cluster_support::{free_port, rust_server, wait_for_servers, NodePeer, RedisServer, WAIT};
use runtime_tokio::socketio::SocketIo;
use serde_json::{json, Value};

/// Long enough for a stray duplicate to show up.
const QUIET: Duration = Duration::from_millis(800);

/// Two of our servers and a node server on one Redis, all counting three servers.
struct Cluster {
    _redis: RedisServer,
    rust: Vec<(SocketAddr, SocketIo)>,
    node: NodePeer,
    node_port: u16,
}

impl Cluster {
    async fn start() -> Cluster {
        let redis = RedisServer::start().await;
        let a = rust_server(&redis.url(), "a").await;
        let b = rust_server(&redis.url(), "b").await;
        let node_port = free_port();
        let mut node = NodePeer::start(
            "cluster_node_server.js",
            &[node_port.to_string(), redis.port.to_string(), "node".to_owned()],
        );
        node.next(|line| line.get("listening").is_some()).await;
        wait_for_servers(&a.1, 3).await;
        wait_for_servers(&b.1, 3).await;
        node.send(json!({ "cmd": "serverCount" })).await;
        let count = node.next(|line| line.get("serverCount").is_some()).await;
        assert_eq!(count["serverCount"], 3);
        Cluster { _redis: redis, rust: vec![a, b], node, node_port }
    }

    /// JS clients: `(name, server index (0, 1: ours; 2: node), rooms)`; waits until all are connected.
    async fn clients(&self, specs: &[(&str, usize, &[&str])]) -> NodePeer {
        let args: Vec<String> = specs
            .iter()
            .map(|(name, server, rooms)| {
                let url = match self.rust.get(*server) {
                    Some((addr, _)) => format!("http://{addr}"),
                    None => format!("http://127.0.0.1:{}", self.node_port),
                };
                format!("{name}={url}={}", rooms.join(","))
            })
            .collect();
        let mut clients = NodePeer::start("cluster_clients.js", &args);
        for _ in specs {
            clients.next(|line| line.get("ready").is_some()).await;
        }
        clients
    }
}

/// The `news` the clients got, by client: `count` of them, then any extra within [`QUIET`].
async fn news_by_client(clients: &mut NodePeer, count: usize) -> BTreeMap<String, Vec<String>> {
    let mut by_client: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in clients.lines_until(count, |line| line.get("news").is_some(), QUIET).await {
        if let (Some(client), Some(news)) = (line["client"].as_str(), line["news"].as_str()) {
            by_client.entry(client.to_owned()).or_default().push(news.to_owned());
        }
    }
    for news in by_client.values_mut() {
        news.sort();
    }
    by_client
}

fn news(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs.iter().map(|(client, news)| ((*client).to_owned(), news.iter().map(|n| (*n).to_owned()).collect())).collect()
}

#[tokio::test]
async fn a_broadcast_from_any_server_reaches_every_client_exactly_once() {
    let mut cluster = Cluster::start().await;
    let mut clients = cluster.clients(&[("on_a", 0, &[]), ("on_b", 1, &[]), ("on_node", 2, &[])]).await;
    cluster.rust[0].1.emit("news", "from a").expect("emits");
    cluster.rust[1].1.emit("news", "from b").expect("emits");
    cluster.node.send(json!({ "cmd": "emit", "event": "news", "arg": "from node" })).await;
    let all: &[&str] = &["from a", "from b", "from node"];
    let expected = news(&[("on_a", all), ("on_b", all), ("on_node", all)]);
    assert_eq!(news_by_client(&mut clients, 9).await, expected);
}

#[tokio::test]
async fn rooms_and_except_select_clients_across_node_and_rust_servers() {
    let mut cluster = Cluster::start().await;
    let specs: &[(&str, usize, &[&str])] = &[
        ("red_a", 0, &["red"]),
        ("red_blue_b", 1, &["red", "blue"]),
        ("red_node", 2, &["red"]),
        ("blue_node", 2, &["blue"]),
        ("none_a", 0, &[]),
    ];
    let mut clients = cluster.clients(specs).await;
    cluster.rust[1].1.to("red").except("blue").emit("news", "rust red-blue").expect("emits");
    cluster.node.send(json!({ "cmd": "emit", "event": "news", "arg": "node blue", "to": ["blue"] })).await;
    let expected = news(&[
        ("red_a", &["rust red-blue"]),
        ("red_node", &["rust red-blue"]),
        ("red_blue_b", &["node blue"]),
        ("blue_node", &["node blue"]),
    ]);
    assert_eq!(news_by_client(&mut clients, 4).await, expected);
}

#[tokio::test]
async fn fetch_sockets_sees_the_sockets_of_every_server_both_ways() {
    let mut cluster = Cluster::start().await;
    let _clients = cluster.clients(&[("on_a", 0, &["x"]), ("on_b", 1, &[]), ("on_node", 2, &["x"])]).await;
    let in_x = cluster.rust[0].1.to("x").fetch_sockets_everywhere().await.expect("every server answers");
    let mut servers: Vec<Value> =
        in_x.iter().filter_map(|socket| socket.data::<Value>()).map(|d| d["server"].clone()).collect();
    servers.sort_by_key(|server| server.to_string());
    assert_eq!(servers, [json!("a"), json!("node")]);
    let node_socket = in_x.iter().find(|socket| !socket.is_local()).expect("the node server's socket");
    assert!(node_socket.rooms().contains(&"x".to_owned()));
    cluster.node.send(json!({ "cmd": "fetch" })).await;
    let fetched = cluster.node.next(|line| line.get("fetched").is_some()).await;
    let mut seen: Vec<String> = fetched["fetched"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|socket| socket["data"]["server"].as_str().unwrap_or("?").to_owned())
        .collect();
    seen.sort();
    assert_eq!(seen, ["a", "b", "node"]);
}

#[tokio::test]
async fn server_side_emit_travels_both_ways_with_acks() {
    let mut cluster = Cluster::start().await;
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    for (index, (_, io)) in cluster.rust.iter().enumerate() {
        let events = events.clone();
        io.sockets().on_server_side_emit(move |event| {
            let arg = event.args.to_owned_value::<(Value,)>().map(|(arg,)| arg).unwrap_or_default();
            let _ = events.send((index, event.event.as_str().to_owned(), arg));
            if let Some(ack) = event.ack {
                ack.send(socketio_proto::Json::from_serialize(&format!("rust {index}")).ok());
            }
        });
    }
    cluster.node.send(json!({ "cmd": "serverSideEmit", "event": "hello", "arg": { "n": 1 } })).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(tokio::time::timeout(WAIT, received.recv()).await.expect("in time").expect("an event"));
    }
    got.sort_by_key(|(index, _, _)| *index);
    assert_eq!(got, [(0, "hello".to_owned(), json!({ "n": 1 })), (1, "hello".to_owned(), json!({ "n": 1 }))]);

    cluster.node.send(json!({ "cmd": "serverSideEmitWithAck", "event": "hello", "arg": 2 })).await;
    let acks = cluster.node.next(|line| line.get("serverAcks").is_some() || line.get("error").is_some()).await;
    let mut acks: Vec<String> =
        acks["serverAcks"].as_array().expect("acks").iter().map(|ack| ack.as_str().unwrap_or("?").to_owned()).collect();
    acks.sort();
    assert_eq!(acks, ["rust 0", "rust 1"]);

    let answers = cluster.rust[0].1.sockets().server_side_emit_with_ack("hello", &"from rust").await.expect("acks");
    let mut answers: Vec<String> =
        answers.iter().map(|a| a.as_ref().map_or("-".to_owned(), |j| j.as_str().to_owned())).collect();
    answers.sort();
    assert_eq!(answers, ["\"node\"", "\"rust 1\""]);
    let seen = cluster.node.next(|line| line.get("serverSideEvent").is_some()).await;
    assert_eq!(seen["serverSideEvent"], "from rust");
}

#[tokio::test]
async fn broadcast_acks_are_gathered_from_clients_on_the_other_servers() {
    let mut cluster = Cluster::start().await;
    let _clients = cluster.clients(&[("on_a", 0, &[]), ("on_b", 1, &[]), ("on_node", 2, &[])]).await;
    let answers = cluster.rust[0].1.sockets().timeout(WAIT).emit_with_ack("question", &"?").await.expect("all answer");
    let mut names: Vec<String> =
        answers.iter().map(|(_, args)| args.to_owned_value::<(String,)>().expect("a name").0).collect();
    names.sort();
    assert_eq!(names, ["on_a", "on_b", "on_node"]);
    cluster.node.send(json!({ "cmd": "emitWithAck", "event": "question", "arg": "?", "timeout": 5000 })).await;
    let line = cluster.node.next(|line| line.get("clientAcks").is_some() || line.get("ackError").is_some()).await;
    let mut names: Vec<String> =
        line["clientAcks"].as_array().expect("acks").iter().map(|a| a.as_str().unwrap_or("?").to_owned()).collect();
    names.sort();
    assert_eq!(names, ["on_a", "on_b", "on_node"], "{line}");
}

#[tokio::test]
async fn a_node_server_killed_mid_request_makes_it_time_out_and_the_others_keep_serving() {
    let mut cluster = Cluster::start().await;
    let mut clients = cluster.clients(&[("on_b", 1, &[])]).await;
    cluster.rust[1].1.sockets().on_server_side_emit(|event| {
        if let Some(ack) = event.ack {
            ack.send(None);
        }
    });
    let namespace = cluster.rust[0].1.sockets();
    let request = tokio::spawn(async move { namespace.server_side_emit_with_ack("slow", &1).await });
    cluster.node.next(|line| line.get("slowEvent").is_some()).await;
    let Cluster { node, rust, _redis, .. } = cluster;
    node.kill().await;
    let error = tokio::time::timeout(WAIT, request).await.expect("ends in time").expect("runs").expect_err("times out");
    assert_eq!(
        error.to_string(),
        "timeout reached while waiting for serverSideEmit: 1 of 2 servers answered",
        "the error says what was waited for and who answered"
    );
    wait_for_servers(&rust[0].1, 2).await;
    rust[0].1.emit("news", "still serving").expect("emits");
    assert_eq!(news_by_client(&mut clients, 1).await, news(&[("on_b", &["still serving"])]));
}

#[tokio::test]
async fn sockets_join_and_disconnect_sockets_reach_the_clients_of_the_other_kind_of_server() {
    let mut cluster = Cluster::start().await;
    let mut clients = cluster.clients(&[("on_a", 0, &["x"]), ("on_node", 2, &["x"]), ("other_node", 2, &[])]).await;
    // node → ours: the socket of server a in x joins "joined"; a broadcast from b to it reaches it.
    cluster.node.send(json!({ "cmd": "socketsJoin", "to": ["x"], "room": "joined" })).await;
    cluster.node.next(|line| line.get("joined").is_some()).await;
    let namespace = cluster.rust[0].1.sockets();
    cluster_support::wait_for(|| {
        let namespace = namespace.clone();
        async move { namespace.fetch_sockets().iter().any(|socket| socket.rooms().contains(&"joined".to_owned())) }
    })
    .await;
    cluster.rust[1].1.to("joined").emit("news", "joined").expect("emits");
    let expected = news(&[("on_a", &["joined"]), ("on_node", &["joined"])]);
    assert_eq!(news_by_client(&mut clients, 2).await, expected);
    // ours → node: disconnecting the sockets in x disconnects both the node and our clients in x.
    cluster.rust[1].1.to("x").disconnect_sockets(false);
    let mut left = Vec::new();
    while left.len() < 2 {
        let line = clients.next(|line| line.get("disconnect").is_some()).await;
        left.push((
            line["client"].as_str().unwrap_or("?").to_owned(),
            line["disconnect"].as_str().unwrap_or("?").to_owned(),
        ));
    }
    left.sort();
    let reason = "io server disconnect".to_owned();
    assert_eq!(left, [("on_a".to_owned(), reason.clone()), ("on_node".to_owned(), reason)]);
}

#[tokio::test]
async fn all_rooms_lists_the_rooms_of_every_server_both_ways() {
    let mut cluster = Cluster::start().await;
    let _clients = cluster.clients(&[("on_a", 0, &["red"]), ("on_b", 1, &["green"]), ("on_node", 2, &["blue"])]).await;
    let rooms = cluster.rust[0].1.sockets().all_rooms().await.expect("every server answers");
    for room in ["red", "green", "blue"] {
        assert!(rooms.contains(&room.to_owned()), "{room} missing from {rooms:?}");
    }
    cluster.node.send(json!({ "cmd": "allRooms" })).await;
    let line = cluster.node.next(|line| line.get("allRooms").is_some()).await;
    for room in ["red", "green", "blue"] {
        assert!(line["allRooms"].as_array().expect("rooms").contains(&json!(room)), "{room} missing from {line}");
    }
}

#[tokio::test]
async fn binary_arguments_cross_between_node_and_rust_servers_as_binary() {
    let mut cluster = Cluster::start().await;
    let mut clients = cluster.clients(&[("on_a", 0, &[]), ("on_node", 2, &[])]).await;
    cluster.node.send(json!({ "cmd": "emit", "event": "bin", "hex": "00ff10" })).await;
    let args = socketio_proto::Args::builder().binary(bytes::Bytes::from_static(&[1, 2, 254])).build();
    cluster.rust[1].1.sockets().all().emit_args("bin", args);
    let mut received: Vec<(String, String)> = clients
        .lines_until(4, |line| line.get("bin").is_some(), QUIET)
        .await
        .into_iter()
        .filter_map(|line| Some((line["client"].as_str()?.to_owned(), line["bin"].as_str()?.to_owned())))
        .collect();
    received.sort();
    let expected: Vec<(String, String)> =
        [("on_a", "00ff10"), ("on_a", "0102fe"), ("on_node", "00ff10"), ("on_node", "0102fe")]
            .iter()
            .map(|(client, hex)| ((*client).to_owned(), (*hex).to_owned()))
            .collect();
    assert_eq!(received, expected);
}

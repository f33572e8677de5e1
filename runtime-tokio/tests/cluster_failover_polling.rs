//! Issue #8, item 5, for browser-like clients: `socket.io-client` 4.8.1
//! clients on long-polling, kept on their server by the sticky cookie of
//! `docs/deploy/haproxy.cfg`, in front of one of our servers and one node
//! `socket.io` server sharing a real Redis. The node server is killed
//! (`kill -9`): its clients reconnect by themselves, HAProxy sends them to
//! our server, and they receive its broadcasts once. Broadcasts made while they were away are lost for them
//! (no session store: see `docs/deployment.md`), so none is asserted.
//!
//! `socket.io-client` in Node.js starts each reconnection with a fresh cookie
//! jar, so its reconnections are balanced anew; a browser keeps the cookie
//! that names the dead server. What HAProxy does with such a request is the
//! second test: it must reach a live server, not fail with 503.

mod cluster_support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use cluster_support::{free_port, rust_server, start_haproxy, wait_for, wait_for_servers, NodePeer, RedisServer, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

#[tokio::test]
async fn polling_clients_of_a_killed_server_reconnect_through_the_sticky_balancer_to_the_survivor_and_get_its_broadcasts(
) {
    let redis = RedisServer::start().await;
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let node_port = free_port();
    let mut node =
        NodePeer::start("cluster_node_server.js", &[node_port.to_string(), redis.port.to_string(), "b".into()]);
    node.next(|line| line.get("listening").is_some()).await;
    wait_for_servers(&io_a, 2).await;
    let (_haproxy, front) = start_haproxy(addr_a, SocketAddr::from(([127, 0, 0, 1], node_port))).await;

    let names = ["c1", "c2", "c3", "c4"];
    let mut args = vec!["--polling".to_owned(), "--reconnect".to_owned()];
    args.extend(names.iter().map(|name| format!("{name}=http://127.0.0.1:{front}=")));
    let mut clients = NodePeer::start("cluster_clients.js", &args);
    let mut first_ids = Vec::new();
    for _ in names {
        let ready = clients.next(|line| line.get("ready").is_some()).await;
        first_ids.push((ready["ready"].as_str().unwrap_or_default().to_owned(), ready["id"].clone()));
    }
    let on_a: BTreeSet<String> = io_a.fetch_sockets().iter().map(|socket| socket.id().to_string()).collect();
    let pinned_to_b: BTreeSet<String> = first_ids
        .iter()
        .filter(|(_, id)| !id.as_str().is_some_and(|id| on_a.contains(id)))
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(pinned_to_b.len(), 2, "round robin put half the clients on the node server");

    node.kill().await;

    // Each client of the dead server sees the disconnection, then connects again.
    let mut disconnected = BTreeSet::new();
    let mut reconnected = BTreeSet::new();
    while reconnected != pinned_to_b {
        let line = clients.next(|line| line.get("disconnect").is_some() || line.get("ready").is_some()).await;
        if let Some(name) = line["client"].as_str().filter(|_| line.get("disconnect").is_some()) {
            assert!(pinned_to_b.contains(name), "{name} was on the survivor and stays connected: {line}");
            disconnected.insert(name.to_owned());
        } else if let Some(name) = line["ready"].as_str() {
            assert!(disconnected.contains(name), "{name} connected again without a disconnection: {line}");
            reconnected.insert(name.to_owned());
        }
    }
    let sockets = io_a.sockets();
    wait_for(|| {
        let sockets = sockets.clone();
        async move { sockets.socket_count() == names.len() }
    })
    .await;

    io_a.emit("news", "after the failover").expect("emits");
    let mut received: Vec<(String, String)> = clients
        .lines_until(names.len(), |line| line.get("news").is_some(), Duration::from_millis(700))
        .await
        .into_iter()
        .filter_map(|line| Some((line["client"].as_str()?.to_owned(), line["news"].as_str()?.to_owned())))
        .collect();
    received.sort();
    let expected: Vec<(String, String)> =
        names.iter().map(|name| (name.to_string(), "after the failover".to_owned())).collect();
    assert_eq!(received, expected, "every client, the failed-over ones included, got the broadcast once");
}

#[tokio::test]
async fn a_handshake_whose_cookie_names_a_dead_server_is_redispatched_to_the_live_one() {
    let redis = RedisServer::start().await;
    let (addr_a, _io_a) = rust_server(&redis.url(), "a").await;
    // Server b is dead: nothing listens on its port.
    let dead_b = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let (_haproxy, front) = start_haproxy(addr_a, dead_b).await;
    let mut stream = TcpStream::connect(("127.0.0.1", front)).await.expect("HAProxy accepts");
    let request = "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: cluster\r\n\
                   Cookie: io_server=b\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut response = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut response)).await.expect("answers in time").expect("reads");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "served by the live server, not 503: {response}");
    assert!(response.contains("\"sid\""), "an Engine.IO open packet: {response}");
}

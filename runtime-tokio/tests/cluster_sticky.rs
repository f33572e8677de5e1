//! The deployment of `docs/deployment.md`: HAProxy with the exact
//! `docs/deploy/haproxy.cfg` (round robin, sticky cookie) in front of two of
//! our servers sharing a real Redis; polling-only `socket.io-client` clients
//! through it land on both servers, keep their sessions, and receive every
//! broadcast once.

mod cluster_support;

use std::time::Duration;

use cluster_support::{rust_server, start_haproxy, wait_for_servers, NodePeer, RedisServer};

#[tokio::test]
async fn polling_clients_behind_haproxy_with_sticky_cookies_get_every_broadcast_from_both_servers() {
    let redis = RedisServer::start().await;
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let (_haproxy, front) = start_haproxy(addr_a, addr_b).await;

    let names = ["c1", "c2", "c3", "c4"];
    let mut args = vec!["--polling".to_owned()];
    args.extend(names.iter().map(|name| format!("{name}=http://127.0.0.1:{front}=")));
    let mut clients = NodePeer::start("cluster_clients.js", &args);
    for _ in names {
        clients.next(|line| line.get("ready").is_some()).await;
    }
    let (count_a, count_b) = (io_a.sockets().socket_count(), io_b.sockets().socket_count());
    assert_eq!((count_a + count_b, count_a > 0, count_b > 0), (4, true, true), "round robin used both servers");

    io_a.emit("news", "from a").expect("emits");
    io_b.emit("news", "from b").expect("emits");
    let mut received: Vec<(String, String)> = clients
        .lines_until(2 * names.len(), |line| line.get("news").is_some(), Duration::from_millis(500))
        .await
        .into_iter()
        .filter_map(|line| Some((line["client"].as_str()?.to_owned(), line["news"].as_str()?.to_owned())))
        .collect();
    received.sort();
    let expected: Vec<(String, String)> = names
        .iter()
        .flat_map(|name| [(name.to_string(), "from a".to_owned()), (name.to_string(), "from b".to_owned())])
        .collect();
    assert_eq!(received, expected);
}

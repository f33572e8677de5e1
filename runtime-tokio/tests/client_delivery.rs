//! Delivery guarantees of the Rust client against the real npm `socket.io`
//! 4.8.1 server (`interop/server_socketio.js`): `retries` across a server
//! that loses acknowledgements (at least once, in order), and connection
//! state recovery (`RECOVERY=1`: the server's `connectionStateRecovery`).

mod client_support;

use std::time::Duration;

use client_support::{free_port, NodeServer, WAIT};
use runtime_tokio::client::{Args, Client, TransportKind};
use tokio::sync::mpsc;
use tokio::time::timeout;

#[tokio::test]
async fn with_retries_every_emit_is_acknowledged_despite_lost_acks_and_sent_in_order() {
    let port = free_port();
    let mut server = NodeServer::start(port).await;
    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .transports(&[TransportKind::WebSocket])
        .retries(5)
        .ack_timeout(Duration::from_millis(500))
        .build()
        .expect("the client starts");
    let socket = client.socket("/");
    timeout(WAIT, socket.connect()).await.expect("in time").expect("joined");
    // Queued at the call, in this order, all before the first is acknowledged.
    let pending: Vec<_> = (0..5)
        .map(|seq| socket.emit_args_with_ack("flaky", Args::from_tuple(&(seq,)).expect("arguments"), None))
        .collect();
    for (seq, answer) in pending.into_iter().enumerate() {
        let args = timeout(WAIT, answer).await.expect("in time").expect("acknowledged in the end");
        assert_eq!(args.to_owned_value::<(usize,)>().expect("the ack's argument").0, seq);
    }
    let mut receipts = Vec::new();
    while receipts.len() < 10 {
        receipts.push(server.next(|line| line["event"] == "flaky").await["args"][0].as_u64().expect("a number"));
    }
    receipts.extend(
        server
            .lines_within(Duration::from_millis(500))
            .await
            .iter()
            .filter(|line| line["event"] == "flaky")
            .filter_map(|line| line["args"][0].as_u64()),
    );
    // One in flight at a time, each sent until acknowledged: at least twice
    // (the first ack is lost), more only if an ack came late on a slow box.
    assert!(receipts.windows(2).all(|pair| pair[0] <= pair[1]), "in order: {receipts:?}");
    for seq in 0..5 {
        assert!(receipts.iter().filter(|&&receipt| receipt == seq).count() >= 2, "{seq} resent: {receipts:?}");
    }
}

#[tokio::test]
async fn a_recovered_session_gets_the_broadcasts_missed_while_disconnected() {
    let port = free_port();
    let mut server = NodeServer::start_script("server_socketio.js", port, &[("RECOVERY", "1")]).await;
    let client = Client::builder(&format!("http://127.0.0.1:{port}"))
        .transports(&[TransportKind::WebSocket])
        .reconnection_delay(Duration::from_millis(200), Duration::from_millis(400))
        .build()
        .expect("the client starts");
    let socket = client.socket("/");
    let (sender, mut missed) = mpsc::unbounded_channel();
    // With recovery on, the server appends each event's offset (as the
    // reference client, this one passes it on to the handler).
    socket.on("missed", move |(seq, _offset): (u32, String), _ack| {
        let _ = sender.send(seq);
    });
    let (connects_sender, mut connects) = mpsc::unbounded_channel();
    socket.on_connect(move || {
        let _ = connects_sender.send(());
    });
    timeout(WAIT, socket.connect()).await.expect("in time").expect("joined");
    timeout(WAIT, connects.recv()).await.expect("first connect");
    let first = server.next(|line| line.get("connection").is_some()).await;
    assert_eq!(first["recovered"], false);
    assert!(!socket.recovered());

    socket.emit("drop_and_broadcast", &3).await.expect("emitted");
    server.next(|line| line["broadcast"] == 3).await;
    timeout(WAIT, connects.recv()).await.expect("the client reconnects");
    let second = server.next(|line| line.get("connection").is_some()).await;
    assert_eq!(second["recovered"], true, "{second}");
    assert!(socket.recovered());
    let mut replayed = Vec::new();
    while replayed.len() < 3 {
        replayed.push(timeout(WAIT, missed.recv()).await.expect("a missed broadcast in time").expect("running"));
    }
    assert_eq!(replayed, [0, 1, 2]);
}

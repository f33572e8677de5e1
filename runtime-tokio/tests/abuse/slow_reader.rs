//! Backpressure (issue #4 item 5): each connection has a bounded send buffer
//! (`max_buffered_packets`). A client that stops reading while the server
//! broadcasts to it is disconnected with "send buffer full" once its buffer
//! is full — its memory stays bounded — while a client that reads keeps
//! getting every broadcast, in order.
//!
//! The clients are raw WebSockets written here, so the test controls exactly
//! when each one reads.

use std::time::Duration;

use super::raw_client::{connect, connect_polling, http, next_text};

use runtime_tokio::socketio::{DisconnectReason, Socket, SocketIo};
use tokio::sync::mpsc;

const WAIT: Duration = super::raw_client::WAIT;

/// A broadcast payload large enough that the kernel's socket buffers fill
/// after a few hundred of them.
const PAYLOAD_BYTES: usize = 64 * 1024;

/// Most broadcasts the test makes before giving up on the disconnection.
const MAX_BROADCASTS: u32 = 2000;

/// A server whose `/` sockets join room "all", with its reports.
struct Server {
    addr: std::net::SocketAddr,
    io: SocketIo,
    /// One `()` per socket that joined "all".
    joined: mpsc::UnboundedReceiver<()>,
    /// Each disconnected socket's id and reason.
    disconnects: mpsc::UnboundedReceiver<(String, DisconnectReason)>,
}

/// Starts a [`Server`] whose connections hold `max_buffered_packets`.
async fn start(max_buffered_packets: usize) -> Server {
    let (disconnects_tx, disconnects) = mpsc::unbounded_channel();
    let (joined_tx, joined) = mpsc::unbounded_channel();
    let builder = SocketIo::builder().max_buffered_packets(max_buffered_packets);
    let (addr, io) = crate::bind_server_under_test(builder).await.expect("bind 127.0.0.1:0");
    io.ns("/", move |socket: Socket| {
        let disconnects = disconnects_tx.clone();
        let joined = joined_tx.clone();
        async move {
            socket.join("all");
            let _ = joined.send(());
            socket.on_disconnect(move |socket: Socket, reason| {
                let _ = disconnects.send((socket.id().as_str().to_owned(), reason));
                async {}
            });
        }
    });
    Server { addr, io, joined, disconnects }
}

/// The `seq` of a `42["big",[seq,"…"]]` frame.
fn broadcast_seq(frame: &str) -> Option<u32> {
    let json: serde_json::Value = serde_json::from_str(frame.strip_prefix("42")?).ok()?;
    (json[0] == "big").then(|| json[1][0].as_u64().and_then(|seq| u32::try_from(seq).ok()))?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_disconnected_while_a_reading_client_gets_every_broadcast() {
    let Server { addr, io, mut joined, mut disconnects } = start(16).await;

    // Connected, then never read again.
    let (_stuck, stuck_id) = connect(addr).await;
    let (mut reader, _) = connect(addr).await;
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<u32>();
    tokio::spawn(async move {
        loop {
            let frame = next_text(&mut reader).await;
            if let Some(seq) = broadcast_seq(&frame) {
                if seen_tx.send(seq).is_err() {
                    return;
                }
            }
        }
    });

    for _ in 0..2 {
        tokio::time::timeout(WAIT, joined.recv()).await.expect("both sockets join in time");
    }

    let payload = "x".repeat(PAYLOAD_BYTES);
    let mut disconnected = None;
    let mut broadcasts = 0;
    while broadcasts < MAX_BROADCASTS && disconnected.is_none() {
        io.to("all").emit("big", &(broadcasts, &payload)).expect("broadcast");
        let got = tokio::time::timeout(WAIT, seen.recv()).await.expect("the reading client keeps up");
        assert_eq!(got, Some(broadcasts), "the reading client gets every broadcast, in order");
        broadcasts += 1;
        disconnected = disconnects.try_recv().ok();
    }

    let (id, reason) = disconnected.expect("the client that stopped reading was disconnected");
    assert_eq!((id.as_str(), reason), (stuck_id.as_str(), DisconnectReason::SendBufferFull));
    assert_eq!(reason.as_str(), "send buffer full");
    // The reading client is unaffected and still served.
    io.to("all").emit("big", &(broadcasts, "after")).expect("broadcast");
    let got = tokio::time::timeout(WAIT, seen.recv()).await.expect("the reading client is still served");
    assert_eq!(got, Some(broadcasts));
    assert_eq!(io.fetch_sockets().len(), 1, "only the reading client is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_client_that_stops_polling_is_disconnected_and_its_next_get_drains_the_buffer_and_closes() {
    let Server { addr, io, mut joined, mut disconnects } = start(4).await;
    let (sid, socket_id) = connect_polling(addr).await;
    tokio::time::timeout(WAIT, joined.recv()).await.expect("the socket joins in time");

    for seq in 0..5 {
        io.to("all").emit("small", &seq).expect("broadcast");
    }

    let (id, reason) = tokio::time::timeout(WAIT, disconnects.recv()).await.expect("disconnected in time").unwrap();
    assert_eq!((id.as_str(), reason), (socket_id.as_str(), DisconnectReason::SendBufferFull));
    // What fitted is still delivered, then the close packet.
    let body = http(addr, "GET", &format!("EIO=4&transport=polling&sid={sid}"), "").await;
    let packets: Vec<&str> = body.split('\u{1e}').collect();
    assert_eq!(packets, [r#"42["small",0]"#, r#"42["small",1]"#, r#"42["small",2]"#, r#"42["small",3]"#, "1"]);
}

//! Backpressure (issue #4 item 5): each connection has a bounded send buffer
//! (`max_buffered_packets`). A client that stops reading while the server
//! broadcasts to it is disconnected with "send buffer full" once its buffer
//! is full — its memory stays bounded — while a client that reads keeps
//! getting every broadcast, in order.
//!
//! Every frame the server writes counts against that buffer, in packets
//! and in bytes (`max_buffered_bytes`): pongs answering a client that
//! floods WebSocket pings and never reads (before and after it joins a
//! namespace), and acks of large events from a client that never reads.
//!
//! The clients are raw WebSockets written here, so the test controls exactly
//! when each one reads.

use std::time::Duration;

use super::raw_client::{connect, connect_polling, http, next_text};
use super::support::{masked_frame, websocket_socket, Bystander, RawWebSocket, CLOSE, PONG, TEXT};

use runtime_tokio::socketio::{AckSender, Data, DisconnectReason, Socket, SocketIo};
use serde_json::Value;
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

/// Starts a [`Server`] whose connections hold `max_buffered_packets`; `/`
/// acknowledges `echo` with its argument.
async fn start(max_buffered_packets: usize) -> Server {
    let (disconnects_tx, disconnects) = mpsc::unbounded_channel();
    let (joined_tx, joined) = mpsc::unbounded_channel();
    let builder = SocketIo::builder().max_buffered_packets(max_buffered_packets);
    let (addr, io) = crate::bind_server_under_test(builder).await.expect("bind 127.0.0.1:0");
    io.ns("/", move |socket: Socket| {
        let disconnects = disconnects_tx.clone();
        let joined = joined_tx.clone();
        async move {
            socket.on("echo", |_socket: Socket, Data(value): Data<Value>, ack: Option<AckSender>| async move {
                if let Some(ack) = ack {
                    let _ = ack.send(&value);
                }
            });
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

/// How long a flooding client's write may wait before the test concludes
/// that the server stopped reading its socket.
const STALL: Duration = Duration::from_secs(2);

/// The payload of the flood's pings: 125 bytes, the most a ping carries.
fn ping_payload() -> Vec<u8> {
    (0..125u8).collect()
}

/// Pings `0x89 0xFD <mask> <125 masked bytes>`, a thousand at a time, until
/// the server stops taking them; returns how many were sent. Panics if
/// the server keeps reading a client that never reads for 200 000 pings
/// (25 MB of pongs owed).
async fn flood_pings_until_the_server_stops_reading(websocket: &mut RawWebSocket) -> usize {
    const PER_WRITE: usize = 1000;
    const MOST: usize = 200_000;
    let frame = masked_frame(0x89, &ping_payload());
    assert_eq!(&frame[..2], [0x89, 0xFD]);
    let batch = frame.repeat(PER_WRITE);
    let mut sent = 0;
    while sent < MOST {
        if !websocket.send_raw_within(&batch, STALL).await {
            websocket.shutdown_write().await;
            return sent;
        }
        sent += PER_WRITE;
    }
    panic!("the server still reads a client that sent {sent} pings and read nothing");
}

/// Checks what a ping flooder reads at last: pongs echoing the payload,
/// fewer than the pings sent, then close frame 1000 and the hang-up.
fn assert_pongs_then_close(frames: &[(u8, Vec<u8>)], pings_sent: usize) {
    let (last, pongs) = frames.split_last().expect("frames");
    assert_eq!(last, &(CLOSE, vec![0x03, 0xE8]), "close frame 1000 last");
    for (opcode, payload) in pongs {
        assert_eq!((*opcode, payload), (PONG, &ping_payload()), "only pongs before the close");
    }
    assert!(pongs.len() < pings_sent, "{} pongs for {pings_sent} pings: the server stopped answering", pongs.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_pings_and_never_reads_is_closed_before_joining_a_namespace() {
    let server = super::support::start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let before = server.sessions();
    let mut websocket = RawWebSocket::open(server.addr, "EIO=4&transport=websocket").await;
    let pings_sent = flood_pings_until_the_server_stops_reading(&mut websocket).await;
    let frames = websocket.until_closed().await;
    let (first, rest) = frames.split_first().expect("frames");
    assert!(first.0 == TEXT && first.1.starts_with(b"0{\"sid\":"), "the open packet first: {first:?}");
    assert_pongs_then_close(rest, pings_sent);
    server.wait_for_sessions(before).await;
    bystander.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_whose_client_pings_and_never_reads_is_disconnected_with_send_buffer_full() {
    let Server { addr, io, mut joined, mut disconnects } = start(1024).await;
    let mut websocket = websocket_socket(addr).await;
    tokio::time::timeout(WAIT, joined.recv()).await.expect("the socket joins in time");
    let pings_sent = flood_pings_until_the_server_stops_reading(&mut websocket).await;
    let (_, reason) = tokio::time::timeout(WAIT, disconnects.recv()).await.expect("disconnected in time").unwrap();
    assert_eq!(reason, DisconnectReason::SendBufferFull);
    assert_pongs_then_close(&websocket.until_closed().await, pings_sent);
    assert_eq!(io.fetch_sockets().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_the_acks_of_900_kb_events_is_disconnected_past_max_buffered_bytes() {
    // The default bounds: 1024 packets would allow 900 MB of these acks.
    let Server { addr, io, mut joined, mut disconnects } = start(1024).await;
    let bystander = Bystander::start(&format!("http://{addr}")).await;
    let mut websocket = websocket_socket(addr).await;
    for _ in 0..2 {
        tokio::time::timeout(WAIT, joined.recv()).await.expect("both sockets join in time");
    }
    let text = "x".repeat(900_000);
    let mut sent = 0;
    while sent < 400 {
        let event = masked_frame(0x80 | TEXT, format!("42{sent}[\"echo\",\"{text}\"]").as_bytes());
        if !websocket.send_raw_within(&event, STALL).await {
            break;
        }
        sent += 1;
    }
    websocket.shutdown_write().await;
    assert!(sent < 400, "the server read all 400 events (360 MB of acks owed) from a client that never reads");
    let (_, reason) = tokio::time::timeout(WAIT, disconnects.recv()).await.expect("disconnected in time").unwrap();
    assert_eq!(reason, DisconnectReason::SendBufferFull);
    let frames = websocket.until_closed().await;
    let (last, acks) = frames.split_last().expect("frames");
    assert_eq!(last, &(CLOSE, vec![0x03, 0xE8]), "close frame 1000 last");
    for (id, (opcode, payload)) in acks.iter().enumerate() {
        assert_eq!(*opcode, TEXT);
        assert_eq!(payload, format!("43{id}[\"{text}\"]").as_bytes(), "the acks in order, whole");
    }
    assert!(acks.len() < sent, "{} acks for {sent} events", acks.len());
    assert_eq!(io.fetch_sockets().len(), 1, "only the bystander is left");
    bystander.finish().await;
}

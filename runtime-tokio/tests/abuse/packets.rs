//! Hostile packets against the Socket.IO server under test (issue #7):
//! WebSocket messages over the limit, invalid UTF-8 in a text frame, 10 000
//! binary attachments announced, attachments never sent, JSON nested
//! 100 000 deep, packet type bytes out of range. Each test asserts exactly
//! what the misbehaving client gets and that its session is released; where
//! the bad packet names an event (`abuse`), that the application never got
//! it; and, in most, that a well-behaved client
//! ([`Bystander`](super::support::Bystander)) keeps making emit/ack round trips meanwhile.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::support::{
    get, polling_socket, post, start, websocket_socket, Bystander, RawWebSocket, Received, Server, BINARY, CLOSE, TEXT,
};
use runtime_tokio::socketio::SocketIo;

/// A close frame's payload: its status code, big-endian, then the reason.
fn close_code(payload: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*payload.first()?, *payload.get(1)?]))
}

/// Sends one frame on a freshly joined WebSocket, returns everything the
/// server sent until it hung up, and waits for its session to be gone.
async fn abuse_websocket(server: &Server, opcode: u8, payload: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let before = server.sessions();
    let mut websocket = websocket_socket(server.addr).await;
    websocket.send_frame(opcode, payload).await;
    let frames = websocket.until_closed().await;
    server.wait_for_sessions(before).await;
    frames
}

/// How many `abuse` events reached the application.
fn abuse_events(server: &Server) -> usize {
    server.abuse_events.load(Ordering::SeqCst)
}

/// The close codes among `frames`, checking nothing else came but pings.
fn close_codes(frames: &[(u8, Vec<u8>)]) -> Vec<Option<u16>> {
    for (opcode, payload) in frames {
        assert!(*opcode == CLOSE || (*opcode == TEXT && payload == b"2"), "unexpected frame {opcode}: {payload:?}");
    }
    frames.iter().filter(|(opcode, _)| *opcode == CLOSE).map(|(_, payload)| close_code(payload)).collect()
}

// --- size ---

#[tokio::test]
async fn websocket_text_message_over_the_limit_is_closed_with_1009() {
    let server = start(SocketIo::builder().max_http_buffer_size(1_000)).await;
    let bystander = Bystander::start(&server.url()).await;
    let message = format!("42[\"abuse\",\"{}\"]", "x".repeat(2_000));
    let frames = abuse_websocket(&server, TEXT, message.as_bytes()).await;
    assert_eq!(close_codes(&frames), [Some(1009)]);
    bystander.finish().await;
}

#[tokio::test]
async fn websocket_binary_message_over_the_limit_is_closed_with_1009() {
    let server = start(SocketIo::builder().max_http_buffer_size(1_000)).await;
    let bystander = Bystander::start(&server.url()).await;
    let frames = abuse_websocket(&server, BINARY, &[7u8; 5_000]).await;
    assert_eq!(close_codes(&frames), [Some(1009)]);
    bystander.finish().await;
}

#[tokio::test]
async fn websocket_frame_announcing_a_huge_length_is_closed_with_1009_without_waiting_for_it() {
    let server = start(SocketIo::builder().max_http_buffer_size(1_000)).await;
    let mut websocket = websocket_socket(server.addr).await;
    // A text frame header announcing 2^40 bytes, and only 10 of them.
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(1u64 << 40).to_be_bytes());
    header.extend_from_slice(&[0, 0, 0, 0]);
    websocket.send_raw(&header).await;
    websocket.send_raw(b"42[\"abuse\"]").await;
    assert_eq!(close_codes(&websocket.until_closed().await), [Some(1009)]);
    server.wait_for_sessions(0).await;
}

// --- text that is not text ---

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_fails_the_websocket() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let frames = abuse_websocket(&server, TEXT, b"42[\"abuse\",\"\xff\xfe\xc3\x28\"]").await;
    // RFC 6455 8.1: fail the connection, with 1007 as the reference's `ws`.
    assert_eq!(close_codes(&frames), [Some(1007)]);
    bystander.finish().await;
    assert_eq!(abuse_events(&server), 0, "the bad packet never reached the application");
}

// --- attachments ---

#[tokio::test]
async fn ten_thousand_attachments_announced_close_the_connection() {
    let server = start(SocketIo::builder()).await;
    let placeholders: Vec<String> = (0..10_000).map(|num| format!("{{\"_placeholder\":true,\"num\":{num}}}")).collect();
    let packet = format!("4510000-[\"abuse\",{}]", placeholders.join(","));
    let frames = abuse_websocket(&server, TEXT, packet.as_bytes()).await;
    assert_eq!(close_codes(&frames), [Some(1000)]);
    assert_eq!(abuse_events(&server), 0, "the application never saw the packet");
}

#[tokio::test]
async fn attachments_never_sent_hold_nothing_and_the_silent_client_is_dropped() {
    let builder =
        SocketIo::builder().ping_interval(Duration::from_millis(300)).ping_timeout(Duration::from_millis(300));
    let server = start(builder).await;
    let mut websocket = websocket_socket(server.addr).await;
    // Two attachments announced, one sent, then silence (no pong either).
    websocket.send_text("452-[\"abuse\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]").await;
    websocket.send_frame(BINARY, &[1, 2, 3]).await;
    // Pings go unanswered: the ping timeout closes the session.
    let frames = websocket.until_closed().await;
    assert_eq!(frames.first().map(|(opcode, payload)| (*opcode, payload.as_slice())), Some((TEXT, &b"2"[..])));
    assert_eq!(close_codes(&frames), [Some(1000)]);
    server.wait_for_sessions(0).await;
    assert_eq!(abuse_events(&server), 0, "the incomplete packet never reached the application");
}

#[tokio::test]
async fn text_instead_of_the_announced_attachment_closes_the_connection() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let mut websocket = websocket_socket(server.addr).await;
    websocket.send_text("451-[\"abuse\",{\"_placeholder\":true,\"num\":0}]").await;
    websocket.send_text("42[\"abuse\",\"not an attachment\"]").await;
    assert_eq!(close_codes(&websocket.until_closed().await), [Some(1000)]);
    server.wait_for_sessions(1).await;
    bystander.finish().await;
    assert_eq!(abuse_events(&server), 0, "neither packet reached the application");
}

/// socket.io-parser 3 and 4 take the packet and leave the buffer no
/// placeholder names out of the data: the reply carries no attachment.
#[tokio::test]
async fn attachment_no_placeholder_names_is_dropped_from_the_reply() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let mut websocket = websocket_socket(server.addr).await;
    websocket.send_text(r#"451-["message"]"#).await;
    websocket.send_frame(BINARY, &[1, 2, 3]).await;
    assert_eq!(websocket.receive_text().await, r#"42["message-back"]"#);
    bystander.finish().await;
}

#[tokio::test]
async fn reply_keeps_only_the_named_attachment_renumbered() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let mut websocket = websocket_socket(server.addr).await;
    websocket.send_text(r#"452-["message",{"_placeholder":true,"num":1}]"#).await;
    websocket.send_frame(BINARY, &[1]).await;
    websocket.send_frame(BINARY, &[2]).await;
    assert_eq!(websocket.receive_text().await, r#"451-["message-back",{"_placeholder":true,"num":0}]"#);
    assert_eq!(websocket.receive().await, Received::Frame(BINARY, vec![2]));
    bystander.finish().await;
}

// --- JSON ---

fn deeply_nested(depth: usize) -> String {
    format!("421[\"abuse\",{}{}]", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test]
async fn json_nested_100_000_deep_over_websocket_closes_the_connection() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let frames = abuse_websocket(&server, TEXT, deeply_nested(100_000).as_bytes()).await;
    assert_eq!(close_codes(&frames), [Some(1000)]);
    bystander.finish().await;
    assert_eq!(abuse_events(&server), 0);
}

#[tokio::test]
async fn json_nested_100_000_deep_in_a_polling_body_closes_the_session() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let sid = polling_socket(server.addr).await;
    let query = format!("EIO=4&transport=polling&sid={sid}");
    let answer = post(server.addr, &query, deeply_nested(100_000).as_bytes()).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    let after = get(server.addr, &query).await;
    assert_eq!((after.status, after.body.as_str()), (200, "1"), "the next GET gets the close packet");
    server.wait_for_sessions(1).await;
    bystander.finish().await;
    assert_eq!(abuse_events(&server), 0);
}

#[tokio::test]
async fn json_nested_within_the_limit_is_delivered() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = websocket_socket(server.addr).await;
    websocket.send_text(&format!("421[\"echo\",{}{}]", "[".repeat(100), "]".repeat(100))).await;
    assert_eq!(websocket.receive_text().await, format!("431[{}{}]", "[".repeat(100), "]".repeat(100)));
}

// --- packet types ---

#[tokio::test]
async fn engineio_packet_type_out_of_range_closes_the_connection() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    // Engine.IO types are 0-6; `42` (an EVENT without arguments) fails in Socket.IO.
    for packet in ["7", "9hello", "a", "\u{0}", "42"] {
        let frames = abuse_websocket(&server, TEXT, packet.as_bytes()).await;
        assert_eq!(close_codes(&frames), [Some(1000)], "{packet:?}");
    }
    bystander.finish().await;
}

#[tokio::test]
async fn socketio_packet_type_out_of_range_closes_the_connection() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    for packet in ["47[\"abuse\"]", "49", "4a[\"abuse\"]", "4/admin,"] {
        let frames = abuse_websocket(&server, TEXT, packet.as_bytes()).await;
        assert_eq!(close_codes(&frames), [Some(1000)], "{packet:?}");
    }
    bystander.finish().await;
    assert_eq!(abuse_events(&server), 0);
}

#[tokio::test]
async fn v3_binary_frame_with_a_type_byte_out_of_range_closes_the_connection() {
    let server = start(SocketIo::builder().allow_eio3(true)).await;
    let mut websocket = RawWebSocket::open(server.addr, "EIO=3&transport=websocket").await;
    assert!(websocket.receive_text().await.starts_with("0{\"sid\":"));
    assert_eq!(websocket.receive_text().await, "40");
    websocket.send_frame(BINARY, &[9, 1, 2, 3]).await;
    let frames = websocket.until_closed().await;
    assert_eq!(close_codes(&frames), [Some(1000)]);
    server.wait_for_sessions(0).await;
}

#[tokio::test]
async fn abuse_of_one_connection_leaves_the_others_untouched() {
    let server = start(SocketIo::builder()).await;
    let mut neighbour = websocket_socket(server.addr).await;
    let frames = abuse_websocket(&server, TEXT, deeply_nested(100_000).as_bytes()).await;
    assert_eq!(close_codes(&frames), [Some(1000)]);
    neighbour.send_text("421[\"echo\",\"neighbour\"]").await;
    assert_eq!(neighbour.receive_text().await, r#"431["neighbour"]"#);
    assert_eq!(server.sessions(), 1);
}

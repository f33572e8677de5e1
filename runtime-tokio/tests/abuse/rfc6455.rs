//! The server's WebSocket layer against RFC 6455, case by case as the
//! Autobahn test suite's server cases cover it (section numbers in the
//! comments): framing (1), pings and pongs (2), reserved bits (3), opcodes
//! (4), fragmentation (5), UTF-8 (6), the close handshake (7) and masking.
//! The server speaks Socket.IO over it, so where Autobahn expects an echo
//! these send `42<id>["echo",…]` and expect the ack `43<id>[…]`. A client
//! that breaks the protocol gets close frame 1002 (1007 for text that is
//! not UTF-8), a client's Close gets a Close back, and the server hangs
//! up then (the raw client here answers a Close as a client must).

use super::support::{
    masked_frame, start, websocket_socket, Bystander, RawWebSocket, Received, Server, BINARY, CLOSE, PING, PONG, TEXT,
};
use runtime_tokio::socketio::SocketIo;

/// A WebSocket session that has read its open packet (no namespace joined).
async fn opened(server: &Server) -> RawWebSocket {
    let mut websocket = RawWebSocket::open(server.addr, "EIO=4&transport=websocket").await;
    let open = websocket.receive_text().await;
    assert!(open.starts_with("0{\"sid\":"), "{open}");
    websocket
}

/// Sends `bytes` on a fresh session and returns what the server sent until
/// it hung up; its session must be gone then.
async fn after_sending(server: &Server, bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let before = server.sessions();
    let mut websocket = opened(server).await;
    websocket.send_raw(bytes).await;
    let frames = websocket.until_closed().await;
    server.wait_for_sessions(before).await;
    frames
}

/// A close frame with `code` (and no reason).
fn close_with(code: u16) -> (u8, Vec<u8>) {
    (CLOSE, code.to_be_bytes().to_vec())
}

/// Sends `bytes` and expects exactly close frame `code`, then the hang-up.
async fn assert_closed_with(server: &Server, bytes: &[u8], code: u16) {
    assert_eq!(after_sending(server, bytes).await, [close_with(code)], "after sending {:02x?}", &bytes[..2]);
}

/// Asks for the echo of `text` (ack id `id`) and expects it.
async fn assert_echoed(websocket: &mut RawWebSocket, id: u32, text: &str) {
    websocket.send_text(&format!("42{id}[\"echo\",\"{text}\"]")).await;
    assert_eq!(websocket.receive_text().await, format!("43{id}[\"{text}\"]"));
}

// --- 1: framing ---

#[tokio::test]
async fn text_messages_with_7_16_and_64_bit_lengths_are_read_whole() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = websocket_socket(server.addr).await;
    // `421["echo",""]` is 14 bytes: frames of 125, 126, 65 535 and 65 536 bytes.
    for (id, frame_length) in [0, 125, 126, 65_535, 65_536].into_iter().enumerate() {
        let text = "x".repeat(frame_length.max(14) - 14);
        assert_echoed(&mut websocket, u32::try_from(id).unwrap() + 1, &text).await;
    }
}

#[tokio::test]
async fn binary_messages_with_7_16_and_64_bit_lengths_are_read_whole() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = websocket_socket(server.addr).await;
    for (id, length) in [0usize, 125, 126, 65_535, 65_536].into_iter().enumerate() {
        let bytes: Vec<u8> = (0..length).map(|index| (index % 251) as u8).collect();
        // An event with one attachment: acked once the attachment is read.
        websocket.send_text(&format!("451-{id}[\"echo\",{{\"_placeholder\":true,\"num\":0}}]")).await;
        websocket.send_frame(BINARY, &bytes).await;
        let ack = websocket.receive_text().await;
        assert!(ack.starts_with(&format!("43{id}[")), "{ack}");
        // Read to its last byte: the next frame is understood.
        assert_echoed(&mut websocket, 100 + u32::try_from(id).unwrap(), "next").await;
    }
}

// --- 2: pings and pongs ---

#[tokio::test]
async fn a_ping_is_answered_with_a_pong_echoing_its_payload() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = opened(&server).await;
    let binary: Vec<u8> = (0..=255u8).rev().take(125).collect();
    for payload in [Vec::new(), b"Hello, world!".to_vec(), binary] {
        websocket.send_frame(PING, &payload).await;
        assert_eq!(websocket.receive().await, Received::Frame(PONG, payload));
    }
}

#[tokio::test]
async fn ten_pings_in_a_row_get_ten_pongs_in_order() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = opened(&server).await;
    let pings: Vec<u8> = (0..10u8).flat_map(|seq| masked_frame(0x80 | PING, &[seq])).collect();
    websocket.send_raw(&pings).await;
    for seq in 0..10u8 {
        assert_eq!(websocket.receive().await, Received::Frame(PONG, vec![seq]));
    }
}

#[tokio::test]
async fn an_unsolicited_pong_is_ignored() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = websocket_socket(server.addr).await;
    websocket.send_frame(PONG, b"unsolicited").await;
    assert_echoed(&mut websocket, 1, "still served").await;
}

#[tokio::test]
async fn a_ping_of_126_or_200_bytes_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    for length in [126, 200] {
        assert_closed_with(&server, &masked_frame(0x80 | PING, &vec![b'p'; length]), 1002).await;
    }
}

// --- 3: reserved bits ---

#[tokio::test]
async fn a_frame_with_a_reserved_bit_and_no_extension_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    for rsv in [0x40, 0x20, 0x10, 0x70] {
        assert_closed_with(&server, &masked_frame(0x80 | rsv | TEXT, b"42[\"abuse\"]"), 1002).await;
        assert_closed_with(&server, &masked_frame(0x80 | rsv | PING, b"p"), 1002).await;
    }
    bystander.finish().await;
    assert_eq!(server.abuse_events.load(std::sync::atomic::Ordering::SeqCst), 0);
}

// --- 4: opcodes ---

#[tokio::test]
async fn a_frame_with_a_reserved_opcode_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    for opcode in [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] {
        assert_closed_with(&server, &masked_frame(0x80 | opcode, b"x"), 1002).await;
    }
}

// --- 5: fragmentation ---

#[tokio::test]
async fn a_fragmented_ping_or_pong_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    for opcode in [PING, PONG] {
        let mut fragments = masked_frame(opcode, b"frag");
        fragments.extend(masked_frame(0x80, b"ment"));
        assert_closed_with(&server, &fragments, 1002).await;
    }
}

#[tokio::test]
async fn a_continuation_with_no_message_started_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    for first_byte in [0x80, 0x00] {
        assert_closed_with(&server, &masked_frame(first_byte, b"42[\"abuse\"]"), 1002).await;
    }
}

#[tokio::test]
async fn a_new_message_before_the_last_one_ended_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    let mut frames = masked_frame(TEXT, b"42[\"ab");
    frames.extend(masked_frame(0x80 | TEXT, b"42[\"abuse\"]"));
    assert_closed_with(&server, &frames, 1002).await;
}

#[tokio::test]
async fn a_text_message_in_fragments_with_pings_between_them_is_delivered_whole() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = websocket_socket(server.addr).await;
    let mut frames = masked_frame(TEXT, b"421[\"ec");
    frames.extend(masked_frame(0x80 | PING, b"between"));
    frames.extend(masked_frame(0x00, b"ho\",\"frag"));
    frames.extend(masked_frame(0x00, b""));
    frames.extend(masked_frame(0x80, b"mented\"]"));
    websocket.send_raw(&frames).await;
    assert_eq!(websocket.receive().await, Received::Frame(PONG, b"between".to_vec()));
    assert_eq!(websocket.receive_text().await, r#"431["fragmented"]"#);
}

// --- 6: UTF-8 ---

#[tokio::test]
async fn valid_utf8_is_delivered_even_split_inside_a_character_across_fragments() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = websocket_socket(server.addr).await;
    assert_echoed(&mut websocket, 1, "κόσμε 𝄞").await;
    let message = "421[\"echo\",\"κόσμε\"]".as_bytes();
    // Split after the first byte of `κ` (two bytes in UTF-8).
    let split = message.iter().position(|&byte| byte >= 0x80).unwrap() + 1;
    let mut frames = masked_frame(TEXT, &message[..split]);
    frames.extend(masked_frame(0x80, &message[split..]));
    websocket.send_raw(&frames).await;
    assert_eq!(websocket.receive_text().await, r#"431["κόσμε"]"#);
}

#[tokio::test]
async fn invalid_utf8_is_answered_with_close_1007_whole_or_in_fragments() {
    let server = start(SocketIo::builder()).await;
    // A lone continuation byte, an overlong `/`, a UTF-16 surrogate, a code point past U+10FFFF.
    for invalid in [&[0x80][..], &[0xC0, 0xAF], &[0xED, 0xA0, 0x80], &[0xF4, 0x90, 0x80, 0x80]] {
        let mut text = b"42[\"abuse\",\"".to_vec();
        text.extend_from_slice(invalid);
        text.extend_from_slice(b"\"]");
        assert_closed_with(&server, &masked_frame(0x80 | TEXT, &text), 1007).await;
        let mut fragments = masked_frame(TEXT, &text[..12]);
        fragments.extend(masked_frame(0x80, &text[12..]));
        assert_closed_with(&server, &fragments, 1007).await;
    }
    assert_eq!(server.abuse_events.load(std::sync::atomic::Ordering::SeqCst), 0);
}

// --- 7: the close handshake ---

#[tokio::test]
async fn a_close_is_answered_with_a_close_echoing_its_code_then_the_hang_up() {
    let server = start(SocketIo::builder()).await;
    // `88 82 <mask> <03 E8 masked>`, as the attack sent it.
    let close_1000 = masked_frame(0x80 | CLOSE, &1000u16.to_be_bytes());
    assert_eq!(&close_1000[..2], [0x88, 0x82]);
    assert_closed_with(&server, &close_1000, 1000).await;
    // (1014, registered after RFC 6455, is answered with 1002 by tungstenite.)
    for code in [1001u16, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 3999, 4000, 4999] {
        assert_closed_with(&server, &masked_frame(0x80 | CLOSE, &code.to_be_bytes()), code).await;
    }
}

#[tokio::test]
async fn a_close_with_a_code_not_allowed_on_the_wire_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
        let frames = after_sending(&server, &masked_frame(0x80 | CLOSE, &code.to_be_bytes())).await;
        let codes: Vec<_> =
            frames.iter().map(|(opcode, payload)| (*opcode, payload.get(..2).map(<[u8]>::to_vec))).collect();
        assert_eq!(codes, [(CLOSE, Some(1002u16.to_be_bytes().to_vec()))], "for code {code}");
    }
}

#[tokio::test]
async fn an_empty_close_is_answered_with_an_empty_close() {
    let server = start(SocketIo::builder()).await;
    assert_eq!(after_sending(&server, &masked_frame(0x80 | CLOSE, b"")).await, [(CLOSE, Vec::new())]);
}

#[tokio::test]
async fn a_close_with_a_reason_is_answered_with_the_same_code_and_reason() {
    let server = start(SocketIo::builder()).await;
    let mut payload = 1000u16.to_be_bytes().to_vec();
    payload.extend_from_slice("a reason, 123 bytes at most: κόσμε".as_bytes());
    assert_eq!(after_sending(&server, &masked_frame(0x80 | CLOSE, &payload)).await, [(CLOSE, payload)]);
}

#[tokio::test]
async fn a_close_of_one_byte_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    assert_closed_with(&server, &masked_frame(0x80 | CLOSE, &[0x03]), 1002).await;
}

#[tokio::test]
async fn a_close_whose_reason_is_not_utf8_is_answered_with_close_1007() {
    let server = start(SocketIo::builder()).await;
    assert_closed_with(&server, &masked_frame(0x80 | CLOSE, &[0x03, 0xE8, 0xFF, 0xFE]), 1007).await;
}

#[tokio::test]
async fn what_follows_a_close_is_not_read() {
    let server = start(SocketIo::builder()).await;
    let mut frames = masked_frame(0x80 | CLOSE, &1000u16.to_be_bytes());
    frames.extend(masked_frame(0x80 | TEXT, b"42[\"abuse\"]"));
    frames.extend(masked_frame(0x80 | PING, b"after the close"));
    assert_eq!(after_sending(&server, &frames).await, [close_with(1000)]);
    assert_eq!(server.abuse_events.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_close_from_a_joined_socket_is_answered_and_the_socket_disconnects() {
    let server = start(SocketIo::builder()).await;
    let mut websocket = websocket_socket(server.addr).await;
    websocket.send_frame(CLOSE, &1001u16.to_be_bytes()).await;
    assert_eq!(websocket.until_closed().await, [close_with(1001)]);
    server.wait_for_sessions(0).await;
}

// --- masking ---

#[tokio::test]
async fn an_unmasked_client_frame_is_answered_with_close_1002() {
    let server = start(SocketIo::builder()).await;
    let mut unmasked = vec![0x80 | TEXT, 11];
    unmasked.extend_from_slice(b"42[\"abuse\"]");
    assert_closed_with(&server, &unmasked, 1002).await;
    assert_eq!(server.abuse_events.load(std::sync::atomic::Ordering::SeqCst), 0);
}

//! Polling bodies captured from the real `engine.io` 6.6.4 npm server
//! (`tests/data/`, produced by `tools/capture/capture.js`; see
//! `tests/data/README.md`). Each body decodes to exactly the packets the
//! server sent or accepted, and encodes back to the same bytes.

use core::time::Duration;

use bytes::Bytes;
use engineio_proto::payload::{self, PayloadFormat};
use engineio_proto::{OpenPacket, Packet, ProtocolVersion, Sid, TransportKind};

const V4_HANDSHAKE: &[u8] = include_bytes!("data/v4_handshake.bin");
const V4_MESSAGES_AND_PING: &[u8] = include_bytes!("data/v4_messages_and_ping.bin");
const V4_POST_ACCEPTED: &[u8] = include_bytes!("data/v4_post_accepted.bin");
const V4_UPGRADE_NOOP: &[u8] = include_bytes!("data/v4_upgrade_noop.bin");
const V3_HANDSHAKE: &[u8] = include_bytes!("data/v3_handshake.bin");
const V3_TEXT_MESSAGES: &[u8] = include_bytes!("data/v3_text_messages.bin");
const V3_TEXT_POST_ACCEPTED: &[u8] = include_bytes!("data/v3_text_post_accepted.bin");
const V3_BINARY_MESSAGES: &[u8] = include_bytes!("data/v3_binary_messages.bin");
const V3_BINARY_POST_ACCEPTED: &[u8] = include_bytes!("data/v3_binary_post_accepted.bin");

/// Decodes a captured body, failing the test on any decode error.
fn decode_capture(format: PayloadFormat, capture: &'static [u8]) -> Vec<Packet> {
    payload::decode(format, Bytes::from_static(capture))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|error| panic!("the reference server's body must decode: {error}"))
}

/// Asserts that encoding `packets` gives back the captured bytes exactly.
fn assert_reencodes_to_capture(format: PayloadFormat, packets: &[Packet], capture: &[u8]) {
    let encoded = payload::encode(format, packets);
    assert_eq!(
        encoded.as_ref(),
        capture,
        "re-encoded {:?} differs from the capture {:?}",
        String::from_utf8_lossy(&encoded),
        String::from_utf8_lossy(capture),
    );
}

/// The messages every "messages" capture's server queued, in order:
/// `socket.send("hello"); socket.send(Buffer.from([1,2,3,4])); socket.send("€ and 😀")`.
fn server_messages() -> Vec<Packet> {
    vec![Packet::text("hello"), Packet::binary(Bytes::from_static(&[1, 2, 3, 4])), Packet::text("€ and 😀")]
}

/// The messages every "post_accepted" capture carried, as the server's
/// `message` events received them: `"first"`, `Buffer [1,2,3,4]`, `"second € 😀"`.
fn client_messages() -> Vec<Packet> {
    vec![Packet::text("first"), Packet::binary(Bytes::from_static(&[1, 2, 3, 4])), Packet::text("second € 😀")]
}

fn open_packet(sid: &str, ping_interval_ms: u64, ping_timeout_ms: u64) -> Packet {
    Packet::Open(OpenPacket {
        sid: Sid::new(sid),
        upgrades: vec![TransportKind::WebSocket],
        ping_interval: Duration::from_millis(ping_interval_ms),
        ping_timeout: Duration::from_millis(ping_timeout_ms),
        max_payload: Some(1_000_000),
    })
}

#[test]
fn v4_handshake_is_a_bare_open_packet_with_max_payload() {
    let packets = decode_capture(PayloadFormat::V4, V4_HANDSHAKE);
    assert_eq!(packets, [open_packet("5xQMHGZQXn5goS6UAAAA", 300, 10_000)]);
    assert_reencodes_to_capture(PayloadFormat::V4, &packets, V4_HANDSHAKE);
}

#[test]
fn v4_queued_messages_and_ping_batch_into_one_get_response() {
    let packets = decode_capture(PayloadFormat::V4, V4_MESSAGES_AND_PING);
    let mut expected = server_messages();
    expected.push(Packet::Ping);
    assert_eq!(packets, expected);
    assert_reencodes_to_capture(PayloadFormat::V4, &packets, V4_MESSAGES_AND_PING);
}

#[test]
fn v4_post_body_accepted_by_the_server_decodes_to_its_messages_and_pong() {
    let packets = decode_capture(PayloadFormat::V4, V4_POST_ACCEPTED);
    let mut expected = client_messages();
    expected.push(Packet::Pong);
    assert_eq!(packets, expected);
    assert_reencodes_to_capture(PayloadFormat::V4, &packets, V4_POST_ACCEPTED);
}

#[test]
fn v4_held_get_is_released_with_a_noop_during_an_upgrade() {
    let packets = decode_capture(PayloadFormat::V4, V4_UPGRADE_NOOP);
    assert_eq!(packets, [Packet::Noop]);
    assert_reencodes_to_capture(PayloadFormat::V4, &packets, V4_UPGRADE_NOOP);
}

#[test]
fn v3_handshake_is_a_length_prefixed_open_packet() {
    let packets = decode_capture(PayloadFormat::V3Text, V3_HANDSHAKE);
    assert_eq!(packets, [open_packet("bmOKiqCg2Uun1BMzAAAC", 25_000, 20_000)]);
    assert!(V3_HANDSHAKE.starts_with(b"118:0{"), "the v3 handshake carries a length prefix");
    assert_reencodes_to_capture(PayloadFormat::V3Text, &packets, V3_HANDSHAKE);
}

#[test]
fn v3_text_payload_counts_utf16_units_and_sends_binary_as_b4_base64() {
    let packets = decode_capture(PayloadFormat::V3Text, V3_TEXT_MESSAGES);
    assert_eq!(packets, server_messages());
    assert_reencodes_to_capture(PayloadFormat::V3Text, &packets, V3_TEXT_MESSAGES);
}

#[test]
fn v3_text_post_body_accepted_by_the_server_decodes_to_its_messages() {
    let packets = decode_capture(PayloadFormat::V3Text, V3_TEXT_POST_ACCEPTED);
    assert_eq!(packets, client_messages());
    assert_reencodes_to_capture(PayloadFormat::V3Text, &packets, V3_TEXT_POST_ACCEPTED);
}

#[test]
fn v3_binary_payload_frames_text_by_utf8_bytes_and_binary_raw() {
    let packets = decode_capture(PayloadFormat::V3Binary, V3_BINARY_MESSAGES);
    assert_eq!(packets, server_messages());
    assert_reencodes_to_capture(PayloadFormat::V3Binary, &packets, V3_BINARY_MESSAGES);
}

#[test]
fn v3_binary_post_body_accepted_by_the_server_decodes_to_its_messages() {
    let packets = decode_capture(PayloadFormat::V3Binary, V3_BINARY_POST_ACCEPTED);
    assert_eq!(packets, client_messages());
    assert_reencodes_to_capture(PayloadFormat::V3Binary, &packets, V3_BINARY_POST_ACCEPTED);
}

#[test]
fn format_chosen_for_the_captured_server_messages_matches_the_server() {
    let mut v4_batch = server_messages();
    v4_batch.push(Packet::Ping);
    assert_eq!(PayloadFormat::for_sending(ProtocolVersion::V4, true, &v4_batch), PayloadFormat::V4);
    // `b64=1`: text framing even with a binary message.
    assert_eq!(PayloadFormat::for_sending(ProtocolVersion::V3, false, &server_messages()), PayloadFormat::V3Text);
    // No `b64`: binary framing (`application/octet-stream`) because a message is binary.
    let binary_format = PayloadFormat::for_sending(ProtocolVersion::V3, true, &server_messages());
    assert_eq!(binary_format, PayloadFormat::V3Binary);
    assert_eq!(binary_format.content_type(), "application/octet-stream");
    // The v3 handshake went out as text although the client supports binary.
    let handshake = decode_capture(PayloadFormat::V3Text, V3_HANDSHAKE);
    assert_eq!(PayloadFormat::for_sending(ProtocolVersion::V3, true, &handshake), PayloadFormat::V3Text);
}

//! The packet forms of the Engine.IO protocol README, one behaviour per test.

use bytes::Bytes;
use core::time::Duration;
use engineio_proto::{
    DecodeError, Frame, Message, OpenPacket, Packet, PacketType, ProtocolVersion, Sid, Str, TransportKind,
};
use proptest::prelude::*;

fn text(packet: &Packet, protocol: ProtocolVersion) -> String {
    let mut out = Vec::new();
    packet.write_text(protocol, &mut out);
    assert_eq!(out.len(), packet.text_len(protocol), "text_len agrees with write_text");
    String::from_utf8(out).unwrap()
}

fn decode(text: &'static str) -> Result<Packet, DecodeError> {
    Packet::decode_text(Str::from_static(text))
}

#[test]
fn every_packet_type_has_its_wire_digit() {
    for (number, packet_type) in [
        PacketType::Open,
        PacketType::Close,
        PacketType::Ping,
        PacketType::Pong,
        PacketType::Message,
        PacketType::Upgrade,
        PacketType::Noop,
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(PacketType::from_number(number as u8), Some(packet_type));
        assert_eq!(packet_type.digit(), b'0' + number as u8);
    }
    assert_eq!(PacketType::from_number(7), None);
}

#[test]
fn open_packet_has_exactly_the_five_reference_keys_in_order() {
    let open = OpenPacket {
        sid: Sid::new("lv_VI97HAXpY6yYWAAAC"),
        upgrades: vec![TransportKind::WebSocket],
        ping_interval: Duration::from_millis(25_000),
        ping_timeout: Duration::from_millis(20_000),
        max_payload: Some(1_000_000),
    };
    assert_eq!(
        text(&Packet::Open(open), ProtocolVersion::V4),
        r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    );
}

#[test]
fn v3_open_packet_without_max_payload_decodes() {
    let packet = decode(r#"0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}"#).unwrap();
    let Packet::Open(open) = packet else { panic!("not an open packet") };
    assert_eq!(open.sid.as_str(), "abc");
    assert_eq!(open.max_payload, None);
    assert_eq!(open.ping_timeout, Duration::from_millis(5000));
}

#[test]
fn open_packet_skips_unknown_upgrades() {
    let packet =
        decode(r#"0{"sid":"a","upgrades":["webtransport","websocket"],"pingInterval":1,"pingTimeout":2}"#).unwrap();
    let Packet::Open(open) = packet else { panic!("not an open packet") };
    assert_eq!(open.upgrades, vec![TransportKind::WebSocket]);
}

#[test]
fn open_packet_with_missing_fields_is_an_error() {
    assert!(matches!(decode(r#"0{"sid":"a"}"#), Err(DecodeError::InvalidOpenPacket { .. })));
}

#[test]
fn control_packets_are_one_digit() {
    for (packet, wire) in
        [(Packet::Close, "1"), (Packet::Ping, "2"), (Packet::Pong, "3"), (Packet::Upgrade, "5"), (Packet::Noop, "6")]
    {
        assert_eq!(text(&packet, ProtocolVersion::V4), wire);
        assert_eq!(decode(wire).unwrap(), packet);
    }
}

#[test]
fn probes_are_ping_and_pong_with_probe_data() {
    assert_eq!(decode("2probe").unwrap(), Packet::PingProbe);
    assert_eq!(decode("3probe").unwrap(), Packet::PongProbe);
    assert_eq!(text(&Packet::PingProbe, ProtocolVersion::V4), "2probe");
    assert_eq!(text(&Packet::PongProbe, ProtocolVersion::V4), "3probe");
}

#[test]
fn text_message_is_four_then_the_text() {
    assert_eq!(decode("4hello").unwrap(), Packet::text("hello"));
    assert_eq!(decode("4").unwrap(), Packet::text(""));
    assert_eq!(text(&Packet::text("héllo €"), ProtocolVersion::V4), "4héllo €");
}

#[test]
fn text_message_shares_the_received_buffer() {
    let received = Str::from(String::from("4some text"));
    let Packet::Message(Message::Text(data)) = Packet::decode_text(received.clone()).unwrap() else {
        panic!("not a text message")
    };
    assert_eq!(data.as_bytes().as_ptr(), received.as_bytes()[1..].as_ptr());
}

#[test]
fn empty_packet_is_an_error() {
    assert_eq!(decode(""), Err(DecodeError::EmptyPacket { offset: 0 }));
}

#[test]
fn out_of_range_type_is_an_error_naming_the_byte() {
    assert_eq!(decode("7"), Err(DecodeError::UnknownPacketType { byte: b'7', offset: 0 }));
    assert_eq!(decode("x"), Err(DecodeError::UnknownPacketType { byte: b'x', offset: 0 }));
}

#[test]
fn binary_message_in_text_form_is_b_and_base64_in_v4() {
    assert_eq!(text(&Packet::binary(Bytes::from_static(&[1, 2, 3, 4])), ProtocolVersion::V4), "bAQIDBA==");
}

#[test]
fn binary_message_in_text_form_is_b4_and_base64_in_v3() {
    assert_eq!(text(&Packet::binary(Bytes::from_static(&[1, 2, 3, 4])), ProtocolVersion::V3), "b4AQIDBA==");
}

#[test]
fn v4_binary_frame_is_the_bytes_as_is() {
    let bytes = Bytes::from_static(&[1, 2, 3, 4]);
    assert_eq!(Packet::binary(bytes.clone()).into_frame(ProtocolVersion::V4), Frame::Binary(bytes.clone()));
    assert_eq!(Packet::decode_frame(ProtocolVersion::V4, Frame::Binary(bytes.clone())).unwrap(), Packet::binary(bytes));
}

#[test]
fn v3_binary_frame_starts_with_the_raw_type_byte() {
    let frame = Packet::binary(Bytes::from_static(&[1, 2, 3, 4])).into_frame(ProtocolVersion::V3);
    assert_eq!(frame, Frame::Binary(Bytes::from_static(&[4, 1, 2, 3, 4])));
    assert_eq!(
        Packet::decode_frame(ProtocolVersion::V3, frame).unwrap(),
        Packet::binary(Bytes::from_static(&[1, 2, 3, 4]))
    );
}

#[test]
fn v3_binary_frame_with_bad_type_byte_is_an_error() {
    assert!(matches!(
        Packet::decode_frame(ProtocolVersion::V3, Frame::Binary(Bytes::from_static(&[9, 1]))),
        Err(DecodeError::UnknownPacketType { byte: 9, .. })
    ));
    assert!(matches!(
        Packet::decode_frame(ProtocolVersion::V3, Frame::Binary(Bytes::new())),
        Err(DecodeError::EmptyPacket { .. })
    ));
}

#[test]
fn text_frames_carry_the_text_form() {
    assert_eq!(Packet::text("hi").into_frame(ProtocolVersion::V4), Frame::Text(Str::from_static("4hi")));
    assert_eq!(Packet::PingProbe.into_frame(ProtocolVersion::V3), Frame::Text(Str::from_static("2probe")));
}

#[test]
fn protocol_versions_and_transports_parse_their_query_values() {
    assert_eq!(ProtocolVersion::from_query_value("4"), Some(ProtocolVersion::V4));
    assert_eq!(ProtocolVersion::from_query_value("3"), Some(ProtocolVersion::V3));
    assert_eq!(ProtocolVersion::from_query_value("5"), None);
    assert_eq!(TransportKind::from_name("polling"), Some(TransportKind::Polling));
    assert_eq!(TransportKind::from_name("websocket"), Some(TransportKind::WebSocket));
    assert_eq!(TransportKind::from_name("webtransport"), None);
}

/// Any packet, for round-trip properties.
pub fn any_packet() -> impl Strategy<Value = Packet> {
    prop_oneof![
        Just(Packet::Close),
        Just(Packet::Ping),
        Just(Packet::Pong),
        Just(Packet::PingProbe),
        Just(Packet::PongProbe),
        Just(Packet::Upgrade),
        Just(Packet::Noop),
        ".*".prop_map(Packet::text),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Packet::binary),
        ("[a-zA-Z0-9_-]{1,20}", any::<u32>(), any::<u32>(), proptest::option::of(any::<u32>())).prop_map(
            |(sid, interval, timeout, max)| Packet::Open(OpenPacket {
                sid: Sid::new(&sid),
                upgrades: vec![TransportKind::WebSocket],
                ping_interval: Duration::from_millis(interval.into()),
                ping_timeout: Duration::from_millis(timeout.into()),
                max_payload: max.map(u64::from),
            })
        ),
    ]
}

proptest! {
    #[test]
    fn every_packet_round_trips_through_a_websocket_frame(packet in any_packet(), v3 in any::<bool>()) {
        let protocol = if v3 { ProtocolVersion::V3 } else { ProtocolVersion::V4 };
        let frame = packet.clone().into_frame(protocol);
        prop_assert_eq!(Packet::decode_frame(protocol, frame).unwrap(), packet);
    }

    #[test]
    fn decoding_any_text_never_panics(text in ".{0,64}") {
        let _ = Packet::decode_text(Str::from(text));
    }

    #[test]
    fn decoding_any_binary_frame_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = Packet::decode_frame(ProtocolVersion::V3, Frame::Binary(Bytes::from(bytes.clone())));
        let _ = Packet::decode_frame(ProtocolVersion::V4, Frame::Binary(Bytes::from(bytes)));
    }
}

//! Polling payloads of the Engine.IO protocol README (v4, and the v3 branch).

use bytes::Bytes;
use engineio_proto::payload::{self, PayloadFormat};
use engineio_proto::{DecodeError, Packet, ProtocolVersion};
use proptest::prelude::*;

fn decode_all(format: PayloadFormat, body: &'static [u8]) -> Result<Vec<Packet>, DecodeError> {
    payload::decode(format, Bytes::from_static(body)).collect()
}

fn bin(bytes: &'static [u8]) -> Packet {
    Packet::binary(Bytes::from_static(bytes))
}

#[test]
fn v4_payload_joins_packets_with_the_record_separator() {
    let packets = [Packet::text("hello"), Packet::Ping, Packet::text("world")];
    assert_eq!(&payload::encode(PayloadFormat::V4, &packets)[..], b"4hello\x1e2\x1e4world");
    assert_eq!(decode_all(PayloadFormat::V4, b"4hello\x1e2\x1e4world").unwrap(), packets);
}

#[test]
fn v4_payload_sends_binary_as_b_and_base64() {
    let packets = [Packet::text("hello"), bin(&[1, 2, 3, 4])];
    assert_eq!(&payload::encode(PayloadFormat::V4, &packets)[..], b"4hello\x1ebAQIDBA==");
    assert_eq!(decode_all(PayloadFormat::V4, b"4hello\x1ebAQIDBA==").unwrap(), packets);
}

#[test]
fn v4_empty_body_is_an_error() {
    assert_eq!(decode_all(PayloadFormat::V4, b""), Err(DecodeError::EmptyPacket { offset: 0 }));
}

#[test]
fn v4_empty_record_is_an_error() {
    assert!(matches!(decode_all(PayloadFormat::V4, b"4a\x1e\x1e4b"), Err(DecodeError::EmptyPacket { offset: 3 })));
    assert!(matches!(decode_all(PayloadFormat::V4, b"4a\x1e"), Err(DecodeError::EmptyPacket { offset: 3 })));
}

#[test]
fn decoding_stops_at_the_first_error() {
    let mut decoder = payload::decode(PayloadFormat::V4, Bytes::from_static(b"4a\x1e9\x1e4b"));
    assert_eq!(decoder.next(), Some(Ok(Packet::text("a"))));
    assert_eq!(decoder.next(), Some(Err(DecodeError::UnknownPacketType { byte: b'9', offset: 3 })));
    assert_eq!(decoder.next(), None);
}

#[test]
fn v4_text_records_share_the_body() {
    let body = Bytes::from(b"4hello\x1e4world".to_vec());
    let packets: Vec<Packet> = payload::decode(PayloadFormat::V4, body.clone()).map(Result::unwrap).collect();
    let Packet::Message(engineio_proto::Message::Text(world)) = &packets[1] else { panic!("not text") };
    assert_eq!(world.as_bytes().as_ptr(), body[8..].as_ptr());
}

#[test]
fn v3_text_payload_prefixes_length_in_utf16_units() {
    let packets = [Packet::text("hello"), Packet::text("€")];
    assert_eq!(&payload::encode(PayloadFormat::V3Text, &packets)[..], "6:4hello2:4€".as_bytes());
    assert_eq!(decode_all(PayloadFormat::V3Text, "6:4hello2:4€".as_bytes()).unwrap(), packets);
}

#[test]
fn v3_text_length_counts_astral_characters_twice() {
    let packets = [Packet::text("😀")];
    assert_eq!(&payload::encode(PayloadFormat::V3Text, &packets)[..], "3:4😀".as_bytes());
    assert_eq!(decode_all(PayloadFormat::V3Text, "3:4😀".as_bytes()).unwrap(), packets);
}

#[test]
fn v3_text_length_inside_a_surrogate_pair_is_an_error() {
    assert!(matches!(decode_all(PayloadFormat::V3Text, "2:4😀".as_bytes()), Err(DecodeError::InvalidLength { .. })));
}

#[test]
fn v3_b64_payload_sends_binary_as_b4_and_base64() {
    let packets = [Packet::text("€"), bin(&[1, 2, 3, 4])];
    assert_eq!(&payload::encode(PayloadFormat::V3Text, &packets)[..], "2:4€10:b4AQIDBA==".as_bytes());
    assert_eq!(decode_all(PayloadFormat::V3Text, "2:4€10:b4AQIDBA==".as_bytes()).unwrap(), packets);
}

#[test]
fn v3_binary_payload_frames_each_packet_with_length_digits() {
    let packets = [Packet::text("€"), bin(&[1, 2, 3, 4])];
    let wire: &[u8] = &[0x00, 0x04, 0xff, 0x34, 0xe2, 0x82, 0xac, 0x01, 0x05, 0xff, 0x04, 0x01, 0x02, 0x03, 0x04];
    assert_eq!(&payload::encode(PayloadFormat::V3Binary, &packets)[..], wire);
    assert_eq!(
        payload::decode(PayloadFormat::V3Binary, Bytes::from_static(wire)).collect::<Result<Vec<_>, _>>().unwrap(),
        packets
    );
}

#[test]
fn v3_length_beyond_the_body_is_truncated() {
    assert_eq!(decode_all(PayloadFormat::V3Text, b"9:4ab"), Err(DecodeError::Truncated { offset: 0, missing: 6 }));
    assert!(matches!(decode_all(PayloadFormat::V3Binary, &[0, 9, 0xff, b'4']), Err(DecodeError::Truncated { .. })));
}

#[test]
fn v3_missing_or_non_numeric_length_is_an_error() {
    assert!(matches!(decode_all(PayloadFormat::V3Text, b"4hello"), Err(DecodeError::InvalidLength { offset: 0 })));
    assert!(matches!(decode_all(PayloadFormat::V3Text, b"x:4"), Err(DecodeError::InvalidLength { offset: 0 })));
    assert!(matches!(decode_all(PayloadFormat::V3Binary, &[2, 1, 0xff, b'4']), Err(DecodeError::InvalidLength { .. })));
    assert!(matches!(
        decode_all(PayloadFormat::V3Binary, &[0, 10, 0xff, b'4']),
        Err(DecodeError::InvalidLength { .. })
    ));
}

#[test]
fn v3_empty_body_is_an_error() {
    assert!(decode_all(PayloadFormat::V3Text, b"").is_err());
    assert!(decode_all(PayloadFormat::V3Binary, b"").is_err());
}

#[test]
fn v3_sends_binary_framing_only_when_binary_is_supported_and_present() {
    let text_only = [Packet::text("a")];
    let with_binary = [Packet::text("a"), bin(&[1])];
    assert_eq!(PayloadFormat::for_sending(ProtocolVersion::V3, true, &text_only), PayloadFormat::V3Text);
    assert_eq!(PayloadFormat::for_sending(ProtocolVersion::V3, true, &with_binary), PayloadFormat::V3Binary);
    assert_eq!(PayloadFormat::for_sending(ProtocolVersion::V3, false, &with_binary), PayloadFormat::V3Text);
    assert_eq!(PayloadFormat::for_sending(ProtocolVersion::V4, true, &with_binary), PayloadFormat::V4);
    assert_eq!(PayloadFormat::V3Binary.content_type(), "application/octet-stream");
    assert_eq!(PayloadFormat::V4.content_type(), "text/plain; charset=UTF-8");
}

#[test]
fn received_format_follows_the_content_type_in_v3_only() {
    assert_eq!(PayloadFormat::for_received(ProtocolVersion::V3, true), PayloadFormat::V3Binary);
    assert_eq!(PayloadFormat::for_received(ProtocolVersion::V3, false), PayloadFormat::V3Text);
    assert_eq!(PayloadFormat::for_received(ProtocolVersion::V4, true), PayloadFormat::V4);
}

#[test]
fn fitting_prefix_respects_the_byte_limit_but_always_sends_one() {
    let packets = [Packet::text("aaaa"), Packet::text("bbbb"), Packet::text("cccc")];
    // "4aaaa" = 5 bytes, plus one separator per further record.
    assert_eq!(payload::fitting_prefix(PayloadFormat::V4, &packets, 11), 2);
    assert_eq!(payload::fitting_prefix(PayloadFormat::V4, &packets, 10), 1);
    assert_eq!(payload::fitting_prefix(PayloadFormat::V4, &packets, 1), 1);
    assert_eq!(payload::fitting_prefix(PayloadFormat::V4, &packets, 1000), 3);
    assert_eq!(payload::fitting_prefix(PayloadFormat::V4, &[], 0), 0);
}

fn any_payload_packet() -> impl Strategy<Value = Packet> {
    // Text payloads assume the separator never appears in text data (spec).
    prop_oneof![
        Just(Packet::Close),
        Just(Packet::Ping),
        Just(Packet::Pong),
        Just(Packet::PingProbe),
        Just(Packet::Noop),
        Just(Packet::Upgrade),
        "[^\u{1e}]*".prop_map(Packet::text),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Packet::binary),
    ]
}

fn any_format() -> impl Strategy<Value = PayloadFormat> {
    prop_oneof![Just(PayloadFormat::V4), Just(PayloadFormat::V3Text), Just(PayloadFormat::V3Binary)]
}

proptest! {
    #[test]
    fn every_payload_round_trips(format in any_format(), packets in proptest::collection::vec(any_payload_packet(), 1..8)) {
        let body = payload::encode(format, &packets);
        prop_assert_eq!(body.len(), payload::encoded_len(format, &packets));
        let decoded: Vec<Packet> = payload::decode(format, body).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(decoded, packets);
    }

    #[test]
    fn any_bytes_never_panic_and_yield_at_most_one_packet_per_byte(
        format in any_format(),
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let length = bytes.len();
        let count = payload::decode(format, Bytes::from(bytes)).take(length + 2).count();
        prop_assert!(count <= length.max(1));
    }
}

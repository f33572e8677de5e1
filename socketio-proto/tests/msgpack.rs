//! The msgpack codec's behaviours beyond the golden packets: what it refuses,
//! how binary values map to attachments, and the encoding choices of notepack.
#![cfg(feature = "msgpack")]

use bytes::Bytes;
use engineio_proto::Message;
use socketio_proto::msgpack::{self, DecodeError, EncodeError, MAX_DEPTH};
use socketio_proto::{Args, Binary, EventName, Json, Packet, PacketData, PacketType};

/// A msgpack map `{type, data?, nsp, id?}` written by hand.
struct Map(Vec<u8>);

impl Map {
    fn new(entries: u8) -> Map {
        Map(vec![0x80 | entries])
    }
    fn key(mut self, key: &str) -> Map {
        self.0.push(0xa0 | key.len() as u8);
        self.0.extend_from_slice(key.as_bytes());
        self
    }
    fn raw(mut self, bytes: &[u8]) -> Map {
        self.0.extend_from_slice(bytes);
        self
    }
    fn bytes(self) -> Bytes {
        Bytes::from(self.0)
    }
}

/// `{type: T, data: <data>, nsp: "/"}`.
fn packet_with_data(packet_type: u8, data: &[u8]) -> Bytes {
    Map::new(3).key("type").raw(&[packet_type]).key("data").raw(data).key("nsp").raw(b"\xa1/").bytes()
}

#[test]
fn binary_arguments_become_attachments_readable_as_binary() {
    // ["file", <bin 01 02>, {"inner": <bin 03>}]
    let data = b"\x93\xa4file\xc4\x02\x01\x02\x81\xa5inner\xc4\x01\x03";
    let packet = msgpack::decode(&packet_with_data(2, data)).unwrap();
    let PacketData::Event(event) = &packet.data else { panic!("not an event: {packet:?}") };
    assert_eq!(
        event.arguments.json().as_str(),
        r#"{"_placeholder":true,"num":0},{"inner":{"_placeholder":true,"num":1}}"#
    );
    #[derive(serde::Deserialize)]
    struct Inner {
        inner: Binary,
    }
    let (first, nested): (Binary, Inner) = event.args().unwrap();
    assert_eq!(first.0.as_ref(), [1, 2]);
    assert_eq!(nested.inner.0.as_ref(), [3]);
    assert_eq!(packet.packet_type(), PacketType::BinaryEvent);
}

#[test]
fn top_level_binary_arguments_share_the_message_storage() {
    let message = packet_with_data(2, b"\x92\xa1x\xc4\x03abc");
    let packet = msgpack::decode(&message).unwrap();
    let attachment = &packet.attachments()[0];
    assert_eq!(attachment.as_ref(), b"abc");
    let range = message.as_ptr_range();
    assert!(range.contains(&attachment.as_ptr()), "the attachment was copied");
}

#[test]
fn binary_event_encodes_as_type_2_with_bin_values_in_place() {
    let args = Args::builder().binary(Bytes::from_static(b"\x07\x08")).build();
    let packet = Packet::event("/", "up", args, None);
    assert_eq!(packet.packet_type(), PacketType::BinaryEvent);
    let bytes = msgpack::encode(&packet).unwrap();
    let expected = packet_with_data(2, b"\x92\xa2up\xc4\x02\x07\x08");
    assert_eq!(bytes, expected);
}

#[test]
fn encode_message_yields_one_binary_message() {
    let packet = Packet::disconnect("/chat");
    let message = msgpack::encode_message(&packet).unwrap();
    assert_eq!(message, Message::Binary(Map::new(2).key("type").raw(&[1]).key("nsp").raw(b"\xa5/chat").bytes()));
    assert_eq!(msgpack::decode_message(&message), Ok(packet));
}

#[test]
fn text_messages_are_refused() {
    let message = Message::Text(engineio_proto::Str::from_static("2[\"x\"]"));
    assert_eq!(msgpack::decode_message(&message), Err(DecodeError::TextMessage));
}

#[test]
fn binary_event_and_binary_ack_types_are_refused() {
    for packet_type in [5, 6, 7] {
        assert_eq!(msgpack::decode(&packet_with_data(packet_type, b"\x91\xa1x")), Err(DecodeError::InvalidPacketType));
    }
}

#[test]
fn a_string_packet_type_is_refused() {
    let bytes = Map::new(2).key("type").raw(b"\xa11").key("nsp").raw(b"\xa1/").bytes();
    assert_eq!(msgpack::decode(&bytes), Err(DecodeError::InvalidPacketType));
}

#[test]
fn a_missing_namespace_is_refused() {
    let bytes = Map::new(1).key("type").raw(&[1]).bytes();
    assert_eq!(msgpack::decode(&bytes), Err(DecodeError::InvalidNamespace));
}

#[test]
fn a_packet_that_is_not_a_map_is_refused() {
    assert_eq!(msgpack::decode(&Bytes::from_static(b"\x92\x02\xa1/")), Err(DecodeError::NotAMap));
}

#[test]
fn disconnect_with_data_is_refused() {
    let error = msgpack::decode(&packet_with_data(1, b"\xc0")).unwrap_err();
    assert_eq!(error, DecodeError::InvalidPayload { packet_type: PacketType::Disconnect, expected: "nothing" });
}

#[test]
fn connect_with_an_array_is_refused() {
    let error = msgpack::decode(&packet_with_data(0, b"\x90")).unwrap_err();
    assert!(matches!(error, DecodeError::InvalidPayload { packet_type: PacketType::Connect, .. }), "{error:?}");
}

#[test]
fn connect_auth_with_binary_is_refused() {
    let error = msgpack::decode(&packet_with_data(0, b"\x81\xa1k\xc4\x01\x00")).unwrap_err();
    assert!(matches!(error, DecodeError::InvalidPayload { packet_type: PacketType::Connect, .. }), "{error:?}");
}

#[test]
fn connect_error_with_a_number_is_refused() {
    let error = msgpack::decode(&packet_with_data(4, b"\x01")).unwrap_err();
    assert!(matches!(error, DecodeError::InvalidPayload { packet_type: PacketType::ConnectError, .. }), "{error:?}");
}

#[test]
fn an_event_without_a_name_is_refused() {
    let error = msgpack::decode(&packet_with_data(2, b"\x90")).unwrap_err();
    assert_eq!(error, DecodeError::InvalidPayload { packet_type: PacketType::Event, expected: "a non-empty array" });
}

#[test]
fn an_event_named_by_a_map_is_refused() {
    let error = msgpack::decode(&packet_with_data(2, b"\x91\x80")).unwrap_err();
    assert!(matches!(error, DecodeError::InvalidPayload { packet_type: PacketType::Event, .. }), "{error:?}");
}

#[test]
fn a_reserved_event_name_is_refused() {
    let error = msgpack::decode(&packet_with_data(2, b"\x91\xa7connect")).unwrap_err();
    assert_eq!(error, DecodeError::ReservedEventName { name: "connect".into() });
}

#[test]
fn an_ack_without_id_is_refused() {
    assert_eq!(msgpack::decode(&packet_with_data(3, b"\x90")), Err(DecodeError::MissingAckId));
}

#[test]
fn a_negative_ack_id_is_refused() {
    let bytes = Map::new(4).key("type").raw(&[2]).key("data").raw(b"\x91\xa1x").key("id").raw(&[0xff]);
    let bytes = bytes.key("nsp").raw(b"\xa1/").bytes();
    assert_eq!(msgpack::decode(&bytes), Err(DecodeError::InvalidAckId));
}

#[test]
fn an_integral_float_ack_id_is_accepted_as_javascript_does() {
    let mut bytes = Map::new(4).key("type").raw(&[3]).key("data").raw(b"\x90").key("id").raw(&[0xcb]);
    bytes = bytes.raw(&7.0f64.to_be_bytes()).key("nsp").raw(b"\xa1/");
    assert_eq!(msgpack::decode(&bytes.bytes()), Ok(Packet::ack("/", 7, Args::empty())));
}

#[test]
fn unknown_keys_are_ignored() {
    let bytes = Map::new(3).key("type").raw(&[1]).key("extra").raw(b"\x93\x01\x02\x03").key("nsp").raw(b"\xa1/");
    assert_eq!(msgpack::decode(&bytes.bytes()), Ok(Packet::disconnect("/")));
}

#[test]
fn the_last_of_duplicate_keys_wins() {
    let bytes = Map::new(3).key("type").raw(&[2]).key("type").raw(&[1]).key("nsp").raw(b"\xa1/");
    assert_eq!(msgpack::decode(&bytes.bytes()), Ok(Packet::disconnect("/")));
}

#[test]
fn a_non_string_map_key_is_refused() {
    let error = msgpack::decode(&packet_with_data(2, b"\x92\xa1x\x81\x01\x02")).unwrap_err();
    assert!(matches!(error, DecodeError::NonStringKey { .. }), "{error:?}");
}

#[test]
fn invalid_utf8_is_refused() {
    let error = msgpack::decode(&packet_with_data(2, b"\x92\xa1x\xa2\xff\xfe")).unwrap_err();
    assert!(matches!(error, DecodeError::InvalidUtf8 { .. }), "{error:?}");
}

#[test]
fn infinity_is_refused() {
    let mut data = b"\x92\xa1x\xcb".to_vec();
    data.extend_from_slice(&f64::INFINITY.to_be_bytes());
    let error = msgpack::decode(&packet_with_data(2, &data)).unwrap_err();
    assert!(matches!(error, DecodeError::NonFiniteFloat { .. }), "{error:?}");
}

#[test]
fn float32_values_are_read() {
    let mut data = b"\x92\xa1x\xca".to_vec();
    data.extend_from_slice(&1.5f32.to_be_bytes());
    let packet = msgpack::decode(&packet_with_data(2, &data)).unwrap();
    let PacketData::Event(event) = &packet.data else { panic!("not an event") };
    assert_eq!(event.arguments.json().as_str(), "1.5");
}

#[test]
fn truncated_input_is_refused_with_its_offset() {
    let bytes = packet_with_data(2, b"\x92\xa1x\xa5abc");
    let error = msgpack::decode(&bytes.slice(..bytes.len() - 5)).unwrap_err();
    assert!(matches!(error, DecodeError::Truncated { .. }), "{error:?}");
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = Packet::disconnect("/").pipe(|packet| msgpack::encode(&packet).unwrap()).to_vec();
    bytes.push(0xc0);
    let offset = bytes.len() - 1;
    assert_eq!(msgpack::decode(&Bytes::from(bytes)), Err(DecodeError::TrailingBytes { count: 1, offset }));
}

#[test]
fn the_unused_marker_0xc1_is_refused() {
    let error = msgpack::decode(&packet_with_data(2, b"\x92\xa1x\xc1")).unwrap_err();
    assert!(matches!(error, DecodeError::InvalidMarker { byte: 0xc1, .. }), "{error:?}");
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_without_overflowing_the_stack() {
    let mut data = b"\x92\xa1x".to_vec();
    data.extend(std::iter::repeat_n(0x91, 100_000));
    data.push(0xc0);
    let error = msgpack::decode(&packet_with_data(2, &data)).unwrap_err();
    assert_eq!(error, DecodeError::TooDeep { limit: MAX_DEPTH, offset: 15 + MAX_DEPTH - 2 });
}

#[test]
fn a_huge_announced_length_is_refused_as_truncated() {
    let error = msgpack::decode(&packet_with_data(2, b"\xdd\xff\xff\xff\xff")).unwrap_err();
    assert!(matches!(error, DecodeError::Truncated { .. }), "{error:?}");
    let error = msgpack::decode(&packet_with_data(2, b"\x92\xa1x\xc6\xff\xff\xff\xff")).unwrap_err();
    assert!(matches!(error, DecodeError::Truncated { .. }), "{error:?}");
}

#[test]
fn other_extension_types_are_refused() {
    let error = msgpack::decode(&packet_with_data(2, b"\x92\xa1x\xd5\x05\x00\x00")).unwrap_err();
    assert_eq!(error, DecodeError::UnsupportedExtension { ext_type: 5, offset: 15 });
}

#[test]
fn integers_beyond_2_pow_53_are_kept_exactly() {
    let args = Args::builder().raw_json("18446744073709551615").raw_json("-9223372036854775808").build();
    let packet = Packet::ack("/", 1, args);
    let decoded = msgpack::decode(&msgpack::encode(&packet).unwrap()).unwrap();
    assert_eq!(decoded, packet);
}

#[test]
fn integral_json_floats_are_encoded_as_integers_like_javascript_numbers() {
    let packet = Packet::ack("/", 1, Args::builder().raw_json("2.0").raw_json("-0.0").build());
    let bytes = msgpack::encode(&packet).unwrap();
    let expected = Map::new(4).key("id").raw(&[1]).key("type").raw(&[3]).key("data").raw(b"\x92\x02\x00");
    assert_eq!(bytes, expected.key("nsp").raw(b"\xa1/").bytes());
}

#[test]
fn numeric_event_names_are_encoded_as_numbers() {
    let packet = Packet::event("/", EventName::Number("300".into()), Args::empty(), None);
    let bytes = msgpack::encode(&packet).unwrap();
    assert_eq!(bytes, packet_with_data(2, b"\x91\xcd\x01\x2c"));
}

#[test]
fn connect_without_payload_leaves_data_out() {
    let bytes = msgpack::encode(&Packet::connect("/", None)).unwrap();
    assert_eq!(bytes, Map::new(2).key("type").raw(&[0]).key("nsp").raw(b"\xa1/").bytes());
}

#[test]
fn connect_error_payloads_round_trip() {
    let payload = Json::connect_error(socketio_proto::ProtocolVersion::V5, "nope", Some(&[1, 2])).unwrap();
    let packet = Packet::connect_error("/admin", payload);
    assert_eq!(msgpack::decode(&msgpack::encode(&packet).unwrap()), Ok(packet));
}

#[test]
fn a_placeholder_naming_no_attachment_is_refused_on_encode() {
    let args = Args::builder().raw_json(r#"{"_placeholder":true,"num":3}"#).build();
    let error = msgpack::encode(&Packet::ack("/", 1, args)).unwrap_err();
    assert_eq!(error, EncodeError::InvalidPlaceholder { attachments: 0 });
}

#[test]
fn malformed_raw_json_is_refused_on_encode() {
    let args = Args::builder().raw_json("{oops").build();
    let error = msgpack::encode(&Packet::event("/", "x", args, None)).unwrap_err();
    assert!(matches!(error, EncodeError::InvalidJson { .. }), "{error:?}");
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}

impl<T> Pipe for T {}

//! Frames of other peers, byte for byte, as the reference parsers read them.
//!
//! go-socket.io (a Socket.IO v2 server, Engine.IO 3 only) ends its JSON with
//! a newline and answers a namespace CONNECT with an empty array; the JS 2.x
//! client (socket.io-parser 3) takes all of it: `JSON.parse` allows JSON
//! whitespace around a value, and a v2 CONNECT's data is ignored.

use core::time::Duration;

use engineio_proto::{Message, Packet as EnginePacket, Str};
use proptest::prelude::*;
use socketio_proto::{decode_text, DecodeError, Decoder, Packet, PacketData, ProtocolVersion};

const V4: ProtocolVersion = ProtocolVersion::V4;
const V5: ProtocolVersion = ProtocolVersion::V5;

fn decode(version: ProtocolVersion, text: &str) -> Result<Option<Packet>, DecodeError> {
    Decoder::new(version).decode(Message::Text(Str::from(text.to_owned())))
}

fn decoded(version: ProtocolVersion, text: &str) -> Packet {
    match decode(version, text) {
        Ok(Some(packet)) => packet,
        other => panic!("{text:?} does not decode to a packet: {other:?}"),
    }
}

// ------------------------------------------------------- go-socket.io frames

#[test]
fn go_socketio_open_packet_with_trailing_newline_is_a_handshake() {
    let text = "0{\"sid\":\"6\",\"upgrades\":[],\"pingInterval\":20000,\"pingTimeout\":60000}\n";
    let EnginePacket::Open(open) = EnginePacket::decode_text(Str::from(text)).expect("the open packet decodes") else {
        panic!("not an open packet");
    };
    assert_eq!(open.sid.as_str(), "6");
    assert!(open.upgrades.is_empty());
    assert_eq!(open.ping_interval, Duration::from_millis(20_000));
    assert_eq!(open.ping_timeout, Duration::from_millis(60_000));
    assert_eq!(open.max_payload, None);
}

#[test]
fn go_socketio_root_connect_is_a_bare_zero() {
    assert_eq!(decoded(V4, "0"), Packet::connect("/", None));
}

#[test]
fn go_socketio_namespace_connect_with_empty_array_and_newline_is_a_connect() {
    assert_eq!(decoded(V4, "0/admin,[]\n"), Packet::connect("/admin", None));
}

#[test]
fn go_socketio_namespace_event_with_trailing_newline_decodes() {
    let packet = decoded(V4, "2/admin,[\"welcome\",{\"ns\":\"/admin\"}]\n");
    assert_eq!(packet.namespace.as_str(), "/admin");
    let PacketData::Event(event) = &packet.data else { panic!("not an event: {packet:?}") };
    assert_eq!(event.name.as_str(), "welcome");
    assert_eq!(event.arguments.json().as_str(), "{\"ns\":\"/admin\"}");
    assert_eq!(event.ack_id, None);
}

#[test]
fn go_socketio_ack_with_trailing_newline_decodes() {
    let packet = decoded(V4, "31[\"hi\"]\n");
    let PacketData::Ack(ack) = &packet.data else { panic!("not an ack: {packet:?}") };
    assert_eq!(ack.id, 1);
    assert_eq!(ack.args::<(String,)>().expect("one string"), ("hi".to_owned(),));
}

/// socket.io-parser 3 and 4 take it (no id); the 2.x and 4.x clients and
/// servers then find no ack under `undefined` and ignore it.
#[test]
fn go_socketio_ack_without_id_is_consumed_and_ignored() {
    let mut decoder = Decoder::new(V4);
    assert_eq!(decoder.decode(Message::from("3[\"hi\"]\n")), Ok(None));
    assert_eq!(decoder.missing_attachments(), 0);
    assert_eq!(decoder.decode(Message::from("31[\"hi\"]\n")).map(|packet| packet.is_some()), Ok(true));
}

#[test]
fn go_socketio_frames_in_order_decode_on_one_decoder() {
    let mut decoder = Decoder::new(V4);
    let frames = ["0", "0/admin,[]\n", "2/admin,[\"welcome\",{\"ns\":\"/admin\"}]\n", "31[\"hi\"]\n", "3[\"hi\"]\n"];
    let kinds: Vec<Option<&str>> = frames
        .iter()
        .map(|frame| {
            let packet = decoder.decode(Message::from(*frame)).unwrap_or_else(|error| panic!("{frame:?}: {error}"));
            packet.map(|packet| match packet.data {
                PacketData::Connect(_) => "connect",
                PacketData::Event(_) => "event",
                PacketData::Ack(_) => "ack",
                _ => "other",
            })
        })
        .collect();
    assert_eq!(kinds, [Some("connect"), Some("connect"), Some("event"), Some("ack"), None]);
}

// ------------------------------------------------- the rules behind them

#[test]
fn ack_without_id_is_reported_by_decode_text_after_its_payload_is_checked() {
    let error = decode_text(V5, &Str::from("3[\"hi\"]"), 10).expect_err("no packet to return");
    assert_eq!(error, DecodeError::MissingAckId { offset: 1, attachments: 0 });
    assert!(matches!(decode(V5, "3{}"), Err(DecodeError::InvalidPayload { .. })));
}

#[test]
fn binary_ack_without_id_is_consumed_with_its_attachment() {
    let mut decoder = Decoder::new(V5);
    let header = Message::from(r#"61-["x",{"_placeholder":true,"num":0}]"#);
    assert_eq!(decoder.decode(header), Ok(None));
    assert_eq!(decoder.missing_attachments(), 1);
    assert_eq!(decoder.decode(Message::Binary(bytes::Bytes::from_static(b"\x01"))), Ok(None));
    assert_eq!(decoder.missing_attachments(), 0);
    assert_eq!(decoder.decode(Message::from("2[\"next\"]")).map(|packet| packet.is_some()), Ok(true));
}

/// socket.io-parser 3 and 4 take it; the reference peers then call the
/// ack with no arguments.
#[test]
fn ack_without_payload_has_no_arguments() {
    for version in [V4, V5] {
        let packet = decoded(version, "31");
        let PacketData::Ack(ack) = &packet.data else { panic!("not an ack: {packet:?}") };
        assert_eq!(ack.id, 1);
        assert!(ack.arguments.is_empty());
    }
}

#[test]
fn v4_connect_payload_object_or_null_is_ignored() {
    assert_eq!(decoded(V4, r#"0/admin,{"token":"1"}"#), Packet::connect("/admin", None));
    assert_eq!(decoded(V4, "0/admin,null"), Packet::connect("/admin", None));
}

/// socket.io-parser 3 wants `typeof payload === "object"`.
#[test]
fn v4_connect_payload_string_or_boolean_is_refused() {
    assert!(matches!(decode(V4, r#"0/admin,"x""#), Err(DecodeError::InvalidPayload { .. })));
    assert!(matches!(decode(V4, "0/admin,true"), Err(DecodeError::InvalidPayload { .. })));
}

#[test]
fn v5_connect_payload_array_is_still_refused() {
    assert!(matches!(decode(V5, "0/admin,[]"), Err(DecodeError::InvalidPayload { .. })));
}

#[test]
fn v5_event_with_trailing_newline_decodes() {
    assert_eq!(decoded(V5, "2[\"x\",1]\n"), decoded(V5, "2[\"x\",1]"));
}

#[test]
fn payload_of_only_whitespace_is_refused() {
    assert!(matches!(decode(V5, "2\n"), Err(DecodeError::InvalidJson { .. })));
    assert!(matches!(decode(V4, "0/admin,\n"), Err(DecodeError::InvalidJson { .. })));
}

#[test]
fn connect_payload_is_kept_without_the_surrounding_whitespace() {
    let packet = decoded(V5, "0 {\"token\":\"t\"}\r\n");
    let PacketData::Connect(Some(json)) = &packet.data else { panic!("not a connect with auth: {packet:?}") };
    assert_eq!(json.as_str(), "{\"token\":\"t\"}");
}

// ---------------------------------------------- any whitespace, same packet

/// Packet headers (type, namespace, ack id) and a payload each takes, per
/// version.
fn header_and_payload() -> impl Strategy<Value = (ProtocolVersion, String, String)> {
    let namespace = prop_oneof![Just(String::new()), Just("/admin,".to_owned())];
    let argument = prop_oneof![
        Just("1".to_owned()),
        Just("\"a b\"".to_owned()),
        Just("{\"k\":[true,null]}".to_owned()),
        Just("[ ]".to_owned()),
    ];
    let arguments = prop::collection::vec(argument, 0..3).prop_map(|items| items.join(","));
    let shape = prop_oneof![
        arguments
            .clone()
            .prop_map(|args| ("2".to_owned(), format!("[\"e\"{}{args}]", if args.is_empty() { "" } else { "," }))),
        (arguments.clone(), 0u32..100).prop_map(|(args, id)| ("2".to_owned(), format!("{id}[\"e\",{args}0]"))),
        (arguments, 0u32..100).prop_map(|(args, id)| ("3".to_owned(), format!("{id}[{args}]"))),
        Just(("0".to_owned(), "{\"token\":\"t\"}".to_owned())),
        Just(("0".to_owned(), "[]".to_owned())),
    ];
    (any::<bool>(), namespace, shape).prop_filter_map("a payload the version takes", |(v4, namespace, (kind, rest))| {
        let version = if v4 { V4 } else { V5 };
        let plain = format!("{kind}{namespace}{rest}");
        decode(version, &plain).ok().flatten().map(|_| (version, format!("{kind}{namespace}"), rest))
    })
}

/// The ack id, if any, belongs to the header: whitespace goes around the JSON.
fn split_id(rest: &str) -> (&str, &str) {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest.split_at(digits)
}

proptest! {
    #[test]
    fn any_json_whitespace_around_a_payload_decodes_to_the_same_packet(
        (version, header, rest) in header_and_payload(),
        before in "[ \t\n\r]{0,4}",
        after in "[ \t\n\r]{1,4}",
    ) {
        let (id, json) = split_id(&rest);
        let plain = decoded(version, &format!("{header}{id}{json}"));
        let spaced = decode(version, &format!("{header}{id}{before}{json}{after}"));
        prop_assert_eq!(spaced, Ok(Some(plain)));
    }
}

proptest! {
    /// A CONNECT_ERROR keeps its payload text as received, whitespace too.
    #[test]
    fn any_json_whitespace_around_a_connect_error_keeps_its_message(
        v4 in any::<bool>(),
        payload in prop_oneof![Just("{\"message\":\"no\"}"), Just("\"no\"")],
        before in "[ \t\n\r]{0,4}",
        after in "[ \t\n\r]{1,4}",
    ) {
        let version = if v4 { V4 } else { V5 };
        let packet = decoded(version, &format!("4/admin,{before}{payload}{after}"));
        let PacketData::ConnectError(json) = &packet.data else { panic!("not a connect error: {packet:?}") };
        let message = json.connect_error_message();
        prop_assert_eq!(message.as_deref(), Some("no"));
    }
}

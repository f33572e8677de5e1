//! Golden vectors: every packet shape of protocol-notes §2.2, the observed
//! behaviours of §2.4 and the v4 differences of §2.5, both ways where the
//! shape is symmetric.

use bytes::Bytes;
use engineio_proto::{Message, Str};
use serde::Deserialize;
use socketio_proto::{
    Args, Binary, BinaryRef, DecodeError, Decoder, DecoderLimits, Event, EventName, Json, Packet, PacketData,
    PacketType, ProtocolVersion,
};

const V5: ProtocolVersion = ProtocolVersion::V5;
const V4: ProtocolVersion = ProtocolVersion::V4;

/// Feeds `messages` to a fresh decoder; returns the packet the last one completes.
fn decode_messages(version: ProtocolVersion, messages: Vec<Message>) -> Result<Option<Packet>, DecodeError> {
    let mut decoder = Decoder::new(version);
    let mut last = None;
    for message in messages {
        last = decoder.decode(message)?;
    }
    Ok(last)
}

fn decode(version: ProtocolVersion, text: &'static str) -> Result<Packet, DecodeError> {
    Ok(decode_messages(version, vec![Message::from(text)])?.expect("a text packet completes at once"))
}

fn decode_err(version: ProtocolVersion, text: &'static str) -> DecodeError {
    decode_messages(version, vec![Message::from(text)]).expect_err("must be rejected")
}

fn event(packet: &Packet) -> &Event {
    match &packet.data {
        PacketData::Event(event) => event,
        other => panic!("not an event: {other:?}"),
    }
}

fn text_of(packet: &Packet) -> String {
    packet.encode().text().to_string()
}

fn bin(bytes: &'static [u8]) -> Message {
    Message::Binary(Bytes::from_static(bytes))
}

fn args(json: &'static str) -> Args {
    Args::builder().raw_json(json).build()
}

// ---------------------------------------------------------------- §2.2 table

#[test]
fn connect_main_namespace_is_a_bare_zero() {
    let packet = Packet::connect("/", None);
    assert_eq!(text_of(&packet), "0");
    assert_eq!(decode(V5, "0").unwrap(), packet);
}

#[test]
fn connect_reply_on_admin_carries_the_sid() {
    let packet = Packet::connect("/admin", Some(Json::connect_reply("oSO0OpakMV_3jnilAAAA", None)));
    assert_eq!(text_of(&packet), r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#);
    let decoded = decode(V5, r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#).unwrap();
    assert_eq!(decoded, packet);
    let PacketData::Connect(Some(json)) = &decoded.data else { panic!("connect payload expected") };
    #[derive(Deserialize)]
    struct Reply {
        sid: String,
    }
    assert_eq!(json.deserialize::<Reply>().unwrap().sid, "oSO0OpakMV_3jnilAAAA");
}

#[test]
fn connect_reply_with_recovery_adds_pid() {
    let packet = Packet::connect("/", Some(Json::connect_reply("X6xo", Some("bhpt"))));
    assert_eq!(text_of(&packet), r#"0{"sid":"X6xo","pid":"bhpt"}"#);
    assert_eq!(decode(V5, r#"0{"sid":"X6xo","pid":"bhpt"}"#).unwrap(), packet);
}

#[test]
fn connect_error_v5_is_an_object_with_message() {
    let payload = Json::connect_error::<()>(V5, "Not authorized", None).unwrap();
    let packet = Packet::connect_error("/", payload);
    assert_eq!(text_of(&packet), r#"4{"message":"Not authorized"}"#);
    let decoded = decode(V5, r#"4{"message":"Not authorized"}"#).unwrap();
    assert_eq!(decoded, packet);
    let PacketData::ConnectError(json) = &decoded.data else { panic!("connect error expected") };
    assert_eq!(json.connect_error_message().as_deref(), Some("Not authorized"));
}

#[test]
fn connect_error_v5_carries_data_when_given() {
    let payload = Json::connect_error(V5, "nope", Some(&serde_json::json!({"code": 3}))).unwrap();
    assert_eq!(payload.as_str(), r#"{"message":"nope","data":{"code":3}}"#);
}

#[test]
fn event_on_main_namespace_omits_namespace() {
    let packet = Packet::event("/", "foo", Args::empty(), None);
    assert_eq!(text_of(&packet), r#"2["foo"]"#);
    let decoded = decode(V5, r#"2["foo"]"#).unwrap();
    assert_eq!(decoded, packet);
    assert_eq!(event(&decoded).name.as_str(), "foo");
    assert!(event(&decoded).arguments.is_empty());
}

#[test]
fn event_on_admin_namespace_writes_namespace_and_comma() {
    let packet = Packet::event("/admin", "bar", Args::empty(), None);
    assert_eq!(text_of(&packet), r#"2/admin,["bar"]"#);
    assert_eq!(decode(V5, r#"2/admin,["bar"]"#).unwrap(), packet);
}

#[test]
fn binary_event_with_one_attachment() {
    let args = Args::builder().binary(Bytes::from_static(&[1, 2, 3, 4])).build();
    let packet = Packet::event("/", "baz", args, None);
    let encoded = packet.encode();
    assert_eq!(encoded.text().as_str(), r#"51-["baz",{"_placeholder":true,"num":0}]"#);
    assert_eq!(encoded.attachments(), &[Bytes::from_static(&[1, 2, 3, 4])]);
    let messages = vec![Message::from(r#"51-["baz",{"_placeholder":true,"num":0}]"#), bin(&[1, 2, 3, 4])];
    let decoded = decode_messages(V5, messages).unwrap().unwrap();
    assert_eq!(decoded, packet);
    assert_eq!(decoded.packet_type(), PacketType::BinaryEvent);
    let (data,): (Binary,) = event(&decoded).args().unwrap();
    assert_eq!(data.0.as_ref(), &[1, 2, 3, 4]);
}

#[test]
fn binary_event_on_admin_with_two_attachments() {
    let text = r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    let args = Args::from_tuple(&(Binary(Bytes::from_static(&[1, 2])), Binary(Bytes::from_static(&[3, 4])))).unwrap();
    let packet = Packet::event("/admin", "baz", args, None);
    let encoded = packet.encode();
    assert_eq!(encoded.text().as_str(), text);
    let messages: Vec<Message> = encoded.messages().collect();
    assert_eq!(messages, vec![Message::from(text), bin(&[1, 2]), bin(&[3, 4])]);
    let decoded = decode_messages(V5, messages).unwrap().unwrap();
    assert_eq!(decoded, packet);
    let (first, second): (Binary, Binary) = event(&decoded).args().unwrap();
    assert_eq!((first.0.as_ref(), second.0.as_ref()), (&[1, 2][..], &[3, 4][..]));
}

#[test]
fn event_with_ack_id_puts_id_before_payload() {
    let packet = Packet::event("/", "foo", Args::empty(), Some(12));
    assert_eq!(text_of(&packet), r#"212["foo"]"#);
    let decoded = decode(V5, r#"212["foo"]"#).unwrap();
    assert_eq!(decoded, packet);
    assert_eq!(event(&decoded).ack_id, Some(12));
}

#[test]
fn ack_on_admin_with_id() {
    let packet = Packet::ack("/admin", 13, args(r#""bar""#));
    assert_eq!(text_of(&packet), r#"3/admin,13["bar"]"#);
    let decoded = decode(V5, r#"3/admin,13["bar"]"#).unwrap();
    assert_eq!(decoded, packet);
    let PacketData::Ack(ack) = &decoded.data else { panic!("ack expected") };
    assert_eq!(ack.args::<(String,)>().unwrap().0, "bar");
}

#[test]
fn binary_ack_with_id_and_attachment() {
    let text = r#"61-15["bar",{"_placeholder":true,"num":0}]"#;
    let args = Args::builder().arg("bar").unwrap().binary(Bytes::from_static(&[1, 2, 3, 4])).build();
    let packet = Packet::ack("/", 15, args);
    assert_eq!(text_of(&packet), text);
    let decoded = decode_messages(V5, vec![Message::from(text), bin(&[1, 2, 3, 4])]).unwrap().unwrap();
    assert_eq!(decoded, packet);
    assert_eq!(decoded.packet_type(), PacketType::BinaryAck);
}

#[test]
fn disconnect_main_namespace() {
    assert_eq!(text_of(&Packet::disconnect("/")), "1");
    assert_eq!(decode(V5, "1").unwrap(), Packet::disconnect("/"));
}

#[test]
fn disconnect_admin_namespace_keeps_trailing_comma() {
    assert_eq!(text_of(&Packet::disconnect("/admin")), "1/admin,");
    assert_eq!(decode(V5, "1/admin,").unwrap(), Packet::disconnect("/admin"));
}

#[test]
fn namespace_without_trailing_comma_decodes() {
    assert_eq!(decode(V5, "0/random").unwrap(), Packet::connect("/random", None));
    assert_eq!(decode(V5, "0/custom").unwrap(), Packet::connect("/custom", None));
    assert_eq!(decode(V5, "1/custom").unwrap(), Packet::disconnect("/custom"));
}

#[test]
fn encoded_json_is_compact_and_keeps_insertion_order() {
    let value = serde_json::json!({"3": [true]});
    let args = Args::from_tuple(&(1, "2", value)).unwrap();
    let packet = Packet::event("/", "message-back", args, None);
    assert_eq!(text_of(&packet), r#"2["message-back",1,"2",{"3":[true]}]"#);
}

#[test]
fn connect_with_auth_object_decodes() {
    let decoded = decode(V5, r#"0/admin,{"token":"123"}"#).unwrap();
    let PacketData::Connect(Some(auth)) = &decoded.data else { panic!("auth expected") };
    assert_eq!(auth.as_str(), r#"{"token":"123"}"#);
    assert_eq!(decoded.namespace.as_str(), "/admin");
}

#[test]
fn readme_sample_binary_ack_without_name_decodes() {
    let text = r#"61-/admin,1[{"_placeholder":true,"num":0}]"#;
    let decoded = decode_messages(V5, vec![Message::from(text), bin(&[7])]).unwrap().unwrap();
    let PacketData::Ack(ack) = &decoded.data else { panic!("ack expected") };
    assert_eq!(ack.id, 1);
    let (data,): (BinaryRef<'_>,) = ack.arguments.deserialize().unwrap();
    assert_eq!(data.0, &[7]);
}

// ---------------------------------------------------------------- §2.4 behaviours

#[test]
fn connect_payload_string_is_rejected() {
    assert!(matches!(decode_err(V5, r#"0"abc""#), DecodeError::InvalidPayload { .. }));
}

#[test]
fn connect_payload_array_is_rejected() {
    assert!(matches!(decode_err(V5, "0[1]"), DecodeError::InvalidPayload { .. }));
}

#[test]
fn event_with_empty_array_is_rejected() {
    assert!(matches!(decode_err(V5, "2[]"), DecodeError::InvalidPayload { expected: "a non-empty array", .. }));
}

#[test]
fn event_with_object_payload_is_rejected() {
    assert!(matches!(decode_err(V5, "2{}"), DecodeError::InvalidPayload { .. }));
}

#[test]
fn event_without_payload_is_rejected() {
    assert!(matches!(decode_err(V5, "2"), DecodeError::MissingPayload { .. }));
}

#[test]
fn event_with_numeric_name_is_accepted() {
    let decoded = decode(V5, "2[1]").unwrap();
    assert_eq!(event(&decoded).name, EventName::Number(Str::from_static("1")));
    assert_eq!(text_of(&decoded), "2[1]");
}

#[test]
fn event_with_ack_id_and_arguments_decodes() {
    let decoded = decode(V5, r#"212["message-with-ack",1,"2",{"3":[true]}]"#).unwrap();
    let event = event(&decoded);
    assert_eq!(event.ack_id, Some(12));
    assert_eq!(event.arguments.json().as_str(), r#"1,"2",{"3":[true]}"#);
    let (a, b, c): (u32, String, serde_json::Value) = event.args().unwrap();
    assert_eq!((a, b.as_str(), c), (1, "2", serde_json::json!({"3": [true]})));
}

#[test]
fn ack_with_empty_array_is_accepted() {
    let decoded = decode(V5, "312[]").unwrap();
    assert_eq!(decoded, Packet::ack("/", 12, Args::empty()));
    assert_eq!(text_of(&decoded), "312[]");
}

#[test]
fn ack_with_object_payload_is_rejected() {
    assert!(matches!(decode_err(V5, "312{}"), DecodeError::InvalidPayload { .. }));
}

/// socket.io-parser takes it; no peer has an ack to match it.
#[test]
fn ack_without_id_is_dropped() {
    assert_eq!(decode_messages(V5, vec![Message::from("3[]")]), Ok(None));
}

#[test]
fn placeholder_out_of_range_is_rejected() {
    let error = decode_err(V5, r#"51-["x",{"_placeholder":true,"num":1}]"#);
    assert!(matches!(error, DecodeError::InvalidPlaceholder { .. }), "{error:?}");
}

#[test]
fn placeholder_with_non_integer_num_is_rejected() {
    let error = decode_err(V5, r#"51-["x",{"_placeholder":true,"num":"0"}]"#);
    assert!(matches!(error, DecodeError::InvalidPlaceholder { .. }), "{error:?}");
}

/// socket.io-parser 3 and 4 take the packet; `reconstructPacket` leaves
/// the buffer no placeholder names out of the data.
#[test]
fn attachment_no_placeholder_names_is_dropped() {
    let messages = vec![Message::from(r#"51-["e"]"#), bin(&[1])];
    let decoded = decode_messages(V5, messages).unwrap().unwrap();
    assert!(decoded.attachments().is_empty());
    assert_eq!(decoded.packet_type(), PacketType::Event);
    assert_eq!(text_of(&decoded), r#"2["e"]"#);
}

#[test]
fn attachments_after_the_last_one_named_are_dropped() {
    let text = r#"52-["e",{"_placeholder":true,"num":0}]"#;
    let decoded = decode_messages(V5, vec![Message::from(text), bin(&[1]), bin(&[2])]).unwrap().unwrap();
    assert_eq!(decoded.attachments(), &[Bytes::from_static(&[1])]);
    assert_eq!(text_of(&decoded), r#"51-["e",{"_placeholder":true,"num":0}]"#);
}

#[test]
fn placeholders_are_renumbered_to_the_attachments_kept() {
    let text = r#"63-4[{"_placeholder":true,"num":2},{"a":{"_placeholder":true,"num":2}}]"#;
    let messages = vec![Message::from(text), bin(&[1]), bin(&[2]), bin(&[3])];
    let decoded = decode_messages(V5, messages).unwrap().unwrap();
    assert_eq!(decoded.attachments(), &[Bytes::from_static(&[3])]);
    assert_eq!(text_of(&decoded), r#"61-4[{"_placeholder":true,"num":0},{"a":{"_placeholder":true,"num":0}}]"#);
    let PacketData::Ack(ack) = &decoded.data else { panic!("ack expected") };
    let (first, _): (Binary, serde_json::Value) = ack.args().unwrap();
    assert_eq!(first.0.as_ref(), &[3]);
}

#[test]
fn binary_event_waits_for_its_attachments() {
    let mut decoder = Decoder::new(V5);
    let header = Message::from(r#"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#);
    assert_eq!(decoder.decode(header).unwrap(), None);
    assert_eq!(decoder.missing_attachments(), 2);
    assert_eq!(decoder.decode(bin(&[1])).unwrap(), None);
    assert_eq!(decoder.missing_attachments(), 1);
    let packet = decoder.decode(bin(&[2])).unwrap().expect("complete");
    assert_eq!(packet.attachments().len(), 2);
    assert_eq!(decoder.missing_attachments(), 0);
}

#[test]
fn polling_binary_sample_round_trips() {
    let text = r#"51-["message",{"_placeholder":true,"num":0}]"#;
    let decoded = decode_messages(V5, vec![Message::from(text), bin(&[1, 2, 3])]).unwrap().unwrap();
    let (data,): (Binary,) = event(&decoded).args().unwrap();
    let reply = Args::builder().binary(data.0).build();
    let encoded = Packet::event("/", "message-back", reply, None).encode();
    assert_eq!(encoded.text().as_str(), r#"51-["message-back",{"_placeholder":true,"num":0}]"#);
    assert_eq!(encoded.attachments(), &[Bytes::from_static(&[1, 2, 3])]);
}

#[test]
fn recovery_offset_is_an_extra_last_argument() {
    let args = Args::builder().arg("hi").unwrap().arg("Q8JiohS").unwrap().build();
    assert_eq!(text_of(&Packet::event("/", "message-back", args, None)), r#"2["message-back","hi","Q8JiohS"]"#);
}

#[test]
fn recovery_connect_carries_pid_and_offset() {
    let decoded = decode(V5, r#"0{"token":"t","pid":"p1","offset":"o1"}"#).unwrap();
    let PacketData::Connect(Some(auth)) = &decoded.data else { panic!("auth expected") };
    #[derive(Deserialize)]
    struct Recovery<'a> {
        pid: &'a str,
        offset: &'a str,
    }
    let recovery: Recovery<'_> = auth.deserialize().unwrap();
    assert_eq!((recovery.pid, recovery.offset), ("p1", "o1"));
}

// ---------------------------------------------------------------- decoder state

#[test]
fn text_while_attachments_pending_is_rejected() {
    let messages = vec![Message::from(r#"51-["x",{"_placeholder":true,"num":0}]"#), Message::from(r#"2["y"]"#)];
    assert_eq!(decode_messages(V5, messages), Err(DecodeError::UnexpectedText { missing: 1 }));
}

#[test]
fn binary_without_pending_packet_is_rejected() {
    assert_eq!(decode_messages(V5, vec![bin(&[1])]), Err(DecodeError::UnexpectedBinary));
}

#[test]
fn attachment_count_above_limit_is_rejected() {
    let error = decode_err(V5, r#"511-["x"]"#);
    assert_eq!(error, DecodeError::TooManyAttachments { count: 11, limit: 10 });
}

#[test]
fn attachment_count_zero_is_rejected() {
    assert_eq!(decode_err(V5, r#"50-["x"]"#), DecodeError::InvalidAttachmentCount { offset: 1 });
}

#[test]
fn attachment_count_without_dash_is_rejected() {
    assert_eq!(decode_err(V5, r#"51["x"]"#), DecodeError::InvalidAttachmentCount { offset: 1 });
}

#[test]
fn attachment_bytes_above_limit_are_rejected() {
    let limits = DecoderLimits { max_attachments: 10, max_attachment_bytes: 4 };
    let mut decoder = Decoder::with_limits(V5, limits);
    let header = r#"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    assert_eq!(decoder.decode(Message::from(header)).unwrap(), None);
    assert_eq!(decoder.decode(bin(&[1, 2, 3])).unwrap(), None);
    assert_eq!(decoder.decode(bin(&[4, 5])), Err(DecodeError::AttachmentsTooLarge { limit: 4 }));
}

#[test]
fn decoder_recovers_after_reset() {
    let mut decoder = Decoder::new(V5);
    assert_eq!(decoder.decode(Message::from(r#"51-["x",{"_placeholder":true,"num":0}]"#)).unwrap(), None);
    decoder.reset();
    assert!(decoder.decode(Message::from(r#"2["y"]"#)).unwrap().is_some());
}

// ---------------------------------------------------------------- malformed input

#[test]
fn empty_packet_is_rejected() {
    assert_eq!(decode_err(V5, ""), DecodeError::EmptyPacket);
}

#[test]
fn unknown_packet_type_is_rejected() {
    assert_eq!(decode_err(V5, "7"), DecodeError::UnknownPacketType { byte: b'7' });
}

#[test]
fn disconnect_with_payload_is_rejected() {
    assert!(matches!(decode_err(V5, "1{}"), DecodeError::InvalidPayload { .. }));
}

#[test]
fn ack_id_on_connect_is_rejected() {
    assert!(matches!(decode_err(V5, "012{}"), DecodeError::UnexpectedAckId { offset: 1, .. }));
}

#[test]
fn ack_id_above_u64_is_rejected() {
    assert_eq!(decode_err(V5, r#"2184467440737095516150["x"]"#), DecodeError::AckIdOutOfRange { offset: 1 });
}

#[test]
fn malformed_json_reports_offset() {
    let error = decode_err(V5, r#"2/a,["x",]"#);
    let DecodeError::InvalidJson { offset, .. } = error else { panic!("invalid JSON expected: {error:?}") };
    assert_eq!(offset, 9);
}

#[test]
fn trailing_garbage_after_json_is_rejected() {
    assert!(matches!(decode_err(V5, r#"2["x"]]"#), DecodeError::InvalidJson { .. }));
}

#[test]
fn reserved_event_name_is_rejected() {
    assert_eq!(decode_err(V5, r#"2["disconnect"]"#), DecodeError::ReservedEventName { name: "disconnect".into() });
}

#[test]
fn escaped_event_name_is_unescaped() {
    let decoded = decode(V5, r#"2["a\"b\u00e9"]"#).unwrap();
    assert_eq!(event(&decoded).name.as_str(), "a\"bé");
    assert_eq!(text_of(&decoded), r#"2["a\"bé"]"#);
}

#[test]
fn escaped_reserved_event_name_is_rejected() {
    assert!(matches!(decode_err(V5, r#"2["conn\u0065ct"]"#), DecodeError::ReservedEventName { .. }));
}

#[test]
fn whitespace_inside_payload_is_accepted() {
    let decoded = decode(V5, "2 [ \"x\" , 1 ] ").unwrap();
    assert_eq!(event(&decoded).name.as_str(), "x");
    assert_eq!(event(&decoded).args::<(u8,)>().unwrap(), (1,));
}

// ---------------------------------------------------------------- §2.5 v4

#[test]
fn v4_connect_error_is_a_string() {
    let payload = Json::connect_error::<()>(V4, "Not authorized", None).unwrap();
    let packet = Packet::connect_error("/admin", payload);
    assert_eq!(text_of(&packet), r#"4/admin,"Not authorized""#);
    let decoded = decode(V4, r#"4/admin,"Not authorized""#).unwrap();
    assert_eq!(decoded, packet);
    let PacketData::ConnectError(json) = &decoded.data else { panic!("connect error expected") };
    assert_eq!(json.connect_error_message().as_deref(), Some("Not authorized"));
}

/// A v2 server refuses with `socket.error(err.data || err.message)`, so
/// its ERROR packet carries any JSON; socket.io-parser 3 takes any.
#[test]
fn v4_connect_error_object_is_accepted() {
    let decoded = decode(V4, r#"4{"message":"x","code":7}"#).unwrap();
    let PacketData::ConnectError(json) = &decoded.data else { panic!("connect error expected") };
    assert_eq!(json.as_str(), r#"{"message":"x","code":7}"#);
}

/// socket.io-parser 4 takes a string or an object as CONNECT_ERROR payload.
#[test]
fn v5_connect_error_string_is_accepted() {
    let decoded = decode(V5, r#"4"x""#).unwrap();
    let PacketData::ConnectError(json) = &decoded.data else { panic!("connect error expected") };
    assert_eq!(json.connect_error_message().as_deref(), Some("x"));
}

#[test]
fn v5_connect_error_array_is_rejected() {
    assert!(matches!(decode_err(V5, "4[1]"), DecodeError::InvalidPayload { .. }));
}

#[test]
fn v4_connect_has_no_payload_both_ways() {
    let packet = Packet::connect("/admin", None);
    assert_eq!(text_of(&packet), "0/admin,");
    assert_eq!(decode(V4, "0/admin,").unwrap(), packet);
}

/// socket.io-parser 3 takes it; a v2 peer ignores it.
#[test]
fn v4_connect_payload_is_ignored() {
    assert_eq!(decode(V4, r#"0/admin,{"token":"1"}"#).unwrap(), Packet::connect("/admin", None));
}

#[test]
fn v4_connect_namespace_carries_query() {
    let decoded = decode(V4, "0/admin?token=1234&uid=abcd,").unwrap();
    assert_eq!(decoded.namespace_path(), "/admin");
    assert_eq!(decoded.namespace_query(), Some("token=1234&uid=abcd"));
    assert_eq!(text_of(&decoded), "0/admin?token=1234&uid=abcd,");
}

#[test]
fn v4_server_connect_on_main_namespace() {
    assert_eq!(decode(V4, "0").unwrap(), Packet::connect("/", None));
}

// ---------------------------------------------------------------- encoding

#[test]
fn encoded_messages_are_text_then_attachments() {
    let args = Args::builder().binary(Bytes::from_static(b"a")).binary(Bytes::from_static(b"b")).build();
    let encoded = Packet::event("/", "e", args, None).encode();
    let kinds: Vec<&str> = encoded
        .messages()
        .map(|message| match message {
            Message::Text(_) => "text",
            Message::Binary(_) => "binary",
        })
        .collect();
    assert_eq!(kinds, ["text", "binary", "binary"]);
    assert_eq!(encoded.message_count(), 3);
}

#[test]
fn encoded_clone_shares_storage() {
    let args = Args::builder().arg("hello").unwrap().binary(Bytes::from(vec![0u8; 4096])).build();
    let encoded = Packet::event("/", "msg", args, None).encode();
    let copy = encoded.clone();
    assert_eq!(copy.text().as_bytes().as_ptr(), encoded.text().as_bytes().as_ptr());
    assert_eq!(copy.attachments().as_ptr(), encoded.attachments().as_ptr());
}

#[test]
fn nested_binary_becomes_placeholder_and_back() {
    #[derive(serde::Serialize, Deserialize, Debug, PartialEq)]
    struct File {
        name: String,
        data: Binary,
        parts: Vec<Binary>,
    }
    let file = File {
        name: "f".into(),
        data: Binary(Bytes::from_static(b"xy")),
        parts: vec![Binary(Bytes::from_static(b"z"))],
    };
    let args = Args::from_tuple(&(&file, 5)).unwrap();
    let encoded = Packet::event("/", "upload", args, None).encode();
    assert_eq!(
        encoded.text().as_str(),
        r#"52-["upload",{"name":"f","data":{"_placeholder":true,"num":0},"parts":[{"_placeholder":true,"num":1}]},5]"#
    );
    let decoded = decode_messages(V5, encoded.messages().collect()).unwrap().unwrap();
    let (back, number): (File, u8) = event(&decoded).args().unwrap();
    assert_eq!((back, number), (file, 5));
}

#[test]
fn args_not_an_array_are_refused() {
    assert!(Args::from_tuple(&"just a string").is_err());
}

#[test]
fn event_name_needing_escapes_is_escaped() {
    let packet = Packet::event("/", String::from("a\"b\n"), Args::empty(), None);
    assert_eq!(text_of(&packet), r#"2["a\"b\n"]"#);
}

//! `Encoded::event` / `Encoded::ack` write the same wire form as building
//! `Args` and encoding a `Packet`.

use bytes::Bytes;
use engineio_proto::Message;
use proptest::prelude::*;
use serde_json::Value;
use socketio_proto::{Args, Binary, Encoded, Packet};

#[test]
fn event_is_written_like_an_encoded_packet() {
    let written = Encoded::event("/", "msg", None).arg("hello").unwrap().arg(&1).unwrap().finish();
    assert_eq!(written.text().as_str(), r#"2["msg","hello",1]"#);
}

#[test]
fn event_without_arguments_holds_only_its_name() {
    assert_eq!(Encoded::event("/", "ping", None).finish().text().as_str(), r#"2["ping"]"#);
}

#[test]
fn namespace_and_ack_id_precede_the_array() {
    let written = Encoded::event("/chat", "msg", Some(12)).arg(&true).unwrap().finish();
    assert_eq!(written.text().as_str(), r#"2/chat,12["msg",true]"#);
}

#[test]
fn event_name_is_escaped() {
    let written = Encoded::event("/", "a\"b", None).finish();
    assert_eq!(written.text().as_str(), r#"2["a\"b"]"#);
}

#[test]
fn binary_argument_makes_a_binary_event_with_its_attachment() {
    let blob = Bytes::from_static(b"\x01\x02");
    let written = Encoded::event("/x", "up", Some(3)).binary(blob.clone()).finish();
    assert_eq!(written.text().as_str(), r#"51-/x,3["up",{"_placeholder":true,"num":0}]"#);
    assert_eq!(written.attachments(), [blob]);
}

#[test]
fn nested_binary_values_become_attachments() {
    let written = Encoded::event("/", "up", None).arg(&[Binary(Bytes::from_static(b"a"))]).unwrap().finish();
    assert_eq!(written.text().as_str(), r#"51-["up",[{"_placeholder":true,"num":0}]]"#);
    assert_eq!(written.message_count(), 2);
}

#[test]
fn ack_is_written_without_a_name() {
    let written = Encoded::ack("/", 7).arg("ok").unwrap().finish();
    assert_eq!(written.text().as_str(), r#"37["ok"]"#);
}

#[test]
fn binary_ack_has_its_attachment_count() {
    let written = Encoded::ack("/", 7).binary(Bytes::new()).binary(Bytes::new()).finish();
    assert_eq!(written.text().as_str(), r#"62-7[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#);
}

#[test]
fn argument_that_is_not_json_is_an_error() {
    let map = std::collections::HashMap::from([(vec![1u8], 1)]);
    assert!(Encoded::event("/", "msg", None).arg(&map).is_err());
}

fn arg() -> impl Strategy<Value = Result<Value, Vec<u8>>> {
    let json = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
        proptest::collection::vec("[a-z\"\\\\]{0,3}", 0..3).prop_map(Value::from),
    ];
    prop_oneof![4 => json.prop_map(Ok), 1 => proptest::collection::vec(any::<u8>(), 0..8).prop_map(Err)]
}

proptest! {
    #[test]
    fn writer_output_equals_encoding_a_built_packet(
        namespace in prop_oneof![Just("/".to_string()), "/[a-z]{1,5}"],
        name in "\\PC{0,6}",
        ack_id in proptest::option::of(any::<u64>()),
        args in proptest::collection::vec(arg(), 0..4),
        is_ack in any::<bool>(),
    ) {
        let mut writer = if is_ack {
            Encoded::ack(&namespace, ack_id.unwrap_or(0))
        } else {
            Encoded::event(&namespace, &name, ack_id)
        };
        let mut builder = Args::builder();
        for arg in &args {
            match arg {
                Ok(json) => {
                    writer = writer.arg(json).unwrap();
                    builder = builder.arg(json).unwrap();
                }
                Err(bytes) => {
                    writer = writer.binary(Bytes::from(bytes.clone()));
                    builder = builder.binary(Bytes::from(bytes.clone()));
                }
            }
        }
        let packet = if is_ack {
            Packet::ack(namespace.clone(), ack_id.unwrap_or(0), builder.build())
        } else {
            Packet::event(namespace.clone(), name.clone(), builder.build(), ack_id)
        };
        prop_assert_eq!(writer.finish(), packet.encode());
    }
}

#[test]
fn twelve_attachments_write_a_two_digit_count() {
    let mut writer = Encoded::event("/", "many", None);
    for _ in 0..12 {
        writer = writer.binary(Bytes::new());
    }
    let written = writer.finish();
    assert!(written.text().as_str().starts_with(r#"512-["many",{"_placeholder":true,"num":0}"#));
    assert_eq!(written.attachments().len(), 12);
}

#[test]
fn messages_are_the_text_then_each_attachment_in_order() {
    let (first, second) = (Bytes::from_static(b"1"), Bytes::from_static(b"2"));
    let encoded = Encoded::event("/", "up", None).binary(first.clone()).binary(second.clone()).finish();
    let messages: Vec<Message> = encoded.messages().collect();
    assert_eq!(messages, [Message::Text(encoded.text().clone()), Message::Binary(first), Message::Binary(second)]);
}

#[test]
fn messages_know_how_many_remain() {
    let encoded = Encoded::event("/", "up", None).binary(Bytes::new()).finish();
    let mut messages = encoded.messages();
    assert_eq!(messages.len(), 2);
    messages.next();
    assert_eq!(messages.len(), 1);
    messages.next();
    assert_eq!((messages.len(), messages.next()), (0, None));
}

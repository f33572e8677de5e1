//! Property tests: encode → decode gives the packet back, and no input makes
//! the decoder panic.

use std::collections::BTreeMap;

use bytes::Bytes;
use engineio_proto::{Message, Str};
use proptest::prelude::*;
use serde::Serialize;
use socketio_proto::{Args, Binary, Decoder, Json, Packet, PacketData, ProtocolVersion};

/// An argument tree that may hold binary values anywhere.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum Arg {
    Json(serde_json::Value),
    Bin(Binary),
    List(Vec<Arg>),
    Map(BTreeMap<String, Arg>),
}

fn json_leaf() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        (-1e12f64..1e12).prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
        "[\"\\\\\\n\\t\\u{0}-\\u{1f}]{0,4}".prop_map(serde_json::Value::String),
    ]
}

fn arg() -> impl Strategy<Value = Arg> {
    let leaf = prop_oneof![
        4 => json_leaf().prop_map(Arg::Json),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(|bytes| Arg::Bin(Binary(Bytes::from(bytes)))),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Arg::List),
            proptest::collection::btree_map("\\PC{0,6}", inner, 0..4).prop_map(Arg::Map),
        ]
    })
}

fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_string()), "/[a-zA-Z0-9_?=&/.-]{0,12}"]
}

const RESERVED: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

fn event_name() -> impl Strategy<Value = String> {
    "\\PC{0,16}".prop_filter("reserved names are refused", |name| !RESERVED.contains(&name.as_str()))
}

fn decode_all(version: ProtocolVersion, messages: impl Iterator<Item = Message>) -> Option<Packet> {
    let mut decoder = Decoder::new(version);
    let mut last = None;
    for message in messages {
        last = decoder.decode(message).expect("encoded packets decode");
    }
    assert_eq!(decoder.missing_attachments(), 0);
    last
}

fn count_binaries(arg: &Arg) -> usize {
    match arg {
        Arg::Json(_) => 0,
        Arg::Bin(_) => 1,
        Arg::List(items) => items.iter().map(count_binaries).sum(),
        Arg::Map(items) => items.values().map(count_binaries).sum(),
    }
}

proptest! {
    #[test]
    fn event_round_trips(
        ns in namespace(),
        name in event_name(),
        args in proptest::collection::vec(arg(), 0..5),
        ack_id in proptest::option::of(any::<u64>()),
        version in prop_oneof![Just(ProtocolVersion::V4), Just(ProtocolVersion::V5)],
    ) {
        let built = Args::from_tuple(&args).unwrap();
        prop_assert_eq!(built.attachments().len(), args.iter().map(count_binaries).sum::<usize>());
        let packet = Packet::event(Str::from(ns), name, built, ack_id);
        let encoded = packet.encode();
        // Respect the default attachment limit, as a peer would.
        prop_assume!(encoded.attachments().len() <= 10);
        let decoded = decode_all(version, encoded.messages());
        prop_assert_eq!(decoded.as_ref(), Some(&packet));
        // The arguments deserialize back into JSON values (placeholders as objects).
        let PacketData::Event(event) = &decoded.unwrap().data else { panic!("event expected") };
        let values: Vec<serde_json::Value> = event.args().unwrap();
        prop_assert_eq!(values.len(), args.len());
    }

    #[test]
    fn event_built_arg_by_arg_round_trips(
        ns in namespace(),
        name in event_name(),
        texts in proptest::collection::vec("\\PC{0,20}", 0..4),
        blobs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 1..4),
        ack_id in proptest::option::of(any::<u64>()),
    ) {
        let mut builder = Args::builder();
        for text in &texts {
            builder = builder.arg(text).unwrap();
        }
        for blob in &blobs {
            builder = builder.binary(Bytes::from(blob.clone()));
        }
        let packet = Packet::event(Str::from(ns), name, builder.build(), ack_id);
        let decoded = decode_all(ProtocolVersion::V5, packet.encode().messages()).unwrap();
        prop_assert_eq!(&decoded, &packet);
        let PacketData::Event(event) = &decoded.data else { panic!("event expected") };
        let values: Vec<serde_json::Value> = event.args().unwrap();
        for (value, text) in values.iter().zip(&texts) {
            prop_assert_eq!(value.as_str(), Some(text.as_str()));
        }
        if texts.is_empty() {
            let back: Vec<Binary> = event.args().unwrap();
            let back: Vec<&[u8]> = back.iter().map(|binary| binary.0.as_ref()).collect();
            let blobs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(back, blobs);
        }
        prop_assert_eq!(event.arguments.attachments().len(), blobs.len());
        for (attachment, blob) in event.arguments.attachments().iter().zip(&blobs) {
            prop_assert_eq!(attachment.as_ref(), blob.as_slice());
        }
    }

    #[test]
    fn ack_round_trips(
        ns in namespace(),
        id in any::<u64>(),
        args in proptest::collection::vec(arg(), 0..5),
    ) {
        let packet = Packet::ack(Str::from(ns), id, Args::from_tuple(&args).unwrap());
        let encoded = packet.encode();
        prop_assume!(encoded.attachments().len() <= 10);
        prop_assert_eq!(decode_all(ProtocolVersion::V5, encoded.messages()), Some(packet));
    }

    #[test]
    fn connect_with_object_round_trips(
        ns in namespace(),
        fields in proptest::collection::btree_map("\\PC{0,6}", json_leaf(), 0..4),
    ) {
        let packet = Packet::connect(Str::from(ns), Some(Json::from_serialize(&fields).unwrap()));
        prop_assert_eq!(decode_all(ProtocolVersion::V5, packet.encode().messages()), Some(packet));
    }

    #[test]
    fn disconnect_round_trips(ns in namespace()) {
        let packet = Packet::disconnect(Str::from(ns));
        prop_assert_eq!(decode_all(ProtocolVersion::V4, packet.encode().messages()), Some(packet));
    }

    #[test]
    fn any_text_never_panics(text in "\\PC*", version in prop_oneof![Just(ProtocolVersion::V4), Just(ProtocolVersion::V5)]) {
        exercise(version, vec![Message::Text(Str::from(text))]);
    }

    #[test]
    fn packet_like_text_never_panics(
        head in "[0-7][0-9]{0,3}-?(/[a-z,?]{0,5},?)?[0-9]{0,22}",
        body in prop_oneof![
            Just(String::new()),
            "\\PC{0,24}",
            "[\\[\\]{}\",:0-9a-z_ .\\-]{0,40}",
            arg().prop_map(|a| serde_json::to_string(&vec![a]).unwrap()),
        ],
        blobs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 0..4),
    ) {
        let mut messages = vec![Message::Text(Str::from(format!("{head}{body}")))];
        messages.extend(blobs.into_iter().map(|blob| Message::Binary(Bytes::from(blob))));
        exercise(ProtocolVersion::V5, messages);
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        exercise(ProtocolVersion::V5, vec![Message::Binary(Bytes::from(bytes)), Message::Text(Str::from(text))]);
    }
}

/// Feeds messages, ignoring errors, and deserializes whatever comes out.
fn exercise(version: ProtocolVersion, messages: Vec<Message>) {
    let mut decoder = Decoder::new(version);
    for message in messages {
        if let Ok(Some(packet)) = decoder.decode(message) {
            let _ = packet.encode();
            if let PacketData::Event(event) = &packet.data {
                let _ = event.args::<Vec<serde_json::Value>>();
                let _ = event.args::<(Binary, Binary)>();
                let _ = event.arguments.json();
            }
        }
    }
}

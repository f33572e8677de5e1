//! Properties of the msgpack codec: packets survive an encode/decode round
//! trip, and no input makes the decoder panic.
#![cfg(feature = "msgpack")]

use bytes::Bytes;
use proptest::prelude::*;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use socketio_proto::{msgpack, Args, Binary, Json, Packet};

/// An argument as a JS peer could send it (binary values included).
#[derive(Debug, Clone)]
enum Tree {
    Null,
    Bool(bool),
    Negative(i64),
    Unsigned(u64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    List(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

impl Serialize for Tree {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Tree::Null => serializer.serialize_unit(),
            Tree::Bool(flag) => serializer.serialize_bool(*flag),
            Tree::Negative(number) => serializer.serialize_i64(*number),
            Tree::Unsigned(number) => serializer.serialize_u64(*number),
            Tree::Float(number) => serializer.serialize_f64(*number),
            Tree::Text(text) => serializer.serialize_str(text),
            Tree::Bytes(bytes) => Binary(Bytes::copy_from_slice(bytes)).serialize(serializer),
            Tree::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                items.iter().try_for_each(|item| seq.serialize_element(item))?;
                seq.end()
            }
            Tree::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                entries.iter().try_for_each(|(key, value)| map.serialize_entry(key, value))?;
                map.end()
            }
        }
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    // Floats with a fractional part: integral ones go out as integers, as in JS.
    let fractional = any::<f64>().prop_filter("fractional", |f| f.is_finite() && f.fract() != 0.0);
    let leaf = prop_oneof![
        Just(Tree::Null),
        any::<bool>().prop_map(Tree::Bool),
        (i64::MIN..0).prop_map(Tree::Negative),
        any::<u64>().prop_map(Tree::Unsigned),
        fractional.prop_map(Tree::Float),
        ".{0,40}".prop_map(Tree::Text),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Tree::Bytes),
    ];
    leaf.prop_recursive(4, 48, 20, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..20).prop_map(Tree::List),
            proptest::collection::vec(("[a-z_]{0,40}", inner), 0..20).prop_map(Tree::Map),
        ]
    })
}

fn args() -> impl Strategy<Value = Args> {
    proptest::collection::vec(tree(), 0..6).prop_map(|items| Args::from_tuple(&items).unwrap())
}

fn namespace() -> impl Strategy<Value = String> {
    "/[a-z]{0,40}"
}

fn packet() -> impl Strategy<Value = Packet> {
    let reserved = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
    let name = ".{0,20}".prop_filter("reserved", move |name: &String| !reserved.contains(&name.as_str()));
    let object = proptest::collection::vec(("[a-z]{1,8}", ".{0,20}"), 0..4).prop_map(|entries| {
        let object: serde_json::Map<String, serde_json::Value> =
            entries.into_iter().map(|(key, value)| (key, serde_json::Value::String(value))).collect();
        Json::from_serialize(&object).unwrap()
    });
    prop_oneof![
        (namespace(), proptest::option::of(object.clone())).prop_map(|(ns, auth)| Packet::connect(ns, auth)),
        namespace().prop_map(Packet::disconnect),
        (namespace(), name, args(), proptest::option::of(any::<u64>()))
            .prop_map(|(ns, name, args, id)| Packet::event(ns, name, args, id)),
        (namespace(), any::<u64>(), args()).prop_map(|(ns, id, args)| Packet::ack(ns, id, args)),
        (namespace(), object).prop_map(|(ns, payload)| Packet::connect_error(ns, payload)),
        (namespace(), ".{0,20}")
            .prop_map(|(ns, message)| Packet::connect_error(ns, Json::from_serialize(&message).unwrap())),
    ]
}

proptest! {
    #[test]
    fn packets_survive_an_encode_decode_round_trip(packet in packet()) {
        let bytes = msgpack::encode(&packet).unwrap();
        prop_assert_eq!(msgpack::decode(&bytes), Ok(packet));
    }

    #[test]
    fn encoding_a_decoded_packet_gives_the_same_bytes(packet in packet()) {
        let bytes = msgpack::encode(&packet).unwrap();
        let decoded = msgpack::decode(&bytes).unwrap();
        prop_assert_eq!(msgpack::encode(&decoded).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = msgpack::decode(&Bytes::from(bytes));
    }

    #[test]
    fn damaged_packets_never_panic(packet in packet(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut bytes = msgpack::encode(&packet).unwrap().to_vec();
        let at = at.index(bytes.len());
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] = byte;
        }
        let _ = msgpack::decode(&Bytes::from(bytes));
    }
}

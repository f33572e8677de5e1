//! The golden packets of `tests/data/msgpack`, captured from the real
//! `socket.io-msgpack-parser` 3.0.2 (see its README).
#![cfg(feature = "msgpack")]

use std::path::PathBuf;

use bytes::Bytes;
use serde_json::Value;
use socketio_proto::msgpack::{self, DecodeError};
use socketio_proto::{EventName, Packet, PacketData};

struct Vector {
    name: String,
    bytes: Bytes,
    entry: Value,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/msgpack")
}

fn vectors() -> Vec<Vector> {
    let manifest = std::fs::read(data_dir().join("manifest.json")).expect("manifest.json");
    let entries: Vec<Value> = serde_json::from_slice(&manifest).expect("manifest is JSON");
    entries
        .into_iter()
        .map(|entry| {
            let name = entry["name"].as_str().expect("name").to_owned();
            let bytes = std::fs::read(data_dir().join(entry["file"].as_str().expect("file"))).expect("vector file");
            assert_eq!(hex(&bytes), entry["hex"].as_str().expect("hex"), "{name}: file and hex differ");
            Vector { name, bytes: Bytes::from(bytes), entry }
        })
        .collect()
}

fn accepted() -> impl Iterator<Item = Vector> {
    vectors().into_iter().filter(|vector| vector.entry.get("expected").is_some())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Checks `packet` against the manifest's description of it.
fn assert_matches(name: &str, packet: &Packet, expected: &Value) {
    assert_eq!(packet.namespace.as_str(), expected["nsp"].as_str().expect("nsp"), "{name}: namespace");
    let id = expected["id"].as_u64();
    let args = match &packet.data {
        PacketData::Connect(payload) => {
            assert_eq!(expected["type"], 0, "{name}: type");
            assert_eq!(payload.as_ref().map(|json| json.as_str()), expected["connect"].as_str(), "{name}: payload");
            None
        }
        PacketData::Disconnect => {
            assert_eq!(expected["type"], 1, "{name}: type");
            None
        }
        PacketData::ConnectError(payload) => {
            assert_eq!(expected["type"], 4, "{name}: type");
            assert_eq!(Some(payload.as_str()), expected["connect_error"].as_str(), "{name}: payload");
            None
        }
        PacketData::Event(event) => {
            assert_eq!(expected["type"], 2, "{name}: type");
            let (kind, text) = match &event.name {
                EventName::Text(text) => ("text", text.as_str()),
                EventName::Number(text) => ("number", text.as_str()),
            };
            assert_eq!(expected["event_name"][kind].as_str(), Some(text), "{name}: event name");
            assert_eq!(event.ack_id, id, "{name}: ack id");
            Some(&event.arguments)
        }
        PacketData::Ack(ack) => {
            assert_eq!(expected["type"], 3, "{name}: type");
            assert_eq!(Some(ack.id), id, "{name}: ack id");
            Some(&ack.arguments)
        }
    };
    if let Some(args) = args {
        assert_eq!(args.json().as_str(), expected["args_json"].as_str().expect("args_json"), "{name}: arguments");
        let attachments: Vec<String> = args.attachments().iter().map(|bytes| hex(bytes)).collect();
        let expected: Vec<&str> =
            expected["attachments"].as_array().expect("attachments").iter().filter_map(Value::as_str).collect();
        assert_eq!(attachments, expected, "{name}: attachments");
    }
}

#[test]
fn every_accepted_golden_packet_decodes_into_the_described_packet() {
    let mut count = 0;
    for vector in accepted() {
        let packet = msgpack::decode(&vector.bytes).unwrap_or_else(|error| panic!("{}: {error}", vector.name));
        assert_matches(&vector.name, &packet, &vector.entry["expected"]);
        count += 1;
    }
    assert!(count >= 20, "only {count} golden packets");
}

#[test]
fn encoding_reproduces_the_npm_bytes_where_the_key_order_is_the_reference_servers() {
    let identical = accepted().filter(|vector| vector.entry["byte_identical"] == true);
    let mut count = 0;
    for vector in identical {
        let packet = msgpack::decode(&vector.bytes).unwrap_or_else(|error| panic!("{}: {error}", vector.name));
        let encoded = msgpack::encode(&packet).unwrap_or_else(|error| panic!("{}: {error}", vector.name));
        assert_eq!(hex(&encoded), hex(&vector.bytes), "{}", vector.name);
        count += 1;
    }
    assert!(count >= 15, "only {count} byte-identical golden packets");
}

#[test]
fn every_accepted_golden_packet_survives_an_encode_decode_round_trip() {
    for vector in accepted() {
        let packet = msgpack::decode(&vector.bytes).unwrap_or_else(|error| panic!("{}: {error}", vector.name));
        let encoded = msgpack::encode(&packet).unwrap_or_else(|error| panic!("{}: {error}", vector.name));
        assert_eq!(msgpack::decode(&encoded).as_ref(), Ok(&packet), "{}", vector.name);
    }
}

#[test]
fn refused_golden_packets_fail_with_the_documented_error() {
    let refused: Vec<Vector> = vectors().into_iter().filter(|vector| vector.entry.get("error").is_some()).collect();
    assert!(!refused.is_empty());
    for vector in refused {
        let error = msgpack::decode(&vector.bytes).expect_err(&vector.name);
        let kind = match error {
            DecodeError::UnsupportedExtension { .. } => "unsupported_extension",
            DecodeError::NonFiniteFloat { .. } => "non_finite_float",
            other => panic!("{}: unexpected {other:?}", vector.name),
        };
        assert_eq!(vector.entry["error"], kind, "{}", vector.name);
    }
}

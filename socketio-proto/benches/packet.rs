//! Decode and encode of EVENT packets, ours against socketioxide's common
//! parser (`socketioxide-parser-common`), on the same inputs.
//!
//! Run: `cargo bench -p socketio-proto --bench packet`. The machine may be
//! noisy: compare ours and theirs from the same run.
//!
//! Decoding is measured up to the point a server can route the packet: type,
//! namespace, ack id and event name known. socketioxide's `decode_str` does
//! not look into the JSON at all, so its routing figure adds `read_event`
//! (serde_json reads the name and skips — that is, checks — the rest of the
//! array); ours validates the whole payload in one pass. `*_and_args` adds
//! deserializing the arguments into a user type on both sides (ours then reads
//! the JSON twice: once to validate, once to deserialize).
//!
//! Encoding starts from the same user value and event name on both sides and
//! ends with the wire text (plus attachments):
//! - `*_ours`: the two-step path, `Args` built from the value, then
//!   `Packet::event(…).encode()`.
//! - `*_direct_ours`: `Encoded::event(…).arg(value)…finish()`, serializing
//!   straight into the message buffer.
//! - `*_socketioxide`: `encode_value(&(value,), Some(event))` then
//!   `encode(Packet::event(…))`.
//!
//! socketioxide serializes the user value with serde_json; ours uses its own
//! compact JSON serializer (`json_writer`), whose output is byte-identical
//! to `serde_json::to_string` (proptested in `tests/json_writer.rs`), writing
//! straight into the message buffer; floats it cannot prove short digits for
//! are formatted by serde_json. `kib_serde_json_only` shows serde_json's
//! work alone. `kib_hard_*` uses values that miss the writer's fast paths
//! (strings needing escapes, longer than 16 bytes, full-precision floats).
//! `small_alloc_floor` is the allocation work any encoder that writes into a
//! growable buffer and returns shared `Bytes` pays (buffer + shared header).
//! Broadcasts are bounded below by one reference-count increment and
//! decrement per receiver (`text_1000_refcount_floor`).

use bytes::Bytes;
use divan::{black_box, Bencher};
use engineio_proto::{Message, Str};
use socketio_proto::{Args, Binary, Decoder, Encoded, Packet, PacketData, ProtocolVersion};

use socketioxide_core::parser::{Parse, ParseConfig, ParserState};
use socketioxide_parser_common::CommonParser;

fn main() {
    divan::main();
}

const SMALL: &str = r#"2["msg","hello"]"#;
const BINARY_HEADER: &str = r#"51-["msg",{"_placeholder":true,"num":0}]"#;

/// About 1 KiB of JSON arguments: a list of small records.
fn kib_records() -> Vec<Record> {
    (0..19)
        .map(|id| Record { id, name: format!("user-{id}"), tags: vec!["a".into(), "bc".into()], score: 1.5 })
        .collect()
}

/// About 1 KiB of arguments off the writer's fast paths: names with quotes
/// and newlines, a long tag, floats with all 17 digits.
fn kib_hard_records() -> Vec<Record> {
    (0..10)
        .map(|id| Record {
            id,
            name: format!("user \"{id}\"\nline"),
            tags: vec!["a tag longer than sixteen bytes".into(), "é".into()],
            score: f64::from(id) / 7.0 + 0.1,
        })
        .collect()
}

#[derive(serde::Serialize, serde::Deserialize, Clone)]
struct Record {
    id: u32,
    name: String,
    tags: Vec<String>,
    score: f64,
}

fn kib_text() -> String {
    let text = format!("2[\"msg\",{}]", serde_json::to_string(&kib_records()).unwrap());
    assert!((1000..1200).contains(&text.len()), "{}", text.len());
    text
}

fn blob() -> Bytes {
    Bytes::from(vec![0xa5u8; 4096])
}

fn route(packet: &Packet) -> usize {
    match &packet.data {
        PacketData::Event(event) => event.name.as_str().len(),
        _ => 0,
    }
}

mod decode {
    use super::*;

    #[divan::bench]
    fn small_ours(bencher: Bencher) {
        let text = Str::from_static(SMALL);
        bencher.bench_local(|| {
            let mut decoder = Decoder::new(ProtocolVersion::V5);
            let packet = decoder.decode_text(black_box(&text)).unwrap().unwrap();
            route(&packet)
        });
    }

    #[divan::bench]
    fn small_socketioxide(bencher: Bencher) {
        let config = ParseConfig::default();
        let text = socketioxide_core::Str::from(SMALL);
        bencher.bench_local(|| {
            let state = ParserState::default();
            let packet = CommonParser.decode_str(&config, &state, black_box(text.clone())).unwrap();
            read_event_len(packet)
        });
    }

    #[divan::bench]
    fn kib_ours(bencher: Bencher) {
        let text = Str::from(kib_text());
        bencher.bench_local(|| {
            let mut decoder = Decoder::new(ProtocolVersion::V5);
            let packet = decoder.decode_text(black_box(&text)).unwrap().unwrap();
            route(&packet)
        });
    }

    #[divan::bench]
    fn kib_socketioxide(bencher: Bencher) {
        let config = ParseConfig::default();
        let text = socketioxide_core::Str::from(kib_text());
        bencher.bench_local(|| {
            let state = ParserState::default();
            let packet = CommonParser.decode_str(&config, &state, black_box(text.clone())).unwrap();
            read_event_len(packet)
        });
    }

    #[divan::bench]
    fn kib_and_args_ours(bencher: Bencher) {
        let text = Str::from(kib_text());
        bencher.bench_local(|| {
            let mut decoder = Decoder::new(ProtocolVersion::V5);
            let packet = decoder.decode_text(black_box(&text)).unwrap().unwrap();
            let PacketData::Event(event) = &packet.data else { unreachable!() };
            let (records,): (Vec<Record>,) = event.args().unwrap();
            records.len()
        });
    }

    #[divan::bench]
    fn kib_and_args_socketioxide(bencher: Bencher) {
        let config = ParseConfig::default();
        let text = socketioxide_core::Str::from(kib_text());
        bencher.bench_local(|| {
            let state = ParserState::default();
            let packet = CommonParser.decode_str(&config, &state, black_box(text.clone())).unwrap();
            let socketioxide_core::packet::PacketData::Event(mut value, _) = packet.inner else { unreachable!() };
            let (records,): (Vec<Record>,) = CommonParser.decode_value(&mut value, true).unwrap();
            records.len()
        });
    }

    #[divan::bench]
    fn binary_4k_ours(bencher: Bencher) {
        let header = Str::from_static(BINARY_HEADER);
        let blob = blob();
        bencher.bench_local(|| {
            let mut decoder = Decoder::new(ProtocolVersion::V5);
            assert!(decoder.decode_text(black_box(&header)).unwrap().is_none());
            let packet = decoder.decode_binary(black_box(blob.clone())).unwrap().unwrap();
            route(&packet)
        });
    }

    #[divan::bench]
    fn binary_4k_socketioxide(bencher: Bencher) {
        let config = ParseConfig::default();
        let header = socketioxide_core::Str::from(BINARY_HEADER);
        let blob = blob();
        bencher.bench_local(|| {
            let state = ParserState::default();
            assert!(CommonParser.decode_str(&config, &state, black_box(header.clone())).is_err());
            let packet = CommonParser.decode_bin(&config, &state, black_box(blob.clone())).unwrap();
            read_event_len(packet)
        });
    }

    fn read_event_len(packet: socketioxide_core::packet::Packet) -> usize {
        use socketioxide_core::packet::PacketData;
        match &packet.inner {
            PacketData::Event(value, _) | PacketData::BinaryEvent(value, _) => {
                CommonParser.read_event(value).unwrap().len()
            }
            _ => 0,
        }
    }
}

mod encode {
    use super::*;

    #[divan::bench]
    fn small_ours() -> (Packet, Encoded) {
        let args = Args::builder().arg(black_box("hello")).unwrap().build();
        let packet = Packet::event("/", "msg", args, None);
        let encoded = packet.encode();
        (packet, encoded)
    }

    #[divan::bench]
    fn small_direct_ours() -> Encoded {
        Encoded::event("/", "msg", None).arg(black_box("hello")).unwrap().finish()
    }

    #[divan::bench]
    fn small_socketioxide() -> socketioxide_core::Value {
        let value = CommonParser.encode_value(black_box(&("hello",)), Some("msg")).unwrap();
        CommonParser.encode(socketioxide_core::packet::Packet::event("/", value))
    }

    #[divan::bench]
    fn kib_ours(bencher: Bencher) {
        let records = kib_records();
        bencher.bench_local(|| {
            let args = Args::builder().arg(black_box(&records)).unwrap().build();
            Packet::event("/", "msg", args, None).encode()
        });
    }

    #[divan::bench]
    fn kib_direct_ours(bencher: Bencher) {
        let records = kib_records();
        bencher.bench_local(|| Encoded::event("/", "msg", None).arg(black_box(&records)).unwrap().finish());
    }

    #[divan::bench]
    fn kib_socketioxide(bencher: Bencher) {
        let records = kib_records();
        bencher.bench_local(|| {
            let value = CommonParser.encode_value(black_box(&(&records,)), Some("msg")).unwrap();
            CommonParser.encode(socketioxide_core::packet::Packet::event("/", value))
        });
    }

    #[divan::bench]
    fn kib_hard_ours(bencher: Bencher) {
        let records = kib_hard_records();
        bencher.bench_local(|| {
            let args = Args::builder().arg(black_box(&records)).unwrap().build();
            Packet::event("/", "msg", args, None).encode()
        });
    }

    #[divan::bench]
    fn kib_hard_direct_ours(bencher: Bencher) {
        let records = kib_hard_records();
        bencher.bench_local(|| Encoded::event("/", "msg", None).arg(black_box(&records)).unwrap().finish());
    }

    #[divan::bench]
    fn kib_hard_socketioxide(bencher: Bencher) {
        let records = kib_hard_records();
        bencher.bench_local(|| {
            let value = CommonParser.encode_value(black_box(&(&records,)), Some("msg")).unwrap();
            CommonParser.encode(socketioxide_core::packet::Packet::event("/", value))
        });
    }

    /// The allocation floor of `small_direct_ours`: a buffer of the same
    /// capacity, the same 16 bytes copied in, turned into `Bytes` (a
    /// partially filled vector needs a second allocation for the shared
    /// header), no serialization at all.
    #[divan::bench]
    fn small_alloc_floor() -> Bytes {
        let mut text = Vec::with_capacity(22 + 3 + 64);
        text.extend_from_slice(black_box(SMALL.as_bytes()));
        Bytes::from(text)
    }

    /// Serializing the user value alone (what both sides spend most of the
    /// `kib_*` time on): serde_json, no packet.
    #[divan::bench]
    fn kib_serde_json_only(bencher: Bencher) {
        let records = kib_records();
        bencher.bench_local(|| serde_json::to_vec(black_box(&(&records,))).unwrap());
    }

    /// A top-level binary argument handed over as `Bytes` (no copy).
    #[divan::bench]
    fn binary_4k_ours(bencher: Bencher) {
        let blob = blob();
        bencher.bench_local(|| {
            let args = Args::builder().binary(black_box(blob.clone())).build();
            let encoded = Packet::event("/", "msg", args, None).encode();
            encoded.messages().count()
        });
    }

    #[divan::bench]
    fn binary_4k_direct_ours(bencher: Bencher) {
        let blob = blob();
        bencher.bench_local(|| {
            let encoded = Encoded::event("/", "msg", None).binary(black_box(blob.clone())).finish();
            encoded.messages().count()
        });
    }

    /// A binary value inside a serialized value: serde hands over `&[u8]`,
    /// so the bytes are copied, as on socketioxide's side.
    #[divan::bench]
    fn binary_4k_nested_ours(bencher: Bencher) {
        let blob = Binary(blob());
        bencher.bench_local(|| {
            let args = Args::from_tuple(&(black_box(&blob),)).unwrap();
            let encoded = Packet::event("/", "msg", args, None).encode();
            encoded.messages().count()
        });
    }

    /// socketioxide takes the `Bytes` through serde (`&[u8]`) and copies it.
    #[divan::bench]
    fn binary_4k_socketioxide(bencher: Bencher) {
        let blob = blob();
        bencher.bench_local(|| {
            let value = CommonParser.encode_value(black_box(&(&blob,)), Some("msg")).unwrap();
            match CommonParser.encode(socketioxide_core::packet::Packet::event("/", value)) {
                socketioxide_core::Value::Str(_, bins) => 1 + bins.map_or(0, |bins| bins.len()),
                socketioxide_core::Value::Bytes(_) => 1,
            }
        });
    }
}

/// A broadcast to 1000 receivers, the way both servers do it: encode once,
/// then give each receiver its own copy of the encoded messages (a clone
/// sharing the storage). socketioxide's `LocalAdapter::broadcast` encodes
/// once and `send_many` clones the `Value` per socket; here each receiver is
/// an outbox vector, cleared before each round, so the figure is one encode
/// plus 1000 × (clone + drop of the previous round's messages).
mod broadcast {
    use super::*;

    const RECEIVERS: usize = 1000;

    fn outboxes<T>() -> Vec<Vec<T>> {
        (0..RECEIVERS).map(|_| Vec::with_capacity(2)).collect()
    }

    #[divan::bench]
    fn text_1000_ours(bencher: Bencher) {
        let mut outboxes: Vec<Vec<Message>> = outboxes();
        bencher.bench_local(|| {
            let encoded = Encoded::event("/", "msg", None).arg(black_box("hello")).unwrap().finish();
            for outbox in &mut outboxes {
                outbox.clear();
                outbox.extend(encoded.messages());
            }
        });
    }

    #[divan::bench]
    fn text_1000_socketioxide(bencher: Bencher) {
        let mut outboxes: Vec<Vec<socketioxide_core::Value>> = outboxes();
        bencher.bench_local(|| {
            let value = CommonParser.encode_value(black_box(&("hello",)), Some("msg")).unwrap();
            let encoded = CommonParser.encode(socketioxide_core::packet::Packet::event("/", value));
            for outbox in &mut outboxes {
                outbox.clear();
                outbox.push(encoded.clone());
            }
        });
    }

    /// The floor of any shared-storage broadcast: per receiver, one
    /// reference-count increment (clone) and one decrement (drop of the
    /// previous round's copy), no encoding at all.
    #[divan::bench]
    fn text_1000_refcount_floor(bencher: Bencher) {
        let text = Bytes::from(SMALL.as_bytes().to_vec());
        let mut outboxes: Vec<Vec<Bytes>> = outboxes();
        bencher.bench_local(|| {
            let text = black_box(&text);
            for outbox in &mut outboxes {
                outbox.clear();
                outbox.push(text.clone());
            }
        });
    }

    /// With one 4 KiB attachment: ours shares the attachment list
    /// (`Arc<[Bytes]>`); socketioxide's `Value` owns a `VecDeque<Bytes>`,
    /// which each clone copies.
    #[divan::bench]
    fn binary_4k_1000_ours(bencher: Bencher) {
        let blob = blob();
        let mut outboxes: Vec<Vec<Message>> = outboxes();
        bencher.bench_local(|| {
            let encoded = Encoded::event("/", "msg", None).binary(black_box(blob.clone())).finish();
            for outbox in &mut outboxes {
                outbox.clear();
                outbox.extend(encoded.messages());
            }
        });
    }

    #[divan::bench]
    fn binary_4k_1000_socketioxide(bencher: Bencher) {
        let blob = blob();
        let mut outboxes: Vec<Vec<socketioxide_core::Value>> = outboxes();
        bencher.bench_local(|| {
            let value = CommonParser.encode_value(black_box(&(&blob,)), Some("msg")).unwrap();
            let encoded = CommonParser.encode(socketioxide_core::packet::Packet::event("/", value));
            for outbox in &mut outboxes {
                outbox.clear();
                outbox.push(encoded.clone());
            }
        });
    }
}

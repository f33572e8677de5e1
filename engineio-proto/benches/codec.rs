//! Throughput of the engineio-proto codecs: message packets as WebSocket frames
//! and polling payloads (v4, and v3 text). Counters are bytes on the wire.
//!
//! Run with `cargo bench -p engineio-proto`. Under `cargo test --benches` each
//! benchmark runs once, as a smoke test.

use std::fmt;

use bytes::Bytes;
use divan::counter::BytesCount;
use divan::Bencher;
use engineio_proto::payload::{self, PayloadFormat};
use engineio_proto::{DecodeError, Frame, Packet, ProtocolVersion, Str};

fn main() {
    divan::main();
}

/// Printable ASCII text of exactly `len` bytes (a JSON-looking Socket.IO event).
fn text_of_len(len: usize) -> Str {
    let pattern = br#"2["chat",{"from":"alice","text":"hello, world"}]"#;
    let text: String = pattern.iter().cycle().take(len).map(|&byte| char::from(byte)).collect();
    Str::from(text)
}

/// `len` bytes covering every byte value.
fn binary_of_len(len: usize) -> Bytes {
    (0..len).map(|index| (index % 256) as u8).collect::<Vec<u8>>().into()
}

/// A message packet sent as one WebSocket frame.
#[derive(Clone, Copy)]
enum FrameCase {
    Text64B,
    Text1KiB,
    Binary4KiB,
}

const FRAME_CASES: [FrameCase; 3] = [FrameCase::Text64B, FrameCase::Text1KiB, FrameCase::Binary4KiB];

impl FrameCase {
    fn packet(self) -> Packet {
        match self {
            FrameCase::Text64B => Packet::text(text_of_len(64)),
            FrameCase::Text1KiB => Packet::text(text_of_len(1024)),
            FrameCase::Binary4KiB => Packet::binary(binary_of_len(4096)),
        }
    }
}

impl fmt::Display for FrameCase {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            FrameCase::Text64B => "text_64B",
            FrameCase::Text1KiB => "text_1KiB",
            FrameCase::Binary4KiB => "binary_4KiB",
        })
    }
}

fn frame_len(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.len(),
        Frame::Binary(bytes) => bytes.len(),
    }
}

/// Message packets as Engine.IO v4 WebSocket frames.
mod frame {
    use super::*;

    #[divan::bench(args = FRAME_CASES)]
    fn decode(bencher: Bencher, case: FrameCase) {
        let frame = case.packet().into_frame(ProtocolVersion::V4);
        bencher
            .counter(BytesCount::new(frame_len(&frame)))
            .with_inputs(|| frame.clone())
            .bench_values(|frame| Packet::decode_frame(ProtocolVersion::V4, frame));
    }

    #[divan::bench(args = FRAME_CASES)]
    fn encode(bencher: Bencher, case: FrameCase) {
        let packet = case.packet();
        let wire_len = frame_len(&packet.clone().into_frame(ProtocolVersion::V4));
        bencher
            .counter(BytesCount::new(wire_len))
            .with_inputs(|| packet.clone())
            .bench_values(|packet| packet.into_frame(ProtocolVersion::V4));
    }
}

/// The packets of one polling request or response body.
#[derive(Clone, Copy)]
enum PayloadCase {
    /// Ten 64-byte text messages.
    Text10x64B,
    /// One 4 KiB binary message, base64 in text payloads.
    Binary4KiB,
}

const PAYLOAD_CASES: [PayloadCase; 2] = [PayloadCase::Text10x64B, PayloadCase::Binary4KiB];

impl PayloadCase {
    fn packets(self) -> Vec<Packet> {
        match self {
            PayloadCase::Text10x64B => (0..10).map(|_| Packet::text(text_of_len(64))).collect(),
            PayloadCase::Binary4KiB => vec![Packet::binary(binary_of_len(4096))],
        }
    }
}

impl fmt::Display for PayloadCase {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            PayloadCase::Text10x64B => "text_10x64B",
            PayloadCase::Binary4KiB => "binary_4KiB",
        })
    }
}

fn bench_payload_decode(bencher: Bencher, format: PayloadFormat, case: PayloadCase) {
    let body = payload::encode(format, &case.packets());
    bencher
        .counter(BytesCount::new(body.len()))
        .with_inputs(|| body.clone())
        .bench_values(|body| payload::decode(format, body).collect::<Result<Vec<Packet>, DecodeError>>());
}

fn bench_payload_encode(bencher: Bencher, format: PayloadFormat, case: PayloadCase) {
    let packets = case.packets();
    let wire_len = payload::encode(format, &packets).len();
    bencher.counter(BytesCount::new(wire_len)).bench(|| payload::encode(format, divan::black_box(&packets)));
}

/// Engine.IO v4 polling payloads: `\x1e`-separated records, binary as `b<base64>`.
mod v4_payload {
    use super::*;

    #[divan::bench(args = PAYLOAD_CASES)]
    fn decode(bencher: Bencher, case: PayloadCase) {
        bench_payload_decode(bencher, PayloadFormat::V4, case);
    }

    #[divan::bench(args = PAYLOAD_CASES)]
    fn encode(bencher: Bencher, case: PayloadCase) {
        bench_payload_encode(bencher, PayloadFormat::V4, case);
    }
}

/// Engine.IO v3 text polling payloads: `<length>:<packet>` records, binary as `b4<base64>`.
mod v3_text_payload {
    use super::*;

    #[divan::bench(args = PAYLOAD_CASES)]
    fn decode(bencher: Bencher, case: PayloadCase) {
        bench_payload_decode(bencher, PayloadFormat::V3Text, case);
    }

    #[divan::bench(args = PAYLOAD_CASES)]
    fn encode(bencher: Bencher, case: PayloadCase) {
        bench_payload_encode(bencher, PayloadFormat::V3Text, case);
    }
}

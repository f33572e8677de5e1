//! Invariants shared by the fuzz targets in `fuzz_targets/`.
//!
//! Each codec target feeds arbitrary input to a codec of `engineio-proto` or
//! `socketio-proto` and checks properties that must hold for every input, not
//! only that nothing panics: decoded packets re-encode and decode to
//! themselves, lengths agree with what is written, and decoders stop at the
//! first error. The machine targets ([`server_session`], [`client_session`])
//! drive a session with an arbitrary sequence of inputs and check its promises
//! after every step.
#![deny(missing_docs)]

pub mod client_session;
pub mod server_session;
pub mod sio_client;
pub mod sio_server;
pub mod sio_wire;
pub mod socketio;
pub mod wire;

use bytes::Bytes;
use engineio_proto::payload::{self, PayloadFormat};
use engineio_proto::{DecodeError, Packet, ProtocolVersion};

/// Both protocol revisions, for checks that must hold in each.
pub const PROTOCOLS: [ProtocolVersion; 2] = [ProtocolVersion::V3, ProtocolVersion::V4];

/// Checks that `packet` survives a WebSocket frame round trip in `protocol`,
/// and that a text frame is exactly as long as [`Packet::text_len`] says.
pub fn assert_frame_round_trip(protocol: ProtocolVersion, packet: &Packet) {
    let frame = packet.clone().into_frame(protocol);
    if let engineio_proto::Frame::Text(text) = &frame {
        assert_eq!(text.len(), packet.text_len(protocol), "text_len disagrees with the frame of {packet:?}");
    }
    let decoded = Packet::decode_frame(protocol, frame.clone())
        .unwrap_or_else(|error| panic!("frame {frame:?} of {packet:?} does not decode: {error}"));
    assert_eq!(&decoded, packet, "frame {frame:?} decodes to another packet");
}

/// Decodes `body` in `format` and checks the payload invariants:
///
/// - the decoder yields at most `body.len() + 1` items and nothing after an error;
/// - the packets decoded before any error encode to exactly
///   [`payload::encoded_len`] bytes, and that body decodes back to the same packets;
/// - each of those packets also round-trips through a WebSocket frame.
pub fn assert_payload_invariants(format: PayloadFormat, body: &[u8]) {
    let mut packets = Vec::new();
    let mut error: Option<DecodeError> = None;
    let mut items = 0usize;
    for item in payload::decode(format, Bytes::copy_from_slice(body)) {
        items += 1;
        assert!(error.is_none(), "the decoder yielded {item:?} after the error {error:?}");
        match item {
            Ok(packet) => packets.push(packet),
            Err(decode_error) => error = Some(decode_error),
        }
    }
    assert!(items <= body.len() + 1, "{items} items from a body of {} bytes", body.len());
    assert!(items > 0, "a body always yields at least one item (an empty body is an error)");

    if packets.is_empty() {
        return;
    }
    let encoded = payload::encode(format, &packets);
    assert_eq!(encoded.len(), payload::encoded_len(format, &packets), "encoded_len disagrees with encode");
    let redecoded: Result<Vec<Packet>, DecodeError> = payload::decode(format, encoded.clone()).collect();
    match redecoded {
        Ok(redecoded) => assert_eq!(redecoded, packets, "re-encoded body {encoded:?} decodes to other packets"),
        Err(redecode_error) => panic!("re-encoded body {encoded:?} of {packets:?} does not decode: {redecode_error}"),
    }
    assert_eq!(
        payload::fitting_prefix(format, &packets, encoded.len()),
        packets.len(),
        "all packets must fit in a body as long as their encoding"
    );
    let protocol = match format {
        PayloadFormat::V4 => ProtocolVersion::V4,
        PayloadFormat::V3Text | PayloadFormat::V3Binary => ProtocolVersion::V3,
    };
    for packet in &packets {
        assert_frame_round_trip(protocol, packet);
    }
}

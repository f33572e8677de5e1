//! WebSocket frames of both protocols: a v4 binary frame is always a binary
//! message, a v3 binary frame is a packet behind a raw type byte, a text frame
//! decodes like the text form, and every decoded packet round-trips.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use engineio_proto::{Frame, Message, Packet, ProtocolVersion, Str};
use libfuzzer_sys::fuzz_target;

/// One frame as a WebSocket library would deliver it.
#[derive(Debug, Arbitrary)]
struct FrameInput {
    v3: bool,
    text: bool,
    data: Vec<u8>,
}

fuzz_target!(|input: FrameInput| {
    let protocol = if input.v3 { ProtocolVersion::V3 } else { ProtocolVersion::V4 };
    let data = Bytes::from(input.data);
    let frame = if input.text {
        match Str::from_utf8(data.clone()) {
            Ok(text) => Frame::Text(text),
            Err(_) => return,
        }
    } else {
        Frame::Binary(data.clone())
    };
    let decoded = Packet::decode_frame(protocol, frame.clone());
    match (&frame, protocol) {
        (Frame::Text(text), _) => assert_eq!(decoded, Packet::decode_text(text.clone()), "text frames decode as text"),
        (Frame::Binary(_), ProtocolVersion::V4) => {
            assert_eq!(decoded, Ok(Packet::Message(Message::Binary(data.clone()))), "v4 binary frames are messages")
        }
        (Frame::Binary(_), ProtocolVersion::V3) => {
            let type_byte = data.first().copied();
            assert_eq!(decoded.is_ok(), matches!(type_byte, Some(1..=6)), "v3 binary frame type byte {type_byte:?}");
            if type_byte == Some(4) {
                assert_eq!(decoded, Ok(Packet::Message(Message::Binary(data.slice(1..)))));
            }
        }
    }
    if let Ok(packet) = decoded {
        engineio_fuzz::assert_frame_round_trip(protocol, &packet);
    }
});

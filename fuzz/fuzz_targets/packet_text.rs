//! The text form of a packet (`<type digit>[<data>]`, WebSocket text frames):
//! decoding never panics, a decoded message keeps its text byte for byte, and
//! every decoded packet round-trips through a frame in both protocols.
#![no_main]

use bytes::Bytes;
use engineio_proto::{Message, Packet, Str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = Str::from_utf8(Bytes::copy_from_slice(data)) else {
        return;
    };
    match Packet::decode_text(text.clone()) {
        Ok(packet) => {
            assert_eq!(packet.packet_type().digit(), data[0], "decoded type differs from the type digit");
            if let Packet::Message(message) = &packet {
                assert_eq!(message, &Message::Text(text.slice_from(1).expect("a decoded packet has a type digit")));
            }
            for protocol in engineio_fuzz::PROTOCOLS {
                engineio_fuzz::assert_frame_round_trip(protocol, &packet);
            }
        }
        Err(_) => {
            // Only an empty text, an unknown type or a bad open packet is rejected.
            assert!(data.first().is_none_or(|&first| first == b'0' || !(b'0'..=b'6').contains(&first)));
        }
    }
});

//! Socket.IO text packets in both protocol revisions: what decodes re-encodes
//! and decodes to an equal packet (see `engineio_fuzz::socketio`).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

/// One text message, the attachment limit, and the attachments to complete
/// a binary packet with.
#[derive(Debug, Arbitrary)]
struct TextInput {
    max_attachments: u8,
    attachments: Vec<Vec<u8>>,
    text: String,
}

fuzz_target!(|input: TextInput| {
    for version in engineio_fuzz::socketio::VERSIONS {
        let limit = usize::from(input.max_attachments);
        engineio_fuzz::socketio::check_text_round_trip(version, &input.text, limit, &input.attachments);
    }
});

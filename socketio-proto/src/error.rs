//! Errors of decoding Socket.IO packets.

use alloc::string::String;

use crate::packet::PacketType;

/// Why text or bytes from a peer are not a valid Socket.IO packet.
///
/// Offsets count bytes from the start of the Socket.IO packet text (the
/// Engine.IO message, without the Engine.IO `4` prefix). A server answers
/// every variant by closing the connection, as the reference server does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The packet text is empty.
    #[error("empty packet")]
    EmptyPacket,
    /// The first character is not a packet type digit `0`..`6`.
    #[error("unknown packet type {byte:#04x} at offset 0")]
    UnknownPacketType {
        /// The offending byte.
        byte: u8,
    },
    /// A binary packet's attachment count is missing, not a number, zero, or
    /// not followed by `-`.
    #[error("invalid attachment count at offset {offset}")]
    InvalidAttachmentCount {
        /// Where the count should start.
        offset: usize,
    },
    /// A binary packet announces more attachments than the decoder accepts.
    #[error("{count} attachments announced, the limit is {limit}")]
    TooManyAttachments {
        /// The announced count.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The attachments of a binary packet add up to more bytes than allowed.
    #[error("attachments exceed {limit} bytes")]
    AttachmentsTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The acknowledgement id does not fit in a `u64`.
    #[error("acknowledgement id out of range at offset {offset}")]
    AckIdOutOfRange {
        /// Where the id starts.
        offset: usize,
    },
    /// A packet type that takes no acknowledgement id carries one.
    #[error("{packet_type:?} packet carries an acknowledgement id at offset {offset}")]
    UnexpectedAckId {
        /// The packet's type.
        packet_type: PacketType,
        /// Where the id starts.
        offset: usize,
    },
    /// An ACK packet has no acknowledgement id. The reference parsers take
    /// it and every reference peer ignores it (it answers no ack), and so
    /// does the [`Decoder`](crate::Decoder): only [`decode_text`](crate::decode_text)
    /// reports it, after checking the rest of the packet.
    #[error("ACK packet without acknowledgement id at offset {offset}")]
    MissingAckId {
        /// Where the id was expected.
        offset: usize,
        /// How many attachments the packet announced (a BINARY_ACK's binary
        /// messages still follow it).
        attachments: usize,
    },
    /// The payload is not well-formed JSON.
    #[error("invalid JSON at offset {offset}: {reason}")]
    InvalidJson {
        /// Approximate offset of the error.
        offset: usize,
        /// What the JSON parser said.
        reason: String,
    },
    /// The packet type requires a payload and there is none.
    #[error("{packet_type:?} packet without payload at offset {offset}")]
    MissingPayload {
        /// The packet's type.
        packet_type: PacketType,
        /// Where the payload was expected (the end of the packet).
        offset: usize,
    },
    /// The payload is well-formed JSON of the wrong shape for the packet type.
    #[error("{packet_type:?} payload at offset {offset}: expected {expected}")]
    InvalidPayload {
        /// The packet's type.
        packet_type: PacketType,
        /// Where the payload (or the offending element) starts.
        offset: usize,
        /// What the packet type requires.
        expected: &'static str,
    },
    /// The event name is one the reference implementation reserves
    /// (`connect`, `connect_error`, `disconnect`, `disconnecting`,
    /// `newListener`, `removeListener`).
    #[error("reserved event name {name:?}")]
    ReservedEventName {
        /// The name.
        name: String,
    },
    /// A placeholder `{"_placeholder":true,"num":N}` does not name one of the
    /// announced attachments.
    #[error("invalid attachment placeholder in payload at offset {offset}")]
    InvalidPlaceholder {
        /// Offset of the payload that holds the placeholder.
        offset: usize,
    },
    /// A binary message arrived while no binary packet waits for attachments.
    #[error("got binary data when not reconstructing a packet")]
    UnexpectedBinary,
    /// A text message arrived while a binary packet still waits for attachments.
    #[error("got plaintext data when reconstructing a packet ({missing} attachments missing)")]
    UnexpectedText {
        /// How many attachments were still expected.
        missing: usize,
    },
}

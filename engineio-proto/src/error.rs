//! Errors of decoding Engine.IO packets and payloads.

use alloc::string::String;

/// Why bytes from a peer are not a valid Engine.IO packet or payload.
///
/// Every variant says where the problem is, so a log line points at the byte.
/// Decoding errors are the peer's fault: a server answers them by closing the
/// session with reason "parse error", never by panicking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A packet had no type character at all.
    #[error("empty packet at offset {offset}")]
    EmptyPacket {
        /// Offset of the packet in the payload.
        offset: usize,
    },
    /// The packet type character or byte is not one of `0`..`6`.
    #[error("unknown packet type {byte:#04x} at offset {offset}")]
    UnknownPacketType {
        /// The offending type byte.
        byte: u8,
        /// Offset of the packet in the payload.
        offset: usize,
    },
    /// A text packet or payload is not valid UTF-8.
    #[error("invalid UTF-8 at offset {offset}")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// A binary packet in a text payload is not valid base64.
    #[error("invalid base64 at offset {offset}")]
    InvalidBase64 {
        /// Offset of the first invalid character.
        offset: usize,
    },
    /// The JSON of an open packet is malformed or misses a field.
    #[error("invalid open packet: {reason}")]
    InvalidOpenPacket {
        /// What serde_json said.
        reason: String,
    },
    /// A length prefix of a v3 payload is missing, not a number, or too long.
    #[error("invalid length prefix at offset {offset}")]
    InvalidLength {
        /// Offset of the length prefix.
        offset: usize,
    },
    /// A v3 payload announces more data than it holds.
    #[error("payload truncated at offset {offset}: {missing} more units announced")]
    Truncated {
        /// Offset of the packet whose length overran the payload.
        offset: usize,
        /// How many units (bytes or UTF-16 code units) are missing.
        missing: usize,
    },
    /// A payload holds more packets than the configured limit allows.
    #[error("payload holds more than {limit} packets")]
    TooManyPackets {
        /// The configured limit.
        limit: usize,
    },
}

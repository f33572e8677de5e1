//! Errors of the msgpack packet codec.

use alloc::string::String;

use crate::packet::PacketType;

/// Why bytes from a peer are not a Socket.IO packet of `socket.io-msgpack-parser`.
///
/// Offsets count bytes from the start of the Engine.IO message. Variants
/// marked *not representable* are well-formed msgpack that the JSON argument
/// model ([`crate::Args`], [`crate::Json`]) cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A text message: msgpack packets are binary messages.
    #[error("msgpack packets travel as binary messages, got text")]
    TextMessage,
    /// The bytes end inside a value.
    #[error("msgpack value truncated at offset {offset}")]
    Truncated {
        /// Where more bytes were needed.
        offset: usize,
    },
    /// The byte `0xc1`, which msgpack never uses.
    #[error("invalid msgpack marker {byte:#04x} at offset {offset}")]
    InvalidMarker {
        /// The offending byte.
        byte: u8,
        /// Where it is.
        offset: usize,
    },
    /// Bytes remain after the packet's value.
    #[error("{count} trailing bytes at offset {offset}")]
    TrailingBytes {
        /// How many bytes remain.
        count: usize,
        /// Where they start.
        offset: usize,
    },
    /// Arrays and maps nest deeper than [`super::MAX_DEPTH`].
    #[error("msgpack value nested deeper than {limit} at offset {offset}")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
        /// Where the limit was crossed.
        offset: usize,
    },
    /// A string is not UTF-8 (the JS parser would replace the bad bytes).
    #[error("msgpack string at offset {offset} is not UTF-8")]
    InvalidUtf8 {
        /// Where the string's bytes start.
        offset: usize,
    },
    /// *Not representable*: a map key that is not a string (JSON keys are strings).
    #[error("msgpack map key at offset {offset} is not a string")]
    NonStringKey {
        /// Where the key starts.
        offset: usize,
    },
    /// *Not representable*: NaN or an infinity (JSON has no such numbers).
    #[error("non-finite float at offset {offset}")]
    NonFiniteFloat {
        /// Where the float starts.
        offset: usize,
    },
    /// *Not representable*: an extension value other than `undefined`
    /// (fixext 1, type 0) and `ArrayBuffer` (ext 8/16/32, type 0), for example
    /// a JS `Date` (fixext 8, type 0).
    #[error("unsupported msgpack extension (type {ext_type}) at offset {offset}")]
    UnsupportedExtension {
        /// The extension type.
        ext_type: i8,
        /// Where the extension value starts.
        offset: usize,
    },
    /// The packet is not a msgpack map.
    #[error("the packet is not a msgpack map")]
    NotAMap,
    /// `type` is missing or not an integer from 0 (CONNECT) to 4
    /// (CONNECT_ERROR): the msgpack parser has no BINARY_EVENT or BINARY_ACK.
    #[error("invalid packet type")]
    InvalidPacketType,
    /// `nsp` is missing or not a string.
    #[error("invalid namespace")]
    InvalidNamespace,
    /// `data` has the wrong shape for the packet type.
    #[error("invalid {packet_type:?} payload: expected {expected}")]
    InvalidPayload {
        /// The packet's type.
        packet_type: PacketType,
        /// What the packet type requires.
        expected: &'static str,
    },
    /// `id` is not a non-negative integer below 2^64 (the JS parser also
    /// accepts negative integers; acknowledgement ids are never negative).
    #[error("invalid packet id")]
    InvalidAckId,
    /// An ACK packet has no `id`.
    #[error("ACK packet without id")]
    MissingAckId,
    /// The event name is one the reference implementation reserves, refused
    /// like [`crate::DecodeError::ReservedEventName`].
    #[error("reserved event name {name:?}")]
    ReservedEventName {
        /// The name.
        name: String,
    },
}

/// Why a [`crate::Packet`] cannot be encoded as msgpack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Arguments, a payload or a numeric event name are not well-formed JSON
    /// (possible with [`crate::ArgsBuilder::raw_json`]).
    #[error("invalid JSON in the packet: {reason}")]
    InvalidJson {
        /// What the JSON parser said.
        reason: String,
    },
    /// A placeholder `{"_placeholder":true,…}` whose `num` names no attachment.
    #[error("placeholder does not name one of the {attachments} attachments")]
    InvalidPlaceholder {
        /// How many attachments the arguments hold.
        attachments: usize,
    },
    /// A string, binary value, array or map longer than msgpack allows (2^32 - 1).
    #[error("value of length {length} too large for msgpack")]
    TooLarge {
        /// The length.
        length: usize,
    },
}

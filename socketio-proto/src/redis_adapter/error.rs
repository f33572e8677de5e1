//! Errors of the Redis adapter wire.

use alloc::string::String;

/// Why a message from another server cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The msgpack is malformed or holds what the JSON model cannot carry.
    #[error("adapter message: {0}")]
    Msgpack(#[from] crate::msgpack::DecodeError),
    /// The message starts with `{` but is not JSON.
    #[error("adapter message is not JSON: {reason}")]
    Json {
        /// What the JSON parser said.
        reason: String,
    },
    /// A field is missing or of the wrong kind.
    #[error("adapter message: {field} missing or not {expected}")]
    Malformed {
        /// The field (`uid`, `opts.rooms`, …).
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// A request `type` this wire does not know.
    #[error("adapter request of unknown type {request_type}")]
    UnknownType {
        /// The type number received.
        request_type: u64,
    },
    /// A known message form this implementation does not serve.
    #[error("adapter message not supported: {what}")]
    Unsupported {
        /// Which form.
        what: &'static str,
    },
}

/// Why a message cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The arguments or a JSON value could not be written as msgpack.
    #[error("adapter message: {0}")]
    Msgpack(#[from] crate::msgpack::EncodeError),
    /// The reference sends this message as JSON text, which has no binary
    /// values (the JS adapter would turn a Buffer into `{"type":"Buffer",…}`).
    #[error("binary arguments cannot travel in a JSON adapter message")]
    BinaryInJson,
    /// JSON text could not be written.
    #[error("adapter message JSON: {reason}")]
    Json {
        /// What the JSON writer said.
        reason: String,
    },
}

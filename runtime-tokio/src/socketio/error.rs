//! The errors of the Socket.IO API.

use std::fmt;

/// Why an emit failed before reaching the connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum EmitError {
    /// The value did not serialize into arguments (it must not be a map key
    /// that is no string, a NaN, …).
    Serialize(serde_json::Error),
    /// The connection is gone.
    Closed,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::Serialize(error) => write!(f, "the arguments do not serialize: {error}"),
            EmitError::Closed => f.write_str("the connection is closed"),
        }
    }
}

impl std::error::Error for EmitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EmitError::Serialize(error) => Some(error),
            EmitError::Closed => None,
        }
    }
}

/// Why an emit with ack got no answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum AckError {
    /// The emit failed (see [`EmitError`]).
    Send(EmitError),
    /// The connection refused the emit (not connected, buffer full, …).
    Emit(socketio_proto::server::EmitError),
    /// No answer within the timeout.
    Timeout,
    /// The socket disconnected before answering.
    Disconnected,
}

impl fmt::Display for AckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AckError::Send(error) => error.fmt(f),
            AckError::Emit(error) => write!(f, "the emit was refused: {error}"),
            AckError::Timeout => f.write_str("the ack timed out"),
            AckError::Disconnected => f.write_str("the socket disconnected before the ack"),
        }
    }
}

impl std::error::Error for AckError {}

/// Why a broadcast with ack did not get every answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum BroadcastAckError {
    /// The value did not serialize into arguments.
    Serialize(serde_json::Error),
    /// Some targets did not answer in time (the reference "operation has
    /// timed out", with its `responses`).
    Timeout {
        /// The answers received in time: socket id and arguments, in arrival order.
        responses: Vec<(engineio_proto::Sid, socketio_proto::Args)>,
        /// The sockets that did not answer.
        missing: Vec<engineio_proto::Sid>,
    },
}

impl fmt::Display for BroadcastAckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BroadcastAckError::Serialize(error) => write!(f, "the arguments do not serialize: {error}"),
            BroadcastAckError::Timeout { responses, missing } => {
                write!(f, "the operation has timed out: {} answers, {} missing", responses.len(), missing.len())
            }
        }
    }
}

impl std::error::Error for BroadcastAckError {}

/// A middleware's refusal: the client gets CONNECT_ERROR with `message`
/// (its `connect_error` event's `err.message`) and `data` (`err.data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    /// The message the client sees.
    pub message: String,
    /// Extra data for the client, if any.
    pub data: Option<serde_json::Value>,
}

impl ConnectError {
    /// A refusal with `message` and no data.
    pub fn new(message: impl Into<String>) -> ConnectError {
        ConnectError { message: message.into(), data: None }
    }

    /// Adds `data`.
    pub fn with_data(mut self, data: serde_json::Value) -> ConnectError {
        self.data = Some(data);
        self
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectError {}

//! What the [`Connection`](super::Connection) tells its driver: [`Output`],
//! with [`DisconnectReason`], [`AckToken`] and the errors of its methods.

use core::fmt;
use engineio_proto::server::CloseReason;
use engineio_proto::{Sid, Str};

use crate::args::Args;
use crate::error::DecodeError;
use crate::json::Json;
use crate::packet::Event;

/// Why a socket (one namespace of a connection) was disconnected;
/// [`DisconnectReason::as_str`] gives the reference strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// The application disconnected the socket ([`Connection::disconnect`](super::Connection::disconnect)).
    ServerNamespaceDisconnect,
    /// The client sent DISCONNECT for the namespace.
    ClientNamespaceDisconnect,
    /// The server is shutting down ([`Connection::shutdown`](super::Connection::shutdown)).
    ServerShuttingDown,
    /// The client closed the Engine.IO connection.
    TransportClose,
    /// The transport failed.
    TransportError,
    /// The client did not answer the heartbeat in time.
    PingTimeout,
    /// The client sent bytes that are no Engine.IO packet.
    ParseError,
    /// The Engine.IO connection was closed after an invalid Socket.IO packet
    /// (the reference `client.onerror` closes the engine: "forced close").
    ForcedClose,
    /// The server closed the connection: [`Connection::close`](super::Connection::close),
    /// the connect timeout, or a packet in the wrong state (a second CONNECT,
    /// an EVENT for a namespace never requested).
    ForcedServerClose,
    /// The client did not take what it was sent: a packet found the send
    /// buffer (`max_buffered_packets`) full, and the connection was closed
    /// rather than the packet dropped. Not a reference reason (the reference
    /// buffers without bound); recoverable.
    SendBufferFull,
}

impl DisconnectReason {
    /// The reason as the reference server names it (socket-types `DisconnectReason`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerShuttingDown => "server shutting down",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ForcedServerClose => "forced server close",
            DisconnectReason::SendBufferFull => "send buffer full",
        }
    }

    /// Whether connection state recovery keeps the session for a later
    /// reconnection (the reference `RECOVERABLE_DISCONNECT_REASONS`: all but
    /// the namespace disconnects and "parse error").
    pub const fn is_recoverable(self) -> bool {
        !matches!(
            self,
            DisconnectReason::ServerNamespaceDisconnect
                | DisconnectReason::ClientNamespaceDisconnect
                | DisconnectReason::ParseError
        )
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(reason: CloseReason) -> DisconnectReason {
        match reason {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ForcedClose => DisconnectReason::ForcedClose,
            CloseReason::ServerShuttingDown => DisconnectReason::ServerShuttingDown,
            CloseReason::SendBufferFull => DisconnectReason::SendBufferFull,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One acknowledgement the server waits for. Unique among all the acks of
/// its connection (the ack id alone is unique per namespace only, as in the
/// reference where each socket keeps its own acks) and resolved exactly
/// once: [`Output::AckReceived`], [`Output::AckTimedOut`] or
/// [`Output::AckCancelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AckToken {
    /// The connection's count of acks when this one was registered.
    pub(crate) serial: u64,
    /// The id on the wire.
    pub(crate) ack_id: u64,
}

impl AckToken {
    /// The ack id sent with the EVENT (the id a broadcast with ack shares
    /// across connections: see [`Namespace`](super::Namespace)).
    pub const fn ack_id(self) -> u64 {
        self.ack_id
    }
}

/// One thing for the driver to do or know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// An Engine.IO output: an HTTP answer, a WebSocket frame or close, or
    /// the upgrade events. Engine messages and the engine's close are
    /// consumed by the machine and never appear here.
    Engine(engineio_proto::server::Output),
    /// The client asks to join `namespace`: the driver looks the namespace
    /// up, runs its middleware, then calls [`Connection::accept`](super::Connection::accept)
    /// or [`Connection::reject`](super::Connection::reject).
    ConnectRequest {
        /// The namespace (v4: without its query).
        namespace: Str,
        /// The CONNECT payload (v5 auth object), if any.
        auth: Option<Json>,
        /// The namespace query (v4 auth, `token=1` in `/admin?token=1`), if any.
        query: Option<Str>,
    },
    /// A socket joined `namespace` (after [`Connection::accept`](super::Connection::accept)
    /// or [`Connection::accept_recovered`](super::Connection::accept_recovered)).
    /// Run the namespace's `connection` handler, then call
    /// [`Connection::connect_handled`](super::Connection::connect_handled):
    /// until then the connection's transport outputs, this socket's CONNECT
    /// reply among them, are held back.
    Connected {
        /// The namespace.
        namespace: Str,
        /// The socket id given to `accept`.
        socket_id: Sid,
        /// Whether the socket recovered a previous session (the reference
        /// `socket.recovered`): its missed packets were sent before the
        /// CONNECT reply.
        recovered: bool,
    },
    /// The client emitted an event on a connected namespace. When
    /// `event.ack_id` is set, answer with [`Connection::ack`](super::Connection::ack).
    Event {
        /// The namespace.
        namespace: Str,
        /// The event, its arguments still JSON text.
        event: Event,
    },
    /// The client answered an emit with ack.
    AckReceived {
        /// The namespace the ack was emitted on (route a broadcast's answer
        /// to that [`Namespace`](super::Namespace)).
        namespace: Str,
        /// The ack answered.
        token: AckToken,
        /// The answer's arguments.
        args: Args,
    },
    /// The ack's timeout passed without an answer.
    AckTimedOut {
        /// The namespace the ack was emitted on.
        namespace: Str,
        /// The ack.
        token: AckToken,
    },
    /// The socket the ack was sent on disconnected before any answer or
    /// timeout; no answer can come any more.
    AckCancelled {
        /// The namespace the ack was emitted on.
        namespace: Str,
        /// The ack.
        token: AckToken,
    },
    /// A socket is about to leave (the reference "disconnecting": its rooms
    /// are still there for the driver to read). [`Output::Disconnected`] follows.
    Disconnecting {
        /// The namespace.
        namespace: Str,
        /// The socket id.
        socket_id: Sid,
        /// Why.
        reason: DisconnectReason,
    },
    /// A socket left: its pending acks are cancelled right after.
    Disconnected {
        /// The namespace.
        namespace: Str,
        /// The socket id.
        socket_id: Sid,
        /// Why.
        reason: DisconnectReason,
    },
    /// The client sent an invalid Socket.IO packet (the reference emits
    /// "error" on each socket); the connection is being closed.
    DecodeFailed(DecodeError),
    /// The Engine.IO connection ended; always the last output. The driver
    /// forgets the connection after draining.
    Closed(CloseReason),
}

/// Why an emit, an ack answer or a disconnect was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// No socket is connected on the namespace.
    #[error("the namespace is not connected")]
    NotConnected,
    /// The connection is closed or closing.
    #[error("the connection is closed")]
    Closed,
    /// The engine's send buffer has no room for the packet (and its
    /// attachments): nothing was sent, and the connection was closed with
    /// [`DisconnectReason::SendBufferFull`].
    #[error("the outgoing buffer is full")]
    BufferFull,
    /// An ack with this id is already pending on the namespace.
    #[error("ack id {0} is already pending")]
    AckIdInUse(u64),
}

/// Why [`Connection::accept`](super::Connection::accept) or
/// [`Connection::reject`](super::Connection::reject) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// No CONNECT for the namespace waits for an answer.
    #[error("no connect request is pending for the namespace")]
    NotRequested,
    /// The connection is closed or closing (the reference ignores a late
    /// middleware answer the same way).
    #[error("the connection is closed")]
    Closed,
}

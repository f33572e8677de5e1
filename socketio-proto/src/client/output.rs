//! What a [`super::Manager`] asks its driver to do, and what it reports.

use alloc::string::String;
use core::fmt;
use engineio_proto::client::ClientOutput;

use crate::args::Args;
use crate::json::Json;
use crate::packet::Event as EventPacket;

/// One namespace socket of a manager (`io.socket(nsp)`), valid for the
/// manager's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketHandle(pub(crate) usize);

/// One emit waiting for its acknowledgement; resolves exactly once, with
/// [`Event::AckReceived`] or [`Event::AckFailed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AckToken(pub u64);

/// One Engine.IO session of the manager (the first, then one per
/// reconnection attempt). The driver passes it back with every I/O outcome
/// so that late outcomes of an earlier session are not taken for the
/// current one's (engine request and socket ids restart with each session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EngineId(pub u64);

/// One thing the driver must do or tell the application, drained with
/// [`super::Manager::poll_output`].
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Perform an Engine.IO output (HTTP request, WebSocket open, frame,
    /// close) and report its outcome with the manager's `handle_*` methods
    /// and this `engine`. Engine events other than messages are passed on
    /// here for information (`Open`, `Upgraded`, `Closed`…); the manager
    /// reports what matters to the application as [`Event`]s.
    Engine {
        /// The Engine.IO session the output belongs to.
        engine: EngineId,
        /// What to do.
        output: ClientOutput,
    },
    /// The manager needs one uniformly random `u32` to time a reconnection
    /// attempt: answer with [`super::Manager::handle_random`]. No attempt is
    /// scheduled until then.
    RandomNeeded,
    /// Something for the application.
    Event(Event),
}

/// What the application sees: the manager's and the sockets' events of
/// `socket.io-client`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The Engine.IO session opened (manager `open`).
    Open,
    /// The Engine.IO session ended (manager `close`).
    Close {
        /// Why.
        reason: DisconnectReason,
    },
    /// The Engine.IO session failed (manager `error`); while opening, the
    /// attempt is over.
    Error {
        /// What went wrong (`timeout` for the connect timeout).
        message: String,
    },
    /// A socket joined its namespace (`connect`).
    Connect {
        /// The socket.
        socket: SocketHandle,
    },
    /// A socket could not join its namespace (`connect_error`): the server
    /// refused (the socket is then inactive, no automatic retry), or the
    /// connection failed while the socket was not connected.
    ConnectError {
        /// The socket.
        socket: SocketHandle,
        /// The error message.
        message: String,
        /// The `data` of a v5 CONNECT_ERROR, if any.
        data: Option<Json>,
    },
    /// A socket left its namespace (`disconnect`).
    Disconnect {
        /// The socket.
        socket: SocketHandle,
        /// Why, with the reference's strings.
        reason: DisconnectReason,
    },
    /// The server emitted an event to a socket. When `event.ack_id` is set,
    /// answer it with [`super::Manager::ack`].
    Received {
        /// The socket.
        socket: SocketHandle,
        /// The event.
        event: EventPacket,
    },
    /// The server acknowledged an emit.
    AckReceived {
        /// The socket that emitted.
        socket: SocketHandle,
        /// The emit's token.
        token: AckToken,
        /// The acknowledgement's arguments.
        args: Args,
    },
    /// An emit's acknowledgement will not come.
    AckFailed {
        /// The socket that emitted.
        socket: SocketHandle,
        /// The emit's token.
        token: AckToken,
        /// Why.
        error: AckError,
    },
    /// A reconnection attempt starts (`reconnect_attempt`), counting from 1.
    ReconnectAttempt {
        /// The attempt number.
        attempt: u32,
    },
    /// A reconnection attempt opened the Engine.IO session (`reconnect`).
    Reconnect {
        /// The attempt number.
        attempt: u32,
    },
    /// A reconnection attempt failed (`reconnect_error`).
    ReconnectError {
        /// What went wrong.
        message: String,
    },
    /// The last allowed attempt failed (`reconnect_failed`); no more attempts.
    ReconnectFailed,
    /// An event left for the server (`onAnyOutgoing`): sent at once, or
    /// flushed from the send buffer once the namespace was joined. Reported
    /// only after [`super::Manager::report_outgoing`]; a volatile event
    /// dropped for want of a writable transport is not.
    Sent {
        /// The socket.
        socket: SocketHandle,
        /// The event, as sent (its `ack_id` set when it asked for one).
        event: EventPacket,
    },
    /// A socket created with [`super::Manager::socket_with_auth_callback`]
    /// is about to join its namespace (v5): evaluate the auth (the
    /// reference's `auth` function) and answer with
    /// [`super::Manager::provide_auth`]; the CONNECT waits for it.
    AuthNeeded {
        /// The socket.
        socket: SocketHandle,
    },
}

/// Why a socket disconnected, as `socket.io-client` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// The server sent DISCONNECT for the namespace; no automatic reconnection.
    IoServerDisconnect,
    /// The application disconnected the socket.
    IoClientDisconnect,
    /// The connection closed (the server closed it, or the WebSocket closed).
    TransportClose,
    /// The connection failed.
    TransportError,
    /// The server stopped answering heartbeats.
    PingTimeout,
    /// The server sent something that does not decode.
    ParseError,
    /// The application closed the manager.
    ForcedClose,
}

impl DisconnectReason {
    /// The reference's reason string.
    pub const fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::IoServerDisconnect => "io server disconnect",
            DisconnectReason::IoClientDisconnect => "io client disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ForcedClose => "forced close",
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an acknowledgement will not come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum AckError {
    /// The deadline passed (also after the last retry).
    #[error("operation has timed out")]
    TimedOut,
    /// The socket disconnected after the event was sent.
    #[error("socket has been disconnected")]
    Disconnected,
}

/// Why [`super::Manager::emit`] refused an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// The name is one the reference reserves (`connect`, `disconnect`…).
    #[error("{0:?} is a reserved event name")]
    ReservedEventName(String),
    /// The handle is not one of this manager's sockets.
    #[error("unknown socket")]
    UnknownSocket,
}

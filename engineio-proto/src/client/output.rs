//! What a client session asks its driver to do, and what it reports.

use alloc::string::String;
use bytes::Bytes;
use core::fmt;
use core::time::Duration;

use crate::error::DecodeError;
use crate::packet::{Frame, Message, OpenPacket, PacketType};

/// Identifies one HTTP request the session asked for; the driver passes it
/// back with the response. Allocated by the session, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Identifies one WebSocket connection the session asked for; the driver
/// passes it back with its events. Allocated by the session, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u64);

/// The method of a polling request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// A long-polling request: the server answers with packets for the client.
    Get,
    /// Carries packets from the client; the server answers `ok`.
    Post,
}

impl HttpMethod {
    /// The method's name in an HTTP request line.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the driver must do, drained with [`super::ClientSession::poll_output`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOutput {
    /// Send an HTTP request to the Engine.IO endpoint and report its outcome with
    /// [`super::ClientSession::handle_http_response`] or
    /// [`super::ClientSession::handle_http_failed`].
    HttpRequest {
        /// The id to report the outcome with.
        id: RequestId,
        /// `GET` (long poll) or `POST` (packets to the server).
        method: HttpMethod,
        /// The Engine.IO query (`EIO=4&transport=polling&sid=…`), already
        /// percent-encoded; the driver appends it to the path and user query.
        query: String,
        /// The body of a `POST`.
        body: Option<Bytes>,
        /// The `Content-Type` of the body.
        content_type: Option<&'static str>,
        /// The most bytes of answer body to read: a larger one (announced
        /// or read) fails the request, reported with
        /// [`super::ClientSession::handle_http_failed`].
        max_response_bytes: u64,
        /// When to give up on the request (cancel it, close its connection)
        /// and report it failed; `None`: the session cancels it when it no
        /// longer needs it ([`ClientOutput::CancelRequest`]).
        timeout: Option<Duration>,
    },
    /// Give up on a request from [`ClientOutput::HttpRequest`]: the session
    /// no longer needs its outcome. Cancel it and close its connection.
    CancelRequest {
        /// The request.
        id: RequestId,
    },
    /// Open a WebSocket to the Engine.IO endpoint and report it with
    /// [`super::ClientSession::handle_websocket_opened`],
    /// [`super::ClientSession::handle_frame`] and
    /// [`super::ClientSession::handle_websocket_failed`].
    OpenWebSocket {
        /// The id to report the socket's events with.
        id: SocketId,
        /// The Engine.IO query (`EIO=4&transport=websocket…`), percent-encoded.
        query: String,
        /// The most bytes of one message to read: a larger one is reported
        /// with [`super::ClientSession::handle_message_too_large`].
        max_message_bytes: u64,
    },
    /// Send a frame on a WebSocket.
    Transmit {
        /// The socket to send on.
        socket: SocketId,
        /// The frame (one Engine.IO packet).
        frame: Frame,
    },
    /// Close a WebSocket; the session will not use it again (also one that
    /// has not reported open yet: give up connecting it).
    CloseWebSocket {
        /// The socket to close.
        socket: SocketId,
    },
    /// Tell the application something.
    Event(ClientEvent),
}

/// What happened to the session, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The handshake succeeded (`open` of `engine.io-client`).
    Open(OpenPacket),
    /// The server sent a message.
    Message(Message),
    /// The WebSocket probe answered; polling is being paused to switch over.
    Upgrading,
    /// Traffic now goes over the WebSocket.
    Upgraded,
    /// The WebSocket probe failed; the session keeps polling (`upgradeError`).
    UpgradeFailed,
    /// Why the session is about to close with [`ClientCloseReason::TransportError`]
    /// or [`ClientCloseReason::ParseError`]; always followed by [`ClientEvent::Closed`].
    Error(ClientError),
    /// The session is over. Emitted once, as the last output of the session.
    Closed(ClientCloseReason),
}

/// Why a client session closed, as `engine.io-client` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientCloseReason {
    /// The server closed the session (a `1` packet) or the WebSocket closed.
    TransportClose,
    /// A request or connection failed, or the handshake was refused.
    TransportError,
    /// The server did not show life within the heartbeat's limits.
    PingTimeout,
    /// The server sent bytes that are not Engine.IO packets, or a packet
    /// the protocol does not allow there (a second `open`).
    ParseError,
    /// The application called [`super::ClientSession::close`].
    ForcedClose,
}

impl ClientCloseReason {
    /// The reason string of `engine.io-client`'s `close` event.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClientCloseReason::TransportClose => "transport close",
            ClientCloseReason::TransportError => "transport error",
            ClientCloseReason::PingTimeout => "ping timeout",
            ClientCloseReason::ParseError => "parse error",
            ClientCloseReason::ForcedClose => "forced close",
        }
    }
}

impl fmt::Display for ClientCloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong when a session closes with an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The configuration lists no transport to open the session with.
    #[error("no transports available")]
    NoTransports,
    /// The server answered a polling request with a status other than 200.
    #[error("{method} request answered with HTTP status {status}")]
    HttpStatus {
        /// The request's method.
        method: HttpMethod,
        /// The status the server sent.
        status: u16,
    },
    /// A polling request failed without an HTTP answer (network error).
    #[error("{method} request failed: {cause}")]
    HttpFailed {
        /// The request's method.
        method: HttpMethod,
        /// What the driver saw (the connection or protocol error).
        cause: String,
    },
    /// The WebSocket the session opens on could not connect.
    #[error("websocket connection failed: {cause}")]
    WebSocketFailed {
        /// What the driver saw (the connection, TLS or handshake error).
        cause: String,
    },
    /// The handshake answer starts with another packet than `open`.
    #[error("expected an open packet, got a {packet_type:?} packet")]
    UnexpectedHandshakePacket {
        /// The type of the packet received instead.
        packet_type: PacketType,
    },
    /// The server sent something that does not decode.
    #[error("invalid data from the server: {0}")]
    Decode(#[from] DecodeError),
    /// The server sent an `open` packet in the middle of the session (a
    /// second handshake, with sid `sid`).
    #[error("the server sent a second open packet (sid {sid:?}) in the middle of the session")]
    UnexpectedOpen {
        /// The sid of the second open packet.
        sid: String,
    },
    /// The server does not read what the client owes it: past
    /// [`super::ClientConfig::max_unwritten_frames`] or
    /// [`super::ClientConfig::max_unwritten_bytes`].
    #[error("send buffer full: the server does not read ({frames} frames, {bytes} bytes not written)")]
    SendBufferFull {
        /// The frames and packets waiting to be written.
        frames: usize,
        /// Their bytes.
        bytes: usize,
    },
    /// The server sent a WebSocket message larger than the limit.
    #[error("the server sent a message larger than {limit} bytes")]
    MessageTooLarge {
        /// The limit ([`super::ClientConfig::max_received_payload`]).
        limit: u64,
    },
}

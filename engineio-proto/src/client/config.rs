//! [`ClientConfig`]: what a client session asks of the server.

use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use crate::packet::{ProtocolVersion, TransportKind};

/// Options of a client session, with the defaults of `engine.io-client` 6.x.
///
/// Options of the reference client that have no meaning without I/O are left
/// to the driver: the URL path and user query (the driver prefixes them to
/// every query this machine produces), headers, cookies, TLS, and the
/// cache-busting `t` timestamp parameter (it needs a clock and randomness; the
/// server ignores it, so the driver may add one if a proxy needs it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Protocol revision to speak (`EIO=`). Default: [`ProtocolVersion::V4`].
    pub protocol: ProtocolVersion,
    /// Transports the client may use, the first one opens the session.
    /// Default: `[Polling, WebSocket]`.
    pub transports: Vec<TransportKind>,
    /// Whether to probe and upgrade to a WebSocket the server offers. Default: `true`.
    pub upgrade: bool,
    /// Whether to open directly on WebSocket when an earlier session's
    /// WebSocket worked (see [`super::ClientSession::new`]). Default: `false`.
    pub remember_upgrade: bool,
    /// Whether to ask the server for base64 binary (`b64=1`) and send binary
    /// as base64 text, as a client without binary support does. Default: `false`.
    pub force_base64: bool,
    /// The most bytes of one polling answer body or one WebSocket message
    /// the client reads: past it the session closes with
    /// [`super::ClientCloseReason::TransportError`]. The server's
    /// `maxPayload` does not change it: that is what the server accepts,
    /// not a bound on what it sends (the reference server sends larger
    /// messages and polling answers), and a hostile server could announce
    /// any. Default: 100 MiB, the `maxPayload` default of `ws`, the
    /// WebSocket library of the reference's Node.js client.
    pub max_received_payload: u64,
    /// How many received WebSocket frames the driver may hold for the
    /// session before the session took them: the driver stops reading the
    /// socket at this many, so a server that sends faster than the
    /// application takes its events is slowed down by TCP instead of
    /// filling the client's memory. Default: 64.
    pub max_pending_frames: usize,
    /// The same bound in bytes of frame data: the driver stops reading
    /// once the frames it holds reach it (a frame larger than the bound is
    /// still read when nothing else is held). Default: 16 MiB.
    pub max_pending_bytes: usize,
    /// The most frames the session may have handed to its driver that are
    /// not yet written (see [`super::ClientSession::handle_frames_written`]),
    /// together with the packets waiting for a polling `POST`: a server
    /// that does not read what the client owes it (pongs included) is
    /// disconnected past it, with [`super::ClientError::SendBufferFull`].
    /// Default: 65 536.
    pub max_unwritten_frames: usize,
    /// The same bound in bytes of frame data. Default: 16 MiB.
    pub max_unwritten_bytes: usize,
    /// How long a polling request may take before the driver gives up on
    /// it, which fails the session (`requestTimeout` of `engine.io-client`).
    /// Default: `None`, no limit: the heartbeat bounds a long poll, the
    /// client's `timeout` the handshake.
    pub request_timeout: Option<Duration>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            protocol: ProtocolVersion::V4,
            transports: vec![TransportKind::Polling, TransportKind::WebSocket],
            upgrade: true,
            remember_upgrade: false,
            force_base64: false,
            max_received_payload: 100 * 1024 * 1024,
            max_pending_frames: 64,
            max_pending_bytes: 16 * 1024 * 1024,
            max_unwritten_frames: 65_536,
            max_unwritten_bytes: 16 * 1024 * 1024,
            request_timeout: None,
        }
    }
}

impl ClientConfig {
    /// The default configuration speaking `protocol`.
    pub fn new(protocol: ProtocolVersion) -> Self {
        ClientConfig { protocol, ..ClientConfig::default() }
    }

    /// Whether the client may use `transport`.
    pub fn allows(&self, transport: TransportKind) -> bool {
        self.transports.contains(&transport)
    }
}

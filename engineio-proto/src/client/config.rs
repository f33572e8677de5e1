//! [`ClientConfig`]: what a client session asks of the server.

use alloc::vec;
use alloc::vec::Vec;

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
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            protocol: ProtocolVersion::V4,
            transports: vec![TransportKind::Polling, TransportKind::WebSocket],
            upgrade: true,
            remember_upgrade: false,
            force_base64: false,
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

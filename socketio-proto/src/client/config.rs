//! [`ManagerConfig`] and [`EmitOptions`]: the options of `socket.io-client`'s
//! `Manager` and of one emit.

use core::time::Duration;

use crate::packet::ProtocolVersion;

/// Options of a [`super::Manager`], with the defaults of `socket.io-client` 4.8.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ManagerConfig {
    /// The Engine.IO session options; its protocol decides the Socket.IO
    /// protocol (Engine.IO 4 → Socket.IO 5, Engine.IO 3 → Socket.IO 4).
    pub engine: engineio_proto::client::ClientConfig,
    /// Whether to reconnect after the connection is lost or fails to open.
    /// Default: `true`.
    pub reconnection: bool,
    /// How many reconnection attempts before giving up
    /// ([`super::Event::ReconnectFailed`]). Default: `None`, unlimited. (The
    /// reference reads `0` as unlimited; here `Some(0)` gives up at once.)
    pub reconnection_attempts: Option<u32>,
    /// The delay before the first attempt, doubled on each further attempt.
    /// Default: 1000 ms.
    pub reconnection_delay: Duration,
    /// The longest delay between attempts. Default: 5000 ms.
    pub reconnection_delay_max: Duration,
    /// How far a delay may move, as a fraction of it, from the random input:
    /// `0.5` spreads 1000 ms over 500..=1500 ms. Values outside `0.0..=1.0`
    /// disable the jitter, as the reference does. Default: `0.5`.
    pub randomization_factor: f64,
    /// How long the Engine.IO handshake may take before the attempt fails with
    /// `timeout`; `None` waits forever. Default: 20 s. As in the reference,
    /// the namespace CONNECT exchange is not covered.
    pub timeout: Option<Duration>,
    /// The acknowledgement timeout of emits that set none. Default: `None`.
    pub ack_timeout: Option<Duration>,
    /// With `retries > 0` every non-volatile emit goes through a queue: one
    /// packet in flight with an acknowledgement, sent again on failure up to
    /// `retries` more times. Default: 0.
    pub retries: u32,
    /// Protocol v4: the auth (a JSON object) the JS 2.x client sends as its
    /// `query` option in the query of every Engine.IO request, where a v2
    /// server, and `socket.io` 4 with `allowEIO3`, show it to the main
    /// namespace as `handshake.query` (scalar members, percent-encoded).
    /// Ignored in v5, where the CONNECT carries the auth. Default: `None`.
    pub engine_query_auth: Option<crate::json::Json>,
}

impl Default for ManagerConfig {
    fn default() -> ManagerConfig {
        ManagerConfig {
            engine: engineio_proto::client::ClientConfig::default(),
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay: Duration::from_millis(1000),
            reconnection_delay_max: Duration::from_millis(5000),
            randomization_factor: 0.5,
            timeout: Some(Duration::from_secs(20)),
            ack_timeout: None,
            retries: 0,
            engine_query_auth: None,
        }
    }
}

impl ManagerConfig {
    /// The default options over the given Engine.IO options.
    pub fn new(engine: engineio_proto::client::ClientConfig) -> ManagerConfig {
        ManagerConfig { engine, ..ManagerConfig::default() }
    }

    /// The Socket.IO protocol spoken, from the Engine.IO protocol.
    pub fn protocol(&self) -> ProtocolVersion {
        ProtocolVersion::for_engineio(self.engine.protocol)
    }
}

/// How one event is emitted (the reference's flags and ack callback).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// Whether the server must acknowledge it; [`super::Manager::emit`] then
    /// returns the [`super::AckToken`] that resolves once.
    pub ack: bool,
    /// The acknowledgement deadline (`socket.timeout(ms)`); `None` uses
    /// [`ManagerConfig::ack_timeout`].
    pub timeout: Option<Duration>,
    /// Drop the event when the transport is not writable (`socket.volatile`);
    /// volatile events bypass the retry queue.
    pub volatile: bool,
}

impl EmitOptions {
    /// Options asking for an acknowledgement.
    pub fn with_ack() -> EmitOptions {
        EmitOptions { ack: true, ..EmitOptions::default() }
    }
}

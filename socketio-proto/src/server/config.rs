//! [`ServerConfig`]: the knobs of the per-connection Socket.IO server machine.

use core::time::Duration;

use crate::decode::DecoderLimits;

/// Settings of every [`Connection`](super::Connection); the Engine.IO settings
/// (heartbeat, buffer sizes, protocol) live in the engine's own config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// How long a connection may stay without any connected namespace after
    /// it opens before the server closes it (default 45 s, the reference
    /// `connectTimeout`).
    pub connect_timeout: Duration,
    /// Limits on binary packets (attachment count and bytes).
    pub decoder_limits: DecoderLimits,
    /// Most packets held for a namespace whose CONNECT waits for the
    /// application's answer (default 100). A client that sends more before
    /// the answer is closed. See [`Connection`](super::Connection) on
    /// buffering before accept.
    pub max_packets_before_connect: usize,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            connect_timeout: Duration::from_secs(45),
            decoder_limits: DecoderLimits::default(),
            max_packets_before_connect: 100,
        }
    }
}

impl ServerConfig {
    /// Sets [`ServerConfig::connect_timeout`].
    pub fn with_connect_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`ServerConfig::decoder_limits`].
    pub fn with_decoder_limits(mut self, limits: DecoderLimits) -> ServerConfig {
        self.decoder_limits = limits;
        self
    }

    /// Sets [`ServerConfig::max_packets_before_connect`].
    pub fn with_max_packets_before_connect(mut self, packets: usize) -> ServerConfig {
        self.max_packets_before_connect = packets;
        self
    }
}

//! [`ServerConfig`]: the knobs of an Engine.IO server, with the reference defaults.

use core::time::Duration;

use crate::packet::TransportKind;

/// Settings shared by request classification and every [`Session`](super::Session).
///
/// [`ServerConfig::default`] gives the reference server's defaults; the
/// `with_*` methods change one setting each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ServerConfig {
    /// How often the server pings a v4 client (default 25 s). Sent as `pingInterval`.
    pub ping_interval: Duration,
    /// How long a ping may wait for its pong (default 20 s). Sent as `pingTimeout`.
    pub ping_timeout: Duration,
    /// How long a probing WebSocket may take to send `5` (upgrade) (default 10 s).
    pub upgrade_timeout: Duration,
    /// Largest POST body and WebSocket message accepted, in bytes (default 1 000 000).
    /// Also the open packet's `maxPayload` and the bound of one GET response body.
    pub max_http_buffer_size: usize,
    /// Whether HTTP long-polling is served (default true).
    pub allow_polling: bool,
    /// Whether WebSocket is served, for handshakes and upgrades (default true).
    pub allow_websocket: bool,
    /// Whether polling sessions may upgrade to WebSocket (default true).
    pub allow_upgrades: bool,
    /// Whether Engine.IO v3 clients (Socket.IO 1.x/2.x) are accepted (default false).
    pub allow_eio3: bool,
    /// The send buffer of a session: most application messages a polling
    /// session holds while no GET takes them, and most frames a WebSocket
    /// session has handed to its driver that are not yet written, pongs to
    /// the client's WebSocket pings included (default 1024).
    /// [`Session::send`](super::Session::send) refuses beyond it
    /// (`SendError::BufferFull`), and a frame the server must write that
    /// does not fit closes the session ("send buffer full"), so a client
    /// that stops reading costs at most this many frames of memory (see also
    /// `max_buffered_bytes`). On polling, heartbeat packets are not counted
    /// (at most one is queued).
    pub max_buffered_packets: usize,
    /// The send buffer in bytes: most bytes of messages a polling session
    /// holds while no GET takes them, and most bytes of frames a WebSocket
    /// session has handed to its driver that are not yet written, pongs
    /// to the client's WebSocket pings included (default 4 MiB: four
    /// messages of the default `max_http_buffer_size`, or the 1024 packets
    /// of `max_buffered_packets` at 4 KiB each). Whichever bound is met
    /// first applies: [`Session::send`](super::Session::send) refuses
    /// beyond it, and a frame the server must write (a heartbeat, a pong)
    /// that does not fit closes the session ("send buffer full"). An empty
    /// buffer takes one message however large.
    pub max_buffered_bytes: usize,
    /// The smallest polling answer the driver compresses, in bytes, when the
    /// client accepts gzip or deflate (the reference `httpCompression`,
    /// default 1024); `None` turns HTTP compression off. See
    /// [`ContentEncoding::negotiate`](super::ContentEncoding::negotiate).
    pub http_compression_threshold: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            upgrade_timeout: Duration::from_millis(10_000),
            max_http_buffer_size: 1_000_000,
            allow_polling: true,
            allow_websocket: true,
            allow_upgrades: true,
            allow_eio3: false,
            max_buffered_packets: 1024,
            max_buffered_bytes: 4 * 1024 * 1024,
            http_compression_threshold: Some(1024),
        }
    }
}

impl ServerConfig {
    /// Sets [`ServerConfig::ping_interval`].
    pub fn with_ping_interval(mut self, ping_interval: Duration) -> Self {
        self.ping_interval = ping_interval;
        self
    }

    /// Sets [`ServerConfig::ping_timeout`].
    pub fn with_ping_timeout(mut self, ping_timeout: Duration) -> Self {
        self.ping_timeout = ping_timeout;
        self
    }

    /// Sets [`ServerConfig::upgrade_timeout`].
    pub fn with_upgrade_timeout(mut self, upgrade_timeout: Duration) -> Self {
        self.upgrade_timeout = upgrade_timeout;
        self
    }

    /// Sets [`ServerConfig::max_http_buffer_size`].
    pub fn with_max_http_buffer_size(mut self, bytes: usize) -> Self {
        self.max_http_buffer_size = bytes;
        self
    }

    /// Sets [`ServerConfig::allow_polling`].
    pub fn with_polling(mut self, allow: bool) -> Self {
        self.allow_polling = allow;
        self
    }

    /// Sets [`ServerConfig::allow_websocket`].
    pub fn with_websocket(mut self, allow: bool) -> Self {
        self.allow_websocket = allow;
        self
    }

    /// Sets [`ServerConfig::allow_upgrades`].
    pub fn with_upgrades(mut self, allow: bool) -> Self {
        self.allow_upgrades = allow;
        self
    }

    /// Sets [`ServerConfig::allow_eio3`].
    pub fn with_eio3(mut self, allow: bool) -> Self {
        self.allow_eio3 = allow;
        self
    }

    /// Sets [`ServerConfig::max_buffered_packets`].
    pub fn with_max_buffered_packets(mut self, packets: usize) -> Self {
        self.max_buffered_packets = packets;
        self
    }

    /// Sets [`ServerConfig::max_buffered_bytes`].
    pub fn with_max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes;
        self
    }

    /// Sets [`ServerConfig::http_compression_threshold`].
    pub fn with_http_compression_threshold(mut self, threshold: Option<usize>) -> Self {
        self.http_compression_threshold = threshold;
        self
    }

    /// Whether `transport` is served.
    pub fn allows(&self, transport: TransportKind) -> bool {
        match transport {
            TransportKind::Polling => self.allow_polling,
            TransportKind::WebSocket => self.allow_websocket,
        }
    }

    /// The transports a session on `transport` may upgrade to (the open
    /// packet's `upgrades`).
    pub fn upgrades_from(&self, transport: TransportKind) -> &'static [TransportKind] {
        match transport {
            TransportKind::Polling if self.allow_upgrades && self.allow_websocket => &[TransportKind::WebSocket],
            _ => &[],
        }
    }
}

//! The client's side of the heartbeat, which differs between revisions.
//!
//! - v4 (`engine.io-client` 6.x `_resetPingTimeout`): the server pings; the
//!   session dies when no ping arrives within `pingInterval + pingTimeout`
//!   of the handshake or of the last ping.
//! - v3 (`engine.io-client` 3.x `setPing`/`onHeartbeat`): the client sends a
//!   ping `pingInterval` after the handshake and after each pong; once a ping
//!   is sent the server has `pingTimeout` to show life. Any packet received
//!   pushes the deadline to `pingInterval + pingTimeout` from now.

use core::time::Duration;

use crate::packet::{Packet, ProtocolVersion};
use crate::time::{earliest, Instant};

/// Heartbeat timers of one client session.
#[derive(Debug, Clone)]
pub(crate) struct Heartbeat {
    protocol: ProtocolVersion,
    interval: Duration,
    timeout: Duration,
    /// When the session closes with "ping timeout" unless the server shows life.
    deadline: Option<Instant>,
    /// v3 only: when the client sends its next ping.
    next_ping: Option<Instant>,
}

impl Heartbeat {
    /// Timers that are not running yet (before the handshake).
    pub(crate) fn idle(protocol: ProtocolVersion) -> Self {
        Heartbeat { protocol, interval: Duration::ZERO, timeout: Duration::ZERO, deadline: None, next_ping: None }
    }

    /// Starts the timers with the handshake's values.
    pub(crate) fn start(&mut self, now: Instant, interval: Duration, timeout: Duration) {
        self.interval = interval;
        self.timeout = timeout;
        self.deadline = Some(now + interval + timeout);
        if self.protocol == ProtocolVersion::V3 {
            self.next_ping = Some(now + interval);
        }
    }

    /// Stops every timer (the session closed).
    pub(crate) fn stop(&mut self) {
        self.deadline = None;
        self.next_ping = None;
    }

    /// Notes a packet received from the server.
    pub(crate) fn on_packet(&mut self, now: Instant, packet: &Packet) {
        if self.deadline.is_none() {
            return;
        }
        match self.protocol {
            ProtocolVersion::V4 => {
                if *packet == Packet::Ping {
                    self.deadline = Some(now + self.interval + self.timeout);
                }
            }
            ProtocolVersion::V3 => {
                self.deadline = Some(now + self.interval + self.timeout);
                if *packet == Packet::Pong {
                    self.next_ping = Some(now + self.interval);
                }
            }
        }
    }

    /// Whether the server failed to show life in time.
    pub(crate) fn expired(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|deadline| now >= deadline)
    }

    /// v3: whether the client must send a ping now; if so, the server now
    /// has `pingTimeout` to answer (`pingInterval` when `pingTimeout` is 0:
    /// the reference's `timeout || pingInterval + pingTimeout`).
    pub(crate) fn take_due_ping(&mut self, now: Instant) -> bool {
        match self.next_ping {
            Some(at) if now >= at => {
                self.next_ping = None;
                let answer_within = if self.timeout.is_zero() { self.interval } else { self.timeout };
                self.deadline = Some(now + answer_within);
                true
            }
            _ => false,
        }
    }

    /// The next instant a timer fires.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        earliest(self.deadline, self.next_ping)
    }
}

//! The wire of `@socket.io/redis-adapter` 8.x (`createAdapter`, the classic
//! pub/sub adapter), and the bookkeeping of its requests (feature `msgpack`).
//!
//! Servers sharing one Redis publish to three kinds of channels per
//! namespace (prefix `socket.io` by default, see [`Channels`]):
//!
//! - `socket.io#<nsp>#` (or `socket.io#<nsp>#<room>#` when the broadcast
//!   names exactly one room): broadcasts, a msgpack array
//!   `[uid, packet, opts]` ([`BroadcastMessage`]); every server
//!   pattern-subscribes to `socket.io#<nsp>#*`.
//! - `socket.io-request#<nsp>#`: [`Request`]s. The reference sends them as
//!   JSON text, except the broadcast with acks (msgpack, so binary
//!   arguments survive); a receiver reads JSON when the first byte is `{`,
//!   msgpack otherwise. The number of subscribers of this channel
//!   (`PUBSUB NUMSUB`) is the number of servers: the classic adapter has no
//!   heartbeat.
//! - `socket.io-response#<nsp>#`: [`Response`]s (JSON, except the client
//!   acks of a broadcast with acks).
//!
//! Each server has a `uid` (6 alphanumeric characters, [`uid_from_random`])
//! in what it publishes, to ignore its own messages; requests expecting
//! answers carry a `requestId` of the same form. [`PendingRequests`] keeps
//! the requests a server waits on: how many answers each expects, what
//! arrived, and its deadline, with time passed in as [`engineio_proto::Instant`].
//!
//! Message types of the reference (its `RequestType`), all read and written
//! here: SOCKETS (0, answered; the 8.x adapter no longer sends it), ALL_ROOMS
//! (1), REMOTE_JOIN (2), REMOTE_LEAVE (3), REMOTE_DISCONNECT (4) in their
//! broadcast-options form, REMOTE_FETCH (5), SERVER_SIDE_EMIT (6, with and
//! without ack), BROADCAST (7, a broadcast with acks), BROADCAST_CLIENT_COUNT
//! (8) and BROADCAST_ACK (9). The single-socket forms of 2–4 (`sid`/`room`,
//! from adapter versions before 7) are decoded as
//! [`DecodeError::Unsupported`]. The heartbeat and server-count messages
//! belong to the `ClusterAdapter` family (sharded adapter, streams adapter),
//! not to this wire.

mod error;
mod message;
mod requests;

pub use error::{DecodeError, EncodeError};
pub use message::{BroadcastMessage, RemotePacket, Request, RequestType, Response, SocketDetails};
pub use requests::{PendingRequests, RequestKind, RequestOutcome, Responses};

use alloc::string::String;

/// The default channel prefix (the reference `key` option).
pub const DEFAULT_PREFIX: &str = "socket.io";

/// How many random bytes [`uid_from_random`] uses.
pub const UID_RANDOM_BYTES: usize = 6;

/// The alphabet of the reference `uid2`.
const UID_ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A server uid or request id as the reference makes them (`uid2(6)`: six
/// characters of `[A-Za-z0-9]`), from caller randomness.
pub fn uid_from_random(random: [u8; UID_RANDOM_BYTES]) -> String {
    random.iter().map(|byte| char::from(UID_ALPHABET[usize::from(*byte) % UID_ALPHABET.len()])).collect()
}

/// What a channel of a namespace carries (see [`Channels::classify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind<'c> {
    /// Broadcasts to `room` (`""`: to every socket). The reference skips a
    /// room broadcast, before decoding it, when no local socket is in the room.
    Broadcast {
        /// The room the channel names.
        room: &'c str,
    },
    /// Requests of other servers.
    Request,
    /// Answers to requests (the shared response channel or a server's own).
    Response,
}

/// The channel names of one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channels {
    /// `<prefix>#<nsp>#`: broadcasts to every socket (and, followed by
    /// `<room>#`, broadcasts to one room).
    pub broadcast: String,
    /// `<prefix>-request#<nsp>#`.
    pub request: String,
    /// `<prefix>-response#<nsp>#`.
    pub response: String,
}

impl Channels {
    /// The channels of namespace `namespace` under `prefix` ([`DEFAULT_PREFIX`]).
    pub fn new(prefix: &str, namespace: &str) -> Channels {
        Channels {
            broadcast: alloc::format!("{prefix}#{namespace}#"),
            request: alloc::format!("{prefix}-request#{namespace}#"),
            response: alloc::format!("{prefix}-response#{namespace}#"),
        }
    }

    /// The pattern every server subscribes to for broadcasts.
    pub fn broadcast_pattern(&self) -> String {
        alloc::format!("{}*", self.broadcast)
    }

    /// The channel a broadcast to `rooms` is published on: the room's own
    /// channel when there is exactly one, as the reference does.
    pub fn broadcast_channel(&self, rooms: &[crate::rooms::Room]) -> String {
        match rooms {
            [room] => alloc::format!("{}{}#", self.broadcast, room.as_str()),
            _ => self.broadcast.clone(),
        }
    }

    /// The response channel of one server (the reference
    /// `publishOnSpecificResponseChannel`), which every server subscribes to.
    pub fn specific_response(&self, uid: &str) -> String {
        alloc::format!("{}{uid}#", self.response)
    }

    /// What `channel` carries, `None` when it is not one of this namespace's.
    pub fn classify<'c>(&self, channel: &'c str) -> Option<ChannelKind<'c>> {
        if channel == self.request {
            return Some(ChannelKind::Request);
        }
        if channel.starts_with(self.response.as_str()) {
            return Some(ChannelKind::Response);
        }
        self.room_of(channel).map(|room| ChannelKind::Broadcast { room })
    }

    /// Where to publish the answer to a request of server `requester`
    /// (the reference `publishResponse`): its own response channel when
    /// `specific` (`publishOnSpecificResponseChannel`), else the shared one.
    /// Acks of server-side emits always take the shared one.
    pub fn answer_channel(&self, requester: &str, specific: bool) -> String {
        if specific {
            self.specific_response(requester)
        } else {
            self.response.clone()
        }
    }

    /// The room a broadcast channel names (`Some("")` for the channel of
    /// every socket), `None` for a channel of another namespace or prefix.
    pub fn room_of<'c>(&self, channel: &'c str) -> Option<&'c str> {
        let rest = channel.strip_prefix(self.broadcast.as_str())?;
        if rest.is_empty() {
            return Some("");
        }
        rest.strip_suffix('#')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_named_as_the_reference_names_them() {
        let channels = Channels::new(DEFAULT_PREFIX, "/");
        assert_eq!(channels.broadcast, "socket.io#/#");
        assert_eq!(channels.broadcast_pattern(), "socket.io#/#*");
        assert_eq!(channels.request, "socket.io-request#/#");
        assert_eq!(channels.response, "socket.io-response#/#");
        assert_eq!(channels.specific_response("abc123"), "socket.io-response#/#abc123#");
    }

    #[test]
    fn a_broadcast_to_one_room_goes_to_the_room_channel() {
        let channels = Channels::new("app", "/chat");
        assert_eq!(channels.broadcast_channel(&["lobby".into()]), "app#/chat#lobby#");
        assert_eq!(channels.broadcast_channel(&["a".into(), "b".into()]), "app#/chat#");
        assert_eq!(channels.broadcast_channel(&[]), "app#/chat#");
    }

    #[test]
    fn the_room_of_a_broadcast_channel_is_read_back() {
        let channels = Channels::new(DEFAULT_PREFIX, "/");
        assert_eq!(channels.room_of("socket.io#/#"), Some(""));
        assert_eq!(channels.room_of("socket.io#/#lobby#"), Some("lobby"));
        assert_eq!(channels.room_of("socket.io#/admin#"), None);
    }

    #[test]
    fn channels_are_told_apart() {
        let channels = Channels::new(DEFAULT_PREFIX, "/");
        assert_eq!(channels.classify("socket.io-request#/#"), Some(ChannelKind::Request));
        assert_eq!(channels.classify("socket.io-response#/#"), Some(ChannelKind::Response));
        assert_eq!(channels.classify("socket.io-response#/#abc123#"), Some(ChannelKind::Response));
        assert_eq!(channels.classify("socket.io#/#"), Some(ChannelKind::Broadcast { room: "" }));
        assert_eq!(channels.classify("socket.io#/#r#"), Some(ChannelKind::Broadcast { room: "r" }));
        assert_eq!(channels.classify("socket.io-request#/admin#"), None);
        assert_eq!(channels.answer_channel("abc123", true), "socket.io-response#/#abc123#");
        assert_eq!(channels.answer_channel("abc123", false), "socket.io-response#/#");
    }

    #[test]
    fn uids_use_the_alphanumeric_alphabet() {
        let uid = uid_from_random([0, 25, 26, 61, 62, 255]);
        assert_eq!(uid, "AZa9AH");
    }
}

#[cfg(test)]
mod wire_tests;

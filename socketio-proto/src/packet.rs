//! The Socket.IO packet model, shared by the decoder and the encoder.

use bytes::Bytes;
use engineio_proto::Str;
use serde::de::DeserializeOwned;

use crate::args::Args;
use crate::json::Json;

/// The Socket.IO protocol revision of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// Socket.IO 4 (socket.io 2.x) over Engine.IO 3: CONNECT carries no payload
    /// (auth goes in a namespace query), CONNECT_ERROR carries a JSON string.
    V4,
    /// Socket.IO 5 (socket.io 3.x and later) over Engine.IO 4: CONNECT may carry
    /// an object, CONNECT_ERROR carries `{"message":…,"data":…}`.
    V5,
}

impl ProtocolVersion {
    /// The Socket.IO revision spoken over an Engine.IO revision.
    pub const fn for_engineio(engineio: engineio_proto::ProtocolVersion) -> ProtocolVersion {
        match engineio {
            engineio_proto::ProtocolVersion::V3 => ProtocolVersion::V4,
            engineio_proto::ProtocolVersion::V4 => ProtocolVersion::V5,
        }
    }
}

/// The type of a Socket.IO packet, with its wire number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// `0`: join a namespace (client), or the answer to that (server).
    Connect = 0,
    /// `1`: leave a namespace.
    Disconnect = 1,
    /// `2`: an event without binary attachments.
    Event = 2,
    /// `3`: an acknowledgement without binary attachments.
    Ack = 3,
    /// `4`: the server refuses a CONNECT (named `ERROR` in v4).
    ConnectError = 4,
    /// `5`: an event with binary attachments.
    BinaryEvent = 5,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck = 6,
}

impl PacketType {
    /// The packet type with wire number `number`.
    pub const fn from_number(number: u8) -> Option<PacketType> {
        Some(match number {
            0 => PacketType::Connect,
            1 => PacketType::Disconnect,
            2 => PacketType::Event,
            3 => PacketType::Ack,
            4 => PacketType::ConnectError,
            5 => PacketType::BinaryEvent,
            6 => PacketType::BinaryAck,
            _ => return None,
        })
    }

    /// The ASCII digit of this type on the wire.
    pub const fn digit(self) -> u8 {
        b'0' + self as u8
    }
}

/// One Socket.IO packet: a namespace and what is sent to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The namespace, starting with `/` (`/` is the main one). In v4 a CONNECT
    /// namespace may end with a query (`/admin?token=1`): see
    /// [`Packet::namespace_path`] and [`Packet::namespace_query`].
    ///
    /// It must not contain `,`, which ends a namespace on the wire.
    pub namespace: Str,
    /// What the packet carries.
    pub data: PacketData,
}

/// What a packet carries, by packet type. BINARY_EVENT and BINARY_ACK are the
/// [`PacketData::Event`] and [`PacketData::Ack`] whose [`Args`] hold attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketData {
    /// CONNECT with its optional JSON object: the client's auth, or the
    /// server's `{"sid":…}` reply (v5). Always `None` in v4.
    Connect(Option<Json>),
    /// DISCONNECT.
    Disconnect,
    /// EVENT or BINARY_EVENT.
    Event(Event),
    /// ACK or BINARY_ACK.
    Ack(Ack),
    /// CONNECT_ERROR with its JSON payload: an object (v5) or a string (v4).
    ConnectError(Json),
}

/// The name of an event: a JSON string, or a number (the reference server
/// accepts numbers too).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventName {
    /// A string name (unescaped).
    Text(Str),
    /// A numeric name, as its JSON text (for example `1`).
    Number(Str),
}

impl EventName {
    /// The name as text (a numeric name as its JSON text).
    pub fn as_str(&self) -> &str {
        match self {
            EventName::Text(text) | EventName::Number(text) => text.as_str(),
        }
    }
}

impl From<&'static str> for EventName {
    fn from(name: &'static str) -> EventName {
        EventName::Text(Str::from_static(name))
    }
}

impl From<alloc::string::String> for EventName {
    fn from(name: alloc::string::String) -> EventName {
        EventName::Text(Str::from(name))
    }
}

/// An event: its name, its arguments, and the id of the acknowledgement the
/// sender waits for, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event name.
    pub name: EventName,
    /// The arguments after the name.
    pub arguments: Args,
    /// The acknowledgement id, if the sender wants an answer.
    pub ack_id: Option<u64>,
}

/// An acknowledgement: the answer to the event with the same id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The id of the event answered.
    pub id: u64,
    /// The answer's arguments.
    pub arguments: Args,
}

impl Event {
    /// Deserializes the arguments (after the name) into `T`, a tuple, `Vec` or
    /// positional struct; placeholders wanted as [`crate::Binary`] become the
    /// attachments' bytes.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.arguments.deserialize()
    }
}

impl Ack {
    /// Deserializes the arguments into `T` (see [`Event::args`]).
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.arguments.deserialize()
    }
}

impl Packet {
    /// A CONNECT packet with an optional JSON object (v5 auth or reply).
    pub fn connect(namespace: impl Into<Str>, payload: Option<Json>) -> Packet {
        Packet { namespace: namespace.into(), data: PacketData::Connect(payload) }
    }

    /// A DISCONNECT packet.
    pub fn disconnect(namespace: impl Into<Str>) -> Packet {
        Packet { namespace: namespace.into(), data: PacketData::Disconnect }
    }

    /// An EVENT (or BINARY_EVENT, when `args` hold attachments) packet.
    pub fn event(namespace: impl Into<Str>, name: impl Into<EventName>, args: Args, ack_id: Option<u64>) -> Packet {
        Packet {
            namespace: namespace.into(),
            data: PacketData::Event(Event { name: name.into(), arguments: args, ack_id }),
        }
    }

    /// An ACK (or BINARY_ACK, when `args` hold attachments) packet.
    pub fn ack(namespace: impl Into<Str>, id: u64, args: Args) -> Packet {
        Packet { namespace: namespace.into(), data: PacketData::Ack(Ack { id, arguments: args }) }
    }

    /// A CONNECT_ERROR packet with its JSON payload (see
    /// [`Json::connect_error`] for the per-version payload).
    pub fn connect_error(namespace: impl Into<Str>, payload: Json) -> Packet {
        Packet { namespace: namespace.into(), data: PacketData::ConnectError(payload) }
    }

    /// The packet type on the wire (BINARY_* when attachments are present).
    pub fn packet_type(&self) -> PacketType {
        match &self.data {
            PacketData::Connect(_) => PacketType::Connect,
            PacketData::Disconnect => PacketType::Disconnect,
            PacketData::Event(event) if event.arguments.attachments().is_empty() => PacketType::Event,
            PacketData::Event(_) => PacketType::BinaryEvent,
            PacketData::Ack(ack) if ack.arguments.attachments().is_empty() => PacketType::Ack,
            PacketData::Ack(_) => PacketType::BinaryAck,
            PacketData::ConnectError(_) => PacketType::ConnectError,
        }
    }

    /// The binary attachments of the packet (empty unless BINARY_*).
    pub fn attachments(&self) -> &[Bytes] {
        match &self.data {
            PacketData::Event(event) => event.arguments.attachments(),
            PacketData::Ack(ack) => ack.arguments.attachments(),
            _ => &[],
        }
    }

    /// The namespace without its query (`/admin` for `/admin?token=1`).
    pub fn namespace_path(&self) -> &str {
        let namespace = self.namespace.as_str();
        namespace.split_once('?').map_or(namespace, |(path, _)| path)
    }

    /// The query of a v4 CONNECT namespace (`token=1` for `/admin?token=1`).
    pub fn namespace_query(&self) -> Option<&str> {
        self.namespace.as_str().split_once('?').map(|(_, query)| query)
    }
}

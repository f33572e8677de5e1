//! Engine.IO packets: types, text and binary forms, the open packet, and the
//! WebSocket frame form of each packet.
//!
//! A packet travels in one of three containers:
//! - a WebSocket frame ([`Frame`]), one packet per frame ([`Packet::decode_frame`],
//!   [`Packet::into_frame`]);
//! - a record of an HTTP long-polling payload (see [`crate::payload`]);
//! - the text form `<type digit>[<data>]` shared by both ([`Packet::decode_text`]).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};
use core::time::Duration;

use crate::base64;
use crate::error::DecodeError;
use crate::sid::Sid;
use crate::str::Str;

/// The Engine.IO protocol revision of a session (`EIO=` in the query string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// Engine.IO 3 (Socket.IO 1.x and 2.x): the client pings, length-prefixed polling payloads.
    V3,
    /// Engine.IO 4 (Socket.IO 3.x and later): the server pings, `\x1e`-separated payloads.
    V4,
}

impl ProtocolVersion {
    /// The value of the `EIO` query parameter, if it names a supported revision.
    pub fn from_query_value(value: &str) -> Option<ProtocolVersion> {
        match value {
            "3" => Some(ProtocolVersion::V3),
            "4" => Some(ProtocolVersion::V4),
            _ => None,
        }
    }

    /// The value to put in the `EIO` query parameter.
    pub const fn as_query_value(self) -> &'static str {
        match self {
            ProtocolVersion::V3 => "3",
            ProtocolVersion::V4 => "4",
        }
    }
}

/// An Engine.IO transport (`transport=` in the query string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling: a held `GET` for server→client, `POST` for client→server.
    Polling,
    /// One WebSocket connection, one packet per frame.
    WebSocket,
}

impl TransportKind {
    /// The transport named by a `transport` query value or an `upgrades` entry.
    pub fn from_name(name: &str) -> Option<TransportKind> {
        match name {
            "polling" => Some(TransportKind::Polling),
            "websocket" => Some(TransportKind::WebSocket),
            _ => None,
        }
    }

    /// The transport's name on the wire.
    pub const fn name(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }
}

/// The type of an Engine.IO packet, with its wire number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// `0`: handshake, server → client.
    Open = 0,
    /// `1`: the transport (and session) can be closed.
    Close = 1,
    /// `2`: heartbeat request, or `2probe` during an upgrade.
    Ping = 2,
    /// `3`: heartbeat answer, or `3probe` during an upgrade.
    Pong = 3,
    /// `4`: application data.
    Message = 4,
    /// `5`: the client switches to the probed transport.
    Upgrade = 5,
    /// `6`: releases a held polling request during an upgrade.
    Noop = 6,
}

impl PacketType {
    /// The packet type with wire number `number`.
    pub const fn from_number(number: u8) -> Option<PacketType> {
        Some(match number {
            0 => PacketType::Open,
            1 => PacketType::Close,
            2 => PacketType::Ping,
            3 => PacketType::Pong,
            4 => PacketType::Message,
            5 => PacketType::Upgrade,
            6 => PacketType::Noop,
            _ => return None,
        })
    }

    /// The ASCII digit of this type in the text form.
    pub const fn digit(self) -> u8 {
        b'0' + self as u8
    }
}

/// Application data carried by a message packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// UTF-8 text (a WebSocket text frame, or `4<text>`).
    Text(Str),
    /// Bytes (a WebSocket binary frame, or base64 in a text payload).
    Binary(Bytes),
}

impl Message {
    /// Size of the data in bytes.
    pub fn len(&self) -> usize {
        match self {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
        }
    }

    /// Whether the data is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<&'static str> for Message {
    fn from(text: &'static str) -> Message {
        Message::Text(Str::from_static(text))
    }
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::Text(Str::from(text))
    }
}

impl From<Bytes> for Message {
    fn from(bytes: Bytes) -> Message {
        Message::Binary(bytes)
    }
}

/// The handshake data of an open packet (`0{"sid":…}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPacket {
    /// The session id the client must send on every later request.
    pub sid: Sid,
    /// Transports the client may upgrade to (`["websocket"]` from polling, `[]` from websocket).
    pub upgrades: Vec<TransportKind>,
    /// How often the heartbeat runs.
    pub ping_interval: Duration,
    /// How long a heartbeat may wait for its answer.
    pub ping_timeout: Duration,
    /// Largest polling payload the server accepts, in bytes (absent in v3).
    pub max_payload: Option<u64>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenJson<S, U> {
    sid: S,
    upgrades: U,
    ping_interval: u64,
    ping_timeout: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    max_payload: Option<u64>,
}

fn duration_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl OpenPacket {
    /// The JSON text of the open packet, keys in the reference server's order.
    pub fn to_json(&self) -> String {
        let upgrades: Vec<&str> = self.upgrades.iter().map(|kind| kind.name()).collect();
        let json = OpenJson {
            sid: self.sid.as_str(),
            upgrades,
            ping_interval: duration_millis(self.ping_interval),
            ping_timeout: duration_millis(self.ping_timeout),
            max_payload: self.max_payload,
        };
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Parses the JSON of an open packet. Unknown upgrade names (for example
    /// `webtransport`) are skipped; unknown keys are ignored.
    pub fn from_json(json: &[u8]) -> Result<OpenPacket, DecodeError> {
        let parsed: OpenJson<String, Vec<String>> = serde_json::from_slice(json)
            .map_err(|error| DecodeError::InvalidOpenPacket { reason: error.to_string() })?;
        Ok(OpenPacket {
            sid: Sid::new(&parsed.sid),
            upgrades: parsed.upgrades.iter().filter_map(|name| TransportKind::from_name(name)).collect(),
            ping_interval: Duration::from_millis(parsed.ping_interval),
            ping_timeout: Duration::from_millis(parsed.ping_timeout),
            max_payload: parsed.max_payload,
        })
    }
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0{…}`: the handshake.
    Open(OpenPacket),
    /// `1`: close the session.
    Close,
    /// `2`: heartbeat request.
    Ping,
    /// `3`: heartbeat answer.
    Pong,
    /// `2probe`: the client tests a new transport.
    PingProbe,
    /// `3probe`: the server confirms the new transport works.
    PongProbe,
    /// `4…`: application data.
    Message(Message),
    /// `5`: the client switches to the probed transport.
    Upgrade,
    /// `6`: releases a held polling request.
    Noop,
}

/// A WebSocket frame as the WebSocket library sees it: one Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A text frame.
    Text(Str),
    /// A binary frame.
    Binary(Bytes),
}

const PROBE: &str = "probe";

impl Packet {
    /// A text message packet.
    pub fn text(text: impl Into<Str>) -> Packet {
        Packet::Message(Message::Text(text.into()))
    }

    /// A binary message packet.
    pub fn binary(bytes: impl Into<Bytes>) -> Packet {
        Packet::Message(Message::Binary(bytes.into()))
    }

    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Open(_) => PacketType::Open,
            Packet::Close => PacketType::Close,
            Packet::Ping | Packet::PingProbe => PacketType::Ping,
            Packet::Pong | Packet::PongProbe => PacketType::Pong,
            Packet::Message(_) => PacketType::Message,
            Packet::Upgrade => PacketType::Upgrade,
            Packet::Noop => PacketType::Noop,
        }
    }

    /// Decodes the text form `<type digit>[<data>]`. A message's text is sliced
    /// out of `text` without copying.
    ///
    /// Data after a type that takes none is ignored, as the reference parser
    /// does; `2probe`/`3probe` are recognised.
    pub fn decode_text(text: Str) -> Result<Packet, DecodeError> {
        let Some(&first) = text.as_bytes().first() else {
            return Err(DecodeError::EmptyPacket { offset: 0 });
        };
        let packet_type = first
            .checked_sub(b'0')
            .and_then(PacketType::from_number)
            .ok_or(DecodeError::UnknownPacketType { byte: first, offset: 0 })?;
        let data = &text.as_str()[1..];
        Ok(match packet_type {
            PacketType::Open => Packet::Open(OpenPacket::from_json(data.as_bytes())?),
            PacketType::Close => Packet::Close,
            PacketType::Ping if data == PROBE => Packet::PingProbe,
            PacketType::Ping => Packet::Ping,
            PacketType::Pong if data == PROBE => Packet::PongProbe,
            PacketType::Pong => Packet::Pong,
            PacketType::Message => Packet::Message(Message::Text(Str::from_checked(text.as_bytes().slice(1..)))),
            PacketType::Upgrade => Packet::Upgrade,
            PacketType::Noop => Packet::Noop,
        })
    }

    /// Decodes a WebSocket frame of a session speaking `protocol`.
    ///
    /// Binary frames are messages: as-is in v4, behind a raw type byte in v3.
    pub fn decode_frame(protocol: ProtocolVersion, frame: Frame) -> Result<Packet, DecodeError> {
        match frame {
            Frame::Text(text) => Packet::decode_text(text),
            Frame::Binary(bytes) => match protocol {
                ProtocolVersion::V4 => Ok(Packet::Message(Message::Binary(bytes))),
                ProtocolVersion::V3 => Packet::decode_v3_binary(bytes, 0),
            },
        }
    }

    /// Decodes a v3 binary packet: a raw type byte (0–6) then the data.
    pub(crate) fn decode_v3_binary(bytes: Bytes, offset: usize) -> Result<Packet, DecodeError> {
        let Some(&first) = bytes.first() else {
            return Err(DecodeError::EmptyPacket { offset });
        };
        match PacketType::from_number(first) {
            Some(PacketType::Message) => Ok(Packet::Message(Message::Binary(bytes.slice(1..)))),
            Some(PacketType::Open) | None => Err(DecodeError::UnknownPacketType { byte: first, offset }),
            // Control packets carry no binary data; keep their type.
            Some(packet_type) => Ok(Packet::without_data(packet_type)),
        }
    }

    /// Decodes `b<base64>` (v4) or `b<type digit><base64>` (v3) records of text
    /// polling payloads. `text` is the record without the leading `b`.
    pub(crate) fn decode_base64_record(
        protocol: ProtocolVersion,
        text: &[u8],
        offset: usize,
    ) -> Result<Packet, DecodeError> {
        let (packet_type, encoded, data_offset) = match protocol {
            ProtocolVersion::V4 => (PacketType::Message, text, offset + 1),
            ProtocolVersion::V3 => {
                let Some(&digit) = text.first() else {
                    return Err(DecodeError::EmptyPacket { offset });
                };
                let packet_type = digit
                    .checked_sub(b'0')
                    .and_then(PacketType::from_number)
                    .ok_or(DecodeError::UnknownPacketType { byte: digit, offset: offset + 1 })?;
                (packet_type, &text[1..], offset + 2)
            }
        };
        let bytes = base64::decode(encoded)
            .map_err(|error| DecodeError::InvalidBase64 { offset: data_offset + error.offset })?;
        match packet_type {
            PacketType::Message => Ok(Packet::Message(Message::Binary(Bytes::from(bytes)))),
            PacketType::Open => Err(DecodeError::UnknownPacketType { byte: PacketType::Open.digit(), offset }),
            other => Ok(Packet::without_data(other)),
        }
    }

    fn without_data(packet_type: PacketType) -> Packet {
        match packet_type {
            PacketType::Close => Packet::Close,
            PacketType::Ping => Packet::Ping,
            PacketType::Pong => Packet::Pong,
            PacketType::Upgrade => Packet::Upgrade,
            PacketType::Noop => Packet::Noop,
            // Callers handle Open and Message themselves; treat them as noop
            // defensively rather than panic.
            PacketType::Open | PacketType::Message => Packet::Noop,
        }
    }

    /// The WebSocket frame that carries this packet on a session speaking `protocol`.
    ///
    /// Text packets and v4 binary messages are moved into the frame without copying.
    pub fn into_frame(self, protocol: ProtocolVersion) -> Frame {
        match self {
            Packet::Message(Message::Binary(bytes)) => match protocol {
                ProtocolVersion::V4 => Frame::Binary(bytes),
                ProtocolVersion::V3 => {
                    let mut framed = BytesMut::with_capacity(bytes.len() + 1);
                    framed.put_u8(PacketType::Message as u8);
                    framed.put_slice(&bytes);
                    Frame::Binary(framed.freeze())
                }
            },
            other => {
                let mut out = Vec::with_capacity(other.text_len(protocol));
                other.write_text(protocol, &mut out);
                Frame::Text(Str::from_checked(Bytes::from(out)))
            }
        }
    }

    /// Length of this packet in the text form used inside polling payloads:
    /// `<digit><data>`, with binary messages as `b<base64>` (v4) or
    /// `b4<base64>` (v3).
    pub fn text_len(&self, protocol: ProtocolVersion) -> usize {
        match self {
            Packet::Open(open) => 1 + open.to_json().len(),
            Packet::PingProbe | Packet::PongProbe => 1 + PROBE.len(),
            Packet::Message(Message::Text(text)) => 1 + text.len(),
            Packet::Message(Message::Binary(bytes)) => {
                let prefix = match protocol {
                    ProtocolVersion::V4 => 1,
                    ProtocolVersion::V3 => 2,
                };
                prefix + base64::encoded_len(bytes.len())
            }
            Packet::Close | Packet::Ping | Packet::Pong | Packet::Upgrade | Packet::Noop => 1,
        }
    }

    /// Appends the text form (see [`Packet::text_len`]) to `out`.
    pub fn write_text(&self, protocol: ProtocolVersion, out: &mut Vec<u8>) {
        match self {
            Packet::Message(Message::Binary(bytes)) => {
                out.push(b'b');
                if protocol == ProtocolVersion::V3 {
                    out.push(PacketType::Message.digit());
                }
                base64::encode_into(bytes, out);
            }
            other => {
                out.push(other.packet_type().digit());
                match other {
                    Packet::Open(open) => out.extend_from_slice(open.to_json().as_bytes()),
                    Packet::PingProbe | Packet::PongProbe => out.extend_from_slice(PROBE.as_bytes()),
                    Packet::Message(Message::Text(text)) => out.extend_from_slice(text.as_bytes()),
                    _ => {}
                }
            }
        }
    }
}

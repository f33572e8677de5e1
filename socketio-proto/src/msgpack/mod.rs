//! The packet codec of `socket.io-msgpack-parser` (feature `msgpack`).
//!
//! Each Socket.IO packet is one msgpack map `{type, data, nsp, id?}` sent as
//! one binary Engine.IO message. Binary values are msgpack `bin` in place:
//! there are no attachments, and no BINARY_EVENT or BINARY_ACK types (only 0
//! to 4). [`decode`] maps such a message into the usual [`Packet`] model:
//! arguments become JSON text whose `bin` values are placeholders plus
//! attachments, so [`crate::Binary`] fields keep working; [`encode`] does the
//! reverse and writes what `notepack.io` writes: the smallest integer and
//! length forms, 64-bit floats only for non-integral numbers, and the key
//! order of the reference server (`{type, data, id, nsp}`; ACK
//! `{id, type, data, nsp}`), with absent values left out.
//!
//! What the JSON model cannot carry is refused with a [`DecodeError`]: map
//! keys that are not strings, NaN and infinities, extension values other than
//! `undefined` and Node's `ArrayBuffer` (ext type 0, read as binary), a
//! negative ack id, and binary values in CONNECT or CONNECT_ERROR payloads
//! ([`Json`] has no attachments). Invalid UTF-8 in strings is refused too
//! (the JS parser would replace it). `undefined` follows `JSON.stringify`:
//! dropped from maps, `null` in arrays, absent as a packet field. Integers
//! beyond 2^53 are kept exactly (JS would round them).
//!
//! The codec is written by hand (no msgpack dependency), so it works with
//! `no_std` + `alloc`.
//!
//! ```
//! # use socketio_proto::{msgpack, Args, Packet};
//! let packet = Packet::event("/", "hello", Args::from_tuple(&("world",)).unwrap(), Some(1));
//! let bytes = msgpack::encode(&packet).unwrap();
//! assert_eq!(msgpack::decode(&bytes).unwrap(), packet);
//! ```

mod error;
pub(crate) mod value;

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use bytes::Bytes;
use engineio_proto::{Message, Str};

pub use error::{DecodeError, EncodeError};
use value::{encoded_len, is_integral, map_header_len, string_len, unsigned_len, Reader, Value, Writer};

use crate::args::Args;
use crate::json::Json;
use crate::packet::{Ack, Event, EventName, Packet, PacketData, PacketType};

/// How deep arrays and maps may nest in a received packet (as serde_json's
/// default recursion limit).
pub const MAX_DEPTH: usize = 128;

/// Event names the reference implementation refuses (as the text decoder does).
const RESERVED_EVENTS: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// Decodes one Engine.IO message: it must be binary (see [`decode`]).
pub fn decode_message(message: &Message) -> Result<Packet, DecodeError> {
    match message {
        Message::Binary(bytes) => decode(bytes),
        Message::Text(_) => Err(DecodeError::TextMessage),
    }
}

/// Decodes the bytes of one binary message into a packet, checking it as
/// `socket.io-msgpack-parser`'s `Decoder` does. The namespace, the event name
/// and top-level binary arguments share the storage of `bytes`. Unknown map
/// keys (the client's `options`) are ignored; the last of duplicate keys wins;
/// an `id` on a packet other than EVENT or ACK is checked, then ignored (the
/// JS parser allows it).
pub fn decode(bytes: &Bytes) -> Result<Packet, DecodeError> {
    let Value::Map(entries) = Reader::new(bytes).read_whole()? else {
        return Err(DecodeError::NotAMap);
    };
    let (mut packet_type, mut data, mut namespace, mut id) = (None, None, None, None);
    for (key, value) in entries {
        let slot = match key.as_ref() {
            "type" => &mut packet_type,
            "data" => &mut data,
            "nsp" => &mut namespace,
            "id" => &mut id,
            _ => continue,
        };
        *slot = Some(value).filter(|value| *value != Value::Undefined);
    }
    let packet_type = read_packet_type(packet_type.as_ref())?;
    let namespace = match namespace {
        Some(Value::Str(namespace)) => shared_str(bytes, namespace),
        _ => return Err(DecodeError::InvalidNamespace),
    };
    let id = id.as_ref().map(read_ack_id).transpose()?;
    let data = packet_data(bytes, packet_type, data, id)?;
    Ok(Packet { namespace, data })
}

/// What the packet carries, from its `data` and `id` fields.
fn packet_data(
    message: &Bytes,
    packet_type: PacketType,
    data: Option<Value<'_>>,
    id: Option<u64>,
) -> Result<PacketData, DecodeError> {
    let invalid = |expected| DecodeError::InvalidPayload { packet_type, expected };
    Ok(match (packet_type, data) {
        (PacketType::Connect, None) => PacketData::Connect(None),
        (PacketType::Connect, Some(object @ Value::Map(_))) => {
            PacketData::Connect(Some(to_json(&object).ok_or_else(|| invalid("an object without binary values"))?))
        }
        (PacketType::Connect, Some(_)) => return Err(invalid("an object or nothing")),
        (PacketType::Disconnect, None) => PacketData::Disconnect,
        (PacketType::Disconnect, Some(_)) => return Err(invalid("nothing")),
        (PacketType::ConnectError, Some(payload @ (Value::Map(_) | Value::Str(_)))) => {
            PacketData::ConnectError(to_json(&payload).ok_or_else(|| invalid("a payload without binary values"))?)
        }
        (PacketType::ConnectError, _) => return Err(invalid("a string or an object")),
        (PacketType::Event | PacketType::BinaryEvent, Some(Value::Array(items))) => {
            let name = match items.first() {
                Some(name) => event_name(message, name).ok_or_else(|| invalid("an event name (string or number)"))?,
                None => return Err(invalid("a non-empty array")),
            };
            if let EventName::Text(text) = &name {
                if RESERVED_EVENTS.contains(&text.as_str()) {
                    return Err(DecodeError::ReservedEventName { name: text.as_str().to_string() });
                }
            }
            let arguments = to_args(items.get(1..).unwrap_or_default()).ok_or_else(|| invalid("JSON arguments"))?;
            PacketData::Event(Event { name, arguments, ack_id: id })
        }
        (PacketType::Ack | PacketType::BinaryAck, Some(Value::Array(items))) => {
            let arguments = to_args(&items).ok_or_else(|| invalid("JSON arguments"))?;
            PacketData::Ack(Ack { id: id.ok_or(DecodeError::MissingAckId)?, arguments })
        }
        (PacketType::Event | PacketType::BinaryEvent | PacketType::Ack | PacketType::BinaryAck, _) => {
            return Err(invalid("an array"));
        }
    })
}

/// An event name: a string, or a number kept as its JSON text.
pub(crate) fn event_name(message: &Bytes, value: &Value<'_>) -> Option<EventName> {
    match value {
        Value::Str(name) => Some(EventName::Text(shared_str(message, name.clone()))),
        Value::UInt(_) | Value::Int(_) | Value::Float(_) => {
            serde_json::to_string(value).ok().map(|text| EventName::Number(Str::from(text)))
        }
        _ => None,
    }
}

/// `type`: an integer from 0 to 4.
fn read_packet_type(value: Option<&Value<'_>>) -> Result<PacketType, DecodeError> {
    let number = match value {
        Some(Value::UInt(number)) => *number,
        Some(Value::Float(number)) if is_integral(*number) && (0.0..=4.0).contains(number) => *number as u64,
        _ => return Err(DecodeError::InvalidPacketType),
    };
    match u8::try_from(number).ok().and_then(PacketType::from_number) {
        Some(packet_type) if number <= PacketType::ConnectError as u64 => Ok(packet_type),
        _ => Err(DecodeError::InvalidPacketType),
    }
}

/// `id`: a non-negative integer (a float with an integral value counts, as in JS).
fn read_ack_id(value: &Value<'_>) -> Result<u64, DecodeError> {
    match value {
        Value::UInt(id) => Ok(*id),
        Value::Float(id) if is_integral(*id) && *id >= 0.0 && *id < 18_446_744_073_709_551_616.0 => Ok(*id as u64),
        _ => Err(DecodeError::InvalidAckId),
    }
}

/// A string of the message without copying it when it was borrowed from it.
fn shared_str(message: &Bytes, text: Cow<'_, str>) -> Str {
    match text {
        Cow::Borrowed(text) => {
            Str::from_utf8(message.slice_ref(text.as_bytes())).unwrap_or_else(|_| Str::from(String::from(text)))
        }
        Cow::Owned(text) => Str::from(text),
    }
}

/// A CONNECT or CONNECT_ERROR payload as JSON text; `None` when it holds binary.
pub(crate) fn to_json(value: &Value<'_>) -> Option<Json> {
    if value.contains_binary() {
        return None;
    }
    Json::from_serialize(value).ok()
}

/// Arguments as JSON text, binary values as attachments (a top-level binary
/// argument shares the message's storage; nested ones are copied).
pub(crate) fn to_args(items: &[Value<'_>]) -> Option<Args> {
    let mut builder = Args::builder();
    for item in items {
        builder = match item {
            Value::Bin(bytes) => builder.binary(bytes.clone()),
            _ => builder.arg(item).ok()?,
        };
    }
    Some(builder.build())
}

/// Encodes a packet as one binary Engine.IO message (see [`encode`]).
pub fn encode_message(packet: &Packet) -> Result<Message, EncodeError> {
    encode(packet).map(Message::Binary)
}

/// Encodes a packet as the bytes of one binary message, allocated once, as
/// the reference server's `socket.io-msgpack-parser` would. BINARY_EVENT and
/// BINARY_ACK become EVENT (2) and ACK (3) with `bin` values in place of
/// their placeholders.
pub fn encode(packet: &Packet) -> Result<Bytes, EncodeError> {
    let (packet_type, data, id) = match &packet.data {
        PacketData::Connect(payload) => (PacketType::Connect, payload.as_ref().map(parse_json).transpose()?, None),
        PacketData::Disconnect => (PacketType::Disconnect, None, None),
        PacketData::Event(event) => {
            let name = match &event.name {
                EventName::Text(name) => Value::Str(Cow::Borrowed(name.as_str())),
                EventName::Number(number) => serde_json::from_str(number.as_str()).map_err(json_error)?,
            };
            (PacketType::Event, Some(arguments(&event.arguments, Some(name))?), event.ack_id)
        }
        PacketData::Ack(ack) => (PacketType::Ack, Some(arguments(&ack.arguments, None)?), Some(ack.id)),
        PacketData::ConnectError(payload) => (PacketType::ConnectError, Some(parse_json(payload)?), None),
    };
    let namespace = packet.namespace.as_str();
    let entries = 2 + usize::from(data.is_some()) + usize::from(id.is_some());
    let type_number = packet_type as u64;
    let length = map_header_len(entries)
        + string_len("type")
        + unsigned_len(type_number)
        + data.as_ref().map_or(0, |data| string_len("data") + encoded_len(data))
        + id.map_or(0, |id| string_len("id") + unsigned_len(id))
        + string_len("nsp")
        + string_len(namespace);
    let mut writer = Writer::with_capacity(length);
    writer.map_header(entries)?;
    let ack_id_first = packet_type == PacketType::Ack;
    if let (true, Some(id)) = (ack_id_first, id) {
        writer.string("id")?;
        writer.unsigned(id);
    }
    writer.string("type")?;
    writer.unsigned(type_number);
    if let Some(data) = &data {
        writer.string("data")?;
        writer.value(data)?;
    }
    if let (false, Some(id)) = (ack_id_first, id) {
        writer.string("id")?;
        writer.unsigned(id);
    }
    writer.string("nsp")?;
    writer.string(namespace)?;
    let bytes = writer.finish();
    debug_assert_eq!(bytes.len(), length, "the computed length sizes the one allocation");
    Ok(bytes)
}

fn json_error(error: serde_json::Error) -> EncodeError {
    EncodeError::InvalidJson { reason: error.to_string() }
}

fn parse_json(json: &Json) -> Result<Value<'_>, EncodeError> {
    serde_json::from_str(json.as_str()).map_err(json_error)
}

/// The `data` array: the event name (if any), then the arguments with their
/// placeholders replaced by the attachments.
pub(crate) fn arguments<'a>(args: &'a Args, name: Option<Value<'a>>) -> Result<Value<'a>, EncodeError> {
    let mut items: Vec<Value<'a>> = args.deserialize().map_err(json_error)?;
    items.iter_mut().try_for_each(|item| item.resolve_placeholders(args.attachments()))?;
    if let Some(name) = name {
        items.insert(0, name);
    }
    Ok(Value::Array(items))
}

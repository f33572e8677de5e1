//! The messages servers exchange, and their encodings (msgpack as
//! `notepack.io` writes it, or JSON text where the reference sends JSON).

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;
use engineio_proto::Str;

use super::error::{DecodeError, EncodeError};
use crate::args::Args;
use crate::broadcast::{BroadcastFlags, BroadcastOptions};
use crate::json::Json;
use crate::msgpack::value::{encoded_len, Reader, Value, Writer};
use crate::msgpack::{arguments, event_name, to_args, to_json};
use crate::packet::{EventName, PacketType};
use crate::rooms::Room;

/// The reference's `RequestType`: the `type` field of requests and of some responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RequestType {
    /// The ids of the sockets in some rooms (`allSockets`, answered only).
    Sockets = 0,
    /// Every room of every server (`allRooms`).
    AllRooms = 1,
    /// Make the selected sockets join rooms (`socketsJoin`).
    RemoteJoin = 2,
    /// Make the selected sockets leave rooms (`socketsLeave`).
    RemoteLeave = 3,
    /// Disconnect the selected sockets (`disconnectSockets`).
    RemoteDisconnect = 4,
    /// Describe the selected sockets (`fetchSockets`).
    RemoteFetch = 5,
    /// An event for the other servers (`serverSideEmit`), and its ack.
    ServerSideEmit = 6,
    /// A broadcast whose clients are asked for acks.
    Broadcast = 7,
    /// How many clients a server sent a broadcast with acks to.
    BroadcastClientCount = 8,
    /// One client's ack of a broadcast with acks.
    BroadcastAck = 9,
}

impl RequestType {
    fn from_number(number: u64) -> Option<RequestType> {
        Some(match number {
            0 => RequestType::Sockets,
            1 => RequestType::AllRooms,
            2 => RequestType::RemoteJoin,
            3 => RequestType::RemoteLeave,
            4 => RequestType::RemoteDisconnect,
            5 => RequestType::RemoteFetch,
            6 => RequestType::ServerSideEmit,
            7 => RequestType::Broadcast,
            8 => RequestType::BroadcastClientCount,
            9 => RequestType::BroadcastAck,
            _ => return None,
        })
    }
}

/// An EVENT packet as the reference adapter carries it (`{type, data, nsp}`).
#[derive(Debug, Clone, PartialEq)]
pub struct RemotePacket {
    /// The namespace (`/` when the packet has none, as the reference reads it).
    pub namespace: Str,
    /// The event name.
    pub event: EventName,
    /// The arguments; binary values are attachments.
    pub args: Args,
}

/// A broadcast published by one server for the others: `[uid, packet, opts]`.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastMessage {
    /// The publishing server's uid.
    pub uid: String,
    /// The packet.
    pub packet: RemotePacket,
    /// Rooms, except and flags (`volatile`, `compress`, `timeout`).
    pub options: BroadcastOptions,
}

impl BroadcastMessage {
    /// Encodes a broadcast as the reference does: the msgpack array
    /// `[uid, {type: 2, data: [event, ...args], nsp}, {rooms, except, flags}]`.
    pub fn encode(
        uid: &str,
        namespace: &str,
        event: &EventName,
        args: &Args,
        options: &BroadcastOptions,
    ) -> Result<Bytes, EncodeError> {
        let message = Value::Array(vec![
            Value::Str(Cow::Borrowed(uid)),
            packet_value(namespace, event, args)?,
            options_value(options, true),
        ]);
        write_msgpack(&message)
    }

    /// Decodes a broadcast of another server.
    pub fn decode(bytes: &Bytes) -> Result<BroadcastMessage, DecodeError> {
        let Value::Array(items) = Reader::new(bytes).read_whole()? else {
            return Err(malformed("message", "an array"));
        };
        let mut items = items.into_iter();
        let (Some(uid), Some(packet), Some(options)) = (items.next(), items.next(), items.next()) else {
            return Err(malformed("message", "[uid, packet, opts]"));
        };
        Ok(BroadcastMessage {
            uid: string(Some(&uid), "uid")?,
            packet: read_packet(bytes, &packet)?,
            options: read_options(Some(&options))?,
        })
    }
}

/// What a socket looks like to another server's `fetchSockets`.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketDetails {
    /// The socket id.
    pub id: String,
    /// The handshake (`{headers, time, address, xdomain, secure, issued, url, query, auth}`).
    pub handshake: Json,
    /// The socket's rooms, its own first.
    pub rooms: Vec<String>,
    /// The socket's data (`socket.data`).
    pub data: Json,
}

/// A request of one server to the others, on the request channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// The ids of the sockets in `rooms` (every socket when empty).
    Sockets {
        /// The requesting server.
        uid: String,
        /// The id answers carry.
        request_id: String,
        /// The rooms.
        rooms: Vec<Room>,
    },
    /// Every room.
    AllRooms {
        /// The requesting server.
        uid: String,
        /// The id answers carry.
        request_id: String,
    },
    /// The selected sockets join `rooms` (no answer).
    SocketsJoin {
        /// The requesting server.
        uid: String,
        /// The selection (rooms and except).
        options: BroadcastOptions,
        /// The rooms to join.
        rooms: Vec<Room>,
    },
    /// The selected sockets leave `rooms` (no answer).
    SocketsLeave {
        /// The requesting server.
        uid: String,
        /// The selection (rooms and except).
        options: BroadcastOptions,
        /// The rooms to leave.
        rooms: Vec<Room>,
    },
    /// The selected sockets are disconnected (no answer).
    DisconnectSockets {
        /// The requesting server.
        uid: String,
        /// The selection (rooms and except).
        options: BroadcastOptions,
        /// Whether their whole connections are closed.
        close: bool,
    },
    /// The details of the selected sockets.
    FetchSockets {
        /// The requesting server.
        uid: String,
        /// The id answers carry.
        request_id: String,
        /// The selection (rooms and except).
        options: BroadcastOptions,
    },
    /// An event for the servers' own listeners; with a request id, each
    /// server answers once.
    ServerSideEmit {
        /// The emitting server.
        uid: String,
        /// Present when the emitter waits for acks.
        request_id: Option<String>,
        /// The event name.
        event: EventName,
        /// The arguments.
        args: Args,
    },
    /// A broadcast whose clients are asked for acks: every other server
    /// answers with its client count, then each client's ack.
    BroadcastWithAck {
        /// The emitting server.
        uid: String,
        /// The id answers carry.
        request_id: String,
        /// The packet.
        packet: RemotePacket,
        /// Rooms, except and flags.
        options: BroadcastOptions,
    },
}

impl Request {
    /// The uid of the server that sent the request.
    pub fn uid(&self) -> &str {
        match self {
            Request::Sockets { uid, .. }
            | Request::AllRooms { uid, .. }
            | Request::SocketsJoin { uid, .. }
            | Request::SocketsLeave { uid, .. }
            | Request::DisconnectSockets { uid, .. }
            | Request::FetchSockets { uid, .. }
            | Request::ServerSideEmit { uid, .. }
            | Request::BroadcastWithAck { uid, .. } => uid,
        }
    }

    /// Encodes the request as the reference sends it: JSON text, except
    /// [`Request::BroadcastWithAck`] (msgpack, binary arguments in place).
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let uid_entry = |uid: &str| (Cow::Borrowed("uid"), Value::Str(Cow::Owned(uid.to_string())));
        let id_entry = |id: &str| (Cow::Borrowed("requestId"), Value::Str(Cow::Owned(id.to_string())));
        let type_entry = |kind: RequestType| (Cow::Borrowed("type"), Value::UInt(kind as u64));
        fn selection(options: &BroadcastOptions) -> (Cow<'static, str>, Value<'_>) {
            (Cow::Borrowed("opts"), options_value(options, false))
        }
        let entries = match self {
            Request::Sockets { uid, request_id, rooms } => vec![
                uid_entry(uid),
                id_entry(request_id),
                type_entry(RequestType::Sockets),
                (Cow::Borrowed("rooms"), rooms_value(rooms)),
            ],
            Request::AllRooms { uid, request_id } => {
                vec![uid_entry(uid), id_entry(request_id), type_entry(RequestType::AllRooms)]
            }
            Request::SocketsJoin { uid, options, rooms } => vec![
                uid_entry(uid),
                type_entry(RequestType::RemoteJoin),
                selection(options),
                (Cow::Borrowed("rooms"), rooms_value(rooms)),
            ],
            Request::SocketsLeave { uid, options, rooms } => vec![
                uid_entry(uid),
                type_entry(RequestType::RemoteLeave),
                selection(options),
                (Cow::Borrowed("rooms"), rooms_value(rooms)),
            ],
            Request::DisconnectSockets { uid, options, close } => vec![
                uid_entry(uid),
                type_entry(RequestType::RemoteDisconnect),
                selection(options),
                (Cow::Borrowed("close"), Value::Bool(*close)),
            ],
            Request::FetchSockets { uid, request_id, options } => {
                vec![uid_entry(uid), id_entry(request_id), type_entry(RequestType::RemoteFetch), selection(options)]
            }
            Request::ServerSideEmit { uid, request_id, event, args } => {
                if !args.attachments().is_empty() {
                    return Err(EncodeError::BinaryInJson);
                }
                let mut entries = vec![uid_entry(uid)];
                entries.extend(request_id.as_deref().map(id_entry));
                entries.push(type_entry(RequestType::ServerSideEmit));
                entries.push((Cow::Borrowed("data"), arguments(args, Some(name_value(event)?))?));
                return write_json(&Value::Map(entries));
            }
            Request::BroadcastWithAck { uid, request_id, packet, options } => {
                let message = Value::Map(vec![
                    uid_entry(uid),
                    id_entry(request_id),
                    type_entry(RequestType::Broadcast),
                    (Cow::Borrowed("packet"), packet_value(&packet.namespace, &packet.event, &packet.args)?),
                    (Cow::Borrowed("opts"), options_value(options, true)),
                ]);
                return write_msgpack(&message);
            }
        };
        write_json(&Value::Map(entries))
    }

    /// Decodes a request: JSON when it starts with `{`, msgpack otherwise.
    pub fn decode(bytes: &Bytes) -> Result<Request, DecodeError> {
        let value = read_value(bytes)?;
        let Value::Map(entries) = &value else {
            return Err(malformed("request", "a map"));
        };
        let uid = string(field(entries, "uid"), "uid")?;
        let request_type = request_type(field(entries, "type"))?;
        let request_id = || string(field(entries, "requestId"), "requestId");
        let room_list = || rooms(field(entries, "rooms"), "rooms");
        let selection = || match field(entries, "opts") {
            Some(options) => read_options(Some(options)),
            None => Err(DecodeError::Unsupported { what: "single-socket join, leave or disconnect (sid/room)" }),
        };
        Ok(match request_type {
            RequestType::Sockets => Request::Sockets { uid, request_id: request_id()?, rooms: room_list()? },
            RequestType::AllRooms => Request::AllRooms { uid, request_id: request_id()? },
            RequestType::RemoteJoin => Request::SocketsJoin { uid, options: selection()?, rooms: room_list()? },
            RequestType::RemoteLeave => Request::SocketsLeave { uid, options: selection()?, rooms: room_list()? },
            RequestType::RemoteDisconnect => {
                let close = matches!(field(entries, "close"), Some(Value::Bool(true)));
                Request::DisconnectSockets { uid, options: selection()?, close }
            }
            RequestType::RemoteFetch => Request::FetchSockets { uid, request_id: request_id()?, options: selection()? },
            RequestType::ServerSideEmit => {
                let request_id = field(entries, "requestId").map(|id| string(Some(id), "requestId")).transpose()?;
                let Some(Value::Array(items)) = field(entries, "data") else {
                    return Err(malformed("data", "an array"));
                };
                let (event, args) = event_and_args(bytes, items)?;
                Request::ServerSideEmit { uid, request_id, event, args }
            }
            RequestType::Broadcast => {
                let packet = field(entries, "packet").ok_or_else(|| malformed("packet", "a packet"))?;
                Request::BroadcastWithAck {
                    uid,
                    request_id: request_id()?,
                    packet: read_packet(bytes, packet)?,
                    options: read_options(field(entries, "opts"))?,
                }
            }
            RequestType::BroadcastClientCount | RequestType::BroadcastAck => {
                return Err(malformed("type", "a request type (0 to 7)"));
            }
        })
    }
}

/// An answer to a [`Request`], on the response channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Socket ids (to [`Request::Sockets`]).
    Sockets {
        /// The request answered.
        request_id: String,
        /// The ids.
        sockets: Vec<String>,
    },
    /// Rooms (to [`Request::AllRooms`]).
    AllRooms {
        /// The request answered.
        request_id: String,
        /// The room names.
        rooms: Vec<String>,
    },
    /// Socket details (to [`Request::FetchSockets`]).
    FetchSockets {
        /// The request answered.
        request_id: String,
        /// One entry per selected socket.
        sockets: Vec<SocketDetails>,
    },
    /// One server's ack of a [`Request::ServerSideEmit`] (the listener's
    /// first argument; `None` for `undefined`).
    ServerSideEmitAck {
        /// The request answered.
        request_id: String,
        /// The value.
        data: Option<Json>,
    },
    /// How many clients one server sent a [`Request::BroadcastWithAck`] to.
    BroadcastClientCount {
        /// The request answered.
        request_id: String,
        /// The count.
        client_count: u64,
    },
    /// One client's ack of a [`Request::BroadcastWithAck`]: its first
    /// argument (no argument when the client acked with none).
    BroadcastAck {
        /// The request answered.
        request_id: String,
        /// The argument.
        arg: Args,
    },
}

impl Response {
    /// The request this answers.
    pub fn request_id(&self) -> &str {
        match self {
            Response::Sockets { request_id, .. }
            | Response::AllRooms { request_id, .. }
            | Response::FetchSockets { request_id, .. }
            | Response::ServerSideEmitAck { request_id, .. }
            | Response::BroadcastClientCount { request_id, .. }
            | Response::BroadcastAck { request_id, .. } => request_id,
        }
    }

    /// Encodes the response as the reference sends it: JSON text, except
    /// [`Response::BroadcastAck`] (msgpack).
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let id_entry = |id: &str| (Cow::Borrowed("requestId"), Value::Str(Cow::Owned(id.to_string())));
        let type_entry = |kind: RequestType| (Cow::Borrowed("type"), Value::UInt(kind as u64));
        fn strings(items: &[String]) -> Value<'_> {
            Value::Array(items.iter().map(|item| Value::Str(Cow::Borrowed(item))).collect())
        }
        let entries = match self {
            Response::Sockets { request_id, sockets } => {
                vec![id_entry(request_id), (Cow::Borrowed("sockets"), strings(sockets))]
            }
            Response::AllRooms { request_id, rooms } => {
                vec![id_entry(request_id), (Cow::Borrowed("rooms"), strings(rooms))]
            }
            Response::FetchSockets { request_id, sockets } => {
                let details = sockets
                    .iter()
                    .map(|socket| {
                        Ok(Value::Map(vec![
                            (Cow::Borrowed("id"), Value::Str(Cow::Borrowed(&socket.id))),
                            (Cow::Borrowed("handshake"), json_value(&socket.handshake)?),
                            (Cow::Borrowed("rooms"), strings(&socket.rooms)),
                            (Cow::Borrowed("data"), json_value(&socket.data)?),
                        ]))
                    })
                    .collect::<Result<Vec<_>, EncodeError>>()?;
                vec![id_entry(request_id), (Cow::Borrowed("sockets"), Value::Array(details))]
            }
            Response::ServerSideEmitAck { request_id, data } => {
                let mut entries = vec![type_entry(RequestType::ServerSideEmit), id_entry(request_id)];
                if let Some(data) = data {
                    entries.push((Cow::Borrowed("data"), json_value(data)?));
                }
                entries
            }
            Response::BroadcastClientCount { request_id, client_count } => vec![
                type_entry(RequestType::BroadcastClientCount),
                id_entry(request_id),
                (Cow::Borrowed("clientCount"), Value::UInt(*client_count)),
            ],
            Response::BroadcastAck { request_id, arg } => {
                let Value::Array(mut items) = arguments(arg, None)? else {
                    return Err(EncodeError::Json { reason: "arguments are not an array".to_string() });
                };
                let first = if items.is_empty() { Value::Undefined } else { items.swap_remove(0) };
                let message = Value::Map(vec![
                    type_entry(RequestType::BroadcastAck),
                    id_entry(request_id),
                    (Cow::Borrowed("packet"), first),
                ]);
                return write_msgpack(&message);
            }
        };
        write_json(&Value::Map(entries))
    }

    /// Decodes a response: JSON when it starts with `{`, msgpack otherwise.
    /// Responses without a `type` are told apart by their fields (`rooms`;
    /// `sockets` of strings or of objects; an empty `sockets` reads as
    /// [`Response::FetchSockets`]).
    pub fn decode(bytes: &Bytes) -> Result<Response, DecodeError> {
        let value = read_value(bytes)?;
        let Value::Map(entries) = &value else {
            return Err(malformed("response", "a map"));
        };
        let request_id = string(field(entries, "requestId"), "requestId")?;
        match field(entries, "type") {
            Some(Value::UInt(6)) => {
                let data = match field(entries, "data") {
                    None | Some(Value::Undefined) => None,
                    Some(data) => Some(to_json(data).ok_or_else(|| malformed("data", "JSON"))?),
                };
                return Ok(Response::ServerSideEmitAck { request_id, data });
            }
            Some(Value::UInt(8)) => {
                let Some(Value::UInt(client_count)) = field(entries, "clientCount") else {
                    return Err(malformed("clientCount", "a count"));
                };
                return Ok(Response::BroadcastClientCount { request_id, client_count: *client_count });
            }
            Some(Value::UInt(9)) => {
                let arg = match field(entries, "packet") {
                    None | Some(Value::Undefined) => Args::empty(),
                    Some(value) => to_args(core::slice::from_ref(value)).ok_or_else(|| malformed("packet", "JSON"))?,
                };
                return Ok(Response::BroadcastAck { request_id, arg });
            }
            _ => {}
        }
        if let Some(room_list) = field(entries, "rooms") {
            let rooms = rooms(Some(room_list), "rooms")?.iter().map(|room| room.as_str().to_string()).collect();
            return Ok(Response::AllRooms { request_id, rooms });
        }
        let Some(Value::Array(sockets)) = field(entries, "sockets") else {
            return Err(malformed("sockets", "an array"));
        };
        if !sockets.is_empty() && sockets.iter().all(|socket| matches!(socket, Value::Str(_))) {
            let sockets = sockets.iter().map(|socket| string(Some(socket), "sockets")).collect::<Result<_, _>>()?;
            return Ok(Response::Sockets { request_id, sockets });
        }
        let sockets = sockets.iter().map(read_socket).collect::<Result<_, _>>()?;
        Ok(Response::FetchSockets { request_id, sockets })
    }
}

fn malformed(field: &'static str, expected: &'static str) -> DecodeError {
    DecodeError::Malformed { field, expected }
}

fn write_msgpack(value: &Value<'_>) -> Result<Bytes, EncodeError> {
    let mut writer = Writer::with_capacity(encoded_len(value));
    writer.value(value)?;
    Ok(writer.finish())
}

fn write_json(value: &Value<'_>) -> Result<Bytes, EncodeError> {
    if value.contains_binary() {
        return Err(EncodeError::BinaryInJson);
    }
    serde_json::to_vec(value).map(Bytes::from).map_err(|error| EncodeError::Json { reason: error.to_string() })
}

/// JSON text when the first byte is `{` (as the reference checks), msgpack otherwise.
fn read_value(bytes: &Bytes) -> Result<Value<'_>, DecodeError> {
    if bytes.first() == Some(&b'{') {
        return serde_json::from_slice(bytes).map_err(|error| DecodeError::Json { reason: error.to_string() });
    }
    Ok(Reader::new(bytes).read_whole()?)
}

/// The last entry named `name` (the last of duplicate keys wins, as in JS).
fn field<'v, 'a>(entries: &'v [(Cow<'a, str>, Value<'a>)], name: &str) -> Option<&'v Value<'a>> {
    entries.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value)
}

fn string(value: Option<&Value<'_>>, field: &'static str) -> Result<String, DecodeError> {
    match value {
        Some(Value::Str(text)) => Ok(text.to_string()),
        _ => Err(malformed(field, "a string")),
    }
}

/// A room list; numbers are rooms too (JS `Set`s may hold them: they go out as their text).
fn rooms(value: Option<&Value<'_>>, field: &'static str) -> Result<Vec<Room>, DecodeError> {
    let Some(Value::Array(items)) = value else {
        return Err(malformed(field, "an array of rooms"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::Str(room) => Ok(Room::new(room)),
            Value::UInt(_) | Value::Int(_) | Value::Float(_) => serde_json::to_string(item)
                .map(|text| Room::new(&text))
                .map_err(|_| malformed(field, "an array of rooms")),
            _ => Err(malformed(field, "an array of rooms")),
        })
        .collect()
}

fn request_type(value: Option<&Value<'_>>) -> Result<RequestType, DecodeError> {
    let Some(Value::UInt(number)) = value else {
        return Err(malformed("type", "a request type"));
    };
    RequestType::from_number(*number).ok_or(DecodeError::UnknownType { request_type: *number })
}

fn rooms_value<'a>(rooms: &'a [Room]) -> Value<'a> {
    Value::Array(rooms.iter().map(|room| Value::Str(Cow::Borrowed(room.as_str()))).collect())
}

/// `{rooms, except}`, then `flags` when `with_flags` (as the reference writes them).
fn options_value(options: &BroadcastOptions, with_flags: bool) -> Value<'_> {
    let mut entries = vec![
        (Cow::Borrowed("rooms"), rooms_value(&options.rooms)),
        (Cow::Borrowed("except"), rooms_value(&options.except)),
    ];
    if with_flags {
        entries.push((Cow::Borrowed("flags"), flags_value(&options.flags)));
    }
    Value::Map(entries)
}

/// The flags that are set, as the reference's `BroadcastOperator` keeps them.
fn flags_value(flags: &BroadcastFlags) -> Value<'static> {
    let mut entries = Vec::new();
    if flags.volatile {
        entries.push((Cow::Borrowed("volatile"), Value::Bool(true)));
    }
    if let Some(compress) = flags.compress {
        entries.push((Cow::Borrowed("compress"), Value::Bool(compress)));
    }
    if let Some(timeout) = flags.timeout {
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        entries.push((Cow::Borrowed("timeout"), Value::UInt(millis)));
    }
    Value::Map(entries)
}

fn read_options(value: Option<&Value<'_>>) -> Result<BroadcastOptions, DecodeError> {
    let Some(Value::Map(entries)) = value else {
        return Err(malformed("opts", "a map"));
    };
    let mut options = BroadcastOptions::everyone();
    options.rooms = match field(entries, "rooms") {
        None => Vec::new(),
        Some(value) => rooms(Some(value), "opts.rooms")?,
    };
    options.except = match field(entries, "except") {
        None => Vec::new(),
        Some(value) => rooms(Some(value), "opts.except")?,
    };
    if let Some(Value::Map(flags)) = field(entries, "flags") {
        options.flags.volatile = matches!(field(flags, "volatile"), Some(Value::Bool(true)));
        options.flags.compress = match field(flags, "compress") {
            Some(Value::Bool(compress)) => Some(*compress),
            _ => None,
        };
        options.flags.timeout = match field(flags, "timeout") {
            Some(Value::UInt(millis)) => Some(Duration::from_millis(*millis)),
            Some(Value::Float(millis)) if *millis >= 0.0 => Some(Duration::from_millis(*millis as u64)),
            _ => None,
        };
    }
    Ok(options)
}

fn name_value(event: &EventName) -> Result<Value<'_>, EncodeError> {
    Ok(match event {
        EventName::Text(name) => Value::Str(Cow::Borrowed(name.as_str())),
        EventName::Number(number) => serde_json::from_str(number.as_str())
            .map_err(|error| crate::msgpack::EncodeError::InvalidJson { reason: error.to_string() })?,
    })
}

/// `{type: 2, data: [event, ...args], nsp}`, the key order of the reference.
fn packet_value<'a>(namespace: &'a str, event: &'a EventName, args: &'a Args) -> Result<Value<'a>, EncodeError> {
    Ok(Value::Map(vec![
        (Cow::Borrowed("type"), Value::UInt(PacketType::Event as u64)),
        (Cow::Borrowed("data"), arguments(args, Some(name_value(event)?))?),
        (Cow::Borrowed("nsp"), Value::Str(Cow::Borrowed(namespace))),
    ]))
}

fn event_and_args(message: &Bytes, items: &[Value<'_>]) -> Result<(EventName, Args), DecodeError> {
    let event = items
        .first()
        .and_then(|name| event_name(message, name))
        .ok_or_else(|| malformed("data", "an event name first"))?;
    let args = to_args(items.get(1..).unwrap_or_default()).ok_or_else(|| malformed("data", "JSON arguments"))?;
    Ok((event, args))
}

fn read_packet(message: &Bytes, value: &Value<'_>) -> Result<RemotePacket, DecodeError> {
    let Value::Map(entries) = value else {
        return Err(malformed("packet", "a map"));
    };
    match field(entries, "type") {
        Some(Value::UInt(2 | 5)) => {}
        _ => return Err(malformed("packet.type", "EVENT (2) or BINARY_EVENT (5)")),
    }
    let namespace = match field(entries, "nsp") {
        None | Some(Value::Undefined) => Str::from_static("/"),
        Some(Value::Str(namespace)) => Str::from(namespace.to_string()),
        Some(_) => return Err(malformed("packet.nsp", "a string")),
    };
    let Some(Value::Array(items)) = field(entries, "data") else {
        return Err(malformed("packet.data", "an array"));
    };
    let (event, args) = event_and_args(message, items)?;
    Ok(RemotePacket { namespace, event, args })
}

fn json_value(json: &Json) -> Result<Value<'_>, EncodeError> {
    serde_json::from_str(json.as_str()).map_err(|error| EncodeError::Json { reason: error.to_string() })
}

fn read_socket(value: &Value<'_>) -> Result<SocketDetails, DecodeError> {
    let Value::Map(entries) = value else {
        return Err(malformed("sockets", "an array of socket details"));
    };
    let json = |name: &'static str| match field(entries, name) {
        None | Some(Value::Undefined) => Ok(Json::from_checked(Str::from_static("null"))),
        Some(value) => to_json(value).ok_or_else(|| malformed(name, "JSON")),
    };
    let socket_rooms = rooms(field(entries, "rooms"), "sockets.rooms")?;
    Ok(SocketDetails {
        id: string(field(entries, "id"), "sockets.id")?,
        handshake: json("handshake")?,
        rooms: socket_rooms.iter().map(|room| room.as_str().to_string()).collect(),
        data: json("data")?,
    })
}

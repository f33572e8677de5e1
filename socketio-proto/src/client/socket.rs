//! The state of one namespace socket (`Socket` of `socket.io-client`).

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use engineio_proto::client::push_uri_component;
use engineio_proto::{Instant, Str};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::output::AckToken;
use crate::args::Args;
use crate::json::Json;
use crate::packet::{Event, EventName, Packet, ProtocolVersion};

/// One namespace socket.
#[derive(Debug)]
pub(crate) struct Socket {
    /// The namespace as given (a v4 namespace may carry `?query`).
    pub(crate) namespace: Str,
    pub(crate) auth: Option<Json>,
    /// The auth comes from the application before each CONNECT
    /// ([`super::Event::AuthNeeded`]), as with an auth function.
    pub(crate) auth_deferred: bool,
    /// An [`super::Event::AuthNeeded`] is unanswered for the session with this id.
    pub(crate) auth_pending: Option<super::EngineId>,
    /// Subscribed to the manager (`active`): sends CONNECT when the engine
    /// opens and takes packets. Cleared by a refusal, a server DISCONNECT or
    /// an application disconnect.
    pub(crate) active: bool,
    pub(crate) connected: bool,
    pub(crate) id: Option<String>,
    /// The private session id of connection state recovery; kept across
    /// disconnections, replaced by each CONNECT reply.
    pub(crate) pid: Option<String>,
    pub(crate) last_offset: Option<String>,
    pub(crate) recovered: bool,
    /// Events emitted while not connected, with their ack id.
    pub(crate) send_buffer: VecDeque<(Packet, Option<u64>)>,
    /// Events received while not connected.
    pub(crate) receive_buffer: VecDeque<Event>,
    pub(crate) next_ack_id: u64,
    pub(crate) acks: BTreeMap<u64, PendingAck>,
    /// The retry queue (`_queue`), head in flight.
    pub(crate) queue: VecDeque<Queued>,
    pub(crate) next_queue_seq: u64,
    /// Server ack ids the application may still answer.
    pub(crate) server_acks: BTreeSet<u64>,
}

/// An emit waiting for its acknowledgement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingAck {
    pub(crate) deadline: Option<Instant>,
    pub(crate) target: AckTarget,
}

/// Who an acknowledgement resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AckTarget {
    /// The application, through its token.
    User(AckToken),
    /// The retry queue entry with this sequence number.
    Queue(u64),
}

/// An event of the retry queue.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) seq: u64,
    pub(crate) tries: u32,
    pub(crate) pending: bool,
    pub(crate) name: EventName,
    pub(crate) args: Args,
    pub(crate) timeout: Option<Duration>,
    pub(crate) token: Option<AckToken>,
}

impl Socket {
    pub(crate) fn new(namespace: Str, auth: Option<Json>) -> Socket {
        Socket {
            namespace,
            auth,
            auth_deferred: false,
            auth_pending: None,
            active: false,
            connected: false,
            id: None,
            pid: None,
            last_offset: None,
            recovered: false,
            send_buffer: VecDeque::new(),
            receive_buffer: VecDeque::new(),
            next_ack_id: 0,
            acks: BTreeMap::new(),
            queue: VecDeque::new(),
            next_queue_seq: 0,
            server_acks: BTreeSet::new(),
        }
    }

    /// The namespace without a v4 query: what the server's packets carry.
    pub(crate) fn path(&self) -> &str {
        let namespace = self.namespace.as_str();
        namespace.split_once('?').map_or(namespace, |(path, _)| path)
    }

    /// The earliest acknowledgement deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.acks.values().filter_map(|ack| ack.deadline).min()
    }

    /// The v5 CONNECT payload: the auth object, preceded by `pid` and
    /// `offset` when a recovery session exists (`Object.assign({pid,
    /// offset}, auth)`: the auth's own keys come last and win).
    pub(crate) fn connect_payload(&self) -> Option<Json> {
        let Some(pid) = &self.pid else {
            return self.auth.clone();
        };
        let mut text = String::from("{\"pid\":");
        text.push_str(&quote(pid));
        if let Some(offset) = &self.last_offset {
            text.push_str(",\"offset\":");
            text.push_str(&quote(offset));
        }
        if let Some(inner) = self.auth.as_ref().and_then(|auth| object_members(auth.as_str())) {
            text.push(',');
            text.push_str(inner);
        }
        text.push('}');
        Json::from_text(Str::from(text)).ok()
    }
}

impl Socket {
    /// The v4 CONNECT: the namespace carries the auth as its query
    /// (`/private?token=s3cret`), after any query given with the namespace.
    pub(crate) fn v4_connect_packet(&self) -> Packet {
        let Some(query) = self.auth.as_ref().and_then(v2_query) else {
            return Packet::connect(self.namespace.clone(), None);
        };
        let separator = if self.namespace.as_str().contains('?') { '&' } else { '?' };
        let mut namespace = String::from(self.namespace.as_str());
        namespace.push(separator);
        namespace.push_str(&query);
        Packet::connect(Str::from(namespace), None)
    }

    /// The packet that joins the namespace in `protocol`.
    pub(crate) fn connect_packet(&self, protocol: ProtocolVersion) -> Packet {
        match protocol {
            ProtocolVersion::V5 => Packet::connect(self.namespace.clone(), self.connect_payload()),
            ProtocolVersion::V4 => self.v4_connect_packet(),
        }
    }
}

/// An auth object as the JS 2.x client writes its `query` option
/// (`parseqs.encode`): `key=value` pairs joined by `&`, in the object's
/// order, both sides percent-encoded like `encodeURIComponent`. Only scalar
/// members are written (strings as they are, numbers, booleans and `null` as
/// their JSON text); `None` when there is none.
pub(crate) fn v2_query(auth: &Json) -> Option<String> {
    let OrderedMembers(members) = auth.deserialize().ok()?;
    let mut query = String::new();
    for (key, value) in members {
        let text = match value {
            serde_json::Value::String(text) => text,
            serde_json::Value::Number(number) => number.to_string(),
            serde_json::Value::Bool(flag) => String::from(if flag { "true" } else { "false" }),
            serde_json::Value::Null => String::from("null"),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => continue,
        };
        if !query.is_empty() {
            query.push('&');
        }
        push_uri_component(&mut query, &key);
        query.push('=');
        push_uri_component(&mut query, &text);
    }
    (!query.is_empty()).then_some(query)
}

/// The members of a JSON object in the order they are written (serde_json's
/// map sorts them).
struct OrderedMembers(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for OrderedMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OrderedMembers, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = OrderedMembers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<OrderedMembers, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = access.next_entry()? {
                    members.push(member);
                }
                Ok(OrderedMembers(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

/// The members of a non-empty JSON object's text (`"a":1` for `{"a":1}`).
fn object_members(object: &str) -> Option<&str> {
    let inner = object.trim().strip_prefix('{')?.strip_suffix('}')?.trim();
    (!inner.is_empty()).then_some(inner)
}

//! Encoding: a [`Packet`] becomes an [`Encoded`] packet once, which is then
//! cheap to clone and send to any number of connections.

use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use engineio_proto::{Message, Str};

use crate::args::push_decimal;
use crate::json::write_compact;
use crate::packet::{EventName, Packet, PacketData};

/// An encoded packet: its text message and its binary attachments.
///
/// Cloning shares the storage (two reference-count increments), so a
/// broadcast encodes once and clones per receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    text: Str,
    /// `None` when there are none, so a text-only packet costs no extra allocation.
    attachments: Option<Arc<[Bytes]>>,
}

impl Encoded {
    /// The text message (`2["foo"]`, `51-["baz",{"_placeholder":true,"num":0}]`).
    pub fn text(&self) -> &Str {
        &self.text
    }

    /// The binary attachments, sent after the text in this order.
    pub fn attachments(&self) -> &[Bytes] {
        self.attachments.as_deref().unwrap_or_default()
    }

    /// How many Engine.IO messages this packet takes (1 + attachments).
    pub fn message_count(&self) -> usize {
        1 + self.attachments().len()
    }

    /// The Engine.IO messages to send, in order: the text, then each
    /// attachment as a binary message.
    pub fn messages(&self) -> impl Iterator<Item = Message> + '_ {
        let text = core::iter::once(Message::Text(self.text.clone()));
        text.chain(self.attachments().iter().cloned().map(Message::Binary))
    }
}

impl Packet {
    /// Encodes the packet (compact JSON, as `JSON.stringify` writes it).
    ///
    /// The wire form is the same in v4 and v5; the payloads differ, and the
    /// constructors ([`crate::Json::connect_error`]) take the version.
    pub fn encode(&self) -> Encoded {
        let mut out = Vec::with_capacity(self.encoded_len_hint());
        out.push(self.packet_type().digit());
        let attachments = self.attachments();
        if !attachments.is_empty() {
            push_decimal(&mut out, attachments.len() as u64);
            out.push(b'-');
        }
        let namespace = self.namespace.as_bytes();
        if !namespace.is_empty() && namespace.as_ref() != b"/" {
            out.extend_from_slice(namespace);
            out.push(b',');
        }
        match &self.data {
            PacketData::Connect(payload) => {
                if let Some(json) = payload {
                    out.extend_from_slice(json.bytes());
                }
            }
            PacketData::Disconnect => {}
            PacketData::Event(event) => {
                if let Some(id) = event.ack_id {
                    push_decimal(&mut out, id);
                }
                out.push(b'[');
                write_event_name(&mut out, &event.name);
                let items = event.arguments.items_slice();
                if !event.arguments.is_empty() {
                    out.push(b',');
                    out.extend_from_slice(items);
                }
                out.push(b']');
            }
            PacketData::Ack(ack) => {
                push_decimal(&mut out, ack.id);
                out.push(b'[');
                out.extend_from_slice(ack.arguments.items_slice());
                out.push(b']');
            }
            PacketData::ConnectError(json) => out.extend_from_slice(json.bytes()),
        }
        let attachments = if attachments.is_empty() { None } else { Some(Arc::from(attachments)) };
        Encoded { text: Str::from_utf8(Bytes::from(out)).unwrap_or_default(), attachments }
    }

    /// The exact encoded length when the event name needs no escaping (a
    /// vector of exactly that capacity becomes `Bytes` without reallocating).
    fn encoded_len_hint(&self) -> usize {
        let attachments = self.attachments().len();
        let count = if attachments == 0 { 0 } else { decimal_len(attachments as u64) + 1 };
        let namespace = self.namespace.len();
        let namespace = if namespace == 0 || self.namespace.as_bytes().as_ref() == b"/" { 0 } else { namespace + 1 };
        let payload = match &self.data {
            PacketData::Connect(payload) => payload.as_ref().map_or(0, |json| json.bytes().len()),
            PacketData::Disconnect => 0,
            PacketData::Event(event) => {
                let id = event.ack_id.map_or(0, decimal_len);
                let name = match &event.name {
                    EventName::Text(text) => text.len() + 2,
                    EventName::Number(number) => number.len(),
                };
                let items = event.arguments.items_slice().len();
                let items = if event.arguments.is_empty() { 0 } else { items + 1 };
                id + 2 + name + items
            }
            PacketData::Ack(ack) => decimal_len(ack.id) + 2 + ack.arguments.items_slice().len(),
            PacketData::ConnectError(json) => json.bytes().len(),
        };
        1 + count + namespace + payload
    }
}

/// Number of decimal digits of `value`.
fn decimal_len(value: u64) -> usize {
    value.checked_ilog10().map_or(1, |log| log as usize + 1)
}

fn write_event_name(out: &mut Vec<u8>, name: &EventName) {
    match name {
        EventName::Number(number) => out.extend_from_slice(number.as_bytes()),
        EventName::Text(text) => {
            let plain = text.as_bytes().iter().all(|&byte| byte >= 0x20 && byte != b'"' && byte != b'\\');
            if plain {
                out.push(b'"');
                out.extend_from_slice(text.as_bytes());
                out.push(b'"');
            } else if write_compact(out, text.as_str()).is_err() {
                // Serializing a string cannot fail; keep the JSON valid anyway.
                out.extend_from_slice(b"\"\"");
            }
        }
    }
}

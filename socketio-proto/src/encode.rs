//! Encoding: a [`Packet`] becomes an [`Encoded`] packet once, which is then
//! cheap to clone and send to any number of connections.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::{Buf, Bytes};
use engineio_proto::{Message, Str};
use serde::Serialize;

use crate::args::{decimal_digits, push_decimal};
use crate::json_writer::{write_str, write_value};
use crate::packet::{EventName, Packet, PacketData, PacketType};

/// An encoded packet: its text message and its binary attachments.
///
/// Cloning shares the storage (two reference-count increments), so a
/// broadcast encodes once and clones per receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    text: Str,
    /// `None` when there are none, so a text-only packet costs no extra allocation.
    attachments: Option<Arc<[Bytes]>>,
    /// The reference `compress` flag (default true): see [`Encoded::with_compress`].
    compress: bool,
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

    /// Whether the packet may be sent compressed (default true).
    pub fn compress(&self) -> bool {
        self.compress
    }

    /// The packet with the reference `compress` flag set: a polling answer
    /// made only of packets with `compress` false is not HTTP-compressed
    /// (engineio-proto `Session::send_with`).
    pub fn with_compress(mut self, compress: bool) -> Encoded {
        self.compress = compress;
        self
    }

    /// How many Engine.IO messages this packet takes (1 + attachments).
    pub fn message_count(&self) -> usize {
        1 + self.attachments().len()
    }

    /// The Engine.IO messages to send, in order: the text, then each
    /// attachment as a binary message.
    #[inline]
    pub fn messages(&self) -> Messages<'_> {
        Messages { text: Some(&self.text), attachments: self.attachments().iter() }
    }
}

/// The Engine.IO messages of an [`Encoded`] packet (see
/// [`Encoded::messages`]); each is a clone sharing the packet's storage.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    text: Option<&'a Str>,
    attachments: core::slice::Iter<'a, Bytes>,
}

impl Iterator for Messages<'_> {
    type Item = Message;

    #[inline]
    fn next(&mut self) -> Option<Message> {
        match self.text.take() {
            Some(text) => Some(Message::Text(text.clone())),
            None => self.attachments.next().cloned().map(Message::Binary),
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.len();
        (len, Some(len))
    }
}

impl ExactSizeIterator for Messages<'_> {
    #[inline]
    fn len(&self) -> usize {
        usize::from(self.text.is_some()) + self.attachments.len()
    }
}

impl core::iter::FusedIterator for Messages<'_> {}

impl Encoded {
    /// Starts writing an EVENT packet straight into its wire form: the
    /// arguments are serialized once, into the buffer that becomes the
    /// message, with no intermediate [`crate::Args`] or [`Packet`]. The
    /// result equals `Packet::event(namespace, name, args, ack_id).encode()`
    /// with the same arguments.
    ///
    /// `namespace` must not contain `,` (see [`Packet::namespace`]).
    #[inline]
    pub fn event(namespace: &str, name: &str, ack_id: Option<u64>) -> PacketWriter {
        let mut writer = PacketWriter::start(namespace, ack_id, PacketType::Event, name.len());
        write_str(&mut writer.text, name);
        writer.has_items = true;
        writer
    }

    /// Starts writing an ACK packet straight into its wire form (see
    /// [`Encoded::event`]).
    #[inline]
    pub fn ack(namespace: &str, id: u64) -> PacketWriter {
        PacketWriter::start(namespace, Some(id), PacketType::Ack, 0)
    }
}

/// Room left before the packet text for the type digit, the attachment count
/// and its `-`, which are only known once the arguments are written.
const HEADER_ROOM: usize = 1 + 20 + 1;

/// Writes an EVENT or ACK packet directly in its wire form, one argument
/// after the other (see [`Encoded::event`]). [`crate::Binary`] values become
/// attachments, as with [`crate::ArgsBuilder`].
#[derive(Debug)]
pub struct PacketWriter {
    /// `HEADER_ROOM` bytes, then the namespace, the ack id and the array.
    text: Vec<u8>,
    attachments: Vec<Bytes>,
    packet_type: PacketType,
    /// Whether the array already holds an element (the event name or an argument).
    has_items: bool,
}

impl PacketWriter {
    #[inline]
    fn start(namespace: &str, ack_id: Option<u64>, packet_type: PacketType, name_len: usize) -> PacketWriter {
        let mut text = Vec::with_capacity(HEADER_ROOM + namespace.len() + name_len + 64);
        text.resize(HEADER_ROOM, 0);
        if !namespace.is_empty() && namespace != "/" {
            text.extend_from_slice(namespace.as_bytes());
            text.push(b',');
        }
        if let Some(id) = ack_id {
            push_decimal(&mut text, id);
        }
        text.push(b'[');
        PacketWriter { text, attachments: Vec::new(), packet_type, has_items: false }
    }

    #[inline]
    fn separate(&mut self) {
        if self.has_items {
            self.text.push(b',');
        }
        self.has_items = true;
    }

    /// Appends one argument (compact JSON, like `JSON.stringify`).
    /// [`crate::Binary`] values inside it become attachments.
    #[inline]
    pub fn arg<T: Serialize + ?Sized>(mut self, value: &T) -> Result<PacketWriter, serde_json::Error> {
        self.separate();
        write_value(&mut self.text, &mut self.attachments, value)?;
        Ok(self)
    }

    /// Appends one binary argument as an attachment, without copying it.
    #[inline]
    pub fn binary(mut self, bytes: Bytes) -> PacketWriter {
        self.separate();
        let num = self.attachments.len();
        self.attachments.push(bytes);
        self.text.extend_from_slice(b"{\"_placeholder\":true,\"num\":");
        push_decimal(&mut self.text, num as u64);
        self.text.push(b'}');
        self
    }

    /// The encoded packet.
    #[inline]
    pub fn finish(mut self) -> Encoded {
        self.text.push(b']');
        let attachments = self.attachments;
        let packet_type = match (self.packet_type, attachments.is_empty()) {
            (PacketType::Event, false) => PacketType::BinaryEvent,
            (PacketType::Ack, false) => PacketType::BinaryAck,
            (packet_type, _) => packet_type,
        };
        // The header goes right before the namespace: type digit, then for
        // binary packets the attachment count and `-`.
        let mut start = HEADER_ROOM;
        if !attachments.is_empty() {
            start -= 1;
            if let Some(dash) = self.text.get_mut(start) {
                *dash = b'-';
            }
            let mut count = attachments.len();
            loop {
                start -= 1;
                if let Some(digit) = self.text.get_mut(start) {
                    *digit = b'0' + (count % 10) as u8;
                }
                count /= 10;
                if count == 0 {
                    break;
                }
            }
        }
        start -= 1;
        if let Some(digit) = self.text.get_mut(start) {
            *digit = packet_type.digit();
        }
        let mut bytes = Bytes::from(self.text);
        bytes.advance(start);
        let attachments = if attachments.is_empty() { None } else { Some(Arc::from(attachments)) };
        Encoded { text: Str::from_utf8(bytes).unwrap_or_default(), attachments, compress: true }
    }
}

impl Packet {
    /// Encodes the packet (compact JSON, as `JSON.stringify` writes it).
    ///
    /// The wire form is the same in v4 and v5; the payloads differ, and the
    /// constructors ([`crate::Json::connect_error`]) take the version.
    pub fn encode(&self) -> Encoded {
        // Built as a `String` from text pieces: no UTF-8 check at the end.
        let mut out = String::with_capacity(self.encoded_len_hint());
        out.push(char::from(self.packet_type().digit()));
        let attachments = self.attachments();
        if !attachments.is_empty() {
            push_decimal_str(&mut out, attachments.len() as u64);
            out.push('-');
        }
        let namespace = self.namespace.as_str();
        if !namespace.is_empty() && namespace != "/" {
            out.push_str(namespace);
            out.push(',');
        }
        match &self.data {
            PacketData::Connect(payload) => {
                if let Some(json) = payload {
                    out.push_str(json.as_str());
                }
            }
            PacketData::Disconnect => {}
            PacketData::Event(event) => {
                if let Some(id) = event.ack_id {
                    push_decimal_str(&mut out, id);
                }
                out.push('[');
                match &event.name {
                    EventName::Number(number) => out.push_str(number.as_str()),
                    EventName::Text(text) => push_json_string(&mut out, text.as_str()),
                }
                if !event.arguments.is_empty() {
                    out.push(',');
                    out.push_str(event.arguments.items_str());
                }
                out.push(']');
            }
            PacketData::Ack(ack) => {
                push_decimal_str(&mut out, ack.id);
                out.push('[');
                out.push_str(ack.arguments.items_str());
                out.push(']');
            }
            PacketData::ConnectError(json) => out.push_str(json.as_str()),
        }
        let attachments = if attachments.is_empty() { None } else { Some(Arc::from(attachments)) };
        Encoded { text: Str::from(out), attachments, compress: true }
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

/// Appends the decimal digits of `value` to text.
fn push_decimal_str(out: &mut String, value: u64) {
    let (digits, start) = decimal_digits(value);
    out.extend(digits.get(start..).unwrap_or_default().iter().map(|&digit| char::from(digit)));
}

/// Appends `text` as a JSON string.
fn push_json_string(out: &mut String, text: &str) {
    let plain = text.as_bytes().iter().all(|&byte| byte >= 0x20 && byte != b'"' && byte != b'\\');
    if plain {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        // Serializing a string cannot fail; keep the JSON valid anyway.
        out.push_str(serde_json::to_string(text).as_deref().unwrap_or("\"\""));
    }
}

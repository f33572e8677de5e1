//! Decoding: the text form of a packet ([`decode_text`]), and the [`Decoder`]
//! that joins a binary packet with its attachments.
//!
//! The decoder never builds a JSON tree: it reads the header (type,
//! attachment count, namespace, ack id), then one pass of a strict JSON scanner
//! (no recursion, no tree) checks the payload and finds the event name; the
//! arguments stay text, sharing the received message's storage.

use alloc::format;
use alloc::string::{String, ToString};
use bytes::Bytes;
use engineio_proto::{Message, Str};

use crate::args::Args;
use crate::error::DecodeError;
use crate::json::Json;
use crate::packet::{Ack, Event, EventName, Packet, PacketData, PacketType, ProtocolVersion};
use crate::scan::{scan, Outline, ScanError, MAX_DEPTH};

/// Event names the reference implementation refuses (`RESERVED_EVENTS`).
const RESERVED_EVENTS: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// Limits of the [`Decoder`] on binary packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderLimits {
    /// Most attachments one packet may announce. Default 10, the reference
    /// parser's `maxAttachments`.
    pub max_attachments: usize,
    /// Most bytes the attachments of one packet may add up to. Default
    /// 10 000 000: ten attachments at Engine.IO's default 1 MB message limit
    /// (socketioxide uses the same figure).
    pub max_attachment_bytes: usize,
}

impl Default for DecoderLimits {
    fn default() -> DecoderLimits {
        DecoderLimits { max_attachments: 10, max_attachment_bytes: 10_000_000 }
    }
}

/// Decodes the text form of one packet (an Engine.IO text message). For a
/// BINARY_EVENT or BINARY_ACK, the returned packet has no attachments yet and
/// the second value is how many must follow; otherwise it is 0.
///
/// `max_attachments` bounds the announced count (see [`DecoderLimits`]).
#[inline]
pub fn decode_text(
    version: ProtocolVersion,
    text: &Str,
    max_attachments: usize,
) -> Result<(Packet, usize), DecodeError> {
    let bytes = text.as_bytes();
    let &first = bytes.first().ok_or(DecodeError::EmptyPacket)?;
    let packet_type = first
        .checked_sub(b'0')
        .and_then(PacketType::from_number)
        .ok_or(DecodeError::UnknownPacketType { byte: first })?;
    let mut at = 1;

    // Attachment count: `<digits>-`.
    let mut attachments = 0;
    if matches!(packet_type, PacketType::BinaryEvent | PacketType::BinaryAck) {
        let digits = count_digits(bytes, at);
        let count = parse_decimal(bytes.get(at..at + digits).unwrap_or_default());
        match (count, bytes.get(at + digits)) {
            (Some(count), Some(b'-')) if count >= 1 => {
                let count = usize::try_from(count).unwrap_or(usize::MAX);
                if count > max_attachments {
                    return Err(DecodeError::TooManyAttachments { count, limit: max_attachments });
                }
                attachments = count;
            }
            _ => return Err(DecodeError::InvalidAttachmentCount { offset: at }),
        }
        at += digits + 1;
    }

    // Namespace: `/…` up to `,` or the end of the packet.
    let namespace = if bytes.get(at) == Some(&b'/') {
        let len = bytes.get(at..).unwrap_or_default().iter().position(|&byte| byte == b',');
        let end = len.map_or(bytes.len(), |len| at + len);
        let namespace = sub_str(text, at, end);
        at = len.map_or(end, |_| end + 1);
        namespace
    } else {
        Str::from_static("/")
    };

    // Acknowledgement id: digits.
    let id_offset = at;
    let digits = count_digits(bytes, at);
    let ack_id = if digits > 0 {
        let id = parse_decimal(bytes.get(at..at + digits).unwrap_or_default())
            .ok_or(DecodeError::AckIdOutOfRange { offset: at })?;
        at += digits;
        Some(id)
    } else {
        None
    };
    let takes_id =
        matches!(packet_type, PacketType::Event | PacketType::BinaryEvent | PacketType::Ack | PacketType::BinaryAck);
    if ack_id.is_some() && !takes_id {
        return Err(DecodeError::UnexpectedAckId { packet_type, offset: id_offset });
    }

    // Payload: the rest, if any.
    let payload = sub_str(text, at, bytes.len());
    let has_payload = !payload.is_empty();
    let missing = || DecodeError::MissingPayload { packet_type, offset: at };
    let invalid = |expected| DecodeError::InvalidPayload { packet_type, offset: at, expected };

    let data = match packet_type {
        PacketType::Connect => {
            if !has_payload {
                PacketData::Connect(None)
            } else if version == ProtocolVersion::V4 {
                // socket.io-parser 3 takes any payload whose `typeof` is
                // "object" (go-socket.io answers `0/admin,[]`), and v2 peers
                // ignore it: a v4 CONNECT carries nothing.
                let outline = check_json(&payload, at, 0)?;
                if !matches!(payload.as_bytes().get(outline.start), Some(b'{' | b'[' | b'n')) {
                    return Err(invalid("a JSON object, array or null (v4)"));
                }
                PacketData::Connect(None)
            } else {
                let outline = check_json(&payload, at, 0)?;
                if payload.as_bytes().get(outline.start) != Some(&b'{') {
                    return Err(invalid("a JSON object"));
                }
                PacketData::Connect(Some(Json::from_checked(sub_str(&payload, outline.start, outline.end))))
            }
        }
        PacketType::Disconnect => {
            if has_payload {
                return Err(invalid("no payload"));
            }
            PacketData::Disconnect
        }
        PacketType::ConnectError => {
            if !has_payload {
                return Err(missing());
            }
            // As the reference parsers: socket.io-parser 4 (v5) takes a
            // string or an object, 3 (v4, where a v2 server sends its
            // error's message or its `data`) any JSON value.
            let outline = check_json(&payload, at, 0)?;
            let first = payload.as_bytes().get(outline.start);
            if version == ProtocolVersion::V5 && !matches!(first, Some(b'"' | b'{')) {
                return Err(invalid("a JSON string or object (v5)"));
            }
            // Kept whole: a v4 number trimmed of leading whitespace would
            // read as an ack id once encoded again.
            PacketData::ConnectError(Json::from_checked(payload))
        }
        PacketType::Event | PacketType::BinaryEvent => {
            if !has_payload {
                return Err(missing());
            }
            let (name, args) = event_payload(packet_type, payload, at, attachments)?;
            PacketData::Event(Event { name, arguments: args, ack_id })
        }
        PacketType::Ack | PacketType::BinaryAck => {
            let items = if has_payload {
                let outline = check_json(&payload, at, attachments)?;
                Some(array_items(&payload, &outline).ok_or_else(|| invalid("a JSON array"))?)
            } else {
                None
            };
            // The reference parsers take an ACK without id (its payload, if
            // any, checked as usual); no reference peer has an ack to match it.
            let Some(id) = ack_id else {
                return Err(DecodeError::MissingAckId { offset: id_offset, attachments });
            };
            // Without payload the reference peers call the ack with no
            // arguments (`ack.apply(this, undefined)`).
            let arguments = match items {
                Some((start, end)) => Args::from_parts(payload, start, end, false),
                None => Args::empty(),
            };
            PacketData::Ack(Ack { id, arguments })
        }
    };
    Ok((Packet { namespace, data }, attachments))
}

/// Reads the event name and keeps the arguments as text.
#[inline(always)]
fn event_payload(
    packet_type: PacketType,
    payload: Str,
    offset: usize,
    attachments: usize,
) -> Result<(EventName, Args), DecodeError> {
    let outline = check_json(&payload, offset, attachments)?;
    let invalid = |at: usize, expected| DecodeError::InvalidPayload { packet_type, offset: offset + at, expected };
    let (start, end) = array_items(&payload, &outline).ok_or_else(|| invalid(0, "a JSON array"))?;
    let Some((name_start, name_end)) = outline.first_element else {
        return Err(invalid(start, "a non-empty array"));
    };
    let json = payload.as_bytes();
    let name = match json.get(name_start) {
        Some(b'"') => {
            let name = read_string(&payload, name_start, name_end).ok_or_else(|| invalid(name_start, "a string"))?;
            if RESERVED_EVENTS.contains(&name.as_str()) {
                return Err(DecodeError::ReservedEventName { name: name.as_str().to_string() });
            }
            EventName::Text(name)
        }
        Some(b'-' | b'0'..=b'9') => EventName::Number(sub_str(&payload, name_start, name_end)),
        _ => return Err(invalid(name_start, "an event name (string or number)")),
    };
    let after_name = skip_whitespace(json, name_end);
    let items_start = match json.get(after_name) {
        Some(b',') => after_name + 1,
        _ => after_name,
    };
    Ok((name, Args::from_parts(payload, items_start, end, true)))
}

/// Checks that `payload` is one well-formed JSON value; for binary packets
/// (`attachments > 0`) also that every placeholder names an announced
/// attachment.
#[inline(always)]
fn check_json(payload: &str, offset: usize, attachments: usize) -> Result<Outline, DecodeError> {
    let placeholders = (attachments > 0).then_some(attachments as u64);
    scan(payload.as_bytes(), placeholders).map_err(|error| match error {
        ScanError::Syntax { offset: at, reason } => {
            DecodeError::InvalidJson { offset: offset + at, reason: reason.to_string() }
        }
        ScanError::TooDeep { offset: at } => {
            DecodeError::InvalidJson { offset: offset + at, reason: format!("nesting deeper than {MAX_DEPTH}") }
        }
        ScanError::InvalidPlaceholder { .. } => DecodeError::InvalidPlaceholder { offset },
    })
}

/// For a well-formed value: if it is an array, the offsets just after its `[`
/// and of its closing `]`.
#[inline]
fn array_items(json: &str, outline: &Outline) -> Option<(usize, usize)> {
    if json.as_bytes().get(outline.start) != Some(&b'[') {
        return None;
    }
    Some((outline.start + 1, outline.end - 1))
}

fn skip_whitespace(json: &[u8], mut at: usize) -> usize {
    while matches!(json.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The unescaped text of the well-formed JSON string `json[start..end]`
/// (quotes included): a slice of `json` when it has no escapes. `None` when
/// it escapes a lone surrogate, which no Rust string can hold.
#[inline]
fn read_string(json: &Str, start: usize, end: usize) -> Option<Str> {
    let body = json.as_bytes().get(start + 1..end - 1)?;
    if !body.contains(&b'\\') {
        return json.slice(start + 1..end - 1);
    }
    let owned: String = serde_json::from_str(json.get(start..end)?).ok()?;
    Some(Str::from(owned))
}

/// The text of `text[start..end]`, cut at ASCII delimiters (so on character
/// boundaries), sharing storage.
#[inline]
fn sub_str(text: &Str, start: usize, end: usize) -> Str {
    let end = end.min(text.len());
    text.slice(start.min(end)..end).unwrap_or_default()
}

fn count_digits(bytes: &[u8], at: usize) -> usize {
    bytes.get(at..).unwrap_or_default().iter().take_while(|byte| byte.is_ascii_digit()).count()
}

/// The value of ASCII decimal digits, `None` when empty or above `u64::MAX`.
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |value, &digit| value.checked_mul(10)?.checked_add(u64::from(digit - b'0')))
}

/// A binary packet waiting for its attachments.
#[derive(Debug, Clone)]
struct Pending {
    /// The packet, or `None` for one the decoder drops once complete (an
    /// ACK without id).
    packet: Option<Packet>,
    expected: usize,
    received: usize,
    bytes: usize,
}

/// Decodes the Engine.IO messages of one connection into Socket.IO packets,
/// joining each BINARY_EVENT / BINARY_ACK with the binary messages that follow
/// it.
///
/// Like the reference decoder, a text message while attachments are pending,
/// or a binary message while none are, is an error. After any error the
/// pending packet is dropped; the connection should be closed.
///
/// An ACK without acknowledgement id, which the reference parsers take and
/// every reference peer then ignores, is consumed (with its attachments) and
/// yields nothing.
#[derive(Debug, Clone)]
pub struct Decoder {
    version: ProtocolVersion,
    limits: DecoderLimits,
    pending: Option<Pending>,
}

impl Decoder {
    /// A decoder for `version` with the default [`DecoderLimits`].
    pub fn new(version: ProtocolVersion) -> Decoder {
        Decoder::with_limits(version, DecoderLimits::default())
    }

    /// A decoder for `version` with the given limits.
    pub fn with_limits(version: ProtocolVersion, limits: DecoderLimits) -> Decoder {
        Decoder { version, limits, pending: None }
    }

    /// The protocol version this decoder reads.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// How many attachments the pending binary packet still waits for (0 when
    /// none is pending).
    pub fn missing_attachments(&self) -> usize {
        self.pending.as_ref().map_or(0, |pending| pending.expected - pending.received)
    }

    /// Feeds one Engine.IO message. Returns the packet it completes, or `None`
    /// while a binary packet waits for more attachments (or when it completes
    /// an ACK without id, which is dropped).
    pub fn decode(&mut self, message: Message) -> Result<Option<Packet>, DecodeError> {
        match message {
            Message::Text(text) => self.decode_text(&text),
            Message::Binary(bytes) => self.decode_binary(bytes),
        }
    }

    /// Feeds one text message (see [`Decoder::decode`]).
    #[inline]
    pub fn decode_text(&mut self, text: &Str) -> Result<Option<Packet>, DecodeError> {
        if let Some(pending) = self.pending.take() {
            return Err(DecodeError::UnexpectedText { missing: pending.expected - pending.received });
        }
        let (packet, expected) = match decode_text(self.version, text, self.limits.max_attachments) {
            Ok((packet, expected)) => (Some(packet), expected),
            Err(DecodeError::MissingAckId { attachments, .. }) => (None, attachments),
            Err(error) => return Err(error),
        };
        if expected == 0 {
            return Ok(packet);
        }
        self.pending = Some(Pending { packet, expected, received: 0, bytes: 0 });
        Ok(None)
    }

    /// Feeds one binary message (see [`Decoder::decode`]).
    pub fn decode_binary(&mut self, bytes: Bytes) -> Result<Option<Packet>, DecodeError> {
        let Some(mut pending) = self.pending.take() else {
            return Err(DecodeError::UnexpectedBinary);
        };
        pending.bytes = pending.bytes.saturating_add(bytes.len());
        if pending.bytes > self.limits.max_attachment_bytes {
            return Err(DecodeError::AttachmentsTooLarge { limit: self.limits.max_attachment_bytes });
        }
        pending.received += 1;
        if let Some(packet) = &mut pending.packet {
            match &mut packet.data {
                PacketData::Event(event) => event.arguments.attachments_mut().push(bytes),
                PacketData::Ack(ack) => ack.arguments.attachments_mut().push(bytes),
                _ => return Err(DecodeError::UnexpectedBinary),
            }
        }
        if pending.received >= pending.expected {
            if let Some(packet) = &mut pending.packet {
                match &mut packet.data {
                    PacketData::Event(event) => event.arguments.drop_unreferenced_attachments(),
                    PacketData::Ack(ack) => ack.arguments.drop_unreferenced_attachments(),
                    _ => {}
                }
            }
            return Ok(pending.packet);
        }
        self.pending = Some(pending);
        Ok(None)
    }

    /// Drops a pending binary packet (for example when the connection closes).
    pub fn reset(&mut self) {
        self.pending = None;
    }
}

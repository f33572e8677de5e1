//! HTTP long-polling payloads: several packets in one request or response body.
//!
//! | format | framing | binary message |
//! |---|---|---|
//! | [`PayloadFormat::V4`] | records joined by `\x1e` | `b<base64>` |
//! | [`PayloadFormat::V3Text`] | `<length>:<packet>`, length in UTF-16 code units | `b4<base64>` |
//! | [`PayloadFormat::V3Binary`] | `<0 or 1><length digits as bytes>\xff<packet>` | `\x01…\xff\x04<bytes>` |
//!
//! Decoding yields packets one at a time ([`PayloadDecoder`]) and slices text
//! messages out of the body without copying. Encoding computes the exact size
//! first and writes the body in one allocation.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::error::DecodeError;
use crate::packet::{Message, Packet, PacketType, ProtocolVersion};
use crate::str::Str;

/// The record separator of v4 payloads.
pub const RECORD_SEPARATOR: u8 = 0x1e;

/// `Content-Type` of text payloads (what the reference server sends).
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";
/// `Content-Type` of v3 binary payloads.
pub const BINARY_CONTENT_TYPE: &str = "application/octet-stream";

/// How the packets of a polling body are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadFormat {
    /// Engine.IO v4: `\x1e`-separated text records.
    V4,
    /// Engine.IO v3 text: `<length>:<packet>` records (also used with `b64=1`).
    V3Text,
    /// Engine.IO v3 binary (XHR2): length-framed records of raw bytes.
    V3Binary,
}

impl PayloadFormat {
    /// The format of a body received from a peer: v3 bodies sent as
    /// `application/octet-stream` use binary framing, everything else text.
    pub fn for_received(protocol: ProtocolVersion, binary_content_type: bool) -> PayloadFormat {
        match (protocol, binary_content_type) {
            (ProtocolVersion::V4, _) => PayloadFormat::V4,
            (ProtocolVersion::V3, false) => PayloadFormat::V3Text,
            (ProtocolVersion::V3, true) => PayloadFormat::V3Binary,
        }
    }

    /// The format to send `packets` in: v3 peers that support binary (no
    /// `b64=1`) get binary framing when a packet is binary, as the reference does.
    pub fn for_sending(protocol: ProtocolVersion, supports_binary: bool, packets: &[Packet]) -> PayloadFormat {
        match protocol {
            ProtocolVersion::V4 => PayloadFormat::V4,
            ProtocolVersion::V3 if supports_binary && packets.iter().any(is_binary) => PayloadFormat::V3Binary,
            ProtocolVersion::V3 => PayloadFormat::V3Text,
        }
    }

    /// The `Content-Type` header of a body in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            PayloadFormat::V3Binary => BINARY_CONTENT_TYPE,
            PayloadFormat::V4 | PayloadFormat::V3Text => TEXT_CONTENT_TYPE,
        }
    }

    fn protocol(self) -> ProtocolVersion {
        match self {
            PayloadFormat::V4 => ProtocolVersion::V4,
            PayloadFormat::V3Text | PayloadFormat::V3Binary => ProtocolVersion::V3,
        }
    }
}

fn is_binary(packet: &Packet) -> bool {
    matches!(packet, Packet::Message(Message::Binary(_)))
}

/// Decodes a polling body packet by packet. See [`PayloadDecoder`].
pub fn decode(format: PayloadFormat, body: Bytes) -> PayloadDecoder {
    PayloadDecoder { format, body, position: 0, failed: false }
}

/// Iterator over the packets of one polling body.
///
/// It stops after the first error: a malformed payload is a protocol error
/// that closes the session, so nothing after it is trusted.
#[derive(Debug, Clone)]
pub struct PayloadDecoder {
    format: PayloadFormat,
    body: Bytes,
    position: usize,
    failed: bool,
}

impl Iterator for PayloadDecoder {
    type Item = Result<Packet, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let result = match self.format {
            // A v4 body of n separators holds n + 1 records; an empty one is an error.
            PayloadFormat::V4 if self.position > self.body.len() => return None,
            PayloadFormat::V4 => self.next_v4(),
            // An empty body is an error in v3 too (the reference parser rejects it).
            PayloadFormat::V3Text | PayloadFormat::V3Binary if self.body.is_empty() => {
                Err(DecodeError::EmptyPacket { offset: 0 })
            }
            PayloadFormat::V3Text | PayloadFormat::V3Binary if self.position >= self.body.len() => return None,
            PayloadFormat::V3Text => self.next_v3_text(),
            PayloadFormat::V3Binary => self.next_v3_binary(),
        };
        if result.is_err() {
            self.failed = true;
        }
        Some(result)
    }
}

fn text_slice(body: &Bytes, start: usize, end: usize) -> Result<Str, DecodeError> {
    Str::from_utf8(body.slice(start..end))
        .map_err(|error| DecodeError::InvalidUtf8 { offset: start + error.valid_up_to() })
}

/// UTF-16 code units of the character that starts with this UTF-8 byte
/// (zero for continuation bytes).
fn utf16_units_of_utf8_byte(byte: u8) -> usize {
    match byte {
        0x80..=0xBF => 0,
        0xF0..=0xFF => 2,
        _ => 1,
    }
}

impl PayloadDecoder {
    fn next_v4(&mut self) -> Result<Packet, DecodeError> {
        let start = self.position;
        let end = self.body[start..]
            .iter()
            .position(|&byte| byte == RECORD_SEPARATOR)
            .map_or(self.body.len(), |at| start + at);
        self.position = end + 1;
        decode_v4_record(&self.body, start, end)
    }

    fn next_v3_text(&mut self) -> Result<Packet, DecodeError> {
        if self.position == 0 {
            // A text body must be UTF-8 as a whole; checking it once lets the
            // length walk below count code units byte by byte.
            core::str::from_utf8(&self.body)
                .map_err(|error| DecodeError::InvalidUtf8 { offset: error.valid_up_to() })?;
        }
        let start = self.position;
        let rest = &self.body[start..];
        let colon = rest.iter().take(MAX_LENGTH_DIGITS + 1).position(|&byte| byte == b':');
        let Some(colon) = colon else {
            return Err(DecodeError::InvalidLength { offset: start });
        };
        let length = parse_decimal(&rest[..colon]).ok_or(DecodeError::InvalidLength { offset: start })?;
        if length == 0 {
            return Err(DecodeError::EmptyPacket { offset: start });
        }
        // The length counts UTF-16 code units (JavaScript string length).
        let data_start = start + colon + 1;
        let mut units = 0usize;
        let mut data_end = data_start;
        for &byte in &self.body[data_start..] {
            let character_units = utf16_units_of_utf8_byte(byte);
            if character_units > 0 && units >= length {
                break;
            }
            units += character_units;
            data_end += 1;
        }
        if units < length {
            return Err(DecodeError::Truncated { offset: start, missing: length - units });
        }
        if units > length {
            // The length ends inside a surrogate pair.
            return Err(DecodeError::InvalidLength { offset: start });
        }
        self.position = data_end;
        let record = Str::from_checked(self.body.slice(data_start..data_end));
        match record.as_bytes().first() {
            Some(b'b') => Packet::decode_base64_record(ProtocolVersion::V3, &record.as_bytes()[1..], data_start),
            _ => Packet::decode_text(record).map_err(|error| shift(error, data_start)),
        }
    }

    fn next_v3_binary(&mut self) -> Result<Packet, DecodeError> {
        let start = self.position;
        let rest = &self.body[start..];
        let is_binary = match rest.first() {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(DecodeError::InvalidLength { offset: start }),
        };
        let digits_end = rest.iter().skip(1).take(MAX_LENGTH_DIGITS + 1).position(|&byte| byte == 0xFF);
        let Some(digit_count) = digits_end.filter(|&count| count > 0) else {
            return Err(DecodeError::InvalidLength { offset: start });
        };
        let mut length = 0usize;
        for &digit in &rest[1..1 + digit_count] {
            if digit > 9 {
                return Err(DecodeError::InvalidLength { offset: start });
            }
            length = length * 10 + usize::from(digit);
        }
        let data_start = start + 2 + digit_count;
        let available = self.body.len() - data_start;
        if length > available {
            return Err(DecodeError::Truncated { offset: start, missing: length - available });
        }
        let data_end = data_start + length;
        self.position = data_end;
        if is_binary {
            Packet::decode_v3_binary(self.body.slice(data_start..data_end), data_start)
        } else {
            let record = text_slice(&self.body, data_start, data_end)?;
            Packet::decode_text(record).map_err(|error| shift(error, data_start))
        }
    }
}

/// Longest length prefix accepted (lengths above 10^15 are nonsense for a body).
const MAX_LENGTH_DIGITS: usize = 15;

fn parse_decimal(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() || digits.len() > MAX_LENGTH_DIGITS {
        return None;
    }
    digits
        .iter()
        .try_fold(0usize, |value, &digit| digit.is_ascii_digit().then(|| value * 10 + usize::from(digit - b'0')))
}

fn decode_v4_record(body: &Bytes, start: usize, end: usize) -> Result<Packet, DecodeError> {
    match body.get(start).filter(|_| start < end) {
        None => Err(DecodeError::EmptyPacket { offset: start }),
        Some(b'b') => Packet::decode_base64_record(ProtocolVersion::V4, &body[start + 1..end], start),
        // Messages are most records: slice the data once, past the type digit.
        Some(&digit) if digit == PacketType::Message.digit() => {
            Ok(Packet::Message(Message::Text(text_slice(body, start + 1, end)?)))
        }
        Some(_) => {
            let record = text_slice(body, start, end)?;
            Packet::decode_text(record).map_err(|error| shift(error, start))
        }
    }
}

/// Makes a packet-relative error offset payload-relative.
fn shift(error: DecodeError, by: usize) -> DecodeError {
    match error {
        DecodeError::EmptyPacket { offset } => DecodeError::EmptyPacket { offset: offset + by },
        DecodeError::UnknownPacketType { byte, offset } => DecodeError::UnknownPacketType { byte, offset: offset + by },
        DecodeError::InvalidUtf8 { offset } => DecodeError::InvalidUtf8 { offset: offset + by },
        DecodeError::InvalidBase64 { offset } => DecodeError::InvalidBase64 { offset: offset + by },
        other => other,
    }
}

fn utf16_len(packet: &Packet) -> usize {
    match packet {
        Packet::Message(Message::Text(text)) => 1 + utf16_len_of_utf8(text.as_bytes()),
        // Everything else in a text payload is ASCII (digits, JSON of an ASCII
        // sid, base64), except an open packet with a non-ASCII sid.
        Packet::Open(open) => 1 + open.to_json().encode_utf16().count(),
        other => other.text_len(ProtocolVersion::V3),
    }
}

/// UTF-16 code units of valid UTF-8 text, counted from its lead bytes.
fn utf16_len_of_utf8(text: &[u8]) -> usize {
    text.iter().map(|&byte| utf16_units_of_utf8_byte(byte)).sum()
}

fn decimal_digits(mut value: usize) -> usize {
    let mut digits = 1;
    while value >= 10 {
        value /= 10;
        digits += 1;
    }
    digits
}

fn v3_binary_record_len(packet: &Packet) -> usize {
    match packet {
        Packet::Message(Message::Binary(bytes)) => 1 + bytes.len(),
        other => other.text_len(ProtocolVersion::V3),
    }
}

/// Exact size in bytes of `packets` encoded in `format`.
pub fn encoded_len(format: PayloadFormat, packets: &[Packet]) -> usize {
    let protocol = format.protocol();
    match format {
        PayloadFormat::V4 => {
            packets.iter().map(|packet| packet.text_len(protocol)).sum::<usize>() + packets.len().saturating_sub(1)
        }
        PayloadFormat::V3Text => packets
            .iter()
            .map(|packet| {
                let units = utf16_len(packet);
                decimal_digits(units) + 1 + packet.text_len(protocol)
            })
            .sum(),
        PayloadFormat::V3Binary => packets
            .iter()
            .map(|packet| {
                let length = v3_binary_record_len(packet);
                2 + decimal_digits(length) + length
            })
            .sum(),
    }
}

/// How many packets from the front of `packets` fit in one body of at most
/// `max_bytes` bytes. Always at least one when `packets` is not empty, so a
/// single packet larger than the limit still goes out (alone).
pub fn fitting_prefix(format: PayloadFormat, packets: &[Packet], max_bytes: usize) -> usize {
    let mut total = 0usize;
    for (count, packet) in packets.iter().enumerate() {
        total +=
            encoded_len(format, core::slice::from_ref(packet)) + usize::from(format == PayloadFormat::V4 && count > 0);
        if total > max_bytes && count > 0 {
            return count;
        }
    }
    packets.len()
}

fn push_decimal(out: &mut Vec<u8>, value: usize, as_ascii: bool) {
    let mut digits = [0u8; 20];
    let mut index = digits.len();
    let mut rest = value;
    loop {
        index -= 1;
        digits[index] = (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[index..] {
        out.push(if as_ascii { b'0' + digit } else { digit });
    }
}

/// Encodes `packets` into one polling body, in one allocation.
pub fn encode(format: PayloadFormat, packets: &[Packet]) -> Bytes {
    let protocol = format.protocol();
    let mut out = Vec::with_capacity(encoded_len(format, packets));
    for (index, packet) in packets.iter().enumerate() {
        match format {
            PayloadFormat::V4 => {
                if index > 0 {
                    out.push(RECORD_SEPARATOR);
                }
                packet.write_text(protocol, &mut out);
            }
            PayloadFormat::V3Text => {
                push_decimal(&mut out, utf16_len(packet), true);
                out.push(b':');
                packet.write_text(protocol, &mut out);
            }
            PayloadFormat::V3Binary => match packet {
                Packet::Message(Message::Binary(bytes)) => {
                    out.push(1);
                    push_decimal(&mut out, 1 + bytes.len(), false);
                    out.push(0xFF);
                    out.push(PacketType::Message as u8);
                    out.extend_from_slice(bytes);
                }
                other => {
                    out.push(0);
                    push_decimal(&mut out, other.text_len(protocol), false);
                    out.push(0xFF);
                    other.write_text(protocol, &mut out);
                }
            },
        }
    }
    debug_assert_eq!(out.len(), encoded_len(format, packets));
    Bytes::from(out)
}

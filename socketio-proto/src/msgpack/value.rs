//! A msgpack value tree: read from msgpack bytes, written with the encoding
//! choices of `notepack.io`, and converted to and from JSON through serde.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::error::{DecodeError, EncodeError};
use super::MAX_DEPTH;
use crate::placeholder::Binary;

/// Largest integer a JS number holds exactly (2^53).
const SAFE_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// One msgpack value. Non-negative integers are always [`Value::UInt`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// `nil` (JSON `null`).
    Nil,
    /// JS `undefined` (fixext 1, type 0): dropped from maps, `null` in arrays.
    Undefined,
    /// `true` or `false`.
    Bool(bool),
    /// A negative integer.
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// A finite float.
    Float(f64),
    /// A UTF-8 string.
    Str(Cow<'a, str>),
    /// Binary data (`bin`, or ext type 0 for a Node `ArrayBuffer`/`Uint8Array`).
    Bin(Bytes),
    /// An array.
    Array(Vec<Value<'a>>),
    /// A map with string keys, in wire order.
    Map(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl Value<'_> {
    /// Whether a binary value is inside.
    pub(crate) fn contains_binary(&self) -> bool {
        match self {
            Value::Bin(_) => true,
            Value::Array(items) => items.iter().any(Value::contains_binary),
            Value::Map(entries) => entries.iter().any(|(_, value)| value.contains_binary()),
            _ => false,
        }
    }

    /// Replaces every placeholder map (`{"_placeholder":true,"num":N}`, as
    /// socket.io-parser recognises them) with attachment `N`.
    pub(crate) fn resolve_placeholders(&mut self, attachments: &[Bytes]) -> Result<(), EncodeError> {
        match self {
            Value::Array(items) => items.iter_mut().try_for_each(|item| item.resolve_placeholders(attachments)),
            Value::Map(entries) => {
                let is_placeholder =
                    entries.iter().any(|(key, value)| key == "_placeholder" && *value == Value::Bool(true));
                if !is_placeholder {
                    return entries.iter_mut().try_for_each(|(_, value)| value.resolve_placeholders(attachments));
                }
                let num = entries.iter().rev().find(|(key, _)| key == "num").map(|(_, value)| value);
                let invalid = || EncodeError::InvalidPlaceholder { attachments: attachments.len() };
                let index = match num {
                    Some(Value::UInt(num)) => usize::try_from(*num).map_err(|_| invalid())?,
                    _ => return Err(invalid()),
                };
                *self = Value::Bin(attachments.get(index).ok_or_else(invalid)?.clone());
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Reads msgpack values from a message, borrowing strings from it.
pub(crate) struct Reader<'a> {
    bytes: &'a Bytes,
    offset: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a Bytes) -> Reader<'a> {
        Reader { bytes, offset: 0 }
    }

    /// Reads the one value of the message; bytes after it are an error.
    pub(crate) fn read_whole(mut self) -> Result<Value<'a>, DecodeError> {
        let value = self.value(0)?;
        let count = self.bytes.len().saturating_sub(self.offset);
        if count > 0 {
            return Err(DecodeError::TrailingBytes { count, offset: self.offset });
        }
        Ok(value)
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        let bytes: &'a [u8] = self.bytes;
        let end = self.offset.checked_add(count).filter(|&end| end <= bytes.len());
        let slice = end.and_then(|end| bytes.get(self.offset..end));
        let slice = slice.ok_or(DecodeError::Truncated { offset: self.offset })?;
        self.offset += count;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<usize, DecodeError> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    fn u32(&mut self) -> Result<usize, DecodeError> {
        let value = u32::from_be_bytes(self.array()?);
        usize::try_from(value).map_err(|_| DecodeError::Truncated { offset: self.offset })
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, DecodeError> {
        let start = self.offset;
        let marker = self.u8()?;
        Ok(match marker {
            0x00..=0x7f => Value::UInt(u64::from(marker)),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), depth, start)?,
            0x90..=0x9f => self.list(usize::from(marker & 0x0f), depth, start)?,
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f))?,
            0xc0 => Value::Nil,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4 => {
                let length = usize::from(self.u8()?);
                self.binary(length)?
            }
            0xc5 => {
                let length = self.u16()?;
                self.binary(length)?
            }
            0xc6 => {
                let length = self.u32()?;
                self.binary(length)?
            }
            0xc7 => {
                let length = usize::from(self.u8()?);
                self.extension(length, start)?
            }
            0xc8 => {
                let length = self.u16()?;
                self.extension(length, start)?
            }
            0xc9 => {
                let length = self.u32()?;
                self.extension(length, start)?
            }
            0xca => float(f64::from(f32::from_be_bytes(self.array()?)), start)?,
            0xcb => float(f64::from_be_bytes(self.array()?), start)?,
            0xcc => Value::UInt(u64::from(self.u8()?)),
            0xcd => Value::UInt(u64::from(u16::from_be_bytes(self.array()?))),
            0xce => Value::UInt(u64::from(u32::from_be_bytes(self.array()?))),
            0xcf => Value::UInt(u64::from_be_bytes(self.array()?)),
            0xd0 => signed(i64::from(i8::from_be_bytes(self.array()?))),
            0xd1 => signed(i64::from(i16::from_be_bytes(self.array()?))),
            0xd2 => signed(i64::from(i32::from_be_bytes(self.array()?))),
            0xd3 => signed(i64::from_be_bytes(self.array()?)),
            0xd4 => {
                let ext_type = i8::from_be_bytes(self.array()?);
                self.take(1)?;
                if ext_type != 0 {
                    return Err(DecodeError::UnsupportedExtension { ext_type, offset: start });
                }
                Value::Undefined
            }
            0xd5..=0xd8 => {
                let ext_type = i8::from_be_bytes(self.array()?);
                return Err(DecodeError::UnsupportedExtension { ext_type, offset: start });
            }
            0xd9 => {
                let length = usize::from(self.u8()?);
                self.string(length)?
            }
            0xda => {
                let length = self.u16()?;
                self.string(length)?
            }
            0xdb => {
                let length = self.u32()?;
                self.string(length)?
            }
            0xdc => {
                let length = self.u16()?;
                self.list(length, depth, start)?
            }
            0xdd => {
                let length = self.u32()?;
                self.list(length, depth, start)?
            }
            0xde => {
                let length = self.u16()?;
                self.map(length, depth, start)?
            }
            0xdf => {
                let length = self.u32()?;
                self.map(length, depth, start)?
            }
            0xe0..=0xff => Value::Int(i64::from(i8::from_be_bytes([marker]))),
            0xc1 => return Err(DecodeError::InvalidMarker { byte: marker, offset: start }),
        })
    }

    fn string(&mut self, length: usize) -> Result<Value<'a>, DecodeError> {
        let offset = self.offset;
        let bytes = self.take(length)?;
        let text = core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { offset })?;
        Ok(Value::Str(Cow::Borrowed(text)))
    }

    fn binary(&mut self, length: usize) -> Result<Value<'a>, DecodeError> {
        let start = self.offset;
        self.take(length)?;
        Ok(Value::Bin(self.bytes.slice(start..start + length)))
    }

    /// ext 8/16/32: type 0 is a Node `ArrayBuffer` (binary data).
    fn extension(&mut self, length: usize, start: usize) -> Result<Value<'a>, DecodeError> {
        let ext_type = i8::from_be_bytes(self.array()?);
        if ext_type != 0 {
            return Err(DecodeError::UnsupportedExtension { ext_type, offset: start });
        }
        self.binary(length)
    }

    /// Room for `length` elements of at least one byte each, no more than the
    /// bytes left (a peer cannot make us reserve memory it did not send).
    fn capacity(&self, length: usize) -> usize {
        length.min(self.bytes.len().saturating_sub(self.offset))
    }

    fn nested(&self, depth: usize, start: usize) -> Result<usize, DecodeError> {
        if depth >= MAX_DEPTH {
            return Err(DecodeError::TooDeep { limit: MAX_DEPTH, offset: start });
        }
        Ok(depth + 1)
    }

    fn list(&mut self, length: usize, depth: usize, start: usize) -> Result<Value<'a>, DecodeError> {
        let depth = self.nested(depth, start)?;
        let mut items = Vec::with_capacity(self.capacity(length));
        for _ in 0..length {
            items.push(self.value(depth)?);
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, length: usize, depth: usize, start: usize) -> Result<Value<'a>, DecodeError> {
        let depth = self.nested(depth, start)?;
        let mut entries = Vec::with_capacity(self.capacity(length) / 2);
        for _ in 0..length {
            let key_offset = self.offset;
            let key = match self.value(depth)? {
                Value::Str(key) => key,
                _ => return Err(DecodeError::NonStringKey { offset: key_offset }),
            };
            entries.push((key, self.value(depth)?));
        }
        Ok(Value::Map(entries))
    }
}

/// Whether a finite float has no fractional part (`f64::fract` needs `std`).
pub(crate) fn is_integral(number: f64) -> bool {
    // From 2^53 on every float is an integer; below, the cast is exact.
    number.abs() >= SAFE_INTEGER_LIMIT || (number as i64) as f64 == number
}

fn signed(value: i64) -> Value<'static> {
    u64::try_from(value).map_or(Value::Int(value), Value::UInt)
}

fn float(value: f64, offset: usize) -> Result<Value<'static>, DecodeError> {
    if !value.is_finite() {
        return Err(DecodeError::NonFiniteFloat { offset });
    }
    Ok(Value::Float(value))
}

/// Writes values as `notepack.io` does: the smallest integer and length
/// encodings, floats only for non-integral numbers (always 64-bit), `bin` for
/// binary data.
pub(crate) struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// A writer whose buffer holds `capacity` bytes (see [`encoded_len`]).
    pub(crate) fn with_capacity(capacity: usize) -> Writer {
        Writer { out: Vec::with_capacity(capacity) }
    }

    /// The written bytes.
    pub(crate) fn finish(self) -> Bytes {
        Bytes::from(self.out)
    }

    /// Writes a map header for `length` entries.
    pub(crate) fn map_header(&mut self, length: usize) -> Result<(), EncodeError> {
        self.header(length, Header::MAP)
    }

    fn header(&mut self, length: usize, header: Header) -> Result<(), EncodeError> {
        match (length, header.marker_8) {
            _ if length < header.fix_limit => self.out.push(header.fix | length as u8),
            (0..=0xff, Some(marker_8)) => self.out.extend_from_slice(&[marker_8, length as u8]),
            (0..=0xffff, _) => {
                self.out.push(header.marker_16);
                self.out.extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                let length = u32::try_from(length).map_err(|_| EncodeError::TooLarge { length })?;
                self.out.push(header.marker_32);
                self.out.extend_from_slice(&length.to_be_bytes());
            }
        }
        Ok(())
    }

    /// Writes a string.
    pub(crate) fn string(&mut self, text: &str) -> Result<(), EncodeError> {
        self.header(text.len(), Header::STR)?;
        self.out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// Writes a non-negative integer.
    pub(crate) fn unsigned(&mut self, value: u64) {
        match value {
            0..=0x7f => self.out.push(value as u8),
            0x80..=0xff => self.out.extend_from_slice(&[0xcc, value as u8]),
            0x100..=0xffff => {
                self.out.push(0xcd);
                self.out.extend_from_slice(&(value as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                self.out.push(0xce);
                self.out.extend_from_slice(&(value as u32).to_be_bytes());
            }
            _ => {
                self.out.push(0xcf);
                self.out.extend_from_slice(&value.to_be_bytes());
            }
        }
    }

    fn negative(&mut self, value: i64) {
        match value {
            -0x20..=-1 => self.out.push(value as u8),
            -0x80..=-0x21 => self.out.extend_from_slice(&[0xd0, value as u8]),
            -0x8000..=-0x81 => {
                self.out.push(0xd1);
                self.out.extend_from_slice(&(value as i16).to_be_bytes());
            }
            -0x8000_0000..=-0x8001 => {
                self.out.push(0xd2);
                self.out.extend_from_slice(&(value as i32).to_be_bytes());
            }
            _ => {
                self.out.push(0xd3);
                self.out.extend_from_slice(&value.to_be_bytes());
            }
        }
    }

    /// Writes one value.
    pub(crate) fn value(&mut self, value: &Value<'_>) -> Result<(), EncodeError> {
        match value {
            Value::Nil => self.out.push(0xc0),
            Value::Undefined => self.out.extend_from_slice(&[0xd4, 0, 0]),
            Value::Bool(flag) => self.out.push(if *flag { 0xc3 } else { 0xc2 }),
            Value::Int(number) => self.negative(*number),
            Value::UInt(number) => self.unsigned(*number),
            Value::Float(number) => {
                self.out.push(0xcb);
                self.out.extend_from_slice(&number.to_be_bytes());
            }
            Value::Str(text) => self.string(text)?,
            Value::Bin(bytes) => {
                self.header(bytes.len(), Header::BIN)?;
                self.out.extend_from_slice(bytes);
            }
            Value::Array(items) => {
                self.header(items.len(), Header::ARRAY)?;
                items.iter().try_for_each(|item| self.value(item))?;
            }
            Value::Map(entries) => {
                self.map_header(entries.len())?;
                for (key, value) in entries {
                    self.string(key)?;
                    self.value(value)?;
                }
            }
        }
        Ok(())
    }
}

/// The length-prefix forms of one msgpack family.
#[derive(Clone, Copy)]
struct Header {
    /// The marker of the form that holds the length itself.
    fix: u8,
    /// Lengths below this fit in the `fix` marker.
    fix_limit: usize,
    /// The marker with an 8-bit length, if the family has one.
    marker_8: Option<u8>,
    /// The marker with a 16-bit length.
    marker_16: u8,
    /// The marker with a 32-bit length.
    marker_32: u8,
}

impl Header {
    const STR: Header = Header { fix: 0xa0, fix_limit: 0x20, marker_8: Some(0xd9), marker_16: 0xda, marker_32: 0xdb };
    const BIN: Header = Header { fix: 0, fix_limit: 0, marker_8: Some(0xc4), marker_16: 0xc5, marker_32: 0xc6 };
    const ARRAY: Header = Header { fix: 0x90, fix_limit: 0x10, marker_8: None, marker_16: 0xdc, marker_32: 0xdd };
    const MAP: Header = Header { fix: 0x80, fix_limit: 0x10, marker_8: None, marker_16: 0xde, marker_32: 0xdf };

    /// The length of the header for `length` elements.
    fn len(self, length: usize) -> usize {
        match (length, self.marker_8) {
            _ if length < self.fix_limit => 1,
            (0..=0xff, Some(_)) => 2,
            (0..=0xffff, _) => 3,
            _ => 5,
        }
    }
}

/// The encoded length of a string.
pub(crate) fn string_len(text: &str) -> usize {
    Header::STR.len(text.len()) + text.len()
}

/// The encoded length of a non-negative integer.
pub(crate) fn unsigned_len(value: u64) -> usize {
    match value {
        0..=0x7f => 1,
        0x80..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// The encoded length of a map header.
pub(crate) fn map_header_len(length: usize) -> usize {
    Header::MAP.len(length)
}

/// The number of bytes [`Writer::value`] writes for `value` (so the output is
/// allocated once).
pub(crate) fn encoded_len(value: &Value<'_>) -> usize {
    match value {
        Value::Nil | Value::Bool(_) => 1,
        Value::Undefined => 3,
        Value::Int(number) => match number {
            -0x20..=-1 => 1,
            -0x80..=-0x21 => 2,
            -0x8000..=-0x81 => 3,
            -0x8000_0000..=-0x8001 => 5,
            _ => 9,
        },
        Value::UInt(number) => unsigned_len(*number),
        Value::Float(_) => 9,
        Value::Str(text) => string_len(text),
        Value::Bin(bytes) => Header::BIN.len(bytes.len()) + bytes.len(),
        Value::Array(items) => Header::ARRAY.len(items.len()) + items.iter().map(encoded_len).sum::<usize>(),
        Value::Map(entries) => {
            map_header_len(entries.len())
                + entries.iter().map(|(key, value)| string_len(key) + encoded_len(value)).sum::<usize>()
        }
    }
}

/// Serializes as JSON would see the value: `undefined` entries dropped from
/// maps (`null` in arrays), integral floats as integers (as `JSON.stringify`
/// writes them), binary values as [`Binary`] (attachments inside [`crate::Args`]).
impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Nil | Value::Undefined => serializer.serialize_unit(),
            Value::Bool(flag) => serializer.serialize_bool(*flag),
            Value::Int(number) => serializer.serialize_i64(*number),
            Value::UInt(number) => serializer.serialize_u64(*number),
            Value::Float(number) if is_integral(*number) && number.abs() < SAFE_INTEGER_LIMIT => {
                serializer.serialize_i64(*number as i64)
            }
            Value::Float(number) => serializer.serialize_f64(*number),
            Value::Str(text) => serializer.serialize_str(text),
            Value::Bin(bytes) => Binary(bytes.clone()).serialize(serializer),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                items.iter().try_for_each(|item| seq.serialize_element(item))?;
                seq.end()
            }
            Value::Map(entries) => {
                let defined = entries.iter().filter(|(_, value)| *value != Value::Undefined);
                let mut map = serializer.serialize_map(Some(defined.clone().count()))?;
                defined.into_iter().try_for_each(|(key, value)| map.serialize_entry(key, value))?;
                map.end()
            }
        }
    }
}

/// Reads JSON (or any self-describing format) into a tree, keeping map order.
impl<'de> Deserialize<'de> for Value<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value<'de>, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(flag))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Value<'de>, E> {
        Ok(signed(number))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Value<'de>, E> {
        Ok(Value::UInt(number))
    }

    /// A JS number: integral values go out as integers (as notepack writes them).
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Value<'de>, E> {
        if is_integral(number) && number.abs() < SAFE_INTEGER_LIMIT {
            return Ok(signed(number as i64));
        }
        Ok(Value::Float(number))
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(String::from(text))))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(text)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value<'de>, E> {
        Ok(Value::Nil)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value<'de>, E> {
        Ok(Value::Nil)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value<'de>, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value<'de>, A::Error> {
        let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
        while let Some(item) = access.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value<'de>, A::Error> {
        let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
        while let Some((Key(key), value)) = access.next_entry::<Key<'de>, Value<'de>>()? {
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// A map key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(String::from(text))))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(text)))
    }
}

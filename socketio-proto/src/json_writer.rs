//! A compact JSON `serde::Serializer` that writes straight into a packet
//! buffer, byte for byte what `serde_json::to_string` writes, and turns
//! [`crate::Binary`] values into attachment placeholders on the way.
//!
//! It exists for speed: strings are copied in runs between the bytes that
//! need escaping, integers are formatted without allocating, and common
//! floats (few decimals, moderate magnitude) skip the shortest-digits search.
//! Other floats are formatted by serde_json itself.

use alloc::vec::Vec;
use bytes::Bytes;
use serde::ser::{self, Impossible, Serialize};
use serde_json::Error;

use crate::placeholder::{Capture, TOKEN};

/// The struct names serde_json gives raw JSON text (`RawValue`) and
/// arbitrary-precision numbers: their single field is text written as is.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Appends the compact JSON text of `value` to `out`. [`crate::Binary`]
/// values become `{"_placeholder":true,"num":N}` and their bytes are pushed
/// onto `attachments`. On error, `out` and `attachments` are left as they
/// were.
#[inline]
pub(crate) fn write_value<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    attachments: &mut Vec<Bytes>,
    value: &T,
) -> Result<(), Error> {
    let (text_mark, attachments_mark) = (out.len(), attachments.len());
    let result = value.serialize(&mut JsonWriter { out: &mut *out, attachments: &mut *attachments });
    if result.is_err() {
        out.truncate(text_mark);
        attachments.truncate(attachments_mark);
    }
    result
}

/// The serializer: the output buffer and the attachments found so far.
struct JsonWriter<'a> {
    out: &'a mut Vec<u8>,
    attachments: &'a mut Vec<Bytes>,
}

fn key_must_be_a_string() -> Error {
    <Error as ser::Error>::custom("key must be a string")
}

fn float_key_must_be_finite() -> Error {
    <Error as ser::Error>::custom("float key must be finite (got NaN or +/-inf)")
}

// ---------------------------------------------------------------- strings

/// For each byte, the letter after `\` when it must be escaped (`u` for
/// `\u00XX`), or 0: the table of serde_json (control characters, `"`, `\`).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX_DIGITS: [u8; 16] = *b"0123456789abcdef";

/// Appends `text` as a JSON string, escaped as serde_json escapes it.
///
/// Strings of up to 16 bytes (most keys and short values) are checked and
/// copied as one or two 8-byte words, with no per-byte loop and no `memcpy`
/// call; longer ones are checked a byte at a time and copied in one run.
#[inline]
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if let Some((word, len)) = quoted_word(bytes) {
        put_word(out, word, len);
        return;
    }
    if bytes.len() <= 16 {
        if write_short_plain(out, bytes) {
            return;
        }
    } else if !bytes.iter().any(|&byte| ESCAPE[usize::from(byte)] != 0) {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    write_escaped(out, bytes);
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that needs escaping (a control
/// character, `"` or `\`) is set. A byte above (more significant than) one
/// that needs escaping may be flagged too, never a byte below all of them:
/// "is any flagged" is exact, and so is "is any of the low bytes flagged".
#[inline]
fn escape_flags(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote;
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash;
    (control | quote | backslash) & HIGH_BITS
}

/// `bytes` (fewer than 8) as a little-endian word, zero above them.
#[inline]
fn load_short(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let byte_at = |at: usize| u64::from(bytes.get(at).copied().unwrap_or(0)) << (8 * at);
    let word_at = |at: usize| {
        u64::from(bytes.get(at..at + 4).and_then(|four| four.try_into().ok()).map_or(0, u32::from_le_bytes))
    };
    match len {
        0 => 0,
        // Overlapping reads of the same bytes: or-ing them changes nothing.
        1..=3 => byte_at(0) | byte_at(len / 2) | byte_at(len - 1),
        _ => word_at(0) | word_at(len - 4) << (8 * (len - 4)),
    }
}

/// A plain string of at most 6 bytes, quoted, as one little-endian word and
/// its length in bytes (`None` when longer or when it needs escaping).
#[inline]
fn quoted_word(bytes: &[u8]) -> Option<(u64, usize)> {
    let len = bytes.len();
    if len > 6 {
        return None;
    }
    let word = load_short(bytes);
    let own = (1u64 << (8 * len)) - 1;
    if escape_flags(word) & own != 0 {
        return None;
    }
    let quote = u64::from(b'"');
    Some((quote | word << 8 | quote << (8 * (len + 1)), len + 2))
}

/// Appends the low `len` bytes (at most 8) of `word`: one 8-byte store, then
/// the length is cut back.
#[inline]
fn put_word(out: &mut Vec<u8>, word: u64, len: usize) {
    let end = out.len() + len;
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(end);
}

/// Appends an object key and its `:`, after a `,` when `comma`; a short key
/// (the common case) in a single store.
#[inline]
fn write_key(out: &mut Vec<u8>, comma: bool, key: &str) {
    if let Some((word, len)) = quoted_word(key.as_bytes()) {
        let colon = u64::from(b':');
        if comma && len <= 6 {
            return put_word(out, u64::from(b',') | word << 8 | colon << (8 * (len + 1)), len + 2);
        }
        if !comma && len <= 7 {
            return put_word(out, word | colon << (8 * len), len + 1);
        }
    }
    if comma {
        out.push(b',');
    }
    write_str(out, key);
    out.push(b':');
}

/// `bytes[at..at + 8]` as a little-endian word (0 when out of range).
#[inline]
fn load_word(bytes: &[u8], at: usize) -> u64 {
    bytes.get(at..at + 8).and_then(|eight| eight.try_into().ok()).map_or(0, u64::from_le_bytes)
}

/// Writes a string of at most 16 bytes that needs no escaping, as whole
/// words (the buffer is then cut back to the string's end). Returns false,
/// writing nothing, when it needs escaping.
#[inline]
fn write_short_plain(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let len = bytes.len();
    let (low, high) = if len < 8 {
        let word = load_short(bytes);
        // Only the string's own bytes count, not the zeros above them.
        let own = (1u64 << (8 * len)) - 1;
        if escape_flags(word) & own != 0 {
            return false;
        }
        (word, None)
    } else {
        let first = load_word(bytes, 0);
        let last = load_word(bytes, len - 8);
        if escape_flags(first) | escape_flags(last) != 0 {
            return false;
        }
        // The bytes after the first eight, at the bottom of the word.
        (first, Some(last.checked_shr(8 * (16 - len) as u32).unwrap_or(0)))
    };
    out.reserve(18);
    out.push(b'"');
    let end = out.len() + len;
    out.extend_from_slice(&low.to_le_bytes());
    if let Some(high) = high {
        out.extend_from_slice(&high.to_le_bytes());
    }
    out.truncate(end);
    out.push(b'"');
    true
}

/// Writes a string that needs escaping: runs of plain bytes in one copy,
/// escapes in between.
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape = ESCAPE[usize::from(byte)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(bytes.get(start..at).unwrap_or_default());
        start = at + 1;
        if escape == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX_DIGITS[usize::from(byte >> 4)],
                HEX_DIGITS[usize::from(byte & 0xf)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

// ---------------------------------------------------------------- integers

/// Two decimal digits for each number below 100.
static DIGIT_PAIRS: [u8; 200] = {
    let mut pairs = [0u8; 200];
    let mut n = 0;
    while n < 100 {
        pairs[2 * n] = b'0' + (n / 10) as u8;
        pairs[2 * n + 1] = b'0' + (n % 10) as u8;
        n += 1;
    }
    pairs
};

/// Appends the decimal digits of `value`.
#[inline]
pub(crate) fn write_u64(out: &mut Vec<u8>, value: u64) {
    if value < 10 {
        out.push(b'0' + value as u8);
    } else if value < 100 {
        let pair = value as usize * 2;
        out.extend_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        write_u64_long(out, value);
    }
}

/// [`write_u64`] for values of three digits or more.
fn write_u64_long(out: &mut Vec<u8>, mut value: u64) {
    let mut buffer = [0u8; 20];
    let mut at = buffer.len();
    while value >= 100 {
        let pair = (value % 100) as usize * 2;
        value /= 100;
        at -= 2;
        buffer[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if value >= 10 {
        let pair = value as usize * 2;
        at -= 2;
        buffer[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        buffer[at] = b'0' + value as u8;
    }
    let digits = buffer.len() - at;
    if digits <= 8 {
        // The last eight bytes hold the digits at their top: shift them down.
        let last = load_word(&buffer, buffer.len() - 8);
        put_word(out, last >> (8 * (8 - digits)), digits);
    } else {
        out.extend_from_slice(&buffer[at..]);
    }
}

#[inline]
fn write_i64(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    write_u64(out, value.unsigned_abs());
}

fn write_u128(out: &mut Vec<u8>, mut value: u128) {
    if let Ok(small) = u64::try_from(value) {
        return write_u64(out, small);
    }
    let mut buffer = [0u8; 39];
    let mut at = buffer.len();
    while value > 0 && at > 0 {
        at -= 1;
        buffer[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    out.extend_from_slice(&buffer[at..]);
}

fn write_i128(out: &mut Vec<u8>, value: i128) {
    if value < 0 {
        out.push(b'-');
    }
    write_u128(out, value.unsigned_abs());
}

// ---------------------------------------------------------------- floats

/// Exact powers of ten (every one up to 10^22 is a double).
const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const POW10_INT: [u64; 10] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/// Scaled values stay below this (2^50), so candidates are exact integers
/// far finer than the spacing of doubles at that size.
const SCALED_LIMIT: f64 = 1_125_899_906_842_624.0;

/// Appends a finite `f64` as serde_json writes it (the shortest digits that
/// read back as `value`, e.g. `1.5`, `100.0`, `1e-7`).
#[inline]
fn write_f64(out: &mut Vec<u8>, value: f64) {
    if !write_f64_short(out, value) {
        write_float_with_serde_json(out, value);
    }
}

/// The fast path of [`write_f64`]: values of at most nine decimals between
/// 0.001 and 2^50, and zeros. Returns false, writing nothing, for the rest.
///
/// Why the output equals the shortest round-trip digits serde_json writes:
/// for `k` = 0, 1, … the candidate `m` = `round(|value| · 10^k)` is tested
/// with `m as f64 / 10^k == |value|` (for `k` = 0: whether `|value|` is a
/// whole number); `m` < 2^50 and `10^k` are exact
/// doubles and the division is correctly rounded, so the test holds exactly
/// when the decimal `m · 10^-k` reads back as `value`. Below 2^50 the
/// rounding interval of `value`, scaled by `10^k`, is narrower than 1/4, so
/// a decimal with `k` fractional digits that reads back is unique and is `m`
/// (the scaled product and the `+ 0.5` are off by at most 1/8 each). The
/// first `k` that works gives the fewest fractional digits, hence (the
/// integer part being fixed by the magnitude, or the value being next to a
/// power of ten that is then itself the candidate) the fewest significant
/// digits, and it is the only candidate of that length: the shortest, which
/// is what the formatter prints. Values from 0.001 to 2^50 print in plain
/// decimal notation (`123.45`, `0.001`, `12.0`), as written here.
#[inline]
fn write_f64_short(out: &mut Vec<u8>, value: f64) -> bool {
    let magnitude = if value < 0.0 { -value } else { value };
    if magnitude == 0.0 {
        out.extend_from_slice(if value.is_sign_negative() { b"-0.0" } else { b"0.0" });
        return true;
    }
    if !(0.001..SCALED_LIMIT).contains(&magnitude) {
        return false;
    }
    // Whole numbers: no division needed to check them.
    let whole = magnitude as u64;
    if whole as f64 == magnitude {
        if value < 0.0 {
            out.push(b'-');
        }
        write_u64(out, whole);
        out.extend_from_slice(b".0");
        return true;
    }
    for (decimals, (&scale, &scale_int)) in POW10.iter().zip(POW10_INT.iter()).enumerate().skip(1) {
        let scaled = magnitude * scale;
        if scaled >= SCALED_LIMIT {
            return false;
        }
        let candidate = (scaled + 0.5) as u64;
        if candidate as f64 / scale != magnitude {
            continue;
        }
        if value < 0.0 {
            out.push(b'-');
        }
        write_u64(out, candidate / scale_int);
        write_fraction(out, candidate % scale_int, decimals);
        return true;
    }
    false
}

/// Appends `.` and `fraction` as exactly `decimals` digits (1 to 9, leading
/// zeros kept), in one store when they fit in a word.
#[inline]
fn write_fraction(out: &mut Vec<u8>, mut fraction: u64, decimals: usize) {
    if decimals <= 7 {
        let mut word = u64::from(b'.');
        for position in (1..=decimals).rev() {
            word |= u64::from(b'0' + (fraction % 10) as u8) << (8 * position);
            fraction /= 10;
        }
        return put_word(out, word, decimals + 1);
    }
    let mut digits = [b'.'; 10];
    for digit in digits.iter_mut().take(decimals + 1).skip(1).rev() {
        *digit = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
    out.extend_from_slice(digits.get(..=decimals).unwrap_or_default());
}

/// Formats a float with serde_json (the shortest round-trip digits).
#[cfg(feature = "std")]
fn write_float_with_serde_json<F: Serialize>(out: &mut Vec<u8>, value: F) {
    let mark = out.len();
    if serde_json::to_writer(&mut *out, &value).is_err() {
        // Writing a number to a vector cannot fail; keep the JSON valid anyway.
        out.truncate(mark);
        out.extend_from_slice(b"null");
    }
}

/// Formats a float with serde_json (the shortest round-trip digits).
#[cfg(not(feature = "std"))]
fn write_float_with_serde_json<F: Serialize>(out: &mut Vec<u8>, value: F) {
    match serde_json::to_vec(&value) {
        Ok(text) => out.extend_from_slice(&text),
        Err(_) => out.extend_from_slice(b"null"),
    }
}

// ---------------------------------------------------------------- values

impl JsonWriter<'_> {
    /// `{"variant":` before the content of a newtype, tuple or struct variant.
    #[inline]
    fn begin_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
    }
}

/// Opens an array or object (and closes it at once when declared empty, as
/// serde_json does).
#[inline]
fn begin_compound<'w, 'a>(writer: &'w mut JsonWriter<'a>, open: u8, close: u8, len: Option<usize>) -> Compound<'w, 'a> {
    writer.out.push(open);
    let state = if len == Some(0) {
        writer.out.push(close);
        State::Empty
    } else {
        State::First
    };
    Compound { writer, state, raw: false }
}

impl<'w, 'a> ser::Serializer for &'w mut JsonWriter<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    #[inline]
    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }
    #[inline]
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        write_i64(self.out, value.into());
        Ok(())
    }
    #[inline]
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        write_i64(self.out, value.into());
        Ok(())
    }
    #[inline]
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        write_i64(self.out, value.into());
        Ok(())
    }
    #[inline]
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        write_i64(self.out, value);
        Ok(())
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        write_i128(self.out, value);
        Ok(())
    }
    #[inline]
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        write_u64(self.out, value.into());
        Ok(())
    }
    #[inline]
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        write_u64(self.out, value.into());
        Ok(())
    }
    #[inline]
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        write_u64(self.out, value.into());
        Ok(())
    }
    #[inline]
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        write_u64(self.out, value);
        Ok(())
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        write_u128(self.out, value);
        Ok(())
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if value.is_finite() {
            write_float_with_serde_json(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }
    #[inline]
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if value.is_finite() {
            write_f64(self.out, value);
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(self.out, value.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    #[inline]
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }
    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        self.out.push(b'[');
        for (index, &byte) in value.iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            write_u64(self.out, byte.into());
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        write_str(self.out, variant);
        Ok(())
    }
    #[inline]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), Error> {
        if name != TOKEN {
            return value.serialize(self);
        }
        let bytes = value.serialize(Capture)?;
        let num = self.attachments.len() as u64;
        self.attachments.push(bytes);
        self.out.extend_from_slice(b"{\"_placeholder\":true,\"num\":");
        write_u64(self.out, num);
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.begin_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(begin_compound(self, b'[', b']', len))
    }
    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(begin_compound(self, b'[', b']', Some(len)))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(begin_compound(self, b'[', b']', Some(len)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.begin_variant(variant);
        Ok(begin_compound(self, b'[', b']', Some(len)))
    }
    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(begin_compound(self, b'{', b'}', len))
    }
    #[inline]
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'w, 'a>, Error> {
        if name == RAW_VALUE_TOKEN || name == NUMBER_TOKEN {
            return Ok(Compound { writer: self, state: State::First, raw: true });
        }
        Ok(begin_compound(self, b'{', b'}', Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.begin_variant(variant);
        Ok(begin_compound(self, b'{', b'}', Some(len)))
    }
}

/// Where a sequence or map is: closed already (declared empty), before its
/// first element, or after one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Empty,
    First,
    Rest,
}

/// An array or object being written.
struct Compound<'w, 'a> {
    writer: &'w mut JsonWriter<'a>,
    state: State,
    /// serde_json's raw text or arbitrary-precision number: the field's
    /// text is written as is.
    raw: bool,
}

impl Compound<'_, '_> {
    /// The separator before an element or a key.
    #[inline]
    fn separate(&mut self) {
        if self.state == State::First {
            self.state = State::Rest;
        } else {
            self.writer.out.push(b',');
        }
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.separate();
        value.serialize(&mut *self.writer)
    }

    #[inline]
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let comma = self.state != State::First;
        self.state = State::Rest;
        write_key(self.writer.out, comma, key);
        value.serialize(&mut *self.writer)
    }

    /// Closes the array or object (unless declared empty, when it is closed already).
    #[inline]
    fn close(self, close: u8) -> Result<(), Error> {
        if self.state != State::Empty {
            self.writer.out.push(close);
        }
        Ok(())
    }

    /// Closes the array or object, then the variant object around it.
    fn close_variant(self, close: u8) -> Result<(), Error> {
        let writer = &mut *self.writer;
        if self.state != State::Empty {
            writer.out.push(close);
        }
        writer.out.push(b'}');
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    #[inline]
    fn end(self) -> Result<(), Error> {
        self.close(b']')
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    #[inline]
    fn end(self) -> Result<(), Error> {
        self.close(b']')
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']')
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close_variant(b']')
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    #[inline]
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.separate();
        key.serialize(KeyWriter { out: self.writer.out })?;
        self.writer.out.push(b':');
        Ok(())
    }
    #[inline]
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }
    #[inline]
    fn end(self) -> Result<(), Error> {
        self.close(b'}')
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        if self.raw {
            return value.serialize(RawWriter { out: self.writer.out });
        }
        self.entry(key, value)
    }
    #[inline]
    fn end(self) -> Result<(), Error> {
        if self.raw {
            return Ok(());
        }
        self.close(b'}')
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.entry(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close_variant(b'}')
    }
}

// ---------------------------------------------------------------- map keys

/// Writes a map key: strings as they are; numbers, booleans and characters
/// quoted; anything else is an error — as serde_json does.
struct KeyWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl KeyWriter<'_> {
    #[inline]
    fn quoted(self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), Error> {
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
        Ok(())
    }
}

macro_rules! key_refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), Error> { Err(key_must_be_a_string()) })*
    };
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    #[inline]
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(self.out, value.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        write_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), Error> {
        if name == TOKEN {
            return Err(key_must_be_a_string());
        }
        value.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(|out| out.extend_from_slice(if value { b"true" } else { b"false" }))
    }
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.quoted(|out| write_i64(out, value.into()))
    }
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.quoted(|out| write_i64(out, value.into()))
    }
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.quoted(|out| write_i64(out, value.into()))
    }
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        self.quoted(|out| write_i64(out, value))
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        self.quoted(|out| write_i128(out, value))
    }
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.quoted(|out| write_u64(out, value.into()))
    }
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.quoted(|out| write_u64(out, value.into()))
    }
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.quoted(|out| write_u64(out, value.into()))
    }
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        self.quoted(|out| write_u64(out, value))
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        self.quoted(|out| write_u128(out, value))
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(float_key_must_be_finite());
        }
        self.quoted(|out| write_float_with_serde_json(out, value))
    }
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(float_key_must_be_finite());
        }
        self.quoted(|out| write_f64(out, value))
    }
    key_refuse!(serialize_bytes(&[u8]), serialize_none(), serialize_unit(), serialize_unit_struct(&'static str),);
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

// ---------------------------------------------------------------- raw text

/// Writes the text field of serde_json's `RawValue` or arbitrary-precision
/// `Number` as is; anything else is an error.
struct RawWriter<'a> {
    out: &'a mut Vec<u8>,
}

fn not_raw_text() -> Error {
    <Error as ser::Error>::custom("expected raw JSON text")
}

macro_rules! raw_refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), Error> { Err(not_raw_text()) })*
    };
}

impl ser::Serializer for RawWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.out.extend_from_slice(value.as_bytes());
        Ok(())
    }
    raw_refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_raw_text())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_raw_text())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_raw_text())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_raw_text())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_raw_text())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(not_raw_text())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_raw_text())
    }
}

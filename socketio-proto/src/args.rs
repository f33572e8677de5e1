//! [`Args`]: the arguments of an event or acknowledgement, kept as compact JSON
//! text plus binary attachments.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use engineio_proto::Str;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::json_writer::write_value;
use crate::placeholder::ArgsDe;
use crate::scan::{placeholder_references, PlaceholderReference};

/// The arguments of an event (after its name) or of an acknowledgement.
///
/// They are kept as JSON text, never as a tree: decoded arguments are a slice
/// of the received message, and built arguments are written once into one
/// buffer. Binary values are attachments, referenced from the text by
/// `{"_placeholder":true,"num":N}`.
///
/// Two `Args` are equal when their argument text and attachments are equal.
#[derive(Clone)]
pub struct Args {
    /// A JSON array (`[…]`), possibly with the event name as first element.
    json: Str,
    /// Where the arguments start in `json` (after `[` or after the name's `,`).
    items_start: usize,
    /// Where the arguments end in `json` (the closing `]`).
    items_end: usize,
    /// Whether the array's first element is an event name to skip.
    skip_first: bool,
    attachments: Vec<Bytes>,
}

impl Args {
    /// No arguments (`[]`).
    pub fn empty() -> Args {
        Args::from_parts(Str::from_static("[]"), 1, 1, false)
    }

    /// A builder that writes the arguments one after the other.
    pub fn builder() -> ArgsBuilder {
        ArgsBuilder::new()
    }

    /// The arguments of a value that serializes as a JSON array (a tuple, a
    /// `Vec`, an array): each element is one argument. [`crate::Binary`]
    /// values anywhere inside become attachments.
    pub fn from_tuple<T: Serialize + ?Sized>(value: &T) -> Result<Args, serde_json::Error> {
        let mut attachments = Vec::new();
        let mut json = Vec::with_capacity(64);
        write_value(&mut json, &mut attachments, value)?;
        if json.first() != Some(&b'[') {
            return Err(<serde_json::Error as serde::ser::Error>::custom("arguments must serialize as a JSON array"));
        }
        let end = json.len().saturating_sub(1);
        let json = String::from_utf8(json).map_err(<serde_json::Error as serde::ser::Error>::custom)?;
        let mut args = Args::from_parts(Str::from(json), 1, end, false);
        args.attachments = attachments;
        Ok(args)
    }

    /// Arguments read from a checked JSON array.
    pub(crate) fn from_parts(json: Str, items_start: usize, items_end: usize, skip_first: bool) -> Args {
        Args { json, items_start, items_end, skip_first, attachments: Vec::new() }
    }

    /// The arguments as JSON text, without the surrounding brackets
    /// (`"hello",1` for `["msg","hello",1]`), sharing storage.
    pub fn json(&self) -> Str {
        self.json.slice(self.items_start.min(self.items_end)..self.items_end).unwrap_or_default()
    }

    /// The argument text, borrowed.
    pub(crate) fn items_str(&self) -> &str {
        self.json.get(self.items_start..self.items_end).unwrap_or_default()
    }

    /// The argument text as a byte slice (no copy, no check).
    pub(crate) fn items_slice(&self) -> &[u8] {
        self.items_str().as_bytes()
    }

    /// Whether there are no arguments.
    pub fn is_empty(&self) -> bool {
        self.items_slice().iter().all(u8::is_ascii_whitespace)
    }

    /// The binary attachments, in placeholder order.
    pub fn attachments(&self) -> &[Bytes] {
        &self.attachments
    }

    pub(crate) fn attachments_mut(&mut self) -> &mut Vec<Bytes> {
        &mut self.attachments
    }

    /// Drops the attachments no placeholder names and renumbers the
    /// placeholders to the ones kept, as the reference's `reconstructPacket`
    /// leaves an unreferenced buffer out of the data it rebuilds. Arguments
    /// whose text is not checked JSON are left as they are.
    pub(crate) fn drop_unreferenced_attachments(&mut self) {
        let count = self.attachments.len();
        if count == 0 {
            return;
        }
        let Ok(references) = placeholder_references(self.json.as_bytes(), count as u64) else {
            return;
        };
        let mut referenced = alloc::vec![false; count];
        for reference in &references {
            if let Some(slot) = usize::try_from(reference.num).ok().and_then(|num| referenced.get_mut(num)) {
                *slot = true;
            }
        }
        if referenced.iter().all(|&kept| kept) {
            return;
        }
        // New index of each kept attachment.
        let mut renumbered = Vec::with_capacity(count);
        let mut kept = 0u64;
        for &is_referenced in &referenced {
            renumbered.push(kept);
            kept += u64::from(is_referenced);
        }
        let moves = references.iter().any(|reference| {
            usize::try_from(reference.num).ok().and_then(|num| renumbered.get(num)) != Some(&reference.num)
        });
        if moves && !self.renumber_placeholders(&references, &renumbered) {
            return;
        }
        let mut index = 0;
        self.attachments.retain(|_| {
            let keep = referenced.get(index).copied().unwrap_or(false);
            index += 1;
            keep
        });
    }

    /// Rewrites the `num` of each placeholder through `renumbered` (old
    /// index → new index, never larger); false, changing nothing, when a
    /// reference does not fit the text.
    fn renumber_placeholders(&mut self, references: &[PlaceholderReference], renumbered: &[u64]) -> bool {
        let text = self.json.as_str();
        let mut rewritten = String::with_capacity(text.len());
        let mut copied = 0;
        for reference in references {
            let new_num = usize::try_from(reference.num).ok().and_then(|num| renumbered.get(num)).copied();
            let (Some(new_num), Some(before)) = (new_num, text.get(copied..reference.start)) else {
                return false;
            };
            rewritten.push_str(before);
            let (digits, start) = decimal_digits(new_num);
            rewritten.extend(digits.get(start..).unwrap_or_default().iter().map(|&digit| char::from(digit)));
            copied = reference.end;
        }
        rewritten.push_str(text.get(copied..).unwrap_or_default());
        // Placeholders lie inside the arguments: only their end moves.
        let shrunk = text.len().saturating_sub(rewritten.len());
        self.items_end = self.items_end.saturating_sub(shrunk);
        self.json = Str::from(rewritten);
        true
    }

    /// Deserializes the arguments as a sequence: into a tuple, a `Vec`, or a
    /// struct read positionally. Placeholders wanted as [`crate::Binary`] or
    /// [`crate::BinaryRef`] become the attachments' bytes; borrowed fields
    /// (`&str`, `BinaryRef`) borrow from `self`.
    pub fn deserialize<'de, T: Deserialize<'de>>(&'de self) -> Result<T, serde_json::Error> {
        // Reading from `str` spares serde_json a UTF-8 check of every string.
        let mut inner = serde_json::Deserializer::from_str(self.json.as_str());
        let value =
            T::deserialize(ArgsDe { inner: &mut inner, attachments: &self.attachments, skip_first: self.skip_first })?;
        inner.end()?;
        Ok(value)
    }

    /// Deserializes the arguments into an owned `T` (see [`Args::deserialize`]).
    pub fn to_owned_value<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.deserialize()
    }
}

impl Default for Args {
    fn default() -> Args {
        Args::empty()
    }
}

impl PartialEq for Args {
    fn eq(&self, other: &Args) -> bool {
        self.items_slice() == other.items_slice() && self.attachments == other.attachments
    }
}

impl Eq for Args {}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Args").field("json", &self.json()).field("attachments", &self.attachments.len()).finish()
    }
}

/// Writes arguments one after the other into one buffer (compact JSON, like
/// `JSON.stringify`), collecting binary values as attachments.
#[derive(Debug)]
pub struct ArgsBuilder {
    json: Vec<u8>,
    attachments: Vec<Bytes>,
}

impl ArgsBuilder {
    /// An empty builder.
    pub fn new() -> ArgsBuilder {
        ArgsBuilder::with_capacity(64)
    }

    /// An empty builder whose buffer holds `bytes` of JSON before growing.
    pub fn with_capacity(bytes: usize) -> ArgsBuilder {
        let mut json = Vec::with_capacity(bytes.saturating_add(2));
        json.push(b'[');
        ArgsBuilder { json, attachments: Vec::new() }
    }

    fn separate(&mut self) {
        if self.json.len() > 1 {
            self.json.push(b',');
        }
    }

    /// Appends one argument. [`crate::Binary`] values inside it become
    /// attachments (their bytes are copied; use [`ArgsBuilder::binary`] for a
    /// top-level binary argument without copying).
    pub fn arg<T: Serialize + ?Sized>(mut self, value: &T) -> Result<ArgsBuilder, serde_json::Error> {
        self.separate();
        let mark = self.json.len();
        if let Err(error) = write_value(&mut self.json, &mut self.attachments, value) {
            // Drop the separator too: the builder stays as it was.
            self.json.truncate(mark);
            return Err(error);
        }
        Ok(self)
    }

    /// Appends one binary argument as an attachment, without copying it.
    pub fn binary(mut self, bytes: Bytes) -> ArgsBuilder {
        self.separate();
        let num = self.attachments.len();
        self.attachments.push(bytes);
        self.json.extend_from_slice(b"{\"_placeholder\":true,\"num\":");
        push_decimal(&mut self.json, num as u64);
        self.json.push(b'}');
        self
    }

    /// Appends one argument already encoded as compact JSON text, without
    /// checking it.
    pub fn raw_json(mut self, json: &str) -> ArgsBuilder {
        self.separate();
        self.json.extend_from_slice(json.as_bytes());
        self
    }

    /// The arguments.
    pub fn build(mut self) -> Args {
        let end = self.json.len();
        self.json.push(b']');
        // The JSON writer writes UTF-8 and `raw_json` takes `&str`: the check
        // cannot fail (an empty text would read as no arguments).
        let json = String::from_utf8(self.json).map(Str::from).unwrap_or_default();
        let mut args = Args::from_parts(json, 1, end, false);
        args.attachments = self.attachments;
        args
    }
}

impl Default for ArgsBuilder {
    fn default() -> ArgsBuilder {
        ArgsBuilder::new()
    }
}

/// The decimal digits of `value`, at the end of a buffer: the buffer and
/// where they start.
pub(crate) fn decimal_digits(mut value: u64) -> ([u8; 20], usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            *slot = b'0' + (value % 10) as u8;
        }
        value /= 10;
        if value == 0 || at == 0 {
            break;
        }
    }
    (digits, at)
}

/// Appends the decimal digits of `value`.
pub(crate) fn push_decimal(out: &mut Vec<u8>, value: u64) {
    let (digits, start) = decimal_digits(value);
    out.extend_from_slice(digits.get(start..).unwrap_or_default());
}

//! A strict, non-recursive JSON scanner: checks that text is one well-formed
//! JSON value without building anything, and on the way notes what the
//! decoder needs (where a top-level array's first element is, and whether
//! every attachment placeholder names an announced attachment).
//!
//! It accepts exactly what `serde_json::from_slice::<serde::de::IgnoredAny>`
//! accepts, with one deliberate difference: nesting deeper than
//! [`MAX_DEPTH`] is refused (serde_json's `IgnoredAny` walks any depth, but
//! deserializing such arguments into a tree would hit serde_json's recursion
//! limit anyway). The nesting is tracked in a bit set, not on the call stack,
//! so hostile input cannot overflow the stack.
//!
//! Like serde_json when ignoring a value, strings are not checked for UTF-8
//! (the input comes from checked text) and `\uXXXX` escapes may name lone
//! surrogates (as `JSON.parse` allows).

use alloc::vec::Vec;

/// Deepest nesting of arrays and objects accepted: the deepest that
/// serde_json, with its default recursion limit, still deserializes into a
/// `serde_json::Value`.
pub(crate) const MAX_DEPTH: usize = 127;

/// Why text is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Not well-formed JSON: what was wrong, at which byte offset.
    Syntax {
        /// Offset of the offending byte (the length of the text at EOF).
        offset: usize,
        /// What the grammar wanted there.
        reason: &'static str,
    },
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Offset of the bracket that went too deep.
        offset: usize,
    },
    /// A `{"_placeholder":true,…}` object whose `num` is not the index of an
    /// announced attachment.
    InvalidPlaceholder {
        /// Offset of the object's closing brace.
        offset: usize,
    },
}

/// The shape of a well-formed JSON value, as far as the decoder cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outline {
    /// Offset of the value's first byte (after leading whitespace).
    pub(crate) start: usize,
    /// Offset just after the value's last byte (before trailing whitespace).
    pub(crate) end: usize,
    /// When the value is a non-empty array: the byte range of its first element.
    pub(crate) first_element: Option<(usize, usize)>,
}

/// Checks that `json` is one well-formed JSON value (surrounded by optional
/// whitespace). With `attachments = Some(count)`, also checks that every
/// placeholder object names an attachment below `count`, as the reference's
/// `reconstructPacket` does.
pub(crate) fn scan(json: &[u8], attachments: Option<u64>) -> Result<Outline, ScanError> {
    match attachments {
        None => scan_value::<false>(json, 0, false).map(|(outline, _)| outline),
        Some(count) => scan_value::<true>(json, count, false).map(|(outline, _)| outline),
    }
}

/// A placeholder object naming an announced attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaceholderReference {
    /// The attachment it names.
    pub(crate) num: u64,
    /// Offset of the first digit of its `num` value.
    pub(crate) start: usize,
    /// Offset just after the last digit of its `num` value.
    pub(crate) end: usize,
}

/// Checks `json` as [`scan`] does with `attachments`, and lists its
/// placeholders in text order.
pub(crate) fn placeholder_references(json: &[u8], attachments: u64) -> Result<Vec<PlaceholderReference>, ScanError> {
    scan_value::<true>(json, attachments, true).map(|(_, references)| references)
}

/// Bytes of a string read one at a time before switching to eight at a time.
const SHORT_STRING: usize = 8;

/// Bytes that may appear in a string as they are: not `"`, `\\` or a control
/// character.
const PLAIN: [bool; 256] = {
    let mut plain = [true; 256];
    let mut byte = 0;
    while byte < 0x20 {
        plain[byte] = false;
        byte += 1;
    }
    plain[b'"' as usize] = false;
    plain[b'\\' as usize] = false;
    plain
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// A mask with the high bit set in (at least) the lowest byte of `word` that
/// is zero; exact for the lowest such byte.
const fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGH_BITS
}

/// The offset of the first byte from `at` that ends a run of plain string
/// characters: `"`, `\` or a control character (below 0x20). Eight bytes at
/// a time.
#[inline(always)]
fn skip_plain_string(json: &[u8], mut at: usize) -> usize {
    // Short strings (object keys, small values) end within a few bytes: a
    // byte loop whose exit the CPU predicts beats the word arithmetic there.
    match json.get(at..at + SHORT_STRING) {
        Some(head) => {
            if let Some(len) = head.iter().position(|&byte| !PLAIN[usize::from(byte)]) {
                return at + len;
            }
            at += SHORT_STRING;
        }
        None => {
            let tail = json.get(at..).unwrap_or_default();
            return at + tail.iter().position(|&byte| !PLAIN[usize::from(byte)]).unwrap_or(tail.len());
        }
    }
    while let Some(chunk) = json.get(at..at + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else { break };
        let word = u64::from_le_bytes(chunk);
        let quote = zero_bytes(word ^ (ONES * u64::from(b'"')));
        let backslash = zero_bytes(word ^ (ONES * u64::from(b'\\')));
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH_BITS;
        let special = quote | backslash | control;
        if special != 0 {
            return at + (special.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = json.get(at) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// What a completed value was, as far as placeholders care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// The literal `true`.
    True,
    /// A non-negative integer without fraction or exponent that fits a `u64`
    /// (what serde_json hands to `visit_u64`), and where its digits are.
    Index {
        /// Its value.
        value: u64,
        /// Offset of its first digit.
        start: usize,
        /// Offset just after its last digit.
        end: usize,
    },
    /// Anything else.
    Other,
}

/// Which key an object member has, as far as placeholders care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Placeholder,
    Num,
    Other,
}

/// What an open object has said about being a placeholder so far (the last
/// occurrence of a key wins, as with serde's derived structs).
#[derive(Debug, Clone, Copy)]
struct ObjectState {
    key: Key,
    placeholder: bool,
    num: Option<Class>,
}

/// The error at `offset` (kept out of line: errors are rare).
#[cold]
#[inline(never)]
fn syntax(json: &[u8], offset: usize, reason: &'static str) -> ScanError {
    ScanError::Syntax { offset: offset.min(json.len()), reason }
}

#[inline(always)]
fn skip_whitespace(json: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = json.get(at) {
        at += 1;
    }
    at
}

/// Reads a string from just after its opening quote; returns the offset
/// after its closing quote.
#[inline(always)]
fn string_end(json: &[u8], mut at: usize) -> Result<usize, ScanError> {
    loop {
        at = skip_plain_string(json, at);
        match json.get(at) {
            Some(b'"') => return Ok(at + 1),
            Some(b'\\') => at = escape_end(json, at + 1)?,
            Some(_) => return Err(syntax(json, at, "control character (\\u0000-\\u001F) while parsing a string")),
            None => return Err(syntax(json, at, "EOF while parsing a string")),
        }
    }
}

/// Reads an escape from just after its backslash.
fn escape_end(json: &[u8], at: usize) -> Result<usize, ScanError> {
    match json.get(at) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(at + 1),
        Some(b'u') => {
            for offset in at + 1..at + 5 {
                match json.get(offset) {
                    Some(byte) if byte.is_ascii_hexdigit() => {}
                    Some(_) => return Err(syntax(json, offset, "invalid escape")),
                    None => return Err(syntax(json, offset, "EOF while parsing a string")),
                }
            }
            Ok(at + 5)
        }
        Some(_) => Err(syntax(json, at, "invalid escape")),
        None => Err(syntax(json, at, "EOF while parsing a string")),
    }
}

#[inline(always)]
fn skip_digits(json: &[u8], mut at: usize) -> usize {
    while let Some(b'0'..=b'9') = json.get(at) {
        at += 1;
    }
    at
}

/// Reads a number, `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`;
/// returns the offset after it and, with `classify`, what it is.
#[inline(always)]
fn number_end(json: &[u8], start: usize, classify: bool) -> Result<(usize, Class), ScanError> {
    let negative = json.get(start) == Some(&b'-');
    let integer_start = start + usize::from(negative);
    let mut at = match json.get(integer_start) {
        Some(b'0') => match json.get(integer_start + 1) {
            Some(b'0'..=b'9') => return Err(syntax(json, integer_start + 1, "invalid number")),
            _ => integer_start + 1,
        },
        Some(b'1'..=b'9') => skip_digits(json, integer_start + 1),
        _ => return Err(syntax(json, integer_start, "invalid number")),
    };
    let integer_end = at;
    if json.get(at) == Some(&b'.') {
        let digits_end = skip_digits(json, at + 1);
        if digits_end == at + 1 {
            return Err(syntax(json, digits_end, "invalid number"));
        }
        at = digits_end;
    }
    if let Some(b'e' | b'E') = json.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = json.get(at) {
            at += 1;
        }
        let digits_end = skip_digits(json, at);
        if digits_end == at {
            return Err(syntax(json, at, "invalid number"));
        }
        at = digits_end;
    }
    if !classify || negative || at != integer_end {
        return Ok((at, Class::Other));
    }
    let digits = json.get(integer_start..integer_end).unwrap_or_default();
    let value = digits
        .iter()
        .try_fold(0u64, |value, &digit| value.checked_mul(10)?.checked_add(u64::from(digit.wrapping_sub(b'0'))));
    Ok((at, value.map_or(Class::Other, |value| Class::Index { value, start: integer_start, end: integer_end })))
}

#[inline(always)]
fn literal_end(json: &[u8], at: usize, word: &'static [u8]) -> Result<usize, ScanError> {
    let end = at + word.len();
    if json.get(at..end) == Some(word) {
        return Ok(end);
    }
    let matching = json.get(at..).unwrap_or_default().iter().zip(word).take_while(|(byte, wanted)| byte == wanted);
    let offset = at + matching.count();
    Err(syntax(json, offset, if offset >= json.len() { "EOF while parsing a value" } else { "expected ident" }))
}

/// Reads `"key"`, `:` and the whitespace after it, from the key's opening
/// quote; returns the offset of the member's value and the key's kind.
#[inline(always)]
fn member_key(json: &[u8], at: usize, classify: bool) -> Result<(usize, Key), ScanError> {
    match json.get(at) {
        Some(b'"') => {}
        Some(_) => return Err(syntax(json, at, "key must be a string")),
        None => return Err(syntax(json, at, "EOF while parsing an object")),
    }
    let end = string_end(json, at + 1)?;
    let key = if classify { key_kind(json.get(at + 1..end - 1).unwrap_or_default()) } else { Key::Other };
    let colon = skip_whitespace(json, end);
    match json.get(colon) {
        Some(b':') => Ok((skip_whitespace(json, colon + 1), key)),
        Some(_) => Err(syntax(json, colon, "expected `:`")),
        None => Err(syntax(json, colon, "EOF while parsing an object")),
    }
}

/// Open containers whose state stays inline (no allocation); deeper ones
/// spill to a vector.
const INLINE_LEVELS: usize = 8;

const FRESH: ObjectState = ObjectState { key: Key::Other, placeholder: false, num: None };

/// Placeholder bookkeeping, one entry per open container.
struct Placeholders {
    attachments: u64,
    /// Whether to note every valid placeholder in `references`.
    collect: bool,
    references: Vec<PlaceholderReference>,
    depth: usize,
    inline: [ObjectState; INLINE_LEVELS],
    spilled: Vec<ObjectState>,
}

impl Placeholders {
    fn new(attachments: u64, collect: bool) -> Placeholders {
        Placeholders {
            attachments,
            collect,
            references: Vec::new(),
            depth: 0,
            inline: [FRESH; INLINE_LEVELS],
            spilled: Vec::new(),
        }
    }

    fn open(&mut self) {
        match self.inline.get_mut(self.depth) {
            Some(state) => *state = FRESH,
            None => self.spilled.push(FRESH),
        }
        self.depth += 1;
    }

    fn innermost(&mut self) -> Option<&mut ObjectState> {
        let index = self.depth.checked_sub(1)?;
        match index.checked_sub(INLINE_LEVELS) {
            None => self.inline.get_mut(index),
            Some(_) => self.spilled.last_mut(),
        }
    }

    fn set_key(&mut self, key: Key) {
        if let Some(state) = self.innermost() {
            state.key = key;
        }
    }

    /// Records a completed member value of the innermost object.
    fn completed(&mut self, class: Class) {
        if let Some(state) = self.innermost() {
            match state.key {
                Key::Placeholder => state.placeholder = class == Class::True,
                Key::Num => state.num = Some(class),
                Key::Other => {}
            }
        }
    }

    /// Closes the innermost container; false when it was a placeholder that
    /// names no announced attachment.
    fn close(&mut self) -> bool {
        let Some(state) = self.innermost().copied() else { return true };
        if self.depth > INLINE_LEVELS {
            self.spilled.pop();
        }
        self.depth -= 1;
        match state.num {
            Some(Class::Index { value, start, end }) if value < self.attachments => {
                if state.placeholder && self.collect {
                    self.references.push(PlaceholderReference { num: value, start, end });
                }
                true
            }
            _ => !state.placeholder,
        }
    }
}

fn scan_value<const PLACEHOLDERS: bool>(
    json: &[u8],
    attachments: u64,
    collect: bool,
) -> Result<(Outline, Vec<PlaceholderReference>), ScanError> {
    let mut placeholders = Placeholders::new(attachments, collect);
    // Bit `d` set: the container at depth `d` (0-based) is an object.
    let mut objects: u128 = 0;
    // Whether the innermost open container is an object.
    let mut in_object = false;
    let mut depth = 0usize;
    let mut at = skip_whitespace(json, 0);
    let start = at;
    'value: loop {
        // A value starts at `at`.
        let class = match json.get(at) {
            Some(b'"') => {
                at = string_end(json, at + 1)?;
                Class::Other
            }
            Some(b'-' | b'0'..=b'9') => {
                let (end, class) = number_end(json, at, PLACEHOLDERS)?;
                at = end;
                class
            }
            Some(&bracket @ (b'[' | b'{')) => {
                if depth >= MAX_DEPTH {
                    return Err(ScanError::TooDeep { offset: at });
                }
                let object = bracket == b'{';
                objects = (objects & !(1u128 << depth)) | (u128::from(object) << depth);
                depth += 1;
                if PLACEHOLDERS {
                    placeholders.open();
                }
                at = skip_whitespace(json, at + 1);
                let closing = if object { b'}' } else { b']' };
                if json.get(at) == Some(&closing) {
                    depth -= 1;
                    at += 1;
                    if PLACEHOLDERS {
                        placeholders.close();
                    }
                    Class::Other
                } else {
                    in_object = object;
                    if object {
                        let (value, key) = member_key(json, at, PLACEHOLDERS)?;
                        at = value;
                        if PLACEHOLDERS {
                            placeholders.set_key(key);
                        }
                    }
                    continue 'value;
                }
            }
            Some(b't') => {
                at = literal_end(json, at, b"true")?;
                Class::True
            }
            Some(b'f') => {
                at = literal_end(json, at, b"false")?;
                Class::Other
            }
            Some(b'n') => {
                at = literal_end(json, at, b"null")?;
                Class::Other
            }
            Some(_) => return Err(syntax(json, at, "expected value")),
            None => return Err(syntax(json, at, "EOF while parsing a value")),
        };
        let mut class = class;
        // After a value: a separator, the end of containers, or the end.
        loop {
            if depth == 0 {
                let end = at;
                at = skip_whitespace(json, at);
                if at != json.len() {
                    return Err(syntax(json, at, "trailing characters"));
                }
                let first_element = first_element(json, start);
                return Ok((Outline { start, end, first_element }, placeholders.references));
            }
            let object = in_object;
            if PLACEHOLDERS && object {
                placeholders.completed(class);
            }
            at = skip_whitespace(json, at);
            match json.get(at) {
                Some(b',') => {
                    at = skip_whitespace(json, at + 1);
                    if object {
                        let (value, key) = member_key(json, at, PLACEHOLDERS)?;
                        at = value;
                        if PLACEHOLDERS {
                            placeholders.set_key(key);
                        }
                    }
                    // Strings are the most common values: read them here
                    // rather than through the general dispatch.
                    if json.get(at) == Some(&b'"') {
                        at = string_end(json, at + 1)?;
                        class = Class::Other;
                        continue;
                    }
                    continue 'value;
                }
                Some(b']') if !object => {}
                Some(b'}') if object => {}
                Some(_) if object => return Err(syntax(json, at, "expected `,` or `}`")),
                Some(_) => return Err(syntax(json, at, "expected `,` or `]`")),
                None if object => return Err(syntax(json, at, "EOF while parsing an object")),
                None => return Err(syntax(json, at, "EOF while parsing a list")),
            }
            if PLACEHOLDERS && !placeholders.close() {
                return Err(ScanError::InvalidPlaceholder { offset: at });
            }
            depth -= 1;
            at += 1;
            in_object = depth > 0 && objects & (1u128 << (depth - 1)) != 0;
            class = Class::Other;
        }
    }
}

/// When the well-formed value at `start` is a non-empty array: the byte range
/// of its first element.
fn first_element(json: &[u8], start: usize) -> Option<(usize, usize)> {
    if json.get(start) != Some(&b'[') {
        return None;
    }
    let first = skip_whitespace(json, start + 1);
    let end = match json.get(first)? {
        b']' => return None,
        b'"' => string_end(json, first + 1).ok()?,
        b'-' | b'0'..=b'9' => number_end(json, first, false).ok()?.0,
        b't' | b'n' => first + 4,
        b'f' => first + 5,
        _ => container_end(json, first)?,
    };
    Some((first, end))
}

/// The offset after the well-formed array or object starting at `start`.
fn container_end(json: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = start;
    loop {
        match json.get(at)? {
            b'"' => at = string_end(json, at + 1).ok()?,
            b'[' | b'{' => {
                depth += 1;
                at += 1;
            }
            b']' | b'}' => {
                depth -= 1;
                at += 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => at += 1,
        }
    }
}

/// Which key the raw (still escaped) text of a well-formed key names.
fn key_kind(raw: &[u8]) -> Key {
    if raw == b"_placeholder" {
        Key::Placeholder
    } else if raw == b"num" {
        Key::Num
    } else if raw.contains(&b'\\') {
        if unescapes_to(raw, b"_placeholder") {
            Key::Placeholder
        } else if unescapes_to(raw, b"num") {
            Key::Num
        } else {
            Key::Other
        }
    } else {
        Key::Other
    }
}

/// Whether the well-formed escaped string body `raw` decodes to the ASCII
/// text `wanted`.
fn unescapes_to(raw: &[u8], wanted: &[u8]) -> bool {
    let mut rest = raw;
    let mut wanted = wanted.iter();
    while let Some((&byte, tail)) = rest.split_first() {
        let (decoded, tail) = if byte != b'\\' {
            (u32::from(byte), tail)
        } else {
            match tail.split_first() {
                Some((b'u', hex)) => {
                    let digits = hex.get(..4).unwrap_or_default();
                    let code = digits
                        .iter()
                        .try_fold(0u32, |code, &digit| char::from(digit).to_digit(16).map(|value| code * 16 + value));
                    let Some(code) = code.filter(|_| digits.len() == 4) else { return false };
                    (code, hex.get(4..).unwrap_or_default())
                }
                Some((&escape, tail)) => {
                    let decoded = match escape {
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    };
                    (u32::from(decoded), tail)
                }
                None => return false,
            }
        };
        if wanted.next().map(|&expected| u32::from(expected)) != Some(decoded) {
            return false;
        }
        rest = tail;
    }
    wanted.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use proptest::prelude::*;
    use serde_json::Value;

    fn accepts(json: &str) -> bool {
        scan(json.as_bytes(), None).is_ok()
    }

    fn serde_accepts(json: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(json).is_ok()
    }

    fn nested(depth: usize) -> String {
        "[".repeat(depth) + &"]".repeat(depth)
    }

    fn placeholders(json: &str, attachments: u64) -> Result<Outline, ScanError> {
        scan(json.as_bytes(), Some(attachments))
    }

    #[test]
    fn max_depth_is_the_deepest_nesting_serde_json_builds_a_value_for() {
        assert!(serde_json::from_str::<Value>(&nested(MAX_DEPTH)).is_ok());
        assert!(serde_json::from_str::<Value>(&nested(MAX_DEPTH + 1)).is_err());
    }

    #[test]
    fn nesting_at_max_depth_is_accepted() {
        assert!(accepts(&nested(MAX_DEPTH)));
    }

    #[test]
    fn nesting_one_deeper_than_max_depth_is_refused() {
        assert_eq!(scan(nested(MAX_DEPTH + 1).as_bytes(), None), Err(ScanError::TooDeep { offset: MAX_DEPTH }));
    }

    #[test]
    fn arrays_nested_100_000_deep_are_refused_without_overflowing_the_stack() {
        let json = nested(100_000);
        assert!(matches!(scan(json.as_bytes(), None), Err(ScanError::TooDeep { .. })));
        assert!(matches!(scan(json.as_bytes(), Some(1)), Err(ScanError::TooDeep { .. })));
    }

    #[test]
    fn objects_nested_100_000_deep_are_refused_without_overflowing_the_stack() {
        let json = r#"{"a":"#.repeat(100_000) + "1" + &"}".repeat(100_000);
        assert!(matches!(scan(json.as_bytes(), Some(1)), Err(ScanError::TooDeep { .. })));
    }

    #[test]
    fn empty_text_is_refused() {
        assert!(!accepts(""));
    }

    #[test]
    fn whitespace_only_is_refused() {
        assert!(!accepts(" \t\r\n"));
    }

    #[test]
    fn whitespace_around_and_inside_values_is_accepted() {
        assert!(accepts(" \t\r\n[ 1 , { \"a\" : [ ] } ]\n "));
    }

    #[test]
    fn form_feed_is_not_whitespace() {
        assert!(!accepts("\x0c1"));
    }

    #[test]
    fn trailing_characters_are_refused() {
        assert_eq!(scan(b"[1] x", None), Err(ScanError::Syntax { offset: 4, reason: "trailing characters" }));
    }

    #[test]
    fn second_top_level_value_is_refused() {
        assert!(!accepts("1 2"));
    }

    #[test]
    fn trailing_comma_in_array_is_refused() {
        assert!(!accepts("[1,]"));
    }

    #[test]
    fn trailing_comma_in_object_is_refused() {
        assert!(!accepts(r#"{"a":1,}"#));
    }

    #[test]
    fn leading_comma_is_refused() {
        assert!(!accepts("[,1]"));
    }

    #[test]
    fn object_key_must_be_a_string() {
        assert!(!accepts("{1:2}"));
    }

    #[test]
    fn object_member_needs_a_colon() {
        assert!(!accepts(r#"{"a" 1}"#));
    }

    #[test]
    fn object_member_needs_a_value() {
        assert!(!accepts(r#"{"a":}"#));
    }

    #[test]
    fn mismatched_brackets_are_refused() {
        assert!(!accepts("[1}"));
        assert!(!accepts(r#"{"a":1]"#));
    }

    #[test]
    fn unterminated_containers_are_refused() {
        assert!(!accepts("[1"));
        assert!(!accepts(r#"{"a":1"#));
        assert!(!accepts(r#"{"a""#));
    }

    #[test]
    fn numbers_of_the_json_grammar_are_accepted() {
        for number in ["0", "-0", "7", "-12", "0.5", "-0.25e+10", "1E5", "1e-5", "123456789012345678901234567890"] {
            assert!(accepts(number), "{number}");
        }
    }

    #[test]
    fn leading_zero_is_refused() {
        assert!(!accepts("01"));
        assert!(!accepts("-01"));
    }

    #[test]
    fn lone_minus_is_refused() {
        assert!(!accepts("-"));
        assert!(!accepts("[-]"));
    }

    #[test]
    fn plus_sign_and_bare_fraction_are_refused() {
        assert!(!accepts("+1"));
        assert!(!accepts(".5"));
    }

    #[test]
    fn fraction_needs_digits() {
        assert!(!accepts("1."));
        assert!(!accepts("1.e5"));
    }

    #[test]
    fn exponent_needs_digits() {
        assert!(!accepts("1e"));
        assert!(!accepts("1e+"));
    }

    #[test]
    fn literals_are_accepted() {
        assert!(accepts("[true,false,null]"));
    }

    #[test]
    fn truncated_or_misspelled_literals_are_refused() {
        for literal in ["tru", "nul", "fals", "True", "nulll", "t"] {
            assert!(!accepts(literal), "{literal}");
        }
    }

    #[test]
    fn every_simple_escape_is_accepted() {
        assert!(accepts(r#""\" \\ \/ \b \f \n \r \t""#));
    }

    #[test]
    fn unknown_escape_is_refused() {
        assert!(!accepts(r#""\x""#));
        assert!(!accepts(r#""\U0041""#));
    }

    #[test]
    fn unicode_escape_needs_four_hex_digits() {
        assert!(accepts(r#""\u00e9\u00C9""#));
        assert!(!accepts(r#""\u00e""#));
        assert!(!accepts(r#""\u00g0""#));
    }

    #[test]
    fn surrogate_escapes_are_accepted_paired_or_lone_as_serde_json_ignores_them() {
        assert!(accepts(r#""\ud83d\ude00""#));
        assert!(accepts(r#""\ud83d""#));
        assert!(accepts(r#""\ude00x""#));
    }

    #[test]
    fn control_character_in_string_is_refused() {
        assert!(!accepts("\"a\nb\""));
        assert!(!accepts("\"\x1f\""));
    }

    #[test]
    fn delete_and_non_ascii_characters_in_strings_are_accepted() {
        assert!(accepts("\"\x7f é 😀 \u{2028}\""));
    }

    #[test]
    fn unterminated_string_is_refused() {
        assert!(!accepts(r#""abc"#));
        assert!(!accepts(r#""abc\"#));
        assert!(!accepts(r#""abc\""#));
    }

    #[test]
    fn outline_gives_value_bounds_and_first_element() {
        let outline = scan(br#" [ "msg" , 1 ] "#, None);
        assert_eq!(outline, Ok(Outline { start: 1, end: 14, first_element: Some((3, 8)) }));
    }

    #[test]
    fn outline_first_element_spans_a_nested_container() {
        let outline = scan(br#"[{"a":[1]},2]"#, None);
        assert_eq!(outline.map(|outline| outline.first_element), Ok(Some((1, 10))));
    }

    #[test]
    fn empty_array_and_non_array_have_no_first_element() {
        assert_eq!(scan(b"[ ]", None).map(|outline| outline.first_element), Ok(None));
        assert_eq!(scan(br#"{"a":1}"#, None).map(|outline| outline.first_element), Ok(None));
    }

    #[test]
    fn placeholder_naming_an_announced_attachment_is_accepted() {
        assert!(placeholders(r#"["x",{"_placeholder":true,"num":1}]"#, 2).is_ok());
    }

    #[test]
    fn placeholder_past_the_announced_attachments_is_refused() {
        let error = placeholders(r#"["x",{"_placeholder":true,"num":2}]"#, 2);
        assert_eq!(error, Err(ScanError::InvalidPlaceholder { offset: 33 }));
    }

    #[test]
    fn placeholder_without_num_is_refused() {
        assert!(placeholders(r#"[{"_placeholder":true}]"#, 1).is_err());
    }

    #[test]
    fn placeholder_num_must_be_a_plain_unsigned_integer() {
        for num in ["0.0", "-0", "0e0", "\"0\"", "null", "18446744073709551616"] {
            let json = format!(r#"[{{"_placeholder":true,"num":{num}}}]"#);
            assert!(placeholders(&json, 1).is_err(), "{json}");
        }
    }

    #[test]
    fn object_whose_placeholder_flag_is_not_true_is_an_ordinary_object() {
        assert!(placeholders(r#"[{"_placeholder":false,"num":9},{"_placeholder":1}]"#, 1).is_ok());
    }

    #[test]
    fn placeholder_keys_are_compared_after_unescaping() {
        assert!(placeholders(r#"[{"_pl\u0061ceholder":true,"n\u0075m":5}]"#, 1).is_err());
        assert!(placeholders(r#"[{"_pl\u0061ceholder":true,"n\u0075m":0}]"#, 1).is_ok());
    }

    #[test]
    fn last_duplicate_placeholder_key_wins() {
        assert!(placeholders(r#"[{"_placeholder":true,"num":0,"num":3}]"#, 1).is_err());
        assert!(placeholders(r#"[{"_placeholder":true,"_placeholder":false,"num":3}]"#, 1).is_ok());
    }

    #[test]
    fn placeholders_are_checked_at_any_depth() {
        assert!(placeholders(r#"[{"a":[{"b":{"_placeholder":true,"num":4}}]}]"#, 1).is_err());
    }

    #[test]
    fn placeholders_deeper_than_the_inline_levels_are_checked() {
        let depth = INLINE_LEVELS * 2;
        let open = r#"{"a":"#.repeat(depth);
        let close = "}".repeat(depth);
        let valid = format!(r#"{open}{{"_placeholder":true,"num":0}}{close}"#);
        let invalid = format!(r#"{open}{{"_placeholder":true,"num":1}}{close}"#);
        assert!(placeholders(&valid, 1).is_ok());
        assert!(matches!(placeholders(&invalid, 1), Err(ScanError::InvalidPlaceholder { .. })));
    }

    #[test]
    fn placeholder_around_deep_members_is_checked_when_it_closes() {
        let depth = INLINE_LEVELS * 2;
        let nested = "[".repeat(depth) + &"]".repeat(depth);
        let json = format!(r#"{{"_placeholder":true,"deep":{nested},"num":3}}"#);
        assert!(placeholders(&json, 1).is_err());
    }

    #[test]
    fn placeholders_are_not_checked_without_attachments() {
        assert!(scan(br#"[{"_placeholder":true,"num":4}]"#, None).is_ok());
    }

    /// Reference for placeholder checking: walk serde_json's tree (duplicate
    /// keys keep the last value there too).
    fn placeholders_valid(value: &Value, attachments: u64) -> bool {
        match value {
            Value::Array(items) => items.iter().all(|item| placeholders_valid(item, attachments)),
            Value::Object(members) => {
                let is_placeholder = members.get("_placeholder") == Some(&Value::Bool(true));
                let num_ok = members.get("num").and_then(Value::as_u64).is_some_and(|num| num < attachments);
                (!is_placeholder || num_ok) && members.values().all(|member| placeholders_valid(member, attachments))
            }
            _ => true,
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::String),
            "[\"\\\\\u{0}-\u{1f}a/é]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 48, 6, |inner| {
            let key = prop_oneof![Just("_placeholder".to_string()), Just("num".to_string()), "[a-z\"]{0,3}"];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key, inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
                (0u64..4).prop_map(|num| serde_json::json!({"_placeholder": true, "num": num})),
            ]
        })
    }

    /// Serializes with whitespace sprinkled after structural characters.
    fn with_whitespace(value: &Value, seed: u64) -> String {
        let compact = serde_json::to_string(value).unwrap_or_default();
        if seed % 3 == 0 {
            return serde_json::to_string_pretty(value).unwrap_or_default();
        }
        let mut out = String::new();
        let mut in_string = false;
        let mut escaped = false;
        for (index, char) in compact.chars().enumerate() {
            out.push(char);
            if in_string {
                match (escaped, char) {
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => escaped = false,
                }
            } else if char == '"' {
                in_string = true;
            } else if matches!(char, '[' | '{' | ',' | ':') && (seed >> (index % 60)) & 1 == 1 {
                out.push_str([" ", "\n", "\t", "\r\n "][index % 4]);
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_text_is_accepted_exactly_when_serde_json_accepts_it(
            json in "[\\[\\]{}\",: \\n0-9eE+\\-.truefalsn\\\\/bu\\x00-\\x1f\\x7fé]{0,24}"
        ) {
            prop_assert_eq!(accepts(&json), serde_accepts(&json), "{:?}", json);
        }

        #[test]
        fn generated_json_is_accepted_like_serde_json(value in json_value(), seed in any::<u64>()) {
            let json = with_whitespace(&value, seed);
            prop_assert!(accepts(&json), "{}", json);
            prop_assert!(serde_accepts(&json));
        }

        #[test]
        fn mutated_json_is_accepted_exactly_when_serde_json_accepts_it(
            value in json_value(),
            seed in any::<u64>(),
            at in any::<prop::sample::Index>(),
            edit in 0u8..3,
            byte in prop::sample::select(b"[]{}\",:0-9e-.tfn\\u ".to_vec()),
        ) {
            let mut json = with_whitespace(&value, seed).into_bytes();
            let index = at.index(json.len() + 1);
            match edit {
                0 if index < json.len() => { json.remove(index); }
                1 if index < json.len() => json[index] = byte,
                _ => json.insert(index, byte),
            }
            // Only single-byte edits of ASCII positions keep the text UTF-8.
            if let Ok(json) = String::from_utf8(json) {
                prop_assert_eq!(accepts(&json), serde_accepts(&json), "{:?}", json);
            }
        }

        #[test]
        fn placeholders_are_checked_like_a_walk_of_the_tree(value in json_value(), attachments in 1u64..4) {
            let json = serde_json::to_string(&value).unwrap_or_default();
            prop_assert_eq!(placeholders(&json, attachments).is_ok(), placeholders_valid(&value, attachments), "{}", json);
        }
    }
}

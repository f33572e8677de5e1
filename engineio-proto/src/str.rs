//! [`Str`]: UTF-8 text that shares its storage with the buffer it was read from.

use bytes::Bytes;
use core::fmt;
use core::ops::Deref;

/// UTF-8 text backed by [`Bytes`], so a text message can be sliced out of a
/// received buffer without copying it.
///
/// The invariant (valid UTF-8) is checked once, when the value is made.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Str(Bytes);

impl Str {
    /// Text from bytes, if they are valid UTF-8.
    pub fn from_utf8(bytes: Bytes) -> Result<Str, core::str::Utf8Error> {
        core::str::from_utf8(&bytes)?;
        Ok(Str(bytes))
    }

    /// Text from a static string, without allocating.
    pub const fn from_static(text: &'static str) -> Str {
        Str(Bytes::from_static(text.as_bytes()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor either checks the bytes (`from_utf8`), takes
        // them from a `&str`/`String`, or (`from_checked`, crate-private) takes a
        // sub-slice of checked text cut on character boundaries. Checking again
        // here would make every read O(n).
        unsafe { core::str::from_utf8_unchecked(&self.0) }
    }

    /// The sub-text at `range` (byte offsets), sharing storage; `None` when
    /// the range is out of bounds or not on character boundaries.
    pub fn slice(&self, range: core::ops::Range<usize>) -> Option<Str> {
        let text = self.as_str();
        if range.start <= range.end && text.is_char_boundary(range.start) && text.is_char_boundary(range.end) {
            Some(Str(self.0.slice(range)))
        } else {
            None
        }
    }

    /// The UTF-8 bytes, sharing storage.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// The UTF-8 bytes, sharing storage.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The sub-text starting at byte `at`, sharing storage.
    ///
    /// Returns `None` when `at` is not on a character boundary or past the end.
    pub fn slice_from(&self, at: usize) -> Option<Str> {
        if self.as_str().is_char_boundary(at) {
            Some(Str(self.0.slice(at..)))
        } else {
            None
        }
    }

    /// Wraps bytes already known to be UTF-8 (a slice of a checked [`Str`]
    /// taken on a character boundary).
    pub(crate) fn from_checked(bytes: Bytes) -> Str {
        debug_assert!(core::str::from_utf8(&bytes).is_ok());
        Str(bytes)
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<alloc::string::String> for Str {
    fn from(text: alloc::string::String) -> Str {
        Str(Bytes::from(text))
    }
}

impl From<&'static str> for Str {
    fn from(text: &'static str) -> Str {
        Str::from_static(text)
    }
}

//! Engine.IO session ids.

use alloc::sync::Arc;
use core::fmt;

/// Number of random bytes a server session id is made from (120 bits, as the
/// reference `base64id` uses).
pub const SID_RANDOM_BYTES: usize = 15;

/// An Engine.IO session id: the `sid` of the open packet and of every later
/// request's query string. Cheap to clone and to hash.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sid(Arc<str>);

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

impl Sid {
    /// A fresh server session id from caller-supplied random bytes: 20 URL-safe
    /// base64 characters, like the reference server's ids.
    pub fn from_random(random: [u8; SID_RANDOM_BYTES]) -> Sid {
        let mut text = alloc::string::String::with_capacity(20);
        for chunk in random.chunks_exact(3) {
            let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
            for shift in [18, 12, 6, 0] {
                text.push(char::from(URL_SAFE[(n >> shift) as usize & 63]));
            }
        }
        Sid(Arc::from(text))
    }

    /// A session id received from a peer (the open packet, or a request's `sid`).
    pub fn new(text: &str) -> Sid {
        Sid(Arc::from(text))
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_sid_is_twenty_url_safe_characters() {
        let sid = Sid::from_random([0xFB; SID_RANDOM_BYTES]);
        assert_eq!(sid.as_str().len(), 20);
        assert!(sid.as_str().bytes().all(|b| URL_SAFE.contains(&b)));
    }

    #[test]
    fn different_random_bytes_give_different_sids() {
        assert_ne!(Sid::from_random([1; SID_RANDOM_BYTES]), Sid::from_random([2; SID_RANDOM_BYTES]));
    }
}

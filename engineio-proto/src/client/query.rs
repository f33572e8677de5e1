//! The Engine.IO part of a client request's query string.
//!
//! The driver prefixes the path and the user's own query parameters; this
//! module writes `EIO`, `transport`, `sid` and `b64`, in the order the
//! reference client does.

use alloc::string::String;

use crate::packet::{ProtocolVersion, TransportKind};
use crate::sid::Sid;

/// Query of a polling request: `b64=1` only on the handshake, as the server
/// remembers it for the whole session.
pub(crate) fn polling(protocol: ProtocolVersion, sid: Option<&Sid>, force_base64: bool) -> String {
    let mut query = base(protocol, TransportKind::Polling, sid);
    if force_base64 && sid.is_none() {
        query.push_str("&b64=1");
    }
    query
}

/// Query of a WebSocket connection: `b64=1` on every connection, as the
/// server decides per transport.
pub(crate) fn websocket(protocol: ProtocolVersion, sid: Option<&Sid>, force_base64: bool) -> String {
    let mut query = base(protocol, TransportKind::WebSocket, sid);
    if force_base64 {
        query.push_str("&b64=1");
    }
    query
}

fn base(protocol: ProtocolVersion, transport: TransportKind, sid: Option<&Sid>) -> String {
    let mut query = String::with_capacity(64);
    query.push_str("EIO=");
    query.push_str(protocol.as_query_value());
    query.push_str("&transport=");
    query.push_str(transport.name());
    if let Some(sid) = sid {
        query.push_str("&sid=");
        push_uri_component(&mut query, sid.as_str());
    }
    query
}

/// Appends `text` percent-encoded like JavaScript's `encodeURIComponent`.
pub fn push_uri_component(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte);
        if unreserved {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_is_percent_encoded_like_encode_uri_component() {
        let sid = Sid::new("a+b/c=d é-_");
        assert_eq!(
            polling(ProtocolVersion::V4, Some(&sid), false),
            "EIO=4&transport=polling&sid=a%2Bb%2Fc%3Dd%20%C3%A9-_"
        );
    }

    #[test]
    fn base64_flag_goes_on_the_polling_handshake_only() {
        let sid = Sid::new("s");
        assert_eq!(polling(ProtocolVersion::V3, None, true), "EIO=3&transport=polling&b64=1");
        assert_eq!(polling(ProtocolVersion::V3, Some(&sid), true), "EIO=3&transport=polling&sid=s");
        assert_eq!(websocket(ProtocolVersion::V3, Some(&sid), true), "EIO=3&transport=websocket&sid=s&b64=1");
    }
}

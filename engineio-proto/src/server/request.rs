//! Request classification: which Engine.IO request an HTTP request is, from
//! its method, its raw query string and whether it asks for a WebSocket
//! upgrade. Pure: the session index is the driver's.

use alloc::string::String;
use alloc::vec::Vec;

use super::config::ServerConfig;
use super::response::ErrorResponse;
use crate::packet::{ProtocolVersion, TransportKind};
use crate::sid::Sid;

/// The HTTP method of a request, as far as Engine.IO cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`: handshakes, polls and WebSocket upgrades.
    Get,
    /// `POST`: client → server polling payloads.
    Post,
    /// `OPTIONS`: a CORS preflight.
    Options,
    /// Anything else (`PUT`, `DELETE`, …).
    Other,
}

impl Method {
    /// The method named `name` (case-sensitive, as HTTP methods are).
    pub fn from_name(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }
}

/// A valid handshake request: the driver creates a session with [`Session::new`](super::Session::new).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handshake {
    /// The protocol revision the client speaks.
    pub protocol: ProtocolVersion,
    /// The transport the session starts on.
    pub transport: TransportKind,
    /// Whether the client takes binary polling payloads (false with `b64=…`;
    /// matters for v3 only).
    pub supports_binary: bool,
}

/// What a request to an existing session asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionRequest {
    /// A polling `GET` (without an upgrade header).
    Poll,
    /// A polling `POST` carrying a payload.
    Post,
    /// A `GET` with a WebSocket upgrade: a probe for upgrading the session.
    WebSocket,
}

/// The classification of one HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// An `OPTIONS` request: the driver answers its CORS preflight (the
    /// reference, with CORS on, answers 204 before any Engine.IO check).
    Preflight,
    /// A new session.
    Handshake(Handshake),
    /// A request for the session `sid`. The driver looks the sid up
    /// ([`ErrorResponse::unknown_sid`] when absent), then asks
    /// [`Session::check_request`](super::Session::check_request) (and for a
    /// WebSocket, [`Session::handle_websocket_upgrade`](super::Session::handle_websocket_upgrade)).
    Existing {
        /// The session id from the query.
        sid: Sid,
        /// What the request asks for.
        request: SessionRequest,
        /// The `transport` the request names.
        transport: TransportKind,
        /// The protocol revision the request names, read as the reference
        /// reads it for a request to a session: `EIO=4` is v4, anything
        /// else (no `EIO` included) v3. It must be the session's.
        protocol: ProtocolVersion,
    },
    /// Refuse the request with this answer.
    Reject(ErrorResponse),
}

/// The Engine.IO parameters of a query string, percent-decoded.
///
/// Unknown keys (`t`, application parameters) are ignored; when a key
/// appears twice the first value wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineQuery {
    /// `EIO`.
    pub eio: Option<String>,
    /// `transport`.
    pub transport: Option<String>,
    /// `sid`.
    pub sid: Option<String>,
    /// `b64`.
    pub b64: Option<String>,
}

impl EngineQuery {
    /// Parses a raw query string (without the `?`).
    pub fn parse(query: &str) -> EngineQuery {
        let mut parsed = EngineQuery::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match percent_decode(key).as_str() {
                "EIO" => &mut parsed.eio,
                "transport" => &mut parsed.transport,
                "sid" => &mut parsed.sid,
                "b64" => &mut parsed.b64,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(percent_decode(value));
            }
        }
        parsed
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes and `+` (space) like `querystring.unescape`;
/// malformed escapes stay as they are, invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let escaped = match (byte, bytes.get(index + 1), bytes.get(index + 2)) {
            (b'%', Some(&high), Some(&low)) => hex_value(high).zip(hex_value(low)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (escaped, byte) {
            (Some(decoded), _) => {
                out.push(decoded);
                index += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                index += 1;
            }
            (None, other) => {
                out.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Classifies a request, in the order of the reference `verify()` then
/// `handshake()`: preflight, transport (code 0), sid (an existing session),
/// handshake method (code 2), WebSocket handshake without upgrade (code 3),
/// protocol version (code 5).
///
/// `websocket_upgrade` is whether the request carries `Upgrade: websocket`.
pub fn classify(config: &ServerConfig, method: Method, query: &str, websocket_upgrade: bool) -> Route {
    if method == Method::Options {
        return Route::Preflight;
    }
    let query = EngineQuery::parse(query);
    let transport = query.transport.as_deref().and_then(TransportKind::from_name);
    let Some(transport) = transport.filter(|&kind| config.allows(kind)) else {
        return Route::Reject(ErrorResponse::unknown_transport());
    };
    if websocket_upgrade && transport == TransportKind::Polling {
        // The reference accepts the upgrade and closes the WebSocket at once.
        return Route::Reject(ErrorResponse::bad_request());
    }
    if let Some(sid) = query.sid.as_deref().filter(|sid| !sid.is_empty()) {
        let request = match (method, websocket_upgrade) {
            (Method::Get, true) => SessionRequest::WebSocket,
            (Method::Get, false) => SessionRequest::Poll,
            (Method::Post, _) => SessionRequest::Post,
            (Method::Options | Method::Other, _) => return Route::Reject(ErrorResponse::bad_request()),
        };
        let protocol = match query.eio.as_deref() {
            Some("4") => ProtocolVersion::V4,
            _ => ProtocolVersion::V3,
        };
        return Route::Existing { sid: Sid::new(sid), request, transport, protocol };
    }
    if method != Method::Get {
        return Route::Reject(ErrorResponse::bad_handshake_method());
    }
    if transport == TransportKind::WebSocket && !websocket_upgrade {
        return Route::Reject(ErrorResponse::bad_request());
    }
    let protocol = match query.eio.as_deref().and_then(ProtocolVersion::from_query_value) {
        Some(ProtocolVersion::V4) => ProtocolVersion::V4,
        Some(ProtocolVersion::V3) if config.allow_eio3 => ProtocolVersion::V3,
        _ => return Route::Reject(ErrorResponse::unsupported_protocol_version()),
    };
    let supports_binary = query.b64.as_deref().is_none_or(str::is_empty);
    Route::Handshake(Handshake { protocol, transport, supports_binary })
}

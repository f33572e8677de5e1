//! HTTP answers the server machines produce: [`Response`] and the reference
//! error bodies ([`ErrorResponse`], [`ErrorCode`]).

use alloc::borrow::Cow;
use alloc::string::String;
use bytes::Bytes;

/// `Content-Type` of error bodies.
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// `Content-Type` of the `ok` answer to a POST (what the reference sends).
pub const HTML_CONTENT_TYPE: &str = "text/html";

/// An HTTP response for the driver to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, or `None` for an empty body without one.
    pub content_type: Option<&'static str>,
    /// The body.
    pub body: Bytes,
    /// Whether the driver may compress the body (HTTP compression, see
    /// [`ContentEncoding::negotiate`]): true for a polling payload unless every
    /// packet in it was sent with `compress` false; false for the short
    /// answers (`ok`, errors).
    pub compressible: bool,
}

impl Response {
    /// An answer that the driver must not compress.
    pub fn new(status: u16, content_type: Option<&'static str>, body: Bytes) -> Response {
        Response { status, content_type, body, compressible: false }
    }

    /// `200 ok`: a POST was taken (even when its payload turned out invalid,
    /// as the reference answers).
    pub fn ok() -> Response {
        Response {
            status: 200,
            content_type: Some(HTML_CONTENT_TYPE),
            body: Bytes::from_static(b"ok"),
            compressible: false,
        }
    }

    /// `413` with an empty body: a POST body over `max_http_buffer_size`.
    pub fn payload_too_large() -> Response {
        Response { status: 413, content_type: None, body: Bytes::new(), compressible: false }
    }

    /// `400` with an empty body: the answer to an overlapping GET.
    pub fn bad_request_without_body() -> Response {
        Response { status: 400, content_type: None, body: Bytes::new(), compressible: false }
    }
}

/// The reference server's error codes (`Server.errors` in engine.io).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `0`: the `transport` query value is missing, unknown, or not served.
    UnknownTransport,
    /// `1`: the `sid` names no live session.
    UnknownSid,
    /// `2`: a handshake (no `sid`) that is not a GET.
    BadHandshakeMethod,
    /// `3`: a request that contradicts the session or the transport.
    BadRequest,
    /// `4`: the application refused the handshake.
    Forbidden,
    /// `5`: `EIO` is missing, unknown, or `3` without `allow_eio3`.
    UnsupportedProtocolVersion,
}

impl ErrorCode {
    /// The number in the JSON body.
    pub const fn number(self) -> u8 {
        match self {
            ErrorCode::UnknownTransport => 0,
            ErrorCode::UnknownSid => 1,
            ErrorCode::BadHandshakeMethod => 2,
            ErrorCode::BadRequest => 3,
            ErrorCode::Forbidden => 4,
            ErrorCode::UnsupportedProtocolVersion => 5,
        }
    }

    /// The reference message for this code.
    pub const fn message(self) -> &'static str {
        match self {
            ErrorCode::UnknownTransport => "Transport unknown",
            ErrorCode::UnknownSid => "Session ID unknown",
            ErrorCode::BadHandshakeMethod => "Bad handshake method",
            ErrorCode::BadRequest => "Bad request",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }
}

/// A refused request: status `400` (`403` for [`ErrorCode::Forbidden`]) and
/// the body `{"code":N,"message":"..."}`, as the reference server answers.
///
/// A refused WebSocket upgrade request is answered by the reference with
/// `400 Bad Request` and [`ErrorResponse::message`] as a `text/html` body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorResponse {
    /// The HTTP status.
    pub status: u16,
    /// The error code.
    pub code: ErrorCode,
    message: Cow<'static, str>,
}

#[derive(serde::Serialize)]
struct ErrorJson<'a> {
    code: u8,
    message: &'a str,
}

impl ErrorResponse {
    fn standard(code: ErrorCode) -> ErrorResponse {
        ErrorResponse { status: 400, code, message: Cow::Borrowed(code.message()) }
    }

    /// Code 0 "Transport unknown".
    pub fn unknown_transport() -> ErrorResponse {
        ErrorResponse::standard(ErrorCode::UnknownTransport)
    }

    /// Code 1 "Session ID unknown".
    pub fn unknown_sid() -> ErrorResponse {
        ErrorResponse::standard(ErrorCode::UnknownSid)
    }

    /// Code 2 "Bad handshake method".
    pub fn bad_handshake_method() -> ErrorResponse {
        ErrorResponse::standard(ErrorCode::BadHandshakeMethod)
    }

    /// Code 3 "Bad request".
    pub fn bad_request() -> ErrorResponse {
        ErrorResponse::standard(ErrorCode::BadRequest)
    }

    /// Code 5 "Unsupported protocol version".
    pub fn unsupported_protocol_version() -> ErrorResponse {
        ErrorResponse::standard(ErrorCode::UnsupportedProtocolVersion)
    }

    /// Code 4 with status 403 and the application's `message` ("Forbidden"
    /// when empty): the answer when the driver's `allowRequest`-like hook
    /// refuses a handshake.
    pub fn forbidden(message: impl Into<String>) -> ErrorResponse {
        let message: String = message.into();
        let message =
            if message.is_empty() { Cow::Borrowed(ErrorCode::Forbidden.message()) } else { Cow::Owned(message) };
        ErrorResponse { status: 403, code: ErrorCode::Forbidden, message }
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON body `{"code":N,"message":"..."}`.
    pub fn body(&self) -> String {
        let json = ErrorJson { code: self.code.number(), message: &self.message };
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// The full HTTP response (`Content-Type: application/json`).
    pub fn to_response(&self) -> Response {
        Response {
            status: self.status,
            content_type: Some(JSON_CONTENT_TYPE),
            body: Bytes::from(self.body()),
            compressible: false,
        }
    }
}

/// An HTTP content coding the driver may apply to a polling answer (the
/// reference `httpCompression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEncoding {
    /// `gzip` (RFC 1952).
    Gzip,
    /// `deflate`: the zlib format (RFC 1950), as HTTP means it.
    Deflate,
}

impl ContentEncoding {
    /// The `Content-Encoding` header value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ContentEncoding::Gzip => "gzip",
            ContentEncoding::Deflate => "deflate",
        }
    }

    /// How to encode `response` for a request that sent `accept_encoding`,
    /// if at all: only a compressible 200 answer of at least `threshold`
    /// bytes (the reference default is 1024; `None` turns compression off),
    /// with the coding the client prefers among gzip and deflate (highest
    /// `q`; gzip on a tie). A coding with `q=0` is refused; `*` stands for
    /// both.
    pub fn negotiate(accept_encoding: Option<&str>, response: &Response, threshold: Option<usize>) -> Option<Self> {
        let threshold = threshold?;
        if !response.compressible || response.status != 200 || response.body.len() < threshold {
            return None;
        }
        let mut best: Option<(ContentEncoding, u16)> = None;
        for item in accept_encoding?.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let quality = parts.find_map(|param| param.trim().strip_prefix("q=")).map_or(1000, parse_quality);
            let candidates: &[ContentEncoding] = if coding.eq_ignore_ascii_case("gzip") {
                &[ContentEncoding::Gzip]
            } else if coding.eq_ignore_ascii_case("deflate") {
                &[ContentEncoding::Deflate]
            } else if coding == "*" {
                &[ContentEncoding::Gzip, ContentEncoding::Deflate]
            } else {
                &[]
            };
            for &candidate in candidates {
                let better = match best {
                    None => true,
                    Some((current, current_quality)) => {
                        quality > current_quality
                            || (quality == current_quality
                                && current == ContentEncoding::Deflate
                                && candidate == ContentEncoding::Gzip)
                    }
                };
                if quality > 0 && better {
                    best = Some((candidate, quality));
                }
            }
        }
        best.map(|(coding, _)| coding)
    }
}

/// A `q` value in thousandths (`0.5` → 500); malformed values count as 0.
fn parse_quality(text: &str) -> u16 {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1000,
        _ => return 0,
    };
    let digits = fraction.bytes().take(3).try_fold((0u16, 100u16), |(value, scale), byte| {
        byte.is_ascii_digit().then(|| (value + u16::from(byte - b'0') * scale, scale / 10))
    });
    match digits {
        Some((fraction, _)) => (whole + fraction).min(1000),
        None => 0,
    }
}

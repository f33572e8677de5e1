//! [`Json`]: a JSON value kept as its text, for CONNECT and CONNECT_ERROR payloads.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use engineio_proto::Str;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::packet::ProtocolVersion;

/// One well-formed JSON value kept as compact text. Decoded payloads share the
/// storage of the received message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Json(Str);

impl Json {
    /// The compact JSON text of a serializable value.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Json, serde_json::Error> {
        let text = serde_json::to_vec(value)?;
        Ok(Json(Str::from_utf8(Bytes::from(text)).unwrap_or_default()))
    }

    /// Wraps JSON text after checking that it is one well-formed value.
    pub fn from_text(text: Str) -> Result<Json, serde_json::Error> {
        serde_json::from_slice::<serde::de::IgnoredAny>(text.as_bytes())?;
        Ok(Json(text))
    }

    /// Wraps text already checked to be one well-formed JSON value.
    pub(crate) fn from_checked(text: Str) -> Json {
        Json(text)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The JSON text, sharing storage.
    pub fn as_text(&self) -> &Str {
        &self.0
    }

    /// Deserializes the value, borrowing from it where `T` allows.
    pub fn deserialize<'de, T: Deserialize<'de>>(&'de self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(self.0.as_bytes())
    }

    /// Deserializes the value into an owned `T`.
    pub fn to_owned_value<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(self.0.as_bytes())
    }

    /// The v5 server's CONNECT reply: `{"sid":…}`, plus `"pid":…` when
    /// connection state recovery is on.
    pub fn connect_reply(sid: &str, pid: Option<&str>) -> Json {
        #[derive(Serialize)]
        struct Reply<'a> {
            sid: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            pid: Option<&'a str>,
        }
        Json::from_serialize(&Reply { sid, pid }).unwrap_or_else(|_| Json(Str::from_static("{}")))
    }

    /// The CONNECT_ERROR payload: `{"message":…}` (plus `"data":…` when given)
    /// in v5, the message as a JSON string in v4 (`data` is dropped: v4 has no
    /// place for it).
    pub fn connect_error<T: Serialize + ?Sized>(
        version: ProtocolVersion,
        message: &str,
        data: Option<&T>,
    ) -> Result<Json, serde_json::Error> {
        #[derive(Serialize)]
        struct ConnectError<'a, T: ?Sized> {
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            data: Option<&'a T>,
        }
        match version {
            ProtocolVersion::V4 => Json::from_serialize(message),
            ProtocolVersion::V5 => Json::from_serialize(&ConnectError { message, data }),
        }
    }

    /// The message of a CONNECT_ERROR payload: the `message` field of a v5
    /// object, or the v4 string.
    pub fn connect_error_message(&self) -> Option<String> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Payload {
            Text(String),
            Object { message: String },
        }
        match self.to_owned_value::<Payload>().ok()? {
            Payload::Text(message) | Payload::Object { message } => Some(message),
        }
    }

    /// The auth of a v4 (Socket.IO v2 client) CONNECT, as the reference
    /// server makes it from the namespace query (`url.parse(nsp, true).query`):
    /// an object of the query's parameters (`token=1&a=b` →
    /// `{"a":"b","token":"1"}`), `+` and `%XX` decoded, a repeated key giving
    /// an array of its values; `{}` without a query (the implicit `/`).
    pub fn from_v4_query(query: Option<&str>) -> Json {
        let mut object = serde_json::Map::new();
        for pair in query.unwrap_or_default().split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (key, value) = (decode_query_component(key), decode_query_component(value));
            match object.get_mut(&key) {
                None => {
                    object.insert(key, serde_json::Value::String(value));
                }
                Some(serde_json::Value::Array(values)) => values.push(serde_json::Value::String(value)),
                Some(first) => {
                    let first = core::mem::take(first);
                    object.insert(key, serde_json::Value::Array(alloc::vec![first, serde_json::Value::String(value)]));
                }
            }
        }
        Json::from_serialize(&object).unwrap_or_else(|_| Json(Str::from_static("{}")))
    }

    /// The text as bytes.
    pub(crate) fn bytes(&self) -> &Bytes {
        self.0.as_bytes()
    }
}

impl From<Json> for Str {
    fn from(json: Json) -> Str {
        json.0
    }
}

/// Appends the compact (`JSON.stringify`-style) JSON text of `value` to `out`.
#[cfg(feature = "std")]
pub(crate) fn write_compact<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), serde_json::Error> {
    serde_json::to_writer(out, value)
}

/// Appends the compact (`JSON.stringify`-style) JSON text of `value` to `out`
/// (without `std`, serde_json only writes to a fresh vector).
#[cfg(not(feature = "std"))]
pub(crate) fn write_compact<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), serde_json::Error> {
    out.extend_from_slice(&serde_json::to_vec(value)?);
    Ok(())
}

/// A query component decoded as Node's `querystring` does: `+` is a space,
/// `%XX` a byte, a malformed escape stays as it is; invalid UTF-8 is replaced.
fn decode_query_component(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let escaped = match (byte, bytes.get(index + 1..index + 3)) {
            (b'%', Some(&[high, low])) => hex_value(high).zip(hex_value(low)).map(|(high, low)| high << 4 | low),
            _ => None,
        };
        match (escaped, byte) {
            (Some(value), _) => {
                decoded.push(value);
                index += 3;
            }
            (None, b'+') => {
                decoded.push(b' ');
                index += 1;
            }
            (None, other) => {
                decoded.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|value| u8::try_from(value).ok())
}

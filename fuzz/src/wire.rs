//! Engine.IO text built from meaningful pieces (packet types, probes, an open
//! packet) mixed with arbitrary text, so the structured targets reach deep
//! states instead of stopping at the first parse error.

use arbitrary::Arbitrary;
use bytes::Bytes;
use engineio_proto::ProtocolVersion;

/// A fragment of an Engine.IO packet's text form; a packet is several joined.
#[derive(Debug, Clone, Arbitrary)]
pub enum TextPiece {
    /// `0{...}`: an open packet with small timers.
    Open {
        /// Whether `upgrades` offers `websocket`.
        websocket_upgrade: bool,
        /// `pingInterval`, in milliseconds.
        ping_interval: u16,
        /// `pingTimeout`, in milliseconds.
        ping_timeout: u16,
        /// `maxPayload`, when present.
        max_payload: Option<u16>,
    },
    /// `1`.
    Close,
    /// `2`.
    Ping,
    /// `3`.
    Pong,
    /// `4`.
    Message,
    /// `5`.
    Upgrade,
    /// `6`.
    Noop,
    /// `probe`.
    Probe,
    /// `b`: a base64 binary record follows.
    Base64Marker,
    /// Arbitrary text.
    Text(String),
}

impl TextPiece {
    fn write(&self, out: &mut String) {
        match self {
            TextPiece::Open { websocket_upgrade, ping_interval, ping_timeout, max_payload } => {
                let upgrades = if *websocket_upgrade { r#"["websocket"]"# } else { "[]" };
                out.push_str(&format!(
                    r#"0{{"sid":"c1","upgrades":{upgrades},"pingInterval":{ping_interval},"pingTimeout":{ping_timeout}"#
                ));
                if let Some(max_payload) = max_payload {
                    out.push_str(&format!(r#","maxPayload":{max_payload}"#));
                }
                out.push('}');
            }
            TextPiece::Close => out.push('1'),
            TextPiece::Ping => out.push('2'),
            TextPiece::Pong => out.push('3'),
            TextPiece::Message => out.push('4'),
            TextPiece::Upgrade => out.push('5'),
            TextPiece::Noop => out.push('6'),
            TextPiece::Probe => out.push_str("probe"),
            TextPiece::Base64Marker => out.push('b'),
            TextPiece::Text(text) => out.push_str(text),
        }
    }

    /// The pieces joined into one packet's text.
    pub fn join(pieces: &[TextPiece]) -> String {
        let mut text = String::new();
        for piece in pieces {
            piece.write(&mut text);
        }
        text
    }
}

/// A polling body: well-framed records, or arbitrary bytes.
#[derive(Debug, Clone, Arbitrary)]
pub enum Wire {
    /// Records framed as the protocol frames text payloads (v4: `\x1e`
    /// between records; v3: `<UTF-16 length>:` before each).
    Records(Vec<Vec<TextPiece>>),
    /// Arbitrary bytes.
    Raw(Vec<u8>),
}

impl Wire {
    /// The body as a peer speaking `protocol` would send it.
    pub fn polling_body(&self, protocol: ProtocolVersion) -> Bytes {
        match self {
            Wire::Raw(bytes) => Bytes::from(bytes.clone()),
            Wire::Records(records) => text_polling_body(protocol, records.iter().map(|record| TextPiece::join(record))),
        }
    }
}

/// A polling body of text packets as a peer speaking `protocol` frames it:
/// v4 separates them with `\x1e`, v3 prefixes each with its length in UTF-16
/// units and a colon.
pub fn text_polling_body(protocol: ProtocolVersion, packets: impl IntoIterator<Item = String>) -> Bytes {
    let mut body = String::new();
    for (index, text) in packets.into_iter().enumerate() {
        match protocol {
            ProtocolVersion::V4 => {
                if index > 0 {
                    body.push('\u{1e}');
                }
            }
            ProtocolVersion::V3 => body.push_str(&format!("{}:", text.encode_utf16().count())),
        }
        body.push_str(&text);
    }
    Bytes::from(body)
}

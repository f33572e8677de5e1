//! Checks of the Socket.IO codec (`socketio-proto`): the text form round
//! trip, and the [`Decoder`] joining binary packets with their attachments.

use arbitrary::Arbitrary;
use bytes::Bytes;
use engineio_proto::{Message, Str};
use socketio_proto::{decode_text, DecodeError, Decoder, DecoderLimits, Packet, ProtocolVersion};

/// Both Socket.IO protocol revisions.
pub const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V4, ProtocolVersion::V5];

/// Feeds `messages` to a fresh decoder and returns the packet the last one
/// completes; every earlier message must leave the packet incomplete.
fn decode_messages(version: ProtocolVersion, limits: DecoderLimits, messages: Vec<Message>) -> Packet {
    let mut decoder = Decoder::with_limits(version, limits);
    let count = messages.len();
    for (index, message) in messages.into_iter().enumerate() {
        let shown = format!("{message:?}");
        match decoder.decode(message) {
            Ok(Some(packet)) => {
                assert_eq!(index + 1, count, "{shown} completed a packet before the last message");
                return packet;
            }
            Ok(None) => assert!(index + 1 < count, "the last message {shown} left the packet incomplete"),
            Err(error) => panic!("message {index} ({shown}) of an encoded packet does not decode: {error}"),
        }
    }
    panic!("no message decoded")
}

/// Decodes `text` as one packet in `version` with at most `max_attachments`,
/// and checks, when it decodes:
///
/// - the announced attachment count is within the limit, and non-zero exactly
///   for BINARY_EVENT / BINARY_ACK;
/// - the [`Decoder`] agrees with [`decode_text`];
/// - with `attachments` (cycled) as its binary messages, the packet encodes
///   to messages that decode to an equal packet, whose encoding is the same
///   text (encoding is a fixed point after one decode: names and ids are
///   normalized, argument JSON is kept byte for byte);
/// - the encoded text keeps the packet type digit.
pub fn check_text_round_trip(version: ProtocolVersion, text: &str, max_attachments: usize, attachments: &[Vec<u8>]) {
    let text = Str::from(text.to_owned());
    let decoded = decode_text(version, &text, max_attachments);
    let mut decoder =
        Decoder::with_limits(version, DecoderLimits { max_attachments, max_attachment_bytes: usize::MAX });
    let from_decoder = decoder.decode_text(&text);
    let (packet, expected) = match decoded {
        Ok(decoded) => decoded,
        Err(DecodeError::MissingAckId { attachments, .. }) => {
            // The Decoder drops an ACK without id, with its attachments.
            assert_eq!(from_decoder, Ok(None), "the Decoder keeps an ACK without id: {text:?}");
            assert_eq!(decoder.missing_attachments(), attachments, "the Decoder waits for another count");
            return;
        }
        Err(error) => {
            assert_eq!(from_decoder.err(), Some(error), "the Decoder and decode_text disagree on {text:?}");
            return;
        }
    };
    assert!(expected <= max_attachments, "{expected} attachments announced, limit {max_attachments}");
    let binary_type = matches!(text.as_bytes().first(), Some(b'5' | b'6'));
    assert_eq!(expected > 0, binary_type, "attachment count {expected} for {text:?}");
    assert!(packet.attachments().is_empty(), "decode_text collected attachments");
    match from_decoder {
        Ok(Some(whole)) => {
            assert_eq!(expected, 0);
            assert_eq!(whole, packet, "the Decoder and decode_text disagree on {text:?}");
        }
        Ok(None) => assert_eq!(decoder.missing_attachments(), expected, "the Decoder waits for another count"),
        Err(error) => panic!("the Decoder refuses {text:?} ({error}) that decode_text takes"),
    }

    // Complete the packet with attachments, as a peer would send them.
    let mut messages = vec![Message::Text(text.clone())];
    for index in 0..expected {
        let bytes = match attachments.len() {
            0 => Vec::new(),
            len => attachments.get(index % len).cloned().unwrap_or_default(),
        };
        messages.push(Message::Binary(Bytes::from(bytes)));
    }
    let limits = DecoderLimits { max_attachments, max_attachment_bytes: usize::MAX };
    let complete = decode_messages(version, limits, messages);
    // Attachments no placeholder names are dropped, as the reference does.
    let kept = complete.attachments().len();
    assert!(kept <= expected, "the completed packet has {kept} attachments, {expected} announced");

    let encoded = complete.encode();
    assert_eq!(encoded.message_count(), 1 + kept, "encoding changed the attachment count");
    // A binary packet left without attachments is a plain one.
    let type_digit = match text.as_bytes().first() {
        Some(b'5') if kept == 0 => Some(&b'2'),
        Some(b'6') if kept == 0 => Some(&b'3'),
        digit => digit,
    };
    assert_eq!(
        encoded.text().as_bytes().first(),
        type_digit,
        "{text:?} re-encodes as {:?}, another packet type",
        encoded.text()
    );
    let again = decode_messages(version, limits, encoded.messages().collect());
    assert_eq!(again, complete, "{text:?} re-encoded as {:?} decodes to another packet", encoded.text());
    assert_eq!(again.encode(), encoded, "encoding {text:?} is not a fixed point");
}

/// Fragments of Socket.IO text, to reach binary packets and placeholders.
#[derive(Debug, Arbitrary)]
pub enum SioPiece {
    /// A packet type digit.
    Type(u8),
    /// An attachment count `N-`.
    Count(u8),
    /// A namespace `/…,`.
    Namespace(String),
    /// An ack id.
    AckId(u16),
    /// `["name"`.
    EventStart(String),
    /// `[`.
    Open,
    /// `,`.
    Comma,
    /// `{"_placeholder":true,"num":N}`.
    Placeholder(u8),
    /// A JSON value.
    Value(String),
    /// `]`.
    Close,
    /// Arbitrary text.
    Text(String),
}

impl SioPiece {
    /// The pieces joined into one text message.
    pub fn join(pieces: &[SioPiece]) -> String {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                SioPiece::Type(digit) => out.push(char::from(b'0' + digit % 7)),
                SioPiece::Count(count) => out.push_str(&format!("{}-", count % 8)),
                SioPiece::Namespace(name) => out.push_str(&format!("/{name},")),
                SioPiece::AckId(id) => out.push_str(&id.to_string()),
                SioPiece::EventStart(name) => {
                    out.push('[');
                    out.push_str(&serde_json::to_string(name).unwrap_or_default());
                }
                SioPiece::Open => out.push('['),
                SioPiece::Comma => out.push(','),
                SioPiece::Placeholder(num) => {
                    out.push_str(&format!(r#"{{"_placeholder":true,"num":{}}}"#, num % 8));
                }
                SioPiece::Value(text) => out.push_str(&serde_json::to_string(text).unwrap_or_default()),
                SioPiece::Close => out.push(']'),
                SioPiece::Text(text) => out.push_str(text),
            }
        }
        out
    }
}

/// One Engine.IO message to the Socket.IO decoder.
#[derive(Debug, Arbitrary)]
pub enum MessageInput {
    /// A text message built from pieces.
    Text(Vec<SioPiece>),
    /// A binary message.
    Binary(Vec<u8>),
}

/// A decoder run: small limits and a sequence of messages.
#[derive(Debug, Arbitrary)]
pub struct DecoderScenario {
    /// Socket.IO v4 instead of v5.
    pub v4: bool,
    /// `max_attachments`, modulo 5.
    pub max_attachments: u8,
    /// `max_attachment_bytes`.
    pub max_attachment_bytes: u8,
    /// The messages.
    pub messages: Vec<MessageInput>,
}

/// The binary packet the decoder is expected to be collecting.
struct Collecting {
    /// Whether the packet is dropped once complete (an ACK without id).
    dropped: bool,
    expected: usize,
    attachments: Vec<Bytes>,
    bytes: usize,
}

/// Runs a [`DecoderScenario`], checking against a model of the decoder:
/// never more attachments or attachment bytes than the limits, a completed
/// packet took the announced attachments and keeps those its placeholders
/// name (in the order sent), an ACK without id is dropped, a
/// text while collecting or a binary while not is an error that resets the
/// decoder, and text outside a binary packet decodes as [`decode_text`] does.
pub fn run_decoder(scenario: &DecoderScenario) {
    let version = if scenario.v4 { ProtocolVersion::V4 } else { ProtocolVersion::V5 };
    let limits = DecoderLimits {
        max_attachments: usize::from(scenario.max_attachments % 5),
        max_attachment_bytes: usize::from(scenario.max_attachment_bytes),
    };
    let mut decoder = Decoder::with_limits(version, limits);
    let mut collecting: Option<Collecting> = None;
    for message in &scenario.messages {
        match message {
            MessageInput::Text(pieces) => {
                let text = Str::from(SioPiece::join(pieces));
                let result = decoder.decode_text(&text);
                if let Some(pending) = collecting.take() {
                    let missing = pending.expected - pending.attachments.len();
                    assert_eq!(result, Err(DecodeError::UnexpectedText { missing }), "text while collecting");
                } else {
                    let reference = decode_text(version, &text, limits.max_attachments);
                    match (&result, reference) {
                        (Ok(Some(packet)), Ok((expected_packet, 0))) => assert_eq!(packet, &expected_packet),
                        (Ok(None), Ok((_, expected))) => {
                            assert!(expected >= 1 && expected <= limits.max_attachments, "announced {expected}");
                            assert_eq!(decoder.missing_attachments(), expected);
                            collecting =
                                Some(Collecting { dropped: false, expected, attachments: Vec::new(), bytes: 0 });
                        }
                        (Ok(None), Err(DecodeError::MissingAckId { attachments: expected, .. })) => {
                            assert!(expected <= limits.max_attachments, "announced {expected}");
                            assert_eq!(decoder.missing_attachments(), expected);
                            if expected > 0 {
                                collecting =
                                    Some(Collecting { dropped: true, expected, attachments: Vec::new(), bytes: 0 });
                            }
                        }
                        (Err(error), Err(reference)) => assert_eq!(error, &reference),
                        (result, reference) => panic!("Decoder {result:?} but decode_text {reference:?} on {text:?}"),
                    }
                }
            }
            MessageInput::Binary(bytes) => {
                let bytes = Bytes::from(bytes.clone());
                let result = decoder.decode_binary(bytes.clone());
                match collecting.take() {
                    None => assert_eq!(result, Err(DecodeError::UnexpectedBinary), "binary while not collecting"),
                    Some(mut pending) => {
                        pending.bytes += bytes.len();
                        if pending.bytes > limits.max_attachment_bytes {
                            let error = DecodeError::AttachmentsTooLarge { limit: limits.max_attachment_bytes };
                            assert_eq!(result, Err(error), "{} attachment bytes accepted", pending.bytes);
                        } else {
                            pending.attachments.push(bytes);
                            assert!(pending.attachments.len() <= limits.max_attachments, "too many attachments");
                            match result {
                                Ok(Some(packet)) => {
                                    assert!(!pending.dropped, "an ACK without id came out");
                                    assert_eq!(pending.attachments.len(), pending.expected, "completed early");
                                    let mut sent = pending.attachments.iter();
                                    let in_order = packet.attachments().iter().all(|kept| sent.any(|bytes| bytes == kept));
                                    assert!(in_order, "the kept attachments are not those sent, in order");
                                }
                                Ok(None) => {
                                    let missing = pending.expected - pending.attachments.len();
                                    if missing == 0 && pending.dropped {
                                        continue;
                                    }
                                    assert!(missing > 0, "all attachments arrived but no packet");
                                    assert_eq!(decoder.missing_attachments(), missing);
                                    collecting = Some(pending);
                                }
                                Err(error) => panic!("attachment refused within the limits: {error}"),
                            }
                        }
                    }
                }
            }
        }
        if collecting.is_none() {
            assert_eq!(decoder.missing_attachments(), 0, "the decoder still collects");
        }
    }
}

/// Decodes `data` as one `socket.io-msgpack-parser` message and checks, when
/// it decodes:
///
/// - no panic and no stack overflow at any nesting depth (the decoder
///   refuses nesting deeper than [`socketio_proto::msgpack::MAX_DEPTH`]);
/// - the packet encodes back to msgpack, unless a map of its arguments
///   looks like a placeholder (`{"_placeholder":true,…}`, which the JSON
///   model cannot tell from a real one), and that encoding decodes to an
///   equal packet and is a fixed point;
/// - the packet also goes through the text codec when its namespace is one
///   the text form can carry (`/` then no `,`; msgpack, like the reference
///   `socket.io-msgpack-parser`, takes any string, and the server refuses
///   such a namespace as it refuses any unknown one): its [`Packet::encode`]
///   messages decode (with no limits) to an equal packet, so a msgpack
///   client's packet can be relayed to text clients.
pub fn check_msgpack(data: &[u8]) {
    use socketio_proto::msgpack;

    let Ok(packet) = msgpack::decode(&Bytes::copy_from_slice(data)) else {
        return;
    };
    let encoded = match msgpack::encode(&packet) {
        Ok(encoded) => encoded,
        Err(msgpack::EncodeError::InvalidPlaceholder { .. }) => return,
        Err(error) => panic!("{packet:?}, decoded from msgpack, does not encode: {error}"),
    };
    let again = msgpack::decode(&encoded).unwrap_or_else(|error| panic!("re-encoded {encoded:?} fails: {error}"));
    if !data.windows(12).any(|window| window == b"_placeholder") {
        assert_eq!(again, packet, "msgpack {encoded:?} decodes to another packet");
    }
    let twice = msgpack::encode(&again).unwrap_or_else(|error| panic!("{again:?} does not encode again: {error}"));
    assert_eq!(twice, encoded, "msgpack encoding of {again:?} is not a fixed point");

    let namespace = packet.namespace.as_str();
    if !namespace.starts_with('/') || namespace.contains(',') {
        return;
    }
    let text = packet.encode();
    let limits = DecoderLimits { max_attachments: usize::MAX, max_attachment_bytes: usize::MAX };
    let relayed = decode_messages(ProtocolVersion::V5, limits, text.messages().collect());
    if !data.windows(12).any(|window| window == b"_placeholder") {
        assert_eq!(relayed, packet, "{packet:?} relayed as text {:?} decodes to another packet", text.text());
    }
}

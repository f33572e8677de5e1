//! Socket.IO packet text built from meaningful pieces (type digits,
//! namespaces, ack ids, attachment counts, CONNECT payloads, event and ack
//! arguments, placeholders) mixed with arbitrary text, so the machine targets
//! (`sio_server`, `sio_client`) get past the decoder into deep states.

use arbitrary::Arbitrary;

/// The namespaces the machine targets use; [`SioPiece::Namespace`] picks one.
pub const NAMESPACES: [&str; 3] = ["/", "/admin", "/x"];

/// A fragment of a Socket.IO packet's text (without the Engine.IO `4`).
#[derive(Debug, Clone, Arbitrary)]
pub enum SioPiece {
    /// A packet type digit, `0`–`6`.
    Type(u8),
    /// `/admin,`, `/x,` or `/admin?token=1,` (v4 auth in the query).
    Namespace(u8),
    /// An ack id.
    AckId(u8),
    /// An attachment count, `0-`–`3-`.
    Attachments(u8),
    /// A CONNECT auth object.
    Auth,
    /// A v5 CONNECT reply, with or without a recovery `pid`.
    ConnectReply {
        /// Whether `pid` is present.
        pid: bool,
    },
    /// A CONNECT_ERROR payload (v5 object), with or without `data`.
    ConnectError {
        /// Whether `data` is present.
        data: bool,
    },
    /// EVENT arguments; with `offset` the last one is a string (a recovery offset).
    EventArgs {
        /// Whether the last argument is a string.
        offset: bool,
    },
    /// EVENT arguments with `n % 4` placeholders.
    BinaryArgs(u8),
    /// ACK arguments.
    AckArgs,
    /// Arbitrary text.
    Text(String),
}

impl SioPiece {
    fn write(&self, out: &mut String) {
        match self {
            SioPiece::Type(digit) => out.push(char::from(b'0' + digit % 7)),
            SioPiece::Namespace(choice) => out.push_str(match choice % 3 {
                0 => "/admin,",
                1 => "/x,",
                _ => "/admin?token=1,",
            }),
            SioPiece::AckId(id) => out.push_str(&id.to_string()),
            SioPiece::Attachments(count) => out.push_str(&format!("{}-", count % 4)),
            SioPiece::Auth => out.push_str(r#"{"token":"t1"}"#),
            SioPiece::ConnectReply { pid: true } => out.push_str(r#"{"sid":"s1","pid":"p1"}"#),
            SioPiece::ConnectReply { pid: false } => out.push_str(r#"{"sid":"s1"}"#),
            SioPiece::ConnectError { data: true } => out.push_str(r#"{"message":"no","data":{"code":1}}"#),
            SioPiece::ConnectError { data: false } => out.push_str(r#"{"message":"no"}"#),
            SioPiece::EventArgs { offset: true } => out.push_str(r#"["ev",1,"o1"]"#),
            SioPiece::EventArgs { offset: false } => out.push_str(r#"["ev",{"a":[1,2]}]"#),
            SioPiece::BinaryArgs(count) => {
                out.push_str(r#"["bin""#);
                for num in 0..count % 4 {
                    out.push_str(&format!(r#",{{"_placeholder":true,"num":{num}}}"#));
                }
                out.push(']');
            }
            SioPiece::AckArgs => out.push_str(r#"["ok"]"#),
            SioPiece::Text(text) => out.push_str(text),
        }
    }

    /// The pieces joined into one packet's text.
    pub fn join(pieces: &[SioPiece]) -> String {
        let mut text = String::new();
        for piece in pieces {
            piece.write(&mut text);
        }
        text
    }
}

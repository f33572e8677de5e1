//! The WebSocket side of the driver: the HTTP upgrade handshake, the stream
//! type (tokio-tungstenite over `HyperIoCompat<Upgraded>`), frame conversions,
//! and the farewell that writes a detached WebSocket's last frames within a
//! bounded time. The session task itself reads and writes the WebSocket.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use engineio_proto::server::ServerConfig;
use engineio_proto::{Frame, Str};
use futures_util::future::select;
use futures_util::{SinkExt, StreamExt};
use http::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{HeaderMap, StatusCode};
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use crate::io_compat::HyperIoCompat;

/// A server WebSocket on an upgraded hyper connection.
pub(crate) type WsStream = WebSocketStream<HyperIoCompat<hyper::upgrade::Upgraded>>;

/// Whether the request headers ask for a WebSocket upgrade.
pub(crate) fn is_upgrade_request(headers: &HeaderMap) -> bool {
    headers
        .get(UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// The `Sec-WebSocket-Accept` value for a valid version-13 upgrade request.
pub(crate) fn accept_key(headers: &HeaderMap) -> Option<HeaderValue> {
    let version_ok = headers.get(SEC_WEBSOCKET_VERSION).is_some_and(|version| version.as_bytes() == b"13");
    let key = headers.get(SEC_WEBSOCKET_KEY).filter(|_| version_ok)?;
    HeaderValue::from_str(&derive_accept_key(key.as_bytes())).ok()
}

/// The `101 Switching Protocols` answer completing the handshake.
pub(crate) fn switching_protocols<B: Default>(accept: HeaderValue) -> http::Response<B> {
    let mut response = http::Response::new(B::default());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    response
}

/// How much tungstenite reads from the socket at a time (its default, 128 KiB,
/// is allocated per connection and dominated the memory of idle ones).
const READ_BUFFER_SIZE: usize = 4 * 1024;

/// How much a WebSocket writer gathers before writing out; the buffer keeps
/// this capacity, so a large one costs memory on every busy connection.
const WRITE_BUFFER_SIZE: usize = 16 * 1024;

/// tungstenite's settings from the Engine.IO config: a message (or frame)
/// over `max_http_buffer_size` is refused, which the session answers with
/// 1009; small per-connection buffers.
pub(crate) fn config(config: &ServerConfig) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_message_size(Some(config.max_http_buffer_size))
        .max_frame_size(Some(config.max_http_buffer_size))
}

/// Makes the server end of a WebSocket on an upgraded connection.
pub(crate) async fn accept(upgraded: hyper::upgrade::Upgraded, server_config: &ServerConfig) -> WsStream {
    WebSocketStream::from_raw_socket(HyperIoCompat::new(upgraded), Role::Server, Some(config(server_config))).await
}

/// An Engine.IO frame as a WebSocket message.
pub(crate) fn to_ws_message(frame: Frame) -> WsMessage {
    match frame {
        Frame::Text(text) => {
            let text = match Utf8Bytes::try_from(text.as_bytes().clone()) {
                Ok(text) => text,
                // `Str` is valid UTF-8, so this branch only copies in theory.
                Err(_) => Utf8Bytes::from(text.as_str()),
            };
            WsMessage::Text(text)
        }
        Frame::Binary(bytes) => WsMessage::Binary(bytes),
    }
}

/// A data message as an Engine.IO frame; `None` for control messages.
pub(crate) fn to_frame(message: WsMessage) -> Option<Frame> {
    match message {
        WsMessage::Text(text) => Str::from_utf8(Bytes::from(text)).ok().map(Frame::Text),
        WsMessage::Binary(bytes) => Some(Frame::Binary(bytes)),
        WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Close(_) | WsMessage::Frame(_) => None,
    }
}

/// The close code for a frame that breaks the protocol (RFC 6455 §7.4.1).
const WS_CLOSE_PROTOCOL_ERROR: u16 = 1002;

/// The close code for a text message that is not UTF-8 (RFC 6455 §7.4.1).
const WS_CLOSE_INVALID_PAYLOAD: u16 = 1007;

/// The close code that fails a WebSocket after a read `error` (RFC 6455
/// §7.1.7), or `None` when the peer is gone (an I/O error, or the
/// connection closed without a Close frame) and nothing can be written.
pub(crate) fn failure_close_code(error: &WsError) -> Option<u16> {
    match error {
        WsError::Utf8(_) => Some(WS_CLOSE_INVALID_PAYLOAD),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        WsError::Protocol(_) => Some(WS_CLOSE_PROTOCOL_ERROR),
        _ => None,
    }
}

/// The size of the pong tungstenite queues for a ping carrying `payload`
/// bytes: a 2-byte header (server frames are unmasked; control payloads are
/// at most 125 bytes) and the payload echoed.
pub(crate) fn pong_frame_len(payload: usize) -> usize {
    2 + payload
}

/// How long a WebSocket may take, once its session let go of it (closed it,
/// or ended), to write its last frames and the close frame: enough for a
/// reading client; a client that stopped reading has its connection dropped
/// then, so it holds no task, socket or buffer.
pub(crate) const FAREWELL_LINGER: Duration = Duration::from_secs(5);

/// Writes the frames a session left queued, then the close frame (with
/// `code`, if any, or the answer to the peer's Close), waits for the peer's
/// Close (RFC 6455 §7.1.1: the server closes the TCP connection once the
/// handshake is done), and hangs up — or gives up when `linger` completes
/// first.
pub(crate) async fn farewell(
    mut websocket: WsStream,
    queued: VecDeque<WsMessage>,
    code: Option<u16>,
    linger: impl Future<Output = ()>,
) {
    let flush_and_close = async move {
        for message in queued {
            if websocket.feed(message).await.is_err() {
                return;
            }
        }
        // A pong tungstenite still owes goes out now: queued with the close
        // frame, it would follow it.
        if websocket.flush().await.is_err() {
            return;
        }
        let frame = code.map(|code| CloseFrame { code: CloseCode::from(code), reason: Utf8Bytes::default() });
        if websocket.close(frame).await.is_err() {
            return;
        }
        // What the peer sends before its Close is dropped unread.
        while let Some(Ok(message)) = websocket.next().await {
            if message.is_close() {
                break;
            }
        }
    };
    // When the linger wins, the connection is dropped with the stream.
    let _ = select(pin!(flush_and_close), pin!(linger)).await;
}

//! The Engine.IO client session machine, behaving like `engine.io-client` 6.x
//! (and 3.x for protocol v3).
//!
//! A [`ClientSession`] opens on the first configured transport (or on
//! WebSocket when an earlier session's WebSocket worked and
//! [`ClientConfig::remember_upgrade`] is set), performs the handshake, runs the
//! polling loop (one `GET` and at most one `POST` in flight), answers or sends
//! heartbeats, probes and upgrades to a WebSocket, and closes.
//!
//! The driver performs what [`ClientSession::poll_output`] returns and feeds
//! back what happened with the `handle_*` methods, passing the current
//! [`Instant`] each time; [`ClientSession::poll_timeout`] says when to call
//! [`ClientSession::handle_timeout`]. After [`ClientEvent::Closed`] the
//! session issues nothing more and ignores every input; the driver may drop
//! requests still in flight.
//!
//! ```
//! use bytes::Bytes;
//! use engineio_proto::client::{ClientConfig, ClientEvent, ClientOutput, ClientSession};
//! use engineio_proto::Instant;
//!
//! let mut session = ClientSession::new(ClientConfig::default(), false);
//! let Some(ClientOutput::HttpRequest { id, query, .. }) = session.poll_output() else { unreachable!() };
//! assert_eq!(query, "EIO=4&transport=polling");
//! let open = r#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
//! session.handle_http_response(Instant::ZERO, id, 200, false, Bytes::from_static(open.as_bytes()));
//! assert!(matches!(session.poll_output(), Some(ClientOutput::Event(ClientEvent::Open(_)))));
//! ```

mod config;
mod heartbeat;
mod output;
mod query;

pub use config::ClientConfig;
pub use output::{ClientCloseReason, ClientError, ClientEvent, ClientOutput, HttpMethod, RequestId, SocketId};
pub use query::push_uri_component;

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;

use crate::error::DecodeError;
use crate::packet::{Frame, Message, OpenPacket, Packet, ProtocolVersion, TransportKind};
use crate::payload::{self, PayloadFormat};
use crate::sid::Sid;
use crate::str::Str;
use crate::time::Instant;
use heartbeat::Heartbeat;

/// The lifecycle of a client session (`readyState` of `engine.io-client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientState {
    /// Waiting for the handshake.
    Opening,
    /// The handshake succeeded; messages flow.
    Open,
    /// [`ClientSession::close`] was called; buffered packets and an upgrade in
    /// progress are finished first. New messages are dropped.
    Closing,
    /// The session is over.
    Closed,
}

/// The transport carrying the session's traffic.
#[derive(Debug, Clone, Copy)]
enum Transport {
    Polling(Polling),
    WebSocket(WebSocket),
}

/// Requests in flight on the polling transport.
#[derive(Debug, Clone, Copy, Default)]
struct Polling {
    get: Option<RequestId>,
    post: Option<RequestId>,
}

/// A WebSocket the session uses.
#[derive(Debug, Clone, Copy)]
struct WebSocket {
    id: SocketId,
    /// The message size limit it was opened with.
    message_limit: u64,
    /// The driver reported the connection open.
    connected: bool,
    /// The driver reported the connection failed or closed.
    gone: bool,
}

/// A WebSocket being tested while the session polls (`probe()` of `engine.io-client`).
#[derive(Debug, Clone, Copy)]
struct Probe {
    socket: SocketId,
    /// The message size limit it was opened with.
    message_limit: u64,
    stage: ProbeStage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeStage {
    /// Waiting for the driver to report the WebSocket open.
    Connecting,
    /// `2probe` sent, waiting for `3probe`.
    AwaitingPong,
    /// `3probe` received: no new polling requests; the switch happens once the
    /// requests in flight complete.
    Pausing,
}

/// A sans-IO Engine.IO client session. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct ClientSession {
    config: ClientConfig,
    state: ClientState,
    transport: Transport,
    probe: Option<Probe>,
    sid: Option<Sid>,
    max_payload: Option<u64>,
    heartbeat: Heartbeat,
    /// Packets waiting to be written (`writeBuffer`); packets of a `POST` in
    /// flight have already left it.
    write_buffer: Vec<Packet>,
    /// The bytes of the packets in `write_buffer`.
    buffered_bytes: usize,
    /// The sizes of the frames handed to the driver for the session's
    /// WebSocket and not yet reported written, oldest first.
    unwritten: VecDeque<usize>,
    /// Their sum.
    unwritten_bytes: usize,
    outputs: VecDeque<ClientOutput>,
    next_id: u64,
    websocket_succeeded: bool,
}

const HTTP_OK: u16 = 200;

/// How long the `POST` of the close packet may take when
/// [`ClientConfig::request_timeout`] sets no limit: nothing waits for its
/// answer, so a server that never answers must not keep its connection.
const CLOSE_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

impl ClientSession {
    /// Starts a session: the first output opens the first transport.
    ///
    /// `prior_websocket_success` is what [`ClientSession::websocket_succeeded`]
    /// returned for the driver's previous session; with
    /// [`ClientConfig::remember_upgrade`] it makes the session open directly on
    /// WebSocket. Nothing is timed before the handshake, so no `now` is needed.
    pub fn new(config: ClientConfig, prior_websocket_success: bool) -> ClientSession {
        let protocol = config.protocol;
        let first = if config.remember_upgrade && prior_websocket_success && config.allows(TransportKind::WebSocket) {
            Some(TransportKind::WebSocket)
        } else {
            config.transports.first().copied()
        };
        let mut session = ClientSession {
            config,
            state: ClientState::Opening,
            transport: Transport::Polling(Polling::default()),
            probe: None,
            sid: None,
            max_payload: None,
            heartbeat: Heartbeat::idle(protocol),
            write_buffer: Vec::new(),
            buffered_bytes: 0,
            unwritten: VecDeque::new(),
            unwritten_bytes: 0,
            outputs: VecDeque::new(),
            next_id: 0,
            websocket_succeeded: false,
        };
        match first {
            Some(TransportKind::Polling) => session.issue_get(),
            Some(TransportKind::WebSocket) => {
                let id = session.allocate_socket();
                let message_limit = session.received_payload_limit();
                session.transport =
                    Transport::WebSocket(WebSocket { id, message_limit, connected: false, gone: false });
                let query = query::websocket(protocol, None, session.config.force_base64);
                let max_message_bytes = message_limit;
                session.outputs.push_back(ClientOutput::OpenWebSocket { id, query, max_message_bytes });
            }
            None => session.close_session(ClientCloseReason::TransportError, Some(ClientError::NoTransports)),
        }
        session
    }

    /// The next thing for the driver to do, `None` when there is nothing left.
    pub fn poll_output(&mut self) -> Option<ClientOutput> {
        self.outputs.pop_front()
    }

    /// When [`ClientSession::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            ClientState::Open | ClientState::Closing => self.heartbeat.next_deadline(),
            ClientState::Opening | ClientState::Closed => None,
        }
    }

    /// Runs the heartbeat timers; calls before a deadline are no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.is_open_or_closing() {
            return;
        }
        if self.heartbeat.expired(now) {
            self.close_session(ClientCloseReason::PingTimeout, None);
            return;
        }
        if self.heartbeat.take_due_ping(now) {
            self.send_packet(Packet::Ping);
        }
    }

    /// The outcome of a request from [`ClientOutput::HttpRequest`]: its status,
    /// whether its `Content-Type` was `application/octet-stream`, and its body.
    /// Unknown ids are ignored.
    pub fn handle_http_response(
        &mut self,
        now: Instant,
        request: RequestId,
        status: u16,
        binary_content_type: bool,
        body: Bytes,
    ) {
        if self.state == ClientState::Closed {
            return;
        }
        let Transport::Polling(polling) = self.transport else {
            return;
        };
        if polling.get == Some(request) {
            self.set_polling(Polling { get: None, ..polling });
            if status == HTTP_OK {
                self.on_poll_body(now, binary_content_type, body);
            } else {
                let error = ClientError::HttpStatus { method: HttpMethod::Get, status };
                self.close_session(ClientCloseReason::TransportError, Some(error));
            }
        } else if polling.post == Some(request) {
            self.set_polling(Polling { post: None, ..polling });
            if status == HTTP_OK {
                self.on_post_done();
            } else {
                let error = ClientError::HttpStatus { method: HttpMethod::Post, status };
                self.close_session(ClientCloseReason::TransportError, Some(error));
            }
        }
        self.close_if_drained();
    }

    /// A request from [`ClientOutput::HttpRequest`] failed without an HTTP
    /// answer; `cause` (the driver's error) ends up in the session's
    /// [`ClientError::HttpFailed`]. Unknown ids are ignored.
    pub fn handle_http_failed(&mut self, _now: Instant, request: RequestId, cause: &str) {
        if self.state == ClientState::Closed {
            return;
        }
        let Transport::Polling(polling) = self.transport else {
            return;
        };
        let method = if polling.get == Some(request) {
            self.set_polling(Polling { get: None, ..polling });
            HttpMethod::Get
        } else if polling.post == Some(request) {
            self.set_polling(Polling { post: None, ..polling });
            HttpMethod::Post
        } else {
            return;
        };
        self.close_session(
            ClientCloseReason::TransportError,
            Some(ClientError::HttpFailed { method, cause: String::from(cause) }),
        );
    }

    /// A WebSocket from [`ClientOutput::OpenWebSocket`] connected.
    pub fn handle_websocket_opened(&mut self, _now: Instant, socket: SocketId) {
        if self.state == ClientState::Closed {
            return;
        }
        if let Some(probe) = self.probe.as_mut().filter(|probe| probe.socket == socket) {
            if probe.stage == ProbeStage::Connecting {
                probe.stage = ProbeStage::AwaitingPong;
                let frame = self.frame_of(Packet::PingProbe);
                self.outputs.push_back(ClientOutput::Transmit { socket, frame });
            }
        } else if let Transport::WebSocket(websocket) = &mut self.transport {
            if websocket.id == socket {
                websocket.connected = true;
            }
        }
    }

    /// A WebSocket from [`ClientOutput::OpenWebSocket`] could not connect, or
    /// closed. On the session's own WebSocket this closes the session: with
    /// [`ClientCloseReason::TransportError`] if it never connected,
    /// [`ClientCloseReason::TransportClose`] otherwise. A failed probe only
    /// abandons the upgrade. `cause` (the driver's error) ends up in the
    /// session's [`ClientError::WebSocketFailed`].
    pub fn handle_websocket_failed(&mut self, _now: Instant, socket: SocketId, cause: &str) {
        self.websocket_lost(socket, |websocket| match websocket.connected {
            true => (ClientCloseReason::TransportClose, None),
            false => {
                (ClientCloseReason::TransportError, Some(ClientError::WebSocketFailed { cause: String::from(cause) }))
            }
        });
    }

    /// The WebSocket `socket` is gone: a probe only abandons the upgrade; the
    /// session's own WebSocket closes the session for the reason `why` gives.
    fn websocket_lost(
        &mut self,
        socket: SocketId,
        why: impl FnOnce(&WebSocket) -> (ClientCloseReason, Option<ClientError>),
    ) {
        if self.state == ClientState::Closed {
            return;
        }
        if self.probe.is_some_and(|probe| probe.socket == socket) {
            self.fail_probe(false);
        } else if let Transport::WebSocket(websocket) = &mut self.transport {
            if websocket.id == socket {
                websocket.gone = true;
                let (reason, error) = why(websocket);
                self.close_session(reason, error);
            }
        }
        self.close_if_drained();
    }

    /// A frame arrived on a WebSocket from [`ClientOutput::OpenWebSocket`].
    pub fn handle_frame(&mut self, now: Instant, socket: SocketId, frame: Frame) {
        if self.state == ClientState::Closed {
            return;
        }
        if self.probe.is_some_and(|probe| probe.socket == socket) {
            self.on_probe_frame(frame);
        } else if matches!(self.transport, Transport::WebSocket(websocket) if websocket.id == socket) {
            let decoded = self.decode_frame(frame);
            if self.state == ClientState::Opening {
                self.on_handshake_packet(now, decoded);
            } else {
                match decoded {
                    Ok(packet) => self.on_packet(now, packet),
                    Err(error) => self.close_session(ClientCloseReason::ParseError, Some(error.into())),
                }
            }
        }
        self.close_if_drained();
    }

    /// The driver wrote `count` more frames of [`ClientOutput::Transmit`] to
    /// `socket` (handed them to the connection); frames count against
    /// [`ClientConfig::max_unwritten_frames`] and
    /// [`ClientConfig::max_unwritten_bytes`] until then.
    pub fn handle_frames_written(&mut self, _now: Instant, socket: SocketId, count: usize) {
        if !matches!(self.transport, Transport::WebSocket(websocket) if websocket.id == socket) {
            return;
        }
        for _ in 0..count {
            let Some(size) = self.unwritten.pop_front() else {
                break;
            };
            self.unwritten_bytes = self.unwritten_bytes.saturating_sub(size);
        }
    }

    /// A WebSocket from [`ClientOutput::OpenWebSocket`] received a message
    /// larger than its `max_message_bytes`, and the driver closed it. On the
    /// session's own WebSocket this closes the session with
    /// [`ClientCloseReason::TransportError`] and
    /// [`ClientError::MessageTooLarge`]; a probe only abandons the upgrade.
    pub fn handle_message_too_large(&mut self, _now: Instant, socket: SocketId) {
        self.websocket_lost(socket, |websocket| {
            let limit = websocket.message_limit;
            (ClientCloseReason::TransportError, Some(ClientError::MessageTooLarge { limit }))
        });
    }

    /// Queues a message; it leaves as soon as the transport is writable.
    /// Dropped once the session is closing or closed, as the reference does.
    pub fn send(&mut self, message: Message) {
        self.send_packet(Packet::Message(message));
    }

    /// Closes the session ("forced close"). An open session first writes the
    /// messages already queued and lets an upgrade in progress finish, then
    /// tells the server (a `POST` of `1` on polling; closing the WebSocket
    /// otherwise) and emits [`ClientEvent::Closed`].
    pub fn close(&mut self) {
        match self.state {
            ClientState::Opening => self.close_session(ClientCloseReason::ForcedClose, None),
            ClientState::Open => {
                self.state = ClientState::Closing;
                self.close_if_drained();
            }
            ClientState::Closing | ClientState::Closed => {}
        }
    }

    /// How many packets wait to be written (sent while no transport could
    /// take them, or beyond the server's `maxPayload`); none once closed.
    pub fn buffered_packets(&self) -> usize {
        self.write_buffer.len()
    }

    /// The session's lifecycle state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// The session id, once the handshake succeeded (kept after close).
    pub fn sid(&self) -> Option<&Sid> {
        self.sid.as_ref()
    }

    /// The transport carrying the session's traffic now.
    pub fn transport(&self) -> TransportKind {
        match self.transport {
            Transport::Polling(_) => TransportKind::Polling,
            Transport::WebSocket(_) => TransportKind::WebSocket,
        }
    }

    /// Whether this session's WebSocket worked (it opened on WebSocket or a
    /// probe succeeded) and no transport error happened since
    /// (`priorWebsocketSuccess` of `engine.io-client`). A driver remembers it
    /// and passes it to the next session's [`ClientSession::new`].
    pub fn websocket_succeeded(&self) -> bool {
        self.websocket_succeeded
    }

    /// The most bytes of one polling body or WebSocket message to read.
    fn received_payload_limit(&self) -> u64 {
        self.config.max_received_payload
    }

    fn is_open_or_closing(&self) -> bool {
        matches!(self.state, ClientState::Open | ClientState::Closing)
    }

    fn upgrading(&self) -> bool {
        self.probe.is_some_and(|probe| probe.stage == ProbeStage::Pausing)
    }

    fn allocate_request(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    fn allocate_socket(&mut self) -> SocketId {
        self.next_id += 1;
        SocketId(self.next_id)
    }

    fn set_polling(&mut self, polling: Polling) {
        if let Transport::Polling(current) = &mut self.transport {
            *current = polling;
        }
    }

    /// Starts a long poll (the handshake when there is no sid yet).
    fn issue_get(&mut self) {
        let Transport::Polling(polling) = self.transport else {
            return;
        };
        if polling.get.is_some() {
            return;
        }
        let id = self.allocate_request();
        self.set_polling(Polling { get: Some(id), ..polling });
        let query = query::polling(self.config.protocol, self.sid.as_ref(), self.config.force_base64);
        self.outputs.push_back(ClientOutput::HttpRequest {
            id,
            method: HttpMethod::Get,
            query,
            body: None,
            content_type: None,
            max_response_bytes: self.received_payload_limit(),
            timeout: self.config.request_timeout,
        });
    }

    /// Sends `packets` in one `POST`; the caller checked none is in flight.
    fn issue_post(&mut self, packets: &[Packet]) {
        self.issue_post_within(packets, self.config.request_timeout);
    }

    /// [`ClientSession::issue_post`], given up after `timeout`.
    fn issue_post_within(&mut self, packets: &[Packet], timeout: Option<Duration>) {
        let Transport::Polling(polling) = self.transport else {
            return;
        };
        let format = PayloadFormat::for_sending(self.config.protocol, !self.config.force_base64, packets);
        let id = self.allocate_request();
        self.set_polling(Polling { post: Some(id), ..polling });
        let query = query::polling(self.config.protocol, self.sid.as_ref(), self.config.force_base64);
        self.outputs.push_back(ClientOutput::HttpRequest {
            id,
            method: HttpMethod::Post,
            query,
            body: Some(payload::encode(format, packets)),
            content_type: Some(format.content_type()),
            // `ok`, or a short error.
            max_response_bytes: self.received_payload_limit(),
            timeout,
        });
    }

    /// Queues a packet and flushes (`_sendPacket`).
    fn send_packet(&mut self, packet: Packet) {
        if matches!(self.state, ClientState::Closing | ClientState::Closed) {
            return;
        }
        self.buffered_bytes = self.buffered_bytes.saturating_add(packet.text_len(self.config.protocol));
        self.write_buffer.push(packet);
        self.flush();
        self.enforce_send_bound();
    }

    /// Closes the session when the server does not read what the client
    /// owes it: more than the configured frames or bytes wait to be written.
    fn enforce_send_bound(&mut self) {
        if self.state == ClientState::Closed {
            return;
        }
        let frames = self.write_buffer.len() + self.unwritten.len();
        let bytes = self.unwritten_bytes.saturating_add(self.buffered_bytes);
        if frames <= self.config.max_unwritten_frames && bytes <= self.config.max_unwritten_bytes {
            return;
        }
        self.close_session(ClientCloseReason::TransportError, Some(ClientError::SendBufferFull { frames, bytes }));
    }

    /// Hands `frame` to the driver for the session's WebSocket, counting it
    /// as unwritten until reported written.
    fn transmit(&mut self, socket: SocketId, frame: Frame) {
        let size = match &frame {
            Frame::Text(text) => text.len(),
            Frame::Binary(bytes) => bytes.len(),
        };
        self.unwritten.push_back(size);
        self.unwritten_bytes = self.unwritten_bytes.saturating_add(size);
        self.outputs.push_back(ClientOutput::Transmit { socket, frame });
    }

    /// Writes buffered packets if the transport is writable (`flush`).
    fn flush(&mut self) {
        if !self.is_open_or_closing() || self.upgrading() || self.write_buffer.is_empty() {
            return;
        }
        match self.transport {
            Transport::Polling(polling) if polling.post.is_none() => {
                let count = self.writable_packet_count();
                let batch: Vec<Packet> = self.write_buffer.drain(..count).collect();
                let protocol = self.config.protocol;
                let sent: usize = batch.iter().map(|packet| packet.text_len(protocol)).sum();
                self.buffered_bytes = self.buffered_bytes.saturating_sub(sent);
                self.issue_post(&batch);
            }
            Transport::WebSocket(websocket) if websocket.connected && !websocket.gone => {
                let packets = core::mem::take(&mut self.write_buffer);
                self.buffered_bytes = 0;
                for packet in packets {
                    let frame = self.frame_of(packet);
                    self.transmit(websocket.id, frame);
                }
            }
            Transport::Polling(_) | Transport::WebSocket(_) => {}
        }
    }

    /// How many buffered packets fit in one `POST` under the server's
    /// `maxPayload` (`_getWritablePackets`, with the exact encoded size).
    fn writable_packet_count(&self) -> usize {
        let Some(max_payload) = self.max_payload.filter(|&max| max > 0) else {
            return self.write_buffer.len();
        };
        let format = PayloadFormat::for_sending(self.config.protocol, !self.config.force_base64, &self.write_buffer);
        payload::fitting_prefix(format, &self.write_buffer, usize::try_from(max_payload).unwrap_or(usize::MAX))
    }

    /// The frame carrying `packet`; binary goes as base64 text when the
    /// session asked for `b64=1`.
    fn frame_of(&self, packet: Packet) -> Frame {
        let protocol = self.config.protocol;
        match packet {
            Packet::Message(Message::Binary(_)) if self.config.force_base64 => {
                let mut text = Vec::with_capacity(packet.text_len(protocol));
                packet.write_text(protocol, &mut text);
                // Base64 text is ASCII.
                match Str::from_utf8(Bytes::from(text)) {
                    Ok(text) => Frame::Text(text),
                    Err(_) => packet.into_frame(protocol),
                }
            }
            packet => packet.into_frame(protocol),
        }
    }

    /// Decodes a frame, accepting base64 binary text frames (`b…`) as the
    /// reference parser does.
    fn decode_frame(&self, frame: Frame) -> Result<Packet, DecodeError> {
        match frame {
            Frame::Text(text) if text.as_bytes().first() == Some(&b'b') => {
                Packet::decode_base64_record(self.config.protocol, &text.as_bytes()[1..], 0)
            }
            frame => Packet::decode_frame(self.config.protocol, frame),
        }
    }

    /// Handles the body of a long poll (or of the handshake).
    fn on_poll_body(&mut self, now: Instant, binary_content_type: bool, body: Bytes) {
        let format = PayloadFormat::for_received(self.config.protocol, binary_content_type);
        let mut packets = payload::decode(format, body);
        if self.state == ClientState::Opening {
            let first = packets.next().unwrap_or(Err(DecodeError::EmptyPacket { offset: 0 }));
            self.on_handshake_packet(now, first);
        }
        for decoded in packets {
            if self.state == ClientState::Closed {
                return;
            }
            match decoded {
                Ok(packet) => self.on_packet(now, packet),
                Err(error) => {
                    self.close_session(ClientCloseReason::ParseError, Some(error.into()));
                    return;
                }
            }
        }
        if self.state == ClientState::Closed {
            return;
        }
        if self.upgrading() {
            self.try_complete_upgrade();
        } else {
            self.issue_get();
        }
    }

    /// A `POST` was accepted (`drain`).
    fn on_post_done(&mut self) {
        self.flush();
        self.try_complete_upgrade();
    }

    /// The first packet of the session's first transport must be `open`.
    fn on_handshake_packet(&mut self, now: Instant, decoded: Result<Packet, DecodeError>) {
        match decoded {
            Ok(Packet::Open(open)) => self.on_handshake(now, open),
            Ok(other) => {
                let error = ClientError::UnexpectedHandshakePacket { packet_type: other.packet_type() };
                self.close_session(ClientCloseReason::TransportError, Some(error));
            }
            Err(error) => self.close_session(ClientCloseReason::TransportError, Some(error.into())),
        }
    }

    /// `onHandshake` + `onOpen`: open, flush, probe, then start the heartbeat.
    fn on_handshake(&mut self, now: Instant, open: OpenPacket) {
        self.sid = Some(open.sid.clone());
        self.max_payload = open.max_payload;
        self.state = ClientState::Open;
        let (ping_interval, ping_timeout) = (open.ping_interval, open.ping_timeout);
        let offers_websocket = open.upgrades.contains(&TransportKind::WebSocket);
        self.websocket_succeeded = matches!(self.transport, Transport::WebSocket(_));
        self.outputs.push_back(ClientOutput::Event(ClientEvent::Open(open)));
        self.flush();
        let polling = matches!(self.transport, Transport::Polling(_));
        if polling && offers_websocket && self.config.upgrade && self.config.allows(TransportKind::WebSocket) {
            self.start_probe();
        }
        self.heartbeat.start(now, ping_interval, ping_timeout);
    }

    /// A packet of the open session, from the current transport.
    fn on_packet(&mut self, now: Instant, packet: Packet) {
        self.heartbeat.on_packet(now, &packet);
        match packet {
            Packet::Ping if self.config.protocol == ProtocolVersion::V4 => self.send_packet(Packet::Pong),
            Packet::Message(message) => self.outputs.push_back(ClientOutput::Event(ClientEvent::Message(message))),
            Packet::Close => self.close_session(ClientCloseReason::TransportClose, None),
            // The reference runs a second handshake (a new sid, timers and
            // probes, an `open` no manager listens to any more) and fails
            // later, if ever, on a request with the new sid; the session
            // ends at once with the reason instead.
            Packet::Open(open) => {
                let error = ClientError::UnexpectedOpen { sid: String::from(open.sid.as_str()) };
                self.close_session(ClientCloseReason::ParseError, Some(error));
            }
            // v3 pings, v4 pongs, probes outside a probe,
            // upgrade packets and noops carry nothing for the client.
            _ => {}
        }
    }

    /// Opens a WebSocket to test while polling continues.
    fn start_probe(&mut self) {
        self.websocket_succeeded = false;
        let socket = self.allocate_socket();
        let message_limit = self.received_payload_limit();
        self.probe = Some(Probe { socket, message_limit, stage: ProbeStage::Connecting });
        let query = query::websocket(self.config.protocol, self.sid.as_ref(), self.config.force_base64);
        self.outputs.push_back(ClientOutput::OpenWebSocket { id: socket, query, max_message_bytes: message_limit });
    }

    /// The probe's first frame must be `3probe`; later frames before the
    /// switch are ignored (the server sends nothing there before `5`).
    fn on_probe_frame(&mut self, frame: Frame) {
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        if probe.stage != ProbeStage::AwaitingPong {
            return;
        }
        let decoded = self.decode_frame(frame);
        if decoded == Ok(Packet::PongProbe) {
            if let Some(probe) = self.probe.as_mut() {
                probe.stage = ProbeStage::Pausing;
            }
            self.websocket_succeeded = true;
            self.outputs.push_back(ClientOutput::Event(ClientEvent::Upgrading));
            self.try_complete_upgrade();
        } else {
            self.fail_probe(true);
        }
    }

    /// Switches to the probed WebSocket once polling is paused: no long poll
    /// and no `POST` in flight.
    fn try_complete_upgrade(&mut self) {
        let Some(Probe { socket, message_limit, stage: ProbeStage::Pausing }) = self.probe else {
            return;
        };
        let Transport::Polling(polling) = self.transport else {
            return;
        };
        if polling.get.is_some() || polling.post.is_some() || !self.is_open_or_closing() {
            return;
        }
        self.probe = None;
        self.transport = Transport::WebSocket(WebSocket { id: socket, message_limit, connected: true, gone: false });
        let frame = self.frame_of(Packet::Upgrade);
        self.transmit(socket, frame);
        self.outputs.push_back(ClientOutput::Event(ClientEvent::Upgraded));
        self.flush();
    }

    /// Abandons the probe and resumes polling if it was paused.
    fn fail_probe(&mut self, socket_alive: bool) {
        let Some(probe) = self.probe.take() else {
            return;
        };
        if socket_alive {
            self.outputs.push_back(ClientOutput::CloseWebSocket { socket: probe.socket });
        }
        self.websocket_succeeded = false;
        self.outputs.push_back(ClientOutput::Event(ClientEvent::UpgradeFailed));
        if probe.stage == ProbeStage::Pausing && self.is_open_or_closing() {
            self.issue_get();
            self.flush();
        }
    }

    /// A closing session closes once its writes are done and no upgrade is
    /// in progress.
    fn close_if_drained(&mut self) {
        let post_in_flight = matches!(self.transport, Transport::Polling(Polling { post: Some(_), .. }));
        if self.state == ClientState::Closing && self.write_buffer.is_empty() && !post_in_flight && !self.upgrading() {
            self.close_session(ClientCloseReason::ForcedClose, None);
        }
    }

    /// `_onClose`: releases the transports (telling the server on polling,
    /// unless it closed the session itself), then emits the close event last.
    fn close_session(&mut self, reason: ClientCloseReason, error: Option<ClientError>) {
        if self.state == ClientState::Closed {
            return;
        }
        let handshake_done = self.state != ClientState::Opening;
        self.state = ClientState::Closed;
        self.heartbeat.stop();
        self.write_buffer.clear();
        self.buffered_bytes = 0;
        self.unwritten.clear();
        self.unwritten_bytes = 0;
        if let Some(error) = error {
            self.websocket_succeeded = false;
            self.outputs.push_back(ClientOutput::Event(ClientEvent::Error(error)));
        }
        if let Some(probe) = self.probe.take() {
            self.outputs.push_back(ClientOutput::CloseWebSocket { socket: probe.socket });
        }
        match self.transport {
            Transport::Polling(polling) => {
                // The requests in flight are given up: their connections close.
                for id in [polling.get, polling.post].into_iter().flatten() {
                    self.outputs.push_back(ClientOutput::CancelRequest { id });
                }
                self.set_polling(Polling::default());
                // One POST at a time: when one was in flight the server learns of
                // the close from the session expiring instead.
                if handshake_done && reason != ClientCloseReason::TransportClose && polling.post.is_none() {
                    let timeout = self.config.request_timeout.unwrap_or(CLOSE_REQUEST_TIMEOUT);
                    self.issue_post_within(&[Packet::Close], Some(timeout));
                }
            }
            Transport::WebSocket(websocket) => {
                if !websocket.gone {
                    self.outputs.push_back(ClientOutput::CloseWebSocket { socket: websocket.id });
                }
            }
        }
        self.outputs.push_back(ClientOutput::Event(ClientEvent::Closed(reason)));
    }
}

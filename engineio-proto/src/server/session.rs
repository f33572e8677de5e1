//! [`Session`]: the server side of one Engine.IO connection, as a machine.
//!
//! The driver owns the sockets and the session index; it feeds the session
//! what arrived ([`Session::handle_poll`], [`Session::handle_post`],
//! [`Session::handle_frame`], …) and the time, and drains
//! [`Session::poll_output`] for HTTP answers, WebSocket frames and events.
//! The behaviour follows the reference `engine.io` (socket.js, transports/).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::time::Duration;

use super::config::ServerConfig;
use super::request::Handshake;
use super::response::{ErrorResponse, Response};
use crate::packet::{Frame, Message, OpenPacket, Packet, ProtocolVersion, TransportKind};
use crate::payload::{self, PayloadFormat};
use crate::sid::Sid;
use crate::time::{earliest, Instant};

/// WebSocket close code for an orderly close.
pub const WS_CLOSE_NORMAL: u16 = 1000;
/// WebSocket close code for a message over the size limit.
pub const WS_CLOSE_TOO_BIG: u16 = 1009;
/// How long a polling session closed with [`CloseReason::ForcedClose`] waits
/// for a GET to deliver its last packets and the close packet (the reference
/// polling `closeTimeout`).
pub const POLLING_CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

/// The driver's name for one HTTP request, so an answer finds its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// The body of a polling POST, as the driver read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostBody {
    /// The whole body, at most `max_http_buffer_size` bytes.
    Complete {
        /// The bytes.
        body: Bytes,
        /// Whether the request said `Content-Type: application/octet-stream`.
        binary_content_type: bool,
    },
    /// The body exceeded `max_http_buffer_size`; the driver stopped reading.
    TooLarge,
}

/// Why a session ended; [`CloseReason::as_str`] gives the reference strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The client closed: a `1` packet, or its WebSocket went away.
    TransportClose,
    /// The transport failed or the client broke the protocol (overlapping
    /// GET, aborted GET, wrong heartbeat direction, oversized message).
    TransportError,
    /// No heartbeat answer in time.
    PingTimeout,
    /// The client sent bytes that are no Engine.IO packet.
    ParseError,
    /// The application closed the session ([`Session::close`]).
    ForcedClose,
    /// The server is shutting down ([`Session::close`]).
    ServerShuttingDown,
    /// The client does not take what the server writes: a frame (a
    /// heartbeat, a pong to the client's WebSocket ping, …) would have
    /// pushed the send buffer past `max_buffered_packets` or
    /// `max_buffered_bytes`.
    SendBufferFull,
}

impl CloseReason {
    /// The reason as the reference server names it.
    pub const fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShuttingDown => "server shutting down",
            CloseReason::SendBufferFull => "send buffer full",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to a session, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The client sent a message.
    Message(Message),
    /// The client probed its WebSocket (`2probe`); the upgrade is under way.
    Upgrading,
    /// The session moved to its WebSocket.
    Upgraded,
    /// The session ended; emitted once, as the last event (later requests
    /// only get error answers).
    Closed(CloseReason),
}

/// One thing for the driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Answer the GET `request` (a parked poll, or one answered at once).
    Respond {
        /// The request to answer.
        request: RequestId,
        /// The answer.
        response: Response,
    },
    /// Send a frame on the session's WebSocket (the probing one during an
    /// upgrade, the main one after).
    Transmit(Frame),
    /// Close the session's WebSocket with this close code.
    CloseWebSocket {
        /// [`WS_CLOSE_NORMAL`] or [`WS_CLOSE_TOO_BIG`].
        code: u16,
    },
    /// Tell the application.
    Event(Event),
}

/// What the driver does with a WebSocket that asked to join a session
/// ([`Session::handle_websocket_upgrade`]), once its handshake is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpgradeVerdict {
    /// The WebSocket probes the upgrade: feed its frames to
    /// [`Session::handle_frame`] (its end to
    /// [`Session::handle_websocket_closed`]).
    Probe,
    /// Close the new WebSocket at once, with this close code (`None`: a
    /// Close frame without a status code, as the reference's
    /// `websocket.close()` sends; the peer reads 1005). The session goes on
    /// on its own transport and never hears of this WebSocket.
    Close {
        /// The close code, if any.
        code: Option<u16>,
    },
}

/// Why [`Session::send`] refused a message; the message comes back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The session is closed or closing.
    #[error("the session is closed")]
    Closed(Message),
    /// The send buffer holds `max_buffered_packets` messages, or this one
    /// would take it past `max_buffered_bytes`: they wait for the client's
    /// next GET on polling, to be written to its WebSocket otherwise (a
    /// client that does not read).
    #[error("the outgoing buffer is full: the client is not taking what is sent")]
    BufferFull(Message),
}

impl SendError {
    /// The refused message.
    pub fn into_message(self) -> Message {
        match self {
            SendError::Closed(message) | SendError::BufferFull(message) => message,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Open,
    /// A forced close on polling waits for a GET to carry the close packet.
    Closing {
        deadline: Instant,
    },
    Closed,
}

/// A WebSocket attached to a polling session, not yet the session's transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Probe {
    probed: bool,
    deadline: Instant,
}

/// What the transport hears when the session shuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Farewell {
    /// A parked GET gets `1`; the WebSocket is closed normally.
    ClosePacket,
    /// A parked GET gets `6` (the client itself closed over polling).
    Noop,
    /// The WebSocket is already gone; no close of it.
    WebSocketGone,
}

/// The server side of one Engine.IO connection. See the [module docs](crate::server).
#[derive(Debug, Clone)]
pub struct Session {
    config: ServerConfig,
    sid: Sid,
    protocol: ProtocolVersion,
    supports_binary: bool,
    transport: TransportKind,
    lifecycle: Lifecycle,
    /// Packets for the polling transport, waiting for a GET.
    queue: VecDeque<Packet>,
    /// For each packet of `queue`: whether it may be sent compressed.
    queue_compress: VecDeque<bool>,
    queued_messages: usize,
    /// The bytes of the messages of `queue`.
    queued_bytes: usize,
    /// The size of each frame handed to the driver for the WebSocket and not
    /// yet reported written ([`Session::handle_frames_written`]), oldest first.
    unwritten: VecDeque<usize>,
    /// The sum of `unwritten`.
    unwritten_bytes: usize,
    /// Control frames the WebSocket layer queued itself (pongs) since its
    /// last completed flush ([`Session::handle_control_frame_queued`]).
    unflushed_control_frames: usize,
    /// Their bytes.
    unflushed_control_bytes: usize,
    parked: Option<RequestId>,
    probe: Option<Probe>,
    /// v4: when the next ping goes out.
    next_ping: Option<Instant>,
    /// v4: when an unanswered ping times out; v3: when a silent client does.
    ping_deadline: Option<Instant>,
    outputs: VecDeque<Output>,
}

impl Session {
    /// A session for an accepted `handshake`, with the id the driver chose.
    ///
    /// The open packet is queued: a polling session answers it to the
    /// handshake GET (pass that GET to [`Session::handle_poll`]); a WebSocket
    /// session transmits it at once.
    pub fn new(config: &ServerConfig, handshake: &Handshake, sid: Sid, now: Instant) -> Session {
        let mut session = Session {
            config: *config,
            sid: sid.clone(),
            protocol: handshake.protocol,
            supports_binary: handshake.supports_binary,
            transport: handshake.transport,
            lifecycle: Lifecycle::Open,
            queue: VecDeque::new(),
            queue_compress: VecDeque::new(),
            queued_messages: 0,
            queued_bytes: 0,
            unwritten: VecDeque::new(),
            unwritten_bytes: 0,
            unflushed_control_frames: 0,
            unflushed_control_bytes: 0,
            parked: None,
            probe: None,
            next_ping: None,
            ping_deadline: None,
            outputs: VecDeque::new(),
        };
        let open = OpenPacket {
            sid,
            upgrades: config.upgrades_from(handshake.transport).to_vec(),
            ping_interval: config.ping_interval,
            ping_timeout: config.ping_timeout,
            max_payload: match handshake.protocol {
                ProtocolVersion::V4 => Some(u64::try_from(config.max_http_buffer_size).unwrap_or(u64::MAX)),
                ProtocolVersion::V3 => None,
            },
        };
        session.write(Packet::Open(open));
        match handshake.protocol {
            ProtocolVersion::V4 => session.next_ping = Some(now + config.ping_interval),
            ProtocolVersion::V3 => session.ping_deadline = Some(now + session.v3_silence_limit()),
        }
        session
    }

    /// The session id.
    pub fn sid(&self) -> &Sid {
        &self.sid
    }

    /// The protocol revision the client speaks.
    pub fn protocol(&self) -> ProtocolVersion {
        self.protocol
    }

    /// The transport the session currently uses (polling until an upgrade completes).
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// Whether a WebSocket is attached for an upgrade that has not completed.
    pub fn is_upgrading(&self) -> bool {
        self.probe.is_some()
    }

    /// Whether the session has ended ([`Event::Closed`] was emitted). The
    /// driver drains the outputs, then forgets the session.
    pub fn is_closed(&self) -> bool {
        self.lifecycle == Lifecycle::Closed
    }

    /// Application messages waiting for a polling GET.
    pub fn buffered_messages(&self) -> usize {
        self.queued_messages
    }

    /// All packets waiting for a polling GET (messages and control packets).
    pub fn buffered_packets(&self) -> usize {
        self.queue.len()
    }

    /// Frames transmitted on the WebSocket that the driver has not yet
    /// reported written (see [`Session::handle_frames_written`]).
    pub fn unwritten_frames(&self) -> usize {
        self.unwritten.len()
    }

    /// The bytes of the send buffer that [`Session::has_room_for`] checks:
    /// on polling the messages waiting for a GET (also while a WebSocket
    /// probes the upgrade), on WebSocket the frames not yet written, control
    /// frames (pongs) not yet flushed included.
    pub fn buffered_bytes(&self) -> usize {
        match self.transport {
            TransportKind::Polling => self.queued_bytes,
            TransportKind::WebSocket => self.websocket_backlog().1,
        }
    }

    /// The WebSocket's send buffer: frames and bytes, control frames included.
    fn websocket_backlog(&self) -> (usize, usize) {
        (
            self.unwritten.len().saturating_add(self.unflushed_control_frames),
            self.unwritten_bytes.saturating_add(self.unflushed_control_bytes),
        )
    }

    /// Whether a send buffer holding `held` (frames or messages, bytes) takes
    /// `more` besides: within `max_buffered_packets`, and within
    /// `max_buffered_bytes` unless it is empty (an empty buffer takes one
    /// group however large, so a message over the bound can still be sent).
    fn fits(&self, held: (usize, usize), more: (usize, usize)) -> bool {
        let (frames, bytes) = held;
        let (more_frames, more_bytes) = more;
        frames.saturating_add(more_frames) <= self.config.max_buffered_packets
            && (frames == 0 || bytes.saturating_add(more_bytes) <= self.config.max_buffered_bytes)
    }

    /// Whether a message sent now leaves at once (the reference
    /// `transport.writable`): on WebSocket while every frame handed to the
    /// driver has been written, on polling only while a GET is parked.
    /// Volatile messages are dropped when this is false.
    pub fn is_writable(&self) -> bool {
        self.lifecycle == Lifecycle::Open
            && match self.transport {
                TransportKind::WebSocket => self.websocket_backlog().0 == 0,
                TransportKind::Polling => self.parked.is_some(),
            }
    }

    /// Whether [`Session::send`] accepts `messages` more messages of `bytes`
    /// in all now: false once closing, else whether they fit in the send
    /// buffer (on polling the messages waiting for a GET, on WebSocket the
    /// frames not yet written) under `max_buffered_packets` and
    /// `max_buffered_bytes` (an empty buffer takes them however many bytes
    /// they are). Lets a caller queue a group of messages (a packet and its
    /// attachments) all or nothing.
    pub fn has_room_for(&self, messages: usize, bytes: usize) -> bool {
        if self.lifecycle != Lifecycle::Open {
            return false;
        }
        let held = match self.transport {
            TransportKind::WebSocket => self.websocket_backlog(),
            TransportKind::Polling => (self.queued_messages, self.queued_bytes),
        };
        self.fits(held, (messages, bytes))
    }

    /// The driver wrote `count` more of the frames it was given
    /// ([`Output::Transmit`]) to the WebSocket: that much of the send buffer
    /// is free again. A driver that never calls this sees the WebSocket fill
    /// up after `max_buffered_packets` frames ([`SendError::BufferFull`]).
    pub fn handle_frames_written(&mut self, count: usize) {
        for _ in 0..count {
            let Some(bytes) = self.unwritten.pop_front() else {
                break;
            };
            self.unwritten_bytes = self.unwritten_bytes.saturating_sub(bytes);
        }
    }

    /// The WebSocket layer queued a control frame of `bytes` of its own
    /// behind the transmitted frames: a pong answering the client's ping
    /// (RFC 6455 §5.5.2). It counts against the send buffer until the driver
    /// reports a completed flush ([`Session::handle_websocket_flushed`]). One
    /// that does not fit (a client that pings and never reads) closes the
    /// session with [`CloseReason::SendBufferFull`], or ends the upgrade
    /// when it came on a probing WebSocket.
    pub fn handle_control_frame_queued(&mut self, now: Instant, bytes: usize) {
        let _ = now;
        if self.lifecycle == Lifecycle::Closed {
            return;
        }
        if !self.fits(self.websocket_backlog(), (1, bytes)) {
            self.overflow();
            return;
        }
        self.unflushed_control_frames += 1;
        self.unflushed_control_bytes = self.unflushed_control_bytes.saturating_add(bytes);
    }

    /// The driver completed a flush of the WebSocket: every control frame
    /// queued before it reached the socket.
    pub fn handle_websocket_flushed(&mut self) {
        self.unflushed_control_frames = 0;
        self.unflushed_control_bytes = 0;
    }

    /// Whether a request on `transport` (with `websocket_upgrade` as the
    /// upgrade header says) naming the revision `protocol` fits this
    /// session, as the reference `verify()` checks: a plain request must name
    /// the session's current transport (code 3 "Bad request" otherwise, e.g.
    /// a poll after the upgrade), and every request the session's protocol
    /// revision (code 3 otherwise: a v3 session is not upgraded, polled or
    /// posted to by a request saying `EIO=4`, nor a v4 one by `EIO=3`). A
    /// refused request leaves the session as it was.
    pub fn check_request(
        &self,
        transport: TransportKind,
        websocket_upgrade: bool,
        protocol: ProtocolVersion,
    ) -> Result<(), ErrorResponse> {
        if self.is_closed() {
            return Err(ErrorResponse::unknown_sid());
        }
        let transport_fits = match (transport, websocket_upgrade) {
            (TransportKind::WebSocket, true) => true,
            (TransportKind::Polling, false) => self.transport == TransportKind::Polling,
            _ => false,
        };
        if !transport_fits || protocol != self.protocol {
            return Err(ErrorResponse::bad_request());
        }
        Ok(())
    }

    /// A polling GET arrived (the handshake GET is the first one).
    ///
    /// It is answered at once when packets wait (or with `6` while an upgrade
    /// is probed), otherwise parked until something is queued. A second GET
    /// while one is parked is a protocol error: the parked one gets the close
    /// packet, this one a 400, and the session closes ("transport error").
    pub fn handle_poll(&mut self, now: Instant, request: RequestId) {
        let _ = now;
        if self.is_closed() {
            self.respond(request, ErrorResponse::unknown_sid().to_response());
            return;
        }
        if self.transport != TransportKind::Polling {
            self.respond(request, ErrorResponse::bad_request().to_response());
            return;
        }
        if let Some(first) = self.parked.take() {
            self.respond_with_packets(first, &[Packet::Close]);
            self.respond(request, Response::bad_request_without_body());
            self.shut(CloseReason::TransportError, Farewell::ClosePacket);
            return;
        }
        if !self.queue.is_empty() {
            self.respond_with_queue(request);
        } else if self.probe.is_some_and(|probe| probe.probed) {
            self.respond_with_packets(request, &[Packet::Noop]);
        } else {
            self.parked = Some(request);
        }
    }

    /// The client went away from the parked GET `request`: the reference
    /// treats it as a transport error and closes the session.
    pub fn handle_poll_aborted(&mut self, now: Instant, request: RequestId) {
        let _ = now;
        if self.parked == Some(request) {
            self.parked = None;
            self.shut(CloseReason::TransportError, Farewell::ClosePacket);
        }
    }

    /// A polling POST arrived with `body`; returns its answer.
    ///
    /// Messages become [`Event::Message`]s in order. An invalid payload is
    /// answered `200 ok` (as the reference does) and closes the session
    /// ("parse error"); a `1` closes it ("transport close", a parked GET gets
    /// `6`); a body over the limit gets 413 and closes it ("transport error").
    pub fn handle_post(&mut self, now: Instant, body: PostBody) -> Response {
        if self.is_closed() {
            return ErrorResponse::unknown_sid().to_response();
        }
        if self.transport != TransportKind::Polling {
            return ErrorResponse::bad_request().to_response();
        }
        let (body, binary_content_type) = match body {
            PostBody::Complete { body, binary_content_type } if body.len() <= self.config.max_http_buffer_size => {
                (body, binary_content_type)
            }
            PostBody::Complete { .. } | PostBody::TooLarge => {
                self.shut(CloseReason::TransportError, Farewell::ClosePacket);
                return Response::payload_too_large();
            }
        };
        if binary_content_type && self.protocol == ProtocolVersion::V4 {
            // v4 polling payloads are text; the reference calls it "invalid content".
            self.shut(CloseReason::TransportError, Farewell::ClosePacket);
            return ErrorResponse::bad_request().to_response();
        }
        let format = PayloadFormat::for_received(self.protocol, binary_content_type);
        for decoded in payload::decode(format, body) {
            match decoded {
                Err(_) => {
                    self.shut(CloseReason::ParseError, Farewell::ClosePacket);
                    break;
                }
                Ok(Packet::Close) => {
                    self.shut(CloseReason::TransportClose, Farewell::Noop);
                    break;
                }
                // A closing session drops what the client sends (reference `onPacket`).
                Ok(packet) if self.lifecycle == Lifecycle::Open => self.on_packet(now, packet),
                Ok(_) => {}
            }
            if self.is_closed() {
                break;
            }
        }
        Response::ok()
    }

    /// A WebSocket upgrade request arrived for this session (after
    /// [`Session::check_request`]). The driver completes the WebSocket
    /// handshake (`101`) unless it gets `Err` (then it refuses the request
    /// with that answer), and then does as the [`UpgradeVerdict`] says.
    ///
    /// [`UpgradeVerdict::Probe`] when the session is open on polling with
    /// upgrades allowed and no WebSocket attached: that WebSocket probes the
    /// upgrade. [`UpgradeVerdict::Close`] when the session has a WebSocket
    /// already (attached for an upgrade, or upgraded): as the reference, the
    /// new WebSocket is opened and closed at once without a status code, and
    /// the session is untouched. The same for a session that is WebSocket
    /// from the start, is closing, or allows no upgrade (where the reference
    /// would let the new WebSocket probe anyway; the protocol says a second
    /// WebSocket is closed). `Err` ("Session ID unknown") only for a closed
    /// session.
    pub fn handle_websocket_upgrade(&mut self, now: Instant) -> Result<UpgradeVerdict, ErrorResponse> {
        if self.is_closed() {
            return Err(ErrorResponse::unknown_sid());
        }
        let upgradable = self.lifecycle == Lifecycle::Open
            && self.transport == TransportKind::Polling
            && self.probe.is_none()
            && !self.config.upgrades_from(TransportKind::Polling).is_empty();
        if !upgradable {
            return Ok(UpgradeVerdict::Close { code: None });
        }
        self.probe = Some(Probe { probed: false, deadline: now + self.config.upgrade_timeout });
        Ok(UpgradeVerdict::Probe)
    }

    /// A frame arrived on the session's WebSocket (the probing one, or the
    /// main one after the upgrade or on a WebSocket session).
    pub fn handle_frame(&mut self, now: Instant, frame: Frame) {
        if self.lifecycle != Lifecycle::Open {
            return;
        }
        if self.transport == TransportKind::WebSocket {
            match Packet::decode_frame(self.protocol, frame) {
                Err(_) => self.shut(CloseReason::ParseError, Farewell::ClosePacket),
                Ok(packet) => self.on_packet(now, packet),
            }
            return;
        }
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        match Packet::decode_frame(self.protocol, frame) {
            Ok(Packet::PingProbe) => {
                let first_probe = !probe.probed;
                probe.probed = true;
                self.transmit_if_it_fits(Packet::PongProbe);
                if self.probe.is_none() {
                    // The probing WebSocket was not read: it is dropped.
                    return;
                }
                if first_probe {
                    self.outputs.push_back(Output::Event(Event::Upgrading));
                }
                if let Some(request) = self.parked.take() {
                    self.respond_with_packets(request, &[Packet::Noop]);
                }
            }
            Ok(Packet::Upgrade) => self.complete_upgrade(),
            // Anything else on a probing WebSocket ends the attempt, not the session.
            _ => self.abandon_probe(WS_CLOSE_NORMAL),
        }
    }

    /// The driver refused a WebSocket message over `max_http_buffer_size`:
    /// the WebSocket is closed with 1009. On the main WebSocket the session
    /// closes ("transport error"); a probing one only ends the upgrade.
    pub fn handle_frame_too_large(&mut self, now: Instant) {
        let _ = now;
        if self.lifecycle != Lifecycle::Open {
            return;
        }
        if self.transport == TransportKind::WebSocket {
            self.outputs.push_back(Output::CloseWebSocket { code: WS_CLOSE_TOO_BIG });
            self.shut(CloseReason::TransportError, Farewell::WebSocketGone);
        } else if self.probe.is_some() {
            self.abandon_probe(WS_CLOSE_TOO_BIG);
        }
    }

    /// The session's WebSocket was closed by the peer: the session closes
    /// ("transport close"), or, for a probing WebSocket, the upgrade ends.
    pub fn handle_websocket_closed(&mut self, now: Instant) {
        self.websocket_gone(now, CloseReason::TransportClose);
    }

    /// The session's WebSocket failed (I/O error): like
    /// [`Session::handle_websocket_closed`] with reason "transport error".
    pub fn handle_websocket_error(&mut self, now: Instant) {
        self.websocket_gone(now, CloseReason::TransportError);
    }

    fn websocket_gone(&mut self, now: Instant, reason: CloseReason) {
        let _ = now;
        if self.is_closed() {
            return;
        }
        // What was not written to the gone WebSocket never will be.
        self.forget_websocket_backlog();
        if self.transport == TransportKind::WebSocket {
            self.shut(reason, Farewell::WebSocketGone);
        } else {
            self.probe = None;
        }
    }

    /// Queues `message` for the client: transmitted at once on WebSocket,
    /// otherwise given to the next (or the parked) GET.
    pub fn send(&mut self, message: Message) -> Result<(), SendError> {
        self.send_with(message, true)
    }

    /// [`Session::send`] with the reference `compress` option: a polling
    /// answer may be compressed (see [`Response::compressible`]) unless every
    /// packet in it was sent with `compress` false. (WebSocket frames are
    /// never compressed: the driver has no per-message deflate, which the
    /// reference also leaves off by default.)
    pub fn send_with(&mut self, message: Message, compress: bool) -> Result<(), SendError> {
        if self.lifecycle != Lifecycle::Open {
            return Err(SendError::Closed(message));
        }
        if !self.has_room_for(1, message.len()) {
            return Err(SendError::BufferFull(message));
        }
        self.write_with(Packet::Message(message), compress);
        Ok(())
    }

    /// Closes the session from the server side.
    ///
    /// [`CloseReason::ForcedClose`] is orderly, as the reference `close()`:
    /// on WebSocket the socket is closed; on polling the packets still queued
    /// and a close packet go to the next GET (at once if one is parked), and
    /// the session ends when they are taken (or after
    /// [`POLLING_CLOSE_TIMEOUT`]). [`CloseReason::ServerShuttingDown`] (and any
    /// other reason) discards what is queued and ends the session now.
    pub fn close(&mut self, now: Instant, reason: CloseReason) {
        if self.lifecycle != Lifecycle::Open {
            return;
        }
        let orderly_wait = reason == CloseReason::ForcedClose
            && self.transport == TransportKind::Polling
            && !(self.queue.is_empty() && self.parked.is_some());
        if !orderly_wait {
            self.shut(reason, Farewell::ClosePacket);
            return;
        }
        if self.probe.is_some() {
            self.abandon_probe(WS_CLOSE_NORMAL);
        }
        self.next_ping = None;
        self.ping_deadline = None;
        self.queue.push_back(Packet::Close);
        self.queue_compress.push_back(true);
        self.lifecycle = Lifecycle::Closing { deadline: now + POLLING_CLOSE_TIMEOUT };
        self.flush_polling();
    }

    /// Fires what is due at `now`: heartbeat pings and timeouts, the upgrade
    /// timeout, the end of an orderly close. Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.lifecycle {
            Lifecycle::Closed => return,
            Lifecycle::Closing { deadline } => {
                if now >= deadline {
                    self.shut(CloseReason::ForcedClose, Farewell::ClosePacket);
                }
                return;
            }
            Lifecycle::Open => {}
        }
        if self.probe.is_some_and(|probe| now >= probe.deadline) {
            // The client did not complete the upgrade: close its WebSocket and
            // stay on polling, free to try again.
            self.abandon_probe(WS_CLOSE_NORMAL);
        }
        if self.ping_deadline.is_some_and(|deadline| now >= deadline) {
            self.shut(CloseReason::PingTimeout, Farewell::ClosePacket);
            return;
        }
        if self.next_ping.is_some_and(|at| now >= at) {
            self.next_ping = None;
            self.write(Packet::Ping);
            self.ping_deadline = Some(now + self.config.ping_timeout);
        }
    }

    /// When [`Session::handle_timeout`] next needs calling, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.lifecycle {
            Lifecycle::Closed => None,
            Lifecycle::Closing { deadline } => Some(deadline),
            Lifecycle::Open => {
                earliest(earliest(self.next_ping, self.ping_deadline), self.probe.map(|probe| probe.deadline))
            }
        }
    }

    /// The next thing for the driver to do; `None` when drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn v3_silence_limit(&self) -> Duration {
        self.config.ping_interval.saturating_add(self.config.ping_timeout)
    }

    /// A packet from the client on the session's transport (reference `Socket.onPacket`).
    fn on_packet(&mut self, now: Instant, packet: Packet) {
        match (packet, self.protocol) {
            (Packet::Message(message), _) => self.outputs.push_back(Output::Event(Event::Message(message))),
            (Packet::Ping, ProtocolVersion::V3) => {
                self.ping_deadline = Some(now + self.v3_silence_limit());
                self.write(Packet::Pong);
            }
            (Packet::Pong, ProtocolVersion::V4) => {
                self.ping_deadline = None;
                self.next_ping = Some(now + self.config.ping_interval);
            }
            (Packet::Close, _) => self.shut(CloseReason::TransportClose, Farewell::Noop),
            (Packet::Noop, _) => {}
            // A ping on v4 or a pong on v3 ("invalid heartbeat direction"), and
            // packets a client never sends on its main transport (open,
            // upgrade, probes).
            _ => self.shut(CloseReason::TransportError, Farewell::ClosePacket),
        }
    }

    /// Puts a server packet on the way: transmitted on WebSocket, queued for
    /// polling. Heartbeat packets are not queued twice.
    fn write(&mut self, packet: Packet) {
        self.write_with(packet, true);
    }

    fn write_with(&mut self, packet: Packet, compress: bool) {
        if self.transport == TransportKind::WebSocket {
            match packet {
                // `send_with` checked that it fits.
                Packet::Message(_) => self.transmit(packet),
                _ => self.transmit_if_it_fits(packet),
            }
            return;
        }
        match &packet {
            Packet::Message(message) => {
                self.queued_messages += 1;
                self.queued_bytes = self.queued_bytes.saturating_add(message.len());
            }
            Packet::Ping | Packet::Pong if self.queue.contains(&packet) => return,
            _ => {}
        }
        self.queue.push_back(packet);
        self.queue_compress.push_back(compress);
        self.flush_polling();
    }

    fn flush_polling(&mut self) {
        if self.queue.is_empty() || self.transport != TransportKind::Polling {
            return;
        }
        if let Some(request) = self.parked.take() {
            self.respond_with_queue(request);
        }
    }

    /// Answers `request` with as many queued packets as fit in one body.
    fn respond_with_queue(&mut self, request: RequestId) {
        let packets = self.queue.make_contiguous();
        let format = PayloadFormat::for_sending(self.protocol, self.supports_binary, packets);
        let count = payload::fitting_prefix(format, packets, self.config.max_http_buffer_size);
        let batch: Vec<Packet> = self.queue.drain(..count).collect();
        // Dropping the drain removes the whole range, even where `any` stops early.
        let compressible = self.queue_compress.drain(..count).any(|compress| compress);
        let (sent_messages, sent_bytes) = batch.iter().fold((0, 0), |(count, bytes), packet| match packet {
            Packet::Message(message) => (count + 1, bytes + message.len()),
            _ => (count, bytes),
        });
        self.queued_messages = self.queued_messages.saturating_sub(sent_messages);
        self.queued_bytes = self.queued_bytes.saturating_sub(sent_bytes);
        let closes = batch.contains(&Packet::Close);
        self.respond_with_packets_compressible(request, &batch, compressible);
        if closes {
            self.shut(CloseReason::ForcedClose, Farewell::ClosePacket);
        }
    }

    fn respond_with_packets(&mut self, request: RequestId, packets: &[Packet]) {
        self.respond_with_packets_compressible(request, packets, true);
    }

    fn respond_with_packets_compressible(&mut self, request: RequestId, packets: &[Packet], compressible: bool) {
        let format = PayloadFormat::for_sending(self.protocol, self.supports_binary, packets);
        let body = payload::encode(format, packets);
        let content_type = Some(format.content_type());
        self.respond(request, Response { status: 200, content_type, body, compressible });
    }

    fn respond(&mut self, request: RequestId, response: Response) {
        self.outputs.push_back(Output::Respond { request, response });
    }

    fn abandon_probe(&mut self, code: u16) {
        if self.probe.take().is_some() {
            self.forget_websocket_backlog();
            self.outputs.push_back(Output::CloseWebSocket { code });
        }
    }

    fn forget_websocket_backlog(&mut self) {
        self.unwritten.clear();
        self.unwritten_bytes = 0;
        self.handle_websocket_flushed();
    }

    /// The send buffer of the WebSocket cannot take a frame the session (or
    /// the WebSocket layer) must write: the client is not reading. The
    /// session closes; a probing WebSocket is only dropped.
    fn overflow(&mut self) {
        if self.transport == TransportKind::WebSocket {
            self.shut(CloseReason::SendBufferFull, Farewell::ClosePacket);
        } else {
            self.abandon_probe(WS_CLOSE_NORMAL);
        }
    }

    /// `5` on the probing WebSocket: it becomes the session's transport and
    /// everything queued for polling goes out on it, in order.
    fn complete_upgrade(&mut self) {
        self.probe = None;
        if let Some(request) = self.parked.take() {
            self.respond_with_packets(request, &[Packet::Noop]);
        }
        self.transport = TransportKind::WebSocket;
        self.outputs.push_back(Output::Event(Event::Upgraded));
        self.queued_messages = 0;
        self.queued_bytes = 0;
        self.queue_compress.clear();
        while let Some(packet) = self.queue.pop_front() {
            self.transmit(packet);
        }
    }

    /// Hands `packet` to the driver for the attached WebSocket, counted
    /// until the driver reports it written.
    fn transmit(&mut self, packet: Packet) {
        let bytes = buffered_size(&packet, self.protocol);
        let frame = packet.into_frame(self.protocol);
        self.unwritten.push_back(bytes);
        self.unwritten_bytes = self.unwritten_bytes.saturating_add(bytes);
        self.outputs.push_back(Output::Transmit(frame));
    }

    /// [`Session::transmit`] for a frame the session writes itself (a
    /// heartbeat, a probe answer): one the send buffer cannot take means
    /// the client is not reading ([`Session::overflow`]).
    fn transmit_if_it_fits(&mut self, packet: Packet) {
        if self.fits(self.websocket_backlog(), (1, buffered_size(&packet, self.protocol))) {
            self.transmit(packet);
        } else {
            self.overflow();
        }
    }

    /// Ends the session (reference `Socket.onClose`): timers stop, the queue
    /// is dropped, the transports are closed, [`Event::Closed`] goes out.
    fn shut(&mut self, reason: CloseReason, farewell: Farewell) {
        if self.is_closed() {
            return;
        }
        self.lifecycle = Lifecycle::Closed;
        self.next_ping = None;
        self.ping_deadline = None;
        self.queue.clear();
        self.queue_compress.clear();
        self.queued_messages = 0;
        self.queued_bytes = 0;
        self.abandon_probe(WS_CLOSE_NORMAL);
        match self.transport {
            TransportKind::Polling => {
                if let Some(request) = self.parked.take() {
                    let last = if farewell == Farewell::Noop { Packet::Noop } else { Packet::Close };
                    self.respond_with_packets(request, &[last]);
                }
            }
            TransportKind::WebSocket => {
                if farewell != Farewell::WebSocketGone {
                    self.outputs.push_back(Output::CloseWebSocket { code: WS_CLOSE_NORMAL });
                }
            }
        }
        self.outputs.push_back(Output::Event(Event::Closed(reason)));
    }
}

/// What `packet` counts against `max_buffered_bytes`: a message its data
/// (as [`Session::send`] measures it), any other packet its text form.
fn buffered_size(packet: &Packet, protocol: ProtocolVersion) -> usize {
    match packet {
        Packet::Message(message) => message.len(),
        other => other.text_len(protocol),
    }
}

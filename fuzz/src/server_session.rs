//! Drives [`engineio_proto::server`] with an arbitrary sequence of requests,
//! frames, sends, closes and time steps, checking the session's promises after
//! every step.
//!
//! The driver behaves like a correct one would (fresh request ids, requests
//! classified first, the session's outputs drained after each call), so any
//! broken invariant is the machine's fault.

use std::collections::BTreeSet;
use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use engineio_proto::server::{
    classify, CloseReason, Event, Method, Output, PostBody, RequestId, Route, SendError, ServerConfig, Session,
    SessionRequest, UpgradeVerdict,
};
use engineio_proto::{Frame, Instant, Message, ProtocolVersion, Sid, Str, TransportKind};

use crate::wire::{TextPiece, Wire};

/// Longest time step, in milliseconds: a few heartbeat periods of [`Settings`].
const MAX_STEP_MILLIS: u64 = 1_000;

/// The server's configuration, kept small so that timers and limits are hit.
#[derive(Debug, Arbitrary)]
pub struct Settings {
    ping_interval: u8,
    ping_timeout: u8,
    upgrade_timeout: u8,
    max_http_buffer_size: u8,
    max_buffered_packets: u8,
    // Negated, so that the all-zero input serves everything.
    forbid_polling: bool,
    forbid_websocket: bool,
    forbid_upgrades: bool,
    allow_eio3: bool,
    max_buffered_bytes: u8,
}

impl Settings {
    /// The configuration: durations of 1–256 ms, bodies of at most 256 bytes,
    /// at most 4 buffered messages of at most 1–256 bytes in all. Zero durations are left out: a deadline
    /// set at `now + 0` is due at once, which the timer invariant rejects.
    pub fn config(&self) -> ServerConfig {
        let millis = |value: u8| Duration::from_millis(u64::from(value) + 1);
        ServerConfig::default()
            .with_ping_interval(millis(self.ping_interval))
            .with_ping_timeout(millis(self.ping_timeout))
            .with_upgrade_timeout(millis(self.upgrade_timeout))
            .with_max_http_buffer_size(usize::from(self.max_http_buffer_size) + 1)
            .with_max_buffered_packets(usize::from(self.max_buffered_packets % 5))
            .with_max_buffered_bytes(usize::from(self.max_buffered_bytes) + 1)
            .with_polling(!self.forbid_polling)
            .with_websocket(!self.forbid_websocket)
            .with_upgrades(!self.forbid_upgrades)
            .with_eio3(self.allow_eio3)
    }
}

/// One piece of a query string.
#[derive(Debug, Arbitrary)]
pub enum QueryPiece {
    /// `EIO=3` / `EIO=4`.
    Eio(bool),
    /// `transport=polling` / `transport=websocket`.
    Transport(bool),
    /// `sid=` with the current session's id.
    CurrentSid,
    /// `b64=1`.
    Base64,
    /// `key=value` with arbitrary text on both sides.
    Pair(String, String),
    /// Arbitrary text.
    Raw(String),
}

/// An HTTP method.
#[derive(Debug, Arbitrary)]
pub enum MethodChoice {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `OPTIONS`.
    Options,
    /// An arbitrary method name.
    Named(String),
}

/// One thing that happens to the server.
#[derive(Debug, Arbitrary)]
pub enum ServerStep {
    /// An HTTP request, classified and then handled as the driver would.
    Request {
        /// Its method.
        method: MethodChoice,
        /// Its query string, pieces joined with `&`.
        query: Vec<QueryPiece>,
        /// Whether it carries `Upgrade: websocket`.
        websocket_upgrade: bool,
        /// Its body, for a POST.
        body: Wire,
        /// `Content-Type: application/octet-stream`.
        binary_content_type: bool,
    },
    /// A polling GET straight to the session.
    Poll,
    /// The client went away from a GET made earlier (the `n`th, modulo).
    AbortPoll(u8),
    /// A polling POST straight to the session.
    Post {
        /// The body.
        body: Wire,
        /// `Content-Type: application/octet-stream`.
        binary_content_type: bool,
    },
    /// A POST whose body exceeded the limit.
    PostTooLarge,
    /// A WebSocket upgrade request for the session.
    WebSocketUpgrade,
    /// A text frame on the session's WebSocket.
    TextFrame(Vec<TextPiece>),
    /// A binary frame on the session's WebSocket.
    BinaryFrame(Vec<u8>),
    /// The driver refused an oversized WebSocket message.
    FrameTooLarge,
    /// The peer closed the WebSocket.
    WebSocketClosed,
    /// The WebSocket failed.
    WebSocketError,
    /// The driver wrote this many of the transmitted frames.
    FramesWritten(u8),
    /// The application sends a text message.
    SendText(String),
    /// The application sends a binary message.
    SendBinary(Vec<u8>),
    /// The application closes the session (`true`: server shutting down).
    Close(bool),
    /// Time passes (milliseconds, bounded) and the driver calls `handle_timeout`.
    Advance(u16),
    /// The WebSocket layer queued a pong for a ping of this many bytes (modulo 126).
    PongQueued(u8),
    /// The driver completed a flush of the WebSocket.
    Flushed,
}

/// A whole run: the server's settings, the first handshake, then the steps.
#[derive(Debug, Arbitrary)]
pub struct ServerScenario {
    /// The configuration.
    pub settings: Settings,
    /// The first session speaks v3 (when allowed).
    pub v3: bool,
    /// The first session starts on WebSocket (when allowed).
    pub websocket: bool,
    /// `b64=1` on the first handshake.
    pub base64: bool,
    /// What happens next.
    pub steps: Vec<ServerStep>,
}

/// What the driver knows about the current session and what it already saw.
struct Driver {
    config: ServerConfig,
    session: Session,
    sessions_created: u64,
    now: Instant,
    next_request: u64,
    asked: Vec<RequestId>,
    answered: BTreeSet<RequestId>,
    closed: bool,
    /// Some pong was queued (they count in the send buffer, unseen here).
    pongs_queued: bool,
}

impl Driver {
    fn new(config: ServerConfig, session: Session) -> Driver {
        Driver {
            config,
            session,
            sessions_created: 1,
            now: Instant::ZERO,
            next_request: 0,
            asked: Vec::new(),
            answered: BTreeSet::new(),
            closed: false,
            pongs_queued: false,
        }
    }

    fn fresh_request(&mut self) -> RequestId {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.asked.push(id);
        id
    }

    /// Replaces the session with a new one for `handshake`, as the driver does
    /// for a handshake request (the old one stays in its index, untouched).
    fn start_session(&mut self, handshake: &engineio_proto::server::Handshake) {
        assert!(self.config.allows(handshake.transport), "handshake on a transport not served: {handshake:?}");
        assert!(handshake.protocol == ProtocolVersion::V4 || self.config.allow_eio3, "v3 handshake without allow_eio3");
        self.sessions_created += 1;
        let sid = Sid::new(&format!("s{}", self.sessions_created));
        self.session = Session::new(&self.config, handshake, sid, self.now);
        self.answered.clear();
        self.asked.clear();
        self.closed = false;
        self.check_timer("a new session");
        if handshake.transport == TransportKind::Polling {
            let request = self.fresh_request();
            self.session.handle_poll(self.now, request);
        }
    }

    fn query(&self, pieces: &[QueryPiece]) -> String {
        let parts: Vec<String> = pieces
            .iter()
            .map(|piece| match piece {
                QueryPiece::Eio(v3) => (if *v3 { "EIO=3" } else { "EIO=4" }).to_owned(),
                QueryPiece::Transport(websocket) => {
                    (if *websocket { "transport=websocket" } else { "transport=polling" }).to_owned()
                }
                QueryPiece::CurrentSid => format!("sid={}", self.session.sid().as_str()),
                QueryPiece::Base64 => "b64=1".to_owned(),
                QueryPiece::Pair(key, value) => format!("{key}={value}"),
                QueryPiece::Raw(text) => text.clone(),
            })
            .collect();
        parts.join("&")
    }

    fn post(&mut self, body: PostBody) {
        let was_closed = self.closed;
        let response = self.session.handle_post(self.now, body);
        if was_closed {
            assert!(response.status >= 400, "a closed session accepted a POST: {response:?}");
        }
    }

    fn request(&mut self, method: &MethodChoice, query: &[QueryPiece], upgrade: bool, body: &Wire, binary: bool) {
        let method = match method {
            MethodChoice::Get => Method::Get,
            MethodChoice::Post => Method::Post,
            MethodChoice::Options => Method::Options,
            MethodChoice::Named(name) => Method::from_name(name),
        };
        let query = self.query(query);
        match classify(&self.config, method, &query, upgrade) {
            Route::Preflight => assert_eq!(method, Method::Options, "preflight for {method:?}"),
            Route::Reject(error) => assert!(error.status >= 400, "rejection with status {}", error.status),
            Route::Handshake(handshake) => {
                assert_eq!(method, Method::Get, "handshake by {method:?}");
                self.start_session(&handshake);
            }
            Route::Existing { sid, request, transport, protocol } => {
                assert!(!sid.as_str().is_empty(), "an empty sid names a session");
                if sid != *self.session.sid() {
                    return;
                }
                if self.session.check_request(transport, upgrade, protocol).is_err() {
                    return;
                }
                assert_eq!(protocol, self.session.protocol(), "a request naming another EIO was let through");
                match request {
                    SessionRequest::Poll => {
                        let id = self.fresh_request();
                        self.session.handle_poll(self.now, id);
                    }
                    SessionRequest::Post => {
                        let body = body.polling_body(self.session.protocol());
                        let limit = self.config.max_http_buffer_size;
                        let body = if body.len() > limit {
                            PostBody::TooLarge
                        } else {
                            PostBody::Complete { body, binary_content_type: binary }
                        };
                        self.post(body);
                    }
                    SessionRequest::WebSocket => self.upgrade(),
                }
            }
        }
    }

    /// A WebSocket asks to join the session: refused only when the session is
    /// closed; a probe starts an upgrade from polling; a WebSocket closed at
    /// once leaves the session exactly as it was.
    fn upgrade(&mut self) {
        let was_upgrading = self.session.is_upgrading();
        let transport = self.session.transport();
        match self.session.handle_websocket_upgrade(self.now) {
            Err(_) => assert!(self.closed, "an open session refused a WebSocket"),
            Ok(_) if self.closed => panic!("a closed session took a WebSocket"),
            Ok(UpgradeVerdict::Probe) => {
                assert!(!was_upgrading, "a second WebSocket probes while one is attached");
                assert_eq!(transport, TransportKind::Polling, "a WebSocket probes a session not on polling");
                assert!(self.session.is_upgrading(), "a probe is not under way");
            }
            Ok(UpgradeVerdict::Close { .. }) => {
                assert_eq!(self.session.is_upgrading(), was_upgrading, "a WebSocket closed at once changed the upgrade");
                assert_eq!(self.session.transport(), transport, "a WebSocket closed at once changed the transport");
                assert_eq!(self.session.poll_output(), None, "a WebSocket closed at once made the session act");
            }
        }
    }

    fn send(&mut self, message: Message) {
        let polling = self.session.transport() == TransportKind::Polling;
        let before = self.session.buffered_messages();
        let bytes_before = self.session.buffered_bytes();
        // An empty buffer (no message, whatever its bytes) takes one message however large.
        let held = if polling { before } else { self.session.unwritten_frames() };
        let full_in_bytes = held > 0 && bytes_before + message.len() > self.config.max_buffered_bytes;
        match self.session.send(message) {
            Ok(()) => assert!(!self.closed, "a closed session took a message"),
            Err(SendError::BufferFull(_)) if polling => {
                let full = before == self.config.max_buffered_packets || full_in_bytes;
                assert!(full, "buffer full before the limit: {before} messages, {bytes_before} bytes");
            }
            Err(SendError::BufferFull(_)) => {
                let unwritten = self.session.unwritten_frames();
                let full = unwritten >= self.config.max_buffered_packets || full_in_bytes || self.pongs_queued;
                assert!(full, "WebSocket buffer full at {unwritten} frames, {bytes_before} bytes");
            }
            Err(SendError::Closed(_)) => {}
        }
    }

    fn advance(&mut self, millis: u16) {
        self.now += Duration::from_millis(u64::from(millis) % (MAX_STEP_MILLIS + 1));
        self.session.handle_timeout(self.now);
        self.drain();
        self.check_timer("handle_timeout");
        // A second call at the same instant is spurious: nothing happens.
        let deadline = self.session.poll_timeout();
        self.session.handle_timeout(self.now);
        assert_eq!(self.session.poll_output(), None, "a spurious handle_timeout produced output");
        assert_eq!(self.session.poll_timeout(), deadline, "a spurious handle_timeout moved the deadline");
    }

    /// No deadline is due: every deadline is set strictly after the time it
    /// is set at, and time only moves in [`Driver::advance`], which fires them.
    fn check_timer(&self, after: &str) {
        if let Some(deadline) = self.session.poll_timeout() {
            assert!(deadline > self.now, "after {after}: deadline {deadline:?} is not after now {:?}", self.now);
        }
    }

    /// Drains the outputs and checks them.
    fn drain(&mut self) {
        while let Some(output) = self.session.poll_output() {
            match output {
                Output::Respond { request, response } => {
                    assert!(self.asked.contains(&request), "answer to {request:?}, never asked");
                    assert!(self.answered.insert(request), "{request:?} answered twice");
                    if self.closed {
                        assert!(response.status >= 400, "success answer after Closed: {response:?}");
                    }
                }
                Output::Event(Event::Closed(reason)) => {
                    assert!(!self.closed, "Closed emitted twice (again: {reason:?})");
                    self.closed = true;
                }
                other => assert!(!self.closed, "{other:?} after Closed"),
            }
        }
    }

    /// The invariants that hold between any two steps.
    fn check(&mut self) {
        self.drain();
        assert_eq!(self.closed, self.session.is_closed(), "is_closed disagrees with the Closed event");
        assert!(
            self.session.buffered_messages() <= self.config.max_buffered_packets,
            "{} messages buffered, limit {}",
            self.session.buffered_messages(),
            self.config.max_buffered_packets
        );
        let bytes = self.session.buffered_bytes();
        if self.session.transport() == TransportKind::Polling && !self.session.is_upgrading() {
            // An empty buffer takes one message however large.
            let within = bytes <= self.config.max_buffered_bytes || self.session.buffered_messages() <= 1;
            assert!(within, "{bytes} bytes buffered, limit {}", self.config.max_buffered_bytes);
        }
        if self.closed {
            assert_eq!(self.session.poll_timeout(), None, "a closed session has a deadline");
            assert_eq!(self.session.buffered_packets(), 0, "a closed session holds packets");
            assert!(!self.session.is_upgrading(), "a closed session is upgrading");
        }
        self.check_timer("a step");
    }

    fn step(&mut self, step: &ServerStep) {
        let now = self.now;
        match step {
            ServerStep::Request { method, query, websocket_upgrade, body, binary_content_type } => {
                self.request(method, query, *websocket_upgrade, body, *binary_content_type)
            }
            ServerStep::Poll => {
                let id = self.fresh_request();
                self.session.handle_poll(now, id);
            }
            ServerStep::AbortPoll(index) => {
                let id = match self.asked.len() {
                    0 => RequestId(u64::MAX),
                    len => self.asked.get(usize::from(*index) % len).copied().unwrap_or(RequestId(u64::MAX)),
                };
                self.session.handle_poll_aborted(now, id);
            }
            ServerStep::Post { body, binary_content_type } => {
                let body = body.polling_body(self.session.protocol());
                self.post(PostBody::Complete { body, binary_content_type: *binary_content_type });
            }
            ServerStep::PostTooLarge => self.post(PostBody::TooLarge),
            ServerStep::WebSocketUpgrade => self.upgrade(),
            ServerStep::TextFrame(pieces) => {
                let text = TextPiece::join(pieces);
                self.session.handle_frame(now, Frame::Text(Str::from(text)));
            }
            ServerStep::BinaryFrame(bytes) => self.session.handle_frame(now, Frame::Binary(Bytes::from(bytes.clone()))),
            ServerStep::FrameTooLarge => self.session.handle_frame_too_large(now),
            ServerStep::WebSocketClosed => self.session.handle_websocket_closed(now),
            ServerStep::WebSocketError => self.session.handle_websocket_error(now),
            ServerStep::SendText(text) => self.send(Message::from(text.clone())),
            ServerStep::SendBinary(bytes) => self.send(Message::Binary(Bytes::from(bytes.clone()))),
            ServerStep::Close(shutdown) => {
                let reason = if *shutdown { CloseReason::ServerShuttingDown } else { CloseReason::ForcedClose };
                self.session.close(now, reason);
            }
            ServerStep::Advance(millis) => self.advance(*millis),
            ServerStep::FramesWritten(count) => self.session.handle_frames_written(usize::from(*count)),
            ServerStep::PongQueued(payload) => {
                self.pongs_queued = true;
                self.session.handle_control_frame_queued(now, 2 + usize::from(*payload % 126));
            }
            ServerStep::Flushed => self.session.handle_websocket_flushed(),
        }
        self.check();
    }
}

/// Runs `scenario` and panics on the first broken invariant.
pub fn run(scenario: &ServerScenario) {
    let config = scenario.settings.config();
    let protocol = if scenario.v3 && config.allow_eio3 { ProtocolVersion::V3 } else { ProtocolVersion::V4 };
    let transport = match (scenario.websocket, config.allow_polling, config.allow_websocket) {
        (_, false, false) => return,
        (true, _, true) | (_, false, true) => TransportKind::WebSocket,
        _ => TransportKind::Polling,
    };
    let handshake = engineio_proto::server::Handshake { protocol, transport, supports_binary: !scenario.base64 };
    let first = Session::new(&config, &handshake, Sid::new("s1"), Instant::ZERO);
    let mut driver = Driver::new(config, first);
    if transport == TransportKind::Polling {
        let request = driver.fresh_request();
        driver.session.handle_poll(Instant::ZERO, request);
    }
    driver.check();
    for step in &scenario.steps {
        driver.step(step);
    }
}

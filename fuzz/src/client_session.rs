//! Drives [`engineio_proto::client::ClientSession`] with arbitrary responses
//! (to the requests it issued, to stale ones and to bogus ids), WebSocket
//! events and frames, sends, closes and time steps, checking its promises
//! after every step.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use engineio_proto::client::{
    ClientConfig, ClientEvent, ClientOutput, ClientSession, ClientState, HttpMethod, RequestId, SocketId,
};
use engineio_proto::{Frame, Instant, Message, ProtocolVersion, Str, TransportKind};

use crate::wire::{TextPiece, Wire};

/// Longest time step, in milliseconds.
const MAX_STEP_MILLIS: u64 = 5_000;
/// Ids far above any the session allocates in a run.
const BOGUS_ID_BASE: u64 = 1 << 40;

/// The client's configuration.
#[derive(Debug, Arbitrary)]
pub struct ClientSettings {
    v3: bool,
    transports: u8,
    upgrade: bool,
    remember_upgrade: bool,
    prior_websocket_success: bool,
    force_base64: bool,
    /// The bound on frames owed to the server, small enough to reach.
    max_unwritten_frames: u8,
}

impl ClientSettings {
    fn config(&self) -> ClientConfig {
        let mut config = ClientConfig::new(if self.v3 { ProtocolVersion::V3 } else { ProtocolVersion::V4 });
        config.transports = match self.transports % 5 {
            0 => vec![TransportKind::Polling, TransportKind::WebSocket],
            1 => vec![TransportKind::Polling],
            2 => vec![TransportKind::WebSocket],
            3 => vec![TransportKind::WebSocket, TransportKind::Polling],
            _ => vec![],
        };
        config.upgrade = self.upgrade;
        config.remember_upgrade = self.remember_upgrade;
        config.force_base64 = self.force_base64;
        config.max_unwritten_frames = 1 + usize::from(self.max_unwritten_frames % 64);
        config
    }
}

/// Which request a response or failure is for.
#[derive(Debug, Arbitrary)]
pub enum RequestTarget {
    /// The GET in flight (a bogus id if none).
    Get,
    /// The POST in flight (a bogus id if none).
    Post,
    /// A request already answered (the `n`th, modulo).
    Stale(u8),
    /// An id the session never issued.
    Bogus(u8),
}

/// Which WebSocket an event is for.
#[derive(Debug, Arbitrary)]
pub enum SocketTarget {
    /// The `n`th socket the session asked for (modulo).
    Issued(u8),
    /// An id the session never issued.
    Bogus(u8),
}

/// An HTTP status.
#[derive(Debug, Arbitrary)]
pub enum Status {
    /// 200.
    Ok,
    /// Anything.
    Other(u16),
}

/// A WebSocket frame from the server.
#[derive(Debug, Arbitrary)]
pub enum FrameInput {
    /// A text frame.
    Text(Vec<TextPiece>),
    /// A binary frame.
    Binary(Vec<u8>),
}

/// One thing that happens to the client.
#[derive(Debug, Arbitrary)]
pub enum ClientStep {
    /// An HTTP response.
    Respond {
        /// The request answered.
        target: RequestTarget,
        /// Its status.
        status: Status,
        /// `Content-Type: application/octet-stream`.
        binary_content_type: bool,
        /// Its body.
        body: Wire,
    },
    /// An HTTP request failed without an answer.
    Fail(RequestTarget),
    /// A WebSocket connected.
    WebSocketOpened(SocketTarget),
    /// A WebSocket failed or closed.
    WebSocketFailed(SocketTarget),
    /// A frame arrived.
    Frame {
        /// On which socket.
        socket: SocketTarget,
        /// The frame.
        frame: FrameInput,
    },
    /// The driver wrote frames to a WebSocket.
    FramesWritten {
        /// On which socket.
        socket: SocketTarget,
        /// How many.
        count: u8,
    },
    /// A WebSocket received a message over its limit and was closed.
    MessageTooLarge(SocketTarget),
    /// The application sends a text message.
    SendText(String),
    /// The application sends a binary message.
    SendBinary(Vec<u8>),
    /// The application closes the session.
    Close,
    /// Time passes (milliseconds, bounded) and the driver calls `handle_timeout`.
    Advance(u16),
}

/// A whole run: the configuration, then the steps.
#[derive(Debug, Arbitrary)]
pub struct ClientScenario {
    /// The configuration.
    pub settings: ClientSettings,
    /// What happens.
    pub steps: Vec<ClientStep>,
}

/// A WebSocket the session asked for, as the driver sees it.
#[derive(Debug)]
struct SocketRecord {
    id: SocketId,
    /// The driver reported it connected.
    opened: bool,
    /// The driver reported it failed or closed.
    failed: bool,
    /// The session asked to close it.
    closed_by_session: bool,
}

/// What the driver knows.
struct Driver {
    session: ClientSession,
    protocol: ProtocolVersion,
    now: Instant,
    /// Requests issued and not yet answered.
    outstanding: BTreeMap<RequestId, HttpMethod>,
    answered: Vec<RequestId>,
    /// Every request and socket id the session issued.
    ids: BTreeSet<u64>,
    sockets: Vec<SocketRecord>,
    closed: bool,
}

impl Driver {
    fn request(&mut self, target: &RequestTarget) -> RequestId {
        let find = |method| self.outstanding.iter().find(|(_, &kind)| kind == method).map(|(&id, _)| id);
        let found = match target {
            RequestTarget::Get => find(HttpMethod::Get),
            RequestTarget::Post => find(HttpMethod::Post),
            RequestTarget::Stale(index) => match self.answered.len() {
                0 => None,
                len => self.answered.get(usize::from(*index) % len).copied(),
            },
            RequestTarget::Bogus(id) => Some(RequestId(BOGUS_ID_BASE + u64::from(*id))),
        };
        let id = found.unwrap_or(RequestId(BOGUS_ID_BASE - 1));
        if self.outstanding.remove(&id).is_some() {
            self.answered.push(id);
        }
        id
    }

    fn socket(&mut self, target: &SocketTarget) -> Option<&mut SocketRecord> {
        match target {
            SocketTarget::Bogus(_) => None,
            SocketTarget::Issued(index) => match self.sockets.len() {
                0 => None,
                len => self.sockets.get_mut(usize::from(*index) % len),
            },
        }
    }

    fn socket_id(target: &SocketTarget, record: Option<&mut SocketRecord>) -> SocketId {
        match (record, target) {
            (Some(record), _) => record.id,
            (None, SocketTarget::Bogus(id)) => SocketId(BOGUS_ID_BASE + u64::from(*id)),
            (None, SocketTarget::Issued(_)) => SocketId(BOGUS_ID_BASE - 1),
        }
    }

    fn step(&mut self, step: &ClientStep) {
        let now = self.now;
        let protocol = self.protocol;
        match step {
            ClientStep::Respond { target, status, binary_content_type, body } => {
                let id = self.request(target);
                let status = match status {
                    Status::Ok => 200,
                    Status::Other(status) => *status,
                };
                let body = body.polling_body(protocol);
                self.session.handle_http_response(now, id, status, *binary_content_type, body);
            }
            ClientStep::Fail(target) => {
                let id = self.request(target);
                self.session.handle_http_failed(now, id, "connection reset");
            }
            ClientStep::WebSocketOpened(target) => {
                let record = self.socket(target);
                // A socket connects at most once, and never after failing.
                let record = match record {
                    Some(record) if record.opened || record.failed => return self.check(),
                    Some(record) => {
                        record.opened = true;
                        Some(record)
                    }
                    None => None,
                };
                let id = Driver::socket_id(target, record);
                self.session.handle_websocket_opened(now, id);
            }
            ClientStep::WebSocketFailed(target) => {
                let record = match self.socket(target) {
                    Some(record) if record.failed => return self.check(),
                    Some(record) => {
                        record.failed = true;
                        Some(record)
                    }
                    None => None,
                };
                let id = Driver::socket_id(target, record);
                self.session.handle_websocket_failed(now, id, "connection refused");
            }
            ClientStep::Frame { socket, frame } => {
                // Frames arrive only on connected sockets (or bogus ids).
                let record = match self.socket(socket) {
                    Some(record) if !record.opened || record.failed => return self.check(),
                    record => record,
                };
                let id = Driver::socket_id(socket, record);
                let frame = match frame {
                    FrameInput::Text(pieces) => Frame::Text(Str::from(TextPiece::join(pieces))),
                    FrameInput::Binary(bytes) => Frame::Binary(Bytes::from(bytes.clone())),
                };
                self.session.handle_frame(now, id, frame);
            }
            ClientStep::FramesWritten { socket, count } => {
                let record = self.socket(socket);
                let id = Driver::socket_id(socket, record);
                self.session.handle_frames_written(now, id, usize::from(*count));
            }
            ClientStep::MessageTooLarge(target) => {
                // Like a failure: only once, and only on a connected socket.
                let record = match self.socket(target) {
                    Some(record) if !record.opened || record.failed => return self.check(),
                    Some(record) => {
                        record.failed = true;
                        Some(record)
                    }
                    None => None,
                };
                let id = Driver::socket_id(target, record);
                self.session.handle_message_too_large(now, id);
            }
            ClientStep::SendText(text) => self.session.send(Message::from(text.clone())),
            ClientStep::SendBinary(bytes) => self.session.send(Message::Binary(Bytes::from(bytes.clone()))),
            ClientStep::Close => self.session.close(),
            ClientStep::Advance(millis) => {
                self.now += Duration::from_millis(u64::from(*millis) % (MAX_STEP_MILLIS + 1));
                self.session.handle_timeout(self.now);
                self.drain();
                if let Some(deadline) = self.session.poll_timeout() {
                    assert!(deadline > self.now, "after handle_timeout({:?}) the deadline is {deadline:?}", self.now);
                }
                let deadline = self.session.poll_timeout();
                self.session.handle_timeout(self.now);
                assert_eq!(self.session.poll_output(), None, "a spurious handle_timeout produced output");
                assert_eq!(self.session.poll_timeout(), deadline, "a spurious handle_timeout moved the deadline");
            }
        }
        self.check();
    }

    /// Drains and checks the outputs.
    fn drain(&mut self) {
        let mut error_pending = false;
        while let Some(output) = self.session.poll_output() {
            assert!(!self.closed, "output after Closed: {output:?}");
            match output {
                ClientOutput::HttpRequest { id, method, .. } => {
                    assert!(self.ids.insert(id.0), "id {} reused by {method} request", id.0);
                    self.outstanding.insert(id, method);
                    for kind in [HttpMethod::Get, HttpMethod::Post] {
                        let in_flight = self.outstanding.values().filter(|&&method| method == kind).count();
                        assert!(in_flight <= 1, "{in_flight} {kind} requests in flight");
                    }
                }
                ClientOutput::OpenWebSocket { id, .. } => {
                    assert!(self.ids.insert(id.0), "id {} reused by a WebSocket", id.0);
                    self.sockets.push(SocketRecord { id, opened: false, failed: false, closed_by_session: false });
                }
                ClientOutput::Transmit { socket, frame } => {
                    let record = self.sockets.iter().find(|record| record.id == socket);
                    let usable = record.is_some_and(|r| r.opened && !r.failed && !r.closed_by_session);
                    assert!(usable, "{frame:?} transmitted on {socket:?}, which is not usable: {record:?}");
                }
                ClientOutput::CancelRequest { id } => {
                    assert!(self.outstanding.remove(&id).is_some(), "cancel of {id:?}, not in flight");
                }
                ClientOutput::CloseWebSocket { socket } => {
                    let record = self.sockets.iter_mut().find(|record| record.id == socket);
                    let Some(record) = record else { panic!("close of {socket:?}, never opened") };
                    assert!(!record.closed_by_session, "{socket:?} closed twice");
                    record.closed_by_session = true;
                }
                ClientOutput::Event(ClientEvent::Error(_)) => error_pending = true,
                ClientOutput::Event(ClientEvent::Closed(_)) => {
                    self.closed = true;
                    error_pending = false;
                }
                ClientOutput::Event(_) => {}
            }
        }
        assert!(!error_pending, "an Error event not followed by Closed");
    }

    fn check(&mut self) {
        self.drain();
        assert_eq!(self.closed, self.session.state() == ClientState::Closed, "state disagrees with Closed");
        if self.closed {
            assert_eq!(self.session.poll_timeout(), None, "a closed session has a deadline");
            assert_eq!(self.session.buffered_packets(), 0, "a closed session holds packets to write");
        }
    }
}

/// Runs `scenario` and panics on the first broken invariant.
pub fn run(scenario: &ClientScenario) {
    let config = scenario.settings.config();
    let protocol = config.protocol;
    let session = ClientSession::new(config, scenario.settings.prior_websocket_success);
    let mut driver = Driver {
        session,
        now: Instant::ZERO,
        outstanding: BTreeMap::new(),
        answered: Vec::new(),
        ids: BTreeSet::new(),
        sockets: Vec::new(),
        closed: false,
        protocol,
    };
    driver.check();
    for step in &scenario.steps {
        driver.step(step);
    }
}

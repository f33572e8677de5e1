//! Drives [`socketio_proto::client::Manager`] with a scripted server (its
//! Engine.IO outputs answered with bytes built from Engine.IO and Socket.IO
//! pieces, or arbitrary ones), I/O failures, outcomes for stale and bogus
//! engines, random numbers, user calls and time steps, checking its promises
//! after every step.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use engineio_proto::client::{ClientConfig, ClientOutput, ClientState, HttpMethod, RequestId, SocketId};
use engineio_proto::{Frame, Instant, ProtocolVersion, Str, TransportKind};
use socketio_proto::client::{
    AckError, AckToken, EmitOptions, EngineId, Event, Manager, ManagerConfig, Output, SocketHandle,
};
use socketio_proto::{Args, Json};

use crate::sio_wire::{SioPiece, NAMESPACES};
use crate::wire::{text_polling_body, TextPiece};

/// Most steps of one run: keeps each execution cheap.
const MAX_STEPS: usize = 64;
/// Longest time step, in milliseconds.
const MAX_STEP_MILLIS: u64 = 5_000;
/// An engine id the manager never issues in a run.
const BOGUS_ENGINE: EngineId = EngineId(1 << 40);

/// The manager's configuration.
#[derive(Debug, Arbitrary)]
pub struct SioClientSettings {
    v3: bool,
    polling: bool,
    no_reconnection: bool,
    reconnection_attempts: Option<u8>,
    reconnection_delay: u8,
    timeout: Option<u16>,
    ack_timeout: Option<u16>,
    retries: u8,
}

impl SioClientSettings {
    fn config(&self) -> ManagerConfig {
        let protocol = if self.v3 { ProtocolVersion::V3 } else { ProtocolVersion::V4 };
        let mut engine = ClientConfig::new(protocol);
        engine.transports = vec![if self.polling { TransportKind::Polling } else { TransportKind::WebSocket }];
        engine.upgrade = false;
        let mut config = ManagerConfig::new(engine);
        let millis = |value: u16| Duration::from_millis(u64::from(value) + 1);
        config.reconnection = !self.no_reconnection;
        config.reconnection_attempts = self.reconnection_attempts.map(|attempts| u32::from(attempts % 4));
        config.reconnection_delay = Duration::from_millis((u64::from(self.reconnection_delay) + 1) * 10);
        config.reconnection_delay_max = config.reconnection_delay * 4;
        config.timeout = self.timeout.map(millis);
        config.ack_timeout = self.ack_timeout.map(millis);
        config.retries = u32::from(self.retries % 4);
        config
    }
}

/// One Engine.IO packet from the server.
#[derive(Debug, Arbitrary)]
pub enum ServerPacket {
    /// A Socket.IO packet: `4` followed by the pieces.
    Sio(Vec<SioPiece>),
    /// Engine.IO text (the open packet, pings, close, anything).
    Engine(Vec<TextPiece>),
}

impl ServerPacket {
    fn text(&self) -> String {
        match self {
            ServerPacket::Sio(pieces) => format!("4{}", SioPiece::join(pieces)),
            ServerPacket::Engine(pieces) => TextPiece::join(pieces),
        }
    }
}

/// The body of an HTTP response.
#[derive(Debug, Arbitrary)]
pub enum ResponseBody {
    /// Records framed for the protocol.
    Packets(Vec<ServerPacket>),
    /// Arbitrary bytes.
    Raw(Vec<u8>),
}

/// Which I/O operation an outcome is for.
#[derive(Debug, Arbitrary)]
pub enum IoTarget {
    /// The latest one the manager asked for.
    Latest,
    /// The `n`th asked for (modulo), possibly of an earlier engine or already answered.
    Issued(u8),
    /// One of an engine id never issued.
    Bogus,
}

/// One thing that happens to the client.
#[derive(Debug, Arbitrary)]
pub enum SioClientStep {
    /// An HTTP response.
    Respond(IoTarget, Option<u16>, ResponseBody),
    /// An HTTP request failed.
    HttpFailed(IoTarget),
    /// A WebSocket connected.
    WebSocketOpened(IoTarget),
    /// A WebSocket failed or closed.
    WebSocketFailed(IoTarget),
    /// A text frame.
    Frame(IoTarget, ServerPacket),
    /// A binary frame.
    BinaryFrame(IoTarget, Vec<u8>),
    /// The answer to `RandomNeeded` (or a spurious one).
    Random(u32),
    /// `socket(namespace, auth)`.
    Socket(u8, bool),
    /// `connect` of the `n`th socket.
    Connect(u8),
    /// `emit` on the `n`th socket: ack, timeout, volatile, binary.
    Emit(u8, bool, Option<u16>, bool, bool),
    /// `ack` of an event id on the `n`th socket.
    Ack(u8, u8),
    /// `disconnect` of the `n`th socket.
    Disconnect(u8),
    /// `close`.
    Close,
    /// Time passes (bounded) and the driver calls `handle_timeout`.
    Advance(u16),
}

/// A whole run: the configuration, then the steps.
#[derive(Debug, Arbitrary)]
pub struct SioClientScenario {
    /// The configuration.
    pub settings: SioClientSettings,
    /// What happens.
    pub steps: Vec<SioClientStep>,
}

struct Driver {
    manager: Manager,
    protocol: ProtocolVersion,
    reconnection: bool,
    limit: Option<u32>,
    now: Instant,
    requests: Vec<(EngineId, RequestId)>,
    websockets: Vec<(EngineId, SocketId)>,
    sockets: Vec<SocketHandle>,
    issued: BTreeSet<AckToken>,
    resolved: BTreeSet<AckToken>,
    /// `close()` was called and no socket was connected since.
    closed_by_user: bool,
    /// `ReconnectFailed` was reported and nothing restarted the manager since.
    gave_up: bool,
    last_attempt: Option<u32>,
    /// `RandomNeeded` was issued and not answered yet.
    random_asked: bool,
    /// A random number answered a `RandomNeeded`: an attempt may start.
    attempt_scheduled: bool,
    /// `Open` was reported and no `Close` since.
    open: bool,
    /// The deadline of each ack, when the retry queue is off.
    ack_deadlines: BTreeMap<AckToken, Option<Instant>>,
    retries: u32,
    ack_timeout: Option<Duration>,
}

impl Driver {
    fn pick<T: Copy>(items: &[T], target: &IoTarget) -> Option<T> {
        match target {
            IoTarget::Latest => items.last().copied(),
            IoTarget::Issued(index) => match items.len() {
                0 => None,
                len => items.get(usize::from(*index) % len).copied(),
            },
            IoTarget::Bogus => None,
        }
    }

    fn request(&self, target: &IoTarget) -> (EngineId, RequestId) {
        Self::pick(&self.requests, target).unwrap_or((BOGUS_ENGINE, RequestId(0)))
    }

    fn websocket(&self, target: &IoTarget) -> (EngineId, SocketId) {
        Self::pick(&self.websockets, target).unwrap_or((BOGUS_ENGINE, SocketId(0)))
    }

    /// The `n`th socket made so far (modulo), if any.
    fn socket(&self, index: u8) -> Option<SocketHandle> {
        match self.sockets.len() {
            0 => None,
            len => self.sockets.get(usize::from(index) % len).copied(),
        }
    }

    fn drain(&mut self) -> Vec<Output> {
        let mut seen = Vec::new();
        while let Some(output) = self.manager.poll_output() {
            self.see(&output);
            seen.push(output);
        }
        seen
    }

    fn see(&mut self, output: &Output) {
        match output {
            Output::Engine { engine, output } => match output {
                ClientOutput::HttpRequest { id, method, .. } => {
                    assert!(matches!(method, HttpMethod::Get | HttpMethod::Post));
                    self.requests.push((*engine, *id));
                }
                ClientOutput::OpenWebSocket { id, .. } => self.websockets.push((*engine, *id)),
                _ => {}
            },
            Output::RandomNeeded => {
                self.random_asked = true;
                assert!(self.reconnection, "RandomNeeded with reconnection off");
                assert!(!self.closed_by_user, "RandomNeeded after close()");
                assert!(!self.gave_up, "RandomNeeded after ReconnectFailed");
            }
            Output::Event(event) => self.see_event(event),
        }
    }

    fn see_event(&mut self, event: &Event) {
        match event {
            Event::AckReceived { token, .. } | Event::AckFailed { token, .. } => {
                assert!(self.issued.contains(token), "{token:?} resolved, never issued");
                assert!(self.resolved.insert(*token), "{token:?} resolved twice");
                if let (Event::AckFailed { error: AckError::TimedOut, .. }, Some(deadline)) =
                    (event, self.ack_deadlines.get(token))
                {
                    assert!(deadline.is_some_and(|deadline| deadline <= self.now), "{token:?} timed out early");
                }
            }
            Event::Connect { .. } | Event::Received { .. } => {
                assert!(self.open, "{event:?} while the manager is not open");
            }
            Event::Close { .. } => self.open = false,
            Event::ReconnectAttempt { attempt } => {
                assert!(!self.closed_by_user, "ReconnectAttempt {attempt} after close()");
                assert!(!self.gave_up, "ReconnectAttempt {attempt} after ReconnectFailed");
                assert!(*attempt >= 1, "attempts count from 1");
                assert!(self.attempt_scheduled, "ReconnectAttempt {attempt} without a random number answered");
                self.attempt_scheduled = false;
                if let Some(limit) = self.limit {
                    assert!(*attempt <= limit, "attempt {attempt} over the limit {limit}");
                }
                self.last_attempt = Some(*attempt);
            }
            Event::Reconnect { attempt } => {
                assert_eq!(Some(*attempt), self.last_attempt, "Reconnect names another attempt");
                self.last_attempt = None;
            }
            Event::ReconnectFailed => {
                assert!(!self.gave_up, "ReconnectFailed twice in one outage");
                self.gave_up = true;
                self.last_attempt = None;
            }
            Event::Open => {
                self.gave_up = false;
                self.open = true;
            }
            _ => {}
        }
    }

    /// Feeds an outcome of engine `engine`: one that is not the current
    /// engine's may only produce that engine's own I/O (it finishes closing),
    /// and one of an engine never issued nothing at all.
    fn engine_io(&mut self, engine: EngineId, feed: impl FnOnce(&mut Manager, Instant)) {
        let current = self.manager.engine().map(|(id, _)| id);
        let deadline = self.manager.poll_timeout();
        feed(&mut self.manager, self.now);
        let outputs = self.drain();
        if current == Some(engine) {
            return;
        }
        if engine == BOGUS_ENGINE {
            assert!(outputs.is_empty(), "I/O of an engine never issued produced {outputs:?}");
            assert_eq!(self.manager.poll_timeout(), deadline, "I/O of an engine never issued moved the deadline");
            return;
        }
        for output in &outputs {
            let own_io = matches!(output, Output::Engine { engine: id, output }
                if *id == engine && !matches!(output, ClientOutput::Event(_)));
            assert!(own_io, "I/O of stale engine {engine:?} produced {output:?}");
        }
    }

    fn step(&mut self, step: &SioClientStep) {
        let now = self.now;
        match step {
            SioClientStep::Respond(target, status, body) => {
                let (engine, id) = self.request(target);
                let (body, binary) = match body {
                    ResponseBody::Packets(packets) => {
                        (text_polling_body(self.protocol, packets.iter().map(ServerPacket::text)), false)
                    }
                    ResponseBody::Raw(bytes) => (Bytes::from(bytes.clone()), true),
                };
                let status = status.unwrap_or(200);
                self.engine_io(engine, |manager, now| {
                    manager.handle_http_response(now, engine, id, status, binary, body)
                });
            }
            SioClientStep::HttpFailed(target) => {
                let (engine, id) = self.request(target);
                self.engine_io(engine, |manager, now| manager.handle_http_failed(now, engine, id, "connection reset"));
            }
            SioClientStep::WebSocketOpened(target) => {
                let (engine, id) = self.websocket(target);
                self.engine_io(engine, |manager, now| manager.handle_websocket_opened(now, engine, id));
            }
            SioClientStep::WebSocketFailed(target) => {
                let (engine, id) = self.websocket(target);
                self.engine_io(engine, |manager, now| {
                    manager.handle_websocket_failed(now, engine, id, "connection refused")
                });
            }
            SioClientStep::Frame(target, packet) => {
                let (engine, id) = self.websocket(target);
                let frame = Frame::Text(Str::from(packet.text()));
                self.engine_io(engine, |manager, now| manager.handle_frame(now, engine, id, frame));
            }
            SioClientStep::BinaryFrame(target, bytes) => {
                let (engine, id) = self.websocket(target);
                let frame = Frame::Binary(Bytes::from(bytes.clone()));
                self.engine_io(engine, |manager, now| manager.handle_frame(now, engine, id, frame));
            }
            SioClientStep::Random(random) => {
                self.manager.handle_random(now, *random);
                if std::mem::take(&mut self.random_asked) {
                    self.attempt_scheduled = true;
                }
            }
            SioClientStep::Socket(namespace, auth) => {
                self.restarted();
                let namespace = NAMESPACES[usize::from(*namespace) % NAMESPACES.len()];
                let auth = auth.then(|| Json::from_serialize(&serde_json::json!({ "token": "t" })).ok()).flatten();
                let handle = self.manager.socket(now, namespace, auth);
                if !self.sockets.contains(&handle) {
                    self.sockets.push(handle);
                }
            }
            SioClientStep::Connect(index) => {
                if let Some(socket) = self.socket(*index) {
                    self.restarted();
                    self.manager.connect(now, socket);
                }
            }
            SioClientStep::Emit(index, ack, timeout, volatile, binary) => {
                let Some(socket) = self.socket(*index) else { return };
                let timeout = timeout.map(|ms| Duration::from_millis(u64::from(ms) + 1));
                let options = EmitOptions { ack: *ack, timeout, volatile: *volatile };
                let args = if *binary {
                    Args::builder().binary(Bytes::from_static(b"\x07")).build()
                } else {
                    Args::builder().raw_json("1").build()
                };
                if let Ok(token) = self.manager.emit(now, socket, "ev", args, options) {
                    assert_eq!(token.is_some(), *ack, "a token iff an ack was asked for");
                    if let Some(token) = token {
                        assert!(self.issued.insert(token), "{token:?} issued twice");
                        if self.retries == 0 || *volatile {
                            let deadline = timeout.or(self.ack_timeout).map(|timeout| now + timeout);
                            self.ack_deadlines.insert(token, deadline);
                        }
                    }
                }
            }
            SioClientStep::Ack(index, id) => {
                let Some(socket) = self.socket(*index) else { return };
                self.manager.ack(now, socket, u64::from(*id), Args::empty());
            }
            SioClientStep::Disconnect(index) => {
                let Some(socket) = self.socket(*index) else { return };
                self.manager.disconnect(now, socket);
            }
            SioClientStep::Close => {
                self.manager.close(now);
                self.drain();
                self.closed_by_user = true;
                assert!(!self.manager.reconnecting(), "reconnecting after close()");
                // A closed manager releases its engine session.
                let engine = self.manager.engine().map(|(_, session)| session.state());
                assert!(engine.is_none_or(|state| state == ClientState::Closed), "engine {engine:?} after close()");
                for &socket in &self.sockets {
                    assert!(!self.manager.connected(socket), "{socket:?} connected after close()");
                }
            }
            SioClientStep::Advance(millis) => {
                self.now += Duration::from_millis(u64::from(*millis) % (MAX_STEP_MILLIS + 1));
                self.manager.handle_timeout(self.now);
                self.drain();
                if let Some(deadline) = self.manager.poll_timeout() {
                    assert!(deadline > self.now, "after handle_timeout: deadline {deadline:?} <= now {:?}", self.now);
                }
            }
        }
        self.drain();
        for &socket in &self.sockets {
            let connected = self.manager.connected(socket);
            assert_eq!(connected, self.manager.id(socket).is_some(), "connected and id disagree for {socket:?}");
        }
        if self.gave_up || self.closed_by_user {
            assert!(!self.manager.reconnecting(), "reconnecting after giving up or close()");
        }
    }

    /// A user call that (re)starts connecting: a new outage may end in a new
    /// `ReconnectFailed`, and reconnection is allowed again.
    fn restarted(&mut self) {
        self.closed_by_user = false;
        self.gave_up = false;
    }
}

/// Runs `scenario` and panics on the first broken invariant.
pub fn run(scenario: &SioClientScenario) {
    let config = scenario.settings.config();
    let protocol = config.engine.protocol;
    let limit = config.reconnection_attempts;
    let (retries, ack_timeout) = (config.retries, config.ack_timeout);
    let reconnection = config.reconnection;
    let manager = Manager::new(config, Instant::ZERO);
    let mut driver = Driver {
        manager,
        protocol,
        reconnection,
        limit,
        now: Instant::ZERO,
        requests: Vec::new(),
        websockets: Vec::new(),
        sockets: Vec::new(),
        issued: BTreeSet::new(),
        resolved: BTreeSet::new(),
        closed_by_user: false,
        gave_up: false,
        last_attempt: None,
        random_asked: false,
        attempt_scheduled: false,
        open: false,
        ack_deadlines: BTreeMap::new(),
        retries,
        ack_timeout,
    };
    driver.drain();
    for step in scenario.steps.iter().take(MAX_STEPS) {
        driver.step(step);
    }
}

//! The Socket.IO client: a [`Manager`] (one Engine.IO connection at a time)
//! with namespace sockets on it, behaving like `socket.io-client` 4.8 (and
//! 2.x for protocol v4).
//!
//! The manager owns the Engine.IO [`ClientSession`]: the driver performs the
//! [`Output::Engine`] outputs and reports their outcomes with the `handle_*`
//! methods, passing the [`EngineId`] of the output. After a connection loss
//! the manager waits the backoff delay and opens a fresh session itself;
//! outcomes of an earlier session are routed to it (while it finishes
//! closing) or ignored.
//!
//! Randomness: timing a reconnection attempt needs one random number; the
//! manager asks with [`Output::RandomNeeded`] and waits for
//! [`Manager::handle_random`].
//!
//! ```
//! use engineio_proto::client::{ClientConfig, ClientOutput};
//! use engineio_proto::{Frame, Instant, ProtocolVersion, Str, TransportKind};
//! use socketio_proto::client::{Event, Manager, ManagerConfig, Output};
//!
//! let mut engine = ClientConfig::new(ProtocolVersion::V4);
//! engine.transports = vec![TransportKind::WebSocket];
//! let mut manager = Manager::new(ManagerConfig::new(engine), Instant::ZERO);
//! let main = manager.socket(Instant::ZERO, "/", None);
//! let Some(Output::Engine { engine, output: ClientOutput::OpenWebSocket { id, .. } }) = manager.poll_output()
//! else { unreachable!() };
//! manager.handle_websocket_opened(Instant::ZERO, engine, id);
//! let open = r#"0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
//! manager.handle_frame(Instant::ZERO, engine, id, Frame::Text(Str::from(open)));
//! manager.handle_frame(Instant::ZERO, engine, id, Frame::Text(Str::from(r#"40{"sid":"s1"}"#)));
//! let events: Vec<_> = std::iter::from_fn(|| manager.poll_output()).collect();
//! assert!(events.contains(&Output::Event(Event::Connect { socket: main })));
//! assert_eq!(manager.id(main), Some("s1"));
//! ```

mod backoff;
mod config;
mod output;
mod socket;

pub use config::{EmitOptions, ManagerConfig};
pub use output::{AckError, AckToken, DisconnectReason, EmitError, EngineId, Event, Output, SocketHandle};

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use bytes::Bytes;
use engineio_proto::client::SocketId as EngineSocketId;
use engineio_proto::client::{ClientCloseReason, ClientEvent, ClientOutput, ClientSession, ClientState, RequestId};
use engineio_proto::time::earliest;
use engineio_proto::{Frame, Instant, Message, Str};

use crate::args::Args;
use crate::decode::Decoder;
use crate::json::Json;
use crate::packet::{Event as EventPacket, EventName, Packet, PacketData, ProtocolVersion};
use backoff::Backoff;
use socket::{v2_query, AckTarget, PendingAck, Queued, Socket};

/// Event names `socket.io-client` refuses to emit.
const RESERVED_EVENTS: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// The reference's answer to a v5 CONNECT reply without `sid`.
const V2_SERVER_MESSAGE: &str = "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)";

/// The manager's connection state (`_readyState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadyState {
    Closed,
    Opening,
    Open,
}

/// The pending reconnection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReconnectTimer {
    Idle,
    /// [`Output::RandomNeeded`] was issued.
    AwaitingRandom,
    At(Instant),
}

/// The current Engine.IO session.
#[derive(Debug)]
struct Engine {
    id: EngineId,
    session: ClientSession,
    /// Parameters put before the Engine.IO query of each of its requests
    /// (v4: the auth, as the JS 2.x client's `query` option).
    query: Option<String>,
}

impl Engine {
    /// The output for the driver, with [`Engine::query`] in its request.
    fn output(&self, mut output: ClientOutput) -> Output {
        if let (Some(query), ClientOutput::HttpRequest { query: engine_query, .. })
        | (Some(query), ClientOutput::OpenWebSocket { query: engine_query, .. }) = (&self.query, &mut output)
        {
            *engine_query = format!("{query}&{engine_query}");
        }
        Output::Engine { engine: self.id, output }
    }
}

/// A sans-IO Socket.IO client manager. See the [module documentation](self).
#[derive(Debug)]
pub struct Manager {
    config: ManagerConfig,
    protocol: ProtocolVersion,
    ready: ReadyState,
    engine: Option<Engine>,
    /// Sessions the manager closed that still finish their I/O.
    retiring: Vec<Engine>,
    next_engine: u64,
    websocket_succeeded: bool,
    decoder: Decoder,
    sockets: Vec<Socket>,
    backoff: Backoff,
    reconnecting: bool,
    skip_reconnect: bool,
    reconnect_timer: ReconnectTimer,
    /// The connect timeout of the session being opened.
    open_deadline: Option<Instant>,
    /// Whether the session being opened is a reconnection attempt.
    opening_attempt: bool,
    outputs: VecDeque<Output>,
    next_token: u64,
    /// Whether to report [`Event::Sent`].
    report_outgoing: bool,
}

impl Manager {
    /// A manager that starts connecting at once (`autoConnect`).
    pub fn new(config: ManagerConfig, now: Instant) -> Manager {
        let protocol = config.protocol();
        let backoff =
            Backoff::new(config.reconnection_delay, config.reconnection_delay_max, config.randomization_factor);
        let mut manager = Manager {
            protocol,
            ready: ReadyState::Closed,
            engine: None,
            retiring: Vec::new(),
            next_engine: 0,
            websocket_succeeded: false,
            decoder: Decoder::new(protocol),
            sockets: Vec::new(),
            backoff,
            reconnecting: false,
            skip_reconnect: !config.reconnection,
            reconnect_timer: ReconnectTimer::Idle,
            open_deadline: None,
            opening_attempt: false,
            outputs: VecDeque::new(),
            next_token: 0,
            report_outgoing: false,
            config,
        };
        manager.open(now, false);
        manager.pump(now);
        manager
    }

    /// The next thing to do or report, `None` when there is nothing left.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Manager::handle_timeout`] must be called next: heartbeats,
    /// the connect timeout, the reconnection delay, acknowledgement deadlines.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next = self.engine.as_ref().and_then(|engine| engine.session.poll_timeout());
        for engine in &self.retiring {
            next = earliest(next, engine.session.poll_timeout());
        }
        next = earliest(next, self.open_deadline);
        if let ReconnectTimer::At(at) = self.reconnect_timer {
            next = earliest(next, Some(at));
        }
        for socket in &self.sockets {
            next = earliest(next, socket.next_deadline());
        }
        next
    }

    /// Runs the timers that are due; calls before any deadline are no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(engine) = self.engine.as_mut() {
            engine.session.handle_timeout(now);
        }
        for engine in &mut self.retiring {
            engine.session.handle_timeout(now);
        }
        self.pump(now);
        if self.ready == ReadyState::Opening && self.open_deadline.is_some_and(|at| at <= now) {
            // `open()`'s timer: the attempt fails, then the session is closed.
            self.retire_engine();
            self.on_open_error(String::from("timeout"));
        }
        if matches!(self.reconnect_timer, ReconnectTimer::At(at) if at <= now) {
            self.reconnect_timer = ReconnectTimer::Idle;
            if !self.skip_reconnect {
                self.push_event(Event::ReconnectAttempt { attempt: self.backoff.attempts });
                self.open(now, true);
            }
        }
        for index in 0..self.sockets.len() {
            self.expire_acks(now, SocketHandle(index));
        }
        self.pump(now);
    }

    /// The random number asked for by [`Output::RandomNeeded`], uniform over
    /// `u32`: schedules the reconnection attempt. Ignored when none is waiting.
    pub fn handle_random(&mut self, now: Instant, random: u32) {
        if self.reconnect_timer == ReconnectTimer::AwaitingRandom {
            let delay = self.backoff.duration(random);
            self.reconnect_timer = ReconnectTimer::At(now + delay);
        }
    }

    /// The outcome of an [`ClientOutput::HttpRequest`] (see
    /// [`ClientSession::handle_http_response`]).
    pub fn handle_http_response(
        &mut self,
        now: Instant,
        engine: EngineId,
        request: RequestId,
        status: u16,
        binary_content_type: bool,
        body: Bytes,
    ) {
        self.with_engine(now, engine, |session| {
            session.handle_http_response(now, request, status, binary_content_type, body)
        });
    }

    /// An [`ClientOutput::HttpRequest`] failed without an answer.
    pub fn handle_http_failed(&mut self, now: Instant, engine: EngineId, request: RequestId, cause: &str) {
        self.with_engine(now, engine, |session| session.handle_http_failed(now, request, cause));
    }

    /// A WebSocket from [`ClientOutput::OpenWebSocket`] connected.
    pub fn handle_websocket_opened(&mut self, now: Instant, engine: EngineId, socket: EngineSocketId) {
        self.with_engine(now, engine, |session| session.handle_websocket_opened(now, socket));
    }

    /// A WebSocket from [`ClientOutput::OpenWebSocket`] failed or closed.
    pub fn handle_websocket_failed(&mut self, now: Instant, engine: EngineId, socket: EngineSocketId, cause: &str) {
        self.with_engine(now, engine, |session| session.handle_websocket_failed(now, socket, cause));
    }

    /// A frame arrived on a WebSocket from [`ClientOutput::OpenWebSocket`].
    pub fn handle_frame(&mut self, now: Instant, engine: EngineId, socket: EngineSocketId, frame: Frame) {
        self.with_engine(now, engine, |session| session.handle_frame(now, socket, frame));
    }

    /// The driver wrote `count` more frames of [`ClientOutput::Transmit`] to
    /// `socket` (see [`ClientSession::handle_frames_written`]).
    pub fn handle_frames_written(&mut self, now: Instant, engine: EngineId, socket: EngineSocketId, count: usize) {
        self.with_engine(now, engine, |session| session.handle_frames_written(now, socket, count));
    }

    /// A WebSocket received a message over its limit and was closed (see
    /// [`ClientSession::handle_message_too_large`]).
    pub fn handle_message_too_large(&mut self, now: Instant, engine: EngineId, socket: EngineSocketId) {
        self.with_engine(now, engine, |session| session.handle_message_too_large(now, socket));
    }

    /// The socket of `namespace` (`io.socket(nsp, { auth })`), created on
    /// first use, which connects (again, if it was inactive). `auth` is the
    /// v5 CONNECT payload, a JSON object. In v4 its scalar members travel as
    /// the JS 2.x client sends its `query`: in the CONNECT's namespace
    /// (`/admin?token=1`, after any query given with the namespace); see
    /// also [`ManagerConfig::engine_query_auth`].
    pub fn socket(&mut self, now: Instant, namespace: &str, auth: Option<Json>) -> SocketHandle {
        let existing = self.sockets.iter().position(|socket| socket.namespace.as_str() == namespace);
        let handle = match existing {
            Some(index) => {
                let handle = SocketHandle(index);
                if self.sockets.get(index).is_some_and(|socket| socket.active) {
                    return handle;
                }
                handle
            }
            None => {
                self.sockets.push(Socket::new(Str::from(String::from(namespace)), auth));
                SocketHandle(self.sockets.len() - 1)
            }
        };
        self.connect(now, handle);
        handle
    }

    /// [`Manager::socket`] whose auth is a function of the application
    /// (`auth: (cb) => …` in the reference), evaluated before each CONNECT:
    /// the manager reports [`Event::AuthNeeded`] where it would send the
    /// CONNECT and sends it on [`Manager::provide_auth`]. In protocol v4 the
    /// main namespace, joined implicitly, asks for none.
    pub fn socket_with_auth_callback(&mut self, now: Instant, namespace: &str) -> SocketHandle {
        let existing = self.sockets.iter().position(|socket| socket.namespace.as_str() == namespace);
        if existing.is_none() {
            let mut socket = Socket::new(Str::from(String::from(namespace)), None);
            socket.auth_deferred = true;
            self.sockets.push(socket);
        }
        self.socket(now, namespace, None)
    }

    /// The answer to [`Event::AuthNeeded`]: the socket's CONNECT goes out
    /// with `auth` (a JSON object). Ignored when nothing waits for it (the
    /// connection it was asked for closed in the meantime: the next one asks
    /// again).
    pub fn provide_auth(&mut self, now: Instant, socket: SocketHandle, auth: Option<Json>) {
        let current = self.engine.as_ref().map(|engine| engine.id);
        let open = self.ready == ReadyState::Open;
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        let waiting = state.auth_pending.take();
        if waiting.is_none() || waiting != current || !open || !state.active || state.connected {
            return;
        }
        state.auth = auth;
        let packet = state.connect_packet(self.protocol);
        self.write(&packet);
        self.pump(now);
    }

    /// Connects a socket (`socket.connect()`): after a refusal or a
    /// disconnection, or when the manager gave up reconnecting.
    pub fn connect(&mut self, now: Instant, socket: SocketHandle) {
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        if state.connected {
            return;
        }
        state.active = true;
        if !self.reconnecting {
            self.open(now, false);
        }
        if self.ready == ReadyState::Open {
            self.send_connect(socket);
        }
        self.pump(now);
    }

    /// Emits an event (`socket.emit`). With [`EmitOptions::ack`] the returned
    /// token resolves once. While the socket is not connected the event is
    /// buffered (a volatile one is dropped if the transport is not writable)
    /// and sent, in order, once the namespace is joined.
    pub fn emit(
        &mut self,
        now: Instant,
        socket: SocketHandle,
        event: impl Into<EventName>,
        args: Args,
        options: EmitOptions,
    ) -> Result<Option<AckToken>, EmitError> {
        let name = event.into();
        if let EventName::Text(text) = &name {
            if RESERVED_EVENTS.contains(&text.as_str()) {
                return Err(EmitError::ReservedEventName(text.as_str().to_string()));
            }
        }
        if self.sockets.get(socket.0).is_none() {
            return Err(EmitError::UnknownSocket);
        }
        let token = options.ack.then(|| self.allocate_token());
        if self.config.retries > 0 && !options.volatile {
            if let Some(state) = self.sockets.get_mut(socket.0) {
                let seq = state.next_queue_seq;
                state.next_queue_seq += 1;
                let timeout = options.timeout;
                state.queue.push_back(Queued { seq, tries: 0, pending: false, name, args, timeout, token });
            }
            self.drain_queue(now, socket, false);
        } else {
            let target = token.map(AckTarget::User);
            let outgoing = Outgoing { name, args, target, timeout: options.timeout, volatile: options.volatile };
            self.emit_packet(now, socket, outgoing);
        }
        self.pump(now);
        Ok(token)
    }

    /// Answers an event the server sent with an ack id (the reference's ack
    /// callback): sent once, later calls with the same id do nothing.
    pub fn ack(&mut self, now: Instant, socket: SocketHandle, ack_id: u64, args: Args) {
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        if state.server_acks.remove(&ack_id) {
            let packet = Packet::ack(state.namespace.clone(), ack_id, args);
            self.write(&packet);
            self.pump(now);
        }
    }

    /// Leaves the namespace (`socket.disconnect()`): `Disconnect` with
    /// "io client disconnect" if it was connected; the socket becomes
    /// inactive, and the manager closes when no socket is active.
    pub fn disconnect(&mut self, now: Instant, socket: SocketHandle) {
        let Some(state) = self.sockets.get(socket.0) else {
            return;
        };
        let connected = state.connected;
        if connected {
            self.write(&Packet::disconnect(state.namespace.clone()));
        }
        self.destroy(now, socket);
        if connected {
            self.socket_closed(now, socket, DisconnectReason::IoClientDisconnect);
        }
        self.pump(now);
    }

    /// Closes the connection and stops reconnecting (`io.disconnect()`);
    /// active sockets get `Disconnect` with "forced close" and reconnect on
    /// [`Manager::connect`].
    pub fn close(&mut self, now: Instant) {
        self.skip_reconnect = true;
        self.reconnecting = false;
        self.on_close(now, DisconnectReason::ForcedClose);
        self.pump(now);
    }

    /// Whether the socket has joined its namespace.
    pub fn connected(&self, socket: SocketHandle) -> bool {
        self.sockets.get(socket.0).is_some_and(|socket| socket.connected)
    }

    /// Whether the socket is connected or will (re)connect by itself.
    pub fn active(&self, socket: SocketHandle) -> bool {
        self.sockets.get(socket.0).is_some_and(|socket| socket.active)
    }

    /// Whether the last connection restored the previous session (the server
    /// answered with the same recovery `pid`).
    pub fn recovered(&self, socket: SocketHandle) -> bool {
        self.sockets.get(socket.0).is_some_and(|socket| socket.recovered)
    }

    /// The socket id while connected (v4: `/nsp#engine-id`, or the engine id
    /// on `/`).
    pub fn id(&self, socket: SocketHandle) -> Option<&str> {
        self.sockets.get(socket.0)?.id.as_deref()
    }

    /// The namespace of a socket, as given to [`Manager::socket`].
    pub fn namespace(&self, socket: SocketHandle) -> Option<&str> {
        self.sockets.get(socket.0).map(|socket| socket.namespace.as_str())
    }

    /// The current Engine.IO session and its id, if one is opening or open.
    pub fn engine(&self) -> Option<(EngineId, &ClientSession)> {
        self.engine.as_ref().map(|engine| (engine.id, &engine.session))
    }

    /// Whether to report every event sent to the server as [`Event::Sent`]
    /// (off by default: it costs a copy of each event's handles).
    pub fn report_outgoing(&mut self, report: bool) {
        self.report_outgoing = report;
    }

    /// Whether the manager is waiting to reconnect or reconnecting.
    pub fn reconnecting(&self) -> bool {
        self.reconnecting
    }

    /// Whether an Engine.IO session still exists: the current one, or one
    /// closing that still finishes its I/O (a driver stopping after
    /// [`Manager::close`] keeps serving outcomes until this is `false`).
    pub fn has_sessions(&self) -> bool {
        self.engine.is_some() || !self.retiring.is_empty()
    }

    /// Feeds an engine outcome to the session it belongs to, then processes
    /// what it produced.
    fn with_engine(&mut self, now: Instant, engine: EngineId, feed: impl FnOnce(&mut ClientSession)) {
        if let Some(current) = self.engine.as_mut().filter(|current| current.id == engine) {
            feed(&mut current.session);
        } else if let Some(old) = self.retiring.iter_mut().find(|old| old.id == engine) {
            feed(&mut old.session);
        } else {
            return;
        }
        self.pump(now);
    }

    /// Drains the sessions' outputs: I/O goes to the driver, events of the
    /// current session drive the manager; a retired session is dropped once
    /// closed and drained.
    fn pump(&mut self, now: Instant) {
        loop {
            let mut progressed = false;
            for old in &mut self.retiring {
                while let Some(output) = old.session.poll_output() {
                    if !matches!(output, ClientOutput::Event(_)) {
                        self.outputs.push_back(old.output(output));
                    }
                }
            }
            self.retiring.retain(|old| old.session.state() != ClientState::Closed);
            if let Some(engine) = self.engine.as_mut() {
                let id = engine.id;
                if let Some(output) = engine.session.poll_output() {
                    progressed = true;
                    match output {
                        ClientOutput::Event(event) => self.on_engine_event(now, id, event),
                        output => {
                            let output = engine.output(output);
                            self.outputs.push_back(output);
                        }
                    }
                }
            }
            if !progressed {
                break;
            }
        }
    }

    fn on_engine_event(&mut self, now: Instant, id: EngineId, event: ClientEvent) {
        match event {
            ClientEvent::Message(message) => self.on_message(now, message),
            ClientEvent::Open(open) => {
                self.outputs
                    .push_back(Output::Engine { engine: id, output: ClientOutput::Event(ClientEvent::Open(open)) });
                if self.ready == ReadyState::Opening {
                    self.on_open();
                }
            }
            ClientEvent::Error(error) => {
                let message = error.to_string();
                self.outputs
                    .push_back(Output::Engine { engine: id, output: ClientOutput::Event(ClientEvent::Error(error)) });
                match self.ready {
                    ReadyState::Opening => self.on_open_error(message),
                    ReadyState::Open => self.on_error(message),
                    ReadyState::Closed => {}
                }
            }
            ClientEvent::Closed(reason) => {
                self.outputs
                    .push_back(Output::Engine { engine: id, output: ClientOutput::Event(ClientEvent::Closed(reason)) });
                if let Some(engine) = self.engine.take() {
                    self.websocket_succeeded = engine.session.websocket_succeeded();
                    self.retiring.push(engine);
                }
                match self.ready {
                    ReadyState::Opening => self.on_open_error(String::from(reason.as_str())),
                    ReadyState::Open => self.on_close(now, disconnect_reason(reason)),
                    ReadyState::Closed => {}
                }
            }
            other => self.outputs.push_back(Output::Engine { engine: id, output: ClientOutput::Event(other) }),
        }
    }

    /// `open()`: starts a session unless one is opening or open.
    fn open(&mut self, now: Instant, attempt: bool) {
        if self.ready != ReadyState::Closed {
            return;
        }
        self.retire_engine();
        let id = EngineId(self.next_engine);
        self.next_engine += 1;
        let session = ClientSession::new(self.config.engine.clone(), self.websocket_succeeded);
        self.engine = Some(Engine { id, session, query: self.engine_query() });
        self.ready = ReadyState::Opening;
        self.skip_reconnect = !self.config.reconnection;
        self.open_deadline = self.config.timeout.map(|timeout| now + timeout);
        self.opening_attempt = attempt;
        self.decoder.reset();
    }

    /// The parameters every request of a new session carries: in v4
    /// [`ManagerConfig::engine_query_auth`] as a query.
    fn engine_query(&self) -> Option<String> {
        match self.protocol {
            ProtocolVersion::V4 => self.config.engine_query_auth.as_ref().and_then(v2_query),
            ProtocolVersion::V5 => None,
        }
    }

    /// `onopen`: every active socket sends CONNECT; a reconnection attempt
    /// is then reported successful.
    fn on_open(&mut self) {
        self.open_deadline = None;
        self.ready = ReadyState::Open;
        self.push_event(Event::Open);
        for index in 0..self.sockets.len() {
            if self.sockets.get(index).is_some_and(|socket| socket.active) {
                self.send_connect(SocketHandle(index));
            }
        }
        if self.opening_attempt {
            self.opening_attempt = false;
            let attempt = self.backoff.attempts;
            self.reconnecting = false;
            self.backoff.reset();
            self.push_event(Event::Reconnect { attempt });
        }
    }

    /// `open()`'s `onError`: the session failed to open.
    fn on_open_error(&mut self, message: String) {
        self.open_deadline = None;
        self.ready = ReadyState::Closed;
        self.on_error(message.clone());
        if self.opening_attempt {
            self.opening_attempt = false;
            self.reconnecting = false;
            self.reconnect();
            self.push_event(Event::ReconnectError { message });
        } else if !self.reconnecting && self.config.reconnection && self.backoff.attempts == 0 {
            // maybeReconnectOnOpen
            self.reconnect();
        }
    }

    /// The manager's `error`: sockets not yet connected see `connect_error`.
    fn on_error(&mut self, message: String) {
        self.push_event(Event::Error { message: message.clone() });
        for index in 0..self.sockets.len() {
            if self.sockets.get(index).is_some_and(|socket| socket.active && !socket.connected) {
                let socket = SocketHandle(index);
                self.push_event(Event::ConnectError { socket, message: message.clone(), data: None });
            }
        }
    }

    /// `onclose`: the session is over; reconnects unless told not to.
    fn on_close(&mut self, now: Instant, reason: DisconnectReason) {
        let was_open = self.ready == ReadyState::Open;
        self.open_deadline = None;
        self.reconnect_timer = ReconnectTimer::Idle;
        self.opening_attempt = false;
        self.decoder.reset();
        self.retire_engine();
        self.backoff.reset();
        self.ready = ReadyState::Closed;
        self.push_event(Event::Close { reason });
        if was_open {
            for index in 0..self.sockets.len() {
                if self.sockets.get(index).is_some_and(|socket| socket.active) {
                    self.socket_closed(now, SocketHandle(index), reason);
                }
            }
        }
        if self.config.reconnection && !self.skip_reconnect {
            self.reconnect();
        }
    }

    /// `reconnect()`: schedules the next attempt, or gives up.
    fn reconnect(&mut self) {
        if self.reconnecting || self.skip_reconnect {
            return;
        }
        if self.config.reconnection_attempts.is_some_and(|limit| self.backoff.attempts >= limit) {
            self.backoff.reset();
            self.push_event(Event::ReconnectFailed);
            self.reconnecting = false;
        } else {
            self.reconnecting = true;
            self.reconnect_timer = ReconnectTimer::AwaitingRandom;
            self.outputs.push_back(Output::RandomNeeded);
        }
    }

    /// Closes the current session (if any) and lets it finish its I/O.
    fn retire_engine(&mut self) {
        if let Some(mut engine) = self.engine.take() {
            engine.session.close();
            self.websocket_succeeded = engine.session.websocket_succeeded();
            self.retiring.push(engine);
        }
    }

    fn on_message(&mut self, now: Instant, message: Message) {
        if self.ready != ReadyState::Open {
            return;
        }
        match self.decoder.decode(message) {
            Ok(Some(packet)) => self.on_packet(now, packet),
            Ok(None) => {}
            Err(_) => self.on_close(now, DisconnectReason::ParseError),
        }
    }

    /// `onpacket` of the active socket of the packet's namespace.
    fn on_packet(&mut self, now: Instant, packet: Packet) {
        let path = packet.namespace_path();
        let Some(index) = self.sockets.iter().position(|socket| socket.active && socket.path() == path) else {
            return;
        };
        let socket = SocketHandle(index);
        match packet.data {
            PacketData::Connect(payload) => self.on_connect_packet(now, socket, payload),
            PacketData::Event(event) => {
                let Some(state) = self.sockets.get_mut(index) else {
                    return;
                };
                if let Some(id) = event.ack_id {
                    state.server_acks.insert(id);
                }
                if state.connected {
                    self.deliver(socket, event);
                } else {
                    state.receive_buffer.push_back(event);
                }
            }
            PacketData::Ack(ack) => {
                let target = self.sockets.get_mut(index).and_then(|state| state.acks.remove(&ack.id));
                if let Some(pending) = target {
                    self.resolve(now, socket, pending.target, Ok(ack.arguments));
                }
            }
            PacketData::Disconnect => {
                self.destroy(now, socket);
                self.socket_closed(now, socket, DisconnectReason::IoServerDisconnect);
            }
            PacketData::ConnectError(payload) => {
                // A refusal of a socket that had joined (no reference server
                // sends one, but a peer can) ends its connection first: it
                // must not stay `connected` while nothing reaches it any more.
                let connected = self.sockets.get(index).is_some_and(|state| state.connected);
                self.destroy(now, socket);
                if connected {
                    self.socket_closed(now, socket, DisconnectReason::IoServerDisconnect);
                }
                let message = payload.connect_error_message().unwrap_or_default();
                let data = connect_error_data(&payload);
                self.push_event(Event::ConnectError { socket, message, data });
            }
        }
    }

    fn on_connect_packet(&mut self, now: Instant, socket: SocketHandle, payload: Option<Json>) {
        let reply = match self.protocol {
            ProtocolVersion::V5 => match payload.as_ref().and_then(|json| json.to_owned_value::<ConnectReply>().ok()) {
                Some(reply) => reply,
                None => {
                    let message = String::from(V2_SERVER_MESSAGE);
                    self.push_event(Event::ConnectError { socket, message, data: None });
                    return;
                }
            },
            ProtocolVersion::V4 => {
                let engine_id = self.engine.as_ref().and_then(|engine| engine.session.sid()).map(|sid| sid.as_str());
                let engine_id = engine_id.unwrap_or_default();
                let path = self.sockets.get(socket.0).map(|state| state.path()).unwrap_or("/");
                let sid = if path == "/" { String::from(engine_id) } else { format!("{path}#{engine_id}") };
                ConnectReply { sid, pid: None }
            }
        };
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        state.id = Some(reply.sid);
        state.recovered = reply.pid.is_some() && state.pid == reply.pid;
        state.pid = reply.pid;
        state.connected = true;
        // emitBuffered: received events first, then the buffered emits.
        let received: Vec<EventPacket> = state.receive_buffer.drain(..).collect();
        let buffered: Vec<(Packet, Option<u64>)> = state.send_buffer.drain(..).collect();
        for event in received {
            self.deliver(socket, event);
        }
        for (packet, _) in buffered {
            self.write(&packet);
            self.notify_sent(socket, packet);
        }
        self.push_event(Event::Connect { socket });
        self.drain_queue(now, socket, true);
    }

    /// Hands an event to the application (`emitEvent`) and records the
    /// recovery offset: with a `pid`, a string last argument of an event
    /// without ack id (the event name when there are no arguments).
    fn deliver(&mut self, socket: SocketHandle, event: EventPacket) {
        if let Some(state) = self.sockets.get_mut(socket.0) {
            if state.pid.is_some() && event.ack_id.is_none() {
                if let Some(offset) = last_string(&event) {
                    state.last_offset = Some(offset);
                }
            }
        }
        self.push_event(Event::Received { socket, event });
    }

    /// Sends the socket's CONNECT (`onopen`). In v4 the main namespace is
    /// joined implicitly and the namespace carries its query.
    fn send_connect(&mut self, socket: SocketHandle) {
        let Some(state) = self.sockets.get(socket.0) else {
            return;
        };
        if self.protocol == ProtocolVersion::V4 && state.path() == "/" {
            return;
        }
        if state.auth_deferred {
            let engine = self.engine.as_ref().map(|engine| engine.id);
            if let Some(state) = self.sockets.get_mut(socket.0) {
                state.auth_pending = engine;
            }
            self.push_event(Event::AuthNeeded { socket });
            return;
        }
        let packet = state.connect_packet(self.protocol);
        self.write(&packet);
    }

    /// `destroy()`: the socket stops reconnecting; with no active socket
    /// left the manager closes.
    fn destroy(&mut self, now: Instant, socket: SocketHandle) {
        if let Some(state) = self.sockets.get_mut(socket.0) {
            state.active = false;
        }
        if !self.sockets.iter().any(|socket| socket.active) {
            self.skip_reconnect = true;
            self.reconnecting = false;
            self.on_close(now, DisconnectReason::ForcedClose);
        }
    }

    /// The socket's `onclose`: `Disconnect`, then acknowledgements of events
    /// already sent fail.
    fn socket_closed(&mut self, now: Instant, socket: SocketHandle, reason: DisconnectReason) {
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        state.connected = false;
        state.id = None;
        state.server_acks.clear();
        self.push_event(Event::Disconnect { socket, reason });
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        let buffered: Vec<u64> = state.send_buffer.iter().filter_map(|(_, id)| *id).collect();
        let sent: Vec<u64> = state.acks.keys().copied().filter(|id| !buffered.contains(id)).collect();
        for id in sent {
            let pending = self.sockets.get_mut(socket.0).and_then(|state| state.acks.remove(&id));
            if let Some(pending) = pending {
                self.resolve(now, socket, pending.target, Err(AckError::Disconnected));
            }
        }
    }

    /// Acknowledgements past their deadline fail, and their events still
    /// buffered are dropped.
    fn expire_acks(&mut self, now: Instant, socket: SocketHandle) {
        loop {
            let Some(state) = self.sockets.get_mut(socket.0) else {
                return;
            };
            let due = state.acks.iter().find(|(_, ack)| ack.deadline.is_some_and(|at| at <= now)).map(|(id, _)| *id);
            let Some(id) = due else {
                return;
            };
            let Some(pending) = state.acks.remove(&id) else {
                return;
            };
            state.send_buffer.retain(|(_, ack_id)| *ack_id != Some(id));
            self.resolve(now, socket, pending.target, Err(AckError::TimedOut));
        }
    }

    /// Delivers an acknowledgement outcome to the application or the queue.
    fn resolve(&mut self, now: Instant, socket: SocketHandle, target: AckTarget, result: Result<Args, AckError>) {
        match target {
            AckTarget::User(token) => self.push_ack_outcome(socket, token, result),
            AckTarget::Queue(seq) => self.on_queue_ack(now, socket, seq, result),
        }
    }

    fn push_ack_outcome(&mut self, socket: SocketHandle, token: AckToken, result: Result<Args, AckError>) {
        self.push_event(match result {
            Ok(args) => Event::AckReceived { socket, token, args },
            Err(error) => Event::AckFailed { socket, token, error },
        });
    }

    /// The queue head's acknowledgement callback (`_addToQueue`): success
    /// or the last failure ends the entry; an earlier failure leaves it to
    /// be sent again.
    fn on_queue_ack(&mut self, now: Instant, socket: SocketHandle, seq: u64, result: Result<Args, AckError>) {
        let retries = self.config.retries;
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        let Some(head) = state.queue.front_mut().filter(|head| head.seq == seq) else {
            return;
        };
        head.pending = false;
        let finished = match result {
            Ok(args) => Some((head.token, Ok(args))),
            Err(error) if head.tries > retries => Some((head.token, Err(error))),
            Err(_) => None,
        };
        if let Some((token, result)) = finished {
            state.queue.pop_front();
            if let Some(token) = token {
                self.push_ack_outcome(socket, token, result);
            }
        }
        self.drain_queue(now, socket, false);
    }

    /// `_drainQueue`: sends the queue head when connected and not in flight
    /// (or in flight, when `force`d after a reconnection).
    fn drain_queue(&mut self, now: Instant, socket: SocketHandle, force: bool) {
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        if !state.connected {
            return;
        }
        let Some(head) = state.queue.front_mut() else {
            return;
        };
        if head.pending && !force {
            return;
        }
        head.pending = true;
        head.tries = head.tries.saturating_add(1);
        let (name, args, timeout, seq) = (head.name.clone(), head.args.clone(), head.timeout, head.seq);
        let target = Some(AckTarget::Queue(seq));
        self.emit_packet(now, socket, Outgoing { name, args, target, timeout, volatile: false });
    }

    /// `emit` past the queue: allocates the ack id and arms its deadline,
    /// then sends, buffers or (volatile, not writable) drops the packet.
    fn emit_packet(&mut self, now: Instant, socket: SocketHandle, outgoing: Outgoing) {
        let Outgoing { name, args, target, timeout, volatile } = outgoing;
        let writable = self.writable();
        let ack_timeout = self.config.ack_timeout;
        let Some(state) = self.sockets.get_mut(socket.0) else {
            return;
        };
        let ack_id = target.map(|target| {
            let id = state.next_ack_id;
            state.next_ack_id += 1;
            let deadline = timeout.or(ack_timeout).map(|timeout| now + timeout);
            state.acks.insert(id, PendingAck { deadline, target });
            id
        });
        let packet = Packet::event(state.namespace.clone(), name, args, ack_id);
        if volatile && !writable {
            return;
        }
        if state.connected {
            self.write(&packet);
            self.notify_sent(socket, packet);
        } else {
            state.send_buffer.push_back((packet, ack_id));
        }
    }

    /// Whether the transport takes packets now (approximated: the session
    /// is open).
    fn writable(&self) -> bool {
        self.ready == ReadyState::Open
            && self.engine.as_ref().is_some_and(|engine| engine.session.state() == ClientState::Open)
    }

    /// Hands a packet to the current session (dropped when there is none).
    fn write(&mut self, packet: &Packet) {
        if let Some(engine) = self.engine.as_mut() {
            for message in packet.encode().messages() {
                engine.session.send(message);
            }
        }
    }

    /// [`Event::Sent`] for an event packet just written, when asked for.
    fn notify_sent(&mut self, socket: SocketHandle, packet: Packet) {
        if let (true, PacketData::Event(event)) = (self.report_outgoing, packet.data) {
            self.push_event(Event::Sent { socket, event });
        }
    }

    fn push_event(&mut self, event: Event) {
        self.outputs.push_back(Output::Event(event));
    }

    fn allocate_token(&mut self) -> AckToken {
        self.next_token += 1;
        AckToken(self.next_token)
    }
}

/// An event on its way out of `emit`, past the retry queue.
struct Outgoing {
    name: EventName,
    args: Args,
    /// Who its acknowledgement resolves; `None` asks for none.
    target: Option<AckTarget>,
    timeout: Option<core::time::Duration>,
    volatile: bool,
}

/// The v5 CONNECT reply.
#[derive(serde::Deserialize)]
struct ConnectReply {
    sid: String,
    #[serde(default)]
    pid: Option<String>,
}

/// The `data` member of a v5 CONNECT_ERROR payload.
fn connect_error_data(payload: &Json) -> Option<Json> {
    #[derive(serde::Deserialize)]
    struct WithData {
        data: Option<serde_json::Value>,
    }
    let data = payload.to_owned_value::<WithData>().ok()?.data?;
    Json::from_serialize(&data).ok()
}

/// The event's last argument if it is a string, or its name when it has no
/// arguments (the reference looks at `[name, ...args]`).
fn last_string(event: &EventPacket) -> Option<String> {
    if event.arguments.is_empty() {
        return match &event.name {
            EventName::Text(name) => Some(String::from(name.as_str())),
            EventName::Number(_) => None,
        };
    }
    let values: Vec<serde_json::Value> = event.arguments.deserialize().ok()?;
    match values.into_iter().last()? {
        serde_json::Value::String(text) => Some(text),
        _ => None,
    }
}

/// The socket reason of an Engine.IO close.
fn disconnect_reason(reason: ClientCloseReason) -> DisconnectReason {
    match reason {
        ClientCloseReason::TransportClose => DisconnectReason::TransportClose,
        ClientCloseReason::TransportError => DisconnectReason::TransportError,
        ClientCloseReason::PingTimeout => DisconnectReason::PingTimeout,
        ClientCloseReason::ParseError => DisconnectReason::ParseError,
        ClientCloseReason::ForcedClose => DisconnectReason::ForcedClose,
    }
}

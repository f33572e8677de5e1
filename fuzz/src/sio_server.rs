//! Drives [`socketio_proto::server::Connection`] over a real Engine.IO
//! session (handshake through `classify`) with arbitrary client packets,
//! driver answers, emits, acks, disconnects, closes, engine events and time
//! steps, checking its promises after every step.
//!
//! The driver behaves like a correct one (fresh request ids, outputs drained
//! after each call), so a broken invariant is the machine's fault.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use engineio_proto::server::{self as engine, classify, Method, PostBody, RequestId, Route, Session};
use engineio_proto::{Frame, Instant, Sid, Str};
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::broadcast_ack::AckOutcome;
use socketio_proto::recovery::{Pid, RecoveryConfig};
use socketio_proto::rooms::Room;
use socketio_proto::server::{AckToken, ConnectDecision, Connection, Namespace, NamespaceConfig, Output, ServerConfig};
use socketio_proto::{Args, DecoderLimits, Encoded, Json, Packet};

use crate::sio_wire::{SioPiece, NAMESPACES};
use crate::wire::{text_polling_body, TextPiece};

/// Most steps of one run: keeps each execution cheap.
const MAX_STEPS: usize = 64;
/// Longest time step, in milliseconds.
const MAX_STEP_MILLIS: u64 = 3_000;

/// The engine's and the connection's configuration, small so that timers
/// and limits are hit.
#[derive(Debug, Arbitrary)]
pub struct SioServerSettings {
    v3: bool,
    polling: bool,
    ping_interval: u8,
    ping_timeout: u8,
    max_buffered_packets: u8,
    connect_timeout: u8,
    max_packets_before_connect: u8,
    max_attachments: u8,
    max_attachment_bytes: u8,
}

impl SioServerSettings {
    fn engine_config(&self) -> engine::ServerConfig {
        let millis = |value: u8| Duration::from_millis((u64::from(value) + 1) * 10);
        engine::ServerConfig::default()
            .with_ping_interval(millis(self.ping_interval))
            .with_ping_timeout(millis(self.ping_timeout))
            .with_max_buffered_packets(usize::from(self.max_buffered_packets % 8))
            .with_eio3(true)
    }

    fn config(&self) -> ServerConfig {
        let limits = DecoderLimits {
            max_attachments: usize::from(self.max_attachments % 4),
            max_attachment_bytes: usize::from(self.max_attachment_bytes),
        };
        ServerConfig::default()
            .with_connect_timeout(Duration::from_millis((u64::from(self.connect_timeout) + 1) * 20))
            .with_max_packets_before_connect(usize::from(self.max_packets_before_connect % 4))
            .with_decoder_limits(limits)
    }
}

/// One Engine.IO packet from the client.
#[derive(Debug, Arbitrary)]
pub enum ClientPacket {
    /// A Socket.IO packet: `4` followed by the pieces.
    Sio(Vec<SioPiece>),
    /// Engine.IO text (pongs, upgrade probes, anything).
    Engine(Vec<TextPiece>),
    /// A v5 CONNECT to `/` asking to recover the last session: `pid` and
    /// `offset` are the last the driver gave out.
    RecoveryConnect,
}

impl ClientPacket {
    fn text(&self, recovery: &RecoveryAuth) -> String {
        match self {
            ClientPacket::Sio(pieces) => format!("4{}", SioPiece::join(pieces)),
            ClientPacket::Engine(pieces) => TextPiece::join(pieces),
            ClientPacket::RecoveryConnect => {
                let auth = serde_json::json!({ "pid": recovery.pid, "offset": recovery.offset });
                format!("40{auth}")
            }
        }
    }
}

/// What a client recovering its session sends back: the pid of its last
/// socket on `/` and the offset of the last packet broadcast there.
#[derive(Debug, Default)]
struct RecoveryAuth {
    pid: Option<String>,
    offset: Option<String>,
}

/// Which namespace a driver call names.
#[derive(Debug, Arbitrary)]
pub enum NamespaceChoice {
    /// One of [`NAMESPACES`].
    Known(u8),
    /// One the client asked for (the `n`th seen, modulo).
    Requested(u8),
}

/// How an emit is made.
#[derive(Debug, Arbitrary)]
pub enum EmitKind {
    /// `emit`.
    Plain,
    /// `emit_volatile`.
    Volatile,
    /// `emit_with_ack`, with a timeout of `n + 1` ms when given.
    WithAck(Option<u16>),
    /// `emit_encoded_with_ack` with a caller-chosen ack id (as a broadcast does).
    WithAckId(u8, Option<u16>),
}

/// One thing that happens to the connection.
#[derive(Debug, Arbitrary)]
pub enum SioServerStep {
    /// A WebSocket text frame.
    Frame(ClientPacket),
    /// A WebSocket binary frame (an attachment in Engine.IO 4).
    Binary(Vec<u8>),
    /// A polling POST with these records.
    Post(Vec<ClientPacket>),
    /// A polling POST with arbitrary bytes.
    RawPost(Vec<u8>, bool),
    /// A polling GET.
    Poll,
    /// The client left a GET made earlier (the `n`th, modulo).
    AbortPoll(u8),
    /// A WebSocket upgrade request.
    Upgrade,
    /// The peer closed the WebSocket.
    WebSocketClosed,
    /// The WebSocket failed.
    WebSocketError,
    /// A WebSocket message over the limit.
    FrameTooLarge,
    /// `accept`, with a recovery pid or not.
    Accept(NamespaceChoice, bool),
    /// `accept_recovered` with `n % 3` missed packets.
    AcceptRecovered(NamespaceChoice, u8),
    /// The `connection` handler of the socket on the namespace ran
    /// (`connect_handled`); for a namespace with no socket, an unknown id.
    ConnectHandled(NamespaceChoice),
    /// `reject`, with `data` or not.
    Reject(NamespaceChoice, String, bool),
    /// An emit; `true`: with a binary attachment.
    Emit(NamespaceChoice, EmitKind, bool),
    /// Answers the client's event with this ack id; `true`: with a binary attachment.
    Ack(NamespaceChoice, u8, bool),
    /// `disconnect`.
    Disconnect(NamespaceChoice),
    /// `disconnect_all`.
    DisconnectAll,
    /// `close`.
    Close,
    /// `shutdown`.
    Shutdown,
    /// Time passes (bounded) and the driver calls `handle_timeout`.
    Advance(u16),
    /// The pending CONNECT to `/` is answered as the [`Namespace`] decides:
    /// a fresh socket (with a pid from this random byte) or the recovered one.
    NamespaceAccept(u8),
    /// The socket on `/` joins room `r<n % 3>`.
    Join(u8),
    /// A broadcast on `/` planned by the [`Namespace`] (to everyone or to a
    /// room), volatile or not, with an ack timeout of `n + 1` ms or without ack.
    Broadcast(Option<u8>, bool, Option<u16>),
    /// After the connection closed, the client comes back: a new engine
    /// session and connection, the same namespace.
    Reopen,
}

/// A whole run: the configuration, then the steps.
#[derive(Debug, Arbitrary)]
pub struct SioServerScenario {
    /// The configuration and the first transport.
    pub settings: SioServerSettings,
    /// What happens.
    pub steps: Vec<SioServerStep>,
}

/// What the driver saw of one socket.
#[derive(Debug)]
struct SocketRecord {
    socket_id: Sid,
    disconnecting: bool,
    /// Whether the driver called `connect_handled` for it.
    handled: bool,
}

struct Driver {
    config: ServerConfig,
    engine_config: engine::ServerConfig,
    handshake: engine::Handshake,
    connections_opened: u64,
    connection: Connection,
    /// The shared state of `/`, kept in step with the connection's outputs
    /// as a driver does.
    namespace: Namespace,
    /// What the namespace decided for the pending CONNECT to `/`.
    root_decision: Option<ConnectDecision<()>>,
    /// The pid and rooms of the socket being accepted on `/`.
    root_pid: Option<Pid>,
    root_rooms: Vec<Room>,
    recovery: RecoveryAuth,
    /// Broadcast acks: the connection's token, the namespace's ack id.
    broadcast_acks: BTreeMap<AckToken, u64>,
    broadcasts_started: BTreeSet<u64>,
    broadcasts_decided: BTreeSet<u64>,
    now: Instant,
    next_request: u64,
    asked: Vec<RequestId>,
    answered: BTreeSet<RequestId>,
    next_socket: u64,
    /// Every namespace the client asked for, in order.
    requested: Vec<String>,
    sockets: BTreeMap<String, SocketRecord>,
    issued: BTreeSet<AckToken>,
    resolved: BTreeSet<AckToken>,
    /// The namespace each ack was emitted on.
    ack_namespaces: BTreeMap<AckToken, String>,
    /// The deadline of each ack emitted with a timeout.
    ack_deadlines: BTreeMap<AckToken, Instant>,
    /// The connection is ending: the driver closed it, or a packet did not decode.
    closing: bool,
    closed: bool,
}

impl Driver {
    fn namespace(&self, choice: &NamespaceChoice) -> String {
        match choice {
            NamespaceChoice::Known(index) => NAMESPACES[usize::from(*index) % NAMESPACES.len()].to_owned(),
            NamespaceChoice::Requested(index) => match self.requested.len() {
                0 => "/".to_owned(),
                len => self.requested[usize::from(*index) % len].clone(),
            },
        }
    }

    fn fresh_request(&mut self) -> RequestId {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.asked.push(id);
        id
    }

    fn fresh_socket_id(&mut self) -> Sid {
        self.next_socket += 1;
        Sid::new(&format!("sock{}", self.next_socket))
    }

    fn args(binary: bool) -> Args {
        let builder = Args::builder().raw_json("1");
        if binary {
            builder.binary(Bytes::from_static(b"\x01\x02")).build()
        } else {
            builder.build()
        }
    }

    fn encoded(namespace: &str, binary: bool, ack_id: Option<u64>) -> Encoded {
        Packet::event(Str::from(namespace.to_owned()), "ev", Self::args(binary), ack_id).encode()
    }

    fn issue(&mut self, token: AckToken, namespace: &str, timeout: Option<Duration>) {
        if let Some(timeout) = timeout {
            self.ack_deadlines.insert(token, self.now + timeout);
        }
        assert!(!self.closing, "{token:?} issued while closing");
        assert!(self.issued.insert(token), "{token:?} issued twice");
        self.ack_namespaces.insert(token, namespace.to_owned());
    }

    fn limits(&self) -> DecoderLimits {
        self.config.decoder_limits
    }

    fn check_args(&self, args: &Args) {
        let limits = self.limits();
        let attachments = args.attachments();
        assert!(attachments.len() <= limits.max_attachments, "{} attachments delivered", attachments.len());
        let bytes: usize = attachments.iter().map(Bytes::len).sum();
        assert!(bytes <= limits.max_attachment_bytes, "{bytes} attachment bytes delivered");
    }

    /// Drains the outputs, checking each; returns them for step-specific checks.
    fn drain(&mut self) -> Vec<Output> {
        let mut seen = Vec::new();
        while let Some(output) = self.connection.poll_output() {
            self.see(&output);
            seen.push(output);
        }
        seen
    }

    fn see(&mut self, output: &Output) {
        if let Output::Engine(engine::Output::Respond { request, response }) = output {
            assert!(self.asked.contains(request), "answer to {request:?}, never asked");
            assert!(self.answered.insert(*request), "{request:?} answered twice");
            if self.closed {
                assert!(response.status >= 400, "success answer after Closed: {response:?}");
            }
        }
        if self.closed {
            assert!(matches!(output, Output::Engine(_)), "{output:?} after Closed");
            return;
        }
        if self.closing {
            let allowed = matches!(
                output,
                Output::Engine(_)
                    | Output::Disconnecting { .. }
                    | Output::Disconnected { .. }
                    | Output::AckCancelled { .. }
                    | Output::Closed(_)
            );
            assert!(allowed, "{output:?} while closing");
        }
        match output {
            Output::Engine(engine::Output::Event(_)) => {}
            // A closing connection holds nothing back.
            Output::Engine(transport) if !self.closing => {
                let unhandled: Vec<&String> =
                    self.sockets.iter().filter(|(_, socket)| !socket.handled).map(|(namespace, _)| namespace).collect();
                assert!(unhandled.is_empty(), "{transport:?} before the connection handler of {unhandled:?} ran");
            }
            Output::Engine(_) => {}
            Output::DecodeFailed(_) => self.closing = true,
            Output::ConnectRequest { namespace, auth, .. } => {
                assert!(!self.sockets.contains_key(namespace.as_str()), "CONNECT request for connected {namespace}");
                if namespace.as_str() == "/" {
                    self.root_decision = Some(self.namespace.connect_request(self.now, auth.as_ref()));
                }
                if !self.requested.iter().any(|seen| seen == namespace.as_str()) {
                    self.requested.push(namespace.as_str().to_owned());
                }
            }
            Output::Connected { namespace, socket_id, .. } => {
                if namespace.as_str() == "/" {
                    let pid = self.root_pid.take();
                    if let Some(pid) = &pid {
                        self.recovery.pid = Some(pid.as_str().to_owned());
                    }
                    self.namespace.add_socket(socket_id, pid, &std::mem::take(&mut self.root_rooms));
                }
                let record = SocketRecord { socket_id: socket_id.clone(), disconnecting: false, handled: false };
                assert!(self.sockets.insert(namespace.as_str().to_owned(), record).is_none(), "{namespace} twice");
            }
            Output::Event { namespace, event } => {
                let socket = self.sockets.get(namespace.as_str());
                assert!(socket.is_some_and(|socket| !socket.disconnecting), "event on {namespace} not connected");
                self.check_args(&event.arguments);
            }
            Output::AckReceived { namespace, token, args } => {
                self.check_args(args);
                let root = self.sockets.get("/").map(|socket| socket.socket_id.clone());
                if let (Some(ack_id), Some(socket_id)) = (self.broadcast_acks.get(token), root) {
                    self.namespace.record_broadcast_ack(*ack_id, &socket_id, args.clone());
                }
                self.resolve(*token, namespace, true);
            }
            Output::AckTimedOut { namespace, token } => {
                let deadline = self.ack_deadlines.get(token);
                assert!(deadline.is_some_and(|deadline| *deadline <= self.now), "{token:?} timed out early");
                self.resolve(*token, namespace, true);
            }
            Output::AckCancelled { namespace, token } => self.resolve(*token, namespace, false),
            Output::Disconnecting { namespace, socket_id, .. } => {
                let socket = self.sockets.get_mut(namespace.as_str());
                let Some(socket) = socket else { panic!("Disconnecting for {namespace}, not connected") };
                assert_eq!(&socket.socket_id, socket_id, "Disconnecting names another socket");
                assert!(!socket.disconnecting, "Disconnecting twice for {namespace}");
                socket.disconnecting = true;
                if namespace.as_str() == "/" {
                    let rooms = self.namespace.disconnecting(socket_id);
                    assert!(rooms.contains(&Room::from(socket_id)), "{socket_id:?} is not in its own room: {rooms:?}");
                }
            }
            Output::Disconnected { namespace, socket_id, reason } => {
                let socket = self.sockets.remove(namespace.as_str());
                let Some(socket) = socket else { panic!("Disconnected for {namespace}, not connected") };
                assert!(socket.disconnecting, "Disconnected for {namespace} without Disconnecting");
                assert_eq!(&socket.socket_id, socket_id, "Disconnected names another socket");
                if namespace.as_str() == "/" {
                    let rooms = self.namespace.remove_socket(self.now, socket_id, *reason, ());
                    assert!(rooms.contains(&Room::from(socket_id)), "{socket_id:?} left without its own room");
                }
            }
            Output::Closed(_) => {
                assert!(self.sockets.is_empty(), "sockets left at Closed: {:?}", self.sockets);
                self.closed = true;
            }
        }
    }

    /// An ack resolves: once, on the namespace it was emitted on, while its
    /// socket is connected (answer, timeout) or after it left (cancelled).
    fn resolve(&mut self, token: AckToken, namespace: &Str, connected: bool) {
        assert!(self.issued.contains(&token), "{token:?} resolved, never issued");
        assert!(self.resolved.insert(token), "{token:?} resolved twice");
        let emitted_on = self.ack_namespaces.get(&token).map(String::as_str);
        assert_eq!(emitted_on, Some(namespace.as_str()), "{token:?} resolved on another namespace");
        let socket = self.sockets.get(namespace.as_str());
        if connected {
            assert!(socket.is_some_and(|socket| !socket.disconnecting), "{token:?} resolved on a socket gone");
        } else {
            assert!(socket.is_none(), "{token:?} cancelled before its socket left");
        }
    }

    fn check_timer(&self, after: &str) {
        if let Some(deadline) = self.connection.poll_timeout() {
            assert!(deadline > self.now, "after {after}: deadline {deadline:?} is not after now {:?}", self.now);
        }
    }

    /// The invariants between any two steps.
    fn check(&mut self) {
        self.drain();
        assert_eq!(self.closed, self.connection.is_closed(), "is_closed disagrees with Closed");
        for (namespace, socket) in &self.sockets {
            assert!(!socket.disconnecting, "{namespace} left Disconnecting without Disconnected");
        }
        let connected: BTreeMap<String, Sid> =
            self.connection.connected_namespaces().map(|(ns, sid)| (ns.as_str().to_owned(), sid.clone())).collect();
        let seen: BTreeMap<String, Sid> =
            self.sockets.iter().map(|(ns, socket)| (ns.clone(), socket.socket_id.clone())).collect();
        assert_eq!(connected, seen, "connected_namespaces disagrees with the outputs");
        let waiting = !self.closing && self.sockets.values().any(|socket| !socket.handled);
        assert_eq!(self.connection.holds_transport(), waiting, "holds_transport disagrees with the handlers run");
        assert_eq!(
            self.connection.pending_acks(),
            self.issued.len() - self.resolved.len(),
            "pending_acks disagrees with the acks issued and resolved"
        );
        let engine = self.connection.engine();
        let limit = self.engine_config.max_buffered_packets;
        assert!(engine.buffered_messages() <= limit, "{} messages buffered, limit {limit}", engine.buffered_messages());
        let held = self.connection.held_packets();
        let held_limit = self.config.max_packets_before_connect * self.requested.len();
        assert!(held <= held_limit, "{held} packets held for {} namespaces", self.requested.len());
        let armed = self.connection.armed_ack_deadlines();
        assert!(armed <= self.connection.pending_acks(), "{armed} ack deadlines armed for fewer pending acks");
        let missing = self.connection.missing_attachments();
        assert!(missing <= self.config.decoder_limits.max_attachments, "waiting for {missing} attachments");
        if self.closed {
            assert_eq!(self.connection.poll_timeout(), None, "a closed connection has a deadline");
            // A closed connection releases its state.
            assert_eq!(self.connection.pending_acks(), 0, "a closed connection holds acks");
            assert_eq!(held, 0, "a closed connection holds client packets");
            assert_eq!(self.connection.engine().buffered_packets(), 0, "a closed connection buffers packets");
            assert!(self.connection.engine().is_closed(), "a closed connection's engine is open");
        }
        self.check_timer("a step");
        let members = self.namespace.fetch_sockets(&BroadcastOptions::everyone());
        let root: Vec<Sid> = self.sockets.get("/").map(|socket| socket.socket_id.clone()).into_iter().collect();
        assert_eq!(members, root, "the namespace's sockets disagree with the connection's");
        while let Some((ack_id, outcome)) = self.namespace.poll_outcome() {
            assert!(self.broadcasts_started.contains(&ack_id), "outcome of broadcast {ack_id}, never started");
            assert!(self.broadcasts_decided.insert(ack_id), "broadcast {ack_id} decided twice");
            if let AckOutcome::TimedOut { missing, .. } = &outcome {
                assert!(!missing.is_empty(), "a broadcast timed out with every answer in");
            }
        }
        if let Some(deadline) = self.namespace.poll_timeout() {
            assert!(deadline > self.now, "the namespace's deadline {deadline:?} is not after now {:?}", self.now);
        }
    }

    fn accept(&mut self, namespace: &str, recovered: bool, result: Result<(), socketio_proto::server::AnswerError>) {
        let outputs = self.drain();
        let connected = outputs.iter().position(|output| {
            matches!(output, Output::Connected { namespace: ns, recovered: flag, .. }
                if ns.as_str() == namespace && *flag == recovered)
        });
        match (result, connected) {
            (Ok(()), Some(at)) => {
                let held = outputs[at..]
                    .iter()
                    .filter(|output| matches!(output, Output::Event { namespace: ns, .. } if ns.as_str() == namespace))
                    .count();
                let limit = self.config.max_packets_before_connect;
                assert!(held <= limit, "{held} packets held before accept, limit {limit}");
            }
            (Ok(()), None) => panic!("accept succeeded without Connected: {outputs:?}"),
            (Err(_), Some(_)) => panic!("accept failed, yet Connected: {outputs:?}"),
            (Err(_), None) => {}
        }
    }

    /// Answers the CONNECT to `/` as the namespace decided.
    fn namespace_accept(&mut self, random: u8) {
        let Some(decision) = self.root_decision.take() else { return };
        let now = self.now;
        match decision {
            ConnectDecision::Fresh => {
                let pid = self.namespace.fresh_pid([random; 15]);
                let socket_id = self.fresh_socket_id();
                self.root_pid = pid.clone();
                let result = self.connection.accept(now, "/", socket_id, pid.as_ref().map(Pid::as_str));
                self.accept("/", false, result);
            }
            ConnectDecision::Recover(session) => {
                self.root_pid = Some(session.pid.clone());
                self.root_rooms = session.rooms.clone();
                let (socket_id, pid) = (session.socket_id.clone(), session.pid.as_str());
                let result = self.connection.accept_recovered(now, "/", socket_id, pid, &session.missed);
                self.accept("/", true, result);
            }
        }
        self.root_pid = None;
        self.root_rooms.clear();
    }

    /// A broadcast on `/` planned by the namespace, executed on the connection.
    fn broadcast(&mut self, room: Option<u8>, volatile: bool, ack_timeout: Option<u16>) {
        let now = self.now;
        let mut options = BroadcastOptions::everyone();
        if let Some(room) = room {
            options = options.to(Room::new(&format!("r{}", room % 3)));
        }
        if volatile {
            options = options.volatile();
        }
        let args = Self::args(false);
        let plan = match ack_timeout {
            Some(ms) => {
                let timeout = Duration::from_millis(u64::from(ms) + 1);
                self.namespace.broadcast_with_ack(now, "b", args, &options, timeout)
            }
            None => self.namespace.broadcast(now, "b", args, &options),
        };
        let targets: Vec<Sid> = plan.target_ids().cloned().collect();
        let (encoded, ack_id) = (plan.encoded.clone(), plan.ack_id);
        let root = self.sockets.get("/").map(|socket| socket.socket_id.clone());
        for target in &targets {
            assert_eq!(Some(target), root.as_ref(), "a broadcast targets {target:?}, not connected");
        }
        if let Some(offset) = last_string_argument(encoded.text().as_str()) {
            self.recovery.offset = Some(offset);
        }
        if let Some(ack_id) = ack_id {
            self.broadcasts_started.insert(ack_id);
        }
        if targets.is_empty() {
            return;
        }
        match ack_id {
            Some(ack_id) => {
                if let Ok(token) = self.connection.emit_encoded_with_ack(now, "/", &encoded, ack_id, None) {
                    self.issue(token, "/", None);
                    self.broadcast_acks.insert(token, ack_id);
                }
            }
            None if volatile => {
                let _ = self.connection.emit_volatile("/", &encoded);
            }
            None => {
                let _ = self.connection.emit("/", &encoded);
            }
        }
    }

    /// The client comes back after the connection closed: a new engine
    /// session and connection; the namespace (and its recovery store) stays.
    fn reopen(&mut self) {
        if !self.closed {
            return;
        }
        self.connections_opened += 1;
        let sid = Sid::new(&format!("engine{}", self.connections_opened));
        let session = Session::new(&self.engine_config, &self.handshake, sid, self.now);
        self.connection = Connection::new(&self.config, session, self.now);
        self.asked.clear();
        self.answered.clear();
        self.requested.clear();
        self.issued.clear();
        self.resolved.clear();
        self.ack_namespaces.clear();
        self.ack_deadlines.clear();
        self.broadcast_acks.clear();
        self.root_decision = None;
        self.closing = false;
        self.closed = false;
        if self.handshake.transport == engineio_proto::TransportKind::Polling {
            let id = self.fresh_request();
            self.connection.handle_poll(self.now, id);
        }
    }

    /// The driver ends the connection: every socket leaves at once (unless
    /// it was already ending), and nothing new happens after.
    fn end(&mut self, call: impl FnOnce(&mut Connection)) {
        let was_closing = self.closing;
        call(&mut self.connection);
        self.drain();
        self.closing = true;
        if !was_closing {
            assert!(self.sockets.is_empty(), "sockets still connected after the driver ended: {:?}", self.sockets);
        }
    }

    fn step(&mut self, step: &SioServerStep) {
        let now = self.now;
        match step {
            SioServerStep::Frame(packet) => {
                self.connection.handle_frame(now, Frame::Text(Str::from(packet.text(&self.recovery))));
            }
            SioServerStep::Binary(bytes) => {
                self.connection.handle_frame(now, Frame::Binary(Bytes::from(bytes.clone())));
            }
            SioServerStep::Post(records) => {
                let texts = records.iter().map(|record| record.text(&self.recovery));
                let body = text_polling_body(self.connection.engine().protocol(), texts);
                let response =
                    self.connection.handle_post(now, PostBody::Complete { body, binary_content_type: false });
                if self.closed {
                    assert!(response.status >= 400, "a closed connection took a POST");
                }
            }
            SioServerStep::RawPost(bytes, binary_content_type) => {
                let body = Bytes::from(bytes.clone());
                let binary_content_type = *binary_content_type;
                self.connection.handle_post(now, PostBody::Complete { body, binary_content_type });
            }
            SioServerStep::Poll => {
                let id = self.fresh_request();
                self.connection.handle_poll(now, id);
            }
            SioServerStep::AbortPoll(index) => {
                let id = match self.asked.len() {
                    0 => RequestId(u64::MAX),
                    len => self.asked[usize::from(*index) % len],
                };
                self.connection.handle_poll_aborted(now, id);
            }
            SioServerStep::Upgrade => {
                let _ = self.connection.handle_websocket_upgrade(now);
            }
            SioServerStep::WebSocketClosed => self.connection.handle_websocket_closed(now),
            SioServerStep::WebSocketError => self.connection.handle_websocket_error(now),
            SioServerStep::FrameTooLarge => self.connection.handle_frame_too_large(now),
            SioServerStep::Accept(choice, pid) => {
                let namespace = self.namespace(choice);
                let socket_id = self.fresh_socket_id();
                let pid = pid.then_some("p1");
                let result = self.connection.accept(now, &namespace, socket_id, pid);
                self.accept(&namespace, false, result);
            }
            SioServerStep::AcceptRecovered(choice, missed) => {
                let namespace = self.namespace(choice);
                let socket_id = self.fresh_socket_id();
                let missed: Vec<Encoded> =
                    (0..missed % 3).map(|index| Self::encoded(&namespace, index == 1, None)).collect();
                let result = self.connection.accept_recovered(now, &namespace, socket_id, "p1", &missed);
                self.accept(&namespace, true, result);
            }
            SioServerStep::ConnectHandled(choice) => {
                let namespace = self.namespace(choice);
                let socket_id = match self.sockets.get_mut(&namespace) {
                    Some(socket) => {
                        socket.handled = true;
                        socket.socket_id.clone()
                    }
                    None => self.fresh_socket_id(),
                };
                self.connection.connect_handled(&socket_id);
            }
            SioServerStep::Reject(choice, message, with_data) => {
                let namespace = self.namespace(choice);
                let data = with_data.then(|| Json::from_serialize(&serde_json::json!({ "code": 1 })).ok()).flatten();
                let _ = self.connection.reject(now, &namespace, message, data.as_ref());
            }
            SioServerStep::Emit(choice, kind, binary) => {
                let namespace = self.namespace(choice);
                let millis = |timeout: &Option<u16>| timeout.map(|ms| Duration::from_millis(u64::from(ms) + 1));
                match kind {
                    EmitKind::Plain => {
                        let _ = self.connection.emit(&namespace, &Self::encoded(&namespace, *binary, None));
                    }
                    EmitKind::Volatile => {
                        let _ = self.connection.emit_volatile(&namespace, &Self::encoded(&namespace, *binary, None));
                    }
                    EmitKind::WithAck(timeout) => {
                        let args = Self::args(*binary);
                        if let Ok(token) = self.connection.emit_with_ack(now, &namespace, "ev", args, millis(timeout)) {
                            self.issue(token, &namespace, millis(timeout));
                        }
                    }
                    EmitKind::WithAckId(id, timeout) => {
                        let id = u64::from(*id % 4);
                        let encoded = Self::encoded(&namespace, *binary, Some(id));
                        if let Ok(token) =
                            self.connection.emit_encoded_with_ack(now, &namespace, &encoded, id, millis(timeout))
                        {
                            assert_eq!(token.ack_id(), id, "the token carries another id");
                            self.issue(token, &namespace, millis(timeout));
                        }
                    }
                }
            }
            SioServerStep::Ack(choice, id, binary) => {
                let namespace = self.namespace(choice);
                let _ = self.connection.ack(&namespace, u64::from(*id), Self::args(*binary));
            }
            SioServerStep::Disconnect(choice) => {
                let namespace = self.namespace(choice);
                let was_connected = self.sockets.contains_key(&namespace);
                let result = self.connection.disconnect(now, &namespace);
                self.drain();
                if result.is_ok() {
                    assert!(was_connected, "disconnect of {namespace}, not connected, succeeded");
                    assert!(!self.sockets.contains_key(&namespace), "{namespace} still connected after disconnect");
                }
            }
            SioServerStep::NamespaceAccept(random) => self.namespace_accept(*random),
            SioServerStep::Join(room) => {
                if let Some(socket) = self.sockets.get("/") {
                    self.namespace.join(&socket.socket_id, &Room::new(&format!("r{}", room % 3)));
                }
            }
            SioServerStep::Broadcast(room, volatile, ack_timeout) => self.broadcast(*room, *volatile, *ack_timeout),
            SioServerStep::Reopen => self.reopen(),
            SioServerStep::DisconnectAll => self.end(|connection| connection.disconnect_all(now)),
            SioServerStep::Close => self.end(|connection| connection.close(now)),
            SioServerStep::Shutdown => self.end(|connection| connection.shutdown(now)),
            SioServerStep::Advance(millis) => {
                self.now += Duration::from_millis(u64::from(*millis) % (MAX_STEP_MILLIS + 1));
                self.connection.handle_timeout(self.now);
                self.namespace.handle_timeout(self.now);
                self.drain();
                self.check_timer("handle_timeout");
                let deadline = self.connection.poll_timeout();
                self.connection.handle_timeout(self.now);
                assert!(self.connection.poll_output().is_none(), "a spurious handle_timeout produced output");
                assert_eq!(self.connection.poll_timeout(), deadline, "a spurious handle_timeout moved the deadline");
            }
        }
        self.check();
    }
}

/// The last argument of an encoded EVENT when it is a plain string (the
/// recovery offset the namespace appends).
fn last_string_argument(text: &str) -> Option<String> {
    let inner = text.strip_suffix("\"]")?;
    let start = inner.rfind('"')?;
    Some(inner.get(start + 1..)?.to_owned())
}

/// Runs `scenario` and panics on the first broken invariant.
pub fn run(scenario: &SioServerScenario) {
    let settings = &scenario.settings;
    let engine_config = settings.engine_config();
    let config = settings.config();
    let eio = if settings.v3 { "EIO=3" } else { "EIO=4" };
    let transport = if settings.polling { "polling" } else { "websocket" };
    let query = format!("{eio}&transport={transport}");
    let Route::Handshake(handshake) = classify(&engine_config, Method::Get, &query, !settings.polling) else {
        panic!("{query} is no handshake");
    };
    let session = Session::new(&engine_config, &handshake, Sid::new("engine1"), Instant::ZERO);
    let connection = Connection::new(&config, session, Instant::ZERO);
    let namespace_config = NamespaceConfig::default().with_recovery(RecoveryConfig::default());
    let mut driver = Driver {
        config,
        engine_config,
        handshake,
        connections_opened: 1,
        connection,
        namespace: Namespace::new("/", &namespace_config),
        root_decision: None,
        root_pid: None,
        root_rooms: Vec::new(),
        recovery: RecoveryAuth::default(),
        broadcast_acks: BTreeMap::new(),
        broadcasts_started: BTreeSet::new(),
        broadcasts_decided: BTreeSet::new(),
        now: Instant::ZERO,
        next_request: 0,
        asked: Vec::new(),
        answered: BTreeSet::new(),
        next_socket: 0,
        requested: Vec::new(),
        sockets: BTreeMap::new(),
        issued: BTreeSet::new(),
        resolved: BTreeSet::new(),
        ack_namespaces: BTreeMap::new(),
        ack_deadlines: BTreeMap::new(),
        closing: false,
        closed: false,
    };
    if settings.polling {
        let id = driver.fresh_request();
        driver.connection.handle_poll(Instant::ZERO, id);
    }
    driver.check();
    for step in scenario.steps.iter().take(MAX_STEPS) {
        driver.step(step);
    }
}

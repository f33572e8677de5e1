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
use engineio_proto::{Frame, Instant, ProtocolVersion, Sid, Str};
use socketio_proto::server::{AckToken, Connection, Output, ServerConfig};
use socketio_proto::{Args, DecoderLimits, Encoded, Json, Packet};

use crate::sio_wire::{SioPiece, NAMESPACES};
use crate::wire::TextPiece;

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
}

impl ClientPacket {
    fn text(&self) -> String {
        match self {
            ClientPacket::Sio(pieces) => format!("4{}", SioPiece::join(pieces)),
            ClientPacket::Engine(pieces) => TextPiece::join(pieces),
        }
    }
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
}

struct Driver {
    config: ServerConfig,
    connection: Connection,
    now: Instant,
    next_request: u64,
    asked: Vec<RequestId>,
    next_socket: u64,
    /// Every namespace the client asked for, in order.
    requested: Vec<String>,
    sockets: BTreeMap<String, SocketRecord>,
    issued: BTreeSet<AckToken>,
    resolved: BTreeSet<AckToken>,
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

    fn issue(&mut self, token: AckToken) {
        assert!(self.issued.insert(token), "{token:?} issued twice");
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
        if self.closed {
            assert!(matches!(output, Output::Engine(_)), "{output:?} after Closed");
            return;
        }
        match output {
            Output::Engine(_) | Output::DecodeFailed(_) => {}
            Output::ConnectRequest { namespace, .. } => {
                assert!(!self.sockets.contains_key(namespace.as_str()), "CONNECT request for connected {namespace}");
                if !self.requested.iter().any(|seen| seen == namespace.as_str()) {
                    self.requested.push(namespace.as_str().to_owned());
                }
            }
            Output::Connected { namespace, socket_id, .. } => {
                let record = SocketRecord { socket_id: socket_id.clone(), disconnecting: false };
                assert!(self.sockets.insert(namespace.as_str().to_owned(), record).is_none(), "{namespace} twice");
            }
            Output::Event { namespace, event } => {
                let socket = self.sockets.get(namespace.as_str());
                assert!(socket.is_some_and(|socket| !socket.disconnecting), "event on {namespace} not connected");
                self.check_args(&event.arguments);
            }
            Output::AckReceived { token, args, .. } => {
                self.check_args(args);
                self.resolve(*token);
            }
            Output::AckTimedOut { token, .. } | Output::AckCancelled { token, .. } => self.resolve(*token),
            Output::Disconnecting { namespace, socket_id, .. } => {
                let socket = self.sockets.get_mut(namespace.as_str());
                let Some(socket) = socket else { panic!("Disconnecting for {namespace}, not connected") };
                assert_eq!(&socket.socket_id, socket_id, "Disconnecting names another socket");
                assert!(!socket.disconnecting, "Disconnecting twice for {namespace}");
                socket.disconnecting = true;
            }
            Output::Disconnected { namespace, socket_id, .. } => {
                let socket = self.sockets.remove(namespace.as_str());
                let Some(socket) = socket else { panic!("Disconnected for {namespace}, not connected") };
                assert!(socket.disconnecting, "Disconnected for {namespace} without Disconnecting");
                assert_eq!(&socket.socket_id, socket_id, "Disconnected names another socket");
            }
            Output::Closed(_) => {
                assert!(self.sockets.is_empty(), "sockets left at Closed: {:?}", self.sockets);
                self.closed = true;
            }
        }
    }

    fn resolve(&mut self, token: AckToken) {
        assert!(self.issued.contains(&token), "{token:?} resolved, never issued");
        assert!(self.resolved.insert(token), "{token:?} resolved twice");
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
        assert_eq!(
            self.connection.pending_acks(),
            self.issued.len() - self.resolved.len(),
            "pending_acks disagrees with the acks issued and resolved"
        );
        if self.closed {
            assert_eq!(self.connection.poll_timeout(), None, "a closed connection has a deadline");
        }
        self.check_timer("a step");
    }

    fn accept(&mut self, namespace: &str, result: Result<(), socketio_proto::server::AnswerError>) {
        let outputs = self.drain();
        let connected = outputs
            .iter()
            .position(|output| matches!(output, Output::Connected { namespace: ns, .. } if ns.as_str() == namespace));
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

    fn step(&mut self, step: &SioServerStep) {
        let now = self.now;
        match step {
            SioServerStep::Frame(packet) => {
                self.connection.handle_frame(now, Frame::Text(Str::from(packet.text())));
            }
            SioServerStep::Binary(bytes) => {
                self.connection.handle_frame(now, Frame::Binary(Bytes::from(bytes.clone())));
            }
            SioServerStep::Post(records) => {
                let body = polling_body(self.connection.engine().protocol(), records);
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
                self.accept(&namespace, result);
            }
            SioServerStep::AcceptRecovered(choice, missed) => {
                let namespace = self.namespace(choice);
                let socket_id = self.fresh_socket_id();
                let missed: Vec<Encoded> =
                    (0..missed % 3).map(|index| Self::encoded(&namespace, index == 1, None)).collect();
                let result = self.connection.accept_recovered(now, &namespace, socket_id, "p1", &missed);
                self.accept(&namespace, result);
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
                            self.issue(token);
                        }
                    }
                    EmitKind::WithAckId(id, timeout) => {
                        let id = u64::from(*id % 4);
                        let encoded = Self::encoded(&namespace, *binary, Some(id));
                        if let Ok(token) =
                            self.connection.emit_encoded_with_ack(now, &namespace, &encoded, id, millis(timeout))
                        {
                            assert_eq!(token.ack_id(), id, "the token carries another id");
                            self.issue(token);
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
            SioServerStep::DisconnectAll => self.connection.disconnect_all(now),
            SioServerStep::Close => self.connection.close(now),
            SioServerStep::Shutdown => self.connection.shutdown(now),
            SioServerStep::Advance(millis) => {
                self.now += Duration::from_millis(u64::from(*millis) % (MAX_STEP_MILLIS + 1));
                self.connection.handle_timeout(self.now);
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

/// A polling body of `records` as a client speaking `protocol` frames it.
fn polling_body(protocol: ProtocolVersion, records: &[ClientPacket]) -> Bytes {
    let mut body = String::new();
    for (index, record) in records.iter().enumerate() {
        let text = record.text();
        match protocol {
            ProtocolVersion::V4 => {
                if index > 0 {
                    body.push('\u{1e}');
                }
            }
            ProtocolVersion::V3 => body.push_str(&format!("{}:", text.encode_utf16().count())),
        }
        body.push_str(&text);
    }
    Bytes::from(body)
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
    let mut driver = Driver {
        config,
        connection,
        now: Instant::ZERO,
        next_request: 0,
        asked: Vec::new(),
        next_socket: 0,
        requested: Vec::new(),
        sockets: BTreeMap::new(),
        issued: BTreeSet::new(),
        resolved: BTreeSet::new(),
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

//! The simulated world of `tests/simulation.rs`: one Socket.IO client
//! [`Manager`] and a server made of many [`Connection`]s (one per Engine.IO
//! session, so a reconnection creates a new one), joined by a simulated
//! network that carries HTTP requests and WebSocket frames. [`Net`] also
//! plays both drivers: it answers the manager's requests for random numbers
//! from a seeded generator, and the server driver keeps one shared
//! [`Namespace`] for `/` and one for `/admin` (rooms, broadcasts, connection
//! state recovery when enabled), refuses `/private`, answers `echo` with an
//! ack carrying the same arguments and relays `broadcast` to every socket of
//! the namespace.
//!
//! Time only moves when a test says so, jumping from deadline to deadline.

use std::collections::BTreeMap;
use std::time::Duration;

use engineio_proto::client::{ClientOutput, HttpMethod, RequestId as ClientRequestId, SocketId as EngineSocketId};
use engineio_proto::payload::BINARY_CONTENT_TYPE;
use engineio_proto::server::{
    classify, ErrorResponse, Method, Output as EngineOutput, PostBody, RequestId as ServerRequestId, Response, Route,
    ServerConfig as EngineServerConfig, Session, SessionRequest, UpgradeVerdict,
};
use engineio_proto::time::earliest;
use engineio_proto::{Instant, Sid};
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::client::{EngineId, Event as ClientEvent, Manager, ManagerConfig, Output as ClientOutputSio};
use socketio_proto::recovery::RecoveryConfig;
use socketio_proto::server::{
    ConnectDecision, Connection, Namespace, NamespaceConfig, Output as ServerOutput, ServerConfig,
};
use socketio_proto::Args;

/// The message the server driver refuses `/private` with.
pub const PRIVATE_REFUSAL: &str = "private namespace: not authorized";

/// Whether and how the wire carries anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Everything is delivered at once.
    Up,
    /// A partition: everything is silently lost, in both directions.
    Partitioned,
    /// The server process is down: connection attempts are refused at once.
    Down,
}

/// One server-side connection and the client engine session it serves.
struct ServerSide {
    /// Creation order over the whole run, from 0.
    ordinal: usize,
    engine: EngineId,
    connection: Connection,
}

/// Something the server machine reported, with when and on which connection.
#[derive(Debug, Clone)]
pub struct ServerRecord {
    /// When.
    pub at: Instant,
    /// The connection's creation ordinal.
    pub connection: usize,
    /// What (never an `Output::Engine`).
    pub output: ServerOutput,
}

/// The client, the server's connections, the wire between them and both drivers.
pub struct Net {
    /// The simulated clock.
    pub now: Instant,
    /// The state of the wire.
    pub link: Link,
    engine_config: EngineServerConfig,
    config: ServerConfig,
    /// The client.
    pub manager: Manager,
    /// Live server connections by engine sid.
    connections: BTreeMap<String, ServerSide>,
    /// The namespaces the server application serves, by name.
    namespaces: BTreeMap<String, Namespace>,
    /// Open WebSockets: the client's (engine, socket) and the server sid.
    websockets: Vec<(EngineId, EngineSocketId, String)>,
    /// HTTP requests delivered to the server and not answered yet.
    outstanding: Vec<(EngineId, ClientRequestId, String)>,
    /// How many server connections were ever created.
    pub connections_created: usize,
    next_id: u64,
    random_state: u64,
    /// Every random number given to the manager, with when.
    pub randoms: Vec<(Instant, u32)>,
    /// Everything the client application was told, with when.
    pub client_events: Vec<(Instant, ClientEvent)>,
    /// Everything the server application was told, in order.
    pub server_records: Vec<ServerRecord>,
    /// How many more `echo` events the server driver leaves unanswered.
    pub drop_echo_acks: usize,
    /// How long the server driver takes to answer `echo` (zero: at once).
    pub echo_delay: Duration,
    /// Echo answers waiting for their time: when, connection sid, namespace, ack id, arguments.
    delayed_acks: Vec<(Instant, String, String, u64, Args)>,
}

impl Net {
    /// A network with a manager that starts connecting at `t = 1 s`; nothing
    /// moved yet.
    pub fn unsettled(client: ManagerConfig, engine_config: EngineServerConfig, seed: u64) -> Net {
        let now = Instant::from_millis(1_000);
        Net {
            now,
            link: Link::Up,
            engine_config,
            config: ServerConfig::default(),
            manager: Manager::new(client, now),
            connections: BTreeMap::new(),
            namespaces: ["/", "/admin"]
                .into_iter()
                .map(|name| (name.to_owned(), Namespace::new(name, &NamespaceConfig::default())))
                .collect(),
            websockets: Vec::new(),
            outstanding: Vec::new(),
            connections_created: 0,
            next_id: 0,
            random_state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            randoms: Vec::new(),
            client_events: Vec::new(),
            server_records: Vec::new(),
            drop_echo_acks: 0,
            echo_delay: Duration::ZERO,
            delayed_acks: Vec::new(),
        }
    }

    /// Moves one pending output of the client or of one server connection;
    /// false when everybody is idle.
    pub fn step(&mut self) -> bool {
        if let Some(output) = self.manager.poll_output() {
            self.deliver_client_output(output);
            return true;
        }
        let sids: Vec<String> = self.connections.keys().cloned().collect();
        for sid in sids {
            let output = self.connections.get_mut(&sid).and_then(|side| side.connection.poll_output());
            if let Some(output) = output {
                self.deliver_server_output(&sid, output);
                return true;
            }
        }
        false
    }

    /// Runs until nobody has anything left to do at `now`.
    pub fn settle(&mut self) {
        let mut steps = 0;
        while self.step() {
            steps += 1;
            assert!(steps < 1_000_000, "the machines keep talking without end");
        }
    }

    /// The earliest deadline of all machines.
    fn next_deadline(&self) -> Option<Instant> {
        let mut next = self.manager.poll_timeout();
        for side in self.connections.values() {
            next = earliest(next, side.connection.poll_timeout());
        }
        for (at, ..) in &self.delayed_acks {
            next = earliest(next, Some(*at));
        }
        for namespace in self.namespaces.values() {
            next = earliest(next, namespace.poll_timeout());
        }
        next
    }

    /// Fires every deadline up to `now + by`, then stops at `now + by`.
    pub fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        self.advance_until(until, |_| false);
        self.now = self.now.max(until);
        self.settle();
    }

    /// Fires deadlines one after the other until `done` holds (true) or the
    /// next deadline is past `limit` (false; time stays at the last deadline).
    pub fn advance_until(&mut self, limit: Instant, mut done: impl FnMut(&Net) -> bool) -> bool {
        self.settle();
        loop {
            if done(self) {
                return true;
            }
            match self.next_deadline() {
                Some(deadline) if deadline <= limit => {
                    self.now = self.now.max(deadline);
                    let now = self.now;
                    self.manager.handle_timeout(now);
                    for side in self.connections.values_mut() {
                        side.connection.handle_timeout(now);
                    }
                    for namespace in self.namespaces.values_mut() {
                        namespace.handle_timeout(now);
                    }
                    self.send_due_acks();
                    self.settle();
                }
                _ => return false,
            }
        }
    }

    /// Turns connection state recovery on for every namespace (before any
    /// socket connects).
    pub fn enable_recovery(&mut self, config: RecoveryConfig) {
        let with_recovery = NamespaceConfig::default().with_recovery(config);
        for (name, namespace) in &mut self.namespaces {
            *namespace = Namespace::new(name.clone(), &with_recovery);
        }
    }

    /// The server application broadcasts an event to every socket of
    /// `namespace` (recorded for recovery when it is on).
    pub fn broadcast(&mut self, namespace: &str, name: &'static str, args: Args) {
        let now = self.now;
        let Some(shared) = self.namespaces.get_mut(namespace) else {
            return;
        };
        let plan = shared.broadcast(now, name, args, &BroadcastOptions::everyone());
        let targets: Vec<Sid> = plan.target_ids().cloned().collect();
        let encoded = plan.encoded;
        for side in self.connections.values_mut() {
            if side.connection.socket_id(namespace).is_some_and(|id| targets.contains(id)) {
                assert_eq!(side.connection.emit(namespace, &encoded), Ok(()), "broadcasting");
            }
        }
    }

    /// Both ends of every open WebSocket see it close (a proxy drops them):
    /// the server reads "transport close", the client reconnects.
    pub fn drop_websockets(&mut self) {
        let now = self.now;
        for (engine, socket, sid) in std::mem::take(&mut self.websockets) {
            if let Some(side) = self.connections.get_mut(&sid) {
                side.connection.handle_websocket_closed(now);
            }
            self.manager.handle_websocket_failed(now, engine, socket, "connection refused");
        }
        self.settle();
    }

    /// The server process dies: every connection vanishes, the client's
    /// open WebSockets and pending requests fail, new attempts are refused.
    pub fn kill_server(&mut self) {
        let now = self.now;
        self.link = Link::Down;
        self.connections.clear();
        for (engine, socket, _) in std::mem::take(&mut self.websockets) {
            self.manager.handle_websocket_failed(now, engine, socket, "connection refused");
        }
        for (engine, request, _) in std::mem::take(&mut self.outstanding) {
            self.manager.handle_http_failed(now, engine, request, "connection reset");
        }
        self.settle();
    }

    /// The live server connection with this creation ordinal.
    pub fn connection(&mut self, ordinal: usize) -> Option<&mut Connection> {
        self.connections.values_mut().find(|side| side.ordinal == ordinal).map(|side| &mut side.connection)
    }

    /// How many server connections are alive.
    pub fn live_connections(&self) -> usize {
        self.connections.len()
    }

    /// The live connections' ordinals.
    pub fn live_ordinals(&self) -> Vec<usize> {
        self.connections.values().map(|side| side.ordinal).collect()
    }

    /// The client's events matching `pick`, with their times.
    pub fn client<T>(&self, mut pick: impl FnMut(&ClientEvent) -> Option<T>) -> Vec<(Instant, T)> {
        self.client_events.iter().filter_map(|(at, event)| pick(event).map(|value| (*at, value))).collect()
    }

    /// The server's records matching `pick`, with their times and connections.
    pub fn server<T>(&self, mut pick: impl FnMut(&ServerOutput) -> Option<T>) -> Vec<(Instant, usize, T)> {
        self.server_records
            .iter()
            .filter_map(|record| pick(&record.output).map(|value| (record.at, record.connection, value)))
            .collect()
    }

    fn fresh_sid(&mut self, tag: u8) -> Sid {
        self.next_id += 1;
        let mut bytes = [tag; 15];
        for (slot, byte) in bytes.iter_mut().zip(self.next_id.to_be_bytes()) {
            *slot = byte;
        }
        Sid::from_random(bytes)
    }

    /// xorshift64*: the same seed gives the same run.
    fn next_random(&mut self) -> u32 {
        let mut x = self.random_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.random_state = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    fn deliver_client_output(&mut self, output: ClientOutputSio) {
        let now = self.now;
        match output {
            ClientOutputSio::Event(event) => self.client_events.push((now, event)),
            ClientOutputSio::RandomNeeded => {
                let random = self.next_random();
                self.randoms.push((now, random));
                self.manager.handle_random(now, random);
            }
            ClientOutputSio::Engine { engine, output } => self.deliver_engine_output(engine, output),
        }
    }

    fn deliver_engine_output(&mut self, engine: EngineId, output: ClientOutput) {
        let now = self.now;
        match output {
            ClientOutput::Event(_) => {}
            ClientOutput::HttpRequest { id, method, query, body, content_type, .. } => match self.link {
                Link::Partitioned => {}
                Link::Down => self.manager.handle_http_failed(now, engine, id, "connection reset"),
                Link::Up => {
                    let method = match method {
                        HttpMethod::Get => Method::Get,
                        HttpMethod::Post => Method::Post,
                    };
                    let request = ServerRequestId(id.0);
                    let response = match classify(&self.engine_config, method, &query, false) {
                        Route::Handshake(handshake) => {
                            let sid = self.fresh_sid(0xE1);
                            let session = Session::new(&self.engine_config, &handshake, sid.clone(), now);
                            let mut connection = Connection::new(&self.config, session, now);
                            connection.handle_poll(now, request);
                            self.outstanding.push((engine, id, sid.as_str().to_owned()));
                            self.insert_connection(sid, engine, connection);
                            None
                        }
                        Route::Existing { sid, request: kind, transport, protocol } => {
                            match self.connections.get_mut(sid.as_str()) {
                                Some(side) => {
                                    match side.connection.engine().check_request(transport, false, protocol) {
                                        Err(error) => Some(error.to_response()),
                                        Ok(()) if kind == SessionRequest::Poll => {
                                            side.connection.handle_poll(now, request);
                                            self.outstanding.push((engine, id, sid.as_str().to_owned()));
                                            None
                                        }
                                        Ok(()) => {
                                            let body = body.unwrap_or_default();
                                            let binary_content_type = content_type == Some(BINARY_CONTENT_TYPE);
                                            Some(
                                                side.connection
                                                    .handle_post(now, PostBody::Complete { body, binary_content_type }),
                                            )
                                        }
                                    }
                                }
                                None => Some(ErrorResponse::unknown_sid().to_response()),
                            }
                        }
                        Route::Reject(error) => Some(error.to_response()),
                        Route::Preflight => panic!("the client never sends OPTIONS"),
                    };
                    if let Some(response) = response {
                        self.respond(engine, id, response);
                    }
                }
            },
            ClientOutput::OpenWebSocket { id, query, .. } => {
                if self.link == Link::Partitioned {
                    return;
                }
                let accepted = match (self.link, classify(&self.engine_config, Method::Get, &query, true)) {
                    (Link::Up, Route::Handshake(handshake)) => {
                        let sid = self.fresh_sid(0xE1);
                        let session = Session::new(&self.engine_config, &handshake, sid.clone(), now);
                        let connection = Connection::new(&self.config, session, now);
                        self.insert_connection(sid.clone(), engine, connection);
                        Some(sid)
                    }
                    (Link::Up, Route::Existing { sid, request: SessionRequest::WebSocket, transport, protocol }) => {
                        let side = self.connections.get_mut(sid.as_str());
                        let upgraded = side.is_some_and(|side| {
                            side.connection.engine().check_request(transport, true, protocol).is_ok()
                                && side.connection.handle_websocket_upgrade(now) == Ok(UpgradeVerdict::Probe)
                        });
                        upgraded.then_some(sid)
                    }
                    _ => None,
                };
                match accepted {
                    Some(sid) => {
                        self.websockets.push((engine, id, sid.as_str().to_owned()));
                        self.manager.handle_websocket_opened(now, engine, id);
                    }
                    None => self.manager.handle_websocket_failed(now, engine, id, "connection refused"),
                }
            }
            // Requests are answered at once: none is left to cancel.
            ClientOutput::CancelRequest { .. } => {}
            ClientOutput::Transmit { socket, frame } => {
                if self.link != Link::Up {
                    return;
                }
                self.manager.handle_frames_written(now, engine, socket, 1);
                if let Some(sid) = self.websocket_sid(engine, socket) {
                    if let Some(side) = self.connections.get_mut(&sid) {
                        side.connection.handle_frame(now, frame);
                    }
                }
            }
            ClientOutput::CloseWebSocket { socket } => {
                let sid = self.websocket_sid(engine, socket);
                self.websockets.retain(|(e, s, _)| !(*e == engine && *s == socket));
                if let (Link::Up, Some(sid)) = (self.link, sid) {
                    if let Some(side) = self.connections.get_mut(&sid) {
                        side.connection.handle_websocket_closed(now);
                    }
                }
            }
        }
    }

    fn insert_connection(&mut self, sid: Sid, engine: EngineId, connection: Connection) {
        let ordinal = self.connections_created;
        self.connections_created += 1;
        self.connections.insert(sid.as_str().to_owned(), ServerSide { ordinal, engine, connection });
    }

    fn websocket_sid(&self, engine: EngineId, socket: EngineSocketId) -> Option<String> {
        self.websockets.iter().find(|(e, s, _)| *e == engine && *s == socket).map(|(_, _, sid)| sid.clone())
    }

    fn respond(&mut self, engine: EngineId, request: ClientRequestId, response: Response) {
        let binary = response.content_type == Some(BINARY_CONTENT_TYPE);
        self.manager.handle_http_response(self.now, engine, request, response.status, binary, response.body);
    }

    fn deliver_server_output(&mut self, sid: &str, output: ServerOutput) {
        let now = self.now;
        let Some(side) = self.connections.get(sid) else {
            return;
        };
        let (ordinal, engine) = (side.ordinal, side.engine);
        match output {
            ServerOutput::Engine(EngineOutput::Respond { request, response }) => {
                let id = ClientRequestId(request.0);
                self.outstanding.retain(|(e, r, _)| !(*e == engine && *r == id));
                if self.link == Link::Up {
                    self.respond(engine, id, response);
                }
            }
            ServerOutput::Engine(EngineOutput::Transmit(frame)) => {
                // Handed to the network is written, as far as the send buffer goes.
                if let Some(side) = self.connections.get_mut(sid) {
                    side.connection.handle_frames_written(1);
                }
                let socket = self.websockets.iter().find(|(_, _, s)| s == sid).map(|(e, s, _)| (*e, *s));
                if let (Link::Up, Some((engine, socket))) = (self.link, socket) {
                    self.manager.handle_frame(now, engine, socket, frame);
                }
            }
            ServerOutput::Engine(EngineOutput::CloseWebSocket { .. }) => {
                let socket = self.websockets.iter().position(|(_, _, s)| s == sid);
                if let Some(index) = socket {
                    let (engine, socket, _) = self.websockets.remove(index);
                    if self.link == Link::Up {
                        self.manager.handle_websocket_failed(now, engine, socket, "connection refused");
                    }
                }
            }
            ServerOutput::Engine(EngineOutput::Event(_)) => {}
            other => {
                self.server_records.push(ServerRecord { at: now, connection: ordinal, output: other.clone() });
                self.drive_server(sid, other);
            }
        }
    }

    /// Sends the echo answers whose time has come (dropped if their
    /// connection is gone).
    fn send_due_acks(&mut self) {
        let now = self.now;
        let (due, later) = std::mem::take(&mut self.delayed_acks).into_iter().partition(|(at, ..)| *at <= now);
        self.delayed_acks = later;
        for (_, sid, namespace, ack_id, args) in due {
            if let Some(side) = self.connections.get_mut(&sid) {
                let answer = side.connection.ack(&namespace, ack_id, args);
                assert_eq!(answer, Ok(()), "acknowledging echo");
            }
        }
    }

    /// The server application.
    fn drive_server(&mut self, sid: &str, output: ServerOutput) {
        let now = self.now;
        match output {
            ServerOutput::ConnectRequest { namespace, auth, .. } => {
                let fresh_id = self.fresh_sid(0x50);
                let pid_random = [self.next_random() as u8; 15];
                let Some(side) = self.connections.get_mut(sid) else {
                    return;
                };
                let connection = &mut side.connection;
                let name = namespace.as_str();
                let Some(shared) = self.namespaces.get_mut(name) else {
                    let answer = connection.reject(now, name, PRIVATE_REFUSAL, None);
                    assert_eq!(answer, Ok(()), "refusing {name}");
                    return;
                };
                let answer = match shared.connect_request(now, auth.as_ref()) {
                    ConnectDecision::Fresh => {
                        let pid = shared.fresh_pid(pid_random);
                        let answer =
                            connection.accept(now, name, fresh_id.clone(), pid.as_ref().map(|pid| pid.as_str()));
                        shared.add_socket(&fresh_id, pid, &[]);
                        // The application's handler runs at once.
                        connection.connect_handled(&fresh_id);
                        answer
                    }
                    ConnectDecision::Recover(session) => {
                        let id = session.socket_id.clone();
                        let answer =
                            connection.accept_recovered(now, name, id.clone(), session.pid.as_str(), &session.missed);
                        shared.add_socket(&id, Some(session.pid), &session.rooms);
                        connection.connect_handled(&id);
                        answer
                    }
                };
                assert_eq!(answer, Ok(()), "admitting {name}");
            }
            ServerOutput::Disconnecting { namespace, socket_id, .. } => {
                if let Some(shared) = self.namespaces.get_mut(namespace.as_str()) {
                    shared.disconnecting(&socket_id);
                }
            }
            ServerOutput::Disconnected { namespace, socket_id, reason } => {
                if let Some(shared) = self.namespaces.get_mut(namespace.as_str()) {
                    shared.remove_socket(now, &socket_id, reason, ());
                }
            }
            ServerOutput::Event { namespace, event } => match (event.name.as_str(), event.ack_id) {
                ("echo", Some(ack_id)) => {
                    if self.drop_echo_acks > 0 {
                        self.drop_echo_acks -= 1;
                        return;
                    }
                    let at = now + self.echo_delay;
                    self.delayed_acks.push((
                        at,
                        sid.to_owned(),
                        namespace.as_str().to_owned(),
                        ack_id,
                        event.arguments,
                    ));
                    self.send_due_acks();
                }
                ("broadcast", _) => self.broadcast(namespace.as_str(), "broadcast", event.arguments),
                _ => {}
            },
            ServerOutput::Closed(_) => {
                self.connections.remove(sid);
                self.websockets.retain(|(_, _, s)| s != sid);
                self.outstanding.retain(|(_, _, s)| s != sid);
            }
            _ => {}
        }
    }
}

/// Arguments from a serializable tuple.
pub fn args<T: serde::Serialize>(value: &T) -> Args {
    Args::from_tuple(value).expect("test arguments serialize")
}

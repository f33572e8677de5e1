//! Shared setup of the `namespace_*` tests: a tiny driver holding one
//! [`Namespace`] and real [`Connection`]s (WebSocket engine sessions from a
//! real handshake), executing the namespace's plans on the connections the
//! way a runtime crate would.
#![allow(dead_code)]

use std::collections::BTreeMap;

use engineio_proto::server::{self as engine, classify, Method, Route, Session};
use engineio_proto::{Frame, Instant, Sid, Str};
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::broadcast_ack::AckOutcome;
use socketio_proto::server::{ConnectDecision, Connection, Namespace, NamespaceConfig, Output, ServerConfig};
use socketio_proto::{Args, EventName, Json};

pub fn at(millis: u64) -> Instant {
    Instant::from_millis(millis)
}

/// A v5 WebSocket connection opened at `now`, its open frame drained.
pub fn open(now: Instant, engine_id: &str) -> Connection {
    let config = engine::ServerConfig::default();
    let Route::Handshake(handshake) = classify(&config, Method::Get, "EIO=4&transport=websocket", true) else {
        panic!("not a handshake");
    };
    let session = Session::new(&config, &handshake, Sid::new(engine_id), now);
    let mut connection = Connection::new(&ServerConfig::default(), session, now);
    drain(&mut connection);
    connection
}

pub fn drain(connection: &mut Connection) -> Vec<Output> {
    std::iter::from_fn(|| connection.poll_output()).collect()
}

/// The client sends the Socket.IO packet `packet` (one text frame `4<packet>`).
pub fn receive(connection: &mut Connection, now: Instant, packet: &str) -> Vec<Output> {
    connection.handle_frame(now, Frame::Text(Str::from(format!("4{packet}"))));
    drain(connection)
}

/// The texts of the WebSocket text frames among `outputs`.
pub fn transmitted(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|output| match output {
            Output::Engine(engine::Output::Transmit(Frame::Text(text))) => Some(text.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

/// The JSON payload of a transmitted Socket.IO frame `4<type><json>`.
pub fn payload(frame: &str) -> serde_json::Value {
    let json = frame.trim_start_matches(|c: char| c.is_ascii_digit());
    serde_json::from_str(json).expect("a JSON payload")
}

/// The last argument of a transmitted EVENT frame: the offset with recovery on.
pub fn offset_of(frame: &str) -> String {
    let payload = payload(frame);
    payload.as_array().and_then(|items| items.last()).and_then(|last| last.as_str()).expect("an offset").to_owned()
}

/// Whether the outputs include `Output::Connected` with `recovered`.
pub fn connected_recovered(outputs: &[Output]) -> Option<bool> {
    outputs.iter().find_map(|output| match output {
        Output::Connected { recovered, .. } => Some(*recovered),
        _ => None,
    })
}

/// The driver: one namespace `/`, connections by socket id.
pub struct Server {
    pub namespace: Namespace,
    pub connections: BTreeMap<Sid, Connection>,
}

impl Server {
    pub fn new(config: &NamespaceConfig) -> Server {
        Server { namespace: Namespace::new("/", config), connections: BTreeMap::new() }
    }

    /// Server with connection state recovery at the reference defaults.
    pub fn with_recovery() -> Server {
        Server::new(&NamespaceConfig::default().with_recovery(Default::default()))
    }

    /// The client on `connection` sends CONNECT with `auth` (JSON text or
    /// empty); the driver asks the namespace, then accepts (fresh socket id
    /// `fresh_id`, pid from `random`) or accepts the recovered session.
    /// Returns the socket id and the connection's outputs.
    pub fn connect(
        &mut self,
        now: Instant,
        mut connection: Connection,
        auth: &str,
        fresh_id: &str,
        random: u8,
    ) -> (Sid, Vec<Output>) {
        let outputs = receive(&mut connection, now, &format!("0{auth}"));
        let Some(Output::ConnectRequest { auth, .. }) = outputs.first() else { panic!("no request in {outputs:?}") };
        let socket_id = match self.namespace.connect_request(now, auth.as_ref()) {
            ConnectDecision::Fresh => {
                let socket_id = Sid::new(fresh_id);
                let pid = self.namespace.fresh_pid([random; 15]);
                connection.accept(now, "/", socket_id.clone(), pid.as_ref().map(|pid| pid.as_str())).unwrap();
                self.namespace.add_socket(&socket_id, pid, &[]);
                socket_id
            }
            ConnectDecision::Recover(session) => {
                let socket_id = session.socket_id.clone();
                connection
                    .accept_recovered(now, "/", socket_id.clone(), session.pid.as_str(), &session.missed)
                    .unwrap();
                self.namespace.add_socket(&socket_id, Some(session.pid), &session.rooms);
                socket_id
            }
        };
        connection.connect_handled(&socket_id);
        let outputs = drain(&mut connection);
        self.connections.insert(socket_id.clone(), connection);
        (socket_id, outputs)
    }

    /// Broadcasts event `name` with `args` to what `options` selects and
    /// emits it on each target's connection.
    pub fn broadcast(&mut self, now: Instant, name: &'static str, args: Args, options: &BroadcastOptions) {
        let plan = self.namespace.broadcast(now, EventName::from(name), args, options);
        for socket_id in plan.target_ids() {
            let connection = self.connections.get_mut(socket_id).expect("a connection per target");
            connection.emit("/", &plan.encoded).unwrap();
        }
    }

    /// Broadcasts with ack and emits on each target; returns the ack id.
    pub fn broadcast_with_ack(&mut self, now: Instant, name: &'static str, timeout_ms: u64) -> u64 {
        let timeout = core::time::Duration::from_millis(timeout_ms);
        let plan = self.namespace.broadcast_with_ack(now, name, Args::empty(), &BroadcastOptions::everyone(), timeout);
        let ack_id = plan.ack_id.expect("an ack id");
        for socket_id in plan.target_ids() {
            let connection = self.connections.get_mut(socket_id).expect("a connection per target");
            connection.emit_encoded_with_ack(now, "/", &plan.encoded, ack_id, Some(timeout)).unwrap();
        }
        ack_id
    }

    /// The client of `socket_id` answers ack `ack_id`; the driver routes the
    /// connection's `AckReceived` to the namespace it names.
    pub fn client_acks(&mut self, now: Instant, socket_id: &Sid, ack_id: u64, args: &str) {
        let connection = self.connections.get_mut(socket_id).expect("a connection");
        for output in receive(connection, now, &format!("3{ack_id}{args}")) {
            if let Output::AckReceived { namespace, token, args } = output {
                assert_eq!(&namespace, self.namespace.name());
                self.namespace.record_broadcast_ack(token.ack_id(), socket_id, args);
            }
        }
    }

    /// Fires the namespace's timers at `now`, returning the decided ack outcomes.
    pub fn namespace_timeout(&mut self, now: Instant) -> Vec<(u64, AckOutcome)> {
        self.namespace.handle_timeout(now);
        std::iter::from_fn(|| self.namespace.poll_outcome()).collect()
    }

    /// The transport of `socket_id`'s connection closes; the driver feeds the
    /// socket's disconnecting/disconnected to the namespace and forgets the
    /// connection. Returns the rooms seen at "disconnecting".
    pub fn close_transport(&mut self, now: Instant, socket_id: &Sid) -> Vec<String> {
        let mut connection = self.connections.remove(socket_id).expect("a connection");
        connection.handle_websocket_closed(now);
        let mut rooms_when_disconnecting = Vec::new();
        for output in drain(&mut connection) {
            match output {
                Output::Disconnecting { socket_id, .. } => {
                    let rooms = self.namespace.disconnecting(&socket_id);
                    rooms_when_disconnecting = rooms.iter().map(|room| room.as_str().to_owned()).collect();
                }
                Output::Disconnected { socket_id, reason, .. } => {
                    self.namespace.remove_socket(now, &socket_id, reason, ());
                }
                _ => {}
            }
        }
        rooms_when_disconnecting
    }

    /// Drains the outputs of `socket_id`'s connection.
    pub fn drain(&mut self, socket_id: &Sid) -> Vec<Output> {
        drain(self.connections.get_mut(socket_id).expect("a connection"))
    }
}

/// The auth a reconnecting reference client sends.
pub fn recovery_auth(pid: &str, offset: &str) -> String {
    Json::from_serialize(&serde_json::json!({ "pid": pid, "offset": offset })).unwrap().as_str().to_owned()
}

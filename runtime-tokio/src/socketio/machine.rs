//! The Socket.IO side of a session task: [`SocketIoMachine`] drives the
//! proto [`Connection`] (which owns the Engine.IO session) in the one session
//! loop, executes the application's [`Command`]s on it, resolves emits with
//! ack, routes broadcast acks to their namespace, keeps the namespaces'
//! rooms and recovery sessions in step with its sockets, and hands the rest
//! ([`AppEvent`]) to the connection's handler task, in order.
//!
//! Connection state recovery follows the proto [`Namespace`](socketio_proto::server::Namespace)
//! flow: a CONNECT is decided ([`ConnectDecision`]) under the namespace
//! lock; a recovered session that skips the middlewares is admitted right
//! there, without releasing the lock, so no broadcast falls between its
//! missed packets and its registration. Otherwise the session waits here
//! for the middlewares' verdict; a broadcast made while they run is then
//! not replayed to it (it is in no room yet, and its session left the
//! store when restored).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use engineio_proto::server::{
    CloseReason, ErrorResponse, Output as EngineOutput, PostBody, RequestId, Response, SendError, Session,
    UpgradeVerdict,
};
use engineio_proto::sid::SID_RANDOM_BYTES;
use engineio_proto::{Frame, Instant, Message, Sid, Str};
use socketio_proto::server::{AckToken, ConnectDecision, Connection, DisconnectReason, Output, RecoveredSession};
use socketio_proto::{Args, Encoded, Event, Json, ProtocolVersion};
use tokio::sync::oneshot;

use crate::queue;
use crate::spare_capacity::release_spare_capacity;

use super::data::SharedData;
use super::error::AckError;
use super::namespace::{NamespaceShared, NamespaceState, SocketEntry};
use super::ServerState;
use crate::engine::{Command as SessionCommand, Machine};

/// What the application asks of one Socket.IO connection.
#[derive(Debug)]
pub(crate) enum Command {
    /// Admit the socket of a pending CONNECT (the middlewares passed).
    Accept { namespace: Str, socket_id: Sid },
    /// Refuse a pending CONNECT with CONNECT_ERROR.
    Reject { namespace: Str, message: String, data: Option<Json> },
    /// Send an encoded packet to the socket on `namespace`.
    Emit { namespace: Str, encoded: Encoded },
    /// Send an encoded packet only if the transport can write it at once.
    EmitVolatile { namespace: Str, encoded: Encoded },
    /// Send a broadcast's encoded EVENT carrying its `ack_id`; the answer
    /// goes to the namespace.
    EmitBroadcastWithAck { namespace: Str, encoded: Encoded, ack_id: u64, timeout: Duration },
    /// Send an encoded EVENT carrying `ack_id` and wait for its answer.
    EmitWithAck {
        namespace: Str,
        encoded: Encoded,
        ack_id: u64,
        timeout: Option<Duration>,
        responder: oneshot::Sender<Result<Args, AckError>>,
    },
    /// Answer the client's event `ack_id`.
    Ack { namespace: Str, ack_id: u64, args: Args },
    /// Disconnect the socket on `namespace`.
    Disconnect { namespace: Str },
    /// Disconnect every socket and close the connection.
    DisconnectAll,
    /// The handler task ran the `on_connection` handler of `socket_id` up to
    /// its first await (see [`Connection::connect_handled`]).
    ConnectHandled { socket_id: Sid },
}

/// What the connection's handler task hears, in the machine's order.
#[derive(Debug)]
pub(crate) enum AppEvent {
    /// The client asks to join `namespace`: middlewares, then accept or
    /// reject; when `admitted` (a recovered session that skips the
    /// middlewares) the socket is already accepted.
    ConnectRequest { namespace: Str, auth: Option<Json>, query: Option<Str>, admitted: bool },
    /// The socket on `namespace` is connected (`recovered`: it got its previous session back).
    Connected { namespace: Str, socket_id: Sid, recovered: bool },
    /// The client emitted an event.
    Event { namespace: Str, event: Event },
    /// The socket on `namespace` is leaving; `rooms` are the rooms it was in.
    Disconnecting { namespace: Str, reason: DisconnectReason, rooms: Vec<String> },
    /// The socket on `namespace` left.
    Disconnected { namespace: Str, reason: DisconnectReason },
}

/// The [`Machine`] of a Socket.IO connection.
pub(crate) struct SocketIoMachine {
    connection: Connection,
    server: Arc<ServerState>,
    /// The inbox of this connection's session task (the namespaces keep it
    /// to send broadcasts to the socket).
    commands: queue::UnboundedSender<SessionCommand>,
    app: queue::UnboundedSender<AppEvent>,
    acks: HashMap<AckToken, oneshot::Sender<Result<Args, AckError>>>,
    /// The restored sessions waiting for their middlewares, by namespace.
    recoveries: HashMap<Str, RecoveredSession<SharedData>>,
}

impl SocketIoMachine {
    pub(crate) fn new(
        connection: Connection,
        server: Arc<ServerState>,
        commands: queue::UnboundedSender<SessionCommand>,
        app: queue::UnboundedSender<AppEvent>,
    ) -> SocketIoMachine {
        SocketIoMachine { connection, server, commands, app, acks: HashMap::new(), recoveries: HashMap::new() }
    }

    fn resolve_ack(&mut self, token: AckToken, outcome: Result<Args, AckError>) {
        if let Some(responder) = self.acks.remove(&token) {
            let _ = responder.send(outcome);
        }
    }

    /// Decides a CONNECT under the namespace lock; true when the socket was
    /// admitted at once (a recovered session that skips the middlewares).
    fn on_connect_request(&mut self, now: Instant, namespace: &Str, auth: Option<&Json>) -> bool {
        let Some(shared) = self.server.namespace(namespace.as_str()) else {
            return false;
        };
        let mut state = shared.lock();
        match state.rooms.connect_request(now, auth) {
            ConnectDecision::Fresh => false,
            ConnectDecision::Recover(session) if session.skip_middlewares => {
                self.admit_recovered(now, namespace, session, &mut state);
                true
            }
            ConnectDecision::Recover(session) => {
                self.recoveries.insert(namespace.clone(), session);
                false
            }
        }
    }

    /// Admits the socket the middlewares let through: its restored session
    /// if it has one, else a fresh one with `socket_id`. The CONNECT counted
    /// on the namespace is decided then.
    fn accept(&mut self, now: Instant, namespace: &Str, socket_id: Sid) {
        // The pending CONNECT keeps the namespace registered until decided.
        let Some(shared) = self.server.namespace(namespace.as_str()) else {
            return;
        };
        self.register(now, namespace, socket_id, &shared);
        self.server.connect_decided(&shared);
    }

    fn register(&mut self, now: Instant, namespace: &Str, socket_id: Sid, shared: &NamespaceShared) {
        // Registered under the namespace lock together with the accept, so a
        // broadcast reaches the socket from its first packet on.
        let mut state = shared.lock();
        if let Some(session) = self.recoveries.remove(namespace) {
            self.admit_recovered(now, namespace, session, &mut state);
            return;
        }
        let mut random = [0u8; SID_RANDOM_BYTES];
        // Without randomness the socket simply cannot recover later.
        let pid = getrandom::fill(&mut random).ok().and_then(|()| state.rooms.fresh_pid(random));
        let accepted =
            self.connection.accept(now, namespace.as_str(), socket_id.clone(), pid.as_ref().map(|p| p.as_str()));
        if accepted.is_ok() {
            state.rooms.add_socket(&socket_id, pid, &[]);
            let entry = SocketEntry { commands: self.commands.clone(), data: SharedData::default() };
            state.sockets.insert(socket_id, entry);
        }
    }

    fn admit_recovered(
        &mut self,
        now: Instant,
        namespace: &Str,
        session: RecoveredSession<SharedData>,
        state: &mut NamespaceState,
    ) {
        let RecoveredSession { socket_id, pid, rooms, data, missed, .. } = session;
        let accepted =
            self.connection.accept_recovered(now, namespace.as_str(), socket_id.clone(), pid.as_str(), &missed);
        if accepted.is_ok() {
            state.rooms.add_socket(&socket_id, Some(pid), &rooms);
            state.sockets.insert(socket_id, SocketEntry { commands: self.commands.clone(), data });
        }
    }

    /// Gives a broadcast's ack answer to its namespace.
    fn record_broadcast_ack(&mut self, namespace: &Str, ack_id: u64, args: Args) {
        let (Some(shared), Some(socket_id)) =
            (self.server.namespace(namespace.as_str()), self.connection.socket_id(namespace.as_str()))
        else {
            return;
        };
        let mut state = shared.lock();
        if state.record_broadcast_ack(ack_id, socket_id, args) {
            state.drain_outcomes();
        }
    }
}

impl Machine for SocketIoMachine {
    fn engine(&self) -> &Session {
        self.connection.engine()
    }
    fn handle_poll(&mut self, now: Instant, request: RequestId) {
        self.connection.handle_poll(now, request);
    }
    fn handle_poll_aborted(&mut self, now: Instant, request: RequestId) {
        self.connection.handle_poll_aborted(now, request);
    }
    fn handle_post(&mut self, now: Instant, body: PostBody) -> Response {
        self.connection.handle_post(now, body)
    }
    fn handle_websocket_upgrade(&mut self, now: Instant) -> Result<UpgradeVerdict, ErrorResponse> {
        self.connection.handle_websocket_upgrade(now)
    }
    fn handle_frame(&mut self, now: Instant, frame: Frame) {
        self.connection.handle_frame(now, frame);
    }
    fn handle_frame_too_large(&mut self, now: Instant) {
        self.connection.handle_frame_too_large(now);
    }
    fn handle_frames_written(&mut self, count: usize) {
        self.connection.handle_frames_written(count);
    }
    fn handle_control_frame_queued(&mut self, now: Instant, bytes: usize) {
        self.connection.handle_control_frame_queued(now, bytes);
    }
    fn handle_websocket_flushed(&mut self) {
        self.connection.handle_websocket_flushed();
    }
    fn handle_websocket_closed(&mut self, now: Instant) {
        self.connection.handle_websocket_closed(now);
    }
    fn handle_websocket_error(&mut self, now: Instant) {
        self.connection.handle_websocket_error(now);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.connection.handle_timeout(now);
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.connection.poll_timeout()
    }
    fn is_closed(&self) -> bool {
        self.connection.is_closed()
    }
    fn close(&mut self, now: Instant, reason: CloseReason) {
        match reason {
            CloseReason::ServerShuttingDown => self.connection.shutdown(now),
            _ => self.connection.close(now),
        }
    }

    fn poll_transport_output(&mut self, now: Instant) -> Option<EngineOutput> {
        loop {
            match self.connection.poll_output()? {
                // The upgrade events concern nobody here.
                Output::Engine(EngineOutput::Event(_)) => {}
                Output::Engine(transport) => return Some(transport),
                Output::ConnectRequest { namespace, auth, query } => {
                    // A v4 client (Socket.IO v2) carries its auth in the
                    // namespace query: the reference hands it over as `auth`.
                    let auth = match self.connection.protocol() {
                        ProtocolVersion::V4 => auth.or_else(|| Some(Json::from_v4_query(query.as_deref()))),
                        ProtocolVersion::V5 => auth,
                    };
                    let admitted = self.on_connect_request(now, &namespace, auth.as_ref());
                    let _ = self.app.send(AppEvent::ConnectRequest { namespace, auth, query, admitted });
                }
                Output::Connected { namespace, socket_id, recovered } => {
                    // The connection holds its output until the handler task
                    // says `ConnectHandled`; with no handler task, nobody will.
                    let event = AppEvent::Connected { namespace, socket_id: socket_id.clone(), recovered };
                    if self.app.send(event).is_err() {
                        self.connection.connect_handled(&socket_id);
                    }
                }
                Output::Event { namespace, event } => {
                    let _ = self.app.send(AppEvent::Event { namespace, event });
                }
                Output::AckReceived { namespace, token, args } => match self.acks.remove(&token) {
                    Some(responder) => {
                        let _ = responder.send(Ok(args));
                    }
                    None => self.record_broadcast_ack(&namespace, token.ack_id(), args),
                },
                Output::AckTimedOut { token, .. } => self.resolve_ack(token, Err(AckError::Timeout)),
                Output::AckCancelled { token, .. } => self.resolve_ack(token, Err(AckError::Disconnected)),
                Output::Disconnecting { namespace, socket_id, reason } => {
                    let rooms = match self.server.namespace(namespace.as_str()) {
                        Some(shared) => shared.lock().rooms.disconnecting(&socket_id),
                        None => Vec::new(),
                    };
                    let rooms = rooms.iter().map(|room| room.as_str().to_owned()).collect();
                    let _ = self.app.send(AppEvent::Disconnecting { namespace, reason, rooms });
                }
                Output::Disconnected { namespace, socket_id, reason } => {
                    if let Some(shared) = self.server.namespace(namespace.as_str()) {
                        let mut state = shared.lock();
                        let data = state.sockets.remove(&socket_id).map(|entry| entry.data).unwrap_or_default();
                        release_spare_capacity(&mut state.sockets);
                        state.rooms.remove_socket(now, &socket_id, reason, data);
                        drop(state);
                        // A kept session expires later; `SocketIo::close` waits for sockets to leave.
                        shared.wake_timer();
                        shared.socket_left.notify_waiters();
                        self.server.forget_if_empty_child(&shared);
                    }
                    let _ = self.app.send(AppEvent::Disconnected { namespace, reason });
                }
                // The sockets hear of it through their disconnection.
                Output::DecodeFailed(_) | Output::Closed(_) => {}
            }
        }
    }

    fn on_send(&mut self, message: Message, responder: oneshot::Sender<Result<(), SendError>>) {
        // Raw Engine.IO messages would break the Socket.IO stream.
        let _ = responder.send(Err(SendError::Closed(message)));
    }

    fn on_socketio(&mut self, now: Instant, command: Command) {
        match command {
            Command::Accept { namespace, socket_id } => self.accept(now, &namespace, socket_id),
            Command::Reject { namespace, message, data } => {
                self.recoveries.remove(&namespace);
                let _ = self.connection.reject(now, namespace.as_str(), &message, data.as_ref());
            }
            Command::Emit { namespace, encoded } => {
                // A full buffer or a gone socket drops the packet, as the reference does.
                let _ = self.connection.emit(namespace.as_str(), &encoded);
            }
            Command::EmitVolatile { namespace, encoded } => {
                let _ = self.connection.emit_volatile(namespace.as_str(), &encoded);
            }
            Command::EmitBroadcastWithAck { namespace, encoded, ack_id, timeout } => {
                // The connection forgets the ack after `timeout`; the namespace
                // decides the broadcast's outcome on its own deadline.
                let _ = self.connection.emit_encoded_with_ack(now, namespace.as_str(), &encoded, ack_id, Some(timeout));
            }
            Command::EmitWithAck { namespace, encoded, ack_id, timeout, responder } => {
                match self.connection.emit_encoded_with_ack(now, namespace.as_str(), &encoded, ack_id, timeout) {
                    Ok(token) => {
                        self.acks.insert(token, responder);
                    }
                    Err(error) => {
                        let _ = responder.send(Err(AckError::Emit(error)));
                    }
                }
            }
            Command::Ack { namespace, ack_id, args } => {
                let _ = self.connection.ack(namespace.as_str(), ack_id, args);
            }
            Command::Disconnect { namespace } => {
                let _ = self.connection.disconnect(now, namespace.as_str());
            }
            Command::DisconnectAll => self.connection.disconnect_all(now),
            Command::ConnectHandled { socket_id } => self.connection.connect_handled(&socket_id),
        }
    }
}

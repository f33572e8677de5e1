//! [`Connection`]: the Socket.IO server side of one Engine.IO connection.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::cmp::Ordering;
use core::time::Duration;
use engineio_proto::server::{
    CloseReason, ErrorResponse, Event as EngineEvent, Output as EngineOutput, PostBody, RequestId, Response, SendError,
    Session, UpgradeVerdict,
};
use engineio_proto::time::earliest;
use engineio_proto::{Frame, Instant, Message, Sid, Str};

use super::config::ServerConfig;
use super::output::{AckToken, AnswerError, DisconnectReason, EmitError, Output};
use crate::args::Args;
use crate::decode::Decoder;
use crate::encode::Encoded;
use crate::json::Json;
use crate::packet::{EventName, Packet, PacketData, ProtocolVersion};

/// A namespace name as a map key, found by `&str`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key(Str);

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        self.0.as_str().cmp(other.0.as_str())
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

/// A namespace of the connection the client asked for.
#[derive(Debug, Clone)]
enum Namespace {
    /// CONNECT received, waiting for [`Connection::accept`] or
    /// [`Connection::reject`]; packets the client sends meanwhile wait here.
    Requested { held: VecDeque<Packet> },
    /// A socket is connected.
    Connected { socket_id: Sid },
}

/// An emit waiting for the client's ACK.
#[derive(Debug, Clone, Copy)]
struct PendingAck {
    token: AckToken,
    deadline: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Open,
    /// The server decided to close; the engine finishes its close.
    Closing,
    /// The engine closed; [`Output::Closed`] was queued.
    Closed,
}

/// The Socket.IO server machine of one connection, owning its Engine.IO
/// [`Session`].
///
/// The driver feeds HTTP and WebSocket inputs through the `handle_*`
/// methods (the same as [`Session`]'s), answers [`Output::ConnectRequest`]s
/// with [`Connection::accept`] or [`Connection::reject`] (namespace lookup and
/// middleware stay application code), emits, and drains
/// [`Connection::poll_output`]. Engine messages are decoded here and never
/// surface raw.
///
/// Behaviour, after the reference `socket.io` (client.js, socket.js, namespace.js):
/// - v5: every namespace, `/` included, starts with the client's CONNECT; v4
///   (Engine.IO 3): `/` is requested at open without any packet.
/// - No namespace connected within [`ServerConfig::connect_timeout`] of the
///   open: the connection is closed.
/// - Packets for a namespace whose CONNECT waits for the answer are held (up
///   to [`ServerConfig::max_packets_before_connect`]), delivered after
///   `accept`, dropped after `reject`. The reference closes the connection
///   instead, since its namespace join is asynchronous; holding them makes
///   the race of a client that does not wait for the CONNECT reply harmless.
/// - A packet in the wrong state (a CONNECT for a namespace requested or
///   connected, a CONNECT_ERROR, anything for a namespace never requested,
///   too many held packets) closes the connection: sockets get "forced server
///   close". An invalid packet gives [`Output::DecodeFailed`] and closes the
///   engine: sockets get "forced close" when it has closed, as in the reference.
/// - Disconnecting the last namespace keeps the connection open (the
///   reference `client._remove` does not close).
/// - The acks pending on a socket are cancelled ([`Output::AckCancelled`])
///   when it disconnects, for any reason: no answer can come any more.
/// - From [`Output::Connected`] until the driver calls
///   [`Connection::connect_handled`] for that socket, the transport outputs
///   (frames, polling answers, WebSocket closes, the CONNECT reply among
///   them) are held back, in order. The reference runs the `connection`
///   handler in the tick that writes the CONNECT reply, so a client that
///   hears CONNECT finds the handler's room joins done and no broadcast to
///   those rooms can miss it; a driver that runs the handler elsewhere gets
///   the same guarantee by calling `connect_handled` once the handler has
///   run up to its first await. The hold ends early when the socket leaves
///   or the connection closes.
#[derive(Debug, Clone)]
pub struct Connection {
    config: ServerConfig,
    engine: Session,
    version: ProtocolVersion,
    decoder: Decoder,
    lifecycle: Lifecycle,
    namespaces: BTreeMap<Key, Namespace>,
    connect_deadline: Option<Instant>,
    /// Pending acks by namespace, then by ack id (ids are unique per
    /// namespace, as a reference socket keeps its own acks).
    acks: BTreeMap<Key, BTreeMap<u64, PendingAck>>,
    /// `(deadline, serial)` of the acks with a timeout, with their namespace and id.
    ack_deadlines: BTreeMap<(Instant, u64), (Key, u64)>,
    next_ack_id: u64,
    next_ack_serial: u64,
    /// The latest time any call told; used by the calls that take none.
    last_now: Instant,
    outputs: VecDeque<Output>,
    /// Sockets whose `connection` handler has not run yet
    /// ([`Connection::connect_handled`]); while any has, transport outputs
    /// wait in `held_transport`.
    unhandled_sockets: Vec<Sid>,
    /// Transport outputs held back, in order (see [`Connection::holds_transport`]).
    held_transport: VecDeque<EngineOutput>,
}

impl Connection {
    /// The machine for a new engine session (just created with
    /// [`Session::new`]). A v4 connection requests `/` at once.
    pub fn new(config: &ServerConfig, engine: Session, now: Instant) -> Connection {
        let version = ProtocolVersion::for_engineio(engine.protocol());
        let mut connection = Connection {
            config: *config,
            engine,
            version,
            decoder: Decoder::with_limits(version, config.decoder_limits),
            lifecycle: Lifecycle::Open,
            namespaces: BTreeMap::new(),
            connect_deadline: Some(now + config.connect_timeout),
            acks: BTreeMap::new(),
            ack_deadlines: BTreeMap::new(),
            next_ack_id: 0,
            next_ack_serial: 0,
            last_now: now,
            outputs: VecDeque::new(),
            unhandled_sockets: Vec::new(),
            held_transport: VecDeque::new(),
        };
        connection.pump(now);
        if version == ProtocolVersion::V4 && connection.lifecycle == Lifecycle::Open {
            connection.request(Str::from_static("/"), None, None);
        }
        connection
    }

    /// The engine session (its sid, transport, [`Session::check_request`]).
    pub fn engine(&self) -> &Session {
        &self.engine
    }

    /// The Socket.IO revision the client speaks.
    pub fn protocol(&self) -> ProtocolVersion {
        self.version
    }

    /// Whether the connection has ended ([`Output::Closed`] was queued).
    pub fn is_closed(&self) -> bool {
        self.lifecycle == Lifecycle::Closed
    }

    /// The id of the socket connected on `namespace`, if one is.
    pub fn socket_id(&self, namespace: &str) -> Option<&Sid> {
        match self.namespaces.get(namespace) {
            Some(Namespace::Connected { socket_id }) => Some(socket_id),
            _ => None,
        }
    }

    /// The connected namespaces with their socket ids.
    pub fn connected_namespaces(&self) -> impl Iterator<Item = (&Str, &Sid)> + '_ {
        self.namespaces.iter().filter_map(|(namespace, state)| match state {
            Namespace::Connected { socket_id } => Some((&namespace.0, socket_id)),
            Namespace::Requested { .. } => None,
        })
    }

    /// How many acks wait for an answer.
    pub fn pending_acks(&self) -> usize {
        self.acks.values().map(BTreeMap::len).sum()
    }

    /// How many client packets are held for namespaces whose CONNECT waits
    /// for an answer (at most [`ServerConfig::max_packets_before_connect`]
    /// per namespace). Read-only, for drivers' gauges and the fuzz targets.
    pub fn held_packets(&self) -> usize {
        self.namespaces
            .values()
            .map(|state| match state {
                Namespace::Requested { held } => held.len(),
                Namespace::Connected { .. } => 0,
            })
            .sum()
    }

    /// How many ack deadlines are armed: never more than
    /// [`Connection::pending_acks`] (a resolved ack disarms its deadline).
    pub fn armed_ack_deadlines(&self) -> usize {
        self.ack_deadlines.len()
    }

    /// How many binary attachments the decoder still waits for to complete
    /// the packet it is collecting (0 when it collects none).
    pub fn missing_attachments(&self) -> usize {
        self.decoder.missing_attachments()
    }

    /// A polling GET arrived (see [`Session::handle_poll`]).
    pub fn handle_poll(&mut self, now: Instant, request: RequestId) {
        self.engine.handle_poll(now, request);
        self.pump(now);
    }

    /// The client left its parked GET (see [`Session::handle_poll_aborted`]).
    pub fn handle_poll_aborted(&mut self, now: Instant, request: RequestId) {
        self.engine.handle_poll_aborted(now, request);
        self.pump(now);
    }

    /// A polling POST arrived; returns its answer (see [`Session::handle_post`]).
    pub fn handle_post(&mut self, now: Instant, body: PostBody) -> Response {
        let response = self.engine.handle_post(now, body);
        self.pump(now);
        response
    }

    /// A WebSocket upgrade request arrived (see [`Session::handle_websocket_upgrade`]).
    pub fn handle_websocket_upgrade(&mut self, now: Instant) -> Result<UpgradeVerdict, ErrorResponse> {
        let result = self.engine.handle_websocket_upgrade(now);
        self.pump(now);
        result
    }

    /// A WebSocket frame arrived (see [`Session::handle_frame`]).
    pub fn handle_frame(&mut self, now: Instant, frame: Frame) {
        self.engine.handle_frame(now, frame);
        self.pump(now);
    }

    /// The driver wrote `count` more of the transmitted frames to the
    /// WebSocket (see [`Session::handle_frames_written`]): room in the send
    /// buffer again.
    pub fn handle_frames_written(&mut self, count: usize) {
        self.engine.handle_frames_written(count);
    }

    /// The WebSocket layer queued a pong of `bytes` (see
    /// [`Session::handle_control_frame_queued`]); a client that pings
    /// without reading is disconnected with "send buffer full".
    pub fn handle_control_frame_queued(&mut self, now: Instant, bytes: usize) {
        self.engine.handle_control_frame_queued(now, bytes);
        self.pump(now);
    }

    /// The driver completed a flush of the WebSocket (see [`Session::handle_websocket_flushed`]).
    pub fn handle_websocket_flushed(&mut self) {
        self.engine.handle_websocket_flushed();
    }

    /// A WebSocket message over the size limit was refused (see [`Session::handle_frame_too_large`]).
    pub fn handle_frame_too_large(&mut self, now: Instant) {
        self.engine.handle_frame_too_large(now);
        self.pump(now);
    }

    /// The peer closed the WebSocket (see [`Session::handle_websocket_closed`]).
    pub fn handle_websocket_closed(&mut self, now: Instant) {
        self.engine.handle_websocket_closed(now);
        self.pump(now);
    }

    /// The WebSocket failed (see [`Session::handle_websocket_error`]).
    pub fn handle_websocket_error(&mut self, now: Instant) {
        self.engine.handle_websocket_error(now);
        self.pump(now);
    }

    /// Admits the socket of a pending [`Output::ConnectRequest`]: sends the
    /// CONNECT reply (`0/nsp,{"sid":…}` in v5, plus `"pid"` when given for
    /// connection state recovery; `0/nsp,` in v4), queues
    /// [`Output::Connected`], then delivers the packets held meanwhile.
    pub fn accept(
        &mut self,
        now: Instant,
        namespace: &str,
        socket_id: Sid,
        pid: Option<&str>,
    ) -> Result<(), AnswerError> {
        self.admit(now, namespace, socket_id, pid, None)
    }

    /// Admits the socket of a pending [`Output::ConnectRequest`] that
    /// recovered a previous session (connection state recovery, see
    /// [`Namespace::connect_request`](super::Namespace::connect_request)):
    /// sends the `missed` packets first, in order, then the CONNECT reply with
    /// the session's `socket_id` and `pid`, as the reference does (the
    /// recovered socket's constructor queues them before `_onconnect`);
    /// [`Output::Connected`] has `recovered: true`. Refused as
    /// [`Connection::accept`]; the connection is closed when the engine has
    /// no room for every missed packet (a client that does not read would
    /// otherwise lose them silently).
    pub fn accept_recovered(
        &mut self,
        now: Instant,
        namespace: &str,
        socket_id: Sid,
        pid: &str,
        missed: &[Encoded],
    ) -> Result<(), AnswerError> {
        self.admit(now, namespace, socket_id, Some(pid), Some(missed))
    }

    fn admit(
        &mut self,
        now: Instant,
        namespace: &str,
        socket_id: Sid,
        pid: Option<&str>,
        missed: Option<&[Encoded]>,
    ) -> Result<(), AnswerError> {
        self.observe(now);
        let (namespace, Namespace::Requested { held }) = self.take_request(namespace)? else {
            return Err(AnswerError::NotRequested);
        };
        for encoded in missed.unwrap_or_default() {
            if self.send_encoded(encoded).is_err() {
                self.end(now, DisconnectReason::ForcedServerClose, CloseReason::ForcedClose);
                return Err(AnswerError::Closed);
            }
        }
        let payload = match self.version {
            ProtocolVersion::V5 => Some(Json::connect_reply(socket_id.as_str(), pid)),
            ProtocolVersion::V4 => None,
        };
        // Held from the CONNECT reply on, until the handler has run.
        self.unhandled_sockets.push(socket_id.clone());
        if !self.send_control(now, &Packet::connect(namespace.clone(), payload)) {
            self.forget_unhandled(&socket_id);
            return Err(AnswerError::Closed);
        }
        self.connect_deadline = None;
        self.namespaces.insert(Key(namespace.clone()), Namespace::Connected { socket_id: socket_id.clone() });
        let recovered = missed.is_some();
        self.outputs.push_back(Output::Connected { namespace, socket_id, recovered });
        for packet in held {
            if self.lifecycle != Lifecycle::Open {
                break;
            }
            self.on_packet(now, packet);
        }
        Ok(())
    }

    /// Refuses a pending [`Output::ConnectRequest`]: sends CONNECT_ERROR
    /// (v5 `4/nsp,{"message":…,"data":…}`; v4 a JSON string, or `data` when
    /// given, as the reference `err.data || err.message`) and drops the
    /// packets held meanwhile. The connection stays open.
    pub fn reject(
        &mut self,
        now: Instant,
        namespace: &str,
        message: &str,
        data: Option<&Json>,
    ) -> Result<(), AnswerError> {
        self.observe(now);
        let (namespace, _) = self.take_request(namespace)?;
        let payload = match (self.version, data) {
            (ProtocolVersion::V4, Some(data)) => Ok(data.clone()),
            (version, None) => Json::connect_error::<()>(version, message, None),
            (version, Some(data)) => data
                .to_owned_value::<serde_json::Value>()
                .and_then(|data| Json::connect_error(version, message, Some(&data))),
        };
        // Serializing a string and a parsed value cannot fail; keep a valid payload anyway.
        let payload = payload.unwrap_or_else(|_| Json::connect_reply("", None));
        if !self.send_control(now, &Packet::connect_error(namespace, payload)) {
            return Err(AnswerError::Closed);
        }
        Ok(())
    }

    /// Sends an encoded packet (encoded for `namespace`; a broadcast encodes
    /// once and sends to many) to the socket on `namespace`. Refused, with
    /// nothing sent, when the engine cannot take the packet and all its
    /// attachments.
    pub fn emit(&mut self, namespace: &str, encoded: &Encoded) -> Result<(), EmitError> {
        self.check_connected(namespace)?;
        self.send_encoded(encoded)
    }

    /// Sends an encoded packet only if the transport can write it at once
    /// (the reference volatile flag); returns whether it was sent. A dropped
    /// packet is no error.
    pub fn emit_volatile(&mut self, namespace: &str, encoded: &Encoded) -> Result<bool, EmitError> {
        self.check_connected(namespace)?;
        if !self.engine.is_writable() || !self.engine.has_room_for(encoded.message_count(), encoded_bytes(encoded)) {
            return Ok(false);
        }
        self.send_encoded(encoded).map(|()| true)
    }

    /// Emits event `name` with `args` on `namespace`, asking for an ack: the
    /// ack id is allocated here. Without `timeout` the ack waits until
    /// answered or the socket disconnects (the reference has no default).
    pub fn emit_with_ack(
        &mut self,
        now: Instant,
        namespace: &str,
        name: impl Into<EventName>,
        args: Args,
        timeout: Option<Duration>,
    ) -> Result<AckToken, EmitError> {
        let namespace = self.check_connected(namespace)?;
        let id = self.allocate_ack_id(namespace.as_str());
        let encoded = Packet::event(namespace.clone(), name, args, Some(id)).encode();
        self.emit_encoded_with_ack(now, namespace.as_str(), &encoded, id, timeout)
    }

    /// Sends an encoded EVENT that carries ack id `ack_id` (chosen by the
    /// caller: a broadcast with ack encodes one packet for many connections)
    /// and waits for its ACK.
    pub fn emit_encoded_with_ack(
        &mut self,
        now: Instant,
        namespace: &str,
        encoded: &Encoded,
        ack_id: u64,
        timeout: Option<Duration>,
    ) -> Result<AckToken, EmitError> {
        self.observe(now);
        let namespace = Key(self.check_connected(namespace)?);
        if self.acks.get(&namespace).is_some_and(|pending| pending.contains_key(&ack_id)) {
            return Err(EmitError::AckIdInUse(ack_id));
        }
        self.send_encoded(encoded)?;
        let token = AckToken { serial: self.next_ack_serial, ack_id };
        self.next_ack_serial = self.next_ack_serial.wrapping_add(1);
        let deadline = timeout.map(|timeout| now + timeout);
        if let Some(deadline) = deadline {
            self.ack_deadlines.insert((deadline, token.serial), (namespace.clone(), ack_id));
        }
        self.acks.entry(namespace).or_default().insert(ack_id, PendingAck { token, deadline });
        Ok(token)
    }

    /// Answers the client's event `ack_id` on `namespace` (ACK, or
    /// BINARY_ACK when `args` hold attachments).
    pub fn ack(&mut self, namespace: &str, ack_id: u64, args: Args) -> Result<(), EmitError> {
        let namespace = self.check_connected(namespace)?;
        self.send_encoded(&Packet::ack(namespace, ack_id, args).encode())
    }

    /// Disconnects the socket on `namespace` (the reference
    /// `socket.disconnect()`): sends DISCONNECT, then queues
    /// [`Output::Disconnecting`] and [`Output::Disconnected`] with "server
    /// namespace disconnect". The connection stays open.
    pub fn disconnect(&mut self, now: Instant, namespace: &str) -> Result<(), EmitError> {
        self.observe(now);
        let namespace = self.check_connected(namespace)?;
        if self.send_control(now, &Packet::disconnect(namespace.clone())) {
            self.leave(&namespace, DisconnectReason::ServerNamespaceDisconnect);
        }
        Ok(())
    }

    /// Disconnects every socket, then closes the connection (the reference
    /// `socket.disconnect(true)`): DISCONNECT for each namespace ("server
    /// namespace disconnect"), then an orderly engine close that still
    /// delivers them.
    pub fn disconnect_all(&mut self, now: Instant) {
        self.observe(now);
        if self.lifecycle != Lifecycle::Open {
            return;
        }
        for namespace in self.connected_keys() {
            if !self.send_control(now, &Packet::disconnect(namespace.clone())) {
                return;
            }
            self.leave(&namespace, DisconnectReason::ServerNamespaceDisconnect);
        }
        self.end(now, DisconnectReason::ForcedServerClose, CloseReason::ForcedClose);
    }

    /// Closes the connection (the reference `client.close()`): sockets get
    /// "forced server close", no DISCONNECT is sent, the engine closes.
    pub fn close(&mut self, now: Instant) {
        self.observe(now);
        self.end(now, DisconnectReason::ForcedServerClose, CloseReason::ForcedClose);
    }

    /// Closes the connection because the server stops: sockets get "server
    /// shutting down", the engine drops what it still holds and closes.
    pub fn shutdown(&mut self, now: Instant) {
        self.observe(now);
        self.end(now, DisconnectReason::ServerShuttingDown, CloseReason::ServerShuttingDown);
    }

    /// Fires what is due at `now`: the engine's timers, the connect timeout,
    /// ack timeouts. Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.observe(now);
        self.engine.handle_timeout(now);
        self.pump(now);
        if self.connect_deadline.is_some_and(|deadline| now >= deadline) {
            self.connect_deadline = None;
            if self.connected_keys().is_empty() {
                self.end(now, DisconnectReason::ForcedServerClose, CloseReason::ForcedClose);
            }
        }
        while let Some((&(deadline, _), _)) = self.ack_deadlines.first_key_value() {
            if deadline > now {
                break;
            }
            let Some((_, (namespace, id))) = self.ack_deadlines.pop_first() else { break };
            if let Some(pending) = self.take_ack(namespace.0.as_str(), id) {
                self.outputs.push_back(Output::AckTimedOut { namespace: namespace.0, token: pending.token });
            }
        }
    }

    /// When [`Connection::handle_timeout`] next needs calling, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.lifecycle == Lifecycle::Closed {
            return None;
        }
        let ack = self.ack_deadlines.first_key_value().map(|(&(deadline, _), _)| deadline);
        earliest(earliest(self.engine.poll_timeout(), self.connect_deadline), ack)
    }

    /// The next thing for the driver to do; `None` when drained.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The `connection` handler of `socket_id` (from [`Output::Connected`])
    /// has run, up to its first await: its room joins are done. Once every
    /// socket accepted so far is handled, the transport outputs held since
    /// come out of [`Connection::poll_output`], in order. A socket id that
    /// is not waiting (already handled, or gone) is ignored.
    pub fn connect_handled(&mut self, socket_id: &Sid) {
        self.forget_unhandled(socket_id);
        self.release_transport();
    }

    /// Whether transport outputs are held back: a socket accepted on this
    /// open connection still waits for [`Connection::connect_handled`].
    pub fn holds_transport(&self) -> bool {
        !self.unhandled_sockets.is_empty() && self.lifecycle == Lifecycle::Open
    }

    /// `socket_id` no longer holds the transport back (its handler ran, or
    /// it left).
    fn forget_unhandled(&mut self, socket_id: &Sid) {
        self.unhandled_sockets.retain(|waiting| waiting != socket_id);
    }

    /// Queues the held transport outputs, in order, unless the transport is
    /// still held. Called wherever the hold may end (a handler ran, a socket
    /// left, the connection is closing), after the outputs that say so.
    fn release_transport(&mut self) {
        if !self.holds_transport() {
            let released = self.held_transport.drain(..).map(Output::Engine);
            self.outputs.extend(released);
        }
    }

    fn observe(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
    }

    /// Moves the engine's outputs to the queue, in order, consuming its
    /// messages (decoded into packets) and its close.
    fn pump(&mut self, now: Instant) {
        self.observe(now);
        while let Some(output) = self.engine.poll_output() {
            match output {
                EngineOutput::Event(EngineEvent::Message(message)) => self.on_message(now, message),
                EngineOutput::Event(EngineEvent::Closed(reason)) => self.on_engine_closed(reason),
                EngineOutput::Event(event) => self.outputs.push_back(Output::Engine(EngineOutput::Event(event))),
                transport if self.holds_transport() => self.held_transport.push_back(transport),
                transport => self.outputs.push_back(Output::Engine(transport)),
            }
        }
    }

    fn on_message(&mut self, now: Instant, message: Message) {
        if self.lifecycle != Lifecycle::Open {
            return;
        }
        match self.decoder.decode(message) {
            Ok(Some(packet)) => self.on_packet(now, packet),
            Ok(None) => {}
            Err(error) => {
                // Reference `client.onerror`: "error" on each socket, then the
                // engine closes; the sockets leave with its reason.
                self.outputs.push_back(Output::DecodeFailed(error));
                self.lifecycle = Lifecycle::Closing;
                self.release_transport();
                self.connect_deadline = None;
                self.engine.close(now, CloseReason::ForcedClose);
            }
        }
    }

    /// A complete packet from the client (reference `client.ondecoded`).
    fn on_packet(&mut self, now: Instant, packet: Packet) {
        let (key, query) = self.namespace_key(&packet);
        match (self.namespaces.get_mut(key.as_str()), packet.data) {
            (None, PacketData::Connect(auth)) => self.request(key, auth, query),
            (Some(Namespace::Connected { .. }), PacketData::Event(event)) => {
                self.outputs.push_back(Output::Event { namespace: key, event });
            }
            (Some(Namespace::Connected { .. }), PacketData::Ack(ack)) => {
                if let Some(pending) = self.take_ack(key.as_str(), ack.id) {
                    let token = pending.token;
                    self.outputs.push_back(Output::AckReceived { namespace: key, token, args: ack.arguments });
                }
            }
            (Some(Namespace::Connected { .. }), PacketData::Disconnect) => {
                self.leave(&key, DisconnectReason::ClientNamespaceDisconnect);
            }
            (
                Some(Namespace::Requested { held }),
                data @ (PacketData::Event(_) | PacketData::Ack(_) | PacketData::Disconnect),
            ) if held.len() < self.config.max_packets_before_connect => {
                held.push_back(Packet { namespace: packet.namespace, data });
            }
            // A second CONNECT, a CONNECT_ERROR, a packet for a namespace
            // never requested, too many held packets: the reference closes.
            _ => self.end(now, DisconnectReason::ForcedServerClose, CloseReason::ForcedClose),
        }
    }

    /// The namespace a packet is for, and its v4 query (v4 auth).
    fn namespace_key(&self, packet: &Packet) -> (Str, Option<Str>) {
        if self.version == ProtocolVersion::V5 {
            return (packet.namespace.clone(), None);
        }
        let path_len = packet.namespace_path().len();
        let path = packet.namespace.slice(0..path_len).unwrap_or_else(|| packet.namespace.clone());
        let query = packet.namespace.slice_from(path_len + 1);
        (path, query.filter(|query| !query.is_empty()))
    }

    fn request(&mut self, namespace: Str, auth: Option<Json>, query: Option<Str>) {
        self.namespaces.insert(Key(namespace.clone()), Namespace::Requested { held: VecDeque::new() });
        self.outputs.push_back(Output::ConnectRequest { namespace, auth, query });
    }

    fn take_request(&mut self, namespace: &str) -> Result<(Str, Namespace), AnswerError> {
        if self.lifecycle != Lifecycle::Open {
            return Err(AnswerError::Closed);
        }
        if !matches!(self.namespaces.get(namespace), Some(Namespace::Requested { .. })) {
            return Err(AnswerError::NotRequested);
        }
        let (Key(namespace), state) = self.namespaces.remove_entry(namespace).ok_or(AnswerError::NotRequested)?;
        Ok((namespace, state))
    }

    fn check_connected(&self, namespace: &str) -> Result<Str, EmitError> {
        if self.lifecycle != Lifecycle::Open {
            return Err(EmitError::Closed);
        }
        match self.namespaces.get_key_value(namespace) {
            Some((Key(key), Namespace::Connected { .. })) => Ok(key.clone()),
            _ => Err(EmitError::NotConnected),
        }
    }

    fn connected_keys(&self) -> Vec<Str> {
        self.connected_namespaces().map(|(namespace, _)| namespace.clone()).collect()
    }

    /// A fresh ack id for `namespace`, skipping the ids pending there.
    fn allocate_ack_id(&mut self, namespace: &str) -> u64 {
        let pending = self.acks.get(namespace);
        while pending.is_some_and(|pending| pending.contains_key(&self.next_ack_id)) {
            self.next_ack_id = self.next_ack_id.wrapping_add(1);
        }
        let id = self.next_ack_id;
        self.next_ack_id = self.next_ack_id.wrapping_add(1);
        id
    }

    /// Removes the pending ack `id` of `namespace` (and its deadline).
    fn take_ack(&mut self, namespace: &str, id: u64) -> Option<PendingAck> {
        let pending = self.acks.get_mut(namespace)?;
        let ack = pending.remove(&id)?;
        if pending.is_empty() {
            self.acks.remove(namespace);
        }
        if let Some(deadline) = ack.deadline {
            self.ack_deadlines.remove(&(deadline, ack.token.serial));
        }
        Some(ack)
    }

    /// Queues all messages of `encoded`, or none.
    /// A packet (and its attachments) that does not fit in the send buffer
    /// means the client is not taking what it is sent: rather than drop it
    /// (and every packet after it), the connection is ended with "send
    /// buffer full" — with connection state recovery, the client gets what
    /// it missed when it reconnects.
    fn send_encoded(&mut self, encoded: &Encoded) -> Result<(), EmitError> {
        if self.lifecycle != Lifecycle::Open || self.engine.is_closed() {
            return Err(EmitError::Closed);
        }
        if !self.engine.has_room_for(encoded.message_count(), encoded_bytes(encoded)) {
            let now = self.last_now;
            self.end(now, DisconnectReason::SendBufferFull, CloseReason::ForcedClose);
            return Err(EmitError::BufferFull);
        }
        for message in encoded.messages() {
            match self.engine.send_with(message, encoded.compress()) {
                Ok(()) => {}
                Err(SendError::Closed(_)) => return Err(EmitError::Closed),
                Err(SendError::BufferFull(_)) => return Err(EmitError::BufferFull),
            }
        }
        let now = self.last_now;
        self.pump(now);
        Ok(())
    }

    /// Sends a packet the client's state depends on (CONNECT reply,
    /// CONNECT_ERROR, DISCONNECT). A client that left the buffer full is not
    /// reading: the connection is closed rather than the packet lost.
    fn send_control(&mut self, now: Instant, packet: &Packet) -> bool {
        match self.send_encoded(&packet.encode()) {
            Ok(()) => true,
            Err(_) => {
                self.end(now, DisconnectReason::ForcedServerClose, CloseReason::ForcedClose);
                false
            }
        }
    }

    /// The socket on `namespace` leaves: disconnecting, disconnected, then
    /// its acks are cancelled.
    fn leave(&mut self, namespace: &str, reason: DisconnectReason) {
        let Some((Key(namespace), state)) = self.namespaces.remove_entry(namespace) else {
            return;
        };
        let Namespace::Connected { socket_id } = state else {
            return;
        };
        self.forget_unhandled(&socket_id);
        self.outputs.push_back(Output::Disconnecting {
            namespace: namespace.clone(),
            socket_id: socket_id.clone(),
            reason,
        });
        let cancelled = self.acks.remove(namespace.as_str()).unwrap_or_default();
        self.outputs.push_back(Output::Disconnected { namespace: namespace.clone(), socket_id, reason });
        for pending in cancelled.into_values() {
            if let Some(deadline) = pending.deadline {
                self.ack_deadlines.remove(&(deadline, pending.token.serial));
            }
            self.outputs.push_back(Output::AckCancelled { namespace: namespace.clone(), token: pending.token });
        }
        // A closing connection lets its held output go once every socket
        // has left (`leave_all`).
        if self.lifecycle == Lifecycle::Open {
            self.release_transport();
        }
    }

    /// Every socket leaves with `reason`; pending requests are forgotten.
    fn leave_all(&mut self, reason: DisconnectReason) {
        for namespace in self.connected_keys() {
            self.leave(&namespace, reason);
        }
        self.namespaces.clear();
        self.decoder.reset();
        self.connect_deadline = None;
        self.release_transport();
    }

    /// The server ends the connection: sockets leave with `reason`, then the
    /// engine closes with `engine_reason` (its close comes back through [`Connection::pump`]).
    fn end(&mut self, now: Instant, reason: DisconnectReason, engine_reason: CloseReason) {
        if self.lifecycle != Lifecycle::Open {
            return;
        }
        self.lifecycle = Lifecycle::Closing;
        self.leave_all(reason);
        self.engine.close(now, engine_reason);
        self.pump(now);
    }

    /// The engine closed: remaining sockets leave with its reason.
    fn on_engine_closed(&mut self, reason: CloseReason) {
        if self.lifecycle == Lifecycle::Closed {
            return;
        }
        self.lifecycle = Lifecycle::Closed;
        self.leave_all(DisconnectReason::from(reason));
        self.outputs.push_back(Output::Closed(reason));
    }
}

/// The bytes of the Engine.IO messages of `encoded` (its text and attachments).
fn encoded_bytes(encoded: &Encoded) -> usize {
    encoded.messages().map(|message| message.len()).sum()
}

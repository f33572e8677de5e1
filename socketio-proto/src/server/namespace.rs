//! [`Namespace`]: the state one namespace shares across its connections.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use engineio_proto::sid::SID_RANDOM_BYTES;
use engineio_proto::time::earliest;
use engineio_proto::{Instant, Str};
use serde::Deserialize;

use super::output::DisconnectReason;
use crate::args::Args;
use crate::broadcast::{Broadcast, BroadcastFlags, BroadcastOptions, DisconnectPlan, Planner};
use crate::broadcast_ack::{AckOutcome, BroadcastAcks};
use crate::encode::Encoded;
use crate::json::Json;
use crate::packet::{EventName, Packet, PacketData};
use crate::recovery::{append_offset, is_recordable, Offset, Pid, RecoveryConfig, RecoveryStore, SessionSnapshot};
use crate::rooms::{Room, Rooms, SocketId, SocketKey};

/// Settings of a [`Namespace`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamespaceConfig {
    /// Connection state recovery (the reference `connectionStateRecovery`);
    /// off (`None`) by default, as in the reference.
    pub recovery: Option<RecoveryConfig>,
}

impl NamespaceConfig {
    /// Turns connection state recovery on with `config`
    /// ([`RecoveryConfig::default`]: the reference defaults, 120 s, skip middlewares).
    pub fn with_recovery(mut self, config: RecoveryConfig) -> NamespaceConfig {
        self.recovery = Some(config);
        self
    }
}

/// A previous session a reconnecting client gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredSession<D> {
    /// The socket id of the previous session, given back.
    pub socket_id: SocketId,
    /// The private session id, sent again in the CONNECT reply.
    pub pid: Pid,
    /// The rooms the socket was in (its own room first): pass them to
    /// [`Namespace::add_socket`].
    pub rooms: Vec<Room>,
    /// The application data persisted with the session.
    pub data: D,
    /// The packets the client missed, oldest first, each with its offset:
    /// pass them to [`Connection::accept_recovered`](super::Connection::accept_recovered).
    pub missed: Vec<Encoded>,
    /// Whether the driver skips the namespace middlewares
    /// ([`RecoveryConfig::skip_middlewares`]).
    pub skip_middlewares: bool,
}

/// What [`Namespace::connect_request`] decided for a CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectDecision<D> {
    /// A new session: run the middlewares, then
    /// [`Connection::accept`](super::Connection::accept) with a fresh socket id
    /// and [`Namespace::fresh_pid`], then [`Namespace::add_socket`].
    Fresh,
    /// The client's previous session was restored (and removed from the
    /// store): run the middlewares unless `skip_middlewares`, then
    /// [`Connection::accept_recovered`](super::Connection::accept_recovered)
    /// and [`Namespace::add_socket`] with the session's id, pid and rooms.
    Recover(RecoveredSession<D>),
}

/// A packet encoded once and the sockets to send it to: what
/// [`Namespace::broadcast`] and [`Namespace::broadcast_with_ack`] plan. The
/// targets can be read as [`SocketKey`]s (for a driver table indexed by
/// [`SocketKey::index`]) or as socket ids.
#[derive(Debug, Clone)]
pub struct BroadcastPlan<'a> {
    /// The packet, encoded once; send a clone to each target.
    pub encoded: Encoded,
    /// The broadcast's flags (volatile: use
    /// [`Connection::emit_volatile`](super::Connection::emit_volatile)).
    pub flags: BroadcastFlags,
    /// For [`Namespace::broadcast_with_ack`]: the ack id the packet carries,
    /// shared by every target. Send with
    /// [`Connection::emit_encoded_with_ack`](super::Connection::emit_encoded_with_ack)
    /// and route each target's answer to [`Namespace::record_broadcast_ack`].
    pub ack_id: Option<u64>,
    targets: &'a [SocketKey],
    rooms: &'a Rooms,
}

impl<'a> BroadcastPlan<'a> {
    /// The targets' keys, each once.
    pub fn target_keys(&self) -> &'a [SocketKey] {
        self.targets
    }

    /// The targets' socket ids, each once, in the order of [`BroadcastPlan::target_keys`].
    pub fn target_ids(&self) -> impl Iterator<Item = &'a SocketId> + 'a {
        let rooms = self.rooms;
        self.targets.iter().filter_map(move |&key| rooms.id_of(key))
    }

    /// The plan as the planner's [`Broadcast`] (keys only).
    pub fn as_broadcast(&self) -> Broadcast<'a> {
        Broadcast { encoded: self.encoded.clone(), targets: self.targets, flags: self.flags.clone() }
    }
}

/// The `pid` and `offset` a reconnecting client adds to its CONNECT auth.
#[derive(Deserialize)]
struct RecoveryAuth {
    pid: Option<String>,
    offset: Option<String>,
}

/// The state one namespace shares across all its connections: rooms,
/// broadcast planning, broadcast acknowledgements and, when on, connection
/// state recovery. Pure: it never holds a connection; it returns plans
/// (encoded packets and target sockets) that the driver executes on the
/// [`Connection`](super::Connection)s it keeps by socket id or
/// [`SocketKey`]. A driver keeps one per namespace behind its own lock,
/// apart from the per-connection locks.
///
/// Driver flow, after the reference (namespace.js `_add`/`_createSocket`/
/// `_doConnect`, socket.js constructor and `_onclose`, the
/// `SessionAwareAdapter`):
///
/// 1. [`Output::ConnectRequest`](super::Output::ConnectRequest) →
///    [`Namespace::connect_request`] with its auth →
///    [`ConnectDecision::Fresh`] or [`ConnectDecision::Recover`]. Call
///    `connect_request`, `accept_recovered` and [`Namespace::add_socket`]
///    without releasing the namespace lock when the middlewares are skipped:
///    a broadcast in between would reach neither the missed packets nor the
///    socket.
/// 2. Emits to one socket go through [`Namespace::socket_emit`] (with
///    recovery on, the reference records them as broadcasts to the socket's
///    own room); broadcasts through [`Namespace::broadcast`].
/// 3. [`Output::Disconnecting`](super::Output::Disconnecting) →
///    [`Namespace::disconnecting`] (rooms still there);
///    [`Output::Disconnected`](super::Output::Disconnected) →
///    [`Namespace::remove_socket`], which persists the session for a
///    recoverable reason.
///
/// # Ack ids
///
/// As in the reference (`nsp._ids`), one counter per namespace gives the ack
/// ids of single-socket emits ([`Namespace::socket_emit_with_ack`]) and of
/// broadcasts ([`Namespace::broadcast_with_ack`]): an id is never pending
/// twice on a socket, so [`Connection::emit_encoded_with_ack`](super::Connection::emit_encoded_with_ack)
/// never refuses it. A [`Connection`](super::Connection) keys acks by
/// namespace and id, so namespaces counting independently do not collide
/// either. Do not mix [`Connection::emit_with_ack`](super::Connection::emit_with_ack)
/// (the connection's own counter) with a namespace's ids on the same namespace.
#[derive(Debug)]
pub struct Namespace<D = ()> {
    name: Str,
    rooms: Rooms,
    planner: Planner,
    targets: Vec<SocketKey>,
    acks: BroadcastAcks,
    next_ack_id: u64,
    recovery: Option<RecoveryStore<D>>,
    /// The pid of each connected socket (recovery on only).
    pids: BTreeMap<SocketId, Pid>,
}

impl<D> Namespace<D> {
    /// The shared state of namespace `name` (`/`, `/admin`).
    pub fn new(name: impl Into<Str>, config: &NamespaceConfig) -> Namespace<D> {
        Namespace {
            name: name.into(),
            rooms: Rooms::new(),
            planner: Planner::new(),
            targets: Vec::new(),
            acks: BroadcastAcks::new(),
            next_ack_id: 0,
            recovery: config.recovery.clone().map(RecoveryStore::new),
            pids: BTreeMap::new(),
        }
    }

    /// The namespace's name.
    pub fn name(&self) -> &Str {
        &self.name
    }

    /// The rooms index (members, a socket's rooms, ids of [`SocketKey`]s).
    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// The recovery store, when recovery is on.
    pub fn recovery(&self) -> Option<&RecoveryStore<D>> {
        self.recovery.as_ref()
    }

    /// Whether connection state recovery is on.
    pub fn is_recovery_enabled(&self) -> bool {
        self.recovery.is_some()
    }

    /// Decides how to admit a CONNECT with `auth` (the CONNECT payload): with
    /// recovery on and string `pid` and `offset` in `auth` (the reference
    /// client adds them), the session is restored when it is known, not
    /// expired and its offset is still stored; anything else is a fresh
    /// session.
    pub fn connect_request(&mut self, now: Instant, auth: Option<&Json>) -> ConnectDecision<D> {
        let (Some(store), Some(auth)) = (self.recovery.as_mut(), auth) else {
            return ConnectDecision::Fresh;
        };
        let Ok(RecoveryAuth { pid: Some(pid), offset: Some(offset) }) = auth.deserialize::<RecoveryAuth>() else {
            return ConnectDecision::Fresh;
        };
        let pid = Pid::new(&pid);
        let skip_middlewares = store.config().skip_middlewares;
        match store.restore(&pid, &Offset::new(&offset), now) {
            Some(restored) => ConnectDecision::Recover(RecoveredSession {
                socket_id: restored.snapshot.sid,
                pid,
                rooms: restored.snapshot.rooms,
                data: restored.snapshot.data,
                missed: restored.missed,
                skip_middlewares,
            }),
            None => ConnectDecision::Fresh,
        }
    }

    /// A pid for a fresh socket from caller randomness, when recovery is on
    /// (`None` otherwise: the CONNECT reply then carries no pid).
    pub fn fresh_pid(&self, random: [u8; SID_RANDOM_BYTES]) -> Option<Pid> {
        self.recovery.as_ref().map(|_| Pid::from_random(random))
    }

    /// Registers an accepted socket: its own room, then `rooms` (a recovered
    /// session's rooms; empty for a fresh socket), and its `pid` when
    /// recovery is on. Returns its key.
    pub fn add_socket(&mut self, socket: &SocketId, pid: Option<Pid>, rooms: &[Room]) -> SocketKey {
        let key = self.rooms.insert(socket);
        for room in rooms {
            self.rooms.join_key(key, room);
        }
        if let (Some(pid), true) = (pid, self.recovery.is_some()) {
            self.pids.insert(socket.clone(), pid);
        }
        key
    }

    /// Makes `socket` join `room`; false when it already was in it.
    pub fn join(&mut self, socket: &SocketId, room: &Room) -> bool {
        self.rooms.join(socket, room)
    }

    /// Makes `socket` leave `room`; false when it was not in it.
    pub fn leave(&mut self, socket: &SocketId, room: &Room) -> bool {
        self.rooms.leave(socket, room)
    }

    /// The rooms of a socket about to leave (the reference "disconnecting"
    /// event: the rooms are still there), in join order; empty when unknown.
    pub fn disconnecting(&self, socket: &SocketId) -> Vec<Room> {
        self.rooms.rooms_of(socket).map(|rooms| rooms.cloned().collect()).unwrap_or_default()
    }

    /// Forgets a socket that left for `reason` (it leaves all its rooms) and,
    /// with recovery on and a [recoverable](DisconnectReason::is_recoverable)
    /// reason, keeps its session (socket id, rooms, `data`) under its pid for
    /// a later reconnection. Returns the rooms it left.
    pub fn remove_socket(&mut self, now: Instant, socket: &SocketId, reason: DisconnectReason, data: D) -> Vec<Room> {
        let rooms = self.rooms.leave_all(socket);
        let pid = self.pids.remove(socket);
        if let (Some(store), Some(pid), true) = (self.recovery.as_mut(), pid, reason.is_recoverable()) {
            let snapshot = SessionSnapshot { sid: socket.clone(), rooms: rooms.clone(), data };
            store.persist_session(pid, snapshot, now);
        }
        rooms
    }

    /// Encodes an EVENT for the sockets `options` selects (encoded once; emit
    /// it with [`Connection::emit`](super::Connection::emit), or
    /// [`Connection::emit_volatile`](super::Connection::emit_volatile) when
    /// `flags.volatile`, on each target). With recovery on, a recordable
    /// broadcast (not volatile) gets a fresh offset as its last argument and
    /// is stored for the sockets that will miss it.
    pub fn broadcast(
        &mut self,
        now: Instant,
        name: impl Into<EventName>,
        args: Args,
        options: &BroadcastOptions,
    ) -> BroadcastPlan<'_> {
        let encoded = self.encode_event(now, name.into(), args, options);
        self.planner.select_into(&self.rooms, options, &mut self.targets);
        BroadcastPlan {
            encoded,
            flags: options.flags.clone(),
            ack_id: None,
            targets: &self.targets,
            rooms: &self.rooms,
        }
    }

    /// Encodes an EVENT for one socket (the reference `socket.emit`): with
    /// recovery on it is recorded as a broadcast to the socket's own room,
    /// with an offset, as the reference does. Send it with
    /// [`Connection::emit`](super::Connection::emit).
    pub fn socket_emit(&mut self, now: Instant, socket: &SocketId, name: impl Into<EventName>, args: Args) -> Encoded {
        let options = BroadcastOptions::everyone().to(socket);
        self.encode_event(now, name.into(), args, &options)
    }

    /// Encodes an EVENT for one socket that asks for an ack, with an id from
    /// the namespace counter (never recorded: an ack cannot be recovered).
    /// Send it with [`Connection::emit_encoded_with_ack`](super::Connection::emit_encoded_with_ack).
    pub fn socket_emit_with_ack(&mut self, name: impl Into<EventName>, args: Args) -> (u64, Encoded) {
        let ack_id = self.next_ack_id();
        (ack_id, Packet::event(self.name.clone(), name, args, Some(ack_id)).encode())
    }

    /// Encodes an EVENT with a fresh ack id for the sockets `options` selects
    /// and starts collecting one answer per target until `now + timeout`
    /// (the reference `broadcastWithAck`). Never recorded for recovery. With
    /// no target the outcome is ready at once (empty
    /// [`AckOutcome::Complete`]).
    pub fn broadcast_with_ack(
        &mut self,
        now: Instant,
        name: impl Into<EventName>,
        args: Args,
        options: &BroadcastOptions,
        timeout: Duration,
    ) -> BroadcastPlan<'_> {
        let ack_id = self.next_ack_id();
        let encoded = Packet::event(self.name.clone(), name, args, Some(ack_id))
            .encode()
            .with_compress(options.flags.compress.unwrap_or(true));
        self.planner.select_into(&self.rooms, options, &mut self.targets);
        let target_ids = self.targets.iter().filter_map(|&key| self.rooms.id_of(key)).cloned();
        self.acks.start(ack_id, target_ids, now + timeout);
        BroadcastPlan {
            encoded,
            flags: options.flags.clone(),
            ack_id: Some(ack_id),
            targets: &self.targets,
            rooms: &self.rooms,
        }
    }

    /// Routes a target's answer to the broadcast with `ack_id` (from
    /// [`Output::AckReceived`](super::Output::AckReceived) on `socket`'s
    /// connection); false when no broadcast waits for it (a single-socket
    /// ack, a duplicate, or too late).
    pub fn record_broadcast_ack(&mut self, ack_id: u64, socket: &SocketId, args: Args) -> bool {
        self.acks.record(ack_id, socket, args)
    }

    /// Whether a broadcast with `ack_id` waits for answers or for its outcome
    /// to be taken.
    pub fn is_broadcast_ack(&self, ack_id: u64) -> bool {
        self.acks.contains(ack_id)
    }

    /// The next decided broadcast ack outcome with its ack id; each comes out
    /// exactly once.
    pub fn poll_outcome(&mut self) -> Option<(u64, AckOutcome)> {
        self.acks.poll_outcome()
    }

    /// When [`Namespace::handle_timeout`] is next due: a broadcast ack
    /// deadline or a recovery expiry.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let recovery = self.recovery.as_ref().and_then(RecoveryStore::poll_timeout);
        earliest(self.acks.poll_timeout(), recovery)
    }

    /// Times out the broadcast acks due at `now` and drops the expired
    /// sessions and packets. Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.acks.handle_timeout(now);
        if let Some(store) = self.recovery.as_mut() {
            store.handle_timeout(now);
        }
    }

    /// The ids of the sockets `options` selects (`fetchSockets`).
    pub fn fetch_sockets(&mut self, options: &BroadcastOptions) -> Vec<SocketId> {
        self.planner.fetch_sockets(&self.rooms, options)
    }

    /// Makes the selected sockets join `rooms` (`socketsJoin`); returns how
    /// many were selected.
    pub fn sockets_join(&mut self, options: &BroadcastOptions, rooms: &[Room]) -> usize {
        self.planner.sockets_join(&mut self.rooms, options, rooms)
    }

    /// Makes the selected sockets leave `rooms` (`socketsLeave`); returns how
    /// many were selected.
    pub fn sockets_leave(&mut self, options: &BroadcastOptions, rooms: &[Room]) -> usize {
        self.planner.sockets_leave(&mut self.rooms, options, rooms)
    }

    /// The sockets to disconnect (`disconnectSockets`): the driver calls
    /// [`Connection::disconnect`](super::Connection::disconnect) (or
    /// `disconnect_all` when `close`) on each, and their outputs come back
    /// through [`Namespace::disconnecting`] and [`Namespace::remove_socket`].
    pub fn disconnect_sockets(&mut self, options: &BroadcastOptions, close: bool) -> DisconnectPlan {
        self.planner.disconnect_sockets(&self.rooms, options, close)
    }

    /// The next ack id of the namespace counter, skipping ids of broadcasts
    /// still pending.
    pub fn next_ack_id(&mut self) -> u64 {
        while self.acks.contains(self.next_ack_id) {
            self.next_ack_id = self.next_ack_id.wrapping_add(1);
        }
        let id = self.next_ack_id;
        self.next_ack_id = self.next_ack_id.wrapping_add(1);
        id
    }

    /// Encodes an EVENT without ack; with recovery on and a recordable
    /// packet, appends a fresh offset first and stores the result.
    fn encode_event(&mut self, now: Instant, name: EventName, args: Args, options: &BroadcastOptions) -> Encoded {
        let packet = Packet::event(self.name.clone(), name, args, None);
        let compress = options.flags.compress.unwrap_or(true);
        let Some(store) = self.recovery.as_mut().filter(|_| is_recordable(&packet, &options.flags)) else {
            return packet.encode().with_compress(compress);
        };
        let offset = store.next_offset(now);
        let mut packet = packet;
        if let PacketData::Event(event) = &mut packet.data {
            event.arguments = append_offset(&event.arguments, &offset);
        }
        let encoded = packet.encode().with_compress(compress);
        // The generator never repeats an offset within a store; a refusal
        // would only mean the packet is not replayed.
        let _ = store.record_packet(offset, encoded.clone(), options, now);
        encoded
    }
}

//! Broadcast planning: which sockets of a namespace a broadcast reaches.
//!
//! The reference adapter's `apply` selects sockets from [`BroadcastOptions`]
//! (rooms, except) and its `broadcast`, `fetchSockets`, `addSockets`,
//! `delSockets` and `disconnectSockets` all act on that selection. Here the
//! selection is [`Planner::select_into`], written once and used by all of them.
//!
//! The packet is encoded once by the caller ([`crate::Packet::encode`]); a
//! [`Broadcast`] pairs that [`Encoded`] value with the targets, and the driver
//! hands a clone (two reference-count increments) to each target's
//! connection, as the reference writes the same encoded packets to every
//! target's engine (`writeToEngine`).
//!
//! Selection rules (the reference's `apply` and `computeExceptSids`):
//! - no rooms: every socket of the namespace; otherwise the members of any of
//!   the rooms, each socket once;
//! - members of any `except` room are left out;
//! - order: with no rooms, key order; otherwise room by room in the order
//!   given, each room's members in index order ([`crate::rooms`]).
//!   Deterministic for a given sequence of calls.

use alloc::vec::Vec;
use core::time::Duration;

use crate::encode::Encoded;
use crate::rooms::{Room, Rooms, SocketId, SocketKey};

/// Modifiers of a broadcast (the reference's `BroadcastFlags`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Only this server's sockets (meaningful with a cluster adapter; a
    /// single index is always local).
    pub local: bool,
    /// The packet may be dropped for a connection that is not ready to send
    /// it; it is not stored for connection state recovery.
    pub volatile: bool,
    /// Whether to compress the packet (`None`: the transport's default).
    pub compress: Option<bool>,
    /// How long to wait for acknowledgements (`emitWithAck`).
    pub timeout: Option<Duration>,
}

/// What a broadcast reaches (the reference's `BroadcastOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// The rooms to reach; empty means every socket of the namespace.
    pub rooms: Vec<Room>,
    /// Rooms whose members are left out.
    pub except: Vec<Room>,
    /// Modifiers.
    pub flags: BroadcastFlags,
}

impl BroadcastOptions {
    /// Every socket of the namespace.
    pub fn everyone() -> BroadcastOptions {
        BroadcastOptions::default()
    }

    /// Adds a room to reach (`to(room)`, `in(room)`).
    pub fn to(mut self, room: impl Into<Room>) -> BroadcastOptions {
        self.rooms.push(room.into());
        self
    }

    /// Adds a room whose members are left out (`except(room)`).
    pub fn except(mut self, room: impl Into<Room>) -> BroadcastOptions {
        self.except.push(room.into());
        self
    }

    /// Every socket but `sender` (`socket.broadcast`).
    pub fn except_sender(self, sender: &SocketId) -> BroadcastOptions {
        self.except(Room::from(sender))
    }

    /// Marks the broadcast volatile.
    pub fn volatile(mut self) -> BroadcastOptions {
        self.flags.volatile = true;
        self
    }

    /// Marks the broadcast local.
    pub fn local(mut self) -> BroadcastOptions {
        self.flags.local = true;
        self
    }

    /// Sets the compress flag (see `Encoded::with_compress`).
    pub fn compress(mut self, compress: bool) -> BroadcastOptions {
        self.flags.compress = Some(compress);
        self
    }

    /// Sets the acknowledgement timeout.
    pub fn timeout(mut self, timeout: Duration) -> BroadcastOptions {
        self.flags.timeout = Some(timeout);
        self
    }

    /// Whether a socket in `socket_rooms` is reached by these options (the
    /// reference's `shouldIncludePacket`, used for recovery).
    pub fn reaches(&self, socket_rooms: &[Room]) -> bool {
        reaches(&self.rooms, &self.except, socket_rooms)
    }
}

/// Whether a socket in `socket_rooms` is reached by a broadcast to `rooms`
/// (empty: everyone) except `except`.
pub(crate) fn reaches(rooms: &[Room], except: &[Room], socket_rooms: &[Room]) -> bool {
    let included = rooms.is_empty() || socket_rooms.iter().any(|room| rooms.contains(room));
    included && !socket_rooms.iter().any(|room| except.contains(room))
}

/// One encoded packet and the sockets to send it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broadcast<'p> {
    /// The packet, encoded once; clone it per target.
    pub encoded: Encoded,
    /// The targets, each once.
    pub targets: &'p [SocketKey],
    /// The broadcast's flags (volatile, compress) for the connections.
    pub flags: BroadcastFlags,
}

/// What `disconnectSockets` asks of the selected sockets' connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisconnectPlan {
    /// The sockets to disconnect.
    pub targets: Vec<SocketId>,
    /// Whether to close the underlying Engine.IO connection as well.
    pub close: bool,
}

/// Selects broadcast targets in a [`Rooms`] index, reusing its buffers so a
/// broadcast allocates nothing once warm. One per namespace (or per thread).
#[derive(Debug, Default)]
pub struct Planner {
    /// `marks[key] == epoch`: the socket is excluded or already selected in
    /// the current selection.
    marks: Vec<u32>,
    epoch: u32,
    targets: Vec<SocketKey>,
}

impl Planner {
    /// A planner with empty buffers.
    pub fn new() -> Planner {
        Planner::default()
    }

    /// Fills `out` (cleared first) with the keys of the sockets `options`
    /// selects. The one selection every operation below uses.
    pub fn select_into(&mut self, index: &Rooms, options: &BroadcastOptions, out: &mut Vec<SocketKey>) {
        out.clear();
        let excludes = options.except.iter().any(|room| index.has_room(room));
        if excludes {
            self.start_selection(index);
            for room in &options.except {
                for &key in index.members(room) {
                    self.mark(key);
                }
            }
        }
        match options.rooms.as_slice() {
            [] if !excludes => out.extend(index.keys()),
            [] => out.extend(index.keys().filter(|&key| !self.is_marked(key))),
            [room] if !excludes => out.extend_from_slice(index.members(room)),
            [room] => out.extend(index.members(room).iter().copied().filter(|&key| !self.is_marked(key))),
            rooms => {
                if !excludes {
                    self.start_selection(index);
                }
                for room in rooms {
                    for &key in index.members(room) {
                        if !self.is_marked(key) {
                            self.mark(key);
                            out.push(key);
                        }
                    }
                }
            }
        }
    }

    /// The keys of the sockets `options` selects, in the planner's buffer.
    pub fn select(&mut self, index: &Rooms, options: &BroadcastOptions) -> &[SocketKey] {
        let mut targets = core::mem::take(&mut self.targets);
        self.select_into(index, options, &mut targets);
        self.targets = targets;
        &self.targets
    }

    /// Pairs a packet encoded once with its targets (the reference's `broadcast`).
    pub fn broadcast(&mut self, index: &Rooms, options: &BroadcastOptions, encoded: Encoded) -> Broadcast<'_> {
        let flags = options.flags.clone();
        let targets = self.select(index, options);
        Broadcast { encoded, targets, flags }
    }

    /// The ids of the selected sockets (`fetchSockets`).
    pub fn fetch_sockets(&mut self, index: &Rooms, options: &BroadcastOptions) -> Vec<SocketId> {
        let targets = self.select(index, options);
        targets.iter().filter_map(|&key| index.id_of(key)).cloned().collect()
    }

    /// Makes the selected sockets join `rooms` (`socketsJoin`). Returns how
    /// many sockets were selected.
    pub fn sockets_join(&mut self, index: &mut Rooms, options: &BroadcastOptions, rooms: &[Room]) -> usize {
        let targets = self.select(index, options).len();
        let selected = core::mem::take(&mut self.targets);
        for &key in &selected {
            for room in rooms {
                index.join_key(key, room);
            }
        }
        self.targets = selected;
        targets
    }

    /// Makes the selected sockets leave `rooms` (`socketsLeave`). Returns how
    /// many sockets were selected.
    pub fn sockets_leave(&mut self, index: &mut Rooms, options: &BroadcastOptions, rooms: &[Room]) -> usize {
        let targets = self.select(index, options).len();
        let selected = core::mem::take(&mut self.targets);
        for &key in &selected {
            for room in rooms {
                index.leave_key(key, room);
            }
        }
        self.targets = selected;
        targets
    }

    /// The sockets to disconnect (`disconnectSockets`); the driver tells
    /// each one's connection, whose own disconnect calls
    /// [`Rooms::leave_all`].
    pub fn disconnect_sockets(&mut self, index: &Rooms, options: &BroadcastOptions, close: bool) -> DisconnectPlan {
        DisconnectPlan { targets: self.fetch_sockets(index, options), close }
    }

    /// Starts a selection: a fresh epoch, marks sized for every key.
    fn start_selection(&mut self, index: &Rooms) {
        if self.marks.len() < index.key_capacity() {
            self.marks.resize(index.key_capacity(), 0);
        }
        if self.epoch == u32::MAX {
            self.marks.iter_mut().for_each(|mark| *mark = 0);
            self.epoch = 0;
        }
        self.epoch += 1;
    }

    fn mark(&mut self, key: SocketKey) {
        if let Some(mark) = self.marks.get_mut(key.index()) {
            *mark = self.epoch;
        }
    }

    fn is_marked(&self, key: SocketKey) -> bool {
        self.marks.get(key.index()) == Some(&self.epoch)
    }
}

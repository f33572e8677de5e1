//! Rooms of one namespace as a pure index: room → members and socket → rooms.
//!
//! One [`Rooms`] value per namespace, shared by all its connections and kept
//! apart from the per-connection machines, so a driver can lock it on its own.
//! It mirrors the reference in-memory adapter (`addAll`, `del`, `delAll`):
//!
//! - every registered socket is in the room named by its own id, so
//!   broadcasting `to(socket_id)` reaches it (the reference's
//!   `socket.join(socket.id)` on connect);
//! - a room disappears with its last member; a socket disappears with
//!   [`Rooms::leave_all`] (on disconnect), never by leaving rooms one by one.
//!
//! # Layout
//!
//! Sockets and rooms are interned to dense `u32` keys. A room keeps its
//! members in a `Vec<SocketKey>`, and a socket keeps, for each of its rooms,
//! the member's position in that vector, so joining and leaving are O(1)
//! (plus one ordered-map lookup of the name) and "all members of R" is a
//! slice. The order of members is deterministic (it depends only on the
//! sequence of calls) but not sorted: leaving moves the room's last member
//! into the freed place.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use engineio_proto::Sid;

/// A Socket.IO socket id (the `sid` of a CONNECT reply, distinct from the
/// Engine.IO session id but of the same form): the engine's [`Sid`] type, so
/// ids flow from the connection machine into the rooms index unchanged.
pub type SocketId = Sid;

/// A room name. Cheap to clone. A socket's own room has the socket's id as
/// name ([`Room::from`] a [`SocketId`] shares its storage).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Room(Arc<str>);

impl Room {
    /// A room named `name`.
    pub fn new(name: &str) -> Room {
        Room(Arc::from(name))
    }

    /// The room's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&SocketId> for Room {
    fn from(socket: &SocketId) -> Room {
        Room(Arc::from(socket.as_str()))
    }
}

impl From<&str> for Room {
    fn from(name: &str) -> Room {
        Room::new(name)
    }
}

impl From<alloc::string::String> for Room {
    fn from(name: alloc::string::String) -> Room {
        Room(Arc::from(name))
    }
}

impl fmt::Debug for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The dense key of a socket registered in a [`Rooms`] index: stable from the
/// socket's first join until [`Rooms::leave_all`], then reused for another
/// socket. A driver may index its own per-connection table with
/// [`SocketKey::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketKey(u32);

impl SocketKey {
    /// The key as an index into a dense table (`0..Rooms::key_capacity()`).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The dense key of a room (private: rooms are named by [`Room`] outside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RoomKey(u32);

struct SocketSlot {
    id: SocketId,
    /// The socket's rooms in join order, with the socket's position in each
    /// room's member vector.
    rooms: Vec<(RoomKey, u32)>,
}

struct RoomSlot {
    name: Room,
    members: Vec<SocketKey>,
}

/// The rooms of one namespace: which sockets are in which rooms.
#[derive(Default)]
pub struct Rooms {
    sockets: Vec<Option<SocketSlot>>,
    free_sockets: Vec<u32>,
    socket_keys: BTreeMap<SocketId, SocketKey>,
    rooms: Vec<Option<RoomSlot>>,
    free_rooms: Vec<u32>,
    room_keys: BTreeMap<Room, RoomKey>,
}

impl fmt::Debug for Rooms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rooms").field("sockets", &self.len()).field("rooms", &self.room_count()).finish()
    }
}

impl Rooms {
    /// An empty index.
    pub fn new() -> Rooms {
        Rooms::default()
    }

    /// Registers `socket` (joining its own room) if it is not yet, and
    /// returns its key. Joining any room registers too.
    pub fn insert(&mut self, socket: &SocketId) -> SocketKey {
        if let Some(&key) = self.socket_keys.get(socket) {
            return key;
        }
        let slot = SocketSlot { id: socket.clone(), rooms: Vec::new() };
        let key = match self.free_sockets.pop() {
            Some(index) => {
                if let Some(free) = self.sockets.get_mut(index as usize) {
                    *free = Some(slot);
                }
                SocketKey(index)
            }
            None => {
                self.sockets.push(Some(slot));
                SocketKey(u32::try_from(self.sockets.len() - 1).unwrap_or(u32::MAX))
            }
        };
        self.socket_keys.insert(socket.clone(), key);
        self.join_key(key, &Room::from(socket));
        key
    }

    /// Makes `socket` join `room` (registering the socket first if needed).
    /// Returns whether it was not already a member.
    pub fn join(&mut self, socket: &SocketId, room: &Room) -> bool {
        let key = self.insert(socket);
        self.join_key(key, room)
    }

    /// Makes `socket` join each of `rooms` (the reference's `addAll`).
    pub fn join_all<'r>(&mut self, socket: &SocketId, rooms: impl IntoIterator<Item = &'r Room>) {
        let key = self.insert(socket);
        for room in rooms {
            self.join_key(key, room);
        }
    }

    /// Makes the socket with `key` join `room`; false when it was already a
    /// member or the key is not registered.
    pub fn join_key(&mut self, key: SocketKey, room: &Room) -> bool {
        if !matches!(self.sockets.get(key.index()), Some(Some(_))) {
            return false;
        }
        let room_key = self.room_key_or_create(room);
        let Some(Some(socket)) = self.sockets.get_mut(key.index()) else { return false };
        if socket.rooms.iter().any(|&(joined, _)| joined == room_key) {
            return false;
        }
        let Some(Some(slot)) = self.rooms.get_mut(room_key.0 as usize) else { return false };
        let position = u32::try_from(slot.members.len()).unwrap_or(u32::MAX);
        slot.members.push(key);
        socket.rooms.push((room_key, position));
        true
    }

    /// Makes `socket` leave `room` (the reference's `del`); the room is
    /// removed when it becomes empty. The socket stays registered even when
    /// it leaves every room. Returns whether it was a member.
    pub fn leave(&mut self, socket: &SocketId, room: &Room) -> bool {
        match (self.socket_keys.get(socket), self.room_keys.get(room)) {
            (Some(&key), Some(&room_key)) => self.leave_keys(key, room_key),
            _ => false,
        }
    }

    /// Makes the socket with `key` leave `room` (see [`Rooms::leave`]),
    /// without looking the socket up by id.
    pub fn leave_key(&mut self, key: SocketKey, room: &Room) -> bool {
        match self.room_keys.get(room) {
            Some(&room_key) => self.leave_keys(key, room_key),
            None => false,
        }
    }

    /// Removes `socket` from every room and forgets it (the reference's
    /// `delAll`, on disconnect). Returns the rooms it was in, in join order
    /// (its own room first), for the `disconnecting` event; empty when the
    /// socket was not registered.
    pub fn leave_all(&mut self, socket: &SocketId) -> Vec<Room> {
        let Some(key) = self.socket_keys.remove(socket) else { return Vec::new() };
        let Some(slot) = self.sockets.get_mut(key.index()).and_then(Option::take) else { return Vec::new() };
        self.free_sockets.push(key.0);
        let mut left = Vec::with_capacity(slot.rooms.len());
        for &(room_key, position) in &slot.rooms {
            if let Some(name) = self.remove_member(room_key, position) {
                left.push(name);
            }
        }
        if self.socket_keys.is_empty() && self.room_keys.is_empty() {
            // The last socket left: give back the slabs grown for the peak.
            *self = Rooms::default();
        }
        left
    }

    /// The rooms `socket` is in, in join order; `None` when it is not registered.
    pub fn rooms_of(&self, socket: &SocketId) -> Option<impl Iterator<Item = &Room> + '_> {
        let key = self.socket_keys.get(socket)?;
        let slot = self.sockets.get(key.index())?.as_ref()?;
        Some(slot.rooms.iter().filter_map(|&(room_key, _)| self.room_slot(room_key).map(|room| &room.name)))
    }

    /// The keys of the members of `room` (empty when the room does not exist).
    pub fn members(&self, room: &Room) -> &[SocketKey] {
        self.room_keys
            .get(room)
            .and_then(|&room_key| self.room_slot(room_key))
            .map_or(&[][..], |slot| slot.members.as_slice())
    }

    /// The ids of the members of `room`.
    pub fn member_ids<'a>(&'a self, room: &Room) -> impl Iterator<Item = &'a SocketId> + 'a {
        self.members(room).iter().filter_map(move |&key| self.id_of(key))
    }

    /// Whether `socket` is in `room`.
    pub fn contains(&self, socket: &SocketId, room: &Room) -> bool {
        match (self.socket_keys.get(socket), self.room_keys.get(room)) {
            (Some(key), Some(room_key)) => self
                .sockets
                .get(key.index())
                .and_then(Option::as_ref)
                .is_some_and(|slot| slot.rooms.iter().any(|&(joined, _)| joined == *room_key)),
            _ => false,
        }
    }

    /// Whether `room` exists (has at least one member).
    pub fn has_room(&self, room: &Room) -> bool {
        self.room_keys.contains_key(room)
    }

    /// Number of registered sockets.
    pub fn len(&self) -> usize {
        self.socket_keys.len()
    }

    /// Whether no socket is registered.
    pub fn is_empty(&self) -> bool {
        self.socket_keys.is_empty()
    }

    /// Number of rooms (each with at least one member).
    pub fn room_count(&self) -> usize {
        self.room_keys.len()
    }

    /// The rooms, in name order.
    pub fn room_names(&self) -> impl Iterator<Item = &Room> + '_ {
        self.room_keys.keys()
    }

    /// The key of a registered socket.
    pub fn key_of(&self, socket: &SocketId) -> Option<SocketKey> {
        self.socket_keys.get(socket).copied()
    }

    /// The id of the socket with `key`, if registered.
    pub fn id_of(&self, key: SocketKey) -> Option<&SocketId> {
        self.sockets.get(key.index())?.as_ref().map(|slot| &slot.id)
    }

    /// The registered sockets, in key order.
    pub fn sockets(&self) -> impl Iterator<Item = (SocketKey, &SocketId)> + '_ {
        self.sockets.iter().enumerate().filter_map(|(index, slot)| {
            let slot = slot.as_ref()?;
            Some((SocketKey(u32::try_from(index).ok()?), &slot.id))
        })
    }

    /// One more than the largest key handed out so far: a dense table indexed
    /// by [`SocketKey::index`] needs this many entries.
    pub fn key_capacity(&self) -> usize {
        self.sockets.len()
    }

    /// The key of every registered socket, in key order (crate-internal, for
    /// broadcast planning).
    pub(crate) fn keys(&self) -> impl Iterator<Item = SocketKey> + '_ {
        self.sockets().map(|(key, _)| key)
    }

    fn room_slot(&self, room_key: RoomKey) -> Option<&RoomSlot> {
        self.rooms.get(room_key.0 as usize)?.as_ref()
    }

    fn room_key_or_create(&mut self, room: &Room) -> RoomKey {
        if let Some(&room_key) = self.room_keys.get(room) {
            return room_key;
        }
        let slot = RoomSlot { name: room.clone(), members: Vec::new() };
        let room_key = match self.free_rooms.pop() {
            Some(index) => {
                if let Some(free) = self.rooms.get_mut(index as usize) {
                    *free = Some(slot);
                }
                RoomKey(index)
            }
            None => {
                self.rooms.push(Some(slot));
                RoomKey(u32::try_from(self.rooms.len() - 1).unwrap_or(u32::MAX))
            }
        };
        self.room_keys.insert(room.clone(), room_key);
        room_key
    }

    fn leave_keys(&mut self, key: SocketKey, room_key: RoomKey) -> bool {
        let Some(Some(socket)) = self.sockets.get_mut(key.index()) else { return false };
        let Some(at) = socket.rooms.iter().position(|&(joined, _)| joined == room_key) else { return false };
        let (_, position) = socket.rooms.remove(at);
        self.remove_member(room_key, position);
        true
    }

    /// Removes the member at `position` of a room (moving the last member
    /// into its place), and the room itself when it becomes empty. Returns
    /// the room's name.
    fn remove_member(&mut self, room_key: RoomKey, position: u32) -> Option<Room> {
        let slot = self.rooms.get_mut(room_key.0 as usize)?.as_mut()?;
        let position_index = position as usize;
        if position_index >= slot.members.len() {
            return None;
        }
        slot.members.swap_remove(position_index);
        let moved = slot.members.get(position_index).copied();
        let name = slot.name.clone();
        if slot.members.is_empty() {
            self.rooms.get_mut(room_key.0 as usize).map(Option::take);
            self.room_keys.remove(&name);
            self.free_rooms.push(room_key.0);
        }
        if let Some(moved) = moved {
            if let Some(Some(moved_slot)) = self.sockets.get_mut(moved.index()) {
                if let Some(entry) = moved_slot.rooms.iter_mut().find(|(joined, _)| *joined == room_key) {
                    entry.1 = position;
                }
            }
        }
        Some(name)
    }
}

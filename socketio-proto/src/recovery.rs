//! Connection state recovery (the reference's `connectionStateRecovery` and
//! the adapter's `SessionAwareAdapter`), one [`RecoveryStore`] per namespace.
//!
//! - Each socket has a private session id ([`Pid`], sent in the CONNECT
//!   reply as `pid`). When it disconnects for a [recoverable reason](is_recoverable),
//!   the server keeps a [`SessionSnapshot`] (socket id, rooms, data) for
//!   [`RecoveryConfig::max_disconnection_duration`].
//! - Every broadcast EVENT without ack that is not volatile
//!   ([`is_recordable`]) gets a fresh [`Offset`], appended as the event's last
//!   argument ([`append_offset`]) so the client knows the last one it
//!   processed; the encoded packet is stored with its rooms/except. With
//!   recovery on, the reference sends even a single-socket `socket.emit`
//!   this way, as a broadcast to the socket's own room.
//! - A client reconnecting with `auth: { pid, offset }` gets back, with
//!   [`RecoveryStore::restore`], its snapshot and the stored packets after
//!   `offset` that its rooms would have received; the reference then skips
//!   the middlewares ([`RecoveryConfig::skip_middlewares`]) and sets
//!   `socket.recovered`.
//!
//! Bounded: sessions and packets older than `max_disconnection_duration` are
//! dropped ([`RecoveryStore::handle_timeout`]), and at most
//! [`RecoveryConfig::max_packets`] packets are kept (the reference keeps
//! every packet until it expires): past the cap the oldest packet is dropped,
//! so a session whose offset fell off can no longer be restored and connects
//! as a new session, as in the reference when the offset is not found.
//!
//! Deviation: a session is removed when it is restored (the reference keeps
//! it until it expires), so one pid cannot be restored twice.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use engineio_proto::sid::SID_RANDOM_BYTES;
use engineio_proto::time::earliest;
use engineio_proto::Str;
use engineio_proto::{Instant, Sid};

use crate::args::Args;
use crate::broadcast::{reaches, BroadcastFlags, BroadcastOptions};
use crate::encode::Encoded;
use crate::json::write_compact;
use crate::packet::{Packet, PacketData};
use crate::rooms::{Room, SocketId};

/// The disconnect reasons after which a session is kept for recovery (the
/// reference's `RECOVERABLE_DISCONNECT_REASONS`).
pub const RECOVERABLE_DISCONNECT_REASONS: [&str; 6] = [
    "transport error",
    "transport close",
    "forced close",
    "ping timeout",
    "server shutting down",
    "forced server close",
];

/// Whether a socket that disconnected for `reason` (the reference's reason
/// string) may recover its session.
pub fn is_recoverable(reason: &str) -> bool {
    RECOVERABLE_DISCONNECT_REASONS.contains(&reason)
}

/// Whether a broadcast packet is stored for recovery: an EVENT without ack
/// id, not volatile (the reference's `SessionAwareAdapter.broadcast`).
/// Packets with an ack are not stored because the ack cannot be restored.
pub fn is_recordable(packet: &Packet, flags: &BroadcastFlags) -> bool {
    matches!(&packet.data, PacketData::Event(event) if event.ack_id.is_none()) && !flags.volatile
}

/// The settings of connection state recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryConfig {
    /// How long a disconnected session (and a stored packet) is kept. Default 120 s.
    pub max_disconnection_duration: Duration,
    /// Whether a recovered socket skips the namespace middlewares. Default true.
    pub skip_middlewares: bool,
    /// How many packets are kept at most (oldest dropped first). Default 10 000.
    pub max_packets: usize,
}

impl Default for RecoveryConfig {
    fn default() -> RecoveryConfig {
        RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(120),
            skip_middlewares: true,
            max_packets: 10_000,
        }
    }
}

/// A private session id (`pid`): secret to the client, used to recover its
/// session. Cheap to clone.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid(Arc<str>);

impl Pid {
    /// A fresh pid from caller-supplied random bytes (20 URL-safe characters).
    pub fn from_random(random: [u8; SID_RANDOM_BYTES]) -> Pid {
        Pid(Arc::from(Sid::from_random(random).as_str()))
    }

    /// A pid received from a client (`auth.pid`).
    pub fn new(text: &str) -> Pid {
        Pid(Arc::from(text))
    }

    /// The pid's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pid(..)")
    }
}

/// The id of a stored packet, sent as the event's last argument and sent
/// back by a reconnecting client (`auth.offset`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Offset(Arc<str>);

impl Offset {
    /// An offset received from a client.
    pub fn new(text: &str) -> Offset {
        Offset(Arc::from(text))
    }

    /// The offset's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const YEAST_ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

fn push_yeast(out: &mut alloc::string::String, mut value: u64) {
    let mut digits = [0u8; 11];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            *slot = YEAST_ALPHABET.get((value % 64) as usize).copied().unwrap_or(b'0');
        }
        value /= 64;
        if value == 0 || at == 0 {
            break;
        }
    }
    out.extend(digits.get(at..).unwrap_or_default().iter().map(|&byte| char::from(byte)));
}

/// Makes offsets like the reference's `yeast()`: the time in base 64, then
/// `.0`, `.1`, … for further offsets in the same millisecond. No randomness
/// is needed: an offset must only be unique within its store, which lives in
/// memory with the process (a restarted server knows no `pid`, so an old
/// offset is never looked up there).
#[derive(Debug, Clone, Default)]
pub struct OffsetGenerator {
    last_millis: Option<u64>,
    seed: u64,
}

impl OffsetGenerator {
    /// A generator that has made no offset yet.
    pub fn new() -> OffsetGenerator {
        OffsetGenerator::default()
    }

    /// The next offset at `now` (the clock must not go back, which
    /// [`Instant`] promises).
    pub fn next(&mut self, now: Instant) -> Offset {
        let millis = now.as_millis();
        let mut text = alloc::string::String::with_capacity(16);
        push_yeast(&mut text, millis);
        if self.last_millis == Some(millis) {
            text.push('.');
            push_yeast(&mut text, self.seed);
            self.seed += 1;
        } else {
            self.last_millis = Some(millis);
            self.seed = 0;
        }
        Offset(Arc::from(text))
    }
}

/// `args` with `offset` appended as the last argument (a JSON string), as the
/// reference pushes the offset onto the event data before encoding.
pub fn append_offset(args: &Args, offset: &Offset) -> Args {
    let items = args.items_slice();
    let mut json = Vec::with_capacity(items.len() + offset.as_str().len() + 5);
    json.push(b'[');
    json.extend_from_slice(items);
    if !args.is_empty() {
        json.push(b',');
    }
    if write_compact(&mut json, offset.as_str()).is_err() {
        json.extend_from_slice(b"\"\"");
    }
    let end = json.len();
    json.push(b']');
    // Both pieces are UTF-8 (checked argument text and a serialized string),
    // so the conversion cannot fail; if it did, the offset is left out.
    let Ok(json) = alloc::string::String::from_utf8(json) else {
        return args.clone();
    };
    let mut with_offset = Args::from_parts(Str::from(json), 1, end, false);
    with_offset.attachments_mut().extend(args.attachments().iter().cloned());
    with_offset
}

/// What is kept of a disconnected socket (the reference's `Session`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSnapshot<T> {
    /// The socket id, given back to the recovered socket.
    pub sid: SocketId,
    /// The rooms the socket was in (its own room included).
    pub rooms: Vec<Room>,
    /// The application's `socket.data`.
    pub data: T,
}

/// A recovered session and the packets it missed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored<T> {
    /// The session as persisted.
    pub snapshot: SessionSnapshot<T>,
    /// The packets broadcast after the client's offset that its rooms would
    /// have received, oldest first, each carrying its own offset.
    pub missed: Vec<Encoded>,
}

/// Why a packet was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecoveryError {
    /// The offset is already used by a stored packet.
    #[error("offset {offset} is already stored")]
    DuplicateOffset {
        /// The offset.
        offset: Offset,
    },
}

struct StoredPacket {
    offset: Offset,
    encoded: Encoded,
    rooms: Vec<Room>,
    except: Vec<Room>,
    emitted_at: Instant,
}

struct StoredSession<T> {
    snapshot: SessionSnapshot<T>,
    disconnected_at: Instant,
}

/// The sessions and packets kept for connection state recovery in one namespace.
pub struct RecoveryStore<T> {
    config: RecoveryConfig,
    sessions: BTreeMap<Pid, StoredSession<T>>,
    /// `(disconnected_at, pid)` of every session, oldest first.
    expiries: BTreeSet<(Instant, Pid)>,
    packets: VecDeque<StoredPacket>,
    /// The sequence number of `packets.front()`; sequence numbers grow by one per stored packet.
    first_sequence: u64,
    sequences: BTreeMap<Offset, u64>,
    offsets: OffsetGenerator,
}

impl<T> fmt::Debug for RecoveryStore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryStore")
            .field("config", &self.config)
            .field("sessions", &self.sessions.len())
            .field("packets", &self.packets.len())
            .finish()
    }
}

impl<T> RecoveryStore<T> {
    /// An empty store.
    pub fn new(config: RecoveryConfig) -> RecoveryStore<T> {
        RecoveryStore {
            config,
            sessions: BTreeMap::new(),
            expiries: BTreeSet::new(),
            packets: VecDeque::new(),
            first_sequence: 0,
            sequences: BTreeMap::new(),
            offsets: OffsetGenerator::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &RecoveryConfig {
        &self.config
    }

    /// Keeps a disconnected socket's session (call it only for
    /// [recoverable](is_recoverable) reasons), replacing one with the same pid.
    pub fn persist_session(&mut self, pid: Pid, snapshot: SessionSnapshot<T>, now: Instant) {
        if let Some(previous) = self.sessions.insert(pid.clone(), StoredSession { snapshot, disconnected_at: now }) {
            self.expiries.remove(&(previous.disconnected_at, pid.clone()));
        }
        self.expiries.insert((now, pid));
    }

    /// A fresh offset for the next packet to record (see [`OffsetGenerator`]).
    pub fn next_offset(&mut self, now: Instant) -> Offset {
        self.offsets.next(now)
    }

    /// Stores a broadcast packet (already [encoded](Packet::encode) with
    /// `offset` [appended](append_offset)) with the rooms it was sent to.
    /// Call it only for [recordable](is_recordable) packets. At the cap the
    /// oldest packet is dropped.
    pub fn record_packet(
        &mut self,
        offset: Offset,
        encoded: Encoded,
        options: &BroadcastOptions,
        now: Instant,
    ) -> Result<(), RecoveryError> {
        if self.sequences.contains_key(&offset) {
            return Err(RecoveryError::DuplicateOffset { offset });
        }
        if self.config.max_packets == 0 {
            return Ok(());
        }
        while self.packets.len() >= self.config.max_packets {
            self.drop_oldest_packet();
        }
        let sequence = self.first_sequence + self.packets.len() as u64;
        self.sequences.insert(offset.clone(), sequence);
        self.packets.push_back(StoredPacket {
            offset,
            encoded,
            rooms: options.rooms.clone(),
            except: options.except.clone(),
            emitted_at: now,
        });
        Ok(())
    }

    /// Recovers the session `pid` for a client whose last packet was
    /// `offset`: its snapshot and the packets it missed. `None` when the pid
    /// is unknown or expired, or the offset is no longer stored; the client
    /// then gets a new session.
    pub fn restore(&mut self, pid: &Pid, offset: &Offset, now: Instant) -> Option<Restored<T>> {
        let disconnected_at = self.sessions.get(pid)?.disconnected_at;
        if self.is_expired(disconnected_at, now) {
            self.remove_session(pid);
            return None;
        }
        let sequence = *self.sequences.get(offset)?;
        let session = self.remove_session(pid)?;
        let after = usize::try_from(sequence.saturating_sub(self.first_sequence)).ok()?.saturating_add(1);
        let rooms = &session.snapshot.rooms;
        let missed = self
            .packets
            .iter()
            .skip(after)
            .filter(|packet| reaches(&packet.rooms, &packet.except, rooms))
            .map(|packet| packet.encoded.clone())
            .collect();
        Some(Restored { snapshot: session.snapshot, missed })
    }

    /// When the oldest session or packet expires.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let past = |at: Instant| at + self.config.max_disconnection_duration + Duration::from_millis(1);
        let session = self.expiries.first().map(|(at, _)| past(*at));
        let packet = self.packets.front().map(|packet| past(packet.emitted_at));
        earliest(session, packet)
    }

    /// Drops the sessions and packets older than `max_disconnection_duration`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, pid)) = self.expiries.first().cloned() {
            if !self.is_expired(at, now) {
                break;
            }
            self.remove_session(&pid);
        }
        while self.packets.front().is_some_and(|packet| self.is_expired(packet.emitted_at, now)) {
            self.drop_oldest_packet();
        }
    }

    /// Number of sessions kept.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Number of packets kept.
    pub fn packet_count(&self) -> usize {
        self.packets.len()
    }

    /// Whether something from `at` is too old at `now`: kept for exactly
    /// `max_disconnection_duration`, gone one millisecond later.
    fn is_expired(&self, at: Instant, now: Instant) -> bool {
        now > at + self.config.max_disconnection_duration
    }

    fn remove_session(&mut self, pid: &Pid) -> Option<StoredSession<T>> {
        let session = self.sessions.remove(pid)?;
        self.expiries.remove(&(session.disconnected_at, pid.clone()));
        Some(session)
    }

    fn drop_oldest_packet(&mut self) {
        if let Some(packet) = self.packets.pop_front() {
            self.sequences.remove(&packet.offset);
            self.first_sequence += 1;
        }
    }
}

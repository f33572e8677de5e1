//! Acknowledgements of a broadcast (`io.timeout(ms).emit(ev, …, (err, responses) => …)`,
//! `emitWithAck` to many sockets).
//!
//! The reference (`broadcastWithAck` in the in-memory adapter, `emit` with an
//! ack in `broadcast-operator.js`) sends one packet with one ack id to every
//! target, counts the targets, and collects one response per target. Its
//! callback runs once: with `(null, responses)` as soon as every target
//! answered, or with `(timeout error, responses so far)` when the timer fires.
//!
//! [`BroadcastAck`] is that collector for one broadcast; [`BroadcastAcks`]
//! keeps the collectors of a namespace by ack id, with one deadline to poll.
//!
//! A target that disconnects before answering is simply never heard from, as
//! in the reference (its `socket.acks` entry is dropped with the socket, the
//! expected count is not lowered): the broadcast times out at its deadline
//! and lists it in `missing`. A broadcast with no targets completes at once
//! with no responses (the reference's count of 0 completes before the timer).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use engineio_proto::time::earliest;
use engineio_proto::Instant;

use crate::args::Args;
use crate::rooms::SocketId;

/// How a broadcast with acknowledgement ended, delivered exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckOutcome<T = Args> {
    /// Every target answered in time; responses in arrival order.
    Complete(Vec<(SocketId, T)>),
    /// The deadline passed first (the reference's "operation has timed out").
    TimedOut {
        /// The responses received before the deadline, in arrival order.
        responses: Vec<(SocketId, T)>,
        /// The targets that did not answer, in id order.
        missing: Vec<SocketId>,
    },
}

enum State<T> {
    Waiting,
    Ready(AckOutcome<T>),
    Delivered,
}

/// Collects the acknowledgements of one broadcast until every target has
/// answered or the deadline passes.
pub struct BroadcastAck<T = Args> {
    waiting: BTreeSet<SocketId>,
    responses: Vec<(SocketId, T)>,
    deadline: Instant,
    state: State<T>,
}

impl<T: core::fmt::Debug> core::fmt::Debug for BroadcastAck<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BroadcastAck")
            .field("waiting", &self.waiting.len())
            .field("responses", &self.responses.len())
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl<T> BroadcastAck<T> {
    /// A collector waiting for each of `targets` (duplicates count once)
    /// until `deadline` (`now + timeout`).
    pub fn new(targets: impl IntoIterator<Item = SocketId>, deadline: Instant) -> BroadcastAck<T> {
        let waiting: BTreeSet<SocketId> = targets.into_iter().collect();
        let responses = Vec::with_capacity(waiting.len());
        let mut ack = BroadcastAck { waiting, responses, deadline, state: State::Waiting };
        ack.complete_if_done();
        ack
    }

    /// Records `socket`'s response. Only the first response of an expected
    /// target counts; others (duplicates, unknown sockets, after the end) are
    /// ignored. Returns whether it counted.
    pub fn record(&mut self, socket: &SocketId, response: T) -> bool {
        if !matches!(self.state, State::Waiting) || !self.waiting.remove(socket) {
            return false;
        }
        self.responses.push((socket.clone(), response));
        self.complete_if_done();
        true
    }

    /// The deadline, while the outcome is not decided.
    pub fn poll_timeout(&self) -> Option<Instant> {
        matches!(self.state, State::Waiting).then_some(self.deadline)
    }

    /// Times the broadcast out if `now` is at or past the deadline; no-op otherwise.
    pub fn handle_timeout(&mut self, now: Instant) {
        if matches!(self.state, State::Waiting) && now >= self.deadline {
            let responses = core::mem::take(&mut self.responses);
            let missing = core::mem::take(&mut self.waiting).into_iter().collect();
            self.state = State::Ready(AckOutcome::TimedOut { responses, missing });
        }
    }

    /// The outcome, once decided; `Some` exactly once.
    pub fn poll_outcome(&mut self) -> Option<AckOutcome<T>> {
        match core::mem::replace(&mut self.state, State::Delivered) {
            State::Ready(outcome) => Some(outcome),
            State::Waiting => {
                self.state = State::Waiting;
                None
            }
            State::Delivered => None,
        }
    }

    /// Whether the outcome has been taken with [`BroadcastAck::poll_outcome`].
    pub fn is_delivered(&self) -> bool {
        matches!(self.state, State::Delivered)
    }

    /// How many targets have not answered yet.
    pub fn waiting_count(&self) -> usize {
        self.waiting.len()
    }

    fn complete_if_done(&mut self) {
        if self.waiting.is_empty() && matches!(self.state, State::Waiting) {
            self.state = State::Ready(AckOutcome::Complete(core::mem::take(&mut self.responses)));
        }
    }
}

/// The pending broadcast acknowledgements of a namespace, by ack id.
///
/// The ack id is the caller's: the reference takes it from the namespace's
/// counter (`nsp._ids++`), the same counter as single-socket acks, so a
/// socket's ACK packet with that id is routed here with [`BroadcastAcks::record`].
pub struct BroadcastAcks<T = Args> {
    pending: BTreeMap<u64, BroadcastAck<T>>,
}

impl<T> Default for BroadcastAcks<T> {
    fn default() -> Self {
        BroadcastAcks { pending: BTreeMap::new() }
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for BroadcastAcks<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.pending.iter()).finish()
    }
}

impl<T> BroadcastAcks<T> {
    /// No pending broadcast.
    pub fn new() -> BroadcastAcks<T> {
        BroadcastAcks::default()
    }

    /// Starts collecting for the broadcast with `ack_id`; false (and nothing
    /// changes) when that id is already pending.
    pub fn start(&mut self, ack_id: u64, targets: impl IntoIterator<Item = SocketId>, deadline: Instant) -> bool {
        if self.pending.contains_key(&ack_id) {
            return false;
        }
        self.pending.insert(ack_id, BroadcastAck::new(targets, deadline));
        true
    }

    /// Routes `socket`'s ACK packet with `ack_id`; false when it did not
    /// count (no such broadcast, not a target, already answered, ended).
    pub fn record(&mut self, ack_id: u64, socket: &SocketId, response: T) -> bool {
        self.pending.get_mut(&ack_id).is_some_and(|ack| ack.record(socket, response))
    }

    /// Whether `ack_id` belongs to a broadcast not yet delivered.
    pub fn contains(&self, ack_id: u64) -> bool {
        self.pending.contains_key(&ack_id)
    }

    /// The earliest deadline of the undecided broadcasts.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.values().fold(None, |soonest, ack| earliest(soonest, ack.poll_timeout()))
    }

    /// Times out every broadcast whose deadline is at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.pending.values_mut().for_each(|ack| ack.handle_timeout(now));
    }

    /// The next decided outcome with its ack id (lowest id first); each
    /// broadcast's outcome comes out exactly once, then it is forgotten.
    pub fn poll_outcome(&mut self) -> Option<(u64, AckOutcome<T>)> {
        let (&ack_id, _) = self.pending.iter().find(|(_, ack)| ack.poll_timeout().is_none())?;
        let outcome = self.pending.remove(&ack_id)?.poll_outcome()?;
        Some((ack_id, outcome))
    }

    /// Number of broadcasts not yet delivered.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no broadcast is pending.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

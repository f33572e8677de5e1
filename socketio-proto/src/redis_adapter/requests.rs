//! [`PendingRequests`]: the requests a server waits on, each with the
//! number of answers it expects and a deadline.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use engineio_proto::Instant;

use super::message::{Response, SocketDetails};
use crate::args::Args;
use crate::json::Json;

/// What a request collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// `fetchSockets`: one [`Response::FetchSockets`] per other server.
    FetchSockets,
    /// `allRooms`: one [`Response::AllRooms`] per other server.
    AllRooms,
    /// `serverSideEmit` with ack: one [`Response::ServerSideEmitAck`] per other server.
    ServerSideEmit,
    /// A broadcast with acks: one [`Response::BroadcastClientCount`] per
    /// other server, then as many [`Response::BroadcastAck`]s as the counts add up to.
    BroadcastWithAck,
}

/// What the answers to one request gathered.
#[derive(Debug, Clone, PartialEq)]
pub enum Responses {
    /// The sockets of the other servers.
    Sockets(Vec<SocketDetails>),
    /// The rooms of the other servers (duplicates possible).
    Rooms(Vec<String>),
    /// One value per server that acked a server-side emit (`None`: `undefined`).
    ServerAcks(Vec<Option<Json>>),
    /// One argument per client of another server that acked a broadcast.
    ClientAcks(Vec<Args>),
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestOutcome {
    /// Every expected answer arrived.
    Complete(Responses),
    /// The deadline passed first: what arrived, and how many servers answered out of how many.
    TimedOut {
        /// The answers received.
        responses: Responses,
        /// How many servers answered.
        answered: usize,
        /// How many servers were expected to.
        expected: usize,
    },
}

#[derive(Debug)]
struct Pending {
    kind: RequestKind,
    /// How many servers are expected to answer.
    expected: usize,
    /// How many servers answered (client counts for a broadcast with acks).
    answered: usize,
    /// For a broadcast with acks: how many client acks the counts announced.
    clients_expected: u64,
    deadline: Instant,
    responses: Responses,
}

impl Pending {
    fn is_complete(&self) -> bool {
        let servers_done = self.answered >= self.expected;
        match &self.responses {
            Responses::ClientAcks(acks) => servers_done && acks.len() as u64 >= self.clients_expected,
            _ => servers_done,
        }
    }
}

/// The requests this server waits on (the reference's `requests` and
/// `ackRequests` maps with their timers), driven by the caller's clock: start
/// a request with the number of other servers (the request channel's
/// subscriber count less one) and its deadline, feed every
/// [`Response`] to [`PendingRequests::handle_response`], call
/// [`PendingRequests::handle_timeout`] when [`PendingRequests::poll_timeout`]
/// is due, and take the outcomes from [`PendingRequests::poll_outcome`]:
/// each request ends exactly once.
#[derive(Debug, Default)]
pub struct PendingRequests {
    pending: BTreeMap<String, Pending>,
    outcomes: VecDeque<(String, RequestOutcome)>,
}

impl PendingRequests {
    /// No request pending.
    pub fn new() -> PendingRequests {
        PendingRequests::default()
    }

    /// Starts waiting on request `request_id` for answers from `expected`
    /// servers until `deadline`. With no server to wait for, the outcome is
    /// ready at once (complete and empty).
    pub fn start(&mut self, request_id: String, kind: RequestKind, expected: usize, deadline: Instant) {
        let responses = match kind {
            RequestKind::FetchSockets => Responses::Sockets(Vec::new()),
            RequestKind::AllRooms => Responses::Rooms(Vec::new()),
            RequestKind::ServerSideEmit => Responses::ServerAcks(Vec::new()),
            RequestKind::BroadcastWithAck => Responses::ClientAcks(Vec::new()),
        };
        let pending = Pending { kind, expected, answered: 0, clients_expected: 0, deadline, responses };
        if pending.is_complete() {
            self.outcomes.push_back((request_id, RequestOutcome::Complete(pending.responses)));
            return;
        }
        self.pending.insert(request_id, pending);
    }

    /// Whether request `request_id` is waiting for answers.
    pub fn is_pending(&self, request_id: &str) -> bool {
        self.pending.contains_key(request_id)
    }

    /// How many requests wait for answers.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no request waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Records an answer; false when no pending request takes it (unknown
    /// or finished request, or an answer of another kind).
    pub fn handle_response(&mut self, response: Response) -> bool {
        let Some(pending) = self.pending.get_mut(response.request_id()) else {
            return false;
        };
        let request_id = String::from(response.request_id());
        let taken = match (response, &mut pending.responses) {
            (Response::FetchSockets { sockets, .. }, Responses::Sockets(all)) => {
                all.extend(sockets);
                pending.answered += 1;
                true
            }
            (Response::AllRooms { rooms, .. }, Responses::Rooms(all)) => {
                all.extend(rooms);
                pending.answered += 1;
                true
            }
            (Response::ServerSideEmitAck { data, .. }, Responses::ServerAcks(all)) => {
                all.push(data);
                pending.answered += 1;
                true
            }
            (Response::BroadcastClientCount { client_count, .. }, Responses::ClientAcks(_)) => {
                pending.clients_expected = pending.clients_expected.saturating_add(client_count);
                pending.answered += 1;
                true
            }
            (Response::BroadcastAck { arg, .. }, Responses::ClientAcks(all)) => {
                all.push(arg);
                true
            }
            _ => false,
        };
        if taken && pending.is_complete() {
            if let Some(done) = self.pending.remove(&request_id) {
                self.outcomes.push_back((request_id, RequestOutcome::Complete(done.responses)));
            }
        }
        taken
    }

    /// The kind of pending request `request_id`.
    pub fn kind(&self, request_id: &str) -> Option<RequestKind> {
        self.pending.get(request_id).map(|pending| pending.kind)
    }

    /// The earliest deadline of a pending request.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.values().map(|pending| pending.deadline).min()
    }

    /// Ends every request whose deadline is at or before `now` with
    /// [`RequestOutcome::TimedOut`]. Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<String> =
            self.pending.iter().filter(|(_, pending)| pending.deadline <= now).map(|(id, _)| id.clone()).collect();
        for request_id in due {
            if let Some(pending) = self.pending.remove(&request_id) {
                let outcome = RequestOutcome::TimedOut {
                    responses: pending.responses,
                    answered: pending.answered,
                    expected: pending.expected,
                };
                self.outcomes.push_back((request_id, outcome));
            }
        }
    }

    /// The next ended request with its outcome.
    pub fn poll_outcome(&mut self) -> Option<(String, RequestOutcome)> {
        self.outcomes.pop_front()
    }
}

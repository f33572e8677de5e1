//! Client manager: acknowledgement outcomes under arbitrary input sequences.

mod client_support;

use std::collections::HashMap;
use std::time::Duration;

use client_support::*;
use engineio_proto::Instant;
use proptest::prelude::*;
use socketio_proto::client::{AckError, AckToken, EmitOptions, Event};

#[derive(Debug, Clone)]
enum Step {
    /// Emit with an ack and an optional timeout (ms).
    Emit(Option<u16>),
    /// The server acknowledges id `n` on the main namespace.
    ServerAck(u8),
    /// The server accepts the CONNECT.
    ServerConnect,
    /// Time passes (ms).
    Advance(u16),
    /// The WebSocket closes under the client.
    DropConnection,
    /// The pending WebSocket connects and handshakes.
    OpenEngine,
    /// The pending WebSocket fails.
    FailEngine,
    /// The server sends DISCONNECT for the main namespace.
    ServerDisconnect,
    /// The application closes the manager, or connects the socket.
    Close,
    Connect,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => proptest::option::of(1u16..3000).prop_map(Step::Emit),
        3 => (0u8..12).prop_map(Step::ServerAck),
        2 => Just(Step::ServerConnect),
        4 => (0u16..4000).prop_map(Step::Advance),
        1 => Just(Step::DropConnection),
        2 => Just(Step::OpenEngine),
        1 => Just(Step::FailEngine),
        1 => Just(Step::ServerDisconnect),
        1 => Just(Step::Close),
        1 => Just(Step::Connect),
    ]
}

struct Emitted {
    deadline: Option<Instant>,
    outcomes: Vec<(Instant, Event)>,
}

fn run(retries: u32, steps: Vec<Step>) -> Result<HashMap<AckToken, Emitted>, TestCaseError> {
    let mut config = v5();
    config.retries = retries;
    let mut h = Harness::new(config);
    let main = h.manager.socket(h.now, "/", None);
    let mut emitted: HashMap<AckToken, Emitted> = HashMap::new();
    for step in steps {
        match step {
            Step::Emit(timeout) => {
                let timeout = timeout.map(|ms| Duration::from_millis(u64::from(ms)));
                let options = EmitOptions { ack: true, timeout, volatile: false };
                let token = h.manager.emit(h.now, main, "e", args(""), options).unwrap().unwrap();
                prop_assert!(!emitted.contains_key(&token), "tokens are never reused");
                emitted.insert(token, Emitted { deadline: timeout.map(|t| h.now + t), outcomes: Vec::new() });
            }
            Step::ServerAck(id) if h.socket.is_some() => h.server(&format!("43{id}[]")),
            Step::ServerConnect if h.socket.is_some() => h.server(r#"40{"sid":"s"}"#),
            Step::ServerDisconnect if h.socket.is_some() => h.server("41"),
            Step::DropConnection if h.socket.is_some() => h.drop_connection(),
            Step::OpenEngine if !h.pending_sockets.is_empty() => h.open_engine(OPEN_V4),
            Step::FailEngine if !h.pending_sockets.is_empty() => h.fail_engine(),
            Step::Advance(ms) => h.advance(u64::from(ms)),
            Step::Close => {
                h.manager.close(h.now);
                h.pump();
            }
            Step::Connect => {
                h.manager.connect(h.now, main);
                h.pump();
            }
            _ => {}
        }
        for event in h.take_events() {
            if let Event::AckReceived { token, .. } | Event::AckFailed { token, .. } = &event {
                let entry = emitted.get_mut(token);
                prop_assert!(entry.is_some(), "outcome for an unknown token");
                if let Some(entry) = entry {
                    entry.outcomes.push((h.now, event.clone()));
                }
            }
        }
        for (token, entry) in &emitted {
            prop_assert!(entry.outcomes.len() <= 1, "token {token:?} resolved twice: {:?}", entry.outcomes);
            for (at, outcome) in &entry.outcomes {
                if matches!(outcome, Event::AckFailed { error: AckError::TimedOut, .. }) && retries == 0 {
                    prop_assert!(entry.deadline.is_some_and(|deadline| deadline <= *at), "timed out early");
                }
            }
            if retries == 0 && entry.deadline.is_some_and(|deadline| deadline <= h.now) {
                prop_assert_eq!(entry.outcomes.len(), 1, "token {:?} unresolved past its deadline", token);
            }
        }
    }
    Ok(emitted)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn acks_resolve_at_most_once_and_by_their_deadline(steps in proptest::collection::vec(step(), 0..60)) {
        run(0, steps)?;
    }

    #[test]
    fn queued_acks_resolve_at_most_once(retries in 1u32..4, steps in proptest::collection::vec(step(), 0..60)) {
        run(retries, steps)?;
    }
}

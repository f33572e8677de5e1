//! Acknowledgements of a broadcast: completion, timeout, exactly-once delivery.

use engineio_proto::Instant;
use proptest::prelude::*;
use socketio_proto::broadcast_ack::{AckOutcome, BroadcastAck, BroadcastAcks};
use socketio_proto::rooms::SocketId;

fn socket(name: &str) -> SocketId {
    SocketId::new(name)
}

fn at(millis: u64) -> Instant {
    Instant::from_millis(millis)
}

fn collector(targets: &[&str], deadline: u64) -> BroadcastAck<u32> {
    BroadcastAck::new(targets.iter().map(|name| socket(name)), at(deadline))
}

#[test]
fn completes_when_every_target_answered_with_responses_in_arrival_order() {
    let mut ack = collector(&["a", "b"], 100);
    assert!(ack.record(&socket("b"), 2));
    assert_eq!(ack.poll_outcome(), None);
    assert!(ack.record(&socket("a"), 1));
    assert_eq!(ack.poll_outcome(), Some(AckOutcome::Complete(vec![(socket("b"), 2), (socket("a"), 1)])));
}

#[test]
fn times_out_at_the_deadline_with_the_responses_so_far_and_the_missing_targets() {
    let mut ack = collector(&["a", "b", "c"], 100);
    ack.record(&socket("b"), 2);
    ack.handle_timeout(at(99));
    assert_eq!(ack.poll_outcome(), None);
    ack.handle_timeout(at(100));
    assert_eq!(
        ack.poll_outcome(),
        Some(AckOutcome::TimedOut { responses: vec![(socket("b"), 2)], missing: vec![socket("a"), socket("c")] })
    );
}

#[test]
fn only_the_first_response_of_a_target_counts() {
    let mut ack = collector(&["a", "b"], 100);
    assert!(ack.record(&socket("a"), 1));
    assert!(!ack.record(&socket("a"), 9));
    ack.handle_timeout(at(100));
    let Some(AckOutcome::TimedOut { responses, .. }) = ack.poll_outcome() else { panic!("expected a timeout") };
    assert_eq!(responses, [(socket("a"), 1)]);
}

#[test]
fn a_response_from_a_socket_that_is_not_a_target_is_ignored() {
    let mut ack = collector(&["a"], 100);
    assert!(!ack.record(&socket("stranger"), 1));
    assert_eq!(ack.waiting_count(), 1);
}

#[test]
fn no_targets_completes_at_once_with_no_responses() {
    let mut ack = collector(&[], 100);
    assert_eq!(ack.poll_timeout(), None);
    assert_eq!(ack.poll_outcome(), Some(AckOutcome::Complete(vec![])));
}

#[test]
fn the_outcome_is_delivered_once() {
    let mut ack = collector(&["a"], 100);
    ack.record(&socket("a"), 1);
    assert!(ack.poll_outcome().is_some());
    assert!(ack.is_delivered());
    ack.handle_timeout(at(500));
    assert_eq!(ack.poll_outcome(), None);
}

#[test]
fn a_response_after_the_timeout_is_ignored() {
    let mut ack = collector(&["a", "b"], 100);
    ack.handle_timeout(at(100));
    assert!(!ack.record(&socket("a"), 1));
    let Some(AckOutcome::TimedOut { responses, missing }) = ack.poll_outcome() else { panic!("expected a timeout") };
    assert!(responses.is_empty());
    assert_eq!(missing.len(), 2);
}

#[test]
fn a_disconnected_target_counts_as_missing_at_the_deadline() {
    // The reference does not lower the expected count when a target leaves:
    // it is simply never heard from.
    let mut ack = collector(&["a", "gone"], 100);
    ack.record(&socket("a"), 1);
    assert_eq!(ack.poll_timeout(), Some(at(100)));
    ack.handle_timeout(at(100));
    let Some(AckOutcome::TimedOut { missing, .. }) = ack.poll_outcome() else { panic!("expected a timeout") };
    assert_eq!(missing, [socket("gone")]);
}

#[test]
fn the_deadline_is_polled_only_while_undecided() {
    let mut ack = collector(&["a"], 100);
    assert_eq!(ack.poll_timeout(), Some(at(100)));
    ack.record(&socket("a"), 1);
    assert_eq!(ack.poll_timeout(), None);
}

#[test]
fn the_registry_routes_responses_by_ack_id() {
    let mut acks = BroadcastAcks::new();
    acks.start(1, [socket("a")], at(100));
    acks.start(2, [socket("a")], at(100));
    assert!(acks.record(2, &socket("a"), 20u32));
    assert_eq!(acks.poll_outcome(), Some((2, AckOutcome::Complete(vec![(socket("a"), 20)]))));
    assert!(acks.contains(1));
    assert!(!acks.contains(2));
}

#[test]
fn the_registry_refuses_an_ack_id_already_pending() {
    let mut acks = BroadcastAcks::<u32>::new();
    assert!(acks.start(7, [socket("a")], at(100)));
    assert!(!acks.start(7, [socket("b")], at(200)));
    assert_eq!(acks.poll_timeout(), Some(at(100)));
}

#[test]
fn the_registry_polls_the_earliest_deadline_and_times_out_only_what_is_due() {
    let mut acks = BroadcastAcks::<u32>::new();
    acks.start(1, [socket("a")], at(300));
    acks.start(2, [socket("a")], at(100));
    assert_eq!(acks.poll_timeout(), Some(at(100)));
    acks.handle_timeout(at(100));
    assert!(matches!(acks.poll_outcome(), Some((2, AckOutcome::TimedOut { .. }))));
    assert_eq!(acks.poll_outcome(), None);
    assert_eq!(acks.poll_timeout(), Some(at(300)));
}

#[derive(Debug, Clone)]
enum Step {
    Answer(u8),
    Advance(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![(0u8..8).prop_map(Step::Answer), (0u64..40).prop_map(Step::Advance)]
}

proptest! {
    #[test]
    fn acks_are_delivered_at_most_once_and_either_acked_or_timed_out_by_their_deadline(
        targets in proptest::collection::btree_set(0u8..6, 0..6),
        steps in proptest::collection::vec(step(), 0..40),
    ) {
        let deadline = 100;
        let mut ack = BroadcastAck::new(targets.iter().map(|t| socket(&format!("s{t}"))), at(deadline));
        let mut now = 0;
        let mut answered = std::collections::BTreeSet::new();
        let mut delivered = Vec::new();
        let mut check = |ack: &mut BroadcastAck<u8>, now: u64, answered: &std::collections::BTreeSet<u8>| {
            if let Some(outcome) = ack.poll_outcome() {
                delivered.push((now, outcome, answered.clone()));
            }
        };
        check(&mut ack, now, &answered);
        for step in steps {
            match step {
                Step::Answer(t) => {
                    let counted = ack.record(&socket(&format!("s{t}")), t);
                    let expected = now < deadline && targets.contains(&t) && !answered.contains(&t)
                        && answered.len() < targets.len();
                    prop_assert_eq!(counted, expected);
                    if counted {
                        answered.insert(t);
                    }
                }
                Step::Advance(ms) => {
                    now += ms;
                    ack.handle_timeout(at(now));
                }
            }
            check(&mut ack, now, &answered);
        }
        now += deadline;
        ack.handle_timeout(at(now));
        check(&mut ack, now, &answered);

        prop_assert_eq!(delivered.len(), 1);
        let (when, outcome, answered_then) = &delivered[0];
        match outcome {
            AckOutcome::Complete(responses) => {
                prop_assert!(*when < deadline);
                prop_assert_eq!(responses.len(), targets.len());
                prop_assert_eq!(answered_then.len(), targets.len());
            }
            AckOutcome::TimedOut { responses, missing } => {
                prop_assert!(*when >= deadline);
                prop_assert!(!missing.is_empty());
                prop_assert_eq!(responses.len() + missing.len(), targets.len());
                prop_assert_eq!(responses.len(), answered_then.len());
            }
        }
    }
}

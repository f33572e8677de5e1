//! Client manager: reconnection with backoff, and its events.

mod client_support;

use std::time::Duration;

use client_support::*;
use socketio_proto::client::{DisconnectReason, Event};

/// Drops the connection and returns how long until the next attempt.
fn delay_after_loss(h: &mut Harness) -> u64 {
    let lost = h.now;
    h.drop_connection();
    let at = h.manager.poll_timeout().expect("an attempt is scheduled");
    (at - lost).as_millis() as u64
}

fn attempts(events: &[Event]) -> Vec<u32> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::ReconnectAttempt { attempt } => Some(*attempt),
            _ => None,
        })
        .collect()
}

#[test]
fn first_delay_is_the_reconnection_delay() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    assert_eq!(delay_after_loss(&mut h), 1000);
}

#[test]
fn failing_attempts_double_the_delay_up_to_the_maximum() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    h.drop_connection();
    let mut delays = Vec::new();
    for _ in 0..5 {
        let before = h.now;
        let at = h.manager.poll_timeout().unwrap();
        delays.push((at - before).as_millis() as u64);
        h.advance((at - before).as_millis() as u64);
        h.fail_engine();
    }
    assert_eq!(delays, [1000, 2000, 4000, 5000, 5000]);
}

#[test]
fn random_input_moves_the_delay_like_backo2() {
    // fraction 0.5: deviation floor(0.5 * 0.5 * 1000) = 250, floor(5) is odd: added.
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    h.random = 1 << 31;
    assert_eq!(delay_after_loss(&mut h), 1250);
}

#[test]
fn random_input_with_an_even_tenth_shortens_the_delay() {
    // fraction 0.25: deviation floor(0.25 * 0.5 * 1000) = 125, floor(2.5) is even: subtracted.
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    h.random = 1 << 30;
    assert_eq!(delay_after_loss(&mut h), 875);
}

#[test]
fn no_attempt_is_scheduled_before_the_random_number_arrives() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    let (engine, socket) = h.socket.take().unwrap();
    h.manager.handle_websocket_failed(h.now, engine, socket, "connection refused");
    let mut asked = false;
    while let Some(output) = h.manager.poll_output() {
        asked |= output == socketio_proto::client::Output::RandomNeeded;
    }
    assert!(asked);
    assert_eq!(h.manager.poll_timeout(), None);
}

#[test]
fn successful_attempt_reports_attempt_then_open_then_reconnect() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    h.drop_connection();
    h.take_events();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    assert_eq!(h.take_events(), [Event::ReconnectAttempt { attempt: 1 }, Event::Open, Event::Reconnect { attempt: 1 }]);
}

#[test]
fn reconnection_connects_every_active_namespace_again_with_its_auth() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.manager.socket(h.now, "/admin", Some(json(r#"{"token":"t"}"#)));
    h.server(r#"40{"sid":"s1"}"#);
    h.drop_connection();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    assert_eq!(h.take_sent(), ["40", r#"40/admin,{"token":"t"}"#]);
    h.take_events();
    h.server(r#"40{"sid":"s3"}"#);
    assert_eq!(h.take_events(), [Event::Connect { socket: main }]);
    assert_eq!(h.manager.id(main), Some("s3"));
}

#[test]
fn failed_attempt_reports_connect_error_then_reconnect_error_and_tries_again() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.drop_connection();
    h.advance(1000);
    h.take_events();
    h.fail_engine();
    let events = h.take_events();
    let message = "websocket connection failed: connection refused".to_string();
    assert_eq!(
        events,
        [
            Event::Error { message: message.clone() },
            Event::ConnectError { socket: main, message: message.clone(), data: None },
            Event::ReconnectError { message },
        ]
    );
    h.advance(2000);
    assert_eq!(attempts(&h.take_events()), [2]);
}

#[test]
fn after_the_last_allowed_attempt_reconnect_failed_comes_before_its_reconnect_error() {
    let mut config = v5();
    config.reconnection_attempts = Some(2);
    let mut h = Harness::new(config);
    h.manager.socket(h.now, "/", None);
    h.open_engine(OPEN_V4);
    h.drop_connection();
    h.advance(1000);
    h.fail_engine();
    h.advance(2000);
    h.take_events();
    h.fail_engine();
    let events = h.take_events();
    let tail: Vec<_> = events.iter().rev().take(2).rev().cloned().collect();
    assert!(matches!(&tail[..], [Event::ReconnectFailed, Event::ReconnectError { .. }]), "{events:?}");
    h.advance(100_000);
    assert!(h.pending_sockets.is_empty());
}

#[test]
fn failure_of_the_first_open_schedules_a_reconnection() {
    let mut h = Harness::new(v5());
    h.manager.socket(h.now, "/", None);
    h.fail_engine();
    assert_eq!(h.randoms_asked, 1);
    h.advance(1000);
    assert_eq!(attempts(&h.take_events()), [1]);
}

#[test]
fn handshake_taking_longer_than_the_timeout_fails_with_timeout() {
    let mut config = v5();
    config.timeout = Some(Duration::from_millis(3000));
    let mut h = Harness::new(config);
    let main = h.manager.socket(h.now, "/", None);
    h.advance(3000);
    let events = h.take_events();
    assert_eq!(
        events[..2],
        [
            Event::Error { message: "timeout".into() },
            Event::ConnectError { socket: main, message: "timeout".into(), data: None },
        ]
    );
    assert_eq!(h.randoms_asked, 1);
}

#[test]
fn without_reconnection_a_lost_connection_stays_lost() {
    let mut config = v5();
    config.reconnection = false;
    let mut h = Harness::new(config);
    let main = h.manager.socket(h.now, "/", None);
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s1"}"#);
    h.drop_connection();
    assert!(h.take_events().contains(&Event::Disconnect { socket: main, reason: DisconnectReason::TransportClose }));
    assert_eq!(h.randoms_asked, 0);
    h.advance(100_000);
    assert!(h.pending_sockets.is_empty());
}

#[test]
fn late_io_of_an_earlier_engine_is_ignored() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    let old = h.socket.unwrap();
    h.drop_connection();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    h.take_events();
    h.manager.handle_frame(h.now, old.0, old.1, engineio_proto::Frame::Text(r#"40{"sid":"stale"}"#.into()));
    h.pump();
    assert_eq!(h.take_events(), []);
    assert!(!h.manager.connected(main));
}

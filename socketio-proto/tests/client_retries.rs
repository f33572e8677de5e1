//! Client manager: at-least-once delivery with `retries` (the emit queue).

mod client_support;

use std::time::Duration;

use client_support::*;
use socketio_proto::client::{AckError, EmitOptions, Event, SocketHandle};

fn connected_with_retries(retries: u32, ack_timeout_ms: u64) -> (Harness, SocketHandle) {
    let mut config = v5();
    config.retries = retries;
    config.ack_timeout = Some(Duration::from_millis(ack_timeout_ms));
    let mut h = Harness::new(config);
    let main = h.manager.socket(h.now, "/", None);
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_sent();
    h.take_events();
    (h, main)
}

#[test]
fn with_retries_only_the_queue_head_is_in_flight_and_carries_an_ack_id() {
    let (mut h, main) = connected_with_retries(2, 1000);
    h.manager.emit(h.now, main, "a", args(""), EmitOptions::default()).unwrap();
    h.manager.emit(h.now, main, "b", args(""), EmitOptions::default()).unwrap();
    h.pump();
    assert_eq!(h.take_sent(), [r#"420["a"]"#]);
}

#[test]
fn next_queued_event_leaves_once_the_head_is_acknowledged() {
    let (mut h, main) = connected_with_retries(2, 1000);
    h.manager.emit(h.now, main, "a", args(""), EmitOptions::default()).unwrap();
    h.manager.emit(h.now, main, "b", args(""), EmitOptions::default()).unwrap();
    h.server("430[]");
    assert_eq!(h.take_sent(), [r#"420["a"]"#, r#"421["b"]"#]);
}

#[test]
fn timed_out_head_is_sent_again_with_a_new_ack_id() {
    let (mut h, main) = connected_with_retries(2, 1000);
    h.manager.emit(h.now, main, "a", args(""), EmitOptions::default()).unwrap();
    h.pump();
    h.advance(1000);
    assert_eq!(h.take_sent(), [r#"420["a"]"#, r#"421["a"]"#]);
}

#[test]
fn acknowledgement_of_a_retry_resolves_the_token_once() {
    let (mut h, main) = connected_with_retries(2, 1000);
    let token = h.manager.emit(h.now, main, "a", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.advance(1000);
    h.server(r#"431["done"]"#);
    assert_eq!(h.take_events(), [Event::AckReceived { socket: main, token, args: args(r#""done""#) }]);
}

#[test]
fn head_fails_after_one_send_plus_retries_then_the_next_one_leaves() {
    let (mut h, main) = connected_with_retries(2, 1000);
    let token = h.manager.emit(h.now, main, "a", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.manager.emit(h.now, main, "b", args(""), EmitOptions::default()).unwrap();
    h.advance(3000);
    assert_eq!(h.take_events(), [Event::AckFailed { socket: main, token, error: AckError::TimedOut }]);
    assert_eq!(h.take_sent(), [r#"420["a"]"#, r#"421["a"]"#, r#"422["a"]"#, r#"423["b"]"#]);
}

#[test]
fn queued_events_wait_for_the_connection_and_the_head_is_resent_after_reconnecting() {
    let (mut h, main) = connected_with_retries(5, 1000);
    h.manager.emit(h.now, main, "a", args(""), EmitOptions::default()).unwrap();
    h.pump();
    h.drop_connection();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s2"}"#);
    assert_eq!(h.take_sent(), ["40", r#"421["a"]"#]);
}

#[test]
fn volatile_emits_bypass_the_queue() {
    let (mut h, main) = connected_with_retries(2, 1000);
    h.manager.emit(h.now, main, "a", args(""), EmitOptions::default()).unwrap();
    h.manager.emit(h.now, main, "v", args(""), EmitOptions { volatile: true, ..EmitOptions::default() }).unwrap();
    h.pump();
    assert_eq!(h.take_sent(), [r#"420["a"]"#, r#"42["v"]"#]);
}

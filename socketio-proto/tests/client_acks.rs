//! Client manager: acknowledgements in both directions.

mod client_support;

use std::time::Duration;

use client_support::*;
use socketio_proto::client::{AckError, AckToken, EmitOptions, Event, ManagerConfig, SocketHandle};

fn with_timeout(millis: u64) -> EmitOptions {
    EmitOptions { ack: true, timeout: Some(Duration::from_millis(millis)), volatile: false }
}

fn connected(config: ManagerConfig) -> (Harness, SocketHandle) {
    let mut h = Harness::new(config);
    let main = h.manager.socket(h.now, "/", None);
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_sent();
    h.take_events();
    (h, main)
}

fn outcomes(events: &[Event], token: AckToken) -> Vec<&Event> {
    events
        .iter()
        .filter(|event| {
            matches!(event, Event::AckReceived { token: t, .. } | Event::AckFailed { token: t, .. } if *t == token)
        })
        .collect()
}

#[test]
fn ack_ids_count_up_per_socket() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    let admin = h.manager.socket(h.now, "/admin", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.server(r#"40/admin,{"sid":"s2"}"#);
    h.take_sent();
    for socket in [main, main, admin] {
        h.manager.emit(h.now, socket, "e", args(""), EmitOptions::with_ack()).unwrap();
    }
    h.pump();
    assert_eq!(h.take_sent(), [r#"420["e"]"#, r#"421["e"]"#, r#"42/admin,0["e"]"#]);
}

#[test]
fn server_ack_resolves_the_token_with_its_arguments() {
    let (mut h, main) = connected(v5());
    let token = h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.server(r#"430["ok",2]"#);
    assert_eq!(h.take_events(), [Event::AckReceived { socket: main, token, args: args(r#""ok",2"#) }]);
}

#[test]
fn emit_without_ack_gets_no_token_and_no_id() {
    let (mut h, main) = connected(v5());
    assert_eq!(h.manager.emit(h.now, main, "e", args(""), EmitOptions::default()), Ok(None));
    h.pump();
    assert_eq!(h.take_sent(), [r#"42["e"]"#]);
}

#[test]
fn ack_times_out_at_the_emit_timeout() {
    let (mut h, main) = connected(v5());
    let token = h.manager.emit(h.now, main, "e", args(""), with_timeout(500)).unwrap().unwrap();
    assert_eq!(h.manager.poll_timeout(), Some(h.now + Duration::from_millis(500)));
    h.advance(499);
    assert_eq!(h.take_events(), []);
    h.advance(1);
    assert_eq!(h.take_events(), [Event::AckFailed { socket: main, token, error: AckError::TimedOut }]);
}

#[test]
fn ack_timeout_of_the_config_applies_when_the_emit_sets_none() {
    let mut config = v5();
    config.ack_timeout = Some(Duration::from_millis(300));
    let (mut h, main) = connected(config);
    let token = h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.advance(300);
    assert_eq!(h.take_events(), [Event::AckFailed { socket: main, token, error: AckError::TimedOut }]);
}

#[test]
fn ack_without_any_timeout_never_expires() {
    let (mut h, main) = connected(v5());
    let token = h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.advance(1_000_000);
    assert!(outcomes(&h.take_events(), token).is_empty());
}

#[test]
fn ack_arriving_after_the_timeout_is_ignored() {
    let (mut h, main) = connected(v5());
    h.manager.emit(h.now, main, "e", args(""), with_timeout(100)).unwrap();
    h.advance(100);
    h.take_events();
    h.server("430[]");
    assert_eq!(h.take_events(), []);
}

#[test]
fn repeated_ack_resolves_the_token_once() {
    let (mut h, main) = connected(v5());
    let token = h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.server("430[1]");
    h.server("430[2]");
    assert_eq!(outcomes(&h.take_events(), token).len(), 1);
}

#[test]
fn ack_with_an_unknown_id_is_ignored() {
    let (mut h, main) = connected(v5());
    h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap();
    h.server("437[]");
    assert_eq!(h.take_events(), []);
}

#[test]
fn ack_on_another_namespace_does_not_resolve_this_one() {
    let (mut h, main) = connected(v5());
    let admin = h.manager.socket(h.now, "/admin", None);
    h.server(r#"40/admin,{"sid":"s2"}"#);
    h.take_events();
    h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap();
    h.server("43/admin,0[]");
    assert_eq!(h.take_events(), []);
    assert!(h.manager.connected(admin));
}

#[test]
fn acks_of_sent_events_fail_on_disconnection() {
    let (mut h, main) = connected(v5());
    let token = h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.drop_connection();
    assert!(h.take_events().contains(&Event::AckFailed { socket: main, token, error: AckError::Disconnected }));
}

#[test]
fn acks_of_buffered_events_survive_disconnection_and_resolve_after_reconnecting() {
    let (mut h, main) = connected(v5());
    h.drop_connection();
    let token = h.manager.emit(h.now, main, "e", args(""), EmitOptions::with_ack()).unwrap().unwrap();
    h.manager.close(h.now);
    h.pump();
    assert!(outcomes(&h.take_events(), token).is_empty());
    h.manager.connect(h.now, main);
    h.pump();
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s2"}"#);
    assert_eq!(h.take_sent(), ["40", r#"420["e"]"#]);
    h.server("430[]");
    assert_eq!(outcomes(&h.take_events(), token).len(), 1);
}

#[test]
fn server_ack_request_is_answered_once() {
    let (mut h, main) = connected(v5());
    h.server(r#"425["question"]"#);
    let events = h.take_events();
    assert!(matches!(&events[..], [Event::Received { event, .. }] if event.ack_id == Some(5)));
    h.manager.ack(h.now, main, 5, args(r#""answer""#));
    h.manager.ack(h.now, main, 5, args(r#""again""#));
    h.pump();
    assert_eq!(h.take_sent(), [r#"435["answer"]"#]);
}

#[test]
fn ack_for_an_id_the_server_never_asked_is_not_sent() {
    let (mut h, main) = connected(v5());
    h.manager.ack(h.now, main, 9, args(""));
    h.pump();
    assert_eq!(h.take_sent(), Vec::<String>::new());
}

//! Client manager: connection state recovery (`pid` and offsets).

mod client_support;

use client_support::*;
use socketio_proto::client::{Event, SocketHandle};

/// A connected main socket whose server granted recovery session `p1`.
fn recoverable(auth: Option<&str>) -> (Harness, SocketHandle) {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", auth.map(json));
    h.server(r#"40{"sid":"s1","pid":"p1"}"#);
    h.take_sent();
    h.take_events();
    (h, main)
}

fn reconnect(h: &mut Harness) {
    h.drop_connection();
    h.advance(1000);
    h.open_engine(OPEN_V4);
}

#[test]
fn reconnect_sends_the_pid_and_the_last_string_offset() {
    let (mut h, _) = recoverable(None);
    h.server(r#"42["news","hello","off1"]"#);
    h.server(r#"42["news","again","off2"]"#);
    reconnect(&mut h);
    assert_eq!(h.take_sent(), [r#"40{"pid":"p1","offset":"off2"}"#]);
}

#[test]
fn offset_stays_in_the_delivered_arguments() {
    let (mut h, _) = recoverable(None);
    h.server(r#"42["news","hello","off1"]"#);
    let events = h.take_events();
    let [Event::Received { event, .. }] = &events[..] else { panic!("{events:?}") };
    assert_eq!(event.arguments.json().as_str(), r#""hello","off1""#);
}

#[test]
fn event_whose_last_argument_is_not_a_string_keeps_the_previous_offset() {
    let (mut h, _) = recoverable(None);
    h.server(r#"42["news","off1"]"#);
    h.server(r#"42["news",2]"#);
    reconnect(&mut h);
    assert_eq!(h.take_sent(), [r#"40{"pid":"p1","offset":"off1"}"#]);
}

#[test]
fn event_asking_for_an_ack_does_not_move_the_offset() {
    let (mut h, _) = recoverable(None);
    h.server(r#"42["news","off1"]"#);
    h.server(r#"427["news","off2"]"#);
    reconnect(&mut h);
    assert_eq!(h.take_sent(), [r#"40{"pid":"p1","offset":"off1"}"#]);
}

#[test]
fn without_any_event_the_reconnect_carries_the_pid_alone() {
    let (mut h, _) = recoverable(None);
    reconnect(&mut h);
    assert_eq!(h.take_sent(), [r#"40{"pid":"p1"}"#]);
}

#[test]
fn auth_members_follow_pid_and_offset() {
    let (mut h, _) = recoverable(Some(r#"{"token":"t"}"#));
    h.server(r#"42["news","off1"]"#);
    reconnect(&mut h);
    assert_eq!(h.take_sent(), [r#"40{"pid":"p1","offset":"off1","token":"t"}"#]);
}

#[test]
fn same_pid_in_the_reply_means_recovered() {
    let (mut h, main) = recoverable(None);
    assert!(!h.manager.recovered(main), "a first connection is never recovered");
    reconnect(&mut h);
    h.server(r#"40{"sid":"s1","pid":"p1"}"#);
    assert!(h.manager.recovered(main));
}

#[test]
fn new_pid_in_the_reply_means_not_recovered_and_replaces_the_session() {
    let (mut h, main) = recoverable(None);
    reconnect(&mut h);
    h.server(r#"40{"sid":"s9","pid":"p2"}"#);
    assert!(!h.manager.recovered(main));
    reconnect(&mut h);
    assert_eq!(h.take_sent(), [r#"40{"pid":"p2"}"#]);
}

#[test]
fn missed_events_sent_before_the_reply_are_delivered_and_move_the_offset() {
    let (mut h, main) = recoverable(None);
    reconnect(&mut h);
    h.take_events();
    h.server(r#"42["news","missed","off5"]"#);
    h.server(r#"40{"sid":"s1","pid":"p1"}"#);
    let events = h.take_events();
    assert!(matches!(&events[..], [Event::Received { .. }, Event::Connect { socket }] if *socket == main));
    reconnect(&mut h);
    assert_eq!(h.take_sent(), [r#"40{"pid":"p1","offset":"off5"}"#]);
}

//! Client manager: the send buffer, the receive buffer, volatile emits.

mod client_support;

use client_support::*;
use socketio_proto::client::{EmitOptions, Event};

fn volatile() -> EmitOptions {
    EmitOptions { volatile: true, ..EmitOptions::default() }
}

#[test]
fn emits_before_the_namespace_is_joined_are_sent_in_order_after_the_connect_reply() {
    let mut h = Harness::new(v5());
    let main = h.manager.socket(h.now, "/", None);
    h.manager.emit(h.now, main, "first", args("1"), EmitOptions::default()).unwrap();
    h.open_engine(OPEN_V4);
    h.manager.emit(h.now, main, "second", args("2"), EmitOptions::default()).unwrap();
    h.pump();
    assert_eq!(h.take_sent(), ["40"]);
    h.server(r#"40{"sid":"s1"}"#);
    assert_eq!(h.take_sent(), [r#"42["first",1]"#, r#"42["second",2]"#]);
}

#[test]
fn emits_after_the_connect_reply_go_out_at_once() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_sent();
    h.manager.emit(h.now, main, "now", args(""), EmitOptions::default()).unwrap();
    h.pump();
    assert_eq!(h.take_sent(), [r#"42["now"]"#]);
}

#[test]
fn emits_while_the_connection_is_lost_are_sent_after_reconnecting() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.drop_connection();
    h.manager.emit(h.now, main, "offline", args(""), EmitOptions::default()).unwrap();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s2"}"#);
    assert_eq!(h.take_sent(), ["40", r#"42["offline"]"#]);
}

#[test]
fn volatile_emit_is_dropped_while_the_engine_is_not_open() {
    let mut h = Harness::new(v5());
    let main = h.manager.socket(h.now, "/", None);
    h.manager.emit(h.now, main, "lost", args(""), volatile()).unwrap();
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s1"}"#);
    assert_eq!(h.take_sent(), ["40"]);
}

#[test]
fn volatile_emit_on_an_open_engine_before_the_connect_reply_is_buffered_like_the_reference() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.manager.emit(h.now, main, "kept", args(""), volatile()).unwrap();
    h.server(r#"40{"sid":"s1"}"#);
    assert_eq!(h.take_sent(), ["40", r#"42["kept"]"#]);
}

#[test]
fn events_received_before_the_connect_reply_are_delivered_when_it_arrives() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.take_events();
    h.server(r#"42["early",1]"#);
    assert_eq!(h.take_events(), []);
    h.server(r#"40{"sid":"s1"}"#);
    let events = h.take_events();
    // socket.js `onconnect`: emitBuffered() runs before emitReserved("connect").
    let [Event::Received { socket, event }, Event::Connect { socket: connected }] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!((*socket, *connected), (main, main));
    assert_eq!(event.name.as_str(), "early");
}

#[test]
fn buffered_emit_whose_ack_timed_out_is_never_sent() {
    let mut h = Harness::new(v5());
    let main = h.manager.socket(h.now, "/", None);
    let options = EmitOptions { ack: true, timeout: Some(std::time::Duration::from_millis(100)), volatile: false };
    let token = h.manager.emit(h.now, main, "late", args(""), options).unwrap().unwrap();
    h.advance(100);
    assert!(h.take_events().iter().any(|event| matches!(event, Event::AckFailed { token: t, .. } if *t == token)));
    h.open_engine(OPEN_V4);
    h.server(r#"40{"sid":"s1"}"#);
    assert_eq!(h.take_sent(), ["40"]);
}

/// The names of the `Sent` events among `events`.
fn sent_names(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Sent { event, .. } => Some(event.name.as_str().to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn outgoing_events_are_reported_when_they_leave_if_asked() {
    let mut h = Harness::open_v5();
    h.manager.report_outgoing(true);
    let main = h.manager.socket(h.now, "/", None);
    h.manager.emit(h.now, main, "buffered", args("1"), EmitOptions::default()).unwrap();
    h.pump();
    assert_eq!(sent_names(&h.take_events()), Vec::<String>::new(), "not sent yet");
    h.server(r#"40{"sid":"s1"}"#);
    h.manager.emit(h.now, main, "direct", args("2"), EmitOptions::default()).unwrap();
    h.pump();
    assert_eq!(sent_names(&h.take_events()), ["buffered", "direct"]);
}

#[test]
fn a_dropped_volatile_event_is_not_reported_as_sent() {
    let mut h = Harness::new(v5());
    h.manager.report_outgoing(true);
    let main = h.manager.socket(h.now, "/", None);
    h.manager.emit(h.now, main, "dropped", args("1"), volatile()).unwrap();
    h.pump();
    assert_eq!(sent_names(&h.take_events()), Vec::<String>::new());
}

#[test]
fn outgoing_events_are_not_reported_by_default() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.manager.emit(h.now, main, "direct", args("2"), EmitOptions::default()).unwrap();
    h.pump();
    assert_eq!(sent_names(&h.take_events()), Vec::<String>::new());
}

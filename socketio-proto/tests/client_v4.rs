//! Client manager speaking Socket.IO v4 (Engine.IO 3, socket.io 2.x servers).

mod client_support;

use client_support::*;
use engineio_proto::ProtocolVersion;
use socketio_proto::client::{EmitOptions, Event};

fn open_v4() -> Harness {
    let mut h = Harness::new(config(ProtocolVersion::V3));
    h.open_engine(OPEN_V3);
    h
}

#[test]
fn main_namespace_sends_no_connect_and_joins_on_the_servers_implicit_40() {
    let mut h = Harness::new(config(ProtocolVersion::V3));
    let main = h.manager.socket(h.now, "/", None);
    h.open_engine(OPEN_V3);
    assert_eq!(h.take_sent(), Vec::<String>::new());
    h.take_events();
    h.server("40");
    assert_eq!(h.take_events(), [Event::Connect { socket: main }]);
    assert_eq!(h.manager.id(main), Some("engine1"));
}

#[test]
fn namespace_connect_carries_the_query_and_no_payload() {
    let mut h = open_v4();
    h.manager.socket(h.now, "/admin?token=1", Some(json(r#"{"ignored":true}"#)));
    h.pump();
    assert_eq!(h.take_sent(), ["40/admin?token=1,"]);
}

#[test]
fn namespace_reply_without_payload_connects_with_a_namespaced_id() {
    let mut h = open_v4();
    let admin = h.manager.socket(h.now, "/admin?token=1", None);
    h.take_events();
    h.server("40/admin,");
    assert_eq!(h.take_events(), [Event::Connect { socket: admin }]);
    assert_eq!(h.manager.id(admin), Some("/admin#engine1"));
}

#[test]
fn error_packet_carries_a_string_message() {
    let mut h = open_v4();
    h.manager.socket(h.now, "/", None);
    let admin = h.manager.socket(h.now, "/admin", None);
    h.take_events();
    h.server(r#"44/admin,"Not authorized""#);
    assert_eq!(h.take_events(), [Event::ConnectError { socket: admin, message: "Not authorized".into(), data: None }]);
}

#[test]
fn events_flow_once_joined() {
    let mut h = open_v4();
    let main = h.manager.socket(h.now, "/", None);
    h.server("40");
    h.manager.emit(h.now, main, "hi", args("1"), EmitOptions::default()).unwrap();
    h.pump();
    assert_eq!(h.take_sent(), [r#"42["hi",1]"#]);
}

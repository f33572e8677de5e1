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
    h.manager.socket(h.now, "/admin?token=1", None);
    h.pump();
    assert_eq!(h.take_sent(), ["40/admin?token=1,"]);
}

/// As the JS 2.x client sends its `query` option: `parseqs.encode`.
#[test]
fn namespace_connect_carries_the_auth_as_its_query() {
    let mut h = open_v4();
    h.manager.socket(h.now, "/private", Some(json(r#"{"token":"s3cret"}"#)));
    h.pump();
    assert_eq!(h.take_sent(), ["40/private?token=s3cret,"]);
}

#[test]
fn auth_query_keeps_the_objects_order_and_percent_encodes_like_encode_uri_component() {
    let mut h = open_v4();
    h.manager.socket(h.now, "/private", Some(json(r#"{"z":"a b&c=d/é","a b":"x","n":-1.5}"#)));
    h.pump();
    assert_eq!(h.take_sent(), ["40/private?z=a%20b%26c%3Dd%2F%C3%A9&a%20b=x&n=-1.5,"]);
}

#[test]
fn auth_query_writes_only_scalar_members() {
    let mut h = open_v4();
    let auth = json(r#"{"list":[1],"token":"t","nested":{"a":1},"flag":true,"none":null}"#);
    h.manager.socket(h.now, "/private", Some(auth));
    h.pump();
    assert_eq!(h.take_sent(), ["40/private?token=t&flag=true&none=null,"]);
}

#[test]
fn auth_query_follows_a_query_given_with_the_namespace() {
    let mut h = open_v4();
    h.manager.socket(h.now, "/admin?room=1", Some(json(r#"{"token":"t"}"#)));
    h.pump();
    assert_eq!(h.take_sent(), ["40/admin?room=1&token=t,"]);
}

#[test]
fn auth_without_scalar_members_adds_no_query() {
    let mut h = open_v4();
    h.manager.socket(h.now, "/admin", Some(json(r#"{"nested":{"a":1}}"#)));
    h.pump();
    assert_eq!(h.take_sent(), ["40/admin,"]);
}

fn v4_with_engine_query_auth(auth: &str) -> Harness {
    let mut config = config(ProtocolVersion::V3);
    config.engine_query_auth = Some(json(auth));
    Harness::new(config)
}

#[test]
fn engine_query_auth_leads_the_handshake_query() {
    let h = v4_with_engine_query_auth(r#"{"token":"s3 cret"}"#);
    assert_eq!(h.websocket_queries, ["token=s3%20cret&EIO=3&transport=websocket"]);
}

#[test]
fn engine_query_auth_leads_the_query_of_every_reconnection() {
    let mut h = v4_with_engine_query_auth(r#"{"token":"t"}"#);
    h.manager.socket(h.now, "/", None);
    h.open_engine(OPEN_V3);
    h.drop_connection();
    h.advance(10_000);
    assert_eq!(h.websocket_queries.last().map(String::as_str), Some("token=t&EIO=3&transport=websocket"));
    assert!(h.websocket_queries.len() >= 2, "{:?}", h.websocket_queries);
}

#[test]
fn engine_query_auth_is_not_sent_in_v5() {
    let mut config = v5();
    config.engine_query_auth = Some(json(r#"{"token":"t"}"#));
    let h = Harness::new(config);
    assert_eq!(h.websocket_queries, ["EIO=4&transport=websocket"]);
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

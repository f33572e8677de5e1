//! Client manager: joining and leaving namespaces.

mod client_support;

use client_support::*;
use socketio_proto::client::{DisconnectReason, EmitOptions, Event};

#[test]
fn main_namespace_sends_connect_once_the_engine_opens() {
    let mut h = Harness::new(v5());
    let main = h.manager.socket(h.now, "/", None);
    assert!(h.manager.active(main));
    h.open_engine(OPEN_V4);
    assert_eq!(h.take_sent(), ["40"]);
}

#[test]
fn connect_reply_emits_connect_and_sets_the_socket_id() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.take_events();
    h.server(r#"40{"sid":"s1"}"#);
    assert_eq!(h.take_events(), [Event::Connect { socket: main }]);
    assert!(h.manager.connected(main));
    assert_eq!(h.manager.id(main), Some("s1"));
}

#[test]
fn socket_created_on_an_open_engine_sends_connect_at_once_with_its_auth() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/admin", Some(json(r#"{"token":"abc"}"#)));
    h.pump();
    assert_eq!(h.take_sent(), [r#"40/admin,{"token":"abc"}"#]);
}

#[test]
fn asking_twice_for_a_namespace_returns_the_same_socket_without_a_second_connect() {
    let mut h = Harness::open_v5();
    let first = h.manager.socket(h.now, "/admin", None);
    let second = h.manager.socket(h.now, "/admin", None);
    h.pump();
    assert_eq!(first, second);
    assert_eq!(h.take_sent(), ["40/admin,"]);
}

#[test]
fn connect_error_reports_message_and_data_and_deactivates_the_socket() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    let admin = h.manager.socket(h.now, "/admin", None);
    h.take_events();
    h.server(r#"44/admin,{"message":"Not authorized","data":{"code":7}}"#);
    assert_eq!(
        h.take_events(),
        [Event::ConnectError { socket: admin, message: "Not authorized".into(), data: Some(json(r#"{"code":7}"#)) }]
    );
    assert!(!h.manager.active(admin));
    assert!(h.manager.active(main));
}

#[test]
fn refused_socket_is_not_connected_again_after_a_reconnection() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    h.manager.socket(h.now, "/admin", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.server(r#"44/admin,{"message":"no"}"#);
    h.drop_connection();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    assert_eq!(h.take_sent(), ["40"]);
}

#[test]
fn refusal_of_the_only_socket_closes_the_manager_without_reconnecting() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    h.take_events();
    h.server(r#"44{"message":"no"}"#);
    assert!(h.take_events().contains(&Event::Close { reason: DisconnectReason::ForcedClose }));
    assert_eq!(h.randoms_asked, 0);
    assert!(h.manager.engine().is_none());
}

#[test]
fn connect_reply_without_sid_is_the_v2_server_connect_error() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.take_events();
    h.server("40");
    let events = h.take_events();
    assert!(matches!(&events[..], [Event::ConnectError { socket, message, data: None }]
        if *socket == main && message.starts_with("It seems you are trying to reach a Socket.IO server in v2.x")));
    assert!(h.manager.active(main));
}

#[test]
fn server_disconnect_is_io_server_disconnect_and_the_socket_stays_down() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    let admin = h.manager.socket(h.now, "/admin", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.server(r#"40/admin,{"sid":"s2"}"#);
    h.take_events();
    h.server("41/admin,");
    assert_eq!(h.take_events(), [Event::Disconnect { socket: admin, reason: DisconnectReason::IoServerDisconnect }]);
    assert!(!h.manager.active(admin));
    assert_eq!(h.manager.id(admin), None);
    h.drop_connection();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    assert_eq!(h.take_sent(), ["40"]);
}

#[test]
fn client_disconnect_sends_disconnect_and_is_io_client_disconnect() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    let admin = h.manager.socket(h.now, "/admin", None);
    h.server(r#"40/admin,{"sid":"s2"}"#);
    h.take_sent();
    h.take_events();
    h.manager.disconnect(h.now, admin);
    h.pump();
    assert_eq!(h.take_sent(), ["41/admin,"]);
    assert_eq!(h.take_events(), [Event::Disconnect { socket: admin, reason: DisconnectReason::IoClientDisconnect }]);
    assert!(!h.manager.active(admin));
}

#[test]
fn disconnecting_the_last_active_socket_closes_the_manager() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_events();
    h.manager.disconnect(h.now, main);
    h.pump();
    assert_eq!(
        h.take_events(),
        [
            Event::Close { reason: DisconnectReason::ForcedClose },
            Event::Disconnect { socket: main, reason: DisconnectReason::IoClientDisconnect },
        ]
    );
    assert_eq!(h.randoms_asked, 0);
}

#[test]
fn lost_transport_is_transport_close_for_every_active_socket() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    let admin = h.manager.socket(h.now, "/admin", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_events();
    h.drop_connection();
    let events = h.take_events();
    assert!(events.contains(&Event::Disconnect { socket: main, reason: DisconnectReason::TransportClose }));
    // The reference also tells a socket whose CONNECT was still unanswered.
    assert!(events.contains(&Event::Disconnect { socket: admin, reason: DisconnectReason::TransportClose }));
    assert!(!h.manager.connected(main));
    assert!(h.manager.active(main));
}

#[test]
fn server_close_packet_is_transport_close() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_events();
    h.server("1");
    assert!(h.take_events().contains(&Event::Disconnect { socket: main, reason: DisconnectReason::TransportClose }));
}

#[test]
fn missing_heartbeat_is_ping_timeout() {
    let mut h = Harness::new(v5());
    let main = h.manager.socket(h.now, "/", None);
    h.open_engine(r#"0{"sid":"e","upgrades":[],"pingInterval":100,"pingTimeout":50,"maxPayload":1000}"#);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_events();
    h.advance(151);
    assert!(h.take_events().contains(&Event::Disconnect { socket: main, reason: DisconnectReason::PingTimeout }));
}

#[test]
fn undecodable_socketio_packet_is_parse_error_and_closes_the_engine() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_events();
    h.server("49");
    let events = h.take_events();
    assert_eq!(events[0], Event::Close { reason: DisconnectReason::ParseError });
    assert_eq!(events[1], Event::Disconnect { socket: main, reason: DisconnectReason::ParseError });
    assert_eq!(h.randoms_asked, 1, "a parse error reconnects");
}

#[test]
fn closing_the_manager_is_forced_close_and_stops_reconnection() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.server(r#"40{"sid":"s1"}"#);
    h.take_events();
    h.manager.close(h.now);
    h.pump();
    assert_eq!(
        h.take_events(),
        [
            Event::Close { reason: DisconnectReason::ForcedClose },
            Event::Disconnect { socket: main, reason: DisconnectReason::ForcedClose },
        ]
    );
    assert_eq!(h.randoms_asked, 0);
    assert!(h.manager.active(main), "the reference keeps the socket active; connect() reopens");
}

#[test]
fn connecting_a_socket_after_close_opens_a_new_engine() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    h.manager.close(h.now);
    h.pump();
    h.manager.connect(h.now, main);
    h.pump();
    assert_eq!(h.pending_sockets.len(), 1);
    h.open_engine(OPEN_V4);
    assert_eq!(h.take_sent(), ["40"]);
}

#[test]
fn events_reach_the_socket_of_their_namespace() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    let admin = h.manager.socket(h.now, "/admin", None);
    h.server(r#"40/admin,{"sid":"s2"}"#);
    h.take_events();
    h.server(r#"42/admin,["hello",1]"#);
    let events = h.take_events();
    let [Event::Received { socket, event }] = &events[..] else { panic!("{events:?}") };
    assert_eq!(*socket, admin);
    assert_eq!(event.name.as_str(), "hello");
    assert_eq!(event.arguments.json().as_str(), "1");
}

#[test]
fn reserved_event_names_are_refused() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket(h.now, "/", None);
    let refused = h.manager.emit(h.now, main, "disconnect", args(""), EmitOptions::default());
    assert!(refused.is_err());
}

#[test]
fn a_closed_manager_has_no_session_left_once_its_websocket_is_released() {
    let mut h = Harness::open_v5();
    h.manager.socket(h.now, "/", None);
    assert!(h.manager.has_sessions());
    h.manager.close(h.now);
    h.pump();
    assert!(!h.manager.has_sessions());
}

#[test]
fn a_socket_with_an_auth_callback_asks_for_auth_and_connects_with_the_answer() {
    let mut h = Harness::open_v5();
    h.take_events();
    let main = h.manager.socket_with_auth_callback(h.now, "/");
    h.pump();
    assert_eq!(h.take_events(), [Event::AuthNeeded { socket: main }]);
    assert_eq!(h.take_sent(), Vec::<String>::new(), "the CONNECT waits for the auth");
    h.manager.provide_auth(h.now, main, Some(json(r#"{"token":"1"}"#)));
    h.pump();
    assert_eq!(h.take_sent(), [r#"40{"token":"1"}"#]);
}

#[test]
fn the_auth_callback_is_asked_again_at_each_reconnection() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket_with_auth_callback(h.now, "/");
    h.manager.provide_auth(h.now, main, Some(json(r#"{"token":"1"}"#)));
    h.server(r#"40{"sid":"s1"}"#);
    h.drop_connection();
    h.take_events();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    assert!(h.take_events().contains(&Event::AuthNeeded { socket: main }));
    h.manager.provide_auth(h.now, main, Some(json(r#"{"token":"2"}"#)));
    h.pump();
    assert_eq!(h.take_sent(), [r#"40{"token":"2"}"#]);
}

#[test]
fn an_auth_answer_after_its_connection_closed_is_ignored() {
    let mut h = Harness::open_v5();
    let main = h.manager.socket_with_auth_callback(h.now, "/");
    h.drop_connection();
    h.manager.provide_auth(h.now, main, Some(json(r#"{"token":"late"}"#)));
    h.pump();
    h.advance(1000);
    h.open_engine(OPEN_V4);
    assert_eq!(h.take_sent(), Vec::<String>::new(), "the late answer is not used by the next connection");
    assert!(h.take_events().contains(&Event::AuthNeeded { socket: main }));
}

#[test]
fn in_protocol_v4_a_namespace_with_an_auth_callback_sends_the_auth_as_its_query() {
    let mut h = Harness::new(config(engineio_proto::ProtocolVersion::V3));
    h.open_engine(OPEN_V3);
    let admin = h.manager.socket_with_auth_callback(h.now, "/admin");
    h.pump();
    assert!(h.take_events().contains(&Event::AuthNeeded { socket: admin }));
    assert_eq!(h.take_sent(), Vec::<String>::new(), "the CONNECT waits for the auth");
    h.manager.provide_auth(h.now, admin, Some(json(r#"{"token":"t"}"#)));
    h.pump();
    assert_eq!(h.take_sent(), ["40/admin?token=t,"]);
}

#[test]
fn in_protocol_v4_the_main_namespace_with_an_auth_callback_asks_for_no_auth() {
    let mut h = Harness::new(config(engineio_proto::ProtocolVersion::V3));
    h.open_engine(OPEN_V3);
    let main = h.manager.socket_with_auth_callback(h.now, "/");
    h.pump();
    assert!(!h.take_events().contains(&Event::AuthNeeded { socket: main }));
    assert_eq!(h.take_sent(), Vec::<String>::new());
}

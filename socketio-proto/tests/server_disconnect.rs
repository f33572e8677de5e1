//! Leaving: DISCONNECT from either side, the engine closing under the
//! sockets, and the server closing the connection (reference socket.js
//! `ondisconnect`/`disconnect`/`_onclose`, client.js `onclose`/`close`/`_disconnect`).

mod server_support;

use core::time::Duration;
use engineio_proto::server::{self as engine, CloseReason};
use engineio_proto::{Sid, Str};
use server_support::*;
use socketio_proto::server::{DisconnectReason, EmitError, Output};

#[test]
fn client_disconnect_gives_disconnecting_then_disconnected() {
    let mut connection = connected("/", "s1");
    let reason = DisconnectReason::ClientNamespaceDisconnect;
    let namespace = Str::from("/");
    let socket_id = Sid::new("s1");
    assert_eq!(
        receive(&mut connection, "1"),
        vec![
            Output::Disconnecting { namespace: namespace.clone(), socket_id: socket_id.clone(), reason },
            Output::Disconnected { namespace, socket_id, reason },
        ]
    );
}

#[test]
fn client_disconnect_of_the_last_namespace_keeps_the_connection_open() {
    let mut connection = connected("/custom", "s1");
    let outputs = receive(&mut connection, "1/custom");
    assert_eq!(disconnected(&outputs), vec![("/custom".to_owned(), DisconnectReason::ClientNamespaceDisconnect)]);
    assert_eq!(closed(&outputs), None);
    assert!(!connection.engine().is_closed());
}

#[test]
fn event_after_a_client_disconnect_closes_the_connection() {
    let mut connection = connected("/", "s1");
    receive(&mut connection, "1");
    assert_eq!(closed(&receive(&mut connection, r#"2["message"]"#)), Some(CloseReason::ForcedClose));
}

#[test]
fn server_disconnect_sends_disconnect_for_the_namespace() {
    let mut connection = connected("/admin", "s1");
    connection.disconnect(T0, "/admin").unwrap();
    let outputs = drain(&mut connection);
    assert_eq!(transmitted(&outputs), vec!["41/admin,"]);
    assert_eq!(disconnected(&outputs), vec![("/admin".to_owned(), DisconnectReason::ServerNamespaceDisconnect)]);
    assert_eq!(closed(&outputs), None);
}

#[test]
fn server_disconnect_of_a_namespace_not_connected_is_refused() {
    let mut connection = connected("/", "s1");
    assert_eq!(connection.disconnect(T0, "/admin"), Err(EmitError::NotConnected));
}

#[test]
fn other_namespaces_stay_connected_after_one_disconnects() {
    let mut connection = connected("/", "s1");
    join(&mut connection, "/admin", "s2");
    receive(&mut connection, "1/admin,");
    assert_eq!(connection.socket_id("/"), Some(&Sid::new("s1")));
    assert_eq!(connection.socket_id("/admin"), None);
}

#[test]
fn namespace_can_be_joined_again_after_a_disconnect() {
    let mut connection = connected("/", "s1");
    receive(&mut connection, "1");
    join(&mut connection, "/", "s2");
    assert_eq!(connection.socket_id("/"), Some(&Sid::new("s2")));
}

#[test]
fn transport_close_disconnects_every_namespace_then_reports_closed() {
    let mut connection = connected("/", "s1");
    join(&mut connection, "/admin", "s2");
    connection.handle_websocket_closed(T0);
    let outputs = drain(&mut connection);
    assert_eq!(
        disconnected(&outputs),
        vec![
            ("/".to_owned(), DisconnectReason::TransportClose),
            ("/admin".to_owned(), DisconnectReason::TransportClose)
        ]
    );
    assert_eq!(outputs.last(), Some(&Output::Closed(CloseReason::TransportClose)));
    assert!(connection.is_closed());
}

#[test]
fn engine_close_packet_disconnects_with_transport_close() {
    let mut connection = connected("/", "s1");
    connection.handle_frame(T0, engineio_proto::Frame::Text(Str::from("1")));
    assert_eq!(disconnected(&drain(&mut connection)), vec![("/".to_owned(), DisconnectReason::TransportClose)]);
}

#[test]
fn missing_pong_disconnects_with_ping_timeout() {
    let mut connection = connected("/", "s1");
    let ping_at = engine::ServerConfig::default().ping_interval;
    let deadline = T0 + ping_at + engine::ServerConfig::default().ping_timeout;
    connection.handle_timeout(T0 + ping_at);
    connection.handle_timeout(deadline);
    let outputs = drain(&mut connection);
    assert_eq!(disconnected(&outputs), vec![("/".to_owned(), DisconnectReason::PingTimeout)]);
    assert_eq!(closed(&outputs), Some(CloseReason::PingTimeout));
}

#[test]
fn engine_parse_error_disconnects_with_parse_error() {
    let mut connection = connected("/", "s1");
    connection.handle_frame(T0, engineio_proto::Frame::Text(Str::from("x")));
    assert_eq!(disconnected(&drain(&mut connection)), vec![("/".to_owned(), DisconnectReason::ParseError)]);
}

#[test]
fn close_disconnects_with_forced_server_close_without_disconnect_packets() {
    let mut connection = connected("/", "s1");
    connection.close(T0);
    let outputs = drain(&mut connection);
    assert_eq!(disconnected(&outputs), vec![("/".to_owned(), DisconnectReason::ForcedServerClose)]);
    assert_eq!(transmitted(&outputs), Vec::<String>::new());
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

#[test]
fn disconnect_all_sends_disconnect_for_each_namespace_then_closes() {
    let mut connection = connected("/", "s1");
    join(&mut connection, "/admin", "s2");
    connection.disconnect_all(T0);
    let outputs = drain(&mut connection);
    assert_eq!(transmitted(&outputs), vec!["41", "41/admin,"]);
    assert_eq!(
        disconnected(&outputs),
        vec![
            ("/".to_owned(), DisconnectReason::ServerNamespaceDisconnect),
            ("/admin".to_owned(), DisconnectReason::ServerNamespaceDisconnect)
        ]
    );
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

#[test]
fn shutdown_disconnects_with_server_shutting_down() {
    let mut connection = connected("/", "s1");
    connection.shutdown(T0);
    let outputs = drain(&mut connection);
    assert_eq!(disconnected(&outputs), vec![("/".to_owned(), DisconnectReason::ServerShuttingDown)]);
    assert_eq!(closed(&outputs), Some(CloseReason::ServerShuttingDown));
}

#[test]
fn inputs_after_the_close_produce_nothing_but_engine_answers() {
    let mut connection = connected("/", "s1");
    connection.close(T0);
    drain(&mut connection);
    let outputs = receive(&mut connection, r#"2["late"]"#);
    assert!(outputs.iter().all(|output| matches!(output, Output::Engine(_))));
    assert_eq!(connection.poll_timeout(), None);
}

#[test]
fn closed_connection_needs_no_timer() {
    let mut connection = connected("/", "s1");
    connection.emit_with_ack(T0, "/", "hello", socketio_proto::Args::empty(), Some(Duration::from_secs(1))).unwrap();
    connection.handle_websocket_closed(T0);
    drain(&mut connection);
    assert_eq!(connection.poll_timeout(), None);
}

#[test]
fn disconnect_reasons_are_the_reference_strings() {
    let reasons = [
        (DisconnectReason::ServerNamespaceDisconnect, "server namespace disconnect"),
        (DisconnectReason::ClientNamespaceDisconnect, "client namespace disconnect"),
        (DisconnectReason::ServerShuttingDown, "server shutting down"),
        (DisconnectReason::TransportClose, "transport close"),
        (DisconnectReason::TransportError, "transport error"),
        (DisconnectReason::PingTimeout, "ping timeout"),
        (DisconnectReason::ParseError, "parse error"),
        (DisconnectReason::ForcedClose, "forced close"),
        (DisconnectReason::ForcedServerClose, "forced server close"),
    ];
    for (reason, text) in reasons {
        assert_eq!(reason.as_str(), text);
    }
}

#[test]
fn namespace_disconnects_and_parse_errors_are_not_recoverable() {
    let unrecoverable = [
        DisconnectReason::ServerNamespaceDisconnect,
        DisconnectReason::ClientNamespaceDisconnect,
        DisconnectReason::ParseError,
    ];
    assert!(unrecoverable.iter().all(|reason| !reason.is_recoverable()));
    assert!(DisconnectReason::ForcedServerClose.is_recoverable());
    assert!(DisconnectReason::TransportClose.is_recoverable());
}

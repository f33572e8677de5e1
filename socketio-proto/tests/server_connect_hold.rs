//! The hold between a socket's `Connected` and its `connect_handled`: the
//! reference runs the `connection` handler in the tick that writes the
//! CONNECT reply, so the client never hears CONNECT before the handler's
//! room joins are done. The connection keeps its transport outputs back
//! until the driver says the handler ran.

mod server_support;

use bytes::Bytes;
use engineio_proto::server::{self as engine, CloseReason, RequestId, Response};
use engineio_proto::Sid;
use server_support::*;
use socketio_proto::server::{Connection, DisconnectReason, Output, ServerConfig};
use socketio_proto::Args;

/// Whether any output is for the transport (a frame, an answer, a close).
fn any_transport(outputs: &[Output]) -> bool {
    outputs.iter().any(|output| matches!(output, Output::Engine(output) if !matches!(output, engine::Output::Event(_))))
}

/// A WebSocket connection with a pending CONNECT for `/`.
fn requested() -> Connection {
    let mut connection = websocket();
    receive(&mut connection, "0");
    connection
}

#[test]
fn nothing_is_transmitted_between_connected_and_connect_handled() {
    let mut connection = requested();
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    assert!(connection.holds_transport());
    assert!(!any_transport(&drain(&mut connection)));
    connection.connect_handled(&Sid::new("s1"));
    assert!(!connection.holds_transport());
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"40{"sid":"s1"}"#]);
}

#[test]
fn emits_made_by_the_handler_follow_the_connect_reply() {
    let mut connection = requested();
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    drain(&mut connection);
    connection.emit_with_ack(T0, "/", "welcome", Args::empty(), None).unwrap();
    assert!(!any_transport(&drain(&mut connection)));
    connection.connect_handled(&Sid::new("s1"));
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"40{"sid":"s1"}"#, r#"420["welcome"]"#]);
}

#[test]
fn a_parked_poll_is_answered_only_after_the_handler_ran() {
    let engine_config = engine::ServerConfig::default();
    let session = engine_session(&engine_config, "EIO=4&transport=polling", false);
    let mut connection = Connection::new(&ServerConfig::default(), session, T0);
    connection.handle_poll(T0, RequestId(0));
    drain(&mut connection);
    let body = engine::PostBody::Complete { body: Bytes::from_static(b"40"), binary_content_type: false };
    connection.handle_post(T0, body);
    connection.handle_poll(T0, RequestId(1));
    drain(&mut connection);
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    assert!(!any_transport(&drain(&mut connection)));
    connection.connect_handled(&Sid::new("s1"));
    let answers: Vec<(RequestId, Bytes)> = drain(&mut connection)
        .into_iter()
        .filter_map(|output| match output {
            Output::Engine(engine::Output::Respond { request, response: Response { body, .. } }) => {
                Some((request, body))
            }
            _ => None,
        })
        .collect();
    assert_eq!(answers, vec![(RequestId(1), Bytes::from_static(br#"40{"sid":"s1"}"#))]);
}

#[test]
fn output_waits_for_the_handler_of_every_socket_accepted() {
    let mut connection = requested();
    receive(&mut connection, "0/admin,");
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    connection.accept(T0, "/admin", Sid::new("s2"), None).unwrap();
    connection.connect_handled(&Sid::new("s1"));
    assert!(!any_transport(&drain(&mut connection)));
    connection.connect_handled(&Sid::new("s2"));
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"40{"sid":"s1"}"#, r#"40/admin,{"sid":"s2"}"#]);
}

#[test]
fn connect_handled_for_a_socket_that_is_not_waiting_changes_nothing() {
    let mut connection = requested();
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    connection.connect_handled(&Sid::new("someone else"));
    assert!(connection.holds_transport());
    assert!(!any_transport(&drain(&mut connection)));
}

#[test]
fn a_socket_that_leaves_before_its_handler_ran_holds_nothing_back() {
    let mut connection = requested();
    receive(&mut connection, "1");
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    let outputs = drain(&mut connection);
    assert_eq!(disconnected(&outputs), vec![("/".to_owned(), DisconnectReason::ClientNamespaceDisconnect)]);
    assert!(!connection.holds_transport());
    assert_eq!(transmitted(&outputs), vec![r#"40{"sid":"s1"}"#]);
}

#[test]
fn closing_the_connection_lets_the_held_output_go() {
    let mut connection = requested();
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    drain(&mut connection);
    connection.close(T0);
    assert!(!connection.holds_transport());
    let outputs = drain(&mut connection);
    assert_eq!(transmitted(&outputs).first().map(String::as_str), Some(r#"40{"sid":"s1"}"#));
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

//! Socket.IO v4 (Engine.IO 3, socket.io 2.x clients): `/` joined implicitly at
//! open, auth in the namespace query, bare CONNECT replies, string
//! CONNECT_ERROR (protocol-notes §2.5; reference index.js `onconnection`,
//! client.js `ondecoded`, namespace.js `_add`).

mod server_support;

use engineio_proto::{Sid, Str};
use server_support::*;
use socketio_proto::server::Output;
use socketio_proto::{Json, ProtocolVersion};

/// A v4 connection with `/` accepted, outputs drained.
fn v4_connected() -> socketio_proto::server::Connection {
    let mut connection = v4_websocket();
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    connection.connect_handled(&Sid::new("s1"));
    drain(&mut connection);
    connection
}

#[test]
fn v4_connection_speaks_socketio_v4() {
    assert_eq!(v4_websocket().protocol(), ProtocolVersion::V4);
}

#[test]
fn v4_main_namespace_is_requested_at_open() {
    let mut connection = v4_websocket();
    let request = drain(&mut connection).into_iter().find(|output| matches!(output, Output::ConnectRequest { .. }));
    assert_eq!(request, Some(Output::ConnectRequest { namespace: Str::from("/"), auth: None, query: None }));
}

#[test]
fn v4_accept_of_the_main_namespace_sends_a_bare_connect() {
    let mut connection = v4_websocket();
    drain(&mut connection);
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    connection.connect_handled(&Sid::new("s1"));
    assert_eq!(transmitted(&drain(&mut connection)), vec!["40"]);
}

#[test]
fn v4_namespace_connect_surfaces_its_query_as_auth() {
    let mut connection = v4_connected();
    let outputs = receive(&mut connection, "0/admin?token=1234&uid=abcd,");
    let expected = Output::ConnectRequest {
        namespace: Str::from("/admin"),
        auth: None,
        query: Some(Str::from("token=1234&uid=abcd")),
    };
    assert_eq!(outputs, vec![expected]);
}

#[test]
fn v4_accept_of_a_namespace_replies_without_payload() {
    let mut connection = v4_connected();
    receive(&mut connection, "0/admin?token=1,");
    connection.accept(T0, "/admin", Sid::new("s2"), Some("ignored in v4")).unwrap();
    connection.connect_handled(&Sid::new("s2"));
    assert_eq!(transmitted(&drain(&mut connection)), vec!["40/admin,"]);
}

#[test]
fn v4_events_on_a_namespace_joined_with_a_query_use_its_path() {
    let mut connection = v4_connected();
    receive(&mut connection, "0/admin?token=1,");
    connection.accept(T0, "/admin", Sid::new("s2"), None).unwrap();
    connection.connect_handled(&Sid::new("s2"));
    drain(&mut connection);
    let outputs = receive(&mut connection, r#"2/admin,["bar"]"#);
    assert!(matches!(outputs.as_slice(), [Output::Event { namespace, .. }] if namespace.as_str() == "/admin"));
}

#[test]
fn v4_reject_sends_the_message_as_a_json_string() {
    let mut connection = v4_connected();
    receive(&mut connection, "0/admin,");
    connection.reject(T0, "/admin", "Not authorized", None).unwrap();
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"44/admin,"Not authorized""#]);
}

#[test]
fn v4_reject_with_data_sends_the_data_instead_of_the_message() {
    let mut connection = v4_connected();
    receive(&mut connection, "0/admin,");
    let data = Json::from_text(Str::from(r#"{"code":7}"#)).unwrap();
    connection.reject(T0, "/admin", "Not authorized", Some(&data)).unwrap();
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"44/admin,{"code":7}"#]);
}

/// socket.io 2 (socket.io-parser 3) and socket.io 4 with `allowEIO3` both
/// take a v2 CONNECT's payload and ignore it: auth is the namespace query.
#[test]
fn v4_connect_payload_is_ignored() {
    let mut connection = v4_connected();
    let outputs = receive(&mut connection, r#"0/admin?token=2,{"token":"1"}"#);
    let expected =
        Output::ConnectRequest { namespace: Str::from("/admin"), auth: None, query: Some(Str::from("token=2")) };
    assert_eq!(outputs, vec![expected]);
}

#[test]
fn v4_connect_with_a_string_payload_closes_the_connection() {
    let mut connection = v4_connected();
    let outputs = receive(&mut connection, r#"0/admin,"token""#);
    assert!(matches!(outputs.first(), Some(Output::DecodeFailed(_))));
}

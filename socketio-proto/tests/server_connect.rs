//! Joining namespaces: CONNECT, the application's accept or reject, the
//! connect timeout, and packets before the answer (reference client.js
//! `ondecoded`/`connect`/`setup`, namespace.js `_add`, socket.js `_onconnect`).

mod server_support;

use core::time::Duration;
use engineio_proto::server::{CloseReason, PostBody, RequestId, Response};
use engineio_proto::{Sid, Str};
use server_support::*;
use socketio_proto::server::{AnswerError, Connection, DisconnectReason, Output, ServerConfig};
use socketio_proto::Json;

fn connect_request(namespace: &'static str, auth: Option<&'static str>) -> Output {
    Output::ConnectRequest {
        namespace: Str::from(namespace),
        auth: auth.map(|auth| Json::from_text(Str::from(auth)).expect("valid JSON")),
        query: None,
    }
}

#[test]
fn connect_to_the_main_namespace_is_asked_to_the_driver() {
    let mut connection = websocket();
    assert_eq!(receive(&mut connection, "0"), vec![connect_request("/", None)]);
}

#[test]
fn connect_payload_is_surfaced_as_auth() {
    let mut connection = websocket();
    let outputs = receive(&mut connection, r#"0/admin,{"token":"123"}"#);
    assert_eq!(outputs, vec![connect_request("/admin", Some(r#"{"token":"123"}"#))]);
}

#[test]
fn accept_reports_connected_then_replies_with_the_socket_id_once_the_handler_ran() {
    let mut connection = websocket();
    receive(&mut connection, "0");
    let socket_id = Sid::new("oSO0OpakMV_3jnilAAAA");
    connection.accept(T0, "/", socket_id.clone(), None).unwrap();
    let outputs = drain(&mut connection);
    assert_eq!(
        outputs,
        vec![Output::Connected { namespace: Str::from("/"), socket_id: socket_id.clone(), recovered: false }]
    );
    assert_eq!(connection.socket_id("/"), Some(&socket_id));
    connection.connect_handled(&socket_id);
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"40{"sid":"oSO0OpakMV_3jnilAAAA"}"#]);
}

#[test]
fn accept_on_a_custom_namespace_names_it_in_the_reply() {
    let mut connection = websocket();
    receive(&mut connection, "0/admin,");
    connection.accept(T0, "/admin", Sid::new("s1"), None).unwrap();
    connection.connect_handled(&Sid::new("s1"));
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"40/admin,{"sid":"s1"}"#]);
}

#[test]
fn namespace_ending_at_the_end_of_the_packet_is_accepted() {
    let mut connection = websocket();
    assert_eq!(receive(&mut connection, "0/custom"), vec![connect_request("/custom", None)]);
}

#[test]
fn accept_with_a_private_id_adds_pid_to_the_reply() {
    let mut connection = websocket();
    receive(&mut connection, "0");
    connection.accept(T0, "/", Sid::new("s1"), Some("p1")).unwrap();
    connection.connect_handled(&Sid::new("s1"));
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"40{"sid":"s1","pid":"p1"}"#]);
}

#[test]
fn reject_sends_connect_error_with_message_and_data() {
    let mut connection = websocket();
    receive(&mut connection, "0/admin,");
    let data = Json::from_text(Str::from(r#"{"code":7}"#)).unwrap();
    connection.reject(T0, "/admin", "Not authorized", Some(&data)).unwrap();
    assert_eq!(
        transmitted(&drain(&mut connection)),
        vec![r#"44/admin,{"message":"Not authorized","data":{"code":7}}"#]
    );
}

#[test]
fn reject_keeps_the_connection_open_for_a_later_connect() {
    let mut connection = websocket();
    receive(&mut connection, "0/random,");
    connection.reject(T0, "/random", "Invalid namespace", None).unwrap();
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"44/random,{"message":"Invalid namespace"}"#]);
    assert_eq!(receive(&mut connection, "0"), vec![connect_request("/", None)]);
}

#[test]
fn accept_without_a_pending_request_is_refused() {
    let mut connection = websocket();
    assert_eq!(connection.accept(T0, "/", Sid::new("s1"), None), Err(AnswerError::NotRequested));
    assert!(drain(&mut connection).is_empty());
}

#[test]
fn second_connect_to_a_connected_namespace_closes_the_connection() {
    let mut connection = connected("/", "s1");
    let outputs = receive(&mut connection, "0");
    assert_eq!(disconnected(&outputs), vec![("/".to_owned(), DisconnectReason::ForcedServerClose)]);
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

#[test]
fn second_connect_while_the_first_waits_closes_the_connection() {
    let mut connection = websocket();
    receive(&mut connection, "0");
    assert_eq!(closed(&receive(&mut connection, "0")), Some(CloseReason::ForcedClose));
}

#[test]
fn event_before_any_connect_closes_the_connection() {
    let mut connection = websocket();
    assert_eq!(closed(&receive(&mut connection, r#"2["message"]"#)), Some(CloseReason::ForcedClose));
}

#[test]
fn connect_error_from_the_client_closes_the_connection() {
    let mut connection = connected("/", "s1");
    let outputs = receive(&mut connection, r#"4{"message":"no"}"#);
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

#[test]
fn connect_payload_that_is_not_an_object_closes_the_connection() {
    let mut connection = websocket();
    let outputs = receive(&mut connection, r#"0"abc""#);
    assert!(matches!(outputs.first(), Some(Output::DecodeFailed(_))));
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

#[test]
fn events_sent_before_the_accept_are_delivered_after_connected() {
    let mut connection = websocket();
    receive(&mut connection, "0");
    assert!(receive(&mut connection, r#"2["early"]"#).is_empty());
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    let outputs = drain(&mut connection);
    let kinds: Vec<&str> = outputs
        .iter()
        .filter_map(|output| match output {
            Output::Connected { .. } => Some("connected"),
            Output::Event { event, .. } => Some(event.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec!["connected", "early"]);
}

#[test]
fn events_sent_before_a_reject_are_dropped() {
    let mut connection = websocket();
    receive(&mut connection, "0");
    receive(&mut connection, r#"2["early"]"#);
    connection.reject(T0, "/", "no", None).unwrap();
    let outputs = drain(&mut connection);
    assert!(!outputs.iter().any(|output| matches!(output, Output::Event { .. })));
    assert_eq!(closed(&outputs), None);
}

#[test]
fn too_many_packets_before_the_accept_close_the_connection() {
    let mut connection = websocket_with(&ServerConfig::default().with_max_packets_before_connect(2));
    receive(&mut connection, "0");
    receive(&mut connection, r#"2["one"]"#);
    receive(&mut connection, r#"2["two"]"#);
    assert_eq!(closed(&receive(&mut connection, r#"2["three"]"#)), Some(CloseReason::ForcedClose));
}

#[test]
fn connect_timeout_closes_a_connection_without_namespace() {
    let config = ServerConfig::default().with_connect_timeout(Duration::from_millis(1000));
    let mut connection = websocket_with(&config);
    assert_eq!(connection.poll_timeout(), Some(at(1000)));
    connection.handle_timeout(at(999));
    assert_eq!(closed(&drain(&mut connection)), None);
    connection.handle_timeout(at(1000));
    assert_eq!(closed(&drain(&mut connection)), Some(CloseReason::ForcedClose));
}

#[test]
fn accepting_a_namespace_cancels_the_connect_timeout() {
    let config = ServerConfig::default().with_connect_timeout(Duration::from_millis(1000));
    let mut connection = websocket_with(&config);
    join(&mut connection, "/", "s1");
    connection.handle_timeout(at(1000));
    assert_eq!(closed(&drain(&mut connection)), None);
    assert_ne!(connection.poll_timeout(), Some(at(1000)));
}

#[test]
fn connect_timeout_is_not_cancelled_by_a_pending_request() {
    let config = ServerConfig::default().with_connect_timeout(Duration::from_millis(1000));
    let mut connection = websocket_with(&config);
    receive(&mut connection, "0");
    connection.handle_timeout(at(1000));
    assert_eq!(closed(&drain(&mut connection)), Some(CloseReason::ForcedClose));
    assert_eq!(connection.accept(at(1001), "/", Sid::new("s1"), None), Err(AnswerError::Closed));
}

#[test]
fn connect_over_polling_is_answered_on_the_next_get() {
    let engine_config = engineio_proto::server::ServerConfig::default();
    let session = engine_session(&engine_config, "EIO=4&transport=polling", false);
    let mut connection = Connection::new(&ServerConfig::default(), session, T0);
    connection.handle_poll(T0, RequestId(0));
    drain(&mut connection);
    let body = PostBody::Complete { body: bytes::Bytes::from_static(b"40"), binary_content_type: false };
    assert_eq!(connection.handle_post(T0, body).status, 200);
    connection.accept(T0, "/", Sid::new("wZX3oN0bSVIhsaknAAAI"), None).unwrap();
    connection.connect_handled(&Sid::new("wZX3oN0bSVIhsaknAAAI"));
    drain(&mut connection);
    connection.handle_poll(T0, RequestId(1));
    let answer = drain(&mut connection).into_iter().find_map(|output| match output {
        Output::Engine(engineio_proto::server::Output::Respond { response: Response { body, .. }, .. }) => Some(body),
        _ => None,
    });
    assert_eq!(answer.as_deref(), Some(&br#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#[..]));
}

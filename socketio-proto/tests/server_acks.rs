//! Server emits with ack: id allocation, the client's ACK, timeouts, and
//! what happens to pending acks when a socket goes (reference socket.js
//! `emit`/`registerAckCallback`/`onack`). Each token resolves exactly once.

mod server_support;

use bytes::Bytes;
use core::time::Duration;
use engineio_proto::Str;
use server_support::*;
use socketio_proto::server::{AckToken, EmitError, Output};
use socketio_proto::{Args, Packet};

fn hello_with_ack(connection: &mut socketio_proto::server::Connection, timeout: Option<Duration>) -> AckToken {
    connection.emit_with_ack(T0, "/", "hello", Args::empty(), timeout).unwrap()
}

fn resolutions(outputs: &[Output]) -> Vec<Output> {
    outputs
        .iter()
        .filter(|output| {
            matches!(output, Output::AckReceived { .. } | Output::AckTimedOut { .. } | Output::AckCancelled { .. })
        })
        .cloned()
        .collect()
}

#[test]
fn emit_with_ack_sends_a_fresh_id_each_time() {
    let mut connection = connected("/", "s1");
    let first = hello_with_ack(&mut connection, None);
    let second = hello_with_ack(&mut connection, None);
    assert_eq!((first.ack_id(), second.ack_id()), (0, 1));
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"420["hello"]"#, r#"421["hello"]"#]);
}

#[test]
fn ack_from_the_client_resolves_the_token_with_its_arguments() {
    let mut connection = connected("/admin", "s1");
    let token = connection.emit_with_ack(T0, "/admin", "tellme", Args::empty(), None).unwrap();
    drain(&mut connection);
    let outputs = receive(&mut connection, r#"3/admin,0["bar"]"#);
    let args = Args::from_tuple(&("bar",)).unwrap();
    assert_eq!(outputs, vec![Output::AckReceived { namespace: Str::from("/admin"), token, args }]);
    assert_eq!(connection.pending_acks(), 0);
}

#[test]
fn binary_ack_resolves_with_its_attachments() {
    let mut connection = connected("/", "s1");
    hello_with_ack(&mut connection, None);
    drain(&mut connection);
    receive(&mut connection, r#"61-0[{"_placeholder":true,"num":0}]"#);
    let outputs = receive_binary(&mut connection, &[9, 9]);
    let Some(Output::AckReceived { args, .. }) = outputs.first() else { panic!("no ack in {outputs:?}") };
    assert_eq!(args.attachments(), &[Bytes::from_static(&[9, 9])]);
}

#[test]
fn ack_with_an_unknown_id_is_ignored() {
    let mut connection = connected("/", "s1");
    hello_with_ack(&mut connection, None);
    drain(&mut connection);
    assert_eq!(receive(&mut connection, "37[]"), vec![]);
    assert_eq!(connection.pending_acks(), 1);
}

#[test]
fn ack_on_another_namespace_does_not_resolve() {
    let mut connection = connected("/", "s1");
    join(&mut connection, "/admin", "s2");
    hello_with_ack(&mut connection, None);
    drain(&mut connection);
    assert_eq!(receive(&mut connection, "3/admin,0[]"), vec![]);
    assert_eq!(connection.pending_acks(), 1);
}

#[test]
fn second_ack_for_the_same_id_is_ignored() {
    let mut connection = connected("/", "s1");
    hello_with_ack(&mut connection, None);
    drain(&mut connection);
    receive(&mut connection, "30[]");
    assert_eq!(receive(&mut connection, "30[]"), vec![]);
}

#[test]
fn ack_times_out_at_its_deadline() {
    let mut connection = connected("/", "s1");
    let token =
        connection.emit_with_ack(at(100), "/", "hello", Args::empty(), Some(Duration::from_millis(500))).unwrap();
    drain(&mut connection);
    assert_eq!(connection.poll_timeout(), Some(at(600)));
    connection.handle_timeout(at(599));
    assert_eq!(resolutions(&drain(&mut connection)), vec![]);
    connection.handle_timeout(at(600));
    assert_eq!(resolutions(&drain(&mut connection)), vec![Output::AckTimedOut { namespace: Str::from("/"), token }]);
}

#[test]
fn ack_arriving_after_the_timeout_is_ignored() {
    let mut connection = connected("/", "s1");
    hello_with_ack(&mut connection, Some(Duration::from_millis(500)));
    connection.handle_timeout(at(500));
    drain(&mut connection);
    assert_eq!(receive_at(&mut connection, at(501), "30[]"), vec![]);
}

#[test]
fn answered_ack_no_longer_times_out() {
    let mut connection = connected("/", "s1");
    hello_with_ack(&mut connection, Some(Duration::from_millis(500)));
    receive(&mut connection, "30[]");
    assert_ne!(connection.poll_timeout(), Some(at(500)));
    connection.handle_timeout(at(500));
    assert_eq!(resolutions(&drain(&mut connection)), vec![]);
}

#[test]
fn pending_acks_are_cancelled_after_the_socket_disconnects() {
    let mut connection = connected("/", "s1");
    let token = hello_with_ack(&mut connection, Some(Duration::from_millis(500)));
    drain(&mut connection);
    let outputs = receive(&mut connection, "1");
    assert!(matches!(outputs.get(1), Some(Output::Disconnected { .. })));
    assert_eq!(outputs.get(2), Some(&Output::AckCancelled { namespace: Str::from("/"), token }));
    connection.handle_timeout(at(500));
    assert_eq!(resolutions(&drain(&mut connection)), vec![]);
}

#[test]
fn acks_of_other_namespaces_survive_a_namespace_disconnect() {
    let mut connection = connected("/", "s1");
    join(&mut connection, "/admin", "s2");
    hello_with_ack(&mut connection, None);
    assert_eq!(resolutions(&receive(&mut connection, "1/admin,")), vec![]);
    assert_eq!(connection.pending_acks(), 1);
}

#[test]
fn pending_acks_are_cancelled_when_the_transport_closes() {
    let mut connection = connected("/", "s1");
    let token = hello_with_ack(&mut connection, None);
    connection.handle_websocket_closed(T0);
    assert_eq!(resolutions(&drain(&mut connection)), vec![Output::AckCancelled { namespace: Str::from("/"), token }]);
}

#[test]
fn encoded_emit_with_a_chosen_ack_id_waits_for_that_id() {
    let mut connection = connected("/", "s1");
    let encoded = Packet::event("/", "hello", Args::empty(), Some(41)).encode();
    let token = connection.emit_encoded_with_ack(T0, "/", &encoded, 41, None).unwrap();
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"4241["hello"]"#]);
    let outputs = receive(&mut connection, "341[]");
    assert_eq!(outputs, vec![Output::AckReceived { namespace: Str::from("/"), token, args: Args::empty() }]);
}

#[test]
fn encoded_emit_with_an_ack_id_already_pending_is_refused() {
    let mut connection = connected("/", "s1");
    let encoded = Packet::event("/", "hello", Args::empty(), Some(3)).encode();
    connection.emit_encoded_with_ack(T0, "/", &encoded, 3, None).unwrap();
    drain(&mut connection);
    assert_eq!(connection.emit_encoded_with_ack(T0, "/", &encoded, 3, None), Err(EmitError::AckIdInUse(3)));
    assert_eq!(transmitted(&drain(&mut connection)), Vec::<String>::new());
}

#[test]
fn allocated_ack_ids_skip_ids_still_pending() {
    let mut connection = connected("/", "s1");
    let encoded = Packet::event("/", "hello", Args::empty(), Some(0)).encode();
    connection.emit_encoded_with_ack(T0, "/", &encoded, 0, None).unwrap();
    assert_eq!(hello_with_ack(&mut connection, None).ack_id(), 1);
}

#[test]
fn emit_with_ack_on_a_namespace_not_connected_is_refused() {
    let mut connection = connected("/", "s1");
    let refused = connection.emit_with_ack(T0, "/admin", "hello", Args::empty(), None);
    assert_eq!(refused, Err(EmitError::NotConnected));
    assert_eq!(connection.pending_acks(), 0);
}

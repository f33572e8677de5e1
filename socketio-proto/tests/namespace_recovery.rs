//! Connection state recovery end to end: two real connections and one
//! namespace (the reference `connectionStateRecovery`: `SessionAwareAdapter`,
//! socket.js constructor with a previous session, namespace.js
//! `_createSocket`). A client whose transport closed reconnects on a new
//! connection with `auth: {pid, offset}` and gets its socket id, its rooms
//! and the packets it missed, before the CONNECT reply.

mod namespace_support;

use engineio_proto::Sid;
use namespace_support::*;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::rooms::Room;
use socketio_proto::server::{ConnectDecision, DisconnectReason, Namespace, NamespaceConfig};
use socketio_proto::Args;

fn number(value: u32) -> Args {
    Args::from_tuple(&(value,)).unwrap()
}

/// A and B connected with recovery on; A is in room "r". Returns the server,
/// A's and B's ids, and A's pid.
fn two_clients() -> (Server, Sid, Sid, String) {
    let mut server = Server::with_recovery();
    let (a, outputs) = server.connect(at(0), open(at(0), "engineA"), "", "sidA", 1);
    let reply = payload(&transmitted(&outputs)[0]);
    let pid = reply["pid"].as_str().expect("a pid in the CONNECT reply").to_owned();
    let (b, _) = server.connect(at(0), open(at(0), "engineB"), "", "sidB", 2);
    server.namespace.join(&a, &Room::new("r"));
    (server, a, b, pid)
}

#[test]
fn a_client_that_reconnects_gets_its_missed_packets_before_the_connect_reply_with_the_same_sid_and_rooms() {
    let (mut server, a, b, pid) = two_clients();
    server.broadcast(at(1_000), "news", number(0), &BroadcastOptions::everyone());
    let seen_by_a = transmitted(&server.drain(&a));
    let offset = offset_of(&seen_by_a[0]);

    server.close_transport(at(2_000), &a);
    for (millis, value) in [(3_000, 1), (3_001, 2), (3_002, 3)] {
        server.broadcast(at(millis), "news", number(value), &BroadcastOptions::everyone());
    }
    let seen_by_b = transmitted(&server.drain(&b));
    assert_eq!(seen_by_b.len(), 4, "B got the first broadcast and the three while A was away");

    let auth = recovery_auth(&pid, &offset);
    let (socket_id, outputs) = server.connect(at(4_000), open(at(4_000), "engineA2"), &auth, "unused", 3);
    let frames = transmitted(&outputs);
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[..3], seen_by_b[1..], "the missed packets, in order, with their offsets");
    assert_eq!(frames[3], format!(r#"40{{"sid":"sidA","pid":"{pid}"}}"#));
    assert_eq!(socket_id, a);
    assert_eq!(connected_recovered(&outputs), Some(true));
    assert!(server.namespace.rooms().contains(&a, &Room::new("r")));
}

#[test]
fn a_reconnection_after_the_maximum_disconnection_duration_is_a_new_session() {
    let (mut server, a, _b, pid) = two_clients();
    server.broadcast(at(1_000), "news", number(0), &BroadcastOptions::everyone());
    let offset = offset_of(&transmitted(&server.drain(&a))[0]);
    server.close_transport(at(2_000), &a);

    let later = at(2_000 + 121_000);
    let auth = recovery_auth(&pid, &offset);
    let (socket_id, outputs) = server.connect(later, open(later, "engineA2"), &auth, "sidC", 3);
    assert_eq!(socket_id, Sid::new("sidC"));
    assert_eq!(connected_recovered(&outputs), Some(false));
    let frames = transmitted(&outputs);
    assert_eq!(frames.len(), 1, "only the CONNECT reply: {frames:?}");
    assert_eq!(payload(&frames[0])["sid"], "sidC");
    assert_ne!(payload(&frames[0])["pid"], pid.as_str());
}

#[test]
fn a_socket_still_has_its_rooms_when_disconnecting() {
    let (mut server, a, _b, _pid) = two_clients();
    assert_eq!(server.close_transport(at(2_000), &a), vec!["sidA".to_owned(), "r".to_owned()]);
    assert!(!server.namespace.rooms().has_room(&Room::new("r")));
}

#[test]
fn missed_packets_are_only_those_the_sessions_rooms_would_have_received() {
    let (mut server, a, b, pid) = two_clients();
    server.broadcast(at(1_000), "news", number(0), &BroadcastOptions::everyone());
    let offset = offset_of(&transmitted(&server.drain(&a))[0]);
    server.close_transport(at(2_000), &a);
    server.broadcast(at(3_000), "to-r", number(1), &BroadcastOptions::everyone().to("r"));
    server.broadcast(at(3_001), "to-other", number(2), &BroadcastOptions::everyone().to("other"));
    server.broadcast(at(3_002), "not-r", number(3), &BroadcastOptions::everyone().except("r"));
    server.broadcast(at(3_003), "to-b", number(4), &BroadcastOptions::everyone().to(&b));

    let (_, outputs) = server.connect(at(4_000), open(at(4_000), "engineA2"), &recovery_auth(&pid, &offset), "x", 3);
    let frames = transmitted(&outputs);
    assert_eq!(frames.len(), 2);
    assert!(frames[0].starts_with(r#"42["to-r",1,"#), "{frames:?}");
}

#[test]
fn broadcasts_carry_an_offset_as_last_argument_only_with_recovery_on() {
    let mut server = Server::new(&NamespaceConfig::default());
    let (a, _) = server.connect(at(0), open(at(0), "engineA"), "", "sidA", 1);
    server.broadcast(at(1_000), "news", number(7), &BroadcastOptions::everyone());
    assert_eq!(transmitted(&server.drain(&a)), vec![r#"42["news",7]"#]);
}

#[test]
fn volatile_broadcasts_are_not_recorded() {
    let (mut server, _a, _b, _pid) = two_clients();
    server.broadcast(at(1_000), "news", number(7), &BroadcastOptions::everyone().volatile());
    assert_eq!(server.namespace.recovery().map(|store| store.packet_count()), Some(0));
}

#[test]
fn a_single_socket_emit_is_recorded_for_its_own_room() {
    let (mut server, a, _b, _pid) = two_clients();
    let encoded = server.namespace.socket_emit(at(1_000), &a, "hello", Args::empty());
    assert!(encoded.text().as_str().starts_with(r#"2["hello","#), "{:?}", encoded.text());
    assert_eq!(server.namespace.recovery().map(|store| store.packet_count()), Some(1));
}

#[test]
fn an_explicit_disconnect_does_not_keep_the_session() {
    let (mut server, a, _b, _pid) = two_clients();
    server.namespace.remove_socket(at(2_000), &a, DisconnectReason::ClientNamespaceDisconnect, ());
    assert_eq!(server.namespace.recovery().map(|store| store.session_count()), Some(0));
}

#[test]
fn auth_without_pid_and_offset_strings_is_a_fresh_connect() {
    let mut namespace: Namespace = Namespace::new("/", &NamespaceConfig::default().with_recovery(Default::default()));
    let auth = socketio_proto::Json::from_serialize(&serde_json::json!({ "pid": 1, "offset": "x" })).unwrap();
    assert_eq!(namespace.connect_request(at(0), Some(&auth)), ConnectDecision::Fresh);
}

#[test]
fn recovery_is_off_by_default_and_connects_carry_no_pid() {
    let mut server = Server::new(&NamespaceConfig::default());
    let (_, outputs) = server.connect(at(0), open(at(0), "engineA"), "", "sidA", 1);
    assert_eq!(transmitted(&outputs), vec![r#"40{"sid":"sidA"}"#]);
}

#[test]
fn a_recovered_socket_can_recover_again_with_the_same_pid() {
    let (mut server, a, _b, pid) = two_clients();
    server.broadcast(at(1_000), "news", number(0), &BroadcastOptions::everyone());
    let offset = offset_of(&transmitted(&server.drain(&a))[0]);
    server.close_transport(at(2_000), &a);
    server.connect(at(3_000), open(at(3_000), "engineA2"), &recovery_auth(&pid, &offset), "x", 3);
    server.broadcast(at(4_000), "news", number(1), &BroadcastOptions::everyone());
    let offset = offset_of(&transmitted(&server.drain(&a))[0]);
    server.close_transport(at(5_000), &a);

    let (socket_id, outputs) =
        server.connect(at(6_000), open(at(6_000), "engineA3"), &recovery_auth(&pid, &offset), "y", 4);
    assert_eq!((socket_id, connected_recovered(&outputs)), (a, Some(true)));
}

#[test]
fn expired_sessions_are_dropped_when_the_namespace_timer_fires() {
    let (mut server, a, _b, _pid) = two_clients();
    server.close_transport(at(2_000), &a);
    assert_eq!(server.namespace.poll_timeout(), Some(at(2_000 + 120_001)));
    server.namespace.handle_timeout(at(2_000 + 120_001));
    assert_eq!(server.namespace.recovery().map(|store| store.session_count()), Some(0));
}

#[test]
fn accept_recovered_without_missed_packets_still_reports_a_recovered_socket() {
    let mut connection = open(at(0), "engine");
    receive(&mut connection, at(0), r#"0{"pid":"p","offset":"o"}"#);
    connection.accept_recovered(at(0), "/", Sid::new("old"), "p", &[]).unwrap();
    connection.connect_handled(&Sid::new("old"));
    let outputs = drain(&mut connection);
    assert_eq!(transmitted(&outputs), vec![r#"40{"sid":"old","pid":"p"}"#]);
    assert_eq!(connected_recovered(&outputs), Some(true));
}

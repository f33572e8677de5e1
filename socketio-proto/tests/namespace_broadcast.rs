//! The namespace as the driver sees it without recovery: rooms, broadcast
//! selection (rooms, except), the adapter operations, and broadcast acks
//! gathered across real connections (reference in-memory-adapter.js
//! `broadcast`/`broadcastWithAck`, broadcast-operator.js `emit` with ack).

mod namespace_support;

use engineio_proto::Sid;
use namespace_support::*;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::broadcast_ack::AckOutcome;
use socketio_proto::rooms::Room;
use socketio_proto::server::{DisconnectReason, NamespaceConfig};
use socketio_proto::{Args, Packet};

/// Sockets a, b, c connected on `/`; a and b in room "r".
fn three_clients() -> (Server, Sid, Sid, Sid) {
    let mut server = Server::new(&NamespaceConfig::default());
    let (a, _) = server.connect(at(0), open(at(0), "engineA"), "", "a", 1);
    let (b, _) = server.connect(at(0), open(at(0), "engineB"), "", "b", 2);
    let (c, _) = server.connect(at(0), open(at(0), "engineC"), "", "c", 3);
    server.namespace.join(&a, &Room::new("r"));
    server.namespace.join(&b, &Room::new("r"));
    (server, a, b, c)
}

fn targets(server: &mut Server, options: &BroadcastOptions) -> Vec<String> {
    let plan = server.namespace.broadcast(at(0), "ping", Args::empty(), options);
    plan.target_ids().map(|id| id.as_str().to_owned()).collect()
}

#[test]
fn a_broadcast_to_everyone_reaches_every_connected_socket_once_encoded() {
    let (mut server, a, b, c) = three_clients();
    server.broadcast(at(0), "ping", Args::empty(), &BroadcastOptions::everyone());
    for socket in [&a, &b, &c] {
        assert_eq!(transmitted(&server.drain(socket)), vec![r#"42["ping"]"#]);
    }
}

#[test]
fn a_broadcast_to_a_room_reaches_its_members_only() {
    let (mut server, ..) = three_clients();
    assert_eq!(targets(&mut server, &BroadcastOptions::everyone().to("r")), vec!["a", "b"]);
}

#[test]
fn except_leaves_out_the_members_of_the_room() {
    let (mut server, ..) = three_clients();
    assert_eq!(targets(&mut server, &BroadcastOptions::everyone().except("r")), vec!["c"]);
}

#[test]
fn socket_broadcast_leaves_out_the_sender() {
    let (mut server, a, ..) = three_clients();
    assert_eq!(targets(&mut server, &BroadcastOptions::everyone().to("r").except_sender(&a)), vec!["b"]);
}

#[test]
fn a_removed_socket_is_no_longer_a_target() {
    let (mut server, a, ..) = three_clients();
    server.close_transport(at(1), &a);
    assert_eq!(targets(&mut server, &BroadcastOptions::everyone().to("r")), vec!["b"]);
}

#[test]
fn remove_socket_returns_the_rooms_it_left() {
    let (mut server, a, ..) = three_clients();
    let rooms = server.namespace.remove_socket(at(1), &a, DisconnectReason::TransportClose, ());
    assert_eq!(rooms, vec![Room::new("a"), Room::new("r")]);
}

#[test]
fn sockets_join_adds_the_selected_sockets_to_the_rooms() {
    let (mut server, _a, _b, c) = three_clients();
    let selected = server.namespace.sockets_join(&BroadcastOptions::everyone().except("r"), &[Room::new("s")]);
    assert_eq!(selected, 1);
    assert_eq!(server.namespace.fetch_sockets(&BroadcastOptions::everyone().to("s")), vec![c]);
}

#[test]
fn sockets_leave_removes_the_selected_sockets_from_the_rooms() {
    let (mut server, ..) = three_clients();
    server.namespace.sockets_leave(&BroadcastOptions::everyone(), &[Room::new("r")]);
    assert!(!server.namespace.rooms().has_room(&Room::new("r")));
}

#[test]
fn disconnect_sockets_plans_the_selected_sockets() {
    let (mut server, a, b, _c) = three_clients();
    let plan = server.namespace.disconnect_sockets(&BroadcastOptions::everyone().to("r"), true);
    assert_eq!((plan.targets, plan.close), (vec![a, b], true));
}

#[test]
fn broadcast_acks_complete_when_every_target_answered() {
    let mut server = Server::new(&NamespaceConfig::default());
    let (a, _) = server.connect(at(0), open(at(0), "engineA"), "", "a", 1);
    let (b, _) = server.connect(at(0), open(at(0), "engineB"), "", "b", 2);
    let ack_id = server.broadcast_with_ack(at(0), "tellme", 1_000);
    server.client_acks(at(10), &b, ack_id, r#"["fromB"]"#);
    server.client_acks(at(20), &a, ack_id, r#"["fromA"]"#);
    let responses = vec![(b, Args::from_tuple(&("fromB",)).unwrap()), (a, Args::from_tuple(&("fromA",)).unwrap())];
    assert_eq!(server.namespace_timeout(at(20)), vec![(ack_id, AckOutcome::Complete(responses))]);
}

#[test]
fn broadcast_acks_time_out_listing_the_targets_that_did_not_answer() {
    let mut server = Server::new(&NamespaceConfig::default());
    let (a, _) = server.connect(at(0), open(at(0), "engineA"), "", "a", 1);
    let (b, _) = server.connect(at(0), open(at(0), "engineB"), "", "b", 2);
    let ack_id = server.broadcast_with_ack(at(0), "tellme", 1_000);
    assert_eq!(transmitted(&server.drain(&a)), vec![format!(r#"42{ack_id}["tellme"]"#)]);
    server.client_acks(at(10), &a, ack_id, r#"["fromA"]"#);
    assert_eq!(server.namespace.poll_timeout(), Some(at(1_000)));
    assert_eq!(server.namespace_timeout(at(999)), vec![]);
    let outcome =
        AckOutcome::TimedOut { responses: vec![(a, Args::from_tuple(&("fromA",)).unwrap())], missing: vec![b] };
    assert_eq!(server.namespace_timeout(at(1_000)), vec![(ack_id, outcome)]);
    assert_eq!(server.namespace_timeout(at(2_000)), vec![], "the outcome comes out once");
}

#[test]
fn a_broadcast_with_ack_and_no_target_completes_at_once() {
    let mut server = Server::new(&NamespaceConfig::default());
    let ack_id = server.broadcast_with_ack(at(0), "tellme", 1_000);
    assert_eq!(server.namespace_timeout(at(0)), vec![(ack_id, AckOutcome::Complete(vec![]))]);
}

#[test]
fn single_socket_and_broadcast_acks_share_one_counter() {
    let mut server = Server::new(&NamespaceConfig::default());
    let (a, _) = server.connect(at(0), open(at(0), "engineA"), "", "a", 1);
    let (single, encoded) = server.namespace.socket_emit_with_ack("one", Args::empty());
    server.connections.get_mut(&a).unwrap().emit_encoded_with_ack(at(0), "/", &encoded, single, None).unwrap();
    let broadcast = server.broadcast_with_ack(at(0), "many", 1_000);
    assert_ne!(single, broadcast);
    assert_eq!(server.connections[&a].pending_acks(), 2);
}

#[test]
fn the_same_ack_id_may_be_pending_on_two_namespaces_of_one_connection() {
    let mut connection = open(at(0), "engine");
    for namespace in ["/", "/admin"] {
        let connect = if namespace == "/" { "0".to_owned() } else { format!("0{namespace},") };
        receive(&mut connection, at(0), &connect);
        let socket_id = Sid::new(&format!("s{}", namespace.len()));
        connection.accept(at(0), namespace, socket_id.clone(), None).unwrap();
        connection.connect_handled(&socket_id);
    }
    let root = connection.emit_encoded_with_ack(
        at(0),
        "/",
        &Packet::event("/", "x", Args::empty(), Some(0)).encode(),
        0,
        None,
    );
    let admin = Packet::event("/admin", "x", Args::empty(), Some(0)).encode();
    let admin = connection.emit_encoded_with_ack(at(0), "/admin", &admin, 0, None);
    let (root, admin) = (root.unwrap(), admin.unwrap());
    assert_ne!(root, admin);
    drain(&mut connection);
    let outputs = receive(&mut connection, at(1), "3/admin,0[]");
    assert_eq!(
        outputs,
        vec![socketio_proto::server::Output::AckReceived {
            namespace: "/admin".into(),
            token: admin,
            args: Args::empty()
        }]
    );
    assert_eq!(connection.pending_acks(), 1);
}

#[test]
fn a_broadcast_with_compress_false_carries_the_flag_on_its_packet() {
    let (mut server, ..) = three_clients();
    let mut options = BroadcastOptions::everyone();
    options.flags.compress = Some(false);
    assert!(!server.namespace.broadcast(at(0), "ping", Args::empty(), &options).encoded.compress());
    let default = BroadcastOptions::everyone();
    assert!(server.namespace.broadcast(at(0), "ping", Args::empty(), &default).encoded.compress());
}

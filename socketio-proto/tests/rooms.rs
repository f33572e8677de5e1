//! The rooms index: membership both ways, own rooms, cleanup, and agreement
//! with a naive model under arbitrary sequences.

use proptest::prelude::*;
use socketio_proto::rooms::{Room, Rooms, SocketId};
use std::collections::{BTreeMap, BTreeSet};

fn socket(name: &str) -> SocketId {
    SocketId::new(name)
}

fn room(name: &str) -> Room {
    Room::new(name)
}

fn rooms_of(index: &Rooms, id: &SocketId) -> Vec<String> {
    index.rooms_of(id).map(|rooms| rooms.map(|room| room.as_str().to_owned()).collect()).unwrap_or_default()
}

fn member_names(index: &Rooms, name: &str) -> BTreeSet<String> {
    index.member_ids(&room(name)).map(|id| id.as_str().to_owned()).collect()
}

#[test]
fn joining_puts_the_socket_in_its_own_room_first() {
    let mut index = Rooms::new();
    index.join(&socket("a"), &room("chat"));
    assert_eq!(rooms_of(&index, &socket("a")), ["a", "chat"]);
    assert!(index.contains(&socket("a"), &Room::from(&socket("a"))));
}

#[test]
fn joining_twice_is_a_no_op() {
    let mut index = Rooms::new();
    assert!(index.join(&socket("a"), &room("chat")));
    assert!(!index.join(&socket("a"), &room("chat")));
    assert_eq!(index.members(&room("chat")).len(), 1);
}

#[test]
fn members_lists_every_socket_of_the_room() {
    let mut index = Rooms::new();
    for name in ["a", "b", "c"] {
        index.join(&socket(name), &room("chat"));
    }
    index.join(&socket("d"), &room("other"));
    assert_eq!(member_names(&index, "chat"), BTreeSet::from(["a".into(), "b".into(), "c".into()]));
}

#[test]
fn leaving_removes_only_that_membership() {
    let mut index = Rooms::new();
    index.join_all(&socket("a"), &[room("x"), room("y")]);
    assert!(index.leave(&socket("a"), &room("x")));
    assert_eq!(rooms_of(&index, &socket("a")), ["a", "y"]);
    assert!(!index.contains(&socket("a"), &room("x")));
}

#[test]
fn leaving_a_room_not_joined_reports_false() {
    let mut index = Rooms::new();
    index.join(&socket("a"), &room("x"));
    assert!(!index.leave(&socket("a"), &room("y")));
    assert!(!index.leave(&socket("b"), &room("x")));
}

#[test]
fn a_room_disappears_with_its_last_member() {
    let mut index = Rooms::new();
    index.join(&socket("a"), &room("x"));
    index.join(&socket("b"), &room("x"));
    index.leave(&socket("a"), &room("x"));
    assert!(index.has_room(&room("x")));
    index.leave(&socket("b"), &room("x"));
    assert!(!index.has_room(&room("x")));
    assert!(index.members(&room("x")).is_empty());
}

#[test]
fn leave_all_returns_the_rooms_in_join_order_and_forgets_the_socket() {
    let mut index = Rooms::new();
    index.join_all(&socket("a"), &[room("x"), room("y")]);
    index.join(&socket("b"), &room("x"));
    assert_eq!(index.leave_all(&socket("a")), [room("a"), room("x"), room("y")]);
    assert_eq!(index.len(), 1);
    assert!(index.rooms_of(&socket("a")).is_none());
    assert_eq!(index.room_names().cloned().collect::<Vec<_>>(), [room("b"), room("x")]);
}

#[test]
fn leave_all_of_an_unknown_socket_returns_nothing() {
    let mut index = Rooms::new();
    assert!(index.leave_all(&socket("ghost")).is_empty());
}

#[test]
fn a_socket_that_left_every_room_stays_registered_until_leave_all() {
    let mut index = Rooms::new();
    index.insert(&socket("a"));
    index.leave(&socket("a"), &room("a"));
    assert_eq!(index.len(), 1);
    assert_eq!(index.room_count(), 0);
}

#[test]
fn keys_are_reused_after_leave_all_and_resolve_to_the_new_socket() {
    let mut index = Rooms::new();
    let first = index.insert(&socket("a"));
    index.leave_all(&socket("a"));
    let second = index.insert(&socket("b"));
    assert_eq!(first, second);
    assert_eq!(index.id_of(second), Some(&socket("b")));
}

#[test]
fn remaining_members_survive_a_leave_from_the_middle() {
    let mut index = Rooms::new();
    for name in ["a", "b", "c", "d"] {
        index.join(&socket(name), &room("x"));
    }
    index.leave(&socket("b"), &room("x"));
    index.leave(&socket("a"), &room("x"));
    assert_eq!(member_names(&index, "x"), BTreeSet::from(["c".into(), "d".into()]));
    assert!(index.leave(&socket("d"), &room("x")));
    assert_eq!(member_names(&index, "x"), BTreeSet::from(["c".into()]));
}

#[derive(Debug, Clone)]
enum Op {
    Join(u8, u8),
    Leave(u8, u8),
    LeaveAll(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..12, 0u8..6).prop_map(|(s, r)| Op::Join(s, r)),
        3 => (0u8..12, 0u8..6).prop_map(|(s, r)| Op::Leave(s, r)),
        1 => (0u8..12).prop_map(Op::LeaveAll),
    ]
}

/// Room names: "r0".."r5", and sometimes a socket's own name "s3".
fn room_name(r: u8) -> String {
    if r == 5 {
        "s3".into()
    } else {
        format!("r{r}")
    }
}

proptest! {
    #[test]
    fn the_index_matches_a_naive_model_both_ways(ops in proptest::collection::vec(op(), 0..200)) {
        let mut index = Rooms::new();
        // socket -> rooms, room -> members
        let mut by_socket: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Join(s, r) => {
                    let s = format!("s{s}");
                    let r = room_name(r);
                    index.join(&socket(&s), &room(&r));
                    let rooms = by_socket.entry(s.clone()).or_insert_with(|| BTreeSet::from([s.clone()]));
                    rooms.insert(r);
                }
                Op::Leave(s, r) => {
                    let s = format!("s{s}");
                    let r = room_name(r);
                    let was = by_socket.get_mut(&s).is_some_and(|rooms| rooms.remove(&r));
                    prop_assert_eq!(index.leave(&socket(&s), &room(&r)), was);
                }
                Op::LeaveAll(s) => {
                    let s = format!("s{s}");
                    let left: BTreeSet<String> =
                        index.leave_all(&socket(&s)).iter().map(|room| room.as_str().to_owned()).collect();
                    prop_assert_eq!(left, by_socket.remove(&s).unwrap_or_default());
                }
            }
        }
        let mut by_room: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (s, rooms) in &by_socket {
            for r in rooms {
                by_room.entry(r.clone()).or_default().insert(s.clone());
            }
        }
        prop_assert_eq!(index.len(), by_socket.len());
        prop_assert_eq!(index.room_count(), by_room.len());
        for (s, rooms) in &by_socket {
            let actual: BTreeSet<String> = rooms_of(&index, &socket(s)).into_iter().collect();
            prop_assert_eq!(&actual, rooms);
        }
        for (r, members) in &by_room {
            prop_assert_eq!(&member_names(&index, r), members);
            prop_assert_eq!(index.members(&room(r)).len(), members.len());
        }
        let names: Vec<String> = index.room_names().map(|room| room.as_str().to_owned()).collect();
        prop_assert_eq!(names, by_room.keys().cloned().collect::<Vec<_>>());
    }
}

#[test]
fn joining_and_leaving_by_key_acts_like_by_id() {
    let mut index = Rooms::new();
    let key = index.insert(&socket("a"));
    assert!(index.join_key(key, &room("x")));
    assert!(index.contains(&socket("a"), &room("x")));
    assert!(index.leave_key(key, &room("x")));
    assert!(!index.has_room(&room("x")));
    assert!(!index.leave_key(key, &room("x")));
}

/// The last socket's departure resets the index (giving back what it grew
/// to at its peak); sockets that come after are indexed as on a new one.
#[test]
fn an_index_emptied_by_its_last_socket_serves_the_next_ones() {
    let mut index = Rooms::new();
    for name in ["a", "b", "c"] {
        index.join(&socket(name), &room("chat"));
    }
    for name in ["a", "b", "c"] {
        index.leave_all(&socket(name));
    }
    assert_eq!((index.len(), index.room_count()), (0, 0));
    index.join(&socket("d"), &room("chat"));
    index.join(&socket("e"), &room("news"));
    assert_eq!(member_names(&index, "chat"), BTreeSet::from(["d".to_owned()]));
    assert_eq!(rooms_of(&index, &socket("e")), ["e", "news"]);
    assert_eq!(index.len(), 2);
}

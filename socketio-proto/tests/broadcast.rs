//! Broadcast planning: the selection from rooms/except, the operations built
//! on it, and agreement with a naive set computation.

use proptest::prelude::*;
use socketio_proto::broadcast::{BroadcastOptions, Planner};
use socketio_proto::rooms::{Room, Rooms, SocketId};
use socketio_proto::{Args, Packet};
use std::collections::BTreeSet;

fn socket(name: &str) -> SocketId {
    SocketId::new(name)
}

fn room(name: &str) -> Room {
    Room::new(name)
}

/// a, b in "x"; b, c in "y"; d in nothing but its own room.
fn sample() -> Rooms {
    let mut index = Rooms::new();
    index.join(&socket("a"), &room("x"));
    index.join(&socket("b"), &room("x"));
    index.join(&socket("b"), &room("y"));
    index.join(&socket("c"), &room("y"));
    index.insert(&socket("d"));
    index
}

fn selected(index: &Rooms, options: &BroadcastOptions) -> Vec<String> {
    let mut planner = Planner::new();
    let keys = planner.select(index, options).to_vec();
    keys.iter().map(|&key| index.id_of(key).map(|id| id.as_str().to_owned()).unwrap_or_default()).collect()
}

fn sorted(names: Vec<String>) -> Vec<String> {
    let mut names = names;
    names.sort();
    names
}

#[test]
fn no_rooms_selects_every_socket() {
    assert_eq!(sorted(selected(&sample(), &BroadcastOptions::everyone())), ["a", "b", "c", "d"]);
}

#[test]
fn one_room_selects_its_members() {
    assert_eq!(sorted(selected(&sample(), &BroadcastOptions::everyone().to("x"))), ["a", "b"]);
}

#[test]
fn a_socket_in_two_target_rooms_is_selected_once() {
    let options = BroadcastOptions::everyone().to("x").to("y");
    assert_eq!(sorted(selected(&sample(), &options)), ["a", "b", "c"]);
}

#[test]
fn members_of_an_except_room_are_left_out() {
    let options = BroadcastOptions::everyone().to("x").to("y").except("y");
    assert_eq!(selected(&sample(), &options), ["a"]);
}

#[test]
fn except_applies_to_everyone_broadcasts() {
    let options = BroadcastOptions::everyone().except("x");
    assert_eq!(sorted(selected(&sample(), &options)), ["c", "d"]);
}

#[test]
fn a_socket_id_is_a_room_reaching_that_socket() {
    let options = BroadcastOptions::everyone().to(Room::from(&socket("d")));
    assert_eq!(selected(&sample(), &options), ["d"]);
}

#[test]
fn except_sender_reaches_everyone_but_the_sender() {
    let options = BroadcastOptions::everyone().to("x").except_sender(&socket("a"));
    assert_eq!(selected(&sample(), &options), ["b"]);
}

#[test]
fn an_unknown_room_selects_nobody() {
    assert!(selected(&sample(), &BroadcastOptions::everyone().to("nowhere")).is_empty());
}

#[test]
fn the_order_follows_the_rooms_given_then_the_members() {
    let index = sample();
    let first = selected(&index, &BroadcastOptions::everyone().to("y").to("x"));
    assert_eq!(first.last().map(String::as_str), Some("a"));
    assert_eq!(first, selected(&index, &BroadcastOptions::everyone().to("y").to("x")));
}

#[test]
fn a_planner_reused_across_selections_starts_each_afresh() {
    let index = sample();
    let mut planner = Planner::new();
    let options = BroadcastOptions::everyone().to("x").to("y");
    let first = planner.select(&index, &options).len();
    let second = planner.select(&index, &options).len();
    assert_eq!((first, second), (3, 3));
}

#[test]
fn broadcast_pairs_the_encoded_packet_with_the_targets_and_flags() {
    let index = sample();
    let encoded = Packet::event("/", "news", Args::empty(), None).encode();
    let mut planner = Planner::new();
    let options = BroadcastOptions::everyone().to("y").volatile();
    let broadcast = planner.broadcast(&index, &options, encoded.clone());
    assert_eq!(broadcast.encoded, encoded);
    assert_eq!(broadcast.targets.len(), 2);
    assert!(broadcast.flags.volatile);
}

#[test]
fn fetch_sockets_returns_the_selected_ids() {
    let mut planner = Planner::new();
    let ids = planner.fetch_sockets(&sample(), &BroadcastOptions::everyone().to("y").except("x"));
    assert_eq!(ids, [socket("c")]);
}

#[test]
fn sockets_join_adds_the_selected_sockets_to_the_rooms() {
    let mut index = sample();
    let mut planner = Planner::new();
    let count = planner.sockets_join(&mut index, &BroadcastOptions::everyone().to("y"), &[room("z")]);
    assert_eq!(count, 2);
    assert_eq!(sorted(selected(&index, &BroadcastOptions::everyone().to("z"))), ["b", "c"]);
}

#[test]
fn sockets_leave_removes_the_selected_sockets_from_the_rooms() {
    let mut index = sample();
    let mut planner = Planner::new();
    planner.sockets_leave(&mut index, &BroadcastOptions::everyone().except("y"), &[room("x")]);
    assert_eq!(selected(&index, &BroadcastOptions::everyone().to("x")), ["b"]);
}

#[test]
fn disconnect_sockets_lists_the_selected_sockets_and_the_close_flag() {
    let mut planner = Planner::new();
    let plan = planner.disconnect_sockets(&sample(), &BroadcastOptions::everyone().to("x").except("y"), true);
    assert_eq!(plan.targets, [socket("a")]);
    assert!(plan.close);
}

#[test]
fn reaches_matches_the_selection_for_a_socket_rooms() {
    let options = BroadcastOptions::everyone().to("x").except("y");
    assert!(options.reaches(&[room("a"), room("x")]));
    assert!(!options.reaches(&[room("b"), room("x"), room("y")]));
    assert!(!options.reaches(&[room("c"), room("y")]));
}

fn membership() -> impl Strategy<Value = Vec<Vec<u8>>> {
    // For each of up to 20 sockets, the rooms (0..5) it joins.
    proptest::collection::vec(proptest::collection::vec(0u8..5, 0..4), 0..20)
}

proptest! {
    #[test]
    fn targets_equal_the_naive_set_computation(
        joins in membership(),
        leaves in proptest::collection::vec(0usize..20, 0..5),
        to in proptest::collection::vec(0u8..6, 0..4),
        except in proptest::collection::vec(0u8..6, 0..3),
    ) {
        let mut index = Rooms::new();
        let mut model: Vec<(String, BTreeSet<String>)> = Vec::new();
        for (n, rooms) in joins.iter().enumerate() {
            let id = format!("s{n}");
            index.insert(&socket(&id));
            let mut set = BTreeSet::from([id.clone()]);
            for r in rooms {
                index.join(&socket(&id), &room(&format!("r{r}")));
                set.insert(format!("r{r}"));
            }
            model.push((id, set));
        }
        for n in leaves {
            let id = format!("s{n}");
            index.leave_all(&socket(&id));
            model.retain(|(s, _)| *s != id);
        }
        // Room 5 names a socket's own room.
        let name = |r: &u8| if *r == 5 { "s1".to_owned() } else { format!("r{r}") };
        let mut options = BroadcastOptions::everyone();
        options.rooms = to.iter().map(|r| room(&name(r))).collect();
        options.except = except.iter().map(|r| room(&name(r))).collect();

        let expected: BTreeSet<String> = model
            .iter()
            .filter(|(_, rooms)| options.rooms.is_empty() || options.rooms.iter().any(|r| rooms.contains(r.as_str())))
            .filter(|(_, rooms)| !options.except.iter().any(|r| rooms.contains(r.as_str())))
            .map(|(id, _)| id.clone())
            .collect();
        // One planner for two selections: the first (rooms and except
        // swapped) must leave no trace in the second.
        let mut planner = Planner::new();
        let swapped = BroadcastOptions { rooms: options.except.clone(), except: options.rooms.clone(), ..options.clone() };
        planner.select(&index, &swapped);
        let actual: Vec<String> = planner
            .select(&index, &options)
            .iter()
            .map(|&key| index.id_of(key).map(|id| id.as_str().to_owned()).unwrap_or_default())
            .collect();
        let unique: BTreeSet<String> = actual.iter().cloned().collect();
        prop_assert_eq!(unique.len(), actual.len(), "a target selected twice: {:?}", actual);
        prop_assert_eq!(unique, expected);
    }
}

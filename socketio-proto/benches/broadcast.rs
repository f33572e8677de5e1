//! The shared per-namespace structures: rooms index join/leave, and planning
//! a broadcast over 1 000 and 10 000 sockets, with a naive
//! `BTreeMap<room, BTreeSet<socket id>>` selection as the baseline.

use divan::{black_box, Bencher};
use socketio_proto::broadcast::{BroadcastOptions, Planner};
use socketio_proto::rooms::{Room, Rooms, SocketId};
use socketio_proto::{Args, Packet};
use std::collections::{BTreeMap, BTreeSet};

fn main() {
    divan::main();
}

const SIZES: [usize; 2] = [1_000, 10_000];

fn ids(count: usize) -> Vec<SocketId> {
    (0..count)
        .map(|n| {
            let mut random = [0u8; 15];
            random[..8].copy_from_slice(&(n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
            SocketId::from_random(random)
        })
        .collect()
}

/// Every socket in its own room, in "all", in "odd" or "even", and in one of
/// 100 small rooms.
fn populated(ids: &[SocketId]) -> Rooms {
    let mut index = Rooms::new();
    for (n, id) in ids.iter().enumerate() {
        index.join(id, &Room::new("all"));
        index.join(id, &Room::new(if n % 2 == 1 { "odd" } else { "even" }));
        index.join(id, &Room::from(format!("group-{}", n % 100)));
    }
    index
}

fn naive(ids: &[SocketId]) -> BTreeMap<String, BTreeSet<SocketId>> {
    let mut rooms: BTreeMap<String, BTreeSet<SocketId>> = BTreeMap::new();
    for (n, id) in ids.iter().enumerate() {
        for room in [id.as_str().to_owned(), "all".into(), (if n % 2 == 1 { "odd" } else { "even" }).into()] {
            rooms.entry(room).or_default().insert(id.clone());
        }
    }
    rooms
}

/// "lobby" is created by the join and removed by the leave.
#[divan::bench(args = SIZES)]
fn join_then_leave_a_room(bencher: Bencher, size: usize) {
    let ids = ids(size);
    let mut index = populated(&ids);
    let room = Room::new("lobby");
    let mut next = 0;
    bencher.bench_local(|| {
        let id = &ids[next % size];
        next += 1;
        index.join(id, &room);
        index.leave(id, &room)
    });
}

/// The room exists before and after (no room creation or removal).
#[divan::bench(args = SIZES)]
fn join_then_leave_a_populated_room(bencher: Bencher, size: usize) {
    let ids = ids(size);
    let mut index = populated(&ids);
    let room = Room::new("odd");
    let mut next = 0;
    bencher.bench_local(|| {
        let id = &ids[(next * 2) % size];
        next += 1;
        index.join(id, &room);
        index.leave(id, &room)
    });
}

#[divan::bench(args = SIZES)]
fn disconnect_and_reconnect_a_socket_in_four_rooms(bencher: Bencher, size: usize) {
    let ids = ids(size);
    let mut index = populated(&ids);
    let rooms = [Room::new("all"), Room::new("odd"), Room::new("group-1")];
    let mut next = 0;
    bencher.bench_local(|| {
        let id = &ids[next % size];
        next += 1;
        let left = index.leave_all(id);
        index.join_all(id, &rooms);
        left
    });
}

#[divan::bench(args = SIZES)]
fn plan_one_room(bencher: Bencher, size: usize) {
    let index = populated(&ids(size));
    let mut planner = Planner::new();
    let options = BroadcastOptions::everyone().to("all");
    bencher.bench_local(|| planner.select(&index, black_box(&options)).len());
}

#[divan::bench(args = SIZES)]
fn plan_one_room_except_another(bencher: Bencher, size: usize) {
    let index = populated(&ids(size));
    let mut planner = Planner::new();
    let options = BroadcastOptions::everyone().to("all").except("odd");
    bencher.bench_local(|| planner.select(&index, black_box(&options)).len());
}

#[divan::bench(args = SIZES)]
fn plan_two_overlapping_rooms(bencher: Bencher, size: usize) {
    let index = populated(&ids(size));
    let mut planner = Planner::new();
    let options = BroadcastOptions::everyone().to("even").to("all");
    bencher.bench_local(|| planner.select(&index, black_box(&options)).len());
}

#[divan::bench(args = SIZES)]
fn plan_everyone_except_the_sender(bencher: Bencher, size: usize) {
    let ids = ids(size);
    let index = populated(&ids);
    let mut planner = Planner::new();
    let options = BroadcastOptions::everyone().except_sender(&ids[0]);
    bencher.bench_local(|| planner.select(&index, black_box(&options)).len());
}

/// Planning plus one clone of the encoded packet per target: what a driver
/// does before handing the packet to each connection.
#[divan::bench(args = SIZES)]
fn plan_and_clone_the_packet_per_target(bencher: Bencher, size: usize) {
    let index = populated(&ids(size));
    let mut planner = Planner::new();
    let options = BroadcastOptions::everyone().to("all").except("odd");
    let encoded = Packet::event("/", "news", Args::from_tuple(&("hello", 1)).unwrap(), None).encode();
    let mut outbox = Vec::with_capacity(size);
    bencher.bench_local(|| {
        outbox.clear();
        let broadcast = planner.broadcast(&index, &options, encoded.clone());
        outbox.extend(broadcast.targets.iter().map(|&key| (key, broadcast.encoded.clone())));
        outbox.len()
    });
}

/// Baseline: the reference's algorithm over ordered sets of ids.
#[divan::bench(args = SIZES)]
fn naive_plan_one_room_except_another(bencher: Bencher, size: usize) {
    let rooms = naive(&ids(size));
    let mut out: Vec<SocketId> = Vec::with_capacity(size);
    bencher.bench_local(|| {
        out.clear();
        let except: BTreeSet<&SocketId> = rooms.get("odd").into_iter().flatten().collect();
        let mut seen: BTreeSet<&SocketId> = BTreeSet::new();
        for id in rooms.get("all").into_iter().flatten() {
            if !except.contains(id) && seen.insert(id) {
                out.push(id.clone());
            }
        }
        out.len()
    });
}

/// Baseline: join then leave with ordered sets both ways.
#[divan::bench(args = SIZES)]
fn naive_join_then_leave_a_room(bencher: Bencher, size: usize) {
    let ids = ids(size);
    let mut rooms = naive(&ids);
    let mut sids: BTreeMap<SocketId, BTreeSet<String>> = BTreeMap::new();
    let mut next = 0;
    bencher.bench_local(|| {
        let id = &ids[next % size];
        next += 1;
        sids.entry(id.clone()).or_default().insert("lobby".into());
        rooms.entry("lobby".into()).or_default().insert(id.clone());
        if let Some(joined) = sids.get_mut(id) {
            joined.remove("lobby");
        }
        if let Some(members) = rooms.get_mut("lobby") {
            members.remove(id);
            if members.is_empty() {
                rooms.remove("lobby");
            }
        }
    });
}

//! Connection state recovery: sessions, stored packets, offsets, expiry and the cap.

use core::time::Duration;
use engineio_proto::Instant;
use socketio_proto::broadcast::{BroadcastFlags, BroadcastOptions};
use socketio_proto::recovery::{
    append_offset, is_recordable, is_recoverable, Offset, OffsetGenerator, Pid, RecoveryConfig, RecoveryError,
    RecoveryStore, SessionSnapshot,
};
use socketio_proto::rooms::{Room, SocketId};
use socketio_proto::{Args, Encoded, Packet};

fn at(millis: u64) -> Instant {
    Instant::from_millis(millis)
}

fn pid() -> Pid {
    Pid::new("pid-1")
}

/// A socket "s1" in rooms "s1" and "x", with some data.
fn snapshot() -> SessionSnapshot<&'static str> {
    SessionSnapshot { sid: SocketId::new("s1"), rooms: vec![Room::new("s1"), Room::new("x")], data: "data" }
}

fn event(text: &str) -> Encoded {
    Packet::event("/", text.to_owned(), Args::empty(), None).encode()
}

/// Records `text` broadcast with `options` and returns its offset.
fn record(store: &mut RecoveryStore<&'static str>, text: &str, options: &BroadcastOptions, now: u64) -> Offset {
    let offset = store.next_offset(at(now));
    store.record_packet(offset.clone(), event(text), options, at(now)).unwrap();
    offset
}

fn texts(missed: &[Encoded]) -> Vec<String> {
    missed.iter().map(|encoded| encoded.text().as_str().to_owned()).collect()
}

fn store() -> RecoveryStore<&'static str> {
    RecoveryStore::new(RecoveryConfig::default())
}

#[test]
fn the_defaults_follow_the_reference() {
    let config = RecoveryConfig::default();
    assert_eq!(config.max_disconnection_duration, Duration::from_secs(120));
    assert!(config.skip_middlewares);
    assert_eq!(config.max_packets, 10_000);
}

#[test]
fn transport_and_server_side_closes_are_recoverable_but_explicit_disconnects_are_not() {
    for reason in [
        "transport error",
        "transport close",
        "forced close",
        "ping timeout",
        "server shutting down",
        "forced server close",
    ] {
        assert!(is_recoverable(reason), "{reason}");
    }
    for reason in ["client namespace disconnect", "server namespace disconnect", "parse error"] {
        assert!(!is_recoverable(reason), "{reason}");
    }
}

#[test]
fn only_events_without_ack_that_are_not_volatile_are_recordable() {
    let plain = Packet::event("/", "e", Args::empty(), None);
    let with_ack = Packet::event("/", "e", Args::empty(), Some(3));
    let volatile = BroadcastFlags { volatile: true, ..BroadcastFlags::default() };
    assert!(is_recordable(&plain, &BroadcastFlags::default()));
    assert!(!is_recordable(&with_ack, &BroadcastFlags::default()));
    assert!(!is_recordable(&plain, &volatile));
    assert!(!is_recordable(&Packet::disconnect("/"), &BroadcastFlags::default()));
}

#[test]
fn offsets_are_the_time_in_base64_then_a_counter_within_the_same_millisecond() {
    let mut offsets = OffsetGenerator::new();
    assert_eq!(offsets.next(at(64 * 64 + 65)).as_str(), "111");
    assert_eq!(offsets.next(at(64 * 64 + 65)).as_str(), "111.0");
    assert_eq!(offsets.next(at(64 * 64 + 65)).as_str(), "111.1");
    assert_eq!(offsets.next(at(63)).as_str(), "_");
}

#[test]
fn the_offset_is_appended_as_the_last_argument() {
    let args = Args::builder().arg("hello").unwrap().arg(&1).unwrap().build();
    let with_offset = append_offset(&args, &Offset::new("MyOff"));
    let packet = Packet::event("/", "news", with_offset, None).encode();
    assert_eq!(packet.text().as_str(), r#"2["news","hello",1,"MyOff"]"#);
}

#[test]
fn the_offset_is_the_only_argument_of_an_event_without_arguments() {
    let packet = Packet::event("/", "ping", append_offset(&Args::empty(), &Offset::new("o")), None).encode();
    assert_eq!(packet.text().as_str(), r#"2["ping","o"]"#);
}

#[test]
fn restore_returns_the_snapshot_and_the_packets_after_the_offset() {
    let mut store = store();
    let seen = record(&mut store, "seen", &BroadcastOptions::everyone(), 1);
    store.persist_session(pid(), snapshot(), at(2));
    record(&mut store, "missed-1", &BroadcastOptions::everyone(), 3);
    record(&mut store, "missed-2", &BroadcastOptions::everyone().to("x"), 4);
    let restored = store.restore(&pid(), &seen, at(5)).unwrap();
    assert_eq!(restored.snapshot, snapshot());
    assert_eq!(texts(&restored.missed), [r#"2["missed-1"]"#, r#"2["missed-2"]"#]);
}

#[test]
fn restore_leaves_out_packets_for_other_rooms_or_excluding_the_session() {
    let mut store = store();
    let seen = record(&mut store, "seen", &BroadcastOptions::everyone(), 1);
    store.persist_session(pid(), snapshot(), at(1));
    record(&mut store, "other-room", &BroadcastOptions::everyone().to("y"), 2);
    record(&mut store, "excluded", &BroadcastOptions::everyone().except("x"), 2);
    record(&mut store, "to-me", &BroadcastOptions::everyone().to("s1"), 2);
    let restored = store.restore(&pid(), &seen, at(3)).unwrap();
    assert_eq!(texts(&restored.missed), [r#"2["to-me"]"#]);
}

#[test]
fn an_unknown_pid_is_not_restored() {
    let mut store = store();
    let seen = record(&mut store, "seen", &BroadcastOptions::everyone(), 1);
    assert!(store.restore(&Pid::new("nobody"), &seen, at(2)).is_none());
}

#[test]
fn an_unknown_offset_is_not_restored() {
    let mut store = store();
    record(&mut store, "seen", &BroadcastOptions::everyone(), 1);
    store.persist_session(pid(), snapshot(), at(1));
    assert!(store.restore(&pid(), &Offset::new("never-sent"), at(2)).is_none());
}

#[test]
fn a_session_is_restorable_for_exactly_the_max_disconnection_duration() {
    let mut store = store();
    let seen = record(&mut store, "seen", &BroadcastOptions::everyone(), 0);
    store.persist_session(pid(), snapshot(), at(0));
    assert!(store.restore(&pid(), &seen, at(120_000)).is_some());

    let mut store = store_with_session_at(0, &seen);
    assert!(store.restore(&pid(), &seen, at(120_001)).is_none());
    assert_eq!(store.session_count(), 0);
}

fn store_with_session_at(millis: u64, offset: &Offset) -> RecoveryStore<&'static str> {
    let mut store = store();
    store.record_packet(offset.clone(), event("seen"), &BroadcastOptions::everyone(), at(millis)).unwrap();
    store.persist_session(pid(), snapshot(), at(millis));
    store
}

#[test]
fn a_restored_session_cannot_be_restored_again() {
    let mut store = store();
    let seen = record(&mut store, "seen", &BroadcastOptions::everyone(), 1);
    store.persist_session(pid(), snapshot(), at(1));
    assert!(store.restore(&pid(), &seen, at(2)).is_some());
    assert!(store.restore(&pid(), &seen, at(2)).is_none());
}

#[test]
fn persisting_again_replaces_the_session_and_its_expiry() {
    let mut store = store();
    store.persist_session(pid(), snapshot(), at(0));
    store.persist_session(pid(), snapshot(), at(50_000));
    assert_eq!(store.session_count(), 1);
    assert_eq!(store.poll_timeout(), Some(at(170_001)));
}

#[test]
fn handle_timeout_expires_sessions_and_packets_after_the_max_duration() {
    let mut store = store();
    record(&mut store, "old", &BroadcastOptions::everyone(), 0);
    store.persist_session(pid(), snapshot(), at(10));
    record(&mut store, "new", &BroadcastOptions::everyone(), 20);
    assert_eq!(store.poll_timeout(), Some(at(120_001)));
    store.handle_timeout(at(120_001));
    assert_eq!((store.session_count(), store.packet_count()), (1, 1));
    assert_eq!(store.poll_timeout(), Some(at(120_011)));
    store.handle_timeout(at(120_021));
    assert_eq!((store.session_count(), store.packet_count()), (0, 0));
    assert_eq!(store.poll_timeout(), None);
}

#[test]
fn a_spurious_handle_timeout_changes_nothing() {
    let mut store = store();
    record(&mut store, "p", &BroadcastOptions::everyone(), 0);
    store.persist_session(pid(), snapshot(), at(0));
    store.handle_timeout(at(5));
    assert_eq!((store.session_count(), store.packet_count()), (1, 1));
}

#[test]
fn at_the_cap_the_oldest_packet_is_dropped_and_its_offset_no_longer_restores() {
    let config = RecoveryConfig { max_packets: 2, ..RecoveryConfig::default() };
    let mut store = RecoveryStore::new(config);
    let first = record(&mut store, "1", &BroadcastOptions::everyone(), 1);
    let second = record(&mut store, "2", &BroadcastOptions::everyone(), 2);
    store.persist_session(pid(), snapshot(), at(2));
    record(&mut store, "3", &BroadcastOptions::everyone(), 3);
    assert_eq!(store.packet_count(), 2);
    assert!(store.restore(&pid(), &first, at(4)).is_none());
    let restored = store.restore(&pid(), &second, at(4)).unwrap();
    assert_eq!(texts(&restored.missed), [r#"2["3"]"#]);
}

#[test]
fn a_duplicate_offset_is_refused() {
    let mut store = store();
    let offset = record(&mut store, "1", &BroadcastOptions::everyone(), 1);
    let again = store.record_packet(offset.clone(), event("2"), &BroadcastOptions::everyone(), at(1));
    assert_eq!(again, Err(RecoveryError::DuplicateOffset { offset }));
    assert_eq!(store.packet_count(), 1);
}

#[test]
fn a_zero_cap_stores_no_packet() {
    let mut store = RecoveryStore::<()>::new(RecoveryConfig { max_packets: 0, ..RecoveryConfig::default() });
    let offset = store.next_offset(at(1));
    store.record_packet(offset, event("1"), &BroadcastOptions::everyone(), at(1)).unwrap();
    assert_eq!(store.packet_count(), 0);
}

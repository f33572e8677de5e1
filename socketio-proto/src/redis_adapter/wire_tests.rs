//! The adapter wire against bytes `notepack.io` 3 wrote (the reference
//! adapter's encoder), and round trips.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;
use core::time::Duration;
use engineio_proto::Instant;
use proptest::prelude::*;

use super::*;
use crate::broadcast::BroadcastOptions;
use crate::json::Json;
use crate::packet::EventName;
use crate::Args;

fn hex(text: &str) -> Bytes {
    let bytes: Vec<u8> =
        (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap_or_default()).collect();
    Bytes::from(bytes)
}

/// notepack.encode(["abc123", {type: 2, data: ["hello", "world", 1, {a: Buffer.from([1,2,3])}, 1.5], nsp: "/"},
/// {rooms: ["room1"], except: ["room2"], flags: {}}])
const NODE_BROADCAST: &str = "93a661626331323383a47479706502a46461746195a568656c6c6fa5776f726c640181a161c403010203cb3ff8000000000000a36e7370a12f83a5726f6f6d7391a5726f6f6d31a665786365707491a5726f6f6d32a5666c61677380";
/// notepack.encode(["abc123", {type: 2, data: ["tick", -5, null, true], nsp: "/chat"},
/// {rooms: [], except: [], flags: {volatile: true}}])
const NODE_VOLATILE_BROADCAST: &str = "93a661626331323383a47479706502a46461746194a47469636bfbc0c3a36e7370a52f6368617483a5726f6f6d7390a665786365707490a5666c61677381a8766f6c6174696c65c3";
/// The BROADCAST request of `io.timeout(2000).emit("question", "q", ack)`.
const NODE_BROADCAST_WITH_ACK: &str = "85a3756964a6616263313233a9726571756573744964a6726571303031a47479706507a67061636b657483a47479706502a46461746192a87175657374696f6ea171a36e7370a12fa46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd07d0";
/// notepack.encode({type: 9, requestId: "req001", packet: "answer"})
const NODE_BROADCAST_ACK: &str = "83a47479706509a9726571756573744964a6726571303031a67061636b6574a6616e73776572";
/// notepack.encode({type: 9, requestId: "req001", packet: undefined}): a client acked with no argument.
const NODE_BROADCAST_ACK_UNDEFINED: &str = "83a47479706509a9726571756573744964a6726571303031a67061636b6574d40000";

fn args_with_binary() -> Args {
    #[derive(serde::Serialize)]
    struct WithBinary {
        a: crate::Binary,
    }
    let nested = WithBinary { a: crate::Binary(Bytes::from_static(&[1, 2, 3])) };
    Args::from_tuple(&("world", 1, nested, 1.5)).unwrap_or_else(|_| Args::empty())
}

#[test]
fn a_node_broadcast_decodes_with_its_rooms_and_binary_argument() {
    let message = BroadcastMessage::decode(&hex(NODE_BROADCAST)).expect("decodes");
    assert_eq!(message.uid, "abc123");
    assert_eq!(message.packet.namespace.as_str(), "/");
    assert_eq!(message.packet.event, EventName::from("hello"));
    assert_eq!(message.packet.args.json().as_str(), r#""world",1,{"a":{"_placeholder":true,"num":0}},1.5"#);
    assert_eq!(message.packet.args.attachments(), &[Bytes::from_static(&[1, 2, 3])]);
    assert_eq!(message.options, BroadcastOptions::everyone().to("room1").except("room2"));
}

#[test]
fn a_broadcast_encodes_byte_for_byte_as_the_node_adapter_does() {
    let options = BroadcastOptions::everyone().to("room1").except("room2");
    let encoded = BroadcastMessage::encode("abc123", "/", &EventName::from("hello"), &args_with_binary(), &options);
    assert_eq!(encoded.expect("encodes"), hex(NODE_BROADCAST));
}

#[test]
fn a_volatile_broadcast_carries_its_flag_both_ways() {
    let message = BroadcastMessage::decode(&hex(NODE_VOLATILE_BROADCAST)).expect("decodes");
    assert!(message.options.flags.volatile);
    assert_eq!(message.packet.namespace.as_str(), "/chat");
    assert_eq!(message.packet.args.json().as_str(), "-5,null,true");
    let encoded =
        BroadcastMessage::encode("abc123", "/chat", &message.packet.event, &message.packet.args, &message.options);
    assert_eq!(encoded.expect("encodes"), hex(NODE_VOLATILE_BROADCAST));
}

#[test]
fn a_node_broadcast_with_ack_request_round_trips_byte_for_byte() {
    let request = Request::decode(&hex(NODE_BROADCAST_WITH_ACK)).expect("decodes");
    let Request::BroadcastWithAck { uid, request_id, packet, options } = &request else {
        panic!("not a broadcast with ack: {request:?}");
    };
    assert_eq!((uid.as_str(), request_id.as_str()), ("abc123", "req001"));
    assert_eq!(packet.event, EventName::from("question"));
    assert_eq!(options.flags.timeout, Some(Duration::from_millis(2000)));
    assert_eq!(request.encode().expect("encodes"), hex(NODE_BROADCAST_WITH_ACK));
}

#[test]
fn client_acks_of_a_broadcast_round_trip_byte_for_byte() {
    let response = Response::decode(&hex(NODE_BROADCAST_ACK)).expect("decodes");
    let expected_arg = Args::from_tuple(&("answer",)).expect("args");
    assert_eq!(response, Response::BroadcastAck { request_id: "req001".to_string(), arg: expected_arg });
    assert_eq!(response.encode().expect("encodes"), hex(NODE_BROADCAST_ACK));
    let empty = Response::decode(&hex(NODE_BROADCAST_ACK_UNDEFINED)).expect("decodes");
    assert_eq!(empty, Response::BroadcastAck { request_id: "req001".to_string(), arg: Args::empty() });
    assert_eq!(empty.encode().expect("encodes"), hex(NODE_BROADCAST_ACK_UNDEFINED));
}

#[test]
fn json_requests_are_written_as_the_node_adapter_writes_them() {
    let options = BroadcastOptions::everyone().to("a").except("b");
    let cases: Vec<(Request, &str)> = vec![
        (
            Request::FetchSockets { uid: "u1".into(), request_id: "r1".into(), options: options.clone() },
            r#"{"uid":"u1","requestId":"r1","type":5,"opts":{"rooms":["a"],"except":["b"]}}"#,
        ),
        (
            Request::SocketsJoin { uid: "u1".into(), options: options.clone(), rooms: vec!["c".into()] },
            r#"{"uid":"u1","type":2,"opts":{"rooms":["a"],"except":["b"]},"rooms":["c"]}"#,
        ),
        (
            Request::SocketsLeave { uid: "u1".into(), options: options.clone(), rooms: vec!["c".into()] },
            r#"{"uid":"u1","type":3,"opts":{"rooms":["a"],"except":["b"]},"rooms":["c"]}"#,
        ),
        (
            Request::DisconnectSockets { uid: "u1".into(), options, close: true },
            r#"{"uid":"u1","type":4,"opts":{"rooms":["a"],"except":["b"]},"close":true}"#,
        ),
        (Request::AllRooms { uid: "u1".into(), request_id: "r1".into() }, r#"{"uid":"u1","requestId":"r1","type":1}"#),
        (
            Request::ServerSideEmit {
                uid: "u1".into(),
                request_id: Some("r1".into()),
                event: "ping".into(),
                args: Args::from_tuple(&(1, "x")).expect("args"),
            },
            r#"{"uid":"u1","requestId":"r1","type":6,"data":["ping",1,"x"]}"#,
        ),
    ];
    for (request, json) in cases {
        let encoded = request.encode().expect("encodes");
        assert_eq!(core::str::from_utf8(&encoded).ok(), Some(json));
        assert_eq!(Request::decode(&encoded).expect("decodes"), request);
    }
}

#[test]
fn json_responses_are_written_as_the_node_adapter_writes_them() {
    let details = SocketDetails {
        id: "s1".into(),
        handshake: Json::from_serialize(&serde_json::json!({"auth": {}})).expect("json"),
        rooms: vec!["s1".into(), "room".into()],
        data: Json::from_serialize(&serde_json::json!({"name": "x"})).expect("json"),
    };
    let cases: Vec<(Response, &str)> = vec![
        (
            Response::FetchSockets { request_id: "r1".into(), sockets: vec![details] },
            r#"{"requestId":"r1","sockets":[{"id":"s1","handshake":{"auth":{}},"rooms":["s1","room"],"data":{"name":"x"}}]}"#,
        ),
        (
            Response::AllRooms { request_id: "r1".into(), rooms: vec!["a".into()] },
            r#"{"requestId":"r1","rooms":["a"]}"#,
        ),
        (
            Response::Sockets { request_id: "r1".into(), sockets: vec!["s1".into()] },
            r#"{"requestId":"r1","sockets":["s1"]}"#,
        ),
        (
            Response::ServerSideEmitAck {
                request_id: "r1".into(),
                data: Some(Json::from_serialize(&2).expect("json")),
            },
            r#"{"type":6,"requestId":"r1","data":2}"#,
        ),
        (Response::ServerSideEmitAck { request_id: "r1".into(), data: None }, r#"{"type":6,"requestId":"r1"}"#),
        (
            Response::BroadcastClientCount { request_id: "r1".into(), client_count: 3 },
            r#"{"type":8,"requestId":"r1","clientCount":3}"#,
        ),
    ];
    for (response, json) in cases {
        let encoded = response.encode().expect("encodes");
        assert_eq!(core::str::from_utf8(&encoded).ok(), Some(json));
        assert_eq!(Response::decode(&encoded).expect("decodes"), response);
    }
}

#[test]
fn a_server_side_emit_with_binary_is_refused_as_json_cannot_carry_it() {
    let args = Args::builder().binary(Bytes::from_static(b"x")).build();
    let request = Request::ServerSideEmit { uid: "u".into(), request_id: None, event: "e".into(), args };
    assert_eq!(request.encode(), Err(EncodeError::BinaryInJson));
}

#[test]
fn the_single_socket_forms_of_old_adapters_are_reported_unsupported() {
    let old = Bytes::from_static(br#"{"uid":"u","requestId":"r","type":2,"sid":"s","room":"x"}"#);
    assert!(matches!(Request::decode(&old), Err(DecodeError::Unsupported { .. })));
}

#[test]
fn garbage_is_refused_without_panicking() {
    for bytes in [&b""[..], b"{", b"\x93\xa1u", b"{\"uid\":1}", b"\xc1", b"{\"uid\":\"u\",\"type\":42}"] {
        assert!(Request::decode(&Bytes::copy_from_slice(bytes)).is_err());
        assert!(Response::decode(&Bytes::copy_from_slice(bytes)).is_err());
        assert!(BroadcastMessage::decode(&Bytes::copy_from_slice(bytes)).is_err());
    }
}

fn at(millis: u64) -> Instant {
    Instant::from_millis(millis)
}

#[test]
fn a_fetch_completes_once_every_other_server_answered() {
    let mut requests = PendingRequests::new();
    requests.start("r".into(), RequestKind::FetchSockets, 2, at(5000));
    let answer = |id: &str| Response::FetchSockets {
        request_id: "r".into(),
        sockets: vec![SocketDetails {
            id: id.into(),
            handshake: Json::from_serialize(&()).expect("json"),
            rooms: vec![id.into()],
            data: Json::from_serialize(&()).expect("json"),
        }],
    };
    assert!(requests.handle_response(answer("a")));
    assert_eq!(requests.poll_outcome(), None);
    assert!(requests.handle_response(answer("b")));
    let Some((id, RequestOutcome::Complete(Responses::Sockets(sockets)))) = requests.poll_outcome() else {
        panic!("not complete");
    };
    assert_eq!(id, "r");
    assert_eq!(sockets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert!(!requests.handle_response(answer("late")), "a finished request takes no answer");
}

#[test]
fn a_request_with_no_other_server_completes_at_once() {
    let mut requests = PendingRequests::new();
    requests.start("r".into(), RequestKind::ServerSideEmit, 0, at(5000));
    assert_eq!(requests.poll_outcome(), Some(("r".into(), RequestOutcome::Complete(Responses::ServerAcks(vec![])))));
    assert_eq!(requests.poll_timeout(), None);
}

#[test]
fn a_request_times_out_at_its_deadline_with_what_arrived() {
    let mut requests = PendingRequests::new();
    requests.start("r".into(), RequestKind::ServerSideEmit, 2, at(5000));
    requests.handle_response(Response::ServerSideEmitAck { request_id: "r".into(), data: None });
    assert_eq!(requests.poll_timeout(), Some(at(5000)));
    requests.handle_timeout(at(4999));
    assert_eq!(requests.poll_outcome(), None);
    requests.handle_timeout(at(5000));
    let outcome = RequestOutcome::TimedOut { responses: Responses::ServerAcks(vec![None]), answered: 1, expected: 2 };
    assert_eq!(requests.poll_outcome(), Some(("r".into(), outcome)));
    assert!(requests.is_empty());
}

#[test]
fn a_broadcast_with_acks_waits_for_every_count_and_every_counted_ack() {
    let mut requests = PendingRequests::new();
    requests.start("r".into(), RequestKind::BroadcastWithAck, 2, at(5000));
    let ack = || Response::BroadcastAck {
        request_id: "r".into(),
        arg: Args::from_tuple(&(1,)).unwrap_or_else(|_| Args::empty()),
    };
    requests.handle_response(Response::BroadcastClientCount { request_id: "r".into(), client_count: 1 });
    requests.handle_response(ack());
    assert_eq!(requests.poll_outcome(), None, "one server has not counted yet");
    requests.handle_response(Response::BroadcastClientCount { request_id: "r".into(), client_count: 2 });
    requests.handle_response(ack());
    assert_eq!(requests.poll_outcome(), None, "one counted ack is missing");
    requests.handle_response(ack());
    assert!(
        matches!(requests.poll_outcome(), Some((_, RequestOutcome::Complete(Responses::ClientAcks(acks)))) if acks.len() == 3)
    );
}

fn room_name() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,8}"
}

fn arg_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|n| serde_json::json!(n)),
        (-1.0e6f64..1.0e6).prop_filter("fractional", |f| f.fract() != 0.0).prop_map(|f| serde_json::json!(f)),
        "[ -~é☃]{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn broadcasts_round_trip(
        uid in "[A-Za-z0-9]{6}",
        event in "[a-z]{1,10}",
        values in prop::collection::vec(arg_value(), 0..4),
        binary in prop::option::of(prop::collection::vec(any::<u8>(), 0..300)),
        rooms in prop::collection::vec(room_name(), 0..3),
        except in prop::collection::vec(room_name(), 0..3),
        volatile in any::<bool>(),
    ) {
        let mut builder = Args::builder();
        for value in &values {
            builder = builder.arg(value).expect("json");
        }
        if let Some(binary) = binary {
            builder = builder.binary(Bytes::from(binary));
        }
        let args = builder.build();
        let mut options = BroadcastOptions::everyone();
        for room in &rooms { options = options.to(room.as_str()); }
        for room in &except { options = options.except(room.as_str()); }
        options.flags.volatile = volatile;
        let name = EventName::Text(engineio_proto::Str::from(event.clone()));
        let encoded = BroadcastMessage::encode(&uid, "/ns", &name, &args, &options).expect("encodes");
        let decoded = BroadcastMessage::decode(&encoded).expect("decodes");
        prop_assert_eq!(decoded.uid, uid);
        prop_assert_eq!(decoded.packet.event, name);
        prop_assert_eq!(decoded.packet.args.attachments(), args.attachments());
        let (got, want): (serde_json::Value, serde_json::Value) =
            (decoded.packet.args.to_owned_value().expect("json"), args.to_owned_value().expect("json"));
        prop_assert_eq!(got, want);
        prop_assert_eq!(decoded.options, options);
    }

    #[test]
    fn requests_round_trip(
        uid in "[A-Za-z0-9]{6}",
        request_id in "[A-Za-z0-9]{6}",
        rooms in prop::collection::vec(room_name(), 0..3),
        close in any::<bool>(),
        values in prop::collection::vec(arg_value(), 0..3),
        pick in 0usize..5,
    ) {
        let mut options = BroadcastOptions::everyone();
        for room in &rooms { options = options.to(room.as_str()); }
        let mut builder = Args::builder();
        for value in &values {
            builder = builder.arg(value).expect("json");
        }
        let room_list: Vec<crate::rooms::Room> = rooms.iter().map(|room| room.as_str().into()).collect();
        let request = match pick {
            0 => Request::FetchSockets { uid, request_id, options },
            1 => Request::SocketsJoin { uid, options, rooms: room_list },
            2 => Request::DisconnectSockets { uid, options, close },
            3 => Request::ServerSideEmit { uid, request_id: Some(request_id), event: "e".into(), args: builder.build() },
            _ => Request::AllRooms { uid, request_id },
        };
        let encoded = request.encode().expect("encodes");
        let decoded = Request::decode(&encoded).expect("decodes");
        // Arguments are compared as JSON values (number text may differ).
        prop_assert_eq!(decoded.encode().expect("encodes again"), encoded);
    }
}

/// Real traffic of a node cluster (see the header of `captured.txt`).
const CAPTURED: &str = include_str!("captured.txt");

/// The captured messages as (channel, payload).
fn captured() -> Vec<(&'static str, Bytes)> {
    CAPTURED
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split_once('\t'))
        .map(|(channel, payload)| (channel, hex(payload)))
        .collect()
}

#[test]
fn every_captured_message_of_a_node_cluster_decodes_and_encodes_back_byte_for_byte() {
    let channels = Channels::new(DEFAULT_PREFIX, "/");
    let messages = captured();
    assert_eq!(messages.len(), 15);
    for (channel, payload) in messages {
        let encoded = if channel == channels.request {
            Request::decode(&payload).map(|request| request.encode())
        } else if channel == channels.response {
            Response::decode(&payload).map(|response| response.encode())
        } else {
            assert!(channels.room_of(channel).is_some(), "{channel}");
            BroadcastMessage::decode(&payload).map(|message| {
                let packet = &message.packet;
                BroadcastMessage::encode(&message.uid, &packet.namespace, &packet.event, &packet.args, &message.options)
            })
        };
        let encoded = encoded.unwrap_or_else(|error| panic!("{channel}: {error}")).expect("encodes");
        assert_eq!(encoded, payload, "{channel}: {}", String::from_utf8_lossy(&payload));
    }
}

#[test]
fn captured_requests_read_as_the_operations_the_node_server_made() {
    let requests: Vec<Request> = captured()
        .into_iter()
        .filter(|(channel, _)| *channel == "socket.io-request#/#")
        .map(|(_, payload)| Request::decode(&payload).expect("decodes"))
        .collect();
    let kinds: Vec<&str> = requests
        .iter()
        .map(|request| match request {
            Request::BroadcastWithAck { .. } => "broadcast with ack",
            Request::FetchSockets { .. } => "fetch",
            Request::ServerSideEmit { request_id: None, .. } => "server-side emit",
            Request::ServerSideEmit { .. } => "server-side emit with ack",
            Request::SocketsJoin { .. } => "join",
            Request::SocketsLeave { .. } => "leave",
            Request::AllRooms { .. } => "all rooms",
            Request::DisconnectSockets { close: true, .. } => "disconnect and close",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "broadcast with ack",
            "fetch",
            "server-side emit",
            "server-side emit with ack",
            "join",
            "leave",
            "all rooms",
            "disconnect and close"
        ]
    );
    let Some(Request::SocketsJoin { options, rooms, .. }) = requests.get(4) else { panic!("a join") };
    assert_eq!((options.rooms.as_slice(), rooms.as_slice()), (&["room1".into()][..], &["room3".into()][..]));
}

#[test]
fn a_captured_fetch_answer_carries_the_socket_handshake_rooms_and_data() {
    let answer = captured()
        .into_iter()
        .map(|(_, payload)| payload)
        .find_map(|payload| match Response::decode(&payload) {
            Ok(Response::FetchSockets { sockets, .. }) => Some(sockets),
            _ => None,
        })
        .expect("a fetch answer");
    let [socket] = answer.as_slice() else { panic!("one socket") };
    assert_eq!(socket.rooms[1], "room1");
    assert_eq!(socket.data.as_str(), r#"{"name":"b1"}"#);
    let handshake: serde_json::Value = socket.handshake.to_owned_value().expect("json");
    assert_eq!(handshake["query"]["EIO"], "4");
}

/// One step of a random run of [`PendingRequests`].
#[derive(Debug, Clone)]
enum Step {
    Start { id: u8, kind: u8, expected: u8, timeout: u16 },
    Answer { id: u8, kind: u8 },
    Advance { millis: u16 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..6, 0u8..4, 0u8..4, 1u16..2000).prop_map(|(id, kind, expected, timeout)| Step::Start {
            id,
            kind,
            expected,
            timeout
        }),
        (0u8..6, 0u8..5).prop_map(|(id, kind)| Step::Answer { id, kind }),
        (0u16..1500).prop_map(|millis| Step::Advance { millis }),
    ]
}

fn answer(id: &str, kind: u8) -> Response {
    let request_id = id.to_string();
    match kind {
        0 => Response::FetchSockets { request_id, sockets: Vec::new() },
        1 => Response::AllRooms { request_id, rooms: vec!["r".into()] },
        2 => Response::ServerSideEmitAck { request_id, data: None },
        3 => Response::BroadcastClientCount { request_id, client_count: 1 },
        _ => Response::BroadcastAck { request_id, arg: Args::empty() },
    }
}

proptest! {
    /// Whatever the answers and the clock do, every started request ends
    /// exactly once, never before its deadline unless complete, and the
    /// machine asks to be woken no later than the earliest deadline.
    #[test]
    fn every_request_ends_exactly_once(steps in prop::collection::vec(step(), 0..60)) {
        let kinds = [RequestKind::FetchSockets, RequestKind::AllRooms, RequestKind::ServerSideEmit, RequestKind::BroadcastWithAck];
        let mut requests = PendingRequests::new();
        let mut now = 0u64;
        let mut started: Vec<(String, u64)> = Vec::new();
        let mut ended: Vec<String> = Vec::new();
        for step in steps {
            match step {
                Step::Start { id, kind, expected, timeout } => {
                    let id = alloc::format!("r{id}-{}", started.len());
                    let deadline = now + u64::from(timeout);
                    requests.start(id.clone(), kinds[usize::from(kind) % kinds.len()], usize::from(expected), at(deadline));
                    started.push((id, deadline));
                }
                Step::Answer { id, kind } => {
                    if let Some((request_id, _)) = started.iter().rev().find(|(rid, _)| rid.starts_with(&alloc::format!("r{id}-"))) {
                        requests.handle_response(answer(request_id, kind));
                    }
                }
                Step::Advance { millis } => {
                    now += u64::from(millis);
                    if requests.poll_timeout().is_some_and(|deadline| deadline <= at(now)) {
                        requests.handle_timeout(at(now));
                    }
                }
            }
            while let Some((id, outcome)) = requests.poll_outcome() {
                prop_assert!(!ended.contains(&id), "{} ended twice", id);
                if let RequestOutcome::TimedOut { .. } = outcome {
                    let deadline = started.iter().find(|(rid, _)| *rid == id).map(|(_, deadline)| *deadline);
                    prop_assert!(deadline.is_some_and(|deadline| deadline <= now), "{} timed out early", id);
                }
                ended.push(id);
            }
            let earliest = started.iter().filter(|(id, _)| !ended.contains(id)).map(|(_, deadline)| *deadline).min();
            prop_assert_eq!(requests.poll_timeout(), earliest.map(at));
        }
        requests.handle_timeout(at(u64::MAX / 2));
        while let Some((id, _)) = requests.poll_outcome() {
            prop_assert!(!ended.contains(&id));
            ended.push(id);
        }
        prop_assert_eq!(ended.len(), started.len());
        prop_assert!(requests.is_empty());
    }
}

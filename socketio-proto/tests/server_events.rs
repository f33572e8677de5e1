//! Events both ways on a connected namespace: delivery with raw arguments,
//! binary attachments, answering the client's acks, emitting encoded packets
//! and backpressure (reference socket.js `onevent`/`ack`, client.js `writeToEngine`).

mod server_support;

use bytes::Bytes;
use engineio_proto::server::{self as engine, CloseReason, RequestId};
use engineio_proto::{Frame, Sid, Str};
use server_support::*;
use socketio_proto::server::{Connection, DisconnectReason, EmitError, Output, ServerConfig};
use socketio_proto::{Args, Packet};

fn only_event(outputs: Vec<Output>) -> (Str, socketio_proto::Event) {
    match <[Output; 1]>::try_from(outputs) {
        Ok([Output::Event { namespace, event }]) => (namespace, event),
        Ok(other) => panic!("expected one event, got {other:?}"),
        Err(outputs) => panic!("expected one event, got {outputs:?}"),
    }
}

/// A v5 polling connection with `/` connected, the handshake GET answered.
fn polling_connected(max_buffered_packets: usize) -> Connection {
    let engine_config = engine::ServerConfig::default().with_max_buffered_packets(max_buffered_packets);
    let session = engine_session(&engine_config, "EIO=4&transport=polling", false);
    let mut connection = Connection::new(&ServerConfig::default(), session, T0);
    connection.handle_poll(T0, RequestId(0));
    let body = engine::PostBody::Complete { body: Bytes::from_static(b"40"), binary_content_type: false };
    connection.handle_post(T0, body);
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    connection.connect_handled(&Sid::new("s1"));
    connection.handle_poll(T0, RequestId(1));
    drain(&mut connection);
    connection
}

#[test]
fn event_is_delivered_with_its_arguments_as_json_text() {
    let mut connection = connected("/", "s1");
    let (namespace, event) = only_event(receive(&mut connection, r#"2["message-back",1,"2",{"3":[true]}]"#));
    assert_eq!(namespace.as_str(), "/");
    assert_eq!(event.name.as_str(), "message-back");
    assert_eq!(event.arguments.json().as_str(), r#"1,"2",{"3":[true]}"#);
    assert_eq!(event.ack_id, None);
}

#[test]
fn event_on_a_custom_namespace_names_it() {
    let mut connection = connected("/admin", "s1");
    let (namespace, event) = only_event(receive(&mut connection, r#"2/admin,["bar"]"#));
    assert_eq!((namespace.as_str(), event.name.as_str()), ("/admin", "bar"));
}

#[test]
fn numeric_event_name_is_delivered() {
    let mut connection = connected("/", "s1");
    let (_, event) = only_event(receive(&mut connection, "2[1]"));
    assert_eq!(event.name.as_str(), "1");
}

#[test]
fn event_with_ack_id_is_answered_with_ack() {
    let mut connection = connected("/", "s1");
    let (_, event) = only_event(receive(&mut connection, r#"212["message-with-ack"]"#));
    assert_eq!(event.ack_id, Some(12));
    connection.ack("/", 12, Args::empty()).unwrap();
    assert_eq!(transmitted(&drain(&mut connection)), vec!["4312[]"]);
}

#[test]
fn ack_with_binary_arguments_is_a_binary_ack() {
    let mut connection = connected("/admin", "s1");
    receive(&mut connection, r#"2/admin,1["tellme"]"#);
    let args = Args::builder().binary(Bytes::from_static(&[1, 2, 3])).build();
    connection.ack("/admin", 1, args).unwrap();
    let outputs = drain(&mut connection);
    assert_eq!(transmitted(&outputs), vec![r#"461-/admin,1[{"_placeholder":true,"num":0}]"#]);
    assert!(outputs.contains(&Output::Engine(engine::Output::Transmit(Frame::Binary(Bytes::from_static(&[1, 2, 3]))))));
}

#[test]
fn binary_event_is_delivered_once_its_attachments_arrived() {
    let mut connection = connected("/", "s1");
    assert!(receive(&mut connection, r#"51-["message",{"_placeholder":true,"num":0}]"#).is_empty());
    let (_, event) = only_event(receive_binary(&mut connection, &[1, 2, 3]));
    assert_eq!(event.arguments.attachments(), &[Bytes::from_static(&[1, 2, 3])]);
}

#[test]
fn binary_event_with_a_placeholder_out_of_range_closes_the_connection() {
    let mut connection = connected("/", "s1");
    let outputs = receive(&mut connection, r#"51-["message",{"_placeholder":true,"num":1}]"#);
    assert!(matches!(outputs.first(), Some(Output::DecodeFailed(_))));
    assert_eq!(disconnected(&outputs), vec![("/".to_owned(), DisconnectReason::ForcedClose)]);
}

#[test]
fn invalid_event_payload_closes_the_connection_with_forced_close() {
    let mut connection = connected("/", "s1");
    let outputs = receive(&mut connection, "2[]");
    assert!(matches!(outputs.first(), Some(Output::DecodeFailed(_))));
    assert_eq!(disconnected(&outputs), vec![("/".to_owned(), DisconnectReason::ForcedClose)]);
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

#[test]
fn emit_sends_the_encoded_packet() {
    let mut connection = connected("/", "s1");
    let args = Args::from_tuple(&("Jude",)).unwrap();
    connection.emit("/", &Packet::event("/", "hey", args, None).encode()).unwrap();
    assert_eq!(transmitted(&drain(&mut connection)), vec![r#"42["hey","Jude"]"#]);
}

#[test]
fn emit_on_a_namespace_not_connected_is_refused() {
    let mut connection = connected("/", "s1");
    let encoded = Packet::event("/admin", "hey", Args::empty(), None).encode();
    assert_eq!(connection.emit("/admin", &encoded), Err(EmitError::NotConnected));
}

#[test]
fn emit_after_close_is_refused() {
    let mut connection = connected("/", "s1");
    connection.close(T0);
    let encoded = Packet::event("/", "hey", Args::empty(), None).encode();
    assert_eq!(connection.emit("/", &encoded), Err(EmitError::Closed));
}

#[test]
fn emit_is_refused_when_the_polling_buffer_is_full() {
    let mut connection = polling_connected(2);
    let encoded = Packet::event("/", "hey", Args::empty(), None).encode();
    connection.emit("/", &encoded).unwrap();
    connection.emit("/", &encoded).unwrap();
    assert_eq!(connection.emit("/", &encoded), Err(EmitError::BufferFull));
}

#[test]
fn binary_emit_that_does_not_fit_whole_sends_nothing() {
    let mut connection = polling_connected(2);
    let args = Args::builder().binary(Bytes::from_static(&[1])).binary(Bytes::from_static(&[2])).build();
    let encoded = Packet::event("/", "files", args, None).encode();
    assert_eq!(connection.emit("/", &encoded), Err(EmitError::BufferFull));
    assert_eq!(connection.engine().buffered_messages(), 0);
}

#[test]
fn a_full_polling_buffer_disconnects_with_send_buffer_full() {
    let mut connection = polling_connected(1);
    let encoded = Packet::event("/", "hey", Args::empty(), None).encode();
    connection.emit("/", &encoded).unwrap();
    assert_eq!(connection.emit("/", &encoded), Err(EmitError::BufferFull));
    let outputs = drain(&mut connection);
    assert_eq!(disconnected(&outputs), [("/".to_owned(), DisconnectReason::SendBufferFull)]);
    assert_eq!(connection.emit("/", &encoded), Err(EmitError::Closed));
}

/// A v5 WebSocket connection with `/` connected and every frame so far
/// reported written; the engine's send buffer holds `max_buffered_packets`.
fn websocket_connected(max_buffered_packets: usize) -> Connection {
    let engine_config = engine::ServerConfig::default().with_max_buffered_packets(max_buffered_packets);
    let session = engine_session(&engine_config, "EIO=4&transport=websocket", true);
    let mut connection = Connection::new(&ServerConfig::default(), session, T0);
    connection.handle_frame(T0, Frame::Text(Str::from("40")));
    connection.accept(T0, "/", Sid::new("s1"), None).unwrap();
    connection.connect_handled(&Sid::new("s1"));
    drain(&mut connection);
    connection.handle_frames_written(connection.engine().unwritten_frames());
    connection
}

#[test]
fn websocket_emits_wait_in_the_send_buffer_until_written() {
    let mut connection = websocket_connected(2);
    let encoded = Packet::event("/", "hey", Args::empty(), None).encode();
    connection.emit("/", &encoded).unwrap();
    connection.emit("/", &encoded).unwrap();
    connection.handle_frames_written(2);
    assert_eq!(connection.emit("/", &encoded), Ok(()));
}

#[test]
fn a_websocket_client_that_stops_reading_is_disconnected_with_send_buffer_full() {
    let mut connection = websocket_connected(2);
    let encoded = Packet::event("/", "hey", Args::empty(), None).encode();
    connection.emit("/", &encoded).unwrap();
    connection.emit("/", &encoded).unwrap();
    assert_eq!(connection.emit("/", &encoded), Err(EmitError::BufferFull));
    let outputs = drain(&mut connection);
    assert_eq!(disconnected(&outputs), [("/".to_owned(), DisconnectReason::SendBufferFull)]);
    assert_eq!(closed(&outputs), Some(CloseReason::ForcedClose));
}

#[test]
fn volatile_emit_is_dropped_while_websocket_frames_are_unwritten() {
    let mut connection = websocket_connected(10);
    let encoded = Packet::event("/", "tick", Args::empty(), None).encode();
    assert_eq!(connection.emit_volatile("/", &encoded), Ok(true));
    assert_eq!(connection.emit_volatile("/", &encoded), Ok(false));
    connection.handle_frames_written(1);
    assert_eq!(connection.emit_volatile("/", &encoded), Ok(true));
}

#[test]
fn volatile_emit_is_dropped_while_no_poll_is_parked() {
    let mut connection = polling_connected(10);
    let encoded = Packet::event("/", "tick", Args::empty(), None).encode();
    assert_eq!(connection.emit_volatile("/", &encoded), Ok(false));
    assert_eq!(connection.engine().buffered_messages(), 0);
}

#[test]
fn volatile_emit_goes_to_a_parked_poll() {
    let mut connection = polling_connected(10);
    connection.handle_poll(T0, RequestId(2));
    let encoded = Packet::event("/", "tick", Args::empty(), None).encode();
    assert_eq!(connection.emit_volatile("/", &encoded), Ok(true));
    assert!(drain(&mut connection)
        .iter()
        .any(|output| matches!(output, Output::Engine(engine::Output::Respond { request: RequestId(2), .. }))));
}

#[test]
fn events_of_one_polling_post_are_delivered_in_order() {
    let mut connection = polling_connected(10);
    let body = Bytes::from_static(b"42[\"hello\"]\x1e42[\"world\"]");
    connection.handle_post(T0, engine::PostBody::Complete { body, binary_content_type: false });
    let names: Vec<String> = drain(&mut connection)
        .into_iter()
        .filter_map(|output| match output {
            Output::Event { event, .. } => Some(event.name.as_str().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["hello", "world"]);
}

#[test]
fn a_packet_emitted_with_compress_false_makes_an_uncompressible_polling_answer() {
    let mut connection = polling_connected(10);
    let encoded = Packet::event("/", "raw", Args::empty(), None).encode().with_compress(false);
    connection.emit("/", &encoded).unwrap();
    connection.handle_poll(T0, RequestId(2));
    let answer = drain(&mut connection).into_iter().find_map(|output| match output {
        Output::Engine(engine::Output::Respond { response, .. }) => Some(response),
        _ => None,
    });
    assert_eq!(answer.map(|response| response.compressible), Some(false));
}

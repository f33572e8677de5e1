//! Client session: the websocket transport (engine.io-client `WS`), one packet per frame.

mod client_support;

use bytes::Bytes;
use client_support::*;
use engineio_proto::client::{ClientCloseReason, ClientError, ClientEvent, ClientSession};
use engineio_proto::{DecodeError, Frame, Message, ProtocolVersion};

#[test]
fn each_frame_is_one_packet() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_frame(at(1), socket, text_frame("4hello"));
    session.handle_frame(at(1), socket, Frame::Binary(Bytes::from_static(&[1, 2, 3])));
    assert_eq!(
        events(&drain(&mut session)),
        vec![
            ClientEvent::Message(Message::from("hello")),
            ClientEvent::Message(Message::Binary(Bytes::from_static(&[1, 2, 3]))),
        ]
    );
}

#[test]
fn each_sent_packet_is_one_frame_with_binary_as_binary_frames() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.send(Message::from("a"));
    session.send(Message::Binary(Bytes::from_static(&[9])));
    assert_eq!(
        transmitted(&drain(&mut session), socket),
        vec![text_frame("4a"), Frame::Binary(Bytes::from_static(&[9]))]
    );
}

#[test]
fn v3_binary_frames_carry_a_type_byte() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V3));
    session.send(Message::Binary(Bytes::from_static(&[9])));
    assert_eq!(transmitted(&drain(&mut session), socket), vec![Frame::Binary(Bytes::from_static(&[4, 9]))]);
    session.handle_frame(at(1), socket, Frame::Binary(Bytes::from_static(&[4, 7])));
    assert_eq!(events(&drain(&mut session)), vec![ClientEvent::Message(Message::Binary(Bytes::from_static(&[7])))]);
}

#[test]
fn forced_base64_sends_and_reads_binary_as_base64_text() {
    let mut config = websocket_only(ProtocolVersion::V4);
    config.force_base64 = true;
    let mut session = ClientSession::new(config.clone(), false);
    assert_eq!(opened_sockets(&drain(&mut session))[0].1, "EIO=4&transport=websocket&b64=1");
    let (mut session, socket) = open_websocket(config);
    session.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])));
    assert_eq!(transmitted(&drain(&mut session), socket), vec![text_frame("bAQIDBA==")]);
    session.handle_frame(at(1), socket, text_frame("bAQID"));
    assert_eq!(
        events(&drain(&mut session)),
        vec![ClientEvent::Message(Message::Binary(Bytes::from_static(&[1, 2, 3])))]
    );
}

#[test]
fn server_ping_is_answered_with_a_pong_frame() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_frame(at(250), socket, text_frame("2"));
    assert_eq!(transmitted(&drain(&mut session), socket), vec![text_frame("3")]);
    assert_eq!(session.poll_timeout(), Some(at(750)));
}

#[test]
fn websocket_closing_after_open_closes_with_transport_close() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_websocket_failed(at(1), socket, "connection refused");
    let outputs = drain(&mut session);
    assert_eq!(events(&outputs), vec![ClientEvent::Closed(ClientCloseReason::TransportClose)]);
    assert!(closed_sockets(&outputs).is_empty());
}

#[test]
fn close_packet_closes_with_transport_close_and_closes_the_socket() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_frame(at(1), socket, text_frame("1"));
    let outputs = drain(&mut session);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportClose]);
    assert_eq!(closed_sockets(&outputs), vec![socket]);
}

#[test]
fn undecodable_frame_closes_with_parse_error() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_frame(at(1), socket, text_frame("x"));
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![
            ClientEvent::Error(ClientError::Decode(DecodeError::UnknownPacketType { byte: b'x', offset: 0 })),
            ClientEvent::Closed(ClientCloseReason::ParseError),
        ]
    );
    assert_eq!(closed_sockets(&outputs), vec![socket]);
}

#[test]
fn ping_timeout_on_websocket_closes_the_socket() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_timeout(at(500));
    let outputs = drain(&mut session);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::PingTimeout]);
    assert_eq!(closed_sockets(&outputs), vec![socket]);
}

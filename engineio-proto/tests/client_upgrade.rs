//! Client session: probing and upgrading polling → websocket (engine.io-client `_probe`).

mod client_support;

use bytes::Bytes;
use client_support::*;
use engineio_proto::client::{ClientConfig, ClientEvent, ClientSession, RequestId, SocketId};
use engineio_proto::{Frame, Message, ProtocolVersion, TransportKind};

/// An open polling session whose probe socket is connected and got `2probe`.
fn probing() -> (ClientSession, RequestId, SocketId) {
    let (mut session, outputs) = open_polling_with_upgrade();
    let get = single_get(&outputs);
    let socket = opened_sockets(&outputs)[0].0;
    session.handle_websocket_opened(at(1), socket);
    drain(&mut session);
    (session, get, socket)
}

#[test]
fn websocket_offered_by_the_server_is_probed_with_the_sid() {
    let (session, outputs) = open_polling_with_upgrade();
    assert_eq!(
        opened_sockets(&outputs).iter().map(|(_, query)| query.as_str()).collect::<Vec<_>>(),
        ["EIO=4&transport=websocket&sid=s1"]
    );
    single_get(&outputs);
    assert_eq!(session.transport(), TransportKind::Polling);
}

#[test]
fn no_probe_when_upgrade_is_disabled() {
    let mut config = ClientConfig::default();
    config.upgrade = false;
    let (_session, outputs) = opened_with(config, &open_packet("s1", &["websocket"], 300, 200, 100));
    assert!(opened_sockets(&outputs).is_empty());
}

#[test]
fn no_probe_when_the_client_does_not_allow_websocket() {
    let (_session, outputs) =
        opened_with(polling_only(ProtocolVersion::V4), &open_packet("s1", &["websocket"], 300, 200, 100));
    assert!(opened_sockets(&outputs).is_empty());
}

#[test]
fn connected_probe_sends_2probe() {
    let (mut session, outputs) = open_polling_with_upgrade();
    let socket = opened_sockets(&outputs)[0].0;
    session.handle_websocket_opened(at(1), socket);
    assert_eq!(transmitted(&drain(&mut session), socket), vec![text_frame("2probe")]);
}

#[test]
fn pong_probe_waits_for_the_outstanding_get_before_sending_upgrade() {
    let (mut session, get, socket) = probing();
    session.handle_frame(at(2), socket, text_frame("3probe"));
    let outputs = drain(&mut session);
    assert_eq!(events(&outputs), vec![ClientEvent::Upgrading]);
    assert!(transmitted(&outputs, socket).is_empty(), "no upgrade while a GET is in flight");
    session.handle_http_response(at(3), get, 200, false, body("6"));
    let outputs = drain(&mut session);
    assert!(requests(&outputs).is_empty(), "polling is paused: no new GET");
    assert_eq!(transmitted(&outputs, socket), vec![text_frame("5")]);
    assert_eq!(events(&outputs), vec![ClientEvent::Upgraded]);
    assert_eq!(session.transport(), TransportKind::WebSocket);
    assert!(session.websocket_succeeded());
}

#[test]
fn upgrade_waits_for_an_outstanding_post() {
    let (mut session, get, socket) = probing();
    session.send(Message::from("in flight"));
    let post = single_post(&drain(&mut session));
    session.handle_frame(at(2), socket, text_frame("3probe"));
    session.handle_http_response(at(3), get, 200, false, body("6"));
    assert!(transmitted(&drain(&mut session), socket).is_empty(), "the POST is still in flight");
    session.handle_http_response(at(4), post.id, 200, false, body("ok"));
    let outputs = drain(&mut session);
    assert_eq!(transmitted(&outputs, socket), vec![text_frame("5")]);
    assert!(requests(&outputs).is_empty());
}

#[test]
fn messages_sent_while_pausing_go_over_the_websocket_after_the_upgrade_packet() {
    let (mut session, get, socket) = probing();
    session.handle_frame(at(2), socket, text_frame("3probe"));
    session.send(Message::from("text"));
    session.send(Message::Binary(Bytes::from_static(&[1, 2])));
    assert!(requests(&drain(&mut session)).is_empty(), "writes wait during the upgrade");
    session.handle_http_response(at(3), get, 200, false, body("6"));
    assert_eq!(
        transmitted(&drain(&mut session), socket),
        vec![text_frame("5"), text_frame("4text"), Frame::Binary(Bytes::from_static(&[1, 2]))]
    );
}

#[test]
fn packets_in_the_releasing_get_are_delivered() {
    let (mut session, get, socket) = probing();
    session.handle_frame(at(2), socket, text_frame("3probe"));
    drain(&mut session);
    session.handle_http_response(at(3), get, 200, false, body("4late\x1e6"));
    assert_eq!(events(&drain(&mut session)), vec![ClientEvent::Message(Message::from("late")), ClientEvent::Upgraded]);
}

#[test]
fn unexpected_probe_answer_closes_the_probe_and_keeps_polling() {
    let (mut session, get, socket) = probing();
    session.handle_frame(at(2), socket, text_frame("4hello"));
    let outputs = drain(&mut session);
    assert_eq!(closed_sockets(&outputs), vec![socket]);
    assert_eq!(events(&outputs), vec![ClientEvent::UpgradeFailed]);
    session.handle_http_response(at(3), get, 200, false, body("4poll"));
    let outputs = drain(&mut session);
    single_get(&outputs);
    assert_eq!(session.transport(), TransportKind::Polling);
    assert!(!session.websocket_succeeded());
}

#[test]
fn probe_socket_failure_keeps_polling_without_closing_it_again() {
    let (mut session, get, socket) = probing();
    session.handle_websocket_failed(at(2), socket, "connection refused");
    let outputs = drain(&mut session);
    assert!(closed_sockets(&outputs).is_empty());
    assert_eq!(events(&outputs), vec![ClientEvent::UpgradeFailed]);
    session.handle_http_response(at(3), get, 200, false, body("6"));
    single_get(&drain(&mut session));
}

#[test]
fn probe_failure_while_pausing_resumes_polling_and_writing() {
    let (mut session, get, socket) = probing();
    session.handle_frame(at(2), socket, text_frame("3probe"));
    session.send(Message::from("queued"));
    session.handle_websocket_failed(at(3), socket, "connection refused");
    let outputs = drain(&mut session);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"4queued"[..]));
    session.handle_http_response(at(4), get, 200, false, body("6"));
    single_get(&drain(&mut session));
}

#[test]
fn frames_after_the_upgrade_are_session_packets() {
    let (mut session, get, socket) = probing();
    session.handle_frame(at(2), socket, text_frame("3probe"));
    session.handle_http_response(at(3), get, 200, false, body("6"));
    drain(&mut session);
    session.handle_frame(at(4), socket, text_frame("4over ws"));
    session.handle_frame(at(5), socket, text_frame("2"));
    let outputs = drain(&mut session);
    assert_eq!(events(&outputs), vec![ClientEvent::Message(Message::from("over ws"))]);
    assert_eq!(transmitted(&outputs, socket), vec![text_frame("3")]);
    assert!(requests(&outputs).is_empty());
}

#[test]
fn v3_probe_uses_eio3_and_b64_when_forced() {
    let mut config = ClientConfig::new(ProtocolVersion::V3);
    config.force_base64 = true;
    let (_session, outputs) = opened_with(config, &v3_open_payload("s3", &["websocket"], 300, 200));
    assert_eq!(opened_sockets(&outputs)[0].1, "EIO=3&transport=websocket&sid=s3&b64=1");
}

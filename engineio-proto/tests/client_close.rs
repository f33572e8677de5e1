//! Client session: closing (engine.io-client `close()` and `_onClose`).

mod client_support;

use client_support::*;
use engineio_proto::client::{ClientCloseReason, ClientEvent, ClientOutput, ClientSession, ClientState};
use engineio_proto::{Message, ProtocolVersion};

#[test]
fn close_on_polling_posts_a_close_packet_then_emits_forced_close() {
    let (mut session, _get) = open_polling();
    session.close();
    let outputs = drain(&mut session);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1"[..]));
    assert_eq!(outputs.last(), Some(&ClientOutput::Event(ClientEvent::Closed(ClientCloseReason::ForcedClose))));
    assert_eq!(session.state(), ClientState::Closed);
}

#[test]
fn close_on_websocket_closes_the_socket() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.close();
    let outputs = drain(&mut session);
    assert_eq!(
        outputs,
        vec![
            ClientOutput::CloseWebSocket { socket },
            ClientOutput::Event(ClientEvent::Closed(ClientCloseReason::ForcedClose)),
        ]
    );
}

#[test]
fn close_waits_until_queued_messages_are_posted() {
    let (mut session, _get) = open_polling();
    session.send(Message::from("a"));
    let first = single_post(&drain(&mut session));
    session.send(Message::from("b"));
    session.close();
    assert!(drain(&mut session).is_empty());
    assert_eq!(session.state(), ClientState::Closing);
    session.handle_http_response(at(1), first.id, 200, false, body("ok"));
    let second = single_post(&drain(&mut session));
    assert_eq!(second.body.as_deref(), Some(&b"4b"[..]));
    session.handle_http_response(at(2), second.id, 200, false, body("ok"));
    let outputs = drain(&mut session);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1"[..]));
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::ForcedClose]);
}

#[test]
fn close_waits_for_an_upgrade_in_progress_then_closes_the_websocket() {
    let (mut session, outputs) = open_polling_with_upgrade();
    let get = single_get(&outputs);
    let socket = opened_sockets(&outputs)[0].0;
    session.handle_websocket_opened(at(1), socket);
    session.handle_frame(at(2), socket, text_frame("3probe"));
    drain(&mut session);
    session.close();
    assert!(drain(&mut session).is_empty());
    session.handle_http_response(at(3), get, 200, false, body("6"));
    let outputs = drain(&mut session);
    assert_eq!(transmitted(&outputs, socket), vec![text_frame("5")]);
    assert_eq!(closed_sockets(&outputs), vec![socket]);
    assert_eq!(outputs.last(), Some(&ClientOutput::Event(ClientEvent::Closed(ClientCloseReason::ForcedClose))));
    assert!(requests(&outputs).is_empty());
}

#[test]
fn close_while_probing_closes_the_probe_socket() {
    let (mut session, outputs) = open_polling_with_upgrade();
    let socket = opened_sockets(&outputs)[0].0;
    session.close();
    let outputs = drain(&mut session);
    assert_eq!(closed_sockets(&outputs), vec![socket]);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::ForcedClose]);
}

#[test]
fn close_while_opening_cancels_the_handshake_and_sends_no_request() {
    let mut session = ClientSession::new(polling_only(ProtocolVersion::V4), false);
    let handshake = requests(&drain(&mut session))[0].id;
    session.close();
    assert_eq!(
        drain(&mut session),
        vec![
            ClientOutput::CancelRequest { id: handshake },
            ClientOutput::Event(ClientEvent::Closed(ClientCloseReason::ForcedClose))
        ]
    );
}

#[test]
fn closed_session_ignores_every_input() {
    let (mut session, get) = open_polling();
    session.close();
    let post = single_post(&drain(&mut session));
    session.handle_http_response(at(1), get, 200, false, body("4late\x1e2"));
    session.handle_http_response(at(1), post.id, 500, false, body(""));
    session.handle_http_failed(at(1), get, "connection reset");
    session.handle_timeout(at(10_000));
    session.send(Message::from("dropped"));
    session.close();
    assert!(drain(&mut session).is_empty());
    assert_eq!(session.poll_timeout(), None);
}

#[test]
fn messages_sent_while_closing_are_dropped() {
    let (mut session, _get) = open_polling();
    session.send(Message::from("a"));
    let first = single_post(&drain(&mut session));
    session.close();
    session.send(Message::from("too late"));
    session.handle_http_response(at(1), first.id, 200, false, body("ok"));
    let outputs = drain(&mut session);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1"[..]));
}

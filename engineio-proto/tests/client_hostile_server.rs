//! Client session against a server that misbehaves: what the session owes a
//! server that does not read is bounded, received payloads are bounded, a
//! second handshake ends the session, and requests given up are cancelled.

mod client_support;

use client_support::*;
use engineio_proto::client::{ClientCloseReason, ClientConfig, ClientError, ClientEvent, ClientOutput, ClientSession};
use engineio_proto::{Message, ProtocolVersion};

/// Every error event among `outputs`.
fn errors(outputs: &[ClientOutput]) -> Vec<ClientError> {
    events(outputs)
        .into_iter()
        .filter_map(|event| match event {
            ClientEvent::Error(error) => Some(error),
            _ => None,
        })
        .collect()
}

#[test]
fn pongs_the_server_does_not_read_close_the_session_past_the_frame_bound() {
    let mut config = websocket_only(ProtocolVersion::V4);
    config.max_unwritten_frames = 10;
    let (mut session, socket) = open_websocket(config);
    for ping in 0..10 {
        session.handle_frame(at(ping), socket, text_frame("2"));
    }
    assert_eq!(transmitted(&drain(&mut session), socket).len(), 10, "ten pongs owed, none written");
    session.handle_frame(at(11), socket, text_frame("2"));
    let outputs = drain(&mut session);
    assert_eq!(errors(&outputs), vec![ClientError::SendBufferFull { frames: 11, bytes: 11 }]);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportError]);
    assert_eq!(closed_sockets(&outputs), vec![socket]);
}

#[test]
fn frames_reported_written_no_longer_count_against_the_bound() {
    let mut config = websocket_only(ProtocolVersion::V4);
    config.max_unwritten_frames = 10;
    let (mut session, socket) = open_websocket(config);
    for ping in 0..100 {
        session.handle_frame(at(ping), socket, text_frame("2"));
        session.handle_frames_written(at(ping), socket, 1);
    }
    let outputs = drain(&mut session);
    assert_eq!(transmitted(&outputs, socket).len(), 100);
    assert_eq!(closed_reasons(&outputs), vec![]);
}

#[test]
fn unwritten_bytes_past_the_byte_bound_close_the_session() {
    let mut config = websocket_only(ProtocolVersion::V4);
    config.max_unwritten_bytes = 100;
    let (mut session, _socket) = open_websocket(config);
    session.send(Message::from("x".repeat(60)));
    assert_eq!(closed_reasons(&drain(&mut session)), vec![]);
    session.send(Message::from("y".repeat(60)));
    let outputs = drain(&mut session);
    assert_eq!(errors(&outputs), vec![ClientError::SendBufferFull { frames: 2, bytes: 122 }]);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportError]);
}

#[test]
fn packets_waiting_for_a_post_count_against_the_frame_bound() {
    let mut config = polling_only(ProtocolVersion::V4);
    config.max_unwritten_frames = 3;
    let (mut session, outputs) = opened_with(config, &open_packet("s1", &[], 300, 200, 1_000_000));
    let mut get = single_get(&outputs);
    session.send(Message::from("first"));
    let post = single_post(&drain(&mut session)).id;
    // The server never answers the POST, and keeps pinging on the GET.
    for ping in 1..=4 {
        session.handle_http_response(at(ping), get, 200, false, body("2"));
        let outputs = drain(&mut session);
        if ping < 4 {
            get = single_get(&outputs);
            continue;
        }
        assert_eq!(errors(&outputs), vec![ClientError::SendBufferFull { frames: 4, bytes: 4 }]);
        assert!(outputs.contains(&ClientOutput::CancelRequest { id: post }), "{outputs:?}");
        assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportError]);
    }
}

#[test]
fn a_second_open_packet_on_websocket_ends_the_session_with_a_parse_error() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_frame(at(5), socket, text_frame(&open_packet("other", &[], 300, 200, 1_000_000)));
    let outputs = drain(&mut session);
    assert_eq!(errors(&outputs), vec![ClientError::UnexpectedOpen { sid: String::from("other") }]);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::ParseError]);
}

#[test]
fn a_second_open_packet_on_polling_ends_the_session_and_tells_the_server() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(5), get, 200, false, body(&open_packet("other", &[], 300, 200, 1_000_000)));
    let outputs = drain(&mut session);
    assert_eq!(errors(&outputs), vec![ClientError::UnexpectedOpen { sid: String::from("other") }]);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::ParseError]);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1"[..]));
}

#[test]
fn the_handshake_is_read_within_the_configured_limit() {
    let mut config = ClientConfig::default();
    config.max_received_payload = 4096;
    let mut session = ClientSession::new(config, false);
    let outputs = drain(&mut session);
    assert!(matches!(outputs.as_slice(), [ClientOutput::HttpRequest { max_response_bytes: 4096, .. }]), "{outputs:?}");
}

#[test]
fn a_larger_max_payload_announced_by_the_server_does_not_raise_the_limit() {
    let mut config = ClientConfig::default();
    config.max_received_payload = 4096;
    let (_, outputs) = opened_with(config, &open_packet("s1", &["websocket"], 300, 200, 5_000_000));
    let limits: Vec<u64> = outputs
        .iter()
        .filter_map(|output| match output {
            ClientOutput::HttpRequest { max_response_bytes, .. } => Some(*max_response_bytes),
            ClientOutput::OpenWebSocket { max_message_bytes, .. } => Some(*max_message_bytes),
            _ => None,
        })
        .collect();
    assert_eq!(limits, vec![4096, 4096], "the next GET and the probe");
}

#[test]
fn a_message_over_the_limit_closes_the_session_with_a_transport_error() {
    let (mut session, socket) = open_websocket(websocket_only(ProtocolVersion::V4));
    session.handle_message_too_large(at(5), socket);
    let outputs = drain(&mut session);
    assert_eq!(errors(&outputs), vec![ClientError::MessageTooLarge { limit: 100 * 1024 * 1024 }]);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportError]);
    assert_eq!(closed_sockets(&outputs), vec![], "the driver closed it already");
}

#[test]
fn a_session_that_dies_while_probing_cancels_its_poll_and_closes_the_probe() {
    let (mut session, outputs) = open_polling_with_upgrade();
    let get = single_get(&outputs);
    let probe = opened_sockets(&outputs)[0].0;
    session.handle_timeout(at(10_000));
    let outputs = drain(&mut session);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::PingTimeout]);
    assert!(outputs.contains(&ClientOutput::CancelRequest { id: get }), "{outputs:?}");
    assert_eq!(closed_sockets(&outputs), vec![probe]);
}

#[test]
fn the_close_post_is_given_up_after_a_bounded_time() {
    let (mut session, _get) = open_polling();
    session.close();
    let outputs = drain(&mut session);
    assert!(
        matches!(
            posts(&outputs).as_slice(),
            [post] if post.body.as_deref() == Some(&b"1"[..])
        ),
        "{outputs:?}"
    );
    let timeouts: Vec<_> = outputs
        .iter()
        .filter_map(|output| match output {
            ClientOutput::HttpRequest { timeout, .. } => Some(*timeout),
            _ => None,
        })
        .collect();
    assert!(matches!(timeouts.as_slice(), [Some(timeout)] if !timeout.is_zero()), "{timeouts:?}");
}

//! Client session: opening a session (engine.io-client `_open`, `onHandshake`).

mod client_support;

use core::time::Duration;

use client_support::*;
use engineio_proto::client::{
    ClientCloseReason, ClientConfig, ClientError, ClientEvent, ClientSession, ClientState, HttpMethod,
};
use engineio_proto::{Message, ProtocolVersion, Sid, TransportKind};

#[test]
fn polling_handshake_requests_eio_and_transport_without_sid() {
    let mut session = ClientSession::new(ClientConfig::default(), false);
    let outputs = drain(&mut session);
    let requests = requests(&outputs);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, HttpMethod::Get);
    assert_eq!(requests[0].query, "EIO=4&transport=polling");
    assert_eq!(requests[0].body, None);
    assert_eq!(session.state(), ClientState::Opening);
    assert_eq!(session.transport(), TransportKind::Polling);
}

#[test]
fn websocket_only_config_opens_a_websocket_without_sid() {
    let mut session = ClientSession::new(websocket_only(ProtocolVersion::V4), false);
    let outputs = drain(&mut session);
    assert!(requests(&outputs).is_empty());
    let sockets = opened_sockets(&outputs);
    assert_eq!(sockets.len(), 1);
    assert_eq!(sockets[0].1, "EIO=4&transport=websocket");
    assert_eq!(session.transport(), TransportKind::WebSocket);
}

#[test]
fn remember_upgrade_after_a_websocket_success_opens_on_websocket() {
    let mut config = ClientConfig::default();
    config.remember_upgrade = true;
    let mut session = ClientSession::new(config, true);
    let outputs = drain(&mut session);
    assert!(requests(&outputs).is_empty());
    assert_eq!(opened_sockets(&outputs)[0].1, "EIO=4&transport=websocket");
}

#[test]
fn prior_websocket_success_is_ignored_without_remember_upgrade() {
    let mut session = ClientSession::new(ClientConfig::default(), true);
    let outputs = drain(&mut session);
    assert!(opened_sockets(&outputs).is_empty());
    assert_eq!(gets(&outputs)[0].query, "EIO=4&transport=polling");
}

#[test]
fn v3_force_base64_asks_for_b64_on_the_handshake() {
    let mut config = ClientConfig::new(ProtocolVersion::V3);
    config.force_base64 = true;
    let mut session = ClientSession::new(config, false);
    assert_eq!(gets(&drain(&mut session))[0].query, "EIO=3&transport=polling&b64=1");
}

#[test]
fn open_packet_opens_the_session_with_its_parameters() {
    let (session, outputs) =
        opened_with(ClientConfig::default(), &open_packet("abc", &["websocket"], 25000, 20000, 5000));
    let Some(ClientEvent::Open(open)) = events(&outputs).first().cloned() else {
        panic!("expected an open event first in {outputs:?}");
    };
    assert_eq!(open.sid, Sid::new("abc"));
    assert_eq!(open.upgrades, vec![TransportKind::WebSocket]);
    assert_eq!(open.ping_interval, Duration::from_millis(25000));
    assert_eq!(open.ping_timeout, Duration::from_millis(20000));
    assert_eq!(open.max_payload, Some(5000));
    assert_eq!(session.state(), ClientState::Open);
    assert_eq!(session.sid(), Some(&Sid::new("abc")));
    assert_eq!(single_get(&outputs), gets(&outputs)[0].id);
    assert_eq!(gets(&outputs)[0].query, "EIO=4&transport=polling&sid=abc");
}

#[test]
fn non_200_handshake_closes_with_transport_error() {
    let mut session = ClientSession::new(ClientConfig::default(), false);
    let handshake = single_get(&drain(&mut session));
    session.handle_http_response(at(0), handshake, 400, false, body("{\"code\":5}"));
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![
            ClientEvent::Error(ClientError::HttpStatus { method: HttpMethod::Get, status: 400 }),
            ClientEvent::Closed(ClientCloseReason::TransportError),
        ]
    );
    assert!(requests(&outputs).is_empty());
    assert_eq!(session.state(), ClientState::Closed);
}

#[test]
fn handshake_body_that_is_not_an_open_packet_closes_with_transport_error() {
    let mut session = ClientSession::new(ClientConfig::default(), false);
    let handshake = single_get(&drain(&mut session));
    session.handle_http_response(at(0), handshake, 200, false, body("4hello"));
    let outputs = drain(&mut session);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportError]);
    assert!(!events(&outputs).contains(&ClientEvent::Message(Message::from("hello"))));
    assert!(requests(&outputs).is_empty());
}

#[test]
fn malformed_open_json_closes_with_transport_error() {
    let mut session = ClientSession::new(ClientConfig::default(), false);
    let handshake = single_get(&drain(&mut session));
    session.handle_http_response(at(0), handshake, 200, false, body("0{\"sid\":"));
    assert_eq!(closed_reasons(&drain(&mut session)), vec![ClientCloseReason::TransportError]);
}

#[test]
fn failed_handshake_request_closes_with_transport_error() {
    let mut session = ClientSession::new(ClientConfig::default(), false);
    let handshake = single_get(&drain(&mut session));
    session.handle_http_failed(at(0), handshake, "connection reset");
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![
            ClientEvent::Error(ClientError::HttpFailed { method: HttpMethod::Get, cause: "connection reset".into() }),
            ClientEvent::Closed(ClientCloseReason::TransportError),
        ]
    );
}

#[test]
fn websocket_handshake_opens_on_the_first_frame_without_probing() {
    let mut session = ClientSession::new(websocket_only(ProtocolVersion::V4), false);
    let socket = opened_sockets(&drain(&mut session))[0].0;
    session.handle_websocket_opened(at(0), socket);
    assert_eq!(session.state(), ClientState::Opening);
    session.handle_frame(at(0), socket, text_frame(&open_packet("w1", &[], 300, 200, 1_000_000)));
    let outputs = drain(&mut session);
    assert!(matches!(events(&outputs)[..], [ClientEvent::Open(_)]));
    assert!(opened_sockets(&outputs).is_empty());
    assert!(requests(&outputs).is_empty());
    assert_eq!(session.state(), ClientState::Open);
    assert!(session.websocket_succeeded());
}

#[test]
fn websocket_that_cannot_connect_closes_with_transport_error() {
    let mut session = ClientSession::new(websocket_only(ProtocolVersion::V4), false);
    let socket = opened_sockets(&drain(&mut session))[0].0;
    session.handle_websocket_failed(at(0), socket, "connection refused");
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![
            ClientEvent::Error(ClientError::WebSocketFailed { cause: "connection refused".into() }),
            ClientEvent::Closed(ClientCloseReason::TransportError)
        ]
    );
    assert!(closed_sockets(&outputs).is_empty(), "a failed socket is not closed again");
}

#[test]
fn v3_handshake_reads_a_length_prefixed_open_packet() {
    let (session, outputs) =
        opened_with(polling_only(ProtocolVersion::V3), &v3_open_payload("v3sid", &[], 25000, 5000));
    let Some(ClientEvent::Open(open)) = events(&outputs).first().cloned() else {
        panic!("expected an open event in {outputs:?}");
    };
    assert_eq!(open.max_payload, None);
    assert_eq!(session.sid(), Some(&Sid::new("v3sid")));
    assert_eq!(gets(&outputs)[0].query, "EIO=3&transport=polling&sid=v3sid");
}

#[test]
fn messages_sent_before_the_handshake_are_posted_after_it() {
    let mut session = ClientSession::new(polling_only(ProtocolVersion::V4), false);
    let handshake = single_get(&drain(&mut session));
    session.send(Message::from("early"));
    assert!(requests(&drain(&mut session)).is_empty());
    session.handle_http_response(at(0), handshake, 200, false, body(&open_packet("s", &[], 300, 200, 1_000_000)));
    let post = single_post(&drain(&mut session));
    assert_eq!(post.body.as_deref(), Some(&b"4early"[..]));
    assert_eq!(post.query, "EIO=4&transport=polling&sid=s");
}

#[test]
fn no_configured_transport_closes_immediately() {
    let mut config = ClientConfig::default();
    config.transports.clear();
    let mut session = ClientSession::new(config, false);
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![ClientEvent::Error(ClientError::NoTransports), ClientEvent::Closed(ClientCloseReason::TransportError)]
    );
    assert!(requests(&outputs).is_empty());
}

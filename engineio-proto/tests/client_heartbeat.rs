//! Client session: heartbeats (v4: server pings, engine.io-client 6.x
//! `_resetPingTimeout`; v3: client pings, engine.io-client 3.x `setPing`).

mod client_support;

use client_support::*;
use engineio_proto::client::{ClientCloseReason, ClientSession, ClientState};
use engineio_proto::ProtocolVersion;

/// A v3 polling session opened at t=0 with pingInterval 300 and pingTimeout 200.
fn open_v3() -> (ClientSession, engineio_proto::client::RequestId) {
    let (session, outputs) = opened_with(polling_only(ProtocolVersion::V3), &v3_open_payload("s", &[], 300, 200));
    let get = single_get(&outputs);
    (session, get)
}

#[test]
fn v4_server_ping_is_answered_with_a_pong() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(300), get, 200, false, body("2"));
    let outputs = drain(&mut session);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"3"[..]));
    single_get(&outputs);
}

#[test]
fn v4_deadline_is_ping_interval_plus_ping_timeout_after_open() {
    let (mut session, _get) = open_polling();
    assert_eq!(session.poll_timeout(), Some(at(500)));
    session.handle_timeout(at(499));
    assert!(drain(&mut session).is_empty(), "an early timeout call is a no-op");
    assert_eq!(session.state(), ClientState::Open);
    session.handle_timeout(at(500));
    let outputs = drain(&mut session);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::PingTimeout]);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1"[..]), "the transport is closed with a close packet");
    assert_eq!(session.poll_timeout(), None);
}

#[test]
fn v4_each_ping_pushes_the_deadline() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(400), get, 200, false, body("2"));
    drain(&mut session);
    assert_eq!(session.poll_timeout(), Some(at(900)));
    session.handle_timeout(at(500));
    assert_eq!(session.state(), ClientState::Open);
}

#[test]
fn v4_messages_do_not_push_the_deadline() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(400), get, 200, false, body("4data"));
    drain(&mut session);
    assert_eq!(session.poll_timeout(), Some(at(500)));
}

#[test]
fn v3_client_pings_after_the_ping_interval() {
    let (mut session, _get) = open_v3();
    assert_eq!(session.poll_timeout(), Some(at(300)));
    session.handle_timeout(at(300));
    let outputs = drain(&mut session);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1:2"[..]));
    assert_eq!(session.poll_timeout(), Some(at(500)), "the server now has pingTimeout to answer");
}

#[test]
fn v3_missing_pong_closes_with_ping_timeout() {
    let (mut session, _get) = open_v3();
    session.handle_timeout(at(300));
    drain(&mut session);
    session.handle_timeout(at(500));
    assert_eq!(closed_reasons(&drain(&mut session)), vec![ClientCloseReason::PingTimeout]);
}

#[test]
fn v3_pong_schedules_the_next_ping_one_interval_later() {
    let (mut session, get) = open_v3();
    session.handle_timeout(at(300));
    let post = single_post(&drain(&mut session));
    session.handle_http_response(at(310), post.id, 200, false, body("ok"));
    session.handle_http_response(at(350), get, 200, false, body("1:3"));
    drain(&mut session);
    assert_eq!(session.poll_timeout(), Some(at(650)));
    session.handle_timeout(at(650));
    assert_eq!(single_post(&drain(&mut session)).body.as_deref(), Some(&b"1:2"[..]));
}

#[test]
fn v3_server_ping_is_not_answered() {
    let (mut session, get) = open_v3();
    session.handle_http_response(at(100), get, 200, false, body("1:2"));
    assert!(posts(&drain(&mut session)).is_empty());
}

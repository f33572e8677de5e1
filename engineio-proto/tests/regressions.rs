//! Reproducers of bugs found by the fuzz targets in `fuzz/` (one test each,
//! named after the behaviour that was broken).

mod client_support;

use client_support::*;
use engineio_proto::client::{ClientCloseReason, ClientState};
use engineio_proto::ProtocolVersion;

/// `client_session` timer invariant: a v3 server announcing `pingTimeout: 0`
/// left the client's deadline after its ping at `now`, so the next
/// `handle_timeout` closed the session at once. engine.io-client 3.x
/// (`onHeartbeat(timeout)` waits `timeout || pingInterval + pingTimeout`)
/// gives the server `pingInterval` to answer instead.
#[test]
fn v3_zero_ping_timeout_gives_the_server_ping_interval_to_answer() {
    let (mut session, outputs) = opened_with(polling_only(ProtocolVersion::V3), &v3_open_payload("s", &[], 100, 0));
    let get = single_get(&outputs);
    // Any packet pushes the silence deadline past the first ping.
    session.handle_http_response(at(50), get, 200, false, body("1:6"));
    drain(&mut session);

    session.handle_timeout(at(100));
    let outputs = drain(&mut session);
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1:2"[..]), "the client pings");
    assert_eq!(session.poll_timeout(), Some(at(200)), "the pong may take pingInterval");

    session.handle_timeout(at(100));
    assert!(drain(&mut session).is_empty(), "a second call at the same instant is spurious");
    session.handle_timeout(at(200));
    assert_eq!(closed_reasons(&drain(&mut session)), vec![ClientCloseReason::PingTimeout]);
    assert_eq!(session.state(), ClientState::Closed);
}

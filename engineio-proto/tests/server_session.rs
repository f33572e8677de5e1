//! The server session machine, behaviour by behaviour, against the reference
//! engine.io server (socket.js, transports/polling.js, transports/websocket.js).
//! Time is driven by passing `Instant`s, so minutes pass in microseconds.

use bytes::Bytes;
use engineio_proto::server::{
    CloseReason, ErrorCode, Event, Handshake, Output, PostBody, RequestId, Response, SendError, ServerConfig, Session,
    UpgradeVerdict, POLLING_CLOSE_TIMEOUT,
};
use engineio_proto::{Frame, Instant, Message, ProtocolVersion, Sid, Str, TransportKind};
use std::time::Duration;

const T0: Instant = Instant::ZERO;

fn at(millis: u64) -> Instant {
    Instant::from_millis(millis)
}

fn handshake(protocol: ProtocolVersion, transport: TransportKind) -> Handshake {
    Handshake { protocol, transport, supports_binary: true }
}

fn new_session(config: &ServerConfig, protocol: ProtocolVersion, transport: TransportKind) -> Session {
    Session::new(config, &handshake(protocol, transport), Sid::new("sid0"), T0)
}

/// A v4 polling session whose handshake GET has been answered.
fn polling_with(config: &ServerConfig) -> Session {
    let mut session = new_session(config, ProtocolVersion::V4, TransportKind::Polling);
    session.handle_poll(T0, RequestId(0));
    drain(&mut session);
    session
}

fn polling() -> Session {
    polling_with(&ServerConfig::default())
}

/// A v4 WebSocket session whose open frame has been drained.
fn websocket() -> Session {
    let mut session = new_session(&ServerConfig::default(), ProtocolVersion::V4, TransportKind::WebSocket);
    drain(&mut session);
    session
}

fn v3_polling() -> Session {
    let config = ServerConfig::default().with_eio3(true);
    let mut session = new_session(&config, ProtocolVersion::V3, TransportKind::Polling);
    session.handle_poll(T0, RequestId(0));
    drain(&mut session);
    session
}

fn drain(session: &mut Session) -> Vec<Output> {
    std::iter::from_fn(|| session.poll_output()).collect()
}

fn text(body: &Bytes) -> &str {
    std::str::from_utf8(body).expect("a text body")
}

fn respond(request: u64, status: u16, body: &str) -> Output {
    let content_type = Some("text/plain; charset=UTF-8");
    Output::Respond {
        request: RequestId(request),
        response: Response { status, content_type, body: Bytes::copy_from_slice(body.as_bytes()), compressible: true },
    }
}

fn transmit(text: &'static str) -> Output {
    Output::Transmit(Frame::Text(Str::from(text)))
}

fn closed(reason: CloseReason) -> Output {
    Output::Event(Event::Closed(reason))
}

fn message(text: &'static str) -> Output {
    Output::Event(Event::Message(Message::from(text)))
}

fn post(session: &mut Session, now: Instant, body: &'static str) -> Response {
    session
        .handle_post(now, PostBody::Complete { body: Bytes::from_static(body.as_bytes()), binary_content_type: false })
}

fn frame(session: &mut Session, now: Instant, text: &'static str) {
    session.handle_frame(now, Frame::Text(Str::from(text)));
}

/// A polling session with a WebSocket attached and probed.
fn probed() -> Session {
    let mut session = polling();
    assert_eq!(session.handle_websocket_upgrade(at(10)), Ok(UpgradeVerdict::Probe));
    frame(&mut session, at(20), "2probe");
    drain(&mut session);
    session
}

mod handshake {
    use super::*;

    #[test]
    fn polling_handshake_get_is_answered_at_once_with_the_open_packet() {
        let mut session = new_session(&ServerConfig::default(), ProtocolVersion::V4, TransportKind::Polling);
        session.handle_poll(T0, RequestId(1));
        assert_eq!(
            drain(&mut session),
            [respond(
                1,
                200,
                r#"0{"sid":"sid0","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
            )]
        );
    }

    #[test]
    fn open_packet_carries_the_configured_values() {
        let config = ServerConfig::default()
            .with_ping_interval(Duration::from_millis(300))
            .with_ping_timeout(Duration::from_millis(200))
            .with_max_http_buffer_size(5_000);
        let mut session = new_session(&config, ProtocolVersion::V4, TransportKind::Polling);
        session.handle_poll(T0, RequestId(1));
        assert_eq!(
            drain(&mut session),
            [respond(
                1,
                200,
                r#"0{"sid":"sid0","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":5000}"#
            )]
        );
    }

    #[test]
    fn open_packet_offers_no_upgrade_when_upgrades_are_disabled() {
        let config = ServerConfig::default().with_upgrades(false);
        let mut session = new_session(&config, ProtocolVersion::V4, TransportKind::Polling);
        session.handle_poll(T0, RequestId(1));
        let [Output::Respond { response, .. }] = &drain(&mut session)[..] else { panic!("one answer expected") };
        assert!(text(&response.body).contains(r#""upgrades":[]"#));
    }

    #[test]
    fn websocket_handshake_transmits_the_open_packet_first() {
        let mut session = new_session(&ServerConfig::default(), ProtocolVersion::V4, TransportKind::WebSocket);
        assert_eq!(
            drain(&mut session),
            [transmit(
                r#"0{"sid":"sid0","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
            )]
        );
    }

    #[test]
    fn v3_open_packet_has_no_max_payload_and_uses_v3_framing() {
        let config = ServerConfig::default().with_eio3(true);
        let mut session = new_session(&config, ProtocolVersion::V3, TransportKind::Polling);
        session.handle_poll(T0, RequestId(1));
        assert_eq!(
            drain(&mut session),
            [respond(
                1,
                200,
                r#"81:0{"sid":"sid0","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}"#
            )]
        );
    }

    #[test]
    fn messages_sent_before_the_handshake_get_follow_the_open_packet() {
        let mut session = new_session(&ServerConfig::default(), ProtocolVersion::V4, TransportKind::Polling);
        session.send(Message::from("welcome")).unwrap();
        session.handle_poll(T0, RequestId(1));
        let [Output::Respond { response, .. }] = &drain(&mut session)[..] else { panic!("one answer expected") };
        assert!(text(&response.body).starts_with("0{"));
        assert!(text(&response.body).ends_with("}\x1e4welcome"));
    }
}

mod heartbeat {
    use super::*;

    #[test]
    fn v4_first_ping_goes_out_one_ping_interval_after_open() {
        let mut session = polling();
        assert_eq!(session.poll_timeout(), Some(at(25_000)));
        session.handle_poll(at(1), RequestId(1));
        session.handle_timeout(at(24_999));
        assert_eq!(drain(&mut session), []);
        session.handle_timeout(at(25_000));
        assert_eq!(drain(&mut session), [respond(1, 200, "2")]);
    }

    #[test]
    fn v4_missing_pong_closes_with_ping_timeout_after_ping_timeout() {
        let mut session = polling();
        session.handle_timeout(at(25_000));
        assert_eq!(session.poll_timeout(), Some(at(45_000)));
        session.handle_timeout(at(44_999));
        assert!(!session.is_closed());
        session.handle_poll(at(44_999), RequestId(1));
        drain(&mut session);
        session.handle_poll(at(45_000), RequestId(2));
        session.handle_timeout(at(45_000));
        assert!(session.is_closed());
        assert_eq!(drain(&mut session), [respond(2, 200, "1"), closed(CloseReason::PingTimeout)]);
    }

    #[test]
    fn v4_pong_schedules_the_next_ping_one_interval_later() {
        let mut session = polling();
        session.handle_timeout(at(25_000));
        assert_eq!(post(&mut session, at(25_100), "3").status, 200);
        assert_eq!(session.poll_timeout(), Some(at(50_100)));
        session.handle_timeout(at(45_000));
        assert!(!session.is_closed());
    }

    #[test]
    fn v4_client_ping_is_an_invalid_heartbeat_direction() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        post(&mut session, at(2), "2");
        assert!(session.is_closed());
        assert_eq!(drain(&mut session), [respond(1, 200, "1"), closed(CloseReason::TransportError)]);
    }

    #[test]
    fn v4_unanswered_pings_are_not_queued_twice() {
        let mut session = polling();
        session.handle_timeout(at(25_000));
        post(&mut session, at(26_000), "3");
        session.handle_timeout(at(51_000));
        assert_eq!(session.buffered_packets(), 1);
    }

    #[test]
    fn v3_client_ping_is_answered_with_pong() {
        let mut session = v3_polling();
        session.handle_poll(at(1), RequestId(1));
        post(&mut session, at(2), "1:2");
        assert_eq!(drain(&mut session), [respond(1, 200, "1:3")]);
    }

    #[test]
    fn v3_server_never_pings() {
        let mut session = v3_polling();
        session.handle_poll(at(1), RequestId(1));
        session.handle_timeout(at(25_000));
        assert_eq!(drain(&mut session), []);
    }

    #[test]
    fn v3_silence_for_interval_plus_timeout_is_a_ping_timeout() {
        let mut session = v3_polling();
        assert_eq!(session.poll_timeout(), Some(at(45_000)));
        session.handle_timeout(at(44_999));
        assert!(!session.is_closed());
        session.handle_timeout(at(45_000));
        assert_eq!(drain(&mut session), [closed(CloseReason::PingTimeout)]);
    }

    #[test]
    fn v3_client_ping_postpones_the_ping_timeout() {
        let mut session = v3_polling();
        post(&mut session, at(40_000), "1:2");
        assert_eq!(session.poll_timeout(), Some(at(85_000)));
        session.handle_timeout(at(45_000));
        assert!(!session.is_closed());
    }

    #[test]
    fn v3_client_pong_is_an_error() {
        let mut session = v3_polling();
        post(&mut session, at(1), "1:3");
        assert_eq!(drain(&mut session), [closed(CloseReason::TransportError)]);
    }

    #[test]
    fn spurious_timeouts_do_nothing() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        for millis in [0, 10, 24_999] {
            session.handle_timeout(at(millis));
        }
        assert_eq!(drain(&mut session), []);
        assert_eq!(session.poll_timeout(), Some(at(25_000)));
    }
}

mod polling {
    use super::*;

    #[test]
    fn parked_get_is_released_by_a_send() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        assert_eq!(drain(&mut session), []);
        session.send(Message::from("hi")).unwrap();
        assert_eq!(drain(&mut session), [respond(1, 200, "4hi")]);
    }

    #[test]
    fn get_takes_all_queued_packets_in_one_payload() {
        let mut session = polling();
        session.send(Message::from("a")).unwrap();
        session.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4]))).unwrap();
        session.send(Message::from("b")).unwrap();
        session.handle_poll(at(1), RequestId(1));
        assert_eq!(drain(&mut session), [respond(1, 200, "4a\x1ebAQIDBA==\x1e4b")]);
        assert_eq!(session.buffered_messages(), 0);
    }

    #[test]
    fn get_payload_is_bounded_by_max_http_buffer_size() {
        let mut session = polling_with(&ServerConfig::default().with_max_http_buffer_size(11));
        for text in ["aaaa", "bbbb", "cccc"] {
            session.send(Message::from(text)).unwrap();
        }
        session.handle_poll(at(1), RequestId(1));
        session.handle_poll(at(2), RequestId(2));
        assert_eq!(drain(&mut session), [respond(1, 200, "4aaaa\x1e4bbbb"), respond(2, 200, "4cccc")]);
    }

    #[test]
    fn a_single_packet_over_the_bound_still_goes_out_alone() {
        let mut session = polling_with(&ServerConfig::default().with_max_http_buffer_size(3));
        session.send(Message::from("too long")).unwrap();
        session.handle_poll(at(1), RequestId(1));
        assert_eq!(drain(&mut session), [respond(1, 200, "4too long")]);
    }

    #[test]
    fn v3_binary_message_uses_the_binary_payload_for_binary_clients() {
        let mut session = v3_polling();
        session.send(Message::Binary(Bytes::from_static(&[1, 2]))).unwrap();
        session.handle_poll(at(1), RequestId(1));
        let [Output::Respond { response, .. }] = &drain(&mut session)[..] else { panic!("one answer expected") };
        assert_eq!(response.content_type, Some("application/octet-stream"));
        assert_eq!(&response.body[..], &[1, 3, 0xFF, 4, 1, 2]);
    }

    #[test]
    fn v3_binary_message_is_base64_text_for_b64_clients() {
        let config = ServerConfig::default().with_eio3(true);
        let b64 =
            Handshake { protocol: ProtocolVersion::V3, transport: TransportKind::Polling, supports_binary: false };
        let mut session = Session::new(&config, &b64, Sid::new("sid0"), T0);
        session.handle_poll(T0, RequestId(0));
        drain(&mut session);
        session.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4]))).unwrap();
        session.handle_poll(at(1), RequestId(1));
        assert_eq!(drain(&mut session), [respond(1, 200, "10:b4AQIDBA==")]);
    }

    #[test]
    fn post_is_answered_ok_and_its_messages_become_events_in_order() {
        let mut session = polling();
        let response = post(&mut session, at(1), "4hello\x1ebAQIDBA==\x1e4world");
        assert_eq!(response, Response::ok());
        assert_eq!(
            drain(&mut session),
            [
                message("hello"),
                Output::Event(Event::Message(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])))),
                message("world")
            ]
        );
    }

    #[test]
    fn v3_binary_post_is_decoded_with_binary_framing() {
        let mut session = v3_polling();
        let body = Bytes::from_static(&[1, 3, 0xFF, 4, 7, 8]);
        session.handle_post(at(1), PostBody::Complete { body, binary_content_type: true });
        assert_eq!(drain(&mut session), [Output::Event(Event::Message(Message::Binary(Bytes::from_static(&[7, 8]))))]);
    }

    #[test]
    fn invalid_post_payload_is_answered_ok_and_closes_with_parse_error() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        let response = post(&mut session, at(2), "4first\x1e9nope\x1e4never");
        assert_eq!(response.status, 200);
        assert_eq!(drain(&mut session), [message("first"), respond(1, 200, "1"), closed(CloseReason::ParseError)]);
    }

    #[test]
    fn close_packet_in_post_closes_with_transport_close_and_the_parked_get_gets_noop() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        assert_eq!(post(&mut session, at(2), "1").status, 200);
        assert_eq!(drain(&mut session), [respond(1, 200, "6"), closed(CloseReason::TransportClose)]);
    }

    #[test]
    fn too_large_post_gets_413_and_closes_with_transport_error() {
        let mut session = polling();
        let response = session.handle_post(at(1), PostBody::TooLarge);
        assert_eq!(response.status, 413);
        assert_eq!(drain(&mut session), [closed(CloseReason::TransportError)]);
    }

    #[test]
    fn a_complete_body_over_the_limit_is_too_large_too() {
        let mut session = polling_with(&ServerConfig::default().with_max_http_buffer_size(4));
        assert_eq!(post(&mut session, at(1), "4hello").status, 413);
        assert!(session.is_closed());
    }

    #[test]
    fn binary_content_type_on_a_v4_post_is_refused() {
        let mut session = polling();
        let body = Bytes::from_static(b"4hi");
        let response = session.handle_post(at(1), PostBody::Complete { body, binary_content_type: true });
        assert_eq!(response.status, 400);
        assert_eq!(drain(&mut session), [closed(CloseReason::TransportError)]);
    }

    #[test]
    fn upgrade_packet_over_polling_is_a_protocol_error() {
        let mut session = polling();
        post(&mut session, at(1), "5");
        assert_eq!(drain(&mut session), [closed(CloseReason::TransportError)]);
    }

    #[test]
    fn noop_from_the_client_is_ignored() {
        let mut session = polling();
        post(&mut session, at(1), "6");
        assert_eq!(drain(&mut session), []);
        assert!(!session.is_closed());
    }

    #[test]
    fn second_concurrent_get_closes_the_session() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        session.handle_poll(at(2), RequestId(2));
        assert_eq!(
            drain(&mut session),
            [
                respond(1, 200, "1"),
                Output::Respond { request: RequestId(2), response: Response::bad_request_without_body() },
                closed(CloseReason::TransportError)
            ]
        );
    }

    #[test]
    fn aborted_parked_get_closes_with_transport_error() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        session.handle_poll_aborted(at(2), RequestId(7));
        assert!(!session.is_closed());
        session.handle_poll_aborted(at(2), RequestId(1));
        assert_eq!(drain(&mut session), [closed(CloseReason::TransportError)]);
    }

    #[test]
    fn get_after_close_is_answered_with_unknown_sid() {
        let mut session = polling();
        session.close(at(1), CloseReason::ServerShuttingDown);
        drain(&mut session);
        session.handle_poll(at(2), RequestId(1));
        let [Output::Respond { response, .. }] = &drain(&mut session)[..] else { panic!("one answer expected") };
        assert_eq!((response.status, text(&response.body)), (400, r#"{"code":1,"message":"Session ID unknown"}"#));
        assert_eq!(post(&mut session, at(3), "4x").status, 400);
    }
}

mod upgrade {
    use super::*;

    #[test]
    fn probe_is_answered_and_releases_the_parked_get_with_noop() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        session.handle_websocket_upgrade(at(2)).unwrap();
        assert_eq!(drain(&mut session), []);
        frame(&mut session, at(3), "2probe");
        assert_eq!(drain(&mut session), [transmit("3probe"), Output::Event(Event::Upgrading), respond(1, 200, "6")]);
        assert!(session.is_upgrading());
    }

    #[test]
    fn get_during_a_probed_upgrade_is_answered_with_noop_at_once() {
        let mut session = probed();
        session.handle_poll(at(30), RequestId(1));
        assert_eq!(drain(&mut session), [respond(1, 200, "6")]);
    }

    #[test]
    fn upgrade_packet_switches_to_websocket_and_flushes_queued_packets_in_order() {
        let mut session = probed();
        session.send(Message::from("one")).unwrap();
        session.send(Message::Binary(Bytes::from_static(&[9]))).unwrap();
        frame(&mut session, at(30), "5");
        assert_eq!(
            drain(&mut session),
            [
                Output::Event(Event::Upgraded),
                transmit("4one"),
                Output::Transmit(Frame::Binary(Bytes::from_static(&[9])))
            ]
        );
        assert_eq!(session.transport(), TransportKind::WebSocket);
        session.send(Message::from("two")).unwrap();
        assert_eq!(drain(&mut session), [transmit("4two")]);
    }

    #[test]
    fn polling_request_after_upgrade_is_a_bad_request() {
        let mut session = probed();
        assert_eq!(session.check_request(TransportKind::Polling, false, ProtocolVersion::V4), Ok(()));
        frame(&mut session, at(30), "5");
        let error = session.check_request(TransportKind::Polling, false, ProtocolVersion::V4).unwrap_err();
        assert_eq!((error.status, error.code), (400, ErrorCode::BadRequest));
    }

    #[test]
    fn plain_get_naming_websocket_is_a_bad_request() {
        let session = polling();
        let error = session.check_request(TransportKind::WebSocket, false, ProtocolVersion::V4).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadRequest);
    }

    #[test]
    fn websocket_naming_eio_4_for_a_v3_session_is_a_bad_request() {
        let mut session = v3_polling();
        let error = session.check_request(TransportKind::WebSocket, true, ProtocolVersion::V4).unwrap_err();
        assert_eq!((error.status, error.code), (400, ErrorCode::BadRequest));
        assert_eq!(session.check_request(TransportKind::WebSocket, true, ProtocolVersion::V3), Ok(()));
        assert_eq!(drain(&mut session), [], "the refused request leaves the session as it was");
    }

    #[test]
    fn websocket_naming_eio_3_for_a_v4_session_is_a_bad_request() {
        let session = polling();
        let error = session.check_request(TransportKind::WebSocket, true, ProtocolVersion::V3).unwrap_err();
        assert_eq!((error.status, error.code), (400, ErrorCode::BadRequest));
        assert_eq!(session.check_request(TransportKind::WebSocket, true, ProtocolVersion::V4), Ok(()));
    }

    #[test]
    fn polling_request_naming_another_eio_is_a_bad_request_and_the_session_goes_on() {
        let mut session = v3_polling();
        let error = session.check_request(TransportKind::Polling, false, ProtocolVersion::V4).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadRequest);
        assert!(!session.is_closed());
        assert_eq!(session.check_request(TransportKind::Polling, false, ProtocolVersion::V3), Ok(()));
        assert_eq!(drain(&mut session), []);
    }

    #[test]
    fn missing_upgrade_packet_closes_the_probe_websocket_and_keeps_polling() {
        let mut session = probed();
        assert_eq!(session.poll_timeout(), Some(at(10_010)));
        session.handle_timeout(at(10_010));
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }]);
        assert!(!session.is_upgrading());
        assert_eq!(session.poll_timeout(), Some(at(25_000)));
        session.handle_poll(at(10_020), RequestId(1));
        assert_eq!(drain(&mut session), [], "a GET parks again once the upgrade is given up");
        assert_eq!(session.handle_websocket_upgrade(at(10_030)), Ok(UpgradeVerdict::Probe), "a new attempt is allowed");
    }

    /// What the reference does with a WebSocket the session will not take:
    /// it opens (101) and is closed at once without a status code.
    const CLOSE_AT_ONCE: UpgradeVerdict = UpgradeVerdict::Close { code: None };

    #[test]
    fn second_websocket_while_one_is_attached_is_opened_then_closed() {
        let mut session = polling();
        assert_eq!(session.handle_websocket_upgrade(at(1)), Ok(UpgradeVerdict::Probe));
        assert_eq!(session.handle_websocket_upgrade(at(2)), Ok(CLOSE_AT_ONCE));
        assert_eq!(drain(&mut session), [], "the first WebSocket is not closed");
        assert!(session.is_upgrading(), "the first WebSocket still probes");
    }

    #[test]
    fn second_websocket_while_probed_is_opened_then_closed_and_the_upgrade_completes() {
        let mut session = probed();
        assert_eq!(session.handle_websocket_upgrade(at(25)), Ok(CLOSE_AT_ONCE));
        assert_eq!(drain(&mut session), []);
        frame(&mut session, at(30), "5");
        assert_eq!(drain(&mut session), [Output::Event(Event::Upgraded)]);
        assert_eq!(session.transport(), TransportKind::WebSocket);
    }

    #[test]
    fn second_websocket_after_the_upgrade_is_opened_then_closed_and_the_first_goes_on() {
        let mut session = probed();
        frame(&mut session, at(30), "5");
        drain(&mut session);
        assert_eq!(session.handle_websocket_upgrade(at(40)), Ok(CLOSE_AT_ONCE));
        assert_eq!(drain(&mut session), []);
        frame(&mut session, at(50), "4hello");
        assert_eq!(drain(&mut session), [message("hello")]);
        session.send(Message::from("hello")).unwrap();
        assert_eq!(drain(&mut session), [transmit("4hello")]);
    }

    #[test]
    fn second_websocket_after_a_v3_upgrade_is_opened_then_closed() {
        let mut session = v3_polling();
        assert_eq!(session.handle_websocket_upgrade(at(10)), Ok(UpgradeVerdict::Probe));
        frame(&mut session, at(20), "2probe");
        frame(&mut session, at(30), "5");
        drain(&mut session);
        assert_eq!(session.handle_websocket_upgrade(at(40)), Ok(CLOSE_AT_ONCE));
        assert_eq!(drain(&mut session), []);
        assert_eq!(session.transport(), TransportKind::WebSocket);
    }

    #[test]
    fn websocket_for_a_websocket_session_is_opened_then_closed() {
        let mut session = websocket();
        assert_eq!(session.handle_websocket_upgrade(at(1)), Ok(CLOSE_AT_ONCE));
        assert_eq!(drain(&mut session), []);
    }

    #[test]
    fn websocket_when_upgrades_are_disallowed_is_opened_then_closed() {
        let mut session = polling_with(&ServerConfig::default().with_upgrades(false));
        assert_eq!(session.handle_websocket_upgrade(at(1)), Ok(CLOSE_AT_ONCE));
        assert!(!session.is_upgrading());
    }

    #[test]
    fn websocket_for_a_closed_session_is_refused_as_an_unknown_sid() {
        let mut session = polling();
        session.close(at(1), CloseReason::ServerShuttingDown);
        let error = session.handle_websocket_upgrade(at(2)).unwrap_err();
        assert_eq!((error.status, error.code), (400, ErrorCode::UnknownSid));
    }

    #[test]
    fn unexpected_packet_on_the_probe_ends_the_upgrade_not_the_session() {
        let mut session = probed();
        frame(&mut session, at(30), "4hi");
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }]);
        assert!(!session.is_upgrading());
        assert!(!session.is_closed());
    }

    #[test]
    fn probe_websocket_closed_by_the_peer_keeps_the_session_on_polling() {
        let mut session = probed();
        session.handle_websocket_closed(at(30));
        assert_eq!(drain(&mut session), []);
        assert!(!session.is_upgrading());
        assert!(!session.is_closed());
    }

    #[test]
    fn oversized_message_on_the_probe_closes_it_with_1009() {
        let mut session = probed();
        session.handle_frame_too_large(at(30));
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1009 }]);
        assert!(!session.is_closed());
    }

    #[test]
    fn closing_the_session_closes_the_probe_websocket() {
        let mut session = probed();
        session.close(at(30), CloseReason::ServerShuttingDown);
        assert_eq!(
            drain(&mut session),
            [Output::CloseWebSocket { code: 1000 }, closed(CloseReason::ServerShuttingDown)]
        );
    }
}

mod websocket {
    use super::*;

    #[test]
    fn frames_become_events_and_sends_become_frames() {
        let mut session = websocket();
        frame(&mut session, at(1), "4hello");
        session.handle_frame(at(2), Frame::Binary(Bytes::from_static(&[1, 2])));
        session.send(Message::from("back")).unwrap();
        assert_eq!(
            drain(&mut session),
            [
                message("hello"),
                Output::Event(Event::Message(Message::Binary(Bytes::from_static(&[1, 2])))),
                transmit("4back")
            ]
        );
    }

    #[test]
    fn heartbeat_runs_over_the_websocket() {
        let mut session = websocket();
        session.handle_timeout(at(25_000));
        assert_eq!(drain(&mut session), [transmit("2")]);
        frame(&mut session, at(25_010), "3");
        assert_eq!(session.poll_timeout(), Some(at(50_010)));
    }

    #[test]
    fn invalid_frame_closes_with_parse_error() {
        let mut session = websocket();
        frame(&mut session, at(1), "9x");
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }, closed(CloseReason::ParseError)]);
    }

    #[test]
    fn frame_too_large_closes_with_1009_and_transport_error() {
        let mut session = websocket();
        session.handle_frame_too_large(at(1));
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1009 }, closed(CloseReason::TransportError)]);
    }

    #[test]
    fn close_packet_closes_with_transport_close() {
        let mut session = websocket();
        frame(&mut session, at(1), "1");
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }, closed(CloseReason::TransportClose)]);
    }

    #[test]
    fn websocket_closed_by_the_peer_is_a_transport_close() {
        let mut session = websocket();
        session.handle_websocket_closed(at(1));
        assert_eq!(drain(&mut session), [closed(CloseReason::TransportClose)]);
    }

    #[test]
    fn websocket_error_is_a_transport_error() {
        let mut session = websocket();
        session.handle_websocket_error(at(1));
        assert_eq!(drain(&mut session), [closed(CloseReason::TransportError)]);
    }

    #[test]
    fn websocket_send_buffer_counts_frames_until_the_driver_reports_them_written() {
        let mut session = websocket();
        drain(&mut session);
        session.handle_frames_written(1); // the open packet
        session.send(Message::from("a")).unwrap();
        session.send(Message::from("b")).unwrap();
        assert_eq!(session.unwritten_frames(), 2);
        session.handle_frames_written(2);
        assert_eq!(session.unwritten_frames(), 0);
    }

    #[test]
    fn websocket_refuses_sends_once_max_buffered_packets_frames_are_unwritten() {
        let config = ServerConfig::default().with_max_buffered_packets(3);
        let mut session = new_session(&config, ProtocolVersion::V4, TransportKind::WebSocket);
        session.handle_frames_written(1); // the open packet
        for text in ["a", "b", "c"] {
            session.send(Message::from(text)).unwrap();
        }
        assert_eq!(session.send(Message::from("d")), Err(SendError::BufferFull(Message::from("d"))));
        session.handle_frames_written(1);
        assert_eq!(session.send(Message::from("d")), Ok(()));
    }

    #[test]
    fn websocket_is_writable_only_while_nothing_is_unwritten() {
        let mut session = websocket();
        assert!(!session.is_writable(), "the open packet is not written yet");
        session.handle_frames_written(1);
        assert!(session.is_writable());
        session.send(Message::from("a")).unwrap();
        assert!(!session.is_writable());
    }

    #[test]
    fn frames_reported_written_beyond_those_transmitted_are_ignored() {
        let mut session = websocket();
        session.handle_frames_written(5);
        assert_eq!(session.unwritten_frames(), 0);
        session.send(Message::from("a")).unwrap();
        assert_eq!(session.unwritten_frames(), 1);
    }
}

mod close {
    use super::*;

    #[test]
    fn forced_close_answers_a_parked_get_with_a_close_packet() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        session.close(at(2), CloseReason::ForcedClose);
        assert_eq!(drain(&mut session), [respond(1, 200, "1"), closed(CloseReason::ForcedClose)]);
        assert!(session.is_closed());
    }

    #[test]
    fn forced_close_delivers_queued_packets_then_the_close_packet_to_the_next_get() {
        let mut session = polling();
        session.send(Message::from("last words")).unwrap();
        session.close(at(1), CloseReason::ForcedClose);
        assert!(!session.is_closed());
        assert!(matches!(session.send(Message::from("late")), Err(SendError::Closed(_))));
        session.handle_poll(at(2), RequestId(1));
        assert_eq!(drain(&mut session), [respond(1, 200, "4last words\x1e1"), closed(CloseReason::ForcedClose)]);
    }

    #[test]
    fn forced_close_without_a_get_ends_after_the_polling_close_timeout() {
        let mut session = polling();
        session.close(at(1), CloseReason::ForcedClose);
        let deadline = at(1) + POLLING_CLOSE_TIMEOUT;
        assert_eq!(session.poll_timeout(), Some(deadline));
        session.handle_timeout(at(25_000));
        assert_eq!(drain(&mut session), [], "no ping while closing");
        session.handle_timeout(deadline);
        assert_eq!(drain(&mut session), [closed(CloseReason::ForcedClose)]);
    }

    #[test]
    fn forced_close_on_websocket_closes_the_socket() {
        let mut session = websocket();
        session.close(at(1), CloseReason::ForcedClose);
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }, closed(CloseReason::ForcedClose)]);
    }

    #[test]
    fn server_shutting_down_discards_queued_packets_and_ends_now() {
        let mut session = polling();
        session.send(Message::from("dropped")).unwrap();
        session.close(at(1), CloseReason::ServerShuttingDown);
        assert_eq!(drain(&mut session), [closed(CloseReason::ServerShuttingDown)]);
        assert_eq!(session.buffered_packets(), 0);
    }

    #[test]
    fn after_close_every_input_is_a_no_op() {
        let mut session = websocket();
        session.close(at(1), CloseReason::ForcedClose);
        drain(&mut session);
        frame(&mut session, at(2), "4x");
        session.handle_frame_too_large(at(3));
        session.handle_websocket_closed(at(4));
        session.handle_timeout(at(100_000));
        session.close(at(5), CloseReason::ForcedClose);
        assert_eq!(drain(&mut session), []);
        assert_eq!(session.poll_timeout(), None);
        assert_eq!(session.handle_websocket_upgrade(at(6)).map_err(|error| error.code), Err(ErrorCode::UnknownSid));
    }

    #[test]
    fn closed_is_emitted_once_even_when_the_peer_also_closes() {
        let mut session = polling();
        session.handle_poll(at(1), RequestId(1));
        post(&mut session, at(2), "1\x1e1");
        session.handle_poll_aborted(at(3), RequestId(1));
        let closes = drain(&mut session).into_iter().filter(|output| matches!(output, Output::Event(Event::Closed(_))));
        assert_eq!(closes.count(), 1);
    }

    #[test]
    fn close_reasons_have_the_reference_names() {
        let names: Vec<_> = [
            CloseReason::TransportClose,
            CloseReason::TransportError,
            CloseReason::PingTimeout,
            CloseReason::ParseError,
            CloseReason::ForcedClose,
            CloseReason::ServerShuttingDown,
        ]
        .iter()
        .map(|reason| reason.as_str())
        .collect();
        assert_eq!(
            names,
            [
                "transport close",
                "transport error",
                "ping timeout",
                "parse error",
                "forced close",
                "server shutting down"
            ]
        );
    }
}

mod buffer {
    use super::*;

    #[test]
    fn send_refuses_beyond_max_buffered_packets_and_returns_the_message() {
        let mut session = polling_with(&ServerConfig::default().with_max_buffered_packets(2));
        session.send(Message::from("1")).unwrap();
        session.send(Message::from("2")).unwrap();
        assert_eq!(session.send(Message::from("3")), Err(SendError::BufferFull(Message::from("3"))));
        session.handle_poll(at(1), RequestId(1));
        assert!(session.send(Message::from("3")).is_ok(), "a GET makes room");
    }
}

mod compress_option {
    use super::*;

    fn answer(session: &mut Session) -> Response {
        session.handle_poll(at(1), RequestId(7));
        match drain(session).pop() {
            Some(Output::Respond { response, .. }) => response,
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    #[test]
    fn a_polling_answer_is_compressible_by_default() {
        let mut session = polling();
        session.send(Message::from("a")).unwrap();
        assert!(answer(&mut session).compressible);
    }

    #[test]
    fn a_polling_answer_of_only_uncompressed_packets_is_not_compressible() {
        let mut session = polling();
        session.send_with(Message::from("a"), false).unwrap();
        session.send_with(Message::from("b"), false).unwrap();
        assert!(!answer(&mut session).compressible);
    }

    #[test]
    fn one_compressible_packet_makes_the_whole_answer_compressible() {
        let mut session = polling();
        session.send_with(Message::from("a"), false).unwrap();
        session.send_with(Message::from("b"), true).unwrap();
        assert!(answer(&mut session).compressible);
    }
}

mod send_buffer_bound {
    use super::*;

    /// A v4 WebSocket session with `config`, its open frame written.
    fn websocket_with(config: &ServerConfig) -> Session {
        let mut session = new_session(config, ProtocolVersion::V4, TransportKind::WebSocket);
        drain(&mut session);
        session.handle_frames_written(1);
        session
    }

    /// A pong answering a ping of 125 bytes: a 2-byte header and the payload.
    const PONG: usize = 127;

    #[test]
    fn websocket_refuses_a_send_past_max_buffered_bytes() {
        let mut session = websocket_with(&ServerConfig::default().with_max_buffered_bytes(10));
        session.send(Message::from("123456")).unwrap();
        assert_eq!(session.send(Message::from("12345")), Err(SendError::BufferFull(Message::from("12345"))));
        assert_eq!(session.send(Message::from("1234")), Ok(()));
        assert_eq!(session.buffered_bytes(), 10);
    }

    #[test]
    fn websocket_frees_the_bytes_of_frames_reported_written() {
        let mut session = websocket_with(&ServerConfig::default().with_max_buffered_bytes(10));
        session.send(Message::from("123456")).unwrap();
        session.send(Message::from("1234")).unwrap();
        session.handle_frames_written(1);
        assert_eq!(session.buffered_bytes(), 4);
        assert_eq!(session.send(Message::from("123456")), Ok(()));
    }

    #[test]
    fn an_empty_send_buffer_takes_one_message_larger_than_max_buffered_bytes() {
        let mut session = websocket_with(&ServerConfig::default().with_max_buffered_bytes(4));
        assert_eq!(session.send(Message::from("larger than four")), Ok(()));
        assert_eq!(session.send(Message::from("x")), Err(SendError::BufferFull(Message::from("x"))));
    }

    #[test]
    fn a_buffer_holding_only_an_empty_message_is_not_empty() {
        let mut session = polling_with(&ServerConfig::default().with_max_buffered_bytes(1));
        session.send(Message::from("")).unwrap();
        let large = Message::from("larger than one");
        assert_eq!(session.send(large.clone()), Err(SendError::BufferFull(large)));
    }

    #[test]
    fn polling_refuses_a_send_past_max_buffered_bytes_until_a_get_takes_the_queue() {
        let mut session = polling_with(&ServerConfig::default().with_max_buffered_bytes(10));
        session.send(Message::from("123456")).unwrap();
        assert_eq!(session.send(Message::from("12345")), Err(SendError::BufferFull(Message::from("12345"))));
        assert_eq!(session.buffered_bytes(), 6);
        session.handle_poll(at(1), RequestId(1));
        assert_eq!(drain(&mut session), [respond(1, 200, "4123456")]);
        assert_eq!(session.buffered_bytes(), 0);
        assert_eq!(session.send(Message::from("12345")), Ok(()));
    }

    #[test]
    fn has_room_for_checks_a_group_against_both_bounds() {
        let config = ServerConfig::default().with_max_buffered_packets(3).with_max_buffered_bytes(100);
        let mut session = websocket_with(&config);
        session.send(Message::from("x")).unwrap();
        assert!(session.has_room_for(2, 99));
        assert!(!session.has_room_for(3, 1), "four frames");
        assert!(!session.has_room_for(2, 100), "101 bytes");
    }

    #[test]
    fn pongs_count_against_the_send_buffer_until_a_flush_completes() {
        let mut session = websocket_with(&ServerConfig::default());
        session.handle_control_frame_queued(at(1), PONG);
        session.handle_control_frame_queued(at(1), PONG);
        assert_eq!(session.buffered_bytes(), 2 * PONG);
        assert!(!session.is_writable(), "pongs wait for the socket");
        session.handle_websocket_flushed();
        assert_eq!(session.buffered_bytes(), 0);
        assert!(session.is_writable());
    }

    #[test]
    fn a_pong_past_max_buffered_packets_closes_the_session_with_send_buffer_full() {
        let mut session = websocket_with(&ServerConfig::default().with_max_buffered_packets(3));
        for _ in 0..3 {
            session.handle_control_frame_queued(at(1), PONG);
        }
        assert_eq!(drain(&mut session), []);
        session.handle_control_frame_queued(at(1), PONG);
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }, closed(CloseReason::SendBufferFull)]);
        assert!(session.is_closed());
    }

    #[test]
    fn a_pong_past_max_buffered_bytes_closes_the_session_with_send_buffer_full() {
        let mut session = websocket_with(&ServerConfig::default().with_max_buffered_bytes(3 * PONG));
        for _ in 0..3 {
            session.handle_control_frame_queued(at(1), PONG);
        }
        assert_eq!(drain(&mut session), []);
        session.handle_control_frame_queued(at(1), PONG);
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }, closed(CloseReason::SendBufferFull)]);
    }

    #[test]
    fn unwritten_messages_and_pongs_share_the_bound() {
        let mut session = websocket_with(&ServerConfig::default().with_max_buffered_packets(2));
        session.send(Message::from("a")).unwrap();
        session.handle_control_frame_queued(at(1), PONG);
        assert_eq!(session.send(Message::from("b")), Err(SendError::BufferFull(Message::from("b"))));
        session.handle_control_frame_queued(at(1), PONG);
        assert!(session.is_closed(), "the third frame does not fit");
    }

    #[test]
    fn a_heartbeat_that_does_not_fit_closes_the_session_with_send_buffer_full() {
        let config = ServerConfig::default().with_max_buffered_packets(1);
        let mut session = websocket_with(&config);
        session.send(Message::from("never written")).unwrap();
        drain(&mut session);
        session.handle_timeout(T0 + config.ping_interval);
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }, closed(CloseReason::SendBufferFull)]);
    }

    #[test]
    fn a_heartbeat_that_fits_is_transmitted() {
        let config = ServerConfig::default().with_max_buffered_packets(2);
        let mut session = websocket_with(&config);
        session.send(Message::from("never written")).unwrap();
        drain(&mut session);
        session.handle_timeout(T0 + config.ping_interval);
        assert_eq!(drain(&mut session), [transmit("2")]);
    }

    #[test]
    fn pongs_overflowing_a_probing_websocket_end_the_upgrade_not_the_session() {
        let mut session = polling_with(&ServerConfig::default().with_max_buffered_packets(1));
        session.handle_websocket_upgrade(at(10)).unwrap();
        session.handle_control_frame_queued(at(11), PONG);
        session.handle_control_frame_queued(at(11), PONG);
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }]);
        assert!(!session.is_upgrading());
        assert!(!session.is_closed());
        assert_eq!(session.buffered_bytes(), 0, "the dropped WebSocket's pongs are forgotten");
    }

    #[test]
    fn a_probe_answer_that_does_not_fit_ends_the_upgrade() {
        let mut session = polling_with(&ServerConfig::default().with_max_buffered_packets(1));
        session.handle_poll(at(1), RequestId(1));
        session.handle_websocket_upgrade(at(10)).unwrap();
        session.handle_control_frame_queued(at(11), PONG);
        frame(&mut session, at(12), "2probe");
        assert_eq!(drain(&mut session), [Output::CloseWebSocket { code: 1000 }]);
        assert!(!session.is_upgrading());
        assert!(!session.is_closed(), "the session stays on polling, its GET still parked");
    }

    #[test]
    fn send_buffer_full_is_the_reason_string() {
        assert_eq!(CloseReason::SendBufferFull.as_str(), "send buffer full");
    }
}

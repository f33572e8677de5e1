//! Client session: the HTTP long-polling transport (engine.io-client `Polling`).

mod client_support;

use bytes::Bytes;
use client_support::*;
use engineio_proto::client::{ClientCloseReason, ClientError, ClientEvent, ClientOutput, HttpMethod, RequestId};
use engineio_proto::payload::{BINARY_CONTENT_TYPE, TEXT_CONTENT_TYPE};
use engineio_proto::{DecodeError, Message, ProtocolVersion, Sid};

fn message(text: &'static str) -> ClientEvent {
    ClientEvent::Message(Message::from(text))
}

#[test]
fn open_session_keeps_exactly_one_get_outstanding() {
    let (mut session, mut get) = open_polling();
    for round in 0..3u64 {
        session.handle_http_response(at(round), get, 200, false, body("4tick"));
        let outputs = drain(&mut session);
        let next = single_get(&outputs);
        assert_ne!(next, get, "every long poll is a new request");
        get = next;
    }
}

#[test]
fn get_response_messages_are_emitted_in_order() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(1), get, 200, false, body("4one\x1e4two\x1ebAQID"));
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![message("one"), message("two"), ClientEvent::Message(Message::Binary(Bytes::from_static(&[1, 2, 3])))]
    );
}

#[test]
fn sent_message_is_posted_as_a_v4_text_payload() {
    let (mut session, _get) = open_polling();
    session.send(Message::from("hello"));
    let post = single_post(&drain(&mut session));
    assert_eq!(post.query, "EIO=4&transport=polling&sid=s1");
    assert_eq!(post.body.as_deref(), Some(&b"4hello"[..]));
    assert_eq!(post.content_type, Some(TEXT_CONTENT_TYPE));
}

#[test]
fn binary_message_is_posted_as_b_and_base64() {
    let (mut session, _get) = open_polling();
    session.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])));
    assert_eq!(single_post(&drain(&mut session)).body.as_deref(), Some(&b"bAQIDBA=="[..]));
}

#[test]
fn messages_queued_during_a_post_go_together_in_the_next_post() {
    let (mut session, _get) = open_polling();
    session.send(Message::from("a"));
    let first = single_post(&drain(&mut session));
    session.send(Message::from("b"));
    session.send(Message::from("c"));
    assert!(posts(&drain(&mut session)).is_empty(), "one POST at a time");
    session.handle_http_response(at(1), first.id, 200, false, body("ok"));
    assert_eq!(single_post(&drain(&mut session)).body.as_deref(), Some(&b"4b\x1e4c"[..]));
}

#[test]
fn posts_are_split_to_respect_the_server_max_payload() {
    let (mut session, outputs) = opened_with(polling_only(ProtocolVersion::V4), &open_packet("s", &[], 300, 200, 20));
    drop(outputs);
    session.send(Message::from("first"));
    let mut post = single_post(&drain(&mut session));
    for text in ["aaaaa", "bbbbb", "ccccc", "ddddd"] {
        session.send(Message::from(text));
    }
    let mut bodies = Vec::new();
    for round in 0..3 {
        session.handle_http_response(at(round), post.id, 200, false, body("ok"));
        let outputs = drain(&mut session);
        if outputs.is_empty() {
            break;
        }
        post = single_post(&outputs);
        bodies.push(post.body.clone().unwrap_or_default());
    }
    // 6 + 1 + 6 + 1 + 6 = 20 bytes fit; the fourth message waits.
    assert_eq!(bodies, vec![Bytes::from_static(b"4aaaaa\x1e4bbbbb\x1e4ccccc"), Bytes::from_static(b"4ddddd")]);
}

#[test]
fn v3_binary_message_is_posted_with_binary_framing() {
    let (mut session, _outputs) = opened_with(polling_only(ProtocolVersion::V3), &v3_open_payload("s", &[], 300, 200));
    session.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])));
    let post = single_post(&drain(&mut session));
    assert_eq!(post.body.as_deref(), Some(&[0x01, 0x05, 0xFF, 0x04, 1, 2, 3, 4][..]));
    assert_eq!(post.content_type, Some(BINARY_CONTENT_TYPE));
}

#[test]
fn v3_text_messages_are_posted_length_prefixed() {
    let (mut session, _outputs) = opened_with(polling_only(ProtocolVersion::V3), &v3_open_payload("s", &[], 300, 200));
    session.send(Message::from("€"));
    let post = single_post(&drain(&mut session));
    assert_eq!(post.body.as_deref(), Some("2:4€".as_bytes()));
    assert_eq!(post.content_type, Some(TEXT_CONTENT_TYPE));
}

#[test]
fn v3_force_base64_posts_binary_as_base64_text() {
    let mut config = polling_only(ProtocolVersion::V3);
    config.force_base64 = true;
    let (mut session, _outputs) = opened_with(config, &v3_open_payload("s", &[], 300, 200));
    session.send(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])));
    let post = single_post(&drain(&mut session));
    assert_eq!(post.body.as_deref(), Some(&b"10:b4AQIDBA=="[..]));
    assert_eq!(post.query, "EIO=3&transport=polling&sid=s");
}

#[test]
fn v3_binary_get_response_is_decoded_with_binary_framing() {
    let (mut session, outputs) = opened_with(polling_only(ProtocolVersion::V3), &v3_open_payload("s", &[], 300, 200));
    let get = single_get(&outputs);
    let payload = Bytes::from_static(&[0x00, 0x04, 0xFF, b'4', 0xE2, 0x82, 0xAC, 0x01, 0x05, 0xFF, 0x04, 1, 2, 3, 4]);
    session.handle_http_response(at(1), get, 200, true, payload);
    assert_eq!(
        events(&drain(&mut session)),
        vec![message("€"), ClientEvent::Message(Message::Binary(Bytes::from_static(&[1, 2, 3, 4])))]
    );
}

#[test]
fn noop_in_a_get_response_is_ignored() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(1), get, 200, false, body("6"));
    let outputs = drain(&mut session);
    assert!(events(&outputs).is_empty());
    single_get(&outputs);
}

#[test]
fn server_close_packet_closes_with_transport_close_without_posting() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(1), get, 200, false, body("4last\x1e1\x1e4ignored"));
    let outputs = drain(&mut session);
    assert_eq!(events(&outputs), vec![message("last"), ClientEvent::Closed(ClientCloseReason::TransportClose)]);
    assert!(requests(&outputs).is_empty());
}

#[test]
fn get_with_non_200_status_closes_with_transport_error() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(1), get, 400, false, body("{\"code\":1}"));
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![
            ClientEvent::Error(ClientError::HttpStatus { method: HttpMethod::Get, status: 400 }),
            ClientEvent::Closed(ClientCloseReason::TransportError),
        ]
    );
    assert!(gets(&outputs).is_empty());
}

#[test]
fn post_with_non_200_status_closes_with_transport_error() {
    let (mut session, _get) = open_polling();
    session.send(Message::from("x"));
    let post = single_post(&drain(&mut session));
    session.handle_http_response(at(1), post.id, 413, false, Bytes::new());
    let outputs = drain(&mut session);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportError]);
    assert!(events(&outputs)
        .contains(&ClientEvent::Error(ClientError::HttpStatus { method: HttpMethod::Post, status: 413 })));
}

#[test]
fn failed_get_closes_with_transport_error_and_tells_the_server() {
    let (mut session, get) = open_polling();
    session.handle_http_failed(at(1), get, "connection reset");
    let outputs = drain(&mut session);
    assert_eq!(closed_reasons(&outputs), vec![ClientCloseReason::TransportError]);
    // engine.io-client's transport.close() writes a close packet on an open polling transport.
    assert_eq!(single_post(&outputs).body.as_deref(), Some(&b"1"[..]));
    assert!(matches!(outputs.last(), Some(ClientOutput::Event(ClientEvent::Closed(_)))));
}

#[test]
fn undecodable_get_body_closes_with_parse_error_after_the_valid_packets() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(1), get, 200, false, body("4fine\x1e9bad\x1e4never"));
    let outputs = drain(&mut session);
    assert_eq!(
        events(&outputs),
        vec![
            message("fine"),
            ClientEvent::Error(ClientError::Decode(DecodeError::UnknownPacketType { byte: b'9', offset: 6 })),
            ClientEvent::Closed(ClientCloseReason::ParseError),
        ]
    );
    assert!(gets(&outputs).is_empty());
}

#[test]
fn responses_to_unknown_request_ids_are_ignored() {
    let (mut session, get) = open_polling();
    session.handle_http_response(at(1), RequestId(get.0 + 1000), 500, false, body("1"));
    session.handle_http_failed(at(1), RequestId(get.0 + 1001), "connection reset");
    assert!(drain(&mut session).is_empty());
    session.handle_http_response(at(2), get, 200, false, body("4still here"));
    assert_eq!(events(&drain(&mut session)), vec![message("still here")]);
}

#[test]
fn sid_is_percent_encoded_in_polling_queries() {
    let (session, outputs) = opened_with(polling_only(ProtocolVersion::V4), &open_packet("a+b/c=", &[], 300, 200, 100));
    assert_eq!(session.sid(), Some(&Sid::new("a+b/c=")));
    assert_eq!(gets(&outputs)[0].query, "EIO=4&transport=polling&sid=a%2Bb%2Fc%3D");
}

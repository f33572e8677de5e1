//! Properties of the server session under arbitrary input sequences: no panic,
//! a bounded queue, one `Closed`, each request answered at most once, and
//! nothing but error answers after `Closed`.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use engineio_proto::server::{
    CloseReason, Event, Handshake, Output, PostBody, RequestId, ServerConfig, Session, UpgradeVerdict,
};
use engineio_proto::{Frame, Instant, Message, ProtocolVersion, Sid, Str, TransportKind};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Input {
    Poll,
    AbortLastPoll,
    Post(Vec<u8>, bool),
    PostTooLarge,
    WebSocketUpgrade,
    TextFrame(String),
    BinaryFrame(Vec<u8>),
    FrameTooLarge,
    WebSocketClosed,
    Send(String),
    Advance(u64),
    Close(bool),
}

fn meaningful_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2probe".to_owned()),
        Just("5".to_owned()),
        Just("3".to_owned()),
        Just("2".to_owned()),
        Just("1".to_owned()),
        Just("6".to_owned()),
        "4[a-z]{0,8}",
        ".{0,12}",
    ]
}

fn post_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        meaningful_text().prop_map(String::into_bytes),
        proptest::collection::vec(meaningful_text(), 1..4).prop_map(|records| records.join("\x1e").into_bytes()),
        Just(b"1:2".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..24),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        3 => Just(Input::Poll),
        1 => Just(Input::AbortLastPoll),
        3 => (post_body(), any::<bool>()).prop_map(|(body, binary)| Input::Post(body, binary)),
        1 => Just(Input::PostTooLarge),
        2 => Just(Input::WebSocketUpgrade),
        3 => meaningful_text().prop_map(Input::TextFrame),
        1 => proptest::collection::vec(any::<u8>(), 0..8).prop_map(Input::BinaryFrame),
        1 => Just(Input::FrameTooLarge),
        1 => Just(Input::WebSocketClosed),
        5 => "[a-z]{0,20}".prop_map(Input::Send),
        3 => (0u64..200).prop_map(Input::Advance),
        1 => any::<bool>().prop_map(Input::Close),
    ]
}

fn config() -> ServerConfig {
    ServerConfig::default()
        .with_eio3(true)
        .with_ping_interval(Duration::from_millis(100))
        .with_ping_timeout(Duration::from_millis(50))
        .with_upgrade_timeout(Duration::from_millis(70))
        .with_max_http_buffer_size(64)
        .with_max_buffered_packets(2)
}

fn start() -> impl Strategy<Value = Handshake> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(v3, websocket, supports_binary)| Handshake {
        protocol: if v3 { ProtocolVersion::V3 } else { ProtocolVersion::V4 },
        transport: if websocket { TransportKind::WebSocket } else { TransportKind::Polling },
        supports_binary,
    })
}

struct Observer {
    closed: bool,
    asked: HashSet<u64>,
    answered: HashSet<u64>,
}

impl Observer {
    fn take(&mut self, session: &mut Session) -> Result<(), TestCaseError> {
        while let Some(output) = session.poll_output() {
            match output {
                Output::Respond { request, response } => {
                    prop_assert!(self.asked.contains(&request.0), "answer to a request never made");
                    prop_assert!(self.answered.insert(request.0), "request {} answered twice", request.0);
                    if self.closed {
                        prop_assert!(response.status >= 400, "success answer after Closed: {response:?}");
                    }
                }
                Output::Event(Event::Closed(_)) => {
                    prop_assert!(!self.closed, "Closed emitted twice");
                    self.closed = true;
                }
                other => prop_assert!(!self.closed, "{other:?} after Closed"),
            }
        }
        prop_assert_eq!(self.closed, session.is_closed());
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_inputs_keep_the_session_invariants(
        handshake in start(),
        inputs in proptest::collection::vec(input(), 0..40),
    ) {
        let config = config();
        let mut session = Session::new(&config, &handshake, Sid::new("sid"), Instant::ZERO);
        let mut observer = Observer { closed: false, asked: HashSet::new(), answered: HashSet::new() };
        let mut now = Instant::ZERO;
        let mut next_request = 0u64;
        for input in inputs {
            match input {
                Input::Poll => {
                    next_request += 1;
                    observer.asked.insert(next_request);
                    session.handle_poll(now, RequestId(next_request));
                }
                Input::AbortLastPoll => session.handle_poll_aborted(now, RequestId(next_request)),
                Input::Post(body, binary_content_type) => {
                    let body = Bytes::from(body);
                    let response = session.handle_post(now, PostBody::Complete { body, binary_content_type });
                    if observer.closed {
                        prop_assert!(response.status >= 400);
                    }
                }
                Input::PostTooLarge => {
                    prop_assert_eq!(session.handle_post(now, PostBody::TooLarge).status >= 400, true);
                }
                Input::WebSocketUpgrade => {
                    let was_upgrading = session.is_upgrading();
                    let verdict = session.handle_websocket_upgrade(now);
                    prop_assert!(!(verdict.is_ok() && observer.closed));
                    if verdict == Ok(UpgradeVerdict::Probe) {
                        prop_assert!(!was_upgrading && session.is_upgrading());
                    } else {
                        prop_assert_eq!(session.is_upgrading(), was_upgrading);
                    }
                }
                Input::TextFrame(text) => session.handle_frame(now, Frame::Text(Str::from(text))),
                Input::BinaryFrame(bytes) => session.handle_frame(now, Frame::Binary(Bytes::from(bytes))),
                Input::FrameTooLarge => session.handle_frame_too_large(now),
                Input::WebSocketClosed => session.handle_websocket_closed(now),
                Input::Send(text) => {
                    let _ = session.send(Message::from(text));
                }
                Input::Advance(millis) => {
                    now += Duration::from_millis(millis);
                    while let Some(deadline) = session.poll_timeout().filter(|&deadline| deadline <= now) {
                        session.handle_timeout(deadline);
                        prop_assert!(session.poll_timeout().is_none_or(|next| next > deadline), "timeout not consumed");
                    }
                }
                Input::Close(shutdown) => {
                    let reason = if shutdown { CloseReason::ServerShuttingDown } else { CloseReason::ForcedClose };
                    session.close(now, reason);
                }
            }
            prop_assert!(session.buffered_messages() <= config.max_buffered_packets);
            // Besides messages: the open packet, one heartbeat packet, the close packet.
            prop_assert!(session.buffered_packets() <= config.max_buffered_packets + 3);
            observer.take(&mut session)?;
        }
    }
}

//! Client session: arbitrary input sequences never break the machine's promises.

mod client_support;

use std::collections::BTreeMap;

use bytes::Bytes;
use client_support::*;
use engineio_proto::client::{ClientConfig, ClientEvent, ClientOutput, ClientSession, HttpMethod, RequestId, SocketId};
use engineio_proto::{Frame, Instant, Message, ProtocolVersion, TransportKind};
use proptest::prelude::*;

/// Packets a server could put in a body or frame, in v4 text form.
#[derive(Debug, Clone)]
enum Wire {
    Open { upgrades: bool },
    Text(&'static str),
    Garbage(Vec<u8>),
}

#[derive(Debug, Clone)]
enum Target {
    Get,
    Post,
    Bogus(u64),
}

#[derive(Debug, Clone)]
enum Input {
    Respond { target: Target, status: u16, wire: Vec<Wire> },
    Fail(Target),
    WebSocketOpened(usize),
    WebSocketFailed(usize),
    Frame { socket: usize, wire: Wire, binary: bool },
    Advance(u64),
    Send { binary: bool },
    Close,
}

fn wire() -> impl Strategy<Value = Wire> {
    prop_oneof![
        2 => any::<bool>().prop_map(|upgrades| Wire::Open { upgrades }),
        6 => prop::sample::select(vec!["6", "2", "3", "1", "4msg", "3probe", "2probe", "5", "4"]).prop_map(Wire::Text),
        1 => prop::collection::vec(any::<u8>(), 0..8).prop_map(Wire::Garbage),
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![4 => Just(Target::Get), 2 => Just(Target::Post), 1 => (0u64..20).prop_map(Target::Bogus)]
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        6 => (target(), prop::sample::select(vec![200u16, 200, 200, 400, 500]), prop::collection::vec(wire(), 1..4))
            .prop_map(|(target, status, wire)| Input::Respond { target, status, wire }),
        1 => target().prop_map(Input::Fail),
        2 => (0usize..3).prop_map(Input::WebSocketOpened),
        1 => (0usize..3).prop_map(Input::WebSocketFailed),
        3 => (0usize..3, wire(), any::<bool>()).prop_map(|(socket, wire, binary)| Input::Frame { socket, wire, binary }),
        2 => (0u64..700).prop_map(Input::Advance),
        2 => any::<bool>().prop_map(|binary| Input::Send { binary }),
        1 => Just(Input::Close),
    ]
}

fn config() -> impl Strategy<Value = ClientConfig> {
    (any::<bool>(), 0usize..3, any::<bool>(), any::<bool>()).prop_map(|(v3, transports, force_base64, upgrade)| {
        let mut config = ClientConfig::new(if v3 { ProtocolVersion::V3 } else { ProtocolVersion::V4 });
        config.transports = match transports {
            0 => vec![TransportKind::Polling, TransportKind::WebSocket],
            1 => vec![TransportKind::Polling],
            _ => vec![TransportKind::WebSocket],
        };
        config.force_base64 = force_base64;
        config.upgrade = upgrade;
        config
    })
}

fn packet_text(wire: &Wire) -> Vec<u8> {
    match wire {
        Wire::Open { upgrades } => {
            open_packet("sid", if *upgrades { &["websocket"] } else { &[] }, 300, 200, 64).into_bytes()
        }
        Wire::Text(text) => text.as_bytes().to_vec(),
        Wire::Garbage(bytes) => bytes.clone(),
    }
}

fn polling_body(protocol: ProtocolVersion, wire: &[Wire]) -> Bytes {
    let mut body = Vec::new();
    for (index, packet) in wire.iter().map(packet_text).enumerate() {
        match protocol {
            ProtocolVersion::V4 => {
                if index > 0 {
                    body.push(0x1e);
                }
            }
            ProtocolVersion::V3 => body.extend_from_slice(format!("{}:", packet.len()).as_bytes()),
        }
        body.extend_from_slice(&packet);
    }
    Bytes::from(body)
}

/// What the driver knows: requests in flight, sockets, whether the session closed.
#[derive(Default)]
struct Driver {
    outstanding: BTreeMap<RequestId, HttpMethod>,
    sockets: Vec<SocketId>,
    closed: bool,
    now: u64,
}

impl Driver {
    fn absorb(&mut self, session: &mut ClientSession) -> Result<(), TestCaseError> {
        while let Some(output) = session.poll_output() {
            let is_closed_event = matches!(output, ClientOutput::Event(ClientEvent::Closed(_)));
            prop_assert!(!self.closed, "output after Closed: {output:?}");
            match output {
                ClientOutput::HttpRequest { id, method, .. } => {
                    prop_assert!(self.outstanding.insert(id, method).is_none(), "request id reused");
                    for kind in [HttpMethod::Get, HttpMethod::Post] {
                        let in_flight = self.outstanding.values().filter(|&&method| method == kind).count();
                        prop_assert!(in_flight <= 1, "{in_flight} {kind} requests in flight");
                    }
                }
                ClientOutput::OpenWebSocket { id, .. } => {
                    prop_assert!(!self.sockets.contains(&id), "socket id reused");
                    self.sockets.push(id);
                }
                _ => {}
            }
            self.closed |= is_closed_event;
        }
        if self.closed {
            prop_assert_eq!(session.poll_timeout(), None);
        }
        Ok(())
    }

    fn take(&mut self, target: &Target) -> RequestId {
        let method = match target {
            Target::Get => HttpMethod::Get,
            Target::Post => HttpMethod::Post,
            Target::Bogus(id) => return RequestId(1000 + id),
        };
        let found = self.outstanding.iter().find(|(_, &kind)| kind == method).map(|(&id, _)| id);
        match found {
            Some(id) => {
                self.outstanding.remove(&id);
                id
            }
            None => RequestId(999),
        }
    }

    fn socket(&self, index: usize) -> SocketId {
        self.sockets.get(index).copied().unwrap_or(SocketId(998))
    }
}

fn run(config: ClientConfig, inputs: Vec<Input>) -> Result<(), TestCaseError> {
    let protocol = config.protocol;
    let mut session = ClientSession::new(config, false);
    let mut driver = Driver::default();
    driver.absorb(&mut session)?;
    for input in inputs {
        let now = Instant::from_millis(driver.now);
        match input {
            Input::Respond { target, status, wire } => {
                let id = driver.take(&target);
                session.handle_http_response(now, id, status, false, polling_body(protocol, &wire));
            }
            Input::Fail(target) => {
                let id = driver.take(&target);
                session.handle_http_failed(now, id, "connection reset");
            }
            Input::WebSocketOpened(index) => session.handle_websocket_opened(now, driver.socket(index)),
            Input::WebSocketFailed(index) => {
                session.handle_websocket_failed(now, driver.socket(index), "connection refused")
            }
            Input::Frame { socket, wire, binary } => {
                let bytes = Bytes::from(packet_text(&wire));
                let frame = match std::str::from_utf8(&bytes) {
                    Ok(text) if !binary => text_frame(text),
                    _ => Frame::Binary(bytes),
                };
                session.handle_frame(now, driver.socket(socket), frame);
            }
            Input::Advance(millis) => {
                driver.now += millis;
                session.handle_timeout(Instant::from_millis(driver.now));
            }
            Input::Send { binary } => session.send(if binary {
                Message::Binary(Bytes::from_static(&[0, 255]))
            } else {
                Message::from("hello")
            }),
            Input::Close => session.close(),
        }
        driver.absorb(&mut session)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_inputs_keep_the_session_promises(
        config in config(),
        inputs in prop::collection::vec(input(), 0..40),
    ) {
        run(config, inputs)?;
    }
}

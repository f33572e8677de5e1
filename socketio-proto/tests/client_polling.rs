//! Client manager over HTTP long-polling: the driver reports HTTP outcomes
//! with the engine id of each request.

use bytes::Bytes;
use engineio_proto::client::{ClientConfig, ClientOutput, HttpMethod, RequestId};
use engineio_proto::{Instant, ProtocolVersion, TransportKind};
use socketio_proto::client::{DisconnectReason, EngineId, Event, Manager, ManagerConfig, Output};

const OPEN: &str = r#"0{"sid":"e1","upgrades":[],"pingInterval":10000000,"pingTimeout":10000000,"maxPayload":1000000}"#;

struct Request {
    engine: EngineId,
    id: RequestId,
    method: HttpMethod,
    body: Option<Bytes>,
}

fn drain(manager: &mut Manager) -> (Vec<Request>, Vec<Event>) {
    let (mut requests, mut events) = (Vec::new(), Vec::new());
    while let Some(output) = manager.poll_output() {
        match output {
            Output::Engine { engine, output: ClientOutput::HttpRequest { id, method, body, .. } } => {
                requests.push(Request { engine, id, method, body })
            }
            Output::Event(event) => events.push(event),
            _ => {}
        }
    }
    (requests, events)
}

fn polling_manager() -> Manager {
    let mut engine = ClientConfig::new(ProtocolVersion::V4);
    engine.transports = vec![TransportKind::Polling];
    Manager::new(ManagerConfig::new(engine), Instant::ZERO)
}

fn answer(manager: &mut Manager, request: &Request, body: &str) {
    let body = Bytes::from(body.to_string());
    manager.handle_http_response(Instant::ZERO, request.engine, request.id, 200, false, body);
}

#[test]
fn handshake_and_connect_travel_over_polling_requests() {
    let mut manager = polling_manager();
    let main = manager.socket(Instant::ZERO, "/", None);
    let (requests, _) = drain(&mut manager);
    let [handshake] = &requests[..] else { panic!("one handshake GET") };
    answer(&mut manager, handshake, OPEN);
    let (requests, _) = drain(&mut manager);
    let post = requests.iter().find(|request| request.method == HttpMethod::Post).expect("CONNECT is posted");
    assert_eq!(post.body.as_deref(), Some(&b"40"[..]));
    let poll = requests.iter().find(|request| request.method == HttpMethod::Get).expect("a long poll");
    answer(&mut manager, poll, r#"40{"sid":"s1"}"#);
    let (_, events) = drain(&mut manager);
    assert!(events.contains(&Event::Connect { socket: main }));
}

#[test]
fn parse_error_closes_the_engine_with_a_close_post_and_later_answers_are_ignored() {
    let mut manager = polling_manager();
    let main = manager.socket(Instant::ZERO, "/", None);
    let (requests, _) = drain(&mut manager);
    answer(&mut manager, &requests[0], OPEN);
    let (requests, _) = drain(&mut manager);
    let post = requests.iter().find(|request| request.method == HttpMethod::Post).unwrap();
    answer(&mut manager, post, "ok");
    let poll = requests.iter().find(|request| request.method == HttpMethod::Get).unwrap();
    answer(&mut manager, poll, "49");
    let (requests, events) = drain(&mut manager);
    assert!(events.contains(&Event::Disconnect { socket: main, reason: DisconnectReason::ParseError }));
    let close = requests.iter().find(|request| request.method == HttpMethod::Post).expect("the close POST");
    assert_eq!(close.body.as_deref(), Some(&b"1"[..]));
    answer(&mut manager, close, "ok");
    assert_eq!(drain(&mut manager).1, []);
}

#[test]
fn a_closed_manager_keeps_its_session_until_the_post_in_flight_is_answered() {
    let mut manager = polling_manager();
    manager.socket(Instant::ZERO, "/", None);
    let (requests, _) = drain(&mut manager);
    answer(&mut manager, &requests[0], OPEN);
    let (requests, _) = drain(&mut manager);
    let connect_post = requests.iter().find(|request| request.method == HttpMethod::Post).expect("CONNECT is posted");
    manager.close(Instant::ZERO);
    drain(&mut manager);
    assert!(manager.has_sessions(), "the CONNECT POST is still in flight");
    answer(&mut manager, connect_post, "ok");
    let (requests, _) = drain(&mut manager);
    assert!(requests.iter().any(|request| request.body.as_deref() == Some(&b"1"[..])), "the close packet is posted");
    assert!(!manager.has_sessions());
}

//! Helpers shared by the client session tests: they play the server by hand.
#![allow(dead_code)]

use bytes::Bytes;
use engineio_proto::client::{
    ClientCloseReason, ClientConfig, ClientEvent, ClientOutput, ClientSession, HttpMethod, RequestId, SocketId,
};
use engineio_proto::{Frame, Instant, ProtocolVersion, Str, TransportKind};

pub fn at(millis: u64) -> Instant {
    Instant::from_millis(millis)
}

pub fn body(text: &str) -> Bytes {
    Bytes::copy_from_slice(text.as_bytes())
}

pub fn text_frame(text: &str) -> Frame {
    Frame::Text(Str::from(text.to_owned()))
}

/// The open packet the reference server sends, as a v4 record.
pub fn open_packet(sid: &str, upgrades: &[&str], ping_interval: u64, ping_timeout: u64, max_payload: u64) -> String {
    let upgrades: Vec<String> = upgrades.iter().map(|name| format!("\"{name}\"")).collect();
    format!(
        "0{{\"sid\":\"{sid}\",\"upgrades\":[{}],\"pingInterval\":{ping_interval},\"pingTimeout\":{ping_timeout},\"maxPayload\":{max_payload}}}",
        upgrades.join(",")
    )
}

/// A v3 open packet (no maxPayload) in a v3 text payload.
pub fn v3_open_payload(sid: &str, upgrades: &[&str], ping_interval: u64, ping_timeout: u64) -> String {
    let upgrades: Vec<String> = upgrades.iter().map(|name| format!("\"{name}\"")).collect();
    let packet = format!(
        "0{{\"sid\":\"{sid}\",\"upgrades\":[{}],\"pingInterval\":{ping_interval},\"pingTimeout\":{ping_timeout}}}",
        upgrades.join(",")
    );
    format!("{}:{packet}", packet.encode_utf16().count())
}

pub fn drain(session: &mut ClientSession) -> Vec<ClientOutput> {
    std::iter::from_fn(|| session.poll_output()).collect()
}

/// A request the session issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: RequestId,
    pub method: HttpMethod,
    pub query: String,
    pub body: Option<Bytes>,
    pub content_type: Option<&'static str>,
}

pub fn requests(outputs: &[ClientOutput]) -> Vec<Request> {
    outputs
        .iter()
        .filter_map(|output| match output {
            ClientOutput::HttpRequest { id, method, query, body, content_type, .. } => Some(Request {
                id: *id,
                method: *method,
                query: query.clone(),
                body: body.clone(),
                content_type: *content_type,
            }),
            _ => None,
        })
        .collect()
}

pub fn gets(outputs: &[ClientOutput]) -> Vec<Request> {
    requests(outputs).into_iter().filter(|request| request.method == HttpMethod::Get).collect()
}

pub fn posts(outputs: &[ClientOutput]) -> Vec<Request> {
    requests(outputs).into_iter().filter(|request| request.method == HttpMethod::Post).collect()
}

/// The id of the single GET among `outputs`.
pub fn single_get(outputs: &[ClientOutput]) -> RequestId {
    let gets = gets(outputs);
    assert_eq!(gets.len(), 1, "expected exactly one GET in {outputs:?}");
    gets[0].id
}

/// The single POST among `outputs`.
pub fn single_post(outputs: &[ClientOutput]) -> Request {
    let posts = posts(outputs);
    assert_eq!(posts.len(), 1, "expected exactly one POST in {outputs:?}");
    posts[0].clone()
}

pub fn events(outputs: &[ClientOutput]) -> Vec<ClientEvent> {
    outputs
        .iter()
        .filter_map(|output| match output {
            ClientOutput::Event(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

pub fn closed_reasons(outputs: &[ClientOutput]) -> Vec<ClientCloseReason> {
    events(outputs)
        .into_iter()
        .filter_map(|event| match event {
            ClientEvent::Closed(reason) => Some(reason),
            _ => None,
        })
        .collect()
}

pub fn opened_sockets(outputs: &[ClientOutput]) -> Vec<(SocketId, String)> {
    outputs
        .iter()
        .filter_map(|output| match output {
            ClientOutput::OpenWebSocket { id, query, .. } => Some((*id, query.clone())),
            _ => None,
        })
        .collect()
}

pub fn transmitted(outputs: &[ClientOutput], on: SocketId) -> Vec<Frame> {
    outputs
        .iter()
        .filter_map(|output| match output {
            ClientOutput::Transmit { socket, frame } if *socket == on => Some(frame.clone()),
            _ => None,
        })
        .collect()
}

pub fn closed_sockets(outputs: &[ClientOutput]) -> Vec<SocketId> {
    outputs
        .iter()
        .filter_map(|output| match output {
            ClientOutput::CloseWebSocket { socket } => Some(*socket),
            _ => None,
        })
        .collect()
}

pub fn polling_only(protocol: ProtocolVersion) -> ClientConfig {
    let mut config = ClientConfig::new(protocol);
    config.transports = vec![TransportKind::Polling];
    config
}

pub fn websocket_only(protocol: ProtocolVersion) -> ClientConfig {
    let mut config = ClientConfig::new(protocol);
    config.transports = vec![TransportKind::WebSocket];
    config
}

/// A session opened on polling at t=0 with `open` as the handshake body; returns
/// it with the outputs that followed the handshake.
pub fn opened_with(config: ClientConfig, handshake_body: &str) -> (ClientSession, Vec<ClientOutput>) {
    let mut session = ClientSession::new(config, false);
    let handshake = single_get(&drain(&mut session));
    session.handle_http_response(at(0), handshake, 200, false, body(handshake_body));
    let outputs = drain(&mut session);
    (session, outputs)
}

/// A v4 polling session without upgrades (pingInterval 300, pingTimeout 200,
/// maxPayload 1e6) and the id of its outstanding GET.
pub fn open_polling() -> (ClientSession, RequestId) {
    let (session, outputs) =
        opened_with(polling_only(ProtocolVersion::V4), &open_packet("s1", &[], 300, 200, 1_000_000));
    let get = single_get(&outputs);
    (session, get)
}

/// A v4 polling session offering a websocket upgrade, and its outputs after the handshake.
pub fn open_polling_with_upgrade() -> (ClientSession, Vec<ClientOutput>) {
    opened_with(ClientConfig::default(), &open_packet("s1", &["websocket"], 300, 200, 1_000_000))
}

/// A v4 session opened on a websocket at t=0; returns it with its socket.
pub fn open_websocket(config: ClientConfig) -> (ClientSession, SocketId) {
    let mut session = ClientSession::new(config, false);
    let sockets = opened_sockets(&drain(&mut session));
    let socket = sockets[0].0;
    session.handle_websocket_opened(at(0), socket);
    session.handle_frame(at(0), socket, text_frame(&open_packet("w1", &[], 300, 200, 1_000_000)));
    drain(&mut session);
    (session, socket)
}

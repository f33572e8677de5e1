//! Deterministic simulation: a client machine against a server machine, with
//! no sockets at all. The `Pair` below plays the network and the two drivers:
//! it carries HTTP requests, responses and WebSocket frames between the
//! machines and jumps time straight to the next deadline, so minutes of
//! heartbeat run in microseconds.

use std::time::Duration;

use bytes::Bytes;
use engineio_proto::client::{
    ClientCloseReason, ClientConfig, ClientEvent, ClientOutput, ClientSession, HttpMethod, SocketId,
};
use engineio_proto::payload::BINARY_CONTENT_TYPE;
use engineio_proto::server::{
    classify, CloseReason, Event, Method, Output, PostBody, RequestId, Route, ServerConfig, Session, SessionRequest,
    UpgradeVerdict,
};
use engineio_proto::time::earliest;
use engineio_proto::{Frame, Instant, Message, ProtocolVersion, Sid, TransportKind};

/// One client, one server, and the wire between them.
struct Pair {
    now: Instant,
    config: ServerConfig,
    client: ClientSession,
    server: Option<Session>,
    /// The client's WebSocket and whether the server accepted it.
    websocket: Option<SocketId>,
    /// Whether the wire carries anything (false = a network partition).
    connected: bool,
    client_events: Vec<ClientEvent>,
    server_events: Vec<Event>,
    http_requests: usize,
    frames_to_server: usize,
    server_pings: usize,
}

impl Pair {
    fn new(client_config: ClientConfig, config: ServerConfig) -> Pair {
        let mut pair = Pair::unsettled(client_config, config);
        pair.settle();
        pair
    }

    /// A pair whose client has not yet sent its handshake.
    fn unsettled(client_config: ClientConfig, config: ServerConfig) -> Pair {
        Pair {
            now: Instant::from_millis(1_000),
            config,
            client: ClientSession::new(client_config, false),
            server: None,
            websocket: None,
            connected: true,
            client_events: Vec::new(),
            server_events: Vec::new(),
            http_requests: 0,
            frames_to_server: 0,
            server_pings: 0,
        }
    }

    fn v4() -> Pair {
        Pair::new(ClientConfig::default(), ServerConfig::default())
    }

    fn server(&mut self) -> &mut Session {
        self.server.as_mut().expect("the handshake created a server session")
    }

    /// Moves one output of each machine across the wire; false when both were idle.
    fn step(&mut self) -> bool {
        let mut moved = false;
        if let Some(output) = self.client.poll_output() {
            moved = true;
            self.deliver_client_output(output);
        }
        if let Some(output) = self.server.as_mut().and_then(Session::poll_output) {
            moved = true;
            self.deliver_server_output(output);
        }
        moved
    }

    /// Runs until neither machine has anything left to do at `now`.
    fn settle(&mut self) {
        let mut steps = 0;
        while self.step() {
            steps += 1;
            assert!(steps < 100_000, "the machines keep talking without end");
        }
    }

    /// Lets time pass until `until`, firing every deadline on the way.
    fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        loop {
            let server_deadline = self.server.as_ref().and_then(Session::poll_timeout);
            match earliest(self.client.poll_timeout(), server_deadline) {
                Some(deadline) if deadline <= until => {
                    self.now = self.now.max(deadline);
                    self.client.handle_timeout(self.now);
                    if let Some(server) = self.server.as_mut() {
                        server.handle_timeout(self.now);
                    }
                    self.settle();
                }
                _ => break,
            }
        }
        self.now = until;
        self.settle();
    }

    fn deliver_client_output(&mut self, output: ClientOutput) {
        let now = self.now;
        match output {
            ClientOutput::Event(event) => self.client_events.push(event),
            _ if !self.connected => {}
            ClientOutput::HttpRequest { id, method, query, body, content_type, .. } => {
                self.http_requests += 1;
                let method = match method {
                    HttpMethod::Get => Method::Get,
                    HttpMethod::Post => Method::Post,
                };
                let request = RequestId(id.0);
                let response = match classify(&self.config, method, &query, false) {
                    Route::Handshake(handshake) => {
                        let sid = Sid::from_random([7; 15]);
                        let mut session = Session::new(&self.config, &handshake, sid, now);
                        session.handle_poll(now, request);
                        self.server = Some(session);
                        None
                    }
                    Route::Existing { sid, request: kind, transport, protocol } => match self.server.as_mut() {
                        Some(session) if session.sid() == &sid => {
                            match session.check_request(transport, false, protocol) {
                                Err(error) => Some(error.to_response()),
                                Ok(()) if kind == SessionRequest::Poll => {
                                    session.handle_poll(now, request);
                                    None
                                }
                                Ok(()) => {
                                    let body = body.unwrap_or_default();
                                    let binary_content_type = content_type == Some(BINARY_CONTENT_TYPE);
                                    Some(session.handle_post(now, PostBody::Complete { body, binary_content_type }))
                                }
                            }
                        }
                        _ => Some(engineio_proto::server::ErrorResponse::unknown_sid().to_response()),
                    },
                    Route::Reject(error) => Some(error.to_response()),
                    Route::Preflight => panic!("the client never sends OPTIONS"),
                };
                if let Some(response) = response {
                    let binary = response.content_type == Some(BINARY_CONTENT_TYPE);
                    self.client.handle_http_response(now, id, response.status, binary, response.body);
                }
            }
            ClientOutput::OpenWebSocket { id, query, .. } => {
                let accepted = match classify(&self.config, Method::Get, &query, true) {
                    Route::Handshake(handshake) => {
                        self.server = Some(Session::new(&self.config, &handshake, Sid::from_random([9; 15]), now));
                        true
                    }
                    Route::Existing { sid, request: SessionRequest::WebSocket, transport, protocol } => {
                        match self.server.as_mut() {
                            Some(session) if session.sid() == &sid => {
                                session.check_request(transport, true, protocol).is_ok()
                                    && session.handle_websocket_upgrade(now) == Ok(UpgradeVerdict::Probe)
                            }
                            _ => false,
                        }
                    }
                    _ => false,
                };
                if accepted {
                    self.websocket = Some(id);
                    self.client.handle_websocket_opened(now, id);
                } else {
                    self.client.handle_websocket_failed(now, id, "connection refused");
                }
            }
            // Requests are answered at once: none is left to cancel.
            ClientOutput::CancelRequest { .. } => {}
            ClientOutput::Transmit { socket, frame } => {
                if self.websocket == Some(socket) {
                    self.frames_to_server += 1;
                    self.client.handle_frames_written(now, socket, 1);
                    self.server().handle_frame(now, frame);
                }
            }
            ClientOutput::CloseWebSocket { socket } => {
                if self.websocket == Some(socket) {
                    self.websocket = None;
                    self.server().handle_websocket_closed(now);
                }
            }
        }
    }

    fn deliver_server_output(&mut self, output: Output) {
        let now = self.now;
        match output {
            Output::Event(event) => self.server_events.push(event),
            _ if !self.connected => {}
            Output::Respond { request, response } => {
                let binary = response.content_type == Some(BINARY_CONTENT_TYPE);
                let id = engineio_proto::client::RequestId(request.0);
                self.client.handle_http_response(now, id, response.status, binary, response.body);
            }
            Output::Transmit(frame) => {
                if frame == Frame::Text("2".into()) {
                    self.server_pings += 1;
                }
                if let Some(socket) = self.websocket {
                    self.client.handle_frame(now, socket, frame);
                }
                // Delivered is written, as far as the server's send buffer goes.
                self.server().handle_frames_written(1);
            }
            Output::CloseWebSocket { .. } => {
                if let Some(socket) = self.websocket.take() {
                    self.client.handle_websocket_failed(now, socket, "connection refused");
                }
            }
        }
    }

    fn client_messages(&self) -> Vec<Message> {
        self.client_events
            .iter()
            .filter_map(|event| match event {
                ClientEvent::Message(message) => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    fn server_messages(&self) -> Vec<Message> {
        self.server_events
            .iter()
            .filter_map(|event| match event {
                Event::Message(message) => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    fn client_closed(&self) -> Vec<ClientCloseReason> {
        self.client_events
            .iter()
            .filter_map(|event| match event {
                ClientEvent::Closed(reason) => Some(*reason),
                _ => None,
            })
            .collect()
    }

    fn server_closed(&self) -> Vec<CloseReason> {
        self.server_events
            .iter()
            .filter_map(|event| match event {
                Event::Closed(reason) => Some(*reason),
                _ => None,
            })
            .collect()
    }
}

fn polling_only() -> ClientConfig {
    let mut config = ClientConfig::default();
    config.transports = vec![TransportKind::Polling];
    config
}

fn text(value: &str) -> Message {
    Message::Text(String::from(value).into())
}

#[test]
fn polling_session_opens_and_carries_messages_both_ways() {
    let mut pair = Pair::new(polling_only(), ServerConfig::default());
    assert!(matches!(pair.client_events.first(), Some(ClientEvent::Open(_))));
    pair.client.send(text("hello"));
    pair.settle();
    pair.server().send(text("hi")).unwrap();
    pair.settle();
    assert_eq!(pair.server_messages(), [text("hello")]);
    assert_eq!(pair.client_messages(), [text("hi")]);
    assert_eq!(pair.client.transport(), TransportKind::Polling);
}

#[test]
fn default_client_upgrades_to_websocket_and_then_stops_polling() {
    let mut pair = Pair::v4();
    assert_eq!(pair.client.transport(), TransportKind::WebSocket);
    assert_eq!(pair.server().transport(), TransportKind::WebSocket);
    assert!(pair.client_events.contains(&ClientEvent::Upgraded));
    assert!(pair.server_events.contains(&Event::Upgraded));
    let requests_after_upgrade = pair.http_requests;
    pair.client.send(text("over ws"));
    pair.server().send(text("back over ws")).unwrap();
    pair.settle();
    assert_eq!(pair.http_requests, requests_after_upgrade, "no HTTP request after the upgrade");
    assert_eq!(pair.server_messages(), [text("over ws")]);
    assert_eq!(pair.client_messages(), [text("back over ws")]);
}

#[test]
fn messages_sent_during_the_upgrade_arrive_once_and_in_order() {
    let mut pair = Pair::unsettled(ClientConfig::default(), ServerConfig::default());
    let mut sent_by_client = Vec::new();
    let mut sent_by_server = Vec::new();
    // One wire step between sends, so messages land in every phase of the
    // upgrade: before the probe, while polling is paused, after the switch.
    for index in 0..60 {
        if pair.client_events.iter().any(|event| matches!(event, ClientEvent::Open(_))) {
            let message = text(&format!("c{index}"));
            pair.client.send(message.clone());
            sent_by_client.push(message);
        }
        if let Some(server) = pair.server.as_mut() {
            let message = text(&format!("s{index}"));
            server.send(message.clone()).unwrap();
            sent_by_server.push(message);
        }
        pair.step();
    }
    pair.settle();
    assert!(pair.client_events.contains(&ClientEvent::Upgraded), "the upgrade completed");
    assert!(sent_by_client.len() > 40 && sent_by_server.len() > 40);
    assert_eq!(pair.server_messages(), sent_by_client);
    assert_eq!(pair.client_messages(), sent_by_server);
    assert!(pair.client_closed().is_empty() && pair.server_closed().is_empty());
}

#[test]
fn binary_messages_cross_polling_and_websocket_intact() {
    let payload = Bytes::from_static(&[0, 1, 2, 0x1e, 0xff, 0xfe]);
    let mut polling = Pair::new(polling_only(), ServerConfig::default());
    polling.client.send(Message::Binary(payload.clone()));
    polling.server().send(Message::Binary(payload.clone())).unwrap();
    polling.settle();
    assert_eq!(polling.server_messages(), [Message::Binary(payload.clone())]);
    assert_eq!(polling.client_messages(), [Message::Binary(payload.clone())]);

    let mut websocket = Pair::v4();
    websocket.client.send(Message::Binary(payload.clone()));
    websocket.server().send(Message::Binary(payload.clone())).unwrap();
    websocket.settle();
    assert_eq!(websocket.server_messages(), [Message::Binary(payload.clone())]);
    assert_eq!(websocket.client_messages(), [Message::Binary(payload)]);
}

#[test]
fn heartbeat_keeps_an_idle_session_alive_for_an_hour() {
    let mut pair = Pair::v4();
    pair.advance(Duration::from_secs(3600));
    assert!(pair.client_closed().is_empty(), "client events: {:?}", pair.client_events);
    assert!(pair.server_closed().is_empty(), "server events: {:?}", pair.server_events);
    // One ping every 25 s (each next ping is scheduled when the pong arrives).
    assert_eq!(pair.server_pings, 3600 / 25);
}

#[test]
fn heartbeat_keeps_an_idle_polling_session_alive() {
    let mut pair = Pair::new(polling_only(), ServerConfig::default());
    pair.advance(Duration::from_secs(600));
    assert!(pair.client_closed().is_empty(), "client events: {:?}", pair.client_events);
    assert!(pair.server_closed().is_empty(), "server events: {:?}", pair.server_events);
}

#[test]
fn partition_is_detected_by_both_sides_as_ping_timeout() {
    let mut pair = Pair::v4();
    pair.connected = false;
    pair.advance(Duration::from_secs(25 + 20));
    assert_eq!(pair.server_closed(), [CloseReason::PingTimeout], "server closes 20 s after its unanswered ping");
    assert_eq!(pair.client_closed(), [ClientCloseReason::PingTimeout], "no ping within 25 + 20 s");
}

#[test]
fn client_close_reaches_the_server_as_transport_close() {
    for client_config in [polling_only(), ClientConfig::default()] {
        let mut pair = Pair::new(client_config, ServerConfig::default());
        pair.client.close();
        pair.settle();
        assert_eq!(pair.client_closed(), [ClientCloseReason::ForcedClose]);
        assert_eq!(pair.server_closed(), [CloseReason::TransportClose]);
    }
}

#[test]
fn server_close_reaches_the_client() {
    for client_config in [polling_only(), ClientConfig::default()] {
        let mut pair = Pair::new(client_config, ServerConfig::default());
        let now = pair.now;
        pair.server().close(now, CloseReason::ForcedClose);
        pair.settle();
        assert_eq!(pair.server_closed(), [CloseReason::ForcedClose]);
        assert_eq!(pair.client_closed().len(), 1, "client events: {:?}", pair.client_events);
    }
}

#[test]
fn websocket_only_client_never_polls() {
    let mut config = ClientConfig::default();
    config.transports = vec![TransportKind::WebSocket];
    let mut pair = Pair::new(config, ServerConfig::default());
    pair.client.send(text("direct"));
    pair.settle();
    pair.advance(Duration::from_secs(120));
    assert_eq!(pair.http_requests, 0);
    assert_eq!(pair.server_messages(), [text("direct")]);
    assert!(pair.client_closed().is_empty());
}

#[test]
fn upgrade_refused_by_the_server_keeps_the_session_polling() {
    let mut pair = Pair::new(ClientConfig::default(), ServerConfig::default().with_upgrades(false));
    assert_eq!(pair.client.transport(), TransportKind::Polling);
    pair.client.send(text("still polling"));
    pair.settle();
    assert_eq!(pair.server_messages(), [text("still polling")]);
}

#[test]
fn v3_session_upgrades_and_lives_on_client_pings() {
    let mut pair = Pair::new(ClientConfig::new(ProtocolVersion::V3), ServerConfig::default().with_eio3(true));
    assert_eq!(pair.client.transport(), TransportKind::WebSocket);
    pair.client.send(Message::Binary(Bytes::from_static(&[4, 2])));
    pair.client.send(text("v3 text"));
    pair.server().send(Message::Binary(Bytes::from_static(&[1]))).unwrap();
    pair.advance(Duration::from_secs(600));
    assert_eq!(pair.server_messages(), [Message::Binary(Bytes::from_static(&[4, 2])), text("v3 text")]);
    assert_eq!(pair.client_messages(), [Message::Binary(Bytes::from_static(&[1]))]);
    assert!(pair.client_closed().is_empty() && pair.server_closed().is_empty());
    assert_eq!(pair.server_pings, 0, "in v3 the server never pings");
}

#[test]
fn v3_polling_session_with_base64_carries_binary() {
    let mut config = ClientConfig::new(ProtocolVersion::V3);
    config.transports = vec![TransportKind::Polling];
    config.force_base64 = true;
    let mut pair = Pair::new(config, ServerConfig::default().with_eio3(true));
    pair.client.send(Message::Binary(Bytes::from_static(&[9, 9])));
    pair.server().send(Message::Binary(Bytes::from_static(&[8]))).unwrap();
    pair.settle();
    assert_eq!(pair.server_messages(), [Message::Binary(Bytes::from_static(&[9, 9]))]);
    assert_eq!(pair.client_messages(), [Message::Binary(Bytes::from_static(&[8]))]);
}

#[test]
fn v3_client_is_refused_unless_the_server_allows_eio3() {
    let pair = Pair::new(ClientConfig::new(ProtocolVersion::V3), ServerConfig::default());
    assert!(pair.server.is_none());
    assert_eq!(pair.client_closed(), [ClientCloseReason::TransportError]);
}

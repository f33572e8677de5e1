//! A scripted Socket.IO server at the Engine.IO level for the client tests:
//! the manager runs over a WebSocket-only transport, the test plays the
//! server's frames and reads the client's.
#![allow(dead_code)]

use core::time::Duration;
use engineio_proto::client::{ClientConfig, ClientOutput, SocketId};
use engineio_proto::{Frame, Instant, ProtocolVersion, Str, TransportKind};
use socketio_proto::client::{EngineId, Event, Manager, ManagerConfig, Output};
use socketio_proto::{Args, Json};

/// Heartbeats far away, so they never interfere with the timers under test.
pub const OPEN_V4: &str =
    r#"0{"sid":"engine1","upgrades":[],"pingInterval":10000000,"pingTimeout":10000000,"maxPayload":1000000}"#;
pub const OPEN_V3: &str = r#"0{"sid":"engine1","upgrades":[],"pingInterval":10000000,"pingTimeout":10000000}"#;

/// Manager options over a WebSocket-only Engine.IO session.
pub fn config(protocol: ProtocolVersion) -> ManagerConfig {
    let mut engine = ClientConfig::new(protocol);
    engine.transports = vec![TransportKind::WebSocket];
    ManagerConfig::new(engine)
}

pub fn v5() -> ManagerConfig {
    config(ProtocolVersion::V4)
}

pub fn args(json: &str) -> Args {
    Args::builder().raw_json(json).build()
}

pub fn json(text: &str) -> Json {
    Json::from_text(Str::from(text.to_string())).expect("test JSON")
}

/// The manager, the clock, and what it did.
pub struct Harness {
    pub manager: Manager,
    pub now: Instant,
    /// Application events, in order.
    pub events: Vec<Event>,
    /// Text frames the client sent on the current WebSocket.
    pub sent: Vec<String>,
    /// WebSockets asked for and not yet answered.
    pub pending_sockets: Vec<(EngineId, SocketId)>,
    /// The query of every WebSocket asked for, in order.
    pub websocket_queries: Vec<String>,
    /// The WebSocket the server plays on.
    pub socket: Option<(EngineId, SocketId)>,
    /// What `Output::RandomNeeded` is answered with.
    pub random: u32,
    /// How many times randomness was asked for.
    pub randoms_asked: usize,
}

impl Harness {
    pub fn new(config: ManagerConfig) -> Harness {
        let manager = Manager::new(config, Instant::ZERO);
        let mut harness = Harness {
            manager,
            now: Instant::ZERO,
            events: Vec::new(),
            sent: Vec::new(),
            pending_sockets: Vec::new(),
            websocket_queries: Vec::new(),
            socket: None,
            random: 0,
            randoms_asked: 0,
        };
        harness.pump();
        harness
    }

    /// A v5 manager whose engine is open (nothing else happened yet).
    pub fn open_v5() -> Harness {
        let mut harness = Harness::new(v5());
        harness.open_engine(OPEN_V4);
        harness
    }

    /// Drains the manager's outputs.
    pub fn pump(&mut self) {
        while let Some(output) = self.manager.poll_output() {
            match output {
                Output::Engine { engine, output: ClientOutput::OpenWebSocket { id, query, .. } } => {
                    self.pending_sockets.push((engine, id));
                    self.websocket_queries.push(query);
                }
                Output::Engine { engine, output: ClientOutput::Transmit { socket, frame: Frame::Text(text) } } => {
                    if self.socket == Some((engine, socket)) {
                        self.sent.push(text.as_str().to_string());
                    }
                }
                Output::Engine { .. } => {}
                Output::RandomNeeded => {
                    self.randoms_asked += 1;
                    self.manager.handle_random(self.now, self.random);
                }
                Output::Event(event) => self.events.push(event),
            }
        }
    }

    /// Answers the latest WebSocket request: it connects and the server
    /// sends its handshake.
    pub fn open_engine(&mut self, handshake: &str) {
        let (engine, id) = self.pending_sockets.pop().expect("a WebSocket was asked for");
        self.socket = Some((engine, id));
        self.sent.clear();
        self.manager.handle_websocket_opened(self.now, engine, id);
        self.manager.handle_frame(self.now, engine, id, Frame::Text(Str::from(handshake.to_string())));
        self.pump();
    }

    /// Answers the latest WebSocket request with a failure.
    pub fn fail_engine(&mut self) {
        let (engine, id) = self.pending_sockets.pop().expect("a WebSocket was asked for");
        self.manager.handle_websocket_failed(self.now, engine, id, "connection refused");
        self.pump();
    }

    /// The server sends a text frame (`40{"sid":"a"}`, `42["x"]`, `1`…).
    pub fn server(&mut self, text: &str) {
        let (engine, id) = self.socket.expect("an open WebSocket");
        self.manager.handle_frame(self.now, engine, id, Frame::Text(Str::from(text.to_string())));
        self.pump();
    }

    /// The WebSocket closes under the client.
    pub fn drop_connection(&mut self) {
        let (engine, id) = self.socket.take().expect("an open WebSocket");
        self.manager.handle_websocket_failed(self.now, engine, id, "connection refused");
        self.pump();
    }

    /// Moves the clock forward, running every timer on the way at its deadline.
    pub fn advance(&mut self, millis: u64) {
        let target = self.now + Duration::from_millis(millis);
        while let Some(deadline) = self.manager.poll_timeout().filter(|deadline| *deadline <= target) {
            self.now = self.now.max(deadline);
            self.manager.handle_timeout(self.now);
            self.pump();
        }
        self.now = target;
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    pub fn take_sent(&mut self) -> Vec<String> {
        std::mem::take(&mut self.sent)
    }
}

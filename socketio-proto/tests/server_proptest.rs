//! Properties of the server connection under arbitrary frames, answers,
//! emits and time: it never panics, every ack token resolves at most once,
//! every socket connects and disconnects at most once, in order, nothing
//! but engine answers follows the close, and no transport output comes out
//! between a socket's `Connected` and its `connect_handled`.

mod server_support;

use bytes::Bytes;
use core::time::Duration;
use engineio_proto::server::Output as EngineOutput;
use engineio_proto::{Frame, Instant, Sid, Str};
use proptest::prelude::*;
use server_support::*;
use socketio_proto::server::{Connection, Output};
use socketio_proto::Args;
use std::collections::{BTreeMap, BTreeSet};

const NAMESPACES: [&str; 2] = ["/", "/admin"];

#[derive(Debug, Clone)]
enum Step {
    Text(String),
    Binary(Vec<u8>),
    Accept(usize),
    /// The `connection` handler of the socket on that namespace ran.
    Handled(usize),
    Reject(usize),
    EmitWithAck(usize, Option<u64>),
    Disconnect(usize),
    Wait(u64),
    WebSocketClosed,
    Close,
}

fn packet_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("40".to_owned()),
        Just("40/admin,".to_owned()),
        Just(r#"40/admin,{"token":"1"}"#.to_owned()),
        Just("41".to_owned()),
        Just("41/admin,".to_owned()),
        Just(r#"42["message",1]"#.to_owned()),
        Just(r#"42/admin,3["ask"]"#.to_owned()),
        Just(r#"451-["file",{"_placeholder":true,"num":0}]"#.to_owned()),
        (0u64..4).prop_map(|id| format!("43{id}[]")),
        (0u64..4).prop_map(|id| format!("43/admin,{id}[\"ok\"]")),
        Just(r#"44{"message":"x"}"#.to_owned()),
        Just("3".to_owned()),
        Just("1".to_owned()),
        "4[0-6][-/a-z0-9,\\[\\]\"{}:]{0,12}",
        ".{0,8}",
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => packet_text().prop_map(Step::Text),
        1 => proptest::collection::vec(any::<u8>(), 0..4).prop_map(Step::Binary),
        3 => (0..NAMESPACES.len()).prop_map(Step::Accept),
        3 => (0..NAMESPACES.len()).prop_map(Step::Handled),
        1 => (0..NAMESPACES.len()).prop_map(Step::Reject),
        2 => ((0..NAMESPACES.len()), proptest::option::of(0u64..3_000)).prop_map(|(ns, t)| Step::EmitWithAck(ns, t)),
        1 => (0..NAMESPACES.len()).prop_map(Step::Disconnect),
        2 => (0u64..50_000).prop_map(Step::Wait),
        1 => Just(Step::WebSocketClosed),
        1 => Just(Step::Close),
    ]
}

/// What the outputs said so far, checked as they come.
#[derive(Default)]
struct Observer {
    issued: BTreeSet<u64>,
    resolved: BTreeSet<u64>,
    connected: BTreeMap<String, Sid>,
    disconnecting: BTreeSet<String>,
    /// Connected sockets whose handler has not run (transport output is held).
    unhandled: BTreeSet<Sid>,
    closed: bool,
}

impl Observer {
    fn see(&mut self, output: Output) -> Result<(), TestCaseError> {
        if self.closed {
            prop_assert!(matches!(output, Output::Engine(_)), "{output:?} after Closed");
            return Ok(());
        }
        match output {
            Output::Connected { namespace, socket_id, .. } => {
                self.unhandled.insert(socket_id.clone());
                let previous = self.connected.insert(namespace.as_str().to_owned(), socket_id);
                prop_assert!(previous.is_none(), "{namespace} connected twice");
            }
            Output::Disconnecting { namespace, .. } => {
                prop_assert!(self.connected.contains_key(namespace.as_str()), "{namespace} not connected");
                prop_assert!(self.disconnecting.insert(namespace.as_str().to_owned()), "{namespace} twice");
            }
            Output::Disconnected { namespace, socket_id, .. } => {
                prop_assert!(self.disconnecting.remove(namespace.as_str()), "no disconnecting for {namespace}");
                self.unhandled.remove(&socket_id);
                prop_assert_eq!(self.connected.remove(namespace.as_str()), Some(socket_id));
            }
            Output::AckReceived { token, .. }
            | Output::AckTimedOut { token, .. }
            | Output::AckCancelled { token, .. } => {
                prop_assert!(self.issued.contains(&token.ack_id()), "{token:?} never issued");
                prop_assert!(self.resolved.insert(token.ack_id()), "{token:?} resolved twice");
            }
            Output::Event { namespace, .. } => {
                prop_assert!(self.connected.contains_key(namespace.as_str()), "event on {namespace} not connected");
            }
            Output::Closed(_) => {
                prop_assert!(self.connected.is_empty(), "sockets left at close: {:?}", self.connected);
                self.closed = true;
            }
            Output::Engine(EngineOutput::Event(_)) | Output::ConnectRequest { .. } => {}
            Output::Engine(transport) => {
                prop_assert!(
                    self.unhandled.is_empty(),
                    "{transport:?} before the handlers of {:?} ran",
                    self.unhandled
                );
            }
            // The connection is closing: the hold is over.
            Output::DecodeFailed(_) => self.unhandled.clear(),
        }
        Ok(())
    }
}

fn run(
    connection: &mut Connection,
    observer: &mut Observer,
    now: &mut Instant,
    step: Step,
) -> Result<(), TestCaseError> {
    match step {
        Step::Text(text) => connection.handle_frame(*now, Frame::Text(Str::from(text))),
        Step::Binary(bytes) => connection.handle_frame(*now, Frame::Binary(Bytes::from(bytes))),
        Step::Accept(ns) => {
            let _ = connection.accept(*now, NAMESPACES[ns], Sid::new(&format!("s{}", now.as_millis())), None);
        }
        Step::Handled(ns) => {
            if let Some(socket_id) = observer.connected.get(NAMESPACES[ns]) {
                connection.connect_handled(socket_id);
                observer.unhandled.remove(socket_id);
            }
        }
        Step::Reject(ns) => {
            let _ = connection.reject(*now, NAMESPACES[ns], "no", None);
        }
        Step::EmitWithAck(ns, timeout) => {
            let timeout = timeout.map(Duration::from_millis);
            if let Ok(token) = connection.emit_with_ack(*now, NAMESPACES[ns], "hello", Args::empty(), timeout) {
                prop_assert!(observer.issued.insert(token.ack_id()), "{token:?} issued twice");
            }
        }
        Step::Disconnect(ns) => {
            let _ = connection.disconnect(*now, NAMESPACES[ns]);
        }
        Step::Wait(millis) => {
            *now += Duration::from_millis(millis);
            connection.handle_timeout(*now);
        }
        Step::WebSocketClosed => connection.handle_websocket_closed(*now),
        Step::Close => connection.close(*now),
    }
    while let Some(output) = connection.poll_output() {
        observer.see(output)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_inputs_keep_the_connection_consistent(steps in proptest::collection::vec(step(), 0..40)) {
        let mut connection = websocket();
        let mut observer = Observer::default();
        let mut now = T0;
        for step in steps {
            run(&mut connection, &mut observer, &mut now, step)?;
            // An open WebSocket connection always has a heartbeat timer; a closed one none.
            prop_assert_eq!(connection.poll_timeout().is_none(), connection.is_closed());
        }
        prop_assert_eq!(connection.is_closed(), observer.closed);
        prop_assert_eq!(connection.connected_namespaces().count(), observer.connected.len());
    }
}

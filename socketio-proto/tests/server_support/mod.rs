//! Shared setup of the `server_*` tests: a [`Connection`] on an Engine.IO
//! session built from a real handshake, frames in, outputs out.
#![allow(dead_code)]

use bytes::Bytes;
use engineio_proto::server::{self as engine, classify, CloseReason, Method, Route, Session};
use engineio_proto::{Frame, Instant, Sid, Str};
use socketio_proto::server::{Connection, DisconnectReason, Output, ServerConfig};

pub const T0: Instant = Instant::ZERO;

pub fn at(millis: u64) -> Instant {
    Instant::from_millis(millis)
}

/// An engine session for a handshake with `query` (`EIO=4&transport=websocket`).
pub fn engine_session(engine_config: &engine::ServerConfig, query: &str, websocket: bool) -> Session {
    let Route::Handshake(handshake) = classify(engine_config, Method::Get, query, websocket) else {
        panic!("{query} is not a handshake");
    };
    Session::new(engine_config, &handshake, Sid::new("engine0"), T0)
}

/// A v5 (Engine.IO 4) WebSocket connection whose open frame has been drained.
pub fn websocket_with(config: &ServerConfig) -> Connection {
    let session = engine_session(&engine::ServerConfig::default(), "EIO=4&transport=websocket", true);
    let mut connection = Connection::new(config, session, T0);
    drain(&mut connection);
    connection
}

/// [`websocket_with`] the default config.
pub fn websocket() -> Connection {
    websocket_with(&ServerConfig::default())
}

/// A v4 (Engine.IO 3) WebSocket connection; its outputs are not drained.
pub fn v4_websocket() -> Connection {
    let engine_config = engine::ServerConfig::default().with_eio3(true);
    let session = engine_session(&engine_config, "EIO=3&transport=websocket", true);
    Connection::new(&ServerConfig::default(), session, T0)
}

/// A v5 connection with `namespace` connected as socket `socket_id`, outputs drained.
pub fn connected(namespace: &str, socket_id: &str) -> Connection {
    let mut connection = websocket();
    join(&mut connection, namespace, socket_id);
    connection
}

/// Connects one more namespace on `connection` and drains the outputs.
pub fn join(connection: &mut Connection, namespace: &str, socket_id: &str) {
    let connect = if namespace == "/" { "0".to_owned() } else { format!("0{namespace},") };
    receive(connection, &connect);
    connection.accept(T0, namespace, Sid::new(socket_id), None).expect("a pending request");
    connection.connect_handled(&Sid::new(socket_id));
    drain(connection);
}

pub fn drain(connection: &mut Connection) -> Vec<Output> {
    std::iter::from_fn(|| connection.poll_output()).collect()
}

/// The client sends the Socket.IO packet `packet` (one text frame `4<packet>`)
/// at `T0`; returns the outputs.
pub fn receive(connection: &mut Connection, packet: &str) -> Vec<Output> {
    receive_at(connection, T0, packet)
}

/// [`receive`] at `now`.
pub fn receive_at(connection: &mut Connection, now: Instant, packet: &str) -> Vec<Output> {
    connection.handle_frame(now, Frame::Text(Str::from(format!("4{packet}"))));
    drain(connection)
}

/// The client sends a binary attachment (an Engine.IO 4 binary frame: the bytes alone).
pub fn receive_binary(connection: &mut Connection, bytes: &[u8]) -> Vec<Output> {
    connection.handle_frame(T0, Frame::Binary(Bytes::copy_from_slice(bytes)));
    drain(connection)
}

/// The texts of the WebSocket text frames among `outputs`.
pub fn transmitted(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|output| match output {
            Output::Engine(engine::Output::Transmit(Frame::Text(text))) => Some(text.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

/// The `(namespace, reason)` of every [`Output::Disconnected`] among `outputs`.
pub fn disconnected(outputs: &[Output]) -> Vec<(String, DisconnectReason)> {
    outputs
        .iter()
        .filter_map(|output| match output {
            Output::Disconnected { namespace, reason, .. } => Some((namespace.as_str().to_owned(), *reason)),
            _ => None,
        })
        .collect()
}

/// The reason of the [`Output::Closed`] among `outputs`, if any.
pub fn closed(outputs: &[Output]) -> Option<CloseReason> {
    outputs.iter().find_map(|output| match output {
        Output::Closed(reason) => Some(*reason),
        _ => None,
    })
}

//! The Socket.IO server, sans I/O: the machine of one connection and the
//! shared state of one namespace.
//!
//! [`Connection`] sits on an Engine.IO [`Session`](engineio_proto::server::Session)
//! and owns it: the driver has one machine per connection, feeds it the
//! HTTP and WebSocket inputs, and drains one queue of [`Output`]s. Namespace
//! lookup and middleware stay with the driver; the machine asks
//! ([`Output::ConnectRequest`]) and the driver answers
//! ([`Connection::accept`] / [`Connection::reject`]), then says when the
//! new socket's `connection` handler has run ([`Connection::connect_handled`]):
//! the machine holds its transport output until then, so no client hears
//! CONNECT before the handler's room joins are done.
//!
//! [`Namespace`] is what the connections of one namespace share: rooms,
//! broadcasts (encoded once, with their targets), broadcast acks and
//! connection state recovery. It returns plans; the driver executes them on
//! the connections it holds.
//!
//! ```text
//!  HTTP / WebSocket ──▶ Connection::handle_* ──▶ Session ──▶ Decoder ──▶ Output::{ConnectRequest, Event, AckReceived, …}
//!  Output::Engine(Respond / Transmit) ◀── Session ◀── Connection::{accept, emit, ack, disconnect, …}
//! ```

mod config;
mod connection;
mod namespace;
mod output;

pub use config::ServerConfig;
pub use connection::Connection;
pub use namespace::{BroadcastPlan, ConnectDecision, Namespace, NamespaceConfig, RecoveredSession};
pub use output::{AckToken, AnswerError, DisconnectReason, EmitError, Output};

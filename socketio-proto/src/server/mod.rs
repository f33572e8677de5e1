//! The Socket.IO server, sans I/O: the machine of one connection.
//!
//! [`Connection`] sits on an Engine.IO [`Session`](engineio_proto::server::Session)
//! and owns it: the driver has one machine per connection, feeds it the
//! HTTP and WebSocket inputs, and drains one queue of [`Output`]s. Namespace
//! lookup, middleware, rooms and broadcasting stay with the driver; the
//! machine asks ([`Output::ConnectRequest`]) and the driver answers
//! ([`Connection::accept`] / [`Connection::reject`]).
//!
//! ```text
//!  HTTP / WebSocket ──▶ Connection::handle_* ──▶ Session ──▶ Decoder ──▶ Output::{ConnectRequest, Event, AckReceived, …}
//!  Output::Engine(Respond / Transmit) ◀── Session ◀── Connection::{accept, emit, ack, disconnect, …}
//! ```

mod config;
mod connection;
mod output;

pub use config::ServerConfig;
pub use connection::Connection;
pub use output::{AckToken, AnswerError, DisconnectReason, EmitError, Output};

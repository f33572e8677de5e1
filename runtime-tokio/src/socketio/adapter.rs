//! Adapters: how the namespaces of several servers act as one (the
//! reference `Adapter`).
//!
//! Every operation is applied to this server's sockets by the namespace
//! itself (the in-memory part); an [`Adapter`] then carries it to the other
//! servers of a cluster, and applies theirs here through the
//! [`LocalNamespace`] it is given. [`InMemoryAdapter`], the default, reaches
//! no other server.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use engineio_proto::Sid;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::rooms::Room;
use socketio_proto::{Args, EventName, Json};
use tokio::sync::{mpsc, oneshot};

use super::namespace::NamespaceShared;

/// A future an adapter returns.
pub type AdapterFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Why a cluster operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// Some servers did not answer in time (the reference "timeout reached
    /// while waiting for fetchSockets response").
    #[error("timeout reached while waiting for {operation}: {answered} of {expected} servers answered")]
    Timeout {
        /// The operation (`fetchSockets`, `serverSideEmit`, …).
        operation: &'static str,
        /// How many servers answered.
        answered: usize,
        /// How many were expected to.
        expected: usize,
    },
    /// The adapter could not reach the other servers (its broker is down).
    #[error("cluster adapter unavailable: {0}")]
    Unavailable(String),
    /// The message could not be encoded for the other servers.
    #[error("cannot encode the message for the other servers: {0}")]
    Encode(String),
}

/// A socket of another server, as its server described it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSocketDetails {
    /// The socket id.
    pub id: String,
    /// The handshake, as JSON.
    pub handshake: Json,
    /// The socket's rooms, its own first.
    pub rooms: Vec<String>,
    /// The socket's data, as JSON (`socket.data`).
    pub data: Json,
}

/// What the other servers' clients answered to a broadcast with acks.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAcks {
    /// One ack (its first argument) per client of another server that answered.
    pub acks: Vec<Args>,
    /// Whether every client the other servers counted answered in time.
    pub complete: bool,
}

/// Installs itself on each namespace a server creates
/// ([`SocketIoBuilder::adapter`](super::SocketIoBuilder::adapter)).
pub trait Adapter: Send + Sync + fmt::Debug + 'static {
    /// The adapter of one namespace; `namespace` applies the other servers'
    /// operations to this server's sockets.
    fn attach(&self, namespace: LocalNamespace) -> Arc<dyn NamespaceAdapter>;
}

/// An adapter's side of one namespace: each method carries an operation
/// already applied to this server's sockets to the other servers. The
/// defaults reach no other server.
pub trait NamespaceAdapter: Send + Sync + fmt::Debug {
    /// A broadcast (not `local`).
    fn broadcast(&self, _event: &EventName, _args: &Args, _options: &BroadcastOptions) {}

    /// A broadcast with acks: resolves with the other servers' client acks
    /// once all arrived or `timeout` passed.
    fn broadcast_with_ack(
        &self,
        _event: &EventName,
        _args: &Args,
        _options: &BroadcastOptions,
        _timeout: Duration,
    ) -> AdapterFuture<RemoteAcks> {
        Box::pin(std::future::ready(RemoteAcks { acks: Vec::new(), complete: true }))
    }

    /// The sockets of the other servers that `options` selects.
    fn fetch_sockets(
        &self,
        _options: &BroadcastOptions,
    ) -> AdapterFuture<Result<Vec<RemoteSocketDetails>, AdapterError>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    /// The selected sockets of the other servers join `rooms`.
    fn sockets_join(&self, _options: &BroadcastOptions, _rooms: &[Room]) {}

    /// The selected sockets of the other servers leave `rooms`.
    fn sockets_leave(&self, _options: &BroadcastOptions, _rooms: &[Room]) {}

    /// The selected sockets of the other servers are disconnected.
    fn disconnect_sockets(&self, _options: &BroadcastOptions, _close: bool) {}

    /// An event for the other servers' [`NamespaceRef::on_server_side_emit`](super::NamespaceRef::on_server_side_emit) handlers.
    fn server_side_emit(&self, _event: &EventName, _args: &Args) -> Result<(), AdapterError> {
        Ok(())
    }

    /// An event for the other servers that each acks once: their acks.
    fn server_side_emit_with_ack(
        &self,
        _event: &EventName,
        _args: &Args,
    ) -> AdapterFuture<Result<Vec<Option<Json>>, AdapterError>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    /// The rooms of the other servers' sockets (the reference `allRooms`).
    fn all_rooms(&self) -> AdapterFuture<Result<Vec<String>, AdapterError>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    /// How many servers share the namespace, this one included.
    fn server_count(&self) -> AdapterFuture<Result<usize, AdapterError>> {
        Box::pin(std::future::ready(Ok(1)))
    }
}

/// The default adapter: one server, no cluster.
#[derive(Debug, Clone, Copy, Default)]
pub struct InMemoryAdapter;

#[derive(Debug)]
struct InMemoryNamespace;

impl NamespaceAdapter for InMemoryNamespace {}

impl Adapter for InMemoryAdapter {
    fn attach(&self, _namespace: LocalNamespace) -> Arc<dyn NamespaceAdapter> {
        Arc::new(InMemoryNamespace)
    }
}

/// A server-side event from another server ([`NamespaceRef::on_server_side_emit`](super::NamespaceRef::on_server_side_emit)).
#[derive(Debug)]
pub struct ServerSideEvent {
    /// The event name.
    pub event: EventName,
    /// The arguments.
    pub args: Args,
    /// Present when the emitting server waits for an ack: answer once.
    pub ack: Option<ServerSideAck>,
}

/// The ack of a [`ServerSideEvent`].
#[derive(Debug)]
pub struct ServerSideAck(pub(crate) oneshot::Sender<Option<Json>>);

impl ServerSideAck {
    /// Sends `value` back to the emitting server (`None`: no value).
    pub fn send(self, value: Option<Json>) {
        let _ = self.0.send(value);
    }
}

/// A namespace of this server as an adapter sees it: the operations other
/// servers ask for, applied to this server's sockets only. Holds the
/// namespace weakly: once it is gone every operation does nothing.
#[derive(Clone)]
pub struct LocalNamespace {
    pub(crate) name: String,
    pub(crate) shared: Weak<NamespaceShared>,
}

impl fmt::Debug for LocalNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalNamespace").field("name", &self.name).finish_non_exhaustive()
    }
}

impl LocalNamespace {
    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the namespace still exists.
    pub fn is_alive(&self) -> bool {
        self.shared.strong_count() > 0
    }

    /// Broadcasts to this server's selected sockets.
    pub fn broadcast(&self, event: &EventName, args: Args, options: &BroadcastOptions) {
        if let Some(shared) = self.shared.upgrade() {
            shared.broadcast_local(event.clone(), args, options);
        }
    }

    /// Broadcasts with acks to this server's selected sockets: how many were
    /// reached, and each answer (its arguments) as it arrives; the stream
    /// ends once all answered or `timeout` passed.
    pub fn broadcast_with_ack(
        &self,
        event: &EventName,
        args: Args,
        options: &BroadcastOptions,
        timeout: Duration,
    ) -> Option<(usize, mpsc::UnboundedReceiver<Args>)> {
        let shared = self.shared.upgrade()?;
        let (listener, answers) = mpsc::unbounded_channel();
        let (count, _outcome) = shared.broadcast_with_ack_to(event.clone(), args, options, timeout, Some(listener));
        Some((count, answers))
    }

    /// Describes this server's selected sockets.
    pub fn fetch_sockets(&self, options: &BroadcastOptions) -> Vec<RemoteSocketDetails> {
        self.shared.upgrade().map(|shared| shared.socket_details(options)).unwrap_or_default()
    }

    /// The ids of this server's sockets in any of `rooms` (every socket when empty).
    pub fn socket_ids(&self, rooms: &[Room]) -> Vec<Sid> {
        let Some(shared) = self.shared.upgrade() else { return Vec::new() };
        let mut options = BroadcastOptions::everyone();
        options.rooms = rooms.to_vec();
        let ids = shared.lock().rooms.fetch_sockets(&options);
        ids
    }

    /// The rooms of this server's sockets.
    pub fn rooms(&self) -> Vec<String> {
        let Some(shared) = self.shared.upgrade() else { return Vec::new() };
        let state = shared.lock();
        state.rooms.rooms().room_names().map(|room| room.as_str().to_owned()).collect()
    }

    /// Whether some socket of this server is in `room`.
    pub fn has_room(&self, room: &str) -> bool {
        self.shared.upgrade().is_some_and(|shared| shared.lock().rooms.rooms().has_room(&Room::new(room)))
    }

    /// This server's selected sockets join `rooms`.
    pub fn sockets_join(&self, options: &BroadcastOptions, rooms: &[Room]) {
        if let Some(shared) = self.shared.upgrade() {
            shared.lock().rooms.sockets_join(options, rooms);
        }
    }

    /// This server's selected sockets leave `rooms`.
    pub fn sockets_leave(&self, options: &BroadcastOptions, rooms: &[Room]) {
        if let Some(shared) = self.shared.upgrade() {
            shared.lock().rooms.sockets_leave(options, rooms);
        }
    }

    /// Disconnects this server's selected sockets.
    pub fn disconnect_sockets(&self, options: &BroadcastOptions, close: bool) {
        if let Some(shared) = self.shared.upgrade() {
            shared.disconnect_sockets_local(options, close);
        }
    }

    /// Hands a server-side event to the namespace's handlers (those of
    /// [`NamespaceRef::on_server_side_emit`](super::NamespaceRef::on_server_side_emit)).
    /// With `ack`, the first handler that answers decides the value sent back.
    pub fn server_side_emit(&self, event: EventName, args: Args, ack: Option<oneshot::Sender<Option<Json>>>) {
        if let Some(shared) = self.shared.upgrade() {
            shared.server_side_event(ServerSideEvent { event, args, ack: ack.map(ServerSideAck) });
        }
    }
}

/// The handlers of server-side events, by registration order.
pub(crate) type ServerSideHandler = Arc<dyn Fn(ServerSideEvent) + Send + Sync>;

/// Socket data shown to other servers: the socket's `serde_json::Value`
/// (see [`Socket::set_data`](super::Socket::set_data)), `{}` when it has none.
pub(crate) fn data_json(value: Option<serde_json::Value>) -> Json {
    let value = value.unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()));
    // A `serde_json::Value` always serializes; `{}` stands in all the same.
    Json::from_serialize(&value).unwrap_or_else(|_| Json::from_v4_query(None))
}

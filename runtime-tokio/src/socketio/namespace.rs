//! Namespaces: the shared state of each (the proto [`Namespace`] with its
//! rooms, and the inbox of every connected socket's session task), the
//! application's handle [`NamespaceRef`], broadcasts ([`BroadcastOperator`])
//! and the CONNECT [`Handshake`] the middlewares see.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use engineio_proto::{Sid, Str};
use serde::de::DeserializeOwned;
use serde::Serialize;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::server::Namespace;
use socketio_proto::{Args, Json};
use tokio::sync::mpsc;

use super::error::{ConnectError, EmitError};
use super::machine::Command;
use super::socket::Socket;
use crate::engine::Command as SessionCommand;
use crate::runtime::{BoxFuture, Runtime};

/// A namespace's connection handler, type-erased.
pub(crate) type ConnectionHandler = Arc<dyn Fn(Socket) -> BoxFuture + Send + Sync>;

/// A future a middleware returns.
pub(crate) type MiddlewareFuture = Pin<Box<dyn Future<Output = Result<(), ConnectError>> + Send>>;

/// A namespace middleware, type-erased.
pub(crate) type Middleware = Arc<dyn Fn(Arc<Handshake>) -> MiddlewareFuture + Send + Sync>;

/// The CONNECT of a socket, as the namespace's middlewares see it.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub(crate) namespace: Str,
    pub(crate) auth: Option<Json>,
    pub(crate) headers: http::HeaderMap,
    pub(crate) query: String,
    pub(crate) namespace_query: Option<Str>,
}

impl Handshake {
    /// The namespace asked for.
    pub fn namespace(&self) -> &str {
        self.namespace.as_str()
    }

    /// The CONNECT payload (the client's `auth` option), as JSON text.
    pub fn auth_json(&self) -> Option<&Json> {
        self.auth.as_ref()
    }

    /// The CONNECT payload deserialized into `T`; `None` when absent or of another shape.
    pub fn auth<T: DeserializeOwned>(&self) -> Option<T> {
        self.auth.as_ref().and_then(|auth| auth.to_owned_value().ok())
    }

    /// The headers of the Engine.IO handshake request.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The query string of the Engine.IO handshake request (`EIO=4&transport=…` and the client's `query`).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The query of the namespace itself (Socket.IO v4 clients: `/admin?token=1`).
    pub fn namespace_query(&self) -> Option<&str> {
        self.namespace_query.as_ref().map(Str::as_str)
    }
}

/// What the connections of a namespace share, under one lock.
#[derive(Debug)]
pub(crate) struct NamespaceState {
    /// Rooms, broadcast planning, ack ids.
    pub(crate) rooms: Namespace,
    /// The session task inbox of each connected socket.
    pub(crate) sockets: HashMap<Sid, mpsc::UnboundedSender<SessionCommand>>,
}

impl NamespaceState {
    /// Sends `encoded` to each of `targets`, in order.
    fn send_to(&self, namespace: &Str, targets: impl Iterator<Item = Sid>, encoded: &socketio_proto::Encoded) {
        for target in targets {
            if let Some(commands) = self.sockets.get(&target) {
                let emit = Command::Emit { namespace: namespace.clone(), encoded: encoded.clone() };
                let _ = commands.send(SessionCommand::SocketIo(emit));
            }
        }
    }
}

/// One registered namespace.
pub(crate) struct NamespaceShared {
    pub(crate) name: Str,
    state: Mutex<NamespaceState>,
    pub(crate) on_connection: ConnectionHandler,
    middlewares: RwLock<Vec<Middleware>>,
    pub(crate) runtime: Arc<dyn Runtime>,
}

impl std::fmt::Debug for NamespaceShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceShared").field("name", &self.name).finish_non_exhaustive()
    }
}

impl NamespaceShared {
    pub(crate) fn new(name: &str, on_connection: ConnectionHandler, runtime: Arc<dyn Runtime>) -> NamespaceShared {
        let name = Str::from(name.to_owned());
        NamespaceShared {
            state: Mutex::new(NamespaceState {
                rooms: Namespace::new(name.clone(), &Default::default()),
                sockets: HashMap::new(),
            }),
            name,
            on_connection,
            middlewares: RwLock::new(Vec::new()),
            runtime,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, NamespaceState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn middlewares(&self) -> Vec<Middleware> {
        self.middlewares.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Encodes once and sends to every socket `options` selects, under the
    /// lock: broadcasts reach every target in the order they were made.
    pub(crate) fn broadcast(&self, event: &str, args: Args, options: &BroadcastOptions) {
        let now = self.runtime.now();
        let mut guard = self.lock();
        let state = &mut *guard;
        let plan = state.rooms.broadcast(now, event.to_owned(), args, options);
        let targets: Vec<Sid> = plan.target_ids().cloned().collect();
        let encoded = plan.encoded;
        state.send_to(&self.name, targets.into_iter(), &encoded);
    }
}

/// The application's handle on a namespace: middlewares, broadcasts.
#[derive(Debug, Clone)]
pub struct NamespaceRef {
    pub(crate) shared: Arc<NamespaceShared>,
}

impl NamespaceRef {
    /// The namespace's name.
    pub fn name(&self) -> &str {
        self.shared.name.as_str()
    }

    /// Adds a middleware (the reference `namespace.use`): each CONNECT runs
    /// the middlewares in order; the first `Err` refuses it with
    /// CONNECT_ERROR, and the socket is connected only when all pass.
    pub fn middleware<F, Fut>(self, middleware: F) -> NamespaceRef
    where
        F: Fn(Arc<Handshake>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        let erased: Middleware = Arc::new(move |handshake| Box::pin(middleware(handshake)));
        self.shared.middlewares.write().unwrap_or_else(PoisonError::into_inner).push(erased);
        self
    }

    /// How many sockets are connected.
    pub fn socket_count(&self) -> usize {
        self.shared.lock().sockets.len()
    }

    /// A broadcast to the sockets in `room`.
    pub fn to(&self, room: &str) -> BroadcastOperator {
        BroadcastOperator::new(Arc::clone(&self.shared), BroadcastOptions::everyone()).to(room)
    }

    /// A broadcast to every socket not in `room`.
    pub fn except(&self, room: &str) -> BroadcastOperator {
        BroadcastOperator::new(Arc::clone(&self.shared), BroadcastOptions::everyone()).except(room)
    }

    /// Emits `event` with one argument to every socket of the namespace.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        BroadcastOperator::new(Arc::clone(&self.shared), BroadcastOptions::everyone()).emit(event, value)
    }
}

/// A broadcast being aimed: rooms to reach and rooms to skip (the reference
/// `BroadcastOperator`). The packet is encoded once and queued on every
/// target connection in the same order as other broadcasts.
#[derive(Debug, Clone)]
pub struct BroadcastOperator {
    shared: Arc<NamespaceShared>,
    options: BroadcastOptions,
}

impl BroadcastOperator {
    pub(crate) fn new(shared: Arc<NamespaceShared>, options: BroadcastOptions) -> BroadcastOperator {
        BroadcastOperator { shared, options }
    }

    /// Also reaches the sockets in `room` (with no room: everyone).
    pub fn to(mut self, room: &str) -> BroadcastOperator {
        self.options = self.options.to(room);
        self
    }

    /// Skips the sockets in `room`.
    pub fn except(mut self, room: &str) -> BroadcastOperator {
        self.options = self.options.except(room);
        self
    }

    /// Emits `event` with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.emit_args(event, args);
        Ok(())
    }

    /// Emits `event` with `args` as they are (several arguments, attachments).
    pub fn emit_args(&self, event: &str, args: Args) {
        self.shared.broadcast(event, args, &self.options);
    }
}

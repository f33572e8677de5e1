//! A Socket.IO server on the Engine.IO driver (issue #4).
//!
//! ```text
//!   HTTP / WebSocket ─▶ session task (one per connection, the one loop of crate::engine)
//!                         SocketIoMachine: proto Connection (owns the engine Session)
//!                           │ AppEvent (connect requests, events, disconnects), in order
//!                           ▼
//!                       handler task (one per connection): middlewares, `on` handlers,
//!                           │ one after the other
//!                           ▼ Command (accept, emit, ack, …) back to the session task
//! ```
//!
//! Like the Engine.IO driver, this module uses only the [`Runtime`] trait to
//! start tasks: `runtime-async-std` serves it with its own runtime through
//! [`SocketIoBuilder::build`] and [`EngineServer::serve_connection`].
//!
//! The proto machines decide everything (namespaces, acks, timeouts, rooms,
//! broadcast targets); this module moves their inputs and outputs and runs
//! the application's handlers. Broadcasts are encoded once by the namespace
//! and queued on every target's session task under the namespace lock, so
//! every client sees broadcasts and direct emits in the order they were
//! made.
//!
//! The application's surface, after the reference server:
//! [`SocketIo::ns`] with [`NamespaceRef::middleware`]; dynamic namespaces
//! ([`SocketIo::dynamic_ns`] → [`ParentNamespaceRef`]); the main-namespace
//! shortcuts [`SocketIo::emit`], [`SocketIo::to`], [`SocketIo::except`],
//! [`SocketIo::fetch_sockets`]; [`Socket`] (`on`, `on_any`,
//! `on_any_outgoing`, `emit`, `emit_with_ack`, [`Socket::volatile`] and
//! [`Socket::timeout`] ([`SocketOperator`]), rooms,
//! [`Socket::handshake`], typed data, `on_disconnecting`/`on_disconnect`);
//! broadcasts through [`BroadcastOperator`] (`to`, `except`, `volatile`,
//! `local`, `timeout` + `emit_with_ack`, `fetch_sockets` → [`RemoteSocket`],
//! `sockets_join`/`sockets_leave`, `disconnect_sockets`); opt-in
//! connection state recovery ([`SocketIoBuilder::connection_state_recovery`]);
//! [`SocketIo::close`]. An [`Adapter`] ([`SocketIoBuilder::adapter`];
//! default [`InMemoryAdapter`], this server only; the Redis adapter with the
//! `redis` feature) carries broadcasts, room changes, disconnects, broadcast
//! acks, `fetch_sockets_everywhere` and server-side emits to the other
//! servers of a cluster. Socket.IO v2 clients (Engine.IO 3) are served with
//! [`SocketIoBuilder::allow_eio3`]: they join `/` implicitly and their
//! namespace query is their [`Handshake::auth`]. Each namespace has a
//! timer task (broadcast ack deadlines, recovery expiry) next to the
//! per-connection tasks.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use runtime_tokio::socketio::{AckSender, Data, SocketIo, Socket};
//!
//! let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:3000", SocketIo::builder()).await?;
//! io.ns("/", |socket: Socket| async move {
//!     socket.join("lobby");
//!     socket.on("chat", |socket: Socket, Data(text): Data<String>, _ack: Option<AckSender>| async move {
//!         let _ = socket.to("lobby").emit("chat", &text);
//!     });
//! });
//! println!("listening on http://{addr}/socket.io/");
//! # Ok(())
//! # }
//! ```

mod adapter;
mod broadcast;
mod data;
mod dynamic;
mod error;
mod machine;
mod namespace;
mod sid_map;
mod socket;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::Poll;
use std::time::Duration;

use crate::queue;
use crate::spare_capacity::release_spare_capacity;
use engineio_proto::server::Session;
use engineio_proto::sid::SID_RANDOM_BYTES;
use engineio_proto::{Instant, Sid, Str};
use serde::Serialize;
use socketio_proto::server::{Connection, NamespaceConfig, ServerConfig};
use socketio_proto::Json;

pub use adapter::{
    Adapter, AdapterError, AdapterFuture, InMemoryAdapter, LocalNamespace, NamespaceAdapter, RemoteAcks,
    RemoteSocketDetails, ServerSideAck, ServerSideEvent,
};
pub use broadcast::{BroadcastOperator, RemoteSocket};
pub use dynamic::{ParentBroadcastOperator, ParentNamespaceRef};
pub use error::{AckError, BroadcastAckError, ConnectError, EmitError};
pub use namespace::{Handshake, NamespaceRef};
pub use socket::{AckSender, Data, FromArgs, Socket, SocketOperator};
pub use socketio_proto::recovery::RecoveryConfig;
pub use socketio_proto::server::DisconnectReason;

use dynamic::{NamespacePredicate, ParentNamespace};
pub(crate) use machine::Command;
use machine::{AppEvent, SocketIoMachine};
use namespace::{ConnectionHandler, NamespaceShared};
use socket::SocketParts;

use crate::engine::{Command as SessionCommand, EngineOptions, EngineServer, HandshakeOrigin};
use crate::runtime::Runtime;

/// The default request path, as the reference server's.
pub const DEFAULT_PATH: &str = "/socket.io/";

/// The message of the CONNECT_ERROR for a namespace nobody registered (the reference's).
const INVALID_NAMESPACE: &str = "Invalid namespace";

/// What the session tasks and handler tasks of a [`SocketIo`] share.
#[derive(Debug)]
pub(crate) struct ServerState {
    config: ServerConfig,
    namespace_config: NamespaceConfig,
    runtime: Arc<dyn Runtime>,
    namespaces: RwLock<HashMap<String, Arc<NamespaceShared>>>,
    /// The dynamic namespaces, in registration order.
    parents: RwLock<Vec<Arc<ParentNamespace>>>,
    /// Whether a child namespace is forgotten once it has no socket.
    cleanup_empty_children: bool,
    /// Carries each namespace's operations to the other servers of a cluster.
    adapter: Arc<dyn Adapter>,
}

impl ServerState {
    pub(crate) fn namespace(&self, name: &str) -> Option<Arc<NamespaceShared>> {
        self.namespaces.read().unwrap_or_else(PoisonError::into_inner).get(name).cloned()
    }

    /// Makes namespace `name` and starts its timer task.
    fn create_namespace(&self, name: &str, on_connection: ConnectionHandler) -> Arc<NamespaceShared> {
        let runtime = Arc::clone(&self.runtime);
        let (shared, timers) =
            NamespaceShared::new(name, &self.namespace_config, on_connection, runtime, &*self.adapter);
        self.runtime.spawn(timers);
        shared
    }

    /// The namespace a CONNECT goes to, with the CONNECT counted on it
    /// until [`ServerState::connect_decided`]: a registered one, else `/`
    /// (registered with no connection handler when the application did not
    /// register it: as in the reference, where `io.sockets` always exists, a
    /// client may always join `/`, and a v2 client always does), else the
    /// child of the first dynamic namespace that accepts it.
    fn namespace_for_connect(&self, handshake: &Handshake) -> Option<Arc<NamespaceShared>> {
        let name = handshake.namespace();
        if let Some(existing) = self.namespaces.read().unwrap_or_else(PoisonError::into_inner).get(name) {
            // Counted under the map's lock, so no cleanup falls in between.
            existing.connecting.fetch_add(1, Ordering::SeqCst);
            return Some(Arc::clone(existing));
        }
        if name == "/" {
            let handler: ConnectionHandler = Arc::new(|_socket| Box::pin(async {}));
            return Some(self.get_or_create(name, handler, None));
        }
        self.dynamic_namespace(handshake)
    }

    /// Namespace `name`, created with `on_connection` (and `parent`'s
    /// middlewares, as its child) when missing; its CONNECT counted.
    fn get_or_create(
        &self,
        name: &str,
        on_connection: ConnectionHandler,
        parent: Option<&Arc<ParentNamespace>>,
    ) -> Arc<NamespaceShared> {
        let mut namespaces = self.namespaces.write().unwrap_or_else(PoisonError::into_inner);
        let shared = match namespaces.get(name) {
            // Created meanwhile by another connection.
            Some(existing) => Arc::clone(existing),
            None => {
                let created = self.create_namespace(name, on_connection);
                if let Some(parent) = parent {
                    created.extend_middlewares(parent.middlewares());
                    parent.adopt(Arc::clone(&created));
                }
                namespaces.insert(name.to_owned(), Arc::clone(&created));
                created
            }
        };
        shared.connecting.fetch_add(1, Ordering::SeqCst);
        shared
    }

    /// The CONNECT counted by [`ServerState::namespace_for_connect`] is
    /// decided (the socket registered, or refused).
    pub(crate) fn connect_decided(&self, shared: &Arc<NamespaceShared>) {
        shared.connecting.fetch_sub(1, Ordering::SeqCst);
        self.forget_if_empty_child(shared);
    }

    /// Forgets `shared` when it is a child namespace with no socket and no
    /// CONNECT pending, and the server cleans up empty children (the
    /// reference `cleanupEmptyChildNamespaces`).
    pub(crate) fn forget_if_empty_child(&self, shared: &Arc<NamespaceShared>) {
        if !self.cleanup_empty_children {
            return;
        }
        let parents = self.parents.read().unwrap_or_else(PoisonError::into_inner).clone();
        let Some(parent) = parents.iter().find(|parent| parent.is_parent_of(shared)) else {
            return;
        };
        let mut namespaces = self.namespaces.write().unwrap_or_else(PoisonError::into_inner);
        let current = namespaces.get(shared.name.as_str()).is_some_and(|known| Arc::ptr_eq(known, shared));
        if current && shared.connecting.load(Ordering::SeqCst) == 0 && shared.lock().sockets.is_empty() {
            namespaces.remove(shared.name.as_str());
            parent.disown(shared);
        }
    }

    /// The child of the first dynamic namespace that accepts the CONNECT of
    /// `handshake`, created on first use (the reference `_checkNamespace`).
    fn dynamic_namespace(&self, handshake: &Handshake) -> Option<Arc<NamespaceShared>> {
        let name = handshake.namespace();
        let parents = self.parents.read().unwrap_or_else(PoisonError::into_inner).clone();
        let parent = parents.into_iter().find(|parent| (parent.predicate)(name, handshake))?;
        Some(self.get_or_create(name, Arc::clone(&parent.on_connection), Some(&parent)))
    }

    fn all_namespaces(&self) -> Vec<Arc<NamespaceShared>> {
        self.namespaces.read().unwrap_or_else(PoisonError::into_inner).values().cloned().collect()
    }
}

/// Makes the machine of a new Engine.IO session and starts its handler task.
pub(crate) fn open_connection(
    server: &Arc<ServerState>,
    session: Session,
    now: Instant,
    origin: HandshakeOrigin,
    commands: queue::UnboundedSender<SessionCommand>,
) -> SocketIoMachine {
    let connection = Connection::new(&server.config, session, now);
    let (app, events) = queue::unbounded_channel();
    let handlers = HandlerTask {
        server: Arc::clone(server),
        origin,
        commands: commands.clone(),
        handshakes: HashMap::new(),
        sockets: HashMap::new(),
    };
    server.runtime.spawn(Box::pin(handlers.run(events)));
    SocketIoMachine::new(connection, Arc::clone(server), commands, app)
}

/// The task running one connection's middlewares and handlers, in order.
struct HandlerTask {
    server: Arc<ServerState>,
    origin: HandshakeOrigin,
    commands: queue::UnboundedSender<SessionCommand>,
    /// The CONNECT of each namespace asked for, until its socket connects.
    handshakes: HashMap<Str, Arc<Handshake>>,
    sockets: HashMap<Str, Socket>,
}

impl HandlerTask {
    async fn run(mut self, mut events: queue::UnboundedReceiver<AppEvent>) {
        while let Some(event) = events.recv().await {
            match event {
                AppEvent::ConnectRequest { namespace, auth, query, admitted } => {
                    self.connect(namespace, auth, query, admitted).await;
                }
                AppEvent::Connected { namespace, socket_id, recovered } => {
                    let (Some(shared), Some(handshake)) =
                        (self.server.namespace(namespace.as_str()), self.handshakes.remove(&namespace))
                    else {
                        self.send(Command::ConnectHandled { socket_id });
                        continue;
                    };
                    let data = {
                        let mut state = shared.lock();
                        state.handshakes.insert(socket_id.clone(), Arc::clone(&handshake));
                        state.sockets.get(&socket_id).map(|entry| entry.data.clone())
                    };
                    let socket = Socket::new(SocketParts {
                        id: socket_id.clone(),
                        namespace: Arc::clone(&shared),
                        commands: self.commands.clone(),
                        handshake,
                        data: data.unwrap_or_default(),
                        recovered,
                    });
                    self.sockets.insert(namespace, socket.clone());
                    // The connection's output waits until the handler has run
                    // up to its first await (its joins are done), as the
                    // reference runs it in the tick that writes CONNECT.
                    let mut handler = std::pin::pin!((shared.on_connection)(socket));
                    let first = std::future::poll_fn(|cx| Poll::Ready(handler.as_mut().poll(cx))).await;
                    self.send(Command::ConnectHandled { socket_id });
                    if first.is_pending() {
                        handler.await;
                    }
                }
                AppEvent::Event { namespace, event } => {
                    if let Some(socket) = self.sockets.get(&namespace) {
                        socket.dispatch(event).await;
                    }
                }
                AppEvent::Disconnecting { namespace, reason, rooms } => {
                    if let Some(socket) = self.sockets.get(&namespace) {
                        socket.disconnecting(reason, rooms).await;
                    }
                }
                AppEvent::Disconnected { namespace, reason } => {
                    if let Some(socket) = self.sockets.remove(&namespace) {
                        if let Some(shared) = self.server.namespace(namespace.as_str()) {
                            let mut state = shared.lock();
                            state.handshakes.remove(socket.id());
                            release_spare_capacity(&mut state.handshakes);
                        }
                        socket.disconnected(reason).await;
                    }
                }
            }
        }
    }

    /// Runs the namespace's middlewares, then admits or refuses the socket
    /// (only keeps its handshake when the machine `admitted` it already).
    async fn connect(&mut self, namespace: Str, auth: Option<Json>, namespace_query: Option<Str>, admitted: bool) {
        let handshake = Arc::new(Handshake {
            namespace: namespace.clone(),
            auth,
            headers: self.origin.headers.clone(),
            query: self.origin.query.clone(),
            namespace_query,
            address: self.origin.address,
        });
        let Some(shared) = self.server.namespace_for_connect(&handshake) else {
            self.send(Command::Reject { namespace, message: INVALID_NAMESPACE.to_owned(), data: None });
            return;
        };
        self.handshakes.insert(namespace.clone(), Arc::clone(&handshake));
        if admitted {
            self.server.connect_decided(&shared);
            return;
        }
        for middleware in shared.middlewares() {
            if let Err(refusal) = middleware(Arc::clone(&handshake)).await {
                let data = refusal.data.as_ref().and_then(|data| Json::from_serialize(data).ok());
                self.handshakes.remove(&namespace);
                self.send(Command::Reject { namespace, message: refusal.message, data });
                self.server.connect_decided(&shared);
                return;
            }
        }
        let mut random = [0u8; SID_RANDOM_BYTES];
        if getrandom::fill(&mut random).is_err() {
            self.handshakes.remove(&namespace);
            self.send(Command::Reject { namespace, message: "no randomness".to_owned(), data: None });
            self.server.connect_decided(&shared);
            return;
        }
        // The session task decides the CONNECT when it registers the socket.
        if !self.send(Command::Accept { namespace, socket_id: Sid::from_random(random) }) {
            self.server.connect_decided(&shared);
        }
    }

    /// Hands `command` to the session task; false when it is gone.
    fn send(&self, command: Command) -> bool {
        self.commands.send(SessionCommand::SocketIo(command)).is_ok()
    }
}

/// The settings of a [`SocketIo`] server; reference defaults.
#[derive(Debug, Clone)]
#[must_use]
pub struct SocketIoBuilder {
    engine: EngineOptions,
    config: ServerConfig,
    namespace_config: NamespaceConfig,
    cleanup_empty_children: bool,
    adapter: Arc<dyn Adapter>,
}

impl Default for SocketIoBuilder {
    fn default() -> SocketIoBuilder {
        SocketIoBuilder {
            engine: EngineOptions::default().with_path(DEFAULT_PATH),
            config: ServerConfig::default(),
            namespace_config: NamespaceConfig::default(),
            cleanup_empty_children: false,
            adapter: Arc::new(InMemoryAdapter),
        }
    }
}

impl SocketIoBuilder {
    /// The request path served (default [`DEFAULT_PATH`]).
    pub fn path(mut self, path: impl Into<String>) -> SocketIoBuilder {
        self.engine = self.engine.with_path(path);
        self
    }

    /// The heartbeat period (default 25 s).
    pub fn ping_interval(mut self, interval: Duration) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_ping_interval(interval);
        self
    }

    /// How long a ping waits for its pong (default 20 s).
    pub fn ping_timeout(mut self, timeout: Duration) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_ping_timeout(timeout);
        self
    }

    /// How long a WebSocket upgrade may take (default 10 s).
    pub fn upgrade_timeout(mut self, timeout: Duration) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_upgrade_timeout(timeout);
        self
    }

    /// The largest message or POST body accepted (default 1 MB).
    pub fn max_http_buffer_size(mut self, bytes: usize) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_max_http_buffer_size(bytes);
        self
    }

    /// The send buffer of each connection (default 1024 packets): most
    /// packets queued for a client and not yet taken by it — waiting for a
    /// GET on polling, not yet written to the socket on WebSocket. A
    /// connection whose client leaves it full is closed and its sockets
    /// disconnect with [`DisconnectReason::SendBufferFull`] (recoverable: with
    /// [`connection_state_recovery`](Self::connection_state_recovery) the
    /// client gets what it missed on reconnection), so a client that stops
    /// reading costs at most this much memory and never slows the others.
    /// Volatile packets are dropped instead, as soon as anything is waiting.
    /// Every frame the server writes counts, pongs to the client's
    /// WebSocket pings included, before the client joins a namespace too.
    pub fn max_buffered_packets(mut self, packets: usize) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_max_buffered_packets(packets);
        self
    }

    /// The send buffer of each connection in bytes (default 4 MiB): as
    /// [`max_buffered_packets`](Self::max_buffered_packets), whichever bound
    /// is met first; a packet larger than the bound still goes out when
    /// nothing else waits.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_max_buffered_bytes(bytes);
        self
    }

    /// The smallest polling answer compressed with gzip or deflate for a
    /// client that accepts it (the reference `httpCompression.threshold`,
    /// default 1024 bytes); `None` turns HTTP compression off. Packets sent
    /// with `compress(false)` do not count toward compressing an answer.
    pub fn http_compression_threshold(mut self, threshold: Option<usize>) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_http_compression_threshold(threshold);
        self
    }

    /// Whether Engine.IO 3 (Socket.IO v2) clients are served (default no).
    pub fn allow_eio3(mut self, allow: bool) -> SocketIoBuilder {
        self.engine.config = self.engine.config.with_eio3(allow);
        self
    }

    /// How long a connection may stay without any namespace (default 45 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> SocketIoBuilder {
        self.config = self.config.with_connect_timeout(timeout);
        self
    }

    /// Turns connection state recovery on (the reference
    /// `connectionStateRecovery`; off by default): a client that lost its
    /// connection for a recoverable reason and comes back within
    /// `config.max_disconnection_duration` gets its socket id, rooms and
    /// data back, and the packets broadcast meanwhile; its socket is
    /// [`Socket::recovered`]. [`RecoveryConfig::default`] has the reference
    /// defaults (120 s, middlewares skipped for a recovered socket). Every
    /// event the server emits without ack then carries an offset as its last
    /// argument, as in the reference.
    pub fn connection_state_recovery(mut self, config: RecoveryConfig) -> SocketIoBuilder {
        self.namespace_config = self.namespace_config.with_recovery(config);
        self
    }

    /// Whether a child of a dynamic namespace ([`SocketIo::dynamic_ns`]) is
    /// forgotten once its last socket left (the reference
    /// `cleanupEmptyChildNamespaces`; default no): the next client of its
    /// name creates it afresh.
    pub fn cleanup_empty_child_namespaces(mut self, cleanup: bool) -> SocketIoBuilder {
        self.cleanup_empty_children = cleanup;
        self
    }

    /// The adapter that makes the namespaces of several servers act as one
    /// (default [`InMemoryAdapter`]: this server only); for instance
    /// `runtime_tokio::redis::RedisAdapter` (feature `redis`). Broadcasts,
    /// `sockets_join`/`sockets_leave`, `disconnect_sockets`, broadcast acks,
    /// [`BroadcastOperator::fetch_sockets_everywhere`] and server-side
    /// emits then reach every server, unless `local`.
    pub fn adapter(mut self, adapter: impl Adapter) -> SocketIoBuilder {
        self.adapter = Arc::new(adapter);
        self
    }

    /// Cross-origin rules for browsers (default: any origin, no credentials).
    pub fn cors(mut self, cors: crate::engine::Cors) -> SocketIoBuilder {
        self.engine = self.engine.with_cors(cors);
        self
    }

    /// A hook asked on every handshake (the reference `allowRequest`): a
    /// refusal answers 403 `{"code":4,"message":…}`.
    pub fn allow_request(mut self, allow: crate::engine::AllowRequest) -> SocketIoBuilder {
        self.engine = self.engine.with_allow_request(allow);
        self
    }

    /// How long a client may take to send its request head when this crate
    /// accepts the connections (default 10 s; `None` turns it off).
    pub fn header_read_timeout(mut self, timeout: Option<Duration>) -> SocketIoBuilder {
        self.engine = self.engine.with_header_read_timeout(timeout);
        self
    }

    /// The largest request head read when this crate accepts the
    /// connections (default 16 KiB, node's `maxHeaderSize`): a larger one
    /// is answered `431`.
    pub fn max_header_size(mut self, bytes: usize) -> SocketIoBuilder {
        self.engine = self.engine.with_max_header_size(bytes);
        self
    }

    /// Replaces every Engine.IO option at once (path included: set it back
    /// to [`DEFAULT_PATH`] if you start from `EngineOptions::default()`).
    pub fn engine_options(mut self, options: EngineOptions) -> SocketIoBuilder {
        self.engine = options;
        self
    }

    /// The server, whose tasks and timers run on `runtime`. Serve it with
    /// [`SocketIo::engine`] (or `runtime_tokio::tokio::bind_socketio`).
    pub fn build(self, runtime: Arc<dyn Runtime>) -> SocketIo {
        let state = Arc::new(ServerState {
            config: self.config,
            namespace_config: self.namespace_config,
            runtime: Arc::clone(&runtime),
            namespaces: RwLock::new(HashMap::new()),
            parents: RwLock::new(Vec::new()),
            cleanup_empty_children: self.cleanup_empty_children,
            adapter: self.adapter,
        });
        let engine = EngineServer::for_socketio(self.engine, runtime, Arc::clone(&state));
        SocketIo { engine, state }
    }
}

/// A Socket.IO server: namespaces with their handlers, over an
/// [`EngineServer`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SocketIo {
    engine: EngineServer,
    state: Arc<ServerState>,
}

impl SocketIo {
    /// The settings, to [`SocketIoBuilder::build`].
    pub fn builder() -> SocketIoBuilder {
        SocketIoBuilder::default()
    }

    /// The Engine.IO server underneath: serve HTTP connections with it.
    pub fn engine(&self) -> &EngineServer {
        &self.engine
    }

    /// Registers namespace `name` (`/`, `/admin`) with the handler each new
    /// socket goes through (register its event handlers there: events wait
    /// for it). Registering a name again replaces it for new sockets. A
    /// client may join `/` even when it is not registered (as in the
    /// reference, where it always exists): its sockets have no handler.
    pub fn ns<F, Fut>(&self, name: &str, on_connection: F) -> NamespaceRef
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: ConnectionHandler = Arc::new(move |socket| Box::pin(on_connection(socket)));
        let shared = self.state.create_namespace(name, handler);
        let mut namespaces = self.state.namespaces.write().unwrap_or_else(PoisonError::into_inner);
        namespaces.insert(name.to_owned(), Arc::clone(&shared));
        NamespaceRef { shared }
    }

    /// Registers a dynamic namespace (the reference `io.of(/^\/dynamic-\d+$/)`
    /// or `io.of((name, auth, next) => …)`): a CONNECT to a namespace nobody
    /// registered is offered to the dynamic namespaces in registration
    /// order; the first whose `predicate` accepts the name (and the
    /// [`Handshake`]) creates that child namespace on first use, with
    /// `on_connection` and the parent's middlewares. A name no predicate
    /// accepts is refused with CONNECT_ERROR "Invalid namespace". Children
    /// stay registered ([`SocketIo::of`] finds them); broadcasts on the
    /// returned [`ParentNamespaceRef`] reach every child.
    pub fn dynamic_ns<P, F, Fut>(&self, predicate: P, on_connection: F) -> ParentNamespaceRef
    where
        P: Fn(&str, &Handshake) -> bool + Send + Sync + 'static,
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: ConnectionHandler = Arc::new(move |socket| Box::pin(on_connection(socket)));
        let predicate: NamespacePredicate = Arc::new(predicate);
        let parent = Arc::new(ParentNamespace::new(predicate, handler));
        self.state.parents.write().unwrap_or_else(PoisonError::into_inner).push(Arc::clone(&parent));
        ParentNamespaceRef { parent }
    }

    /// The main namespace `/` (the reference `io.sockets`); until `/` is
    /// registered or a client joined it, an empty namespace (broadcasts on
    /// it reach nobody).
    pub fn sockets(&self) -> NamespaceRef {
        let shared = self.state.namespace("/").unwrap_or_else(|| {
            // Its timer task is never started: it can have no socket, hence no deadline.
            let handler: ConnectionHandler = Arc::new(|_socket| Box::pin(async {}));
            let runtime = Arc::clone(&self.state.runtime);
            NamespaceShared::new("/", &self.state.namespace_config, handler, runtime, &InMemoryAdapter).0
        });
        NamespaceRef { shared }
    }

    /// Emits `event` with one argument to every socket of `/` (the reference `io.emit`).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        self.sockets().emit(event, value)
    }

    /// A broadcast to the sockets of `/` in `room` (the reference `io.to`).
    pub fn to(&self, room: &str) -> BroadcastOperator {
        self.sockets().to(room)
    }

    /// A broadcast to the sockets of `/` not in `room` (the reference `io.except`).
    pub fn except(&self, room: &str) -> BroadcastOperator {
        self.sockets().except(room)
    }

    /// Handles on every socket of `/` (the reference `io.fetchSockets`).
    pub fn fetch_sockets(&self) -> Vec<RemoteSocket> {
        self.sockets().fetch_sockets()
    }

    /// The namespace `name`, if registered.
    pub fn of(&self, name: &str) -> Option<NamespaceRef> {
        self.state.namespace(name).map(|shared| NamespaceRef { shared })
    }

    /// Shuts the server down (the reference `io.close()`): every connection
    /// is closed, its sockets disconnected with "server shutting down"
    /// ([`DisconnectReason::ServerShuttingDown`]); resolves once every
    /// namespace has lost its sockets (their disconnect handlers may still
    /// be running). The accept loop keeps running (stop it by dropping its
    /// task): a client may still connect afterwards.
    pub async fn close(&self) {
        self.engine.close_all();
        for namespace in self.state.all_namespaces() {
            loop {
                let left = namespace.socket_left.notified();
                let mut left = std::pin::pin!(left);
                left.as_mut().enable();
                if namespace.lock().sockets.is_empty() {
                    break;
                }
                left.await;
            }
        }
    }
}

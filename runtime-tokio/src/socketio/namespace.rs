//! Namespaces: the shared state of each (the proto [`Namespace`] with its
//! rooms, and each connected socket's session task inbox and data), the
//! timer task firing its deadlines, the application's handle
//! [`NamespaceRef`] and the CONNECT [`Handshake`] the middlewares see.

use std::collections::HashMap;

use super::sid_map::SidMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};
use std::time::Duration;

use engineio_proto::{Sid, Str};
use serde::de::DeserializeOwned;
use serde::Serialize;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::broadcast_ack::AckOutcome;
use socketio_proto::rooms::Room;
use socketio_proto::server::{Namespace, NamespaceConfig};
use socketio_proto::{Args, EventName, Json};
use tokio::sync::{mpsc, oneshot, Notify};

use crate::queue;

use super::adapter::AdapterFuture;
use super::adapter::{
    data_json, Adapter, AdapterError, LocalNamespace, NamespaceAdapter, RemoteAcks, RemoteSocketDetails,
    ServerSideEvent, ServerSideHandler,
};
use super::broadcast::{BroadcastOperator, RemoteSocket};
use super::data::SharedData;
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
    pub(crate) address: Option<std::net::SocketAddr>,
}

impl Handshake {
    /// The namespace asked for.
    pub fn namespace(&self) -> &str {
        self.namespace.as_str()
    }

    /// The CONNECT payload (the client's `auth` option), as JSON text. For a
    /// Socket.IO v2 client (Engine.IO 3, [`SocketIoBuilder::allow_eio3`](super::SocketIoBuilder::allow_eio3)),
    /// as in the reference: the namespace query as an object of strings
    /// (`/admin?token=1` → `{"token":"1"}`; `{}` for the implicit `/`).
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

    /// The client's address (the reference `handshake.address`): the TCP
    /// peer of the handshake request when the server accepted the connection
    /// itself (`bind_socketio`, [`EngineServer::serve_connection_from`](crate::engine::EngineServer::serve_connection_from)),
    /// or a [`RemoteAddr`](crate::engine::RemoteAddr) request extension put there by the
    /// application's stack; `None` otherwise. Behind a proxy it is the
    /// proxy's address: read `X-Forwarded-For` from [`Handshake::headers`].
    pub fn address(&self) -> Option<std::net::SocketAddr> {
        self.address
    }

    /// The query of the namespace itself (Socket.IO v4 clients: `/admin?token=1`).
    pub fn namespace_query(&self) -> Option<&str> {
        self.namespace_query.as_ref().map(Str::as_str)
    }

    /// The handshake as the reference describes it to other servers
    /// (`{headers, query, auth, url, …}`; fields this server does not keep are
    /// left out).
    pub(crate) fn to_json(&self) -> Json {
        let headers: serde_json::Map<String, serde_json::Value> = self
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned().into())))
            .collect();
        let parse = |json: &Json| serde_json::from_str::<serde_json::Value>(json.as_str()).ok();
        let query = parse(&Json::from_v4_query(Some(&self.query))).unwrap_or_default();
        let auth = self.auth.as_ref().and_then(parse).unwrap_or_else(|| serde_json::Value::Object(Default::default()));
        let handshake = serde_json::json!({ "headers": headers, "query": query, "auth": auth });
        Json::from_serialize(&handshake).unwrap_or_else(|_| Json::from_v4_query(None))
    }
}

/// One connected socket, as its namespace keeps it.
#[derive(Debug)]
pub(crate) struct SocketEntry {
    /// The inbox of the socket's session task.
    pub(crate) commands: queue::UnboundedSender<SessionCommand>,
    /// The socket's data (see [`Socket::set_data`]).
    pub(crate) data: SharedData,
}

/// What the connections of a namespace share, under one lock.
#[derive(Debug)]
pub(crate) struct NamespaceState {
    /// Rooms, broadcast planning, ack ids, broadcast acks, recovery.
    pub(crate) rooms: Namespace<SharedData>,
    /// Each connected socket.
    pub(crate) sockets: SidMap<SocketEntry>,
    /// Who waits for the outcome of each broadcast with ack.
    ack_waiters: HashMap<u64, oneshot::Sender<AckOutcome>>,
    /// The CONNECT of each connected socket (described to other servers).
    pub(crate) handshakes: HashMap<Sid, Arc<Handshake>>,
    /// Who gets each answer of a broadcast with ack as it arrives (a
    /// broadcast asked for by another server), until its outcome.
    ack_listeners: HashMap<u64, mpsc::UnboundedSender<Args>>,
}

/// Sends what `command` makes to each of `targets`, in order.
/// Returns how many targets there were, so a caller needing the count does
/// not walk the plan twice.
fn send_to<'a>(
    sockets: &SidMap<SocketEntry>,
    targets: impl Iterator<Item = &'a Sid>,
    command: impl Fn() -> Command,
) -> usize {
    let mut count = 0;
    for target in targets {
        count += 1;
        if let Some(entry) = sockets.get(target) {
            let _ = entry.commands.send(SessionCommand::SocketIo(command()));
        }
    }
    count
}

impl NamespaceState {
    /// Hands every decided broadcast ack outcome to its waiter.
    pub(crate) fn drain_outcomes(&mut self) {
        while let Some((ack_id, outcome)) = self.rooms.poll_outcome() {
            if let Some(waiter) = self.ack_waiters.remove(&ack_id) {
                let _ = waiter.send(outcome);
            }
            self.ack_listeners.remove(&ack_id);
        }
    }

    /// Routes `socket`'s answer to the broadcast with `ack_id` (and a copy
    /// to its listener, if any); false when no broadcast waits for it.
    pub(crate) fn record_broadcast_ack(&mut self, ack_id: u64, socket: &Sid, args: Args) -> bool {
        let Some(listener) = self.ack_listeners.get(&ack_id) else {
            return self.rooms.record_broadcast_ack(ack_id, socket, args);
        };
        let copy = args.clone();
        let recorded = self.rooms.record_broadcast_ack(ack_id, socket, args);
        if recorded {
            let _ = listener.send(copy);
        }
        recorded
    }
}

/// One registered namespace.
pub(crate) struct NamespaceShared {
    pub(crate) name: Str,
    state: Mutex<NamespaceState>,
    pub(crate) on_connection: ConnectionHandler,
    middlewares: RwLock<Vec<Middleware>>,
    pub(crate) runtime: Arc<dyn Runtime>,
    /// Wakes the namespace's timer task (a new deadline, or the namespace is gone).
    timer: Arc<Notify>,
    /// Told whenever a socket leaves (for [`SocketIo::close`](super::SocketIo::close)).
    pub(crate) socket_left: Notify,
    /// How many CONNECTs were routed here and are not decided yet: an empty
    /// child namespace is only forgotten when none is.
    pub(crate) connecting: AtomicUsize,
    /// Carries operations to the other servers of a cluster.
    pub(crate) adapter: Arc<dyn NamespaceAdapter>,
    /// The handlers of events from other servers.
    server_side_handlers: RwLock<Vec<ServerSideHandler>>,
}

impl std::fmt::Debug for NamespaceShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamespaceShared").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Drop for NamespaceShared {
    fn drop(&mut self) {
        self.timer.notify_one();
    }
}

impl NamespaceShared {
    /// The namespace and the timer task that fires its deadlines (broadcast
    /// acks, recovery expiry); spawn the task on the runtime.
    pub(crate) fn new(
        name: &str,
        config: &NamespaceConfig,
        on_connection: ConnectionHandler,
        runtime: Arc<dyn Runtime>,
        adapter: &dyn Adapter,
    ) -> (Arc<NamespaceShared>, BoxFuture) {
        let name = Str::from(name.to_owned());
        let timer = Arc::new(Notify::new());
        let shared = Arc::new_cyclic(|weak| NamespaceShared {
            state: Mutex::new(NamespaceState {
                rooms: Namespace::new(name.clone(), config),
                sockets: SidMap::default(),
                ack_waiters: HashMap::new(),
                handshakes: HashMap::new(),
                ack_listeners: HashMap::new(),
            }),
            adapter: adapter.attach(LocalNamespace { name: name.as_str().to_owned(), shared: weak.clone() }),
            server_side_handlers: RwLock::new(Vec::new()),
            name,
            on_connection,
            middlewares: RwLock::new(Vec::new()),
            runtime: Arc::clone(&runtime),
            timer: Arc::clone(&timer),
            socket_left: Notify::new(),
            connecting: AtomicUsize::new(0),
        });
        let task = Box::pin(run_timers(Arc::downgrade(&shared), timer, runtime));
        (shared, task)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, NamespaceState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `middlewares` after the namespace's own.
    pub(crate) fn extend_middlewares(&self, middlewares: Vec<Middleware>) {
        self.middlewares.write().unwrap_or_else(PoisonError::into_inner).extend(middlewares);
    }

    pub(crate) fn middlewares(&self) -> Vec<Middleware> {
        self.middlewares.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Lets the timer task look at the deadlines again.
    pub(crate) fn wake_timer(&self) {
        self.timer.notify_one();
    }

    /// Broadcasts to this server's selected sockets, then (unless `local`)
    /// through the adapter to the other servers'.
    pub(crate) fn broadcast(&self, event: &str, args: Args, options: &BroadcastOptions) {
        let event = EventName::from(event.to_owned());
        if !options.flags.local {
            self.adapter.broadcast(&event, &args, options);
        }
        self.broadcast_local(event, args, options);
    }

    /// Encodes once and sends to every socket `options` selects, under the
    /// lock: broadcasts reach every target in the order they were made.
    pub(crate) fn broadcast_local(&self, event: EventName, args: Args, options: &BroadcastOptions) {
        let now = self.runtime.now();
        let mut guard = self.lock();
        let state = &mut *guard;
        let plan = state.rooms.broadcast(now, event, args, options);
        let volatile = plan.flags.volatile;
        let namespace = &self.name;
        send_to(&state.sockets, plan.target_ids(), || {
            let (namespace, encoded) = (namespace.clone(), plan.encoded.clone());
            if volatile {
                Command::EmitVolatile { namespace, encoded }
            } else {
                Command::Emit { namespace, encoded }
            }
        });
        drop(guard);
        // A recorded packet expires with the recovery store.
        self.wake_timer();
    }

    /// A broadcast with acks to this server's selected sockets and (unless
    /// `local`) the other servers': the local outcome, and the other
    /// servers' acks.
    pub(crate) fn broadcast_with_ack(
        &self,
        event: &str,
        args: Args,
        options: &BroadcastOptions,
        timeout: Duration,
    ) -> (oneshot::Receiver<AckOutcome>, Option<AdapterFuture<RemoteAcks>>) {
        let event = EventName::from(event.to_owned());
        let remote = (!options.flags.local).then(|| self.adapter.broadcast_with_ack(&event, &args, options, timeout));
        let (_, local) = self.broadcast_with_ack_local(event, args, options, timeout);
        (local, remote)
    }

    /// Sends the EVENT to every socket of this server `options` selects,
    /// with one shared ack id: how many were reached, and the outcome once
    /// all answered or `timeout` passed.
    pub(crate) fn broadcast_with_ack_local(
        &self,
        event: EventName,
        args: Args,
        options: &BroadcastOptions,
        timeout: Duration,
    ) -> (usize, oneshot::Receiver<AckOutcome>) {
        self.broadcast_with_ack_to(event, args, options, timeout, None)
    }

    /// [`NamespaceShared::broadcast_with_ack_local`] whose answers also go
    /// to `listener` as they arrive.
    pub(crate) fn broadcast_with_ack_to(
        &self,
        event: EventName,
        args: Args,
        options: &BroadcastOptions,
        timeout: Duration,
        listener: Option<mpsc::UnboundedSender<Args>>,
    ) -> (usize, oneshot::Receiver<AckOutcome>) {
        let now = self.runtime.now();
        let (waiter, outcome) = oneshot::channel();
        let mut guard = self.lock();
        let state = &mut *guard;
        let plan = state.rooms.broadcast_with_ack(now, event, args, options, timeout);
        let (encoded, ack_id) = (&plan.encoded, plan.ack_id.unwrap_or_default());
        let namespace = &self.name;
        let reached = send_to(&state.sockets, plan.target_ids(), || Command::EmitBroadcastWithAck {
            namespace: namespace.clone(),
            encoded: encoded.clone(),
            ack_id,
            timeout,
        });
        state.ack_waiters.insert(ack_id, waiter);
        if let Some(listener) = listener {
            state.ack_listeners.insert(ack_id, listener);
        }
        state.drain_outcomes();
        drop(guard);
        self.wake_timer();
        (reached, outcome)
    }

    /// Emits to one socket, recorded for recovery as the reference does.
    pub(crate) fn emit_to(
        &self,
        socket: &Sid,
        commands: &queue::UnboundedSender<SessionCommand>,
        event: &str,
        args: Args,
        compress: bool,
    ) -> Result<(), EmitError> {
        let now = self.runtime.now();
        let mut state = self.lock();
        let encoded = state.rooms.socket_emit(now, socket, event.to_owned(), args).with_compress(compress);
        let command = Command::Emit { namespace: self.name.clone(), encoded };
        commands.send(SessionCommand::SocketIo(command)).map_err(|_| EmitError::Closed)
    }

    /// Handles on the sockets `options` selects.
    pub(crate) fn fetch_sockets(self: &Arc<Self>, options: &BroadcastOptions) -> Vec<RemoteSocket> {
        self.map_selected(options, |_state, id, entry, rooms| RemoteSocket {
            id,
            rooms,
            data: entry.data.clone(),
            commands: Some(entry.commands.clone()),
            namespace: Arc::clone(self),
        })
    }

    /// Describes this server's sockets `options` selects, for other servers.
    pub(crate) fn socket_details(&self, options: &BroadcastOptions) -> Vec<RemoteSocketDetails> {
        self.map_selected(options, |state, id, entry, rooms| RemoteSocketDetails {
            handshake: state.handshakes.get(&id).map_or_else(|| Json::from_v4_query(None), |h| h.to_json()),
            id: id.as_str().to_owned(),
            rooms,
            data: data_json(entry.data.get::<serde_json::Value>()),
        })
    }

    /// `describe` of each connected socket `options` selects, with its id,
    /// entry and rooms, under one lock of the namespace.
    fn map_selected<T>(
        &self,
        options: &BroadcastOptions,
        mut describe: impl FnMut(&NamespaceState, Sid, &SocketEntry, Vec<String>) -> T,
    ) -> Vec<T> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let ids = state.rooms.fetch_sockets(options);
        let state = &*state;
        ids.into_iter()
            .filter_map(|id| {
                let entry = state.sockets.get(&id)?;
                let rooms = state.rooms.disconnecting(&id).iter().map(|room| room.as_str().to_owned()).collect();
                Some(describe(state, id, entry, rooms))
            })
            .collect()
    }

    /// This server's selected sockets and (unless `local`) the other servers'.
    pub(crate) async fn fetch_sockets_everywhere(
        self: &Arc<Self>,
        options: &BroadcastOptions,
    ) -> Result<Vec<RemoteSocket>, AdapterError> {
        let remote = (!options.flags.local).then(|| self.adapter.fetch_sockets(options));
        let mut sockets = self.fetch_sockets(options);
        if let Some(remote) = remote {
            let described = remote.await?;
            sockets.extend(described.into_iter().map(|details| RemoteSocket::remote(Arc::clone(self), details)));
        }
        Ok(sockets)
    }

    /// Makes the selected sockets here and (unless `local`) elsewhere join `rooms`.
    pub(crate) fn sockets_join(&self, options: &BroadcastOptions, rooms: &[Room]) {
        if !options.flags.local {
            self.adapter.sockets_join(options, rooms);
        }
        self.lock().rooms.sockets_join(options, rooms);
    }

    /// Makes the selected sockets here and (unless `local`) elsewhere leave `rooms`.
    pub(crate) fn sockets_leave(&self, options: &BroadcastOptions, rooms: &[Room]) {
        if !options.flags.local {
            self.adapter.sockets_leave(options, rooms);
        }
        self.lock().rooms.sockets_leave(options, rooms);
    }

    /// Hands an event from another server to the server-side handlers.
    pub(crate) fn server_side_event(&self, event: ServerSideEvent) {
        let handlers = self.server_side_handlers.read().unwrap_or_else(PoisonError::into_inner).clone();
        let mut event = Some(event);
        let count = handlers.len();
        for (index, handler) in handlers.iter().enumerate() {
            let Some(current) = event.take() else { break };
            if index + 1 == count {
                handler(current);
            } else {
                // Every handler sees the event; only the last may answer the ack.
                handler(ServerSideEvent { event: current.event.clone(), args: current.args.clone(), ack: None });
                event = Some(current);
            }
        }
    }

    /// Disconnects the selected sockets here and (unless `local`) elsewhere.
    pub(crate) fn disconnect_sockets(&self, options: &BroadcastOptions, close: bool) {
        if !options.flags.local {
            self.adapter.disconnect_sockets(options, close);
        }
        self.disconnect_sockets_local(options, close);
    }

    /// Disconnects the sockets `options` selects (and their connections when `close`).
    pub(crate) fn disconnect_sockets_local(&self, options: &BroadcastOptions, close: bool) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let plan = state.rooms.disconnect_sockets(options, close);
        let namespace = &self.name;
        send_to(&state.sockets, plan.targets.iter(), || {
            if plan.close {
                Command::DisconnectAll
            } else {
                Command::Disconnect { namespace: namespace.clone() }
            }
        });
    }
}

/// Fires the namespace's deadlines (broadcast ack timeouts, recovery
/// expiry) until the namespace is gone.
async fn run_timers(namespace: Weak<NamespaceShared>, wake: Arc<Notify>, runtime: Arc<dyn Runtime>) {
    loop {
        let deadline = match namespace.upgrade() {
            Some(shared) => shared.lock().rooms.poll_timeout(),
            None => return,
        };
        let notified = Box::pin(wake.notified());
        match deadline {
            Some(deadline) => {
                let _ = futures_util::future::select(notified, runtime.sleep_until(deadline)).await;
            }
            None => notified.await,
        }
        let Some(shared) = namespace.upgrade() else { return };
        let now = runtime.now();
        let mut state = shared.lock();
        state.rooms.handle_timeout(now);
        state.drain_outcomes();
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

    /// A broadcast to every socket of the namespace, to narrow or modify.
    pub fn all(&self) -> BroadcastOperator {
        BroadcastOperator::new(Arc::clone(&self.shared), BroadcastOptions::everyone())
    }

    /// A broadcast to the sockets in `room`.
    pub fn to(&self, room: &str) -> BroadcastOperator {
        self.all().to(room)
    }

    /// A broadcast to every socket not in `room`.
    pub fn except(&self, room: &str) -> BroadcastOperator {
        self.all().except(room)
    }

    /// A volatile broadcast (see [`BroadcastOperator::volatile`]).
    pub fn volatile(&self) -> BroadcastOperator {
        self.all().volatile()
    }

    /// A local broadcast (see [`BroadcastOperator::local`]).
    pub fn local(&self) -> BroadcastOperator {
        self.all().local()
    }

    /// A broadcast whose acks wait at most `timeout` (see [`BroadcastOperator::timeout`]).
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperator {
        self.all().timeout(timeout)
    }

    /// Emits `event` with one argument to every socket of the namespace.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        self.all().emit(event, value)
    }

    /// Handles on every socket of the namespace (the reference `fetchSockets`).
    pub fn fetch_sockets(&self) -> Vec<RemoteSocket> {
        self.all().fetch_sockets()
    }

    /// Makes every socket join `room` (the reference `socketsJoin`).
    pub fn sockets_join(&self, room: &str) {
        self.all().sockets_join(room);
    }

    /// Makes every socket leave `room` (the reference `socketsLeave`).
    pub fn sockets_leave(&self, room: &str) {
        self.all().sockets_leave(room);
    }

    /// Disconnects every socket, and their connections when `close` (the
    /// reference `disconnectSockets`).
    pub fn disconnect_sockets(&self, close: bool) {
        self.all().disconnect_sockets(close);
    }

    /// Handles on every socket of the namespace on every server of the
    /// cluster (see [`BroadcastOperator::fetch_sockets_everywhere`]).
    pub async fn fetch_sockets_everywhere(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.all().fetch_sockets_everywhere().await
    }

    /// Adds a handler of the events other servers send with
    /// [`NamespaceRef::server_side_emit`] (the reference
    /// `io.on(event, …)` for `serverSideEmit`). Handlers see every event in
    /// registration order; the last one gets the ack, if any.
    pub fn on_server_side_emit<F>(&self, handler: F)
    where
        F: Fn(ServerSideEvent) + Send + Sync + 'static,
    {
        self.shared.server_side_handlers.write().unwrap_or_else(PoisonError::into_inner).push(Arc::new(handler));
    }

    /// Sends `event` with one argument to the other servers of the cluster
    /// (the reference `serverSideEmit`); this server's handlers do not see it.
    pub fn server_side_emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), AdapterError> {
        let args = Args::from_tuple(&(value,)).map_err(|error| AdapterError::Encode(error.to_string()))?;
        self.shared.adapter.server_side_emit(&EventName::from(event.to_owned()), &args)
    }

    /// Sends `event` with one argument to the other servers, and waits for
    /// each one's ack (the reference `serverSideEmitWithAck`): a
    /// [`AdapterError::Timeout`] when some did not answer in time.
    pub async fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        value: &T,
    ) -> Result<Vec<Option<Json>>, AdapterError> {
        let args = Args::from_tuple(&(value,)).map_err(|error| AdapterError::Encode(error.to_string()))?;
        self.shared.adapter.server_side_emit_with_ack(&EventName::from(event.to_owned()), &args).await
    }

    /// The rooms of the sockets of every server of the cluster, sorted, each
    /// once (the reference `adapter.allRooms()`; a socket's own room counts).
    pub async fn all_rooms(&self) -> Result<Vec<String>, AdapterError> {
        let remote = self.shared.adapter.all_rooms();
        let mut rooms: Vec<String> =
            self.shared.lock().rooms.rooms().room_names().map(|room| room.as_str().to_owned()).collect();
        rooms.extend(remote.await?);
        rooms.sort();
        rooms.dedup();
        Ok(rooms)
    }

    /// How many servers share the namespace, this one included (the reference `serverCount`).
    pub async fn server_count(&self) -> Result<usize, AdapterError> {
        self.shared.adapter.server_count().await
    }
}

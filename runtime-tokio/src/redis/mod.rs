//! The Redis adapter (feature `redis`): servers sharing one Redis act as one
//! Socket.IO server, wire-compatible with the npm `@socket.io/redis-adapter`
//! 8.x `createAdapter`, so Rust and Node servers can share a cluster.
//!
//! ```text
//!   namespace ──(already applied here)──▶ RedisNamespace ──▶ publish queue ──▶ Redis
//!   Redis ──▶ subscriber task ──▶ decode (socketio_proto::redis_adapter)
//!                                  ├─ broadcast / join / leave / disconnect ─▶ LocalNamespace
//!                                  ├─ fetch / all rooms / server-side emit  ─▶ answer on the response channel
//!                                  └─ answers to our requests ─▶ PendingRequests ─▶ waiting caller
//! ```
//!
//! The wire and the request bookkeeping (expected answers, deadlines) are
//! in [`socketio_proto::redis_adapter`]; this module only moves messages:
//! one subscriber connection (re-subscribed after Redis comes back), one
//! connection that publishes in order and asks `PUBSUB NUMSUB` (the server
//! count), and a timer task for request deadlines. Both connections are
//! re-opened after an error, so a restarted Redis is picked up again without
//! restarting the server. Uses the [`Runtime`] trait for tasks and time and
//! the `redis` crate's tokio support for I/O.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use runtime_tokio::redis::{RedisAdapter, RedisAdapterConfig};
//! use runtime_tokio::socketio::SocketIo;
//!
//! let adapter = RedisAdapter::connect("redis://127.0.0.1:6379/", RedisAdapterConfig::default()).await?;
//! let builder = SocketIo::builder().adapter(adapter);
//! let (_addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:3000", builder).await?;
//! io.ns("/", |_socket| async {});
//! io.emit("hello", "every client of every server")?;
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::redis_adapter::{
    uid_from_random, BroadcastMessage, ChannelKind, Channels, PendingRequests, Request, RequestKind, RequestOutcome,
    Response, Responses, SocketDetails, DEFAULT_PREFIX, UID_RANDOM_BYTES,
};
use socketio_proto::rooms::Room;
use socketio_proto::{Args, EventName, Json};
use tokio::sync::{mpsc, oneshot, Notify};

use crate::runtime::Runtime;
use crate::socketio::{
    Adapter, AdapterError, AdapterFuture, LocalNamespace, NamespaceAdapter, RemoteAcks, RemoteSocketDetails,
};

/// Settings of a [`RedisAdapter`]; the reference defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisAdapterConfig {
    /// The channel prefix (the reference `key`, default `socket.io`).
    pub prefix: String,
    /// How long a request waits for the other servers (the reference
    /// `requestsTimeout`, default 5 s).
    pub requests_timeout: Duration,
    /// How long to wait before connecting again after a Redis error (default 500 ms).
    pub reconnect_delay: Duration,
    /// Whether answers go to the asking server's own response channel
    /// (`<prefix>-response#<nsp>#<uid>#`) rather than the shared one (the
    /// reference `publishOnSpecificResponseChannel`, default off). Every
    /// server listens on both, so servers may differ in this setting.
    pub publish_on_specific_response_channel: bool,
}

impl Default for RedisAdapterConfig {
    fn default() -> RedisAdapterConfig {
        RedisAdapterConfig {
            prefix: DEFAULT_PREFIX.to_owned(),
            requests_timeout: Duration::from_secs(5),
            reconnect_delay: Duration::from_millis(500),
            publish_on_specific_response_channel: false,
        }
    }
}

impl RedisAdapterConfig {
    /// Sets the channel prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> RedisAdapterConfig {
        self.prefix = prefix.into();
        self
    }

    /// Sets how long a request waits for the other servers.
    pub fn with_requests_timeout(mut self, timeout: Duration) -> RedisAdapterConfig {
        self.requests_timeout = timeout;
        self
    }

    /// Sets whether answers go to the asking server's own response channel.
    pub fn with_publish_on_specific_response_channel(mut self, specific: bool) -> RedisAdapterConfig {
        self.publish_on_specific_response_channel = specific;
        self
    }

    /// Sets the delay before reconnecting after an error.
    pub fn with_reconnect_delay(mut self, delay: Duration) -> RedisAdapterConfig {
        self.reconnect_delay = delay;
        self
    }
}

/// The Redis adapter: install it with
/// [`SocketIoBuilder::adapter`](crate::socketio::SocketIoBuilder::adapter).
/// Cheap to clone; one per server.
#[derive(Clone)]
pub struct RedisAdapter {
    inner: Arc<Inner>,
}

impl fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisAdapter").field("uid", &self.inner.uid).finish_non_exhaustive()
    }
}

/// One namespace as the subscriber task routes messages to it.
struct Link {
    channels: Channels,
    local: LocalNamespace,
}

/// What the tasks of one adapter share.
struct Inner {
    uid: String,
    config: RedisAdapterConfig,
    client: redis::Client,
    runtime: Arc<dyn Runtime>,
    /// The connection that publishes and asks NUMSUB, re-opened after an error.
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    /// Messages to publish, in order.
    outgoing: mpsc::UnboundedSender<(String, Bytes)>,
    state: Mutex<State>,
    /// Wakes the subscriber task: a namespace to subscribe for, or the adapter is gone.
    subscribe: Arc<Notify>,
    /// Wakes the timer task: a new deadline, or the adapter is gone.
    timer: Arc<Notify>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.subscribe.notify_one();
        self.timer.notify_one();
    }
}

#[derive(Default)]
struct State {
    links: HashMap<String, Link>,
    requests: PendingRequests,
    waiters: HashMap<String, oneshot::Sender<RequestOutcome>>,
}

impl State {
    fn drain_outcomes(&mut self) {
        while let Some((request_id, outcome)) = self.requests.poll_outcome() {
            if let Some(waiter) = self.waiters.remove(&request_id) {
                let _ = waiter.send(outcome);
            }
        }
    }
}

#[cfg(feature = "tokio")]
impl RedisAdapter {
    /// Connects to Redis at `url` (`redis://host:port/`) on the tokio runtime.
    pub async fn connect(url: &str, config: RedisAdapterConfig) -> Result<RedisAdapter, AdapterError> {
        let runtime =
            crate::tokio::TokioRuntime::current().map_err(|error| AdapterError::Unavailable(error.to_string()))?;
        RedisAdapter::connect_on(url, config, Arc::new(runtime)).await
    }
}

impl RedisAdapter {
    /// Connects to Redis at `url`, running the adapter's tasks on `runtime`.
    pub async fn connect_on(
        url: &str,
        config: RedisAdapterConfig,
        runtime: Arc<dyn Runtime>,
    ) -> Result<RedisAdapter, AdapterError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let connection = client.get_multiplexed_async_connection().await.map_err(unavailable)?;
        let (outgoing, queue) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            uid: random_uid(),
            config,
            client,
            runtime: Arc::clone(&runtime),
            connection: tokio::sync::Mutex::new(Some(connection)),
            outgoing,
            state: Mutex::new(State::default()),
            subscribe: Arc::new(Notify::new()),
            timer: Arc::new(Notify::new()),
        });
        runtime.spawn(Box::pin(publish_loop(Arc::downgrade(&inner), queue)));
        runtime.spawn(Box::pin(subscribe_loop(Arc::downgrade(&inner), Arc::clone(&inner.subscribe))));
        runtime.spawn(Box::pin(timer_loop(Arc::downgrade(&inner), Arc::clone(&inner.timer))));
        Ok(RedisAdapter { inner })
    }

    /// This server's uid on the wire.
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }
}

impl Adapter for RedisAdapter {
    fn attach(&self, namespace: LocalNamespace) -> Arc<dyn NamespaceAdapter> {
        let channels = Channels::new(&self.inner.config.prefix, namespace.name());
        let name = namespace.name().to_owned();
        let link = Link { channels: channels.clone(), local: namespace };
        self.inner.lock().links.insert(name.clone(), link);
        self.inner.subscribe.notify_one();
        Arc::new(RedisNamespace { inner: Arc::clone(&self.inner), channels, name })
    }
}

fn unavailable(error: redis::RedisError) -> AdapterError {
    AdapterError::Unavailable(error.to_string())
}

fn random_uid() -> String {
    let mut random = [0u8; UID_RANDOM_BYTES];
    // Without randomness a fixed uid still works while it is unique in the cluster.
    let _ = getrandom::fill(&mut random);
    uid_from_random(random)
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish(&self, channel: String, payload: Bytes) {
        let _ = self.outgoing.send((channel, payload));
    }

    /// The publishing connection, opened again when the last one failed.
    async fn connection(&self) -> Result<MultiplexedConnection, AdapterError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let connection = self.client.get_multiplexed_async_connection().await.map_err(unavailable)?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn forget_connection(&self) {
        *self.connection.lock().await = None;
    }

    /// How many servers subscribe to `channels` (the reference `serverCount`).
    async fn server_count(&self, channels: &Channels) -> Result<usize, AdapterError> {
        let mut connection = self.connection().await?;
        let answer: Result<Vec<(String, usize)>, _> =
            redis::cmd("PUBSUB").arg("NUMSUB").arg(&channels.request).query_async(&mut connection).await;
        match answer {
            Ok(counts) => Ok(counts.first().map_or(0, |(_, count)| *count)),
            Err(error) => {
                self.forget_connection().await;
                Err(unavailable(error))
            }
        }
    }

    /// Registers request `request_id` awaiting `expected` servers.
    fn start_request(
        &self,
        request_id: &str,
        kind: RequestKind,
        expected: usize,
        timeout: Duration,
    ) -> oneshot::Receiver<RequestOutcome> {
        let (waiter, outcome) = oneshot::channel();
        let deadline = self.runtime.now() + timeout;
        let mut state = self.lock();
        state.waiters.insert(request_id.to_owned(), waiter);
        state.requests.start(request_id.to_owned(), kind, expected, deadline);
        state.drain_outcomes();
        drop(state);
        self.timer.notify_one();
        outcome
    }

    /// Sends `request` and waits for the answers of the other servers.
    async fn request(
        &self,
        channels: &Channels,
        kind: RequestKind,
        build: impl FnOnce(String) -> Request,
        timeout: Duration,
    ) -> Result<Option<RequestOutcome>, AdapterError> {
        let servers = self.server_count(channels).await?;
        let others = servers.saturating_sub(1);
        if others == 0 {
            return Ok(None);
        }
        let request_id = random_uid();
        let payload = build(request_id.clone()).encode().map_err(|error| AdapterError::Encode(error.to_string()))?;
        let outcome = self.start_request(&request_id, kind, others, timeout);
        self.publish(channels.request.clone(), payload);
        Ok(outcome.await.ok())
    }

    /// Routes one message of the subscriber connection.
    fn on_message(self: &Arc<Self>, channel: &str, payload: Bytes) {
        let route = self.lock().links.values().find_map(|link| {
            Some(match link.channels.classify(channel)? {
                ChannelKind::Request => Route::Request(link.local.clone(), link.channels.clone()),
                ChannelKind::Response => Route::Response,
                ChannelKind::Broadcast { room } => Route::Broadcast(link.local.clone(), room.to_owned()),
            })
        });
        match route {
            Some(Route::Request(local, channels)) => self.on_request(&local, channels, &payload),
            Some(Route::Response) => self.on_response(&payload),
            // A broadcast to a room with no socket here is skipped before decoding, as the reference does.
            Some(Route::Broadcast(local, room)) if room.is_empty() || local.has_room(&room) => {
                self.on_broadcast(&local, &payload);
            }
            Some(Route::Broadcast(..)) | None => {}
        }
    }

    fn on_broadcast(&self, local: &LocalNamespace, payload: &Bytes) {
        let Ok(message) = BroadcastMessage::decode(payload) else { return };
        if message.uid == self.uid || message.packet.namespace.as_str() != local.name() {
            return;
        }
        local.broadcast(&message.packet.event, message.packet.args, &message.options);
    }

    fn on_request(self: &Arc<Self>, local: &LocalNamespace, channels: Channels, payload: &Bytes) {
        let Ok(request) = Request::decode(payload) else { return };
        if request.uid() == self.uid {
            return;
        }
        // Where answers to fetches, room lists and broadcast acks go (the
        // reference `publishResponse`); server-side emit acks always take the shared channel.
        let answer_channel = channels.answer_channel(request.uid(), self.config.publish_on_specific_response_channel);
        let respond = |response: Response| {
            if let Ok(bytes) = response.encode() {
                self.publish(answer_channel.clone(), bytes);
            }
        };
        match request {
            Request::Sockets { request_id, rooms, .. } => {
                let sockets = local.socket_ids(&rooms).iter().map(|id| id.as_str().to_owned()).collect();
                respond(Response::Sockets { request_id, sockets });
            }
            Request::AllRooms { request_id, .. } => respond(Response::AllRooms { request_id, rooms: local.rooms() }),
            Request::SocketsJoin { options, rooms, .. } => local.sockets_join(&options, &rooms),
            Request::SocketsLeave { options, rooms, .. } => local.sockets_leave(&options, &rooms),
            Request::DisconnectSockets { options, close, .. } => local.disconnect_sockets(&options, close),
            Request::FetchSockets { request_id, options, .. } => {
                let sockets = local
                    .fetch_sockets(&options)
                    .into_iter()
                    .map(|socket| SocketDetails {
                        id: socket.id,
                        handshake: socket.handshake,
                        rooms: socket.rooms,
                        data: socket.data,
                    })
                    .collect();
                respond(Response::FetchSockets { request_id, sockets });
            }
            Request::ServerSideEmit { request_id: None, event, args, .. } => local.server_side_emit(event, args, None),
            Request::ServerSideEmit { request_id: Some(request_id), event, args, .. } => {
                let (ack, answer) = oneshot::channel();
                local.server_side_emit(event, args, Some(ack));
                let inner = Arc::clone(self);
                self.runtime.spawn(Box::pin(async move {
                    if let Ok(data) = answer.await {
                        if let Ok(bytes) = (Response::ServerSideEmitAck { request_id, data }).encode() {
                            inner.publish(channels.response.clone(), bytes);
                        }
                    }
                }));
            }
            Request::BroadcastWithAck { request_id, packet, options, .. } => {
                let timeout = options.flags.timeout.unwrap_or(self.config.requests_timeout);
                let Some((count, mut answers)) =
                    local.broadcast_with_ack(&packet.event, packet.args, &options, timeout)
                else {
                    return;
                };
                let client_count = u64::try_from(count).unwrap_or(u64::MAX);
                respond(Response::BroadcastClientCount { request_id: request_id.clone(), client_count });
                let inner = Arc::clone(self);
                // Each client's answer goes back as it arrives, as the reference does.
                self.runtime.spawn(Box::pin(async move {
                    while let Some(arg) = answers.recv().await {
                        let ack = Response::BroadcastAck { request_id: request_id.clone(), arg };
                        if let Ok(bytes) = ack.encode() {
                            inner.publish(answer_channel.clone(), bytes);
                        }
                    }
                }));
            }
        }
    }

    fn on_response(&self, payload: &Bytes) {
        let Ok(response) = Response::decode(payload) else { return };
        let mut state = self.lock();
        if state.requests.handle_response(response) {
            state.drain_outcomes();
        }
    }
}

/// Where a message of the subscriber connection goes.
enum Route {
    /// A request to this namespace.
    Request(LocalNamespace, Channels),
    /// An answer to one of our requests.
    Response,
    /// A broadcast, to the room its channel names (`""`: every socket).
    Broadcast(LocalNamespace, String),
}

/// At most how many queued messages go to Redis in one pipeline.
const PUBLISH_BATCH: usize = 256;

/// Publishes the queued messages in order, reconnecting after an error
/// (a batch that failed twice is dropped: pub/sub promises no delivery).
/// The messages queued while a PUBLISH was in flight go out together as one
/// pipeline (one round trip, same order), so a burst of broadcasts is not
/// held to one per round trip.
async fn publish_loop(inner: Weak<Inner>, mut queue: mpsc::UnboundedReceiver<(String, Bytes)>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < PUBLISH_BATCH {
            let Ok(next) = queue.try_recv() else { break };
            batch.push(next);
        }
        let Some(adapter) = inner.upgrade() else { return };
        let mut pipeline = redis::pipe();
        for (channel, payload) in &batch {
            pipeline.cmd("PUBLISH").arg(channel).arg(payload.as_ref()).ignore();
        }
        for _attempt in 0..2 {
            let published = match adapter.connection().await {
                Ok(mut connection) => pipeline.query_async::<()>(&mut connection).await.is_ok(),
                Err(_) => false,
            };
            if published {
                break;
            }
            adapter.forget_connection().await;
            let wake = adapter.runtime.now() + adapter.config.reconnect_delay;
            adapter.runtime.sleep_until(wake).await;
        }
    }
}

/// Keeps a subscriber connection open and subscribed to the channels of
/// every attached namespace, and routes what it receives.
async fn subscribe_loop(inner: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        let Some(adapter) = inner.upgrade() else { return };
        if let Ok(pubsub) = adapter.client.get_async_pubsub().await {
            let (mut sink, mut stream) = pubsub.split();
            let mut subscribed: Vec<String> = Vec::new();
            let weak = Arc::downgrade(&adapter);
            drop(adapter);
            loop {
                let Some(adapter) = weak.upgrade() else { return };
                // Subscribe the namespaces attached since the last look.
                let wanted: Vec<Channels> = adapter
                    .lock()
                    .links
                    .iter()
                    .filter(|(name, _)| !subscribed.contains(name))
                    .map(|(_, link)| link.channels.clone())
                    .collect();
                let mut failed = false;
                for channels in wanted {
                    let specific = channels.specific_response(&adapter.uid);
                    let ok = sink.psubscribe(channels.broadcast_pattern()).await.is_ok()
                        && sink.subscribe(&[&channels.request, &channels.response, &specific]).await.is_ok();
                    if !ok {
                        failed = true;
                        break;
                    }
                    if let Some(name) =
                        adapter.lock().links.iter().find(|(_, l)| l.channels == channels).map(|(n, _)| n.clone())
                    {
                        subscribed.push(name);
                    }
                }
                if failed {
                    break;
                }
                let notified = wake.notified();
                let mut notified = std::pin::pin!(notified);
                notified.as_mut().enable();
                drop(adapter);
                let next = futures_util::future::select(stream.next(), notified).await;
                match next {
                    futures_util::future::Either::Left((Some(message), _)) => {
                        let Some(adapter) = weak.upgrade() else { return };
                        let payload = Bytes::copy_from_slice(message.get_payload_bytes());
                        adapter.on_message(message.get_channel_name(), payload);
                    }
                    // The connection is gone: connect again.
                    futures_util::future::Either::Left((None, _)) => break,
                    futures_util::future::Either::Right(_) => {}
                }
            }
        }
        let Some(adapter) = inner.upgrade() else { return };
        let wake = adapter.runtime.now() + adapter.config.reconnect_delay;
        let runtime = Arc::clone(&adapter.runtime);
        drop(adapter);
        runtime.sleep_until(wake).await;
    }
}

/// Times out the pending requests at their deadlines.
async fn timer_loop(inner: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        let Some(adapter) = inner.upgrade() else { return };
        let deadline = adapter.lock().requests.poll_timeout();
        let runtime = Arc::clone(&adapter.runtime);
        let notified = wake.notified();
        let mut notified = std::pin::pin!(notified);
        notified.as_mut().enable();
        drop(adapter);
        match deadline {
            Some(deadline) => {
                let _ = futures_util::future::select(notified, runtime.sleep_until(deadline)).await;
            }
            None => notified.await,
        }
        let Some(adapter) = inner.upgrade() else { return };
        let now = adapter.runtime.now();
        let mut state = adapter.lock();
        state.requests.handle_timeout(now);
        state.drain_outcomes();
    }
}

/// The adapter of one namespace.
struct RedisNamespace {
    inner: Arc<Inner>,
    channels: Channels,
    name: String,
}

impl fmt::Debug for RedisNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisNamespace").field("channels", &self.channels).finish_non_exhaustive()
    }
}

impl RedisNamespace {
    fn namespace_name(&self) -> &str {
        &self.name
    }

    fn publish_request(&self, request: &Request) {
        if let Ok(bytes) = request.encode() {
            self.inner.publish(self.channels.request.clone(), bytes);
        }
    }
}

fn timed_out(operation: &'static str, answered: usize, expected: usize) -> AdapterError {
    AdapterError::Timeout { operation, answered, expected }
}

impl NamespaceAdapter for RedisNamespace {
    fn broadcast(&self, event: &EventName, args: &Args, options: &BroadcastOptions) {
        let namespace = self.namespace_name();
        if let Ok(bytes) = BroadcastMessage::encode(&self.inner.uid, namespace, event, args, options) {
            self.inner.publish(self.channels.broadcast_channel(&options.rooms), bytes);
        }
    }

    fn broadcast_with_ack(
        &self,
        event: &EventName,
        args: &Args,
        options: &BroadcastOptions,
        timeout: Duration,
    ) -> AdapterFuture<RemoteAcks> {
        let inner = Arc::clone(&self.inner);
        let channels = self.channels.clone();
        let packet = socketio_proto::redis_adapter::RemotePacket {
            namespace: self.namespace_name().to_owned().into(),
            event: event.clone(),
            args: args.clone(),
        };
        let mut options = options.clone();
        options.flags.timeout = Some(timeout);
        Box::pin(async move {
            let uid = inner.uid.clone();
            let build = |request_id| Request::BroadcastWithAck { uid, request_id, packet, options };
            match inner.request(&channels, RequestKind::BroadcastWithAck, build, timeout).await {
                Ok(None) => RemoteAcks { acks: Vec::new(), complete: true },
                Ok(Some(RequestOutcome::Complete(Responses::ClientAcks(acks)))) => RemoteAcks { acks, complete: true },
                Ok(Some(RequestOutcome::TimedOut { responses: Responses::ClientAcks(acks), .. })) => {
                    RemoteAcks { acks, complete: false }
                }
                _ => RemoteAcks { acks: Vec::new(), complete: false },
            }
        })
    }

    fn fetch_sockets(
        &self,
        options: &BroadcastOptions,
    ) -> AdapterFuture<Result<Vec<RemoteSocketDetails>, AdapterError>> {
        let inner = Arc::clone(&self.inner);
        let channels = self.channels.clone();
        let options = options.clone();
        Box::pin(async move {
            let uid = inner.uid.clone();
            let timeout = inner.config.requests_timeout;
            let build = |request_id| Request::FetchSockets { uid, request_id, options };
            match inner.request(&channels, RequestKind::FetchSockets, build, timeout).await? {
                None => Ok(Vec::new()),
                Some(RequestOutcome::Complete(Responses::Sockets(sockets))) => Ok(sockets
                    .into_iter()
                    .map(|socket| RemoteSocketDetails {
                        id: socket.id,
                        handshake: socket.handshake,
                        rooms: socket.rooms,
                        data: socket.data,
                    })
                    .collect()),
                Some(RequestOutcome::TimedOut { answered, expected, .. }) => {
                    Err(timed_out("fetchSockets", answered, expected))
                }
                Some(RequestOutcome::Complete(_)) => Ok(Vec::new()),
            }
        })
    }

    fn sockets_join(&self, options: &BroadcastOptions, rooms: &[Room]) {
        let options = options.clone();
        self.publish_request(&Request::SocketsJoin { uid: self.inner.uid.clone(), options, rooms: rooms.to_vec() });
    }

    fn sockets_leave(&self, options: &BroadcastOptions, rooms: &[Room]) {
        let options = options.clone();
        self.publish_request(&Request::SocketsLeave { uid: self.inner.uid.clone(), options, rooms: rooms.to_vec() });
    }

    fn disconnect_sockets(&self, options: &BroadcastOptions, close: bool) {
        let options = options.clone();
        self.publish_request(&Request::DisconnectSockets { uid: self.inner.uid.clone(), options, close });
    }

    fn server_side_emit(&self, event: &EventName, args: &Args) -> Result<(), AdapterError> {
        let request = Request::ServerSideEmit {
            uid: self.inner.uid.clone(),
            request_id: None,
            event: event.clone(),
            args: args.clone(),
        };
        let bytes = request.encode().map_err(|error| AdapterError::Encode(error.to_string()))?;
        self.inner.publish(self.channels.request.clone(), bytes);
        Ok(())
    }

    fn server_side_emit_with_ack(
        &self,
        event: &EventName,
        args: &Args,
    ) -> AdapterFuture<Result<Vec<Option<Json>>, AdapterError>> {
        let inner = Arc::clone(&self.inner);
        let channels = self.channels.clone();
        let (event, args) = (event.clone(), args.clone());
        Box::pin(async move {
            let uid = inner.uid.clone();
            let timeout = inner.config.requests_timeout;
            let build = |request_id| Request::ServerSideEmit { uid, request_id: Some(request_id), event, args };
            match inner.request(&channels, RequestKind::ServerSideEmit, build, timeout).await? {
                None => Ok(Vec::new()),
                Some(RequestOutcome::Complete(Responses::ServerAcks(acks))) => Ok(acks),
                Some(RequestOutcome::TimedOut { answered, expected, .. }) => {
                    Err(timed_out("serverSideEmit", answered, expected))
                }
                Some(RequestOutcome::Complete(_)) => Ok(Vec::new()),
            }
        })
    }

    fn all_rooms(&self) -> AdapterFuture<Result<Vec<String>, AdapterError>> {
        let inner = Arc::clone(&self.inner);
        let channels = self.channels.clone();
        Box::pin(async move {
            let uid = inner.uid.clone();
            let timeout = inner.config.requests_timeout;
            let build = |request_id| Request::AllRooms { uid, request_id };
            match inner.request(&channels, RequestKind::AllRooms, build, timeout).await? {
                Some(RequestOutcome::Complete(Responses::Rooms(rooms))) => Ok(rooms),
                Some(RequestOutcome::TimedOut { answered, expected, .. }) => {
                    Err(timed_out("allRooms", answered, expected))
                }
                None | Some(RequestOutcome::Complete(_)) => Ok(Vec::new()),
            }
        })
    }

    fn server_count(&self) -> AdapterFuture<Result<usize, AdapterError>> {
        let inner = Arc::clone(&self.inner);
        let channels = self.channels.clone();
        Box::pin(async move { inner.server_count(&channels).await })
    }
}

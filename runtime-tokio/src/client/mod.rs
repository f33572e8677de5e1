//! The Socket.IO client (issue #5): a driver task per
//! [`socketio_proto::client::Manager`] that moves bytes between real sockets
//! and the manager, and a small async API over it.
//!
//! ```no_run
//! # async fn run() -> Result<(), runtime_tokio::client::ClientError> {
//! use runtime_tokio::client::Client;
//!
//! let client = Client::builder("http://127.0.0.1:3000").build()?;
//! let socket = client.socket("/");
//! socket.on("hello", |(text,): (String,), _ack| println!("server says {text}"));
//! socket.connect().await?; // the namespace is joined: emits go out at once
//! socket.emit("chat", &"hi").await?;
//! let answer: (String,) = socket.emit_with_ack("echo", &"ping").await?;
//! # let _ = answer;
//! # Ok(())
//! # }
//! ```
//!
//! # Architecture
//!
//! [`ClientBuilder::build_with`] creates the manager and starts its driver
//! task with a [`Runtime`] and a [`Connector`] (`build()` uses tokio's, from
//! the `tokio` module). The driver waits on three things: the application's
//! commands, the outcomes of its I/O tasks, and the manager's next deadline;
//! after each it drains the manager's outputs and carries them out. Polling
//! requests run on hyper 1's HTTP/1.1 client connections, kept alive between
//! requests; WebSockets are tokio-tungstenite clients over the same
//! connector. Buffering while disconnected, the in-order flush after a
//! reconnection, backoff, retries and acknowledgement deadlines are the
//! manager's: the driver decides nothing about the protocol.
//!
//! Delivery: an emit made while disconnected is buffered and sent once, in
//! order, after the reconnection. As in `socket.io-client`, an emit written
//! to a connection that died before the client noticed is lost unless
//! [`ClientBuilder::retries`] puts emits through the acknowledged queue.
//!
//! TLS (`https://`, `wss://`) is rustls with the ring provider over the
//! connector's stream, trusting the webpki roots plus the roots added with
//! [`ClientBuilder::add_root_certificates_pem`] (or a whole
//! [`ClientBuilder::tls_config`]); it needs no particular executor.
//!
//! Polling requests reuse their HTTP/1.1 connections (keep-alive, idle for
//! at most 2 s; a request a closing connection hands back unsent goes on a
//! new one).
//!
//! Each [`Client`] is one connection (the reference's `forceNew`): its
//! namespaces ([`Client::socket`]) share it. Options of `socket.io-client`
//! not here: a cookie jar (`withCredentials`; an `extra_header` can carry a
//! cookie), `timestampRequests`, per-transport options, the msgpack parser,
//! the manager cache of `io()` (`multiplex`), and removing handlers
//! (`off`/`offAny`).
//!
//! Against a server that misbehaves, the client holds bounded memory and
//! descriptors (the bounds are [`ClientBuilder`] options; the decisions are
//! the Engine.IO session's): a WebSocket is not read while
//! [`ClientBuilder::max_pending`] frames or bytes wait for the handlers, so a
//! flood is slowed down by TCP; what a server that does not read is owed
//! (pongs included) is bounded by [`ClientBuilder::max_unwritten`]; every
//! polling answer and WebSocket message by
//! [`ClientBuilder::max_received_payload`], a huge `Content-Length` refused
//! before reading; a second
//! open packet ends the session ("parse error"). Past a bound the
//! connection is dropped with the reason ([`Client::on_error`]) and the
//! client reconnects per its policy. Every request the session gives up on
//! (at the connect timeout, the ping timeout, a close) is cancelled and its
//! connection closed; a closed WebSocket gets the client's Close frame, and
//! its socket is closed within 4 s whatever the server does.

mod driver;
mod io;
mod tls;
mod transport;
mod url;

pub use engineio_proto::{ProtocolVersion, TransportKind};
pub use io::{BoxStream, ClientStream, ConnectFuture, Connector};
pub use socketio_proto::client::{AckError, DisconnectReason, EmitError};
pub use socketio_proto::Args;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use socketio_proto::client::{EmitOptions, Manager, ManagerConfig};
use socketio_proto::Json;
use tokio::sync::{mpsc, oneshot};

use crate::runtime::Runtime;
use driver::{connected_flag, AuthCallback, ClientAuth, Command, ConnectedFlags, Driver, Handler, ManagerHandler};
use tls::TlsRoots;
use transport::{Endpoint, PendingBound};
use url::{ServerUrl, UrlError};

/// What went wrong with a client operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server URL does not parse.
    #[error("invalid server URL {0}")]
    InvalidUrl(String),
    /// The TLS options are not usable (a certificate that does not parse).
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// Arguments did not serialize.
    #[error("arguments do not serialize: {0}")]
    Serialize(#[source] serde_json::Error),
    /// An acknowledgement's arguments are not of the expected type.
    #[error("acknowledgement does not deserialize: {0}")]
    Deserialize(#[source] serde_json::Error),
    /// The manager refused the emit.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// The acknowledgement will not come.
    #[error(transparent)]
    Ack(#[from] AckError),
    /// Joining the namespace failed: the server refused it, or the
    /// connection failed and will not be retried.
    #[error("connection failed: {0}")]
    ConnectFailed(String),
    /// The client was closed.
    #[error("the client is closed")]
    Closed,
    /// No async runtime to run the client on.
    #[error("no runtime: {0}")]
    Runtime(String),
}

/// Options of a [`Client`], with the defaults of `socket.io-client` 4.8.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    url: Result<ServerUrl, UrlError>,
    config: ManagerConfig,
    auth: ClientAuth,
    tls_roots: TlsRoots,
    headers: http::HeaderMap,
    /// A whole rustls configuration given by the application.
    tls_config: Option<Arc<rustls::ClientConfig>>,
    /// The first TLS option that did not parse, reported by `build`.
    tls_error: Option<String>,
}

impl ClientBuilder {
    /// Sets the transports, the first one opening the session
    /// (default: polling then WebSocket).
    pub fn transports(mut self, transports: &[TransportKind]) -> ClientBuilder {
        self.config.engine.transports = transports.to_vec();
        self
    }

    /// The Engine.IO protocol: [`ProtocolVersion::V4`] (Socket.IO 5, the
    /// default) or [`ProtocolVersion::V3`] (Socket.IO 4, for socket.io 2.x
    /// servers and servers such as go-socket.io).
    pub fn protocol(mut self, protocol: ProtocolVersion) -> ClientBuilder {
        self.config.engine.protocol = protocol;
        self
    }

    /// Whether a reconnection opens directly on WebSocket when the previous
    /// connection's WebSocket worked (`rememberUpgrade`, default: `false`).
    pub fn remember_upgrade(mut self, remember: bool) -> ClientBuilder {
        self.config.engine.remember_upgrade = remember;
        self
    }

    /// Whether binary goes as base64 text, asking the server for the same
    /// (`forceBase64`, `b64=1` on polling; default: `false`).
    pub fn force_base64(mut self, force: bool) -> ClientBuilder {
        self.config.engine.force_base64 = force;
        self
    }

    /// Whether to upgrade from polling to WebSocket (default: `true`).
    pub fn upgrade(mut self, upgrade: bool) -> ClientBuilder {
        self.config.engine.upgrade = upgrade;
        self
    }

    /// The Engine.IO endpoint path (default: `/socket.io/`).
    pub fn path(mut self, path: &str) -> ClientBuilder {
        if let Ok(url) = self.url.as_mut() {
            url.set_path(path);
        }
        self
    }

    /// The CONNECT payload of every namespace (`auth`), a JSON object. In
    /// Socket.IO v2 mode ([`ClientBuilder::protocol`] `V3`) its scalar
    /// members go where the JS 2.x client puts its `query`: each namespace's
    /// CONNECT and the Engine.IO URL (which the main namespace sees).
    pub fn auth(mut self, auth: serde_json::Value) -> ClientBuilder {
        let json = Json::from_serialize(&auth).ok();
        self.config.engine_query_auth = json.clone();
        self.auth = json.map_or(ClientAuth::None, ClientAuth::Value);
        self
    }

    /// The CONNECT payload of every namespace computed by `callback` before
    /// each CONNECT, so at every (re)connection (the reference's `auth`
    /// function): a token refreshed for each attempt, for instance. The
    /// CONNECT waits for the future; a value that is not a JSON object is
    /// sent as no auth. In Socket.IO v2 mode it becomes the query of each
    /// namespace's CONNECT; the Engine.IO URL, opened first, carries none.
    pub fn auth_callback<F, Fut>(mut self, callback: F) -> ClientBuilder
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = serde_json::Value> + Send + 'static,
    {
        self.auth = ClientAuth::Callback(AuthCallback::new(callback));
        self.config.engine_query_auth = None;
        self
    }

    /// Whether to reconnect after losing the connection (default: `true`).
    pub fn reconnection(mut self, reconnection: bool) -> ClientBuilder {
        self.config.reconnection = reconnection;
        self
    }

    /// How many reconnection attempts before giving up (default: unlimited).
    pub fn reconnection_attempts(mut self, attempts: u32) -> ClientBuilder {
        self.config.reconnection_attempts = Some(attempts);
        self
    }

    /// The first reconnection delay and the longest one (default: 1 s, 5 s).
    pub fn reconnection_delay(mut self, first: Duration, max: Duration) -> ClientBuilder {
        self.config.reconnection_delay = first;
        self.config.reconnection_delay_max = max;
        self
    }

    /// How long the Engine.IO handshake may take (default: 20 s).
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.timeout = Some(timeout);
        self
    }

    /// The acknowledgement timeout of emits that set none (default: none).
    pub fn ack_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.ack_timeout = Some(timeout);
        self
    }

    /// Send every emit through an acknowledged queue, retried up to
    /// `retries` times (default: 0, no queue).
    pub fn retries(mut self, retries: u32) -> ClientBuilder {
        self.config.retries = retries;
        self
    }

    /// The most bytes of one polling answer or WebSocket message the client
    /// reads (default: 100 MiB, as the reference's Node.js client through
    /// `ws`; the server's `maxPayload` bounds what the server accepts, not
    /// what it sends). Past it the connection is dropped ("transport
    /// error") and the client reconnects per its policy.
    pub fn max_received_payload(mut self, bytes: u64) -> ClientBuilder {
        self.config.engine.max_received_payload = bytes;
        self
    }

    /// How much of the received WebSocket frames may wait for the client's
    /// handlers before it stops reading the socket, in frames and in bytes
    /// (default: 64 frames, 16 MiB): a server sending faster than the
    /// handlers run is slowed down by TCP.
    pub fn max_pending(mut self, frames: usize, bytes: usize) -> ClientBuilder {
        self.config.engine.max_pending_frames = frames;
        self.config.engine.max_pending_bytes = bytes;
        self
    }

    /// How much the client may have queued for a server that does not read
    /// it, in frames and in bytes (default: 65 536 frames, 16 MiB), pongs
    /// included: past either the connection is dropped with the error
    /// "send buffer full" ("transport error") and the client reconnects per
    /// its policy.
    pub fn max_unwritten(mut self, frames: usize, bytes: usize) -> ClientBuilder {
        self.config.engine.max_unwritten_frames = frames;
        self.config.engine.max_unwritten_bytes = bytes;
        self
    }

    /// How long one polling request may take (`requestTimeout`; default:
    /// none, the heartbeat bounds a long poll and [`ClientBuilder::timeout`]
    /// the handshake). A request past it is cancelled, its connection
    /// closed, and the connection fails ("transport error").
    pub fn request_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.engine.request_timeout = Some(timeout);
        self
    }

    /// Adds a header to every HTTP request of the client: the polling
    /// requests and the WebSocket handshake (`extraHeaders`), a cookie or
    /// a bearer token, for instance. Adding a name twice sends it twice.
    pub fn extra_header(mut self, name: http::HeaderName, value: http::HeaderValue) -> ClientBuilder {
        self.headers.append(name, value);
        self
    }

    /// Trusts the certificates of a PEM bundle as roots for `https`/`wss`,
    /// besides the webpki roots (a private CA, a self-signed server).
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> ClientBuilder {
        match tls::pem_certificates(pem) {
            Ok(certificates) => self.tls_roots.extra.extend(certificates),
            Err(error) => {
                self.tls_error.get_or_insert(error.to_string());
            }
        }
        self
    }

    /// Trusts one DER-encoded certificate as a root for `https`/`wss`.
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> ClientBuilder {
        self.tls_roots.extra.push(rustls::pki_types::CertificateDer::from(der.into()));
        self
    }

    /// Whether to trust the webpki roots (Mozilla's list, compiled in) for
    /// `https`/`wss` (default: `true`); with `false` only the added roots are.
    pub fn webpki_roots(mut self, trust: bool) -> ClientBuilder {
        self.tls_roots.webpki_roots = trust;
        self
    }

    /// The whole rustls configuration for `https`/`wss` (client
    /// certificates, platform roots, another crypto provider…); the root
    /// options above are then ignored. Keep `http/1.1` in its ALPN list.
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> ClientBuilder {
        self.tls_config = Some(config);
        self
    }

    /// Starts the client on `runtime`, opening connections with `connector`
    /// (TLS, for `https`/`wss`, runs over the connector's streams); it
    /// starts connecting at once.
    pub fn build_with(self, runtime: Arc<dyn Runtime>, connector: Arc<dyn Connector>) -> Result<Client, ClientError> {
        let url = self.url?;
        if let Some(error) = self.tls_error {
            return Err(ClientError::Tls(error));
        }
        let tls = match (url.tls, self.tls_config) {
            (false, _) => None,
            (true, Some(config)) => Some(config),
            (true, None) => Some(tls::client_config(&self.tls_roots)?),
        };
        let pending =
            PendingBound { frames: self.config.engine.max_pending_frames, bytes: self.config.engine.max_pending_bytes };
        let manager = Manager::new(self.config, runtime.now());
        let (commands, inbox) = mpsc::unbounded_channel();
        let flags = ConnectedFlags::default();
        let headers = Arc::new(self.headers);
        let pool = Arc::default();
        let endpoint = Endpoint { url: Arc::new(url), connector, runtime: runtime.clone(), tls, headers, pool };
        let driver = Driver::new(manager, endpoint, inbox, commands.downgrade(), flags.clone(), self.auth, pending);
        runtime.spawn(Box::pin(driver.run()));
        Ok(Client { commands, flags })
    }
}

/// A Socket.IO client: one connection (a manager) to a server, shared by
/// its namespace sockets. Cheap to clone; the connection closes on
/// [`Client::close`] or when every [`Client`] and [`ClientSocket`] is
/// dropped (a handle captured by a handler counts: call `close` then).
#[derive(Debug, Clone)]
pub struct Client {
    commands: mpsc::UnboundedSender<Command>,
    flags: ConnectedFlags,
}

impl Client {
    /// Options for a client of the server at `url` (`http://host:port`,
    /// `ws://host:port`, or `https`/`wss` for TLS; optionally with a query
    /// sent on every request).
    pub fn builder(url: &str) -> ClientBuilder {
        ClientBuilder {
            url: ServerUrl::parse(url),
            config: ManagerConfig::default(),
            auth: ClientAuth::None,
            tls_roots: TlsRoots::default(),
            headers: http::HeaderMap::new(),
            tls_config: None,
            tls_error: None,
        }
    }

    /// The socket of `namespace` (`/` for the main one). Register its
    /// handlers, then [`ClientSocket::connect`].
    pub fn socket(&self, namespace: &str) -> ClientSocket {
        let namespace = if namespace.starts_with('/') { namespace.to_string() } else { format!("/{namespace}") };
        ClientSocket { commands: self.commands.clone(), connected: connected_flag(&self.flags, &namespace), namespace }
    }

    /// Closes the connection and stops the client: later operations fail
    /// with [`ClientError::Closed`].
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close { done: None });
    }

    /// [`Client::close`], returning once the packets already written left
    /// (the driver waits at most 3 s for that), so a process may exit right
    /// after without losing its last emits.
    pub async fn close_and_wait(&self) {
        let (done, finished) = oneshot::channel();
        if self.commands.send(Command::Close { done: Some(done) }).is_ok() {
            let _ = finished.await;
        }
    }

    /// Called when a reconnection attempt starts, with its number (from 1).
    pub fn on_reconnect_attempt(&self, handler: impl FnMut(u32) + Send + 'static) {
        let _ = self.commands.send(Command::OnManager(ManagerHandler::ReconnectAttempt(Box::new(handler))));
    }

    /// Called when a reconnection attempt opened the connection, with its number.
    pub fn on_reconnect(&self, handler: impl FnMut(u32) + Send + 'static) {
        let _ = self.commands.send(Command::OnManager(ManagerHandler::Reconnect(Box::new(handler))));
    }

    /// Called when a reconnection attempt failed, with why.
    pub fn on_reconnect_error(&self, handler: impl FnMut(&str) + Send + 'static) {
        let _ = self.commands.send(Command::OnManager(ManagerHandler::ReconnectError(Box::new(handler))));
    }

    /// Called when the connection fails, with why (the manager's `error`):
    /// a connection that could not open, a server that broke the protocol
    /// or did not read what it was sent, an answer over the size limit…
    /// Sockets then see `disconnect` (or `connect_error`), and the client
    /// reconnects per its policy.
    pub fn on_error(&self, handler: impl FnMut(&str) + Send + 'static) {
        let _ = self.commands.send(Command::OnManager(ManagerHandler::Error(Box::new(handler))));
    }

    /// Called when the last allowed reconnection attempt failed.
    pub fn on_reconnect_failed(&self, handler: impl FnMut() + Send + 'static) {
        let _ = self.commands.send(Command::OnManager(ManagerHandler::ReconnectFailed(Box::new(handler))));
    }
}

/// One namespace of a [`Client`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ClientSocket {
    commands: mpsc::UnboundedSender<Command>,
    namespace: String,
    connected: Arc<driver::SocketFlags>,
}

impl ClientSocket {
    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Whether the namespace is joined right now.
    pub fn connected(&self) -> bool {
        self.connected.connected.load(Ordering::Acquire)
    }

    /// Whether the socket is connected or will (re)connect by itself: not
    /// after a refusal, a server DISCONNECT, [`ClientSocket::disconnect`] or
    /// when the manager gave up reconnecting.
    pub fn active(&self) -> bool {
        self.connected.active.load(Ordering::Acquire)
    }

    /// Whether the last join restored the previous session: with the
    /// server's connection state recovery on, the events missed while
    /// disconnected were replayed and the socket kept its id and rooms.
    pub fn recovered(&self) -> bool {
        self.connected.recovered.load(Ordering::Acquire)
    }

    /// Joins the namespace; returns once the server acknowledged the
    /// CONNECT, so an emit right after goes out at once. Fails when the
    /// server refuses, or when the connection fails and will not be retried;
    /// otherwise keeps waiting through reconnection attempts (wrap it in a
    /// timeout to bound it).
    pub async fn connect(&self) -> Result<(), ClientError> {
        let (done, answer) = oneshot::channel();
        let command = Command::Connect { namespace: self.namespace.clone(), done };
        self.send(command)?;
        answer.await.map_err(|_| ClientError::Closed)?
    }

    /// Emits `event` with one argument. While disconnected the event is
    /// buffered and sent, in order, once the namespace is joined again.
    pub async fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), ClientError> {
        self.emit_args(event, one_argument(value)?).await
    }

    /// Emits `event` with one argument, dropped unless the connection can
    /// take it right now (`socket.volatile.emit`): never buffered, never
    /// retried.
    pub async fn emit_volatile<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), ClientError> {
        let options = EmitOptions { volatile: true, ..EmitOptions::default() };
        self.emit_inner(event, one_argument(value)?, options, None).await
    }

    /// Emits `event` with `args` (several arguments, binary attachments).
    pub async fn emit_args(&self, event: &str, args: Args) -> Result<(), ClientError> {
        self.emit_inner(event, args, EmitOptions::default(), None).await
    }

    /// Emits `event` with one argument and waits for its acknowledgement,
    /// read as `R` (a tuple of the ack's arguments), within the client's
    /// [`ClientBuilder::ack_timeout`] if one is set.
    pub async fn emit_with_ack<T: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        event: &str,
        value: &T,
    ) -> Result<R, ClientError> {
        self.ack_inner(event, one_argument(value)?, EmitOptions::with_ack()).await
    }

    /// [`ClientSocket::emit_with_ack`] with its own deadline.
    pub async fn emit_with_ack_timeout<T: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        event: &str,
        value: &T,
        timeout: Duration,
    ) -> Result<R, ClientError> {
        let options = EmitOptions { timeout: Some(timeout), ..EmitOptions::with_ack() };
        self.ack_inner(event, one_argument(value)?, options).await
    }

    /// [`ClientSocket::emit_args`] waiting for the acknowledgement's raw
    /// arguments, within `timeout` (or the client's
    /// [`ClientBuilder::ack_timeout`] when `None`). The event is queued by
    /// the call itself, before the future is polled: emits made this way
    /// (and awaited `emit`s) leave in the order of the calls, so the future
    /// can be handed to another task.
    pub fn emit_args_with_ack(
        &self,
        event: &str,
        args: Args,
        timeout: Option<Duration>,
    ) -> impl std::future::Future<Output = Result<Args, ClientError>> + Send + 'static {
        let (ack, answer) = oneshot::channel();
        let options = EmitOptions { timeout, ..EmitOptions::with_ack() };
        let accepted = self.queue_emit(event, args, options, Some(ack));
        async move {
            accepted?.await.map_err(|_| ClientError::Closed)??;
            Ok(answer.await.map_err(|_| ClientError::Closed)??)
        }
    }

    /// Handles every event the server sends to this namespace, before the
    /// handler of its name (`onAny`): the name, the raw arguments, and the
    /// responder when the server asked for an acknowledgement (of all the
    /// handlers of one event, the first to answer is heard).
    pub fn on_any(&self, handler: impl FnMut(&str, Args, Option<AckResponder>) + Send + 'static) {
        self.register(Handler::Any(Box::new(handler)));
    }

    /// Called with each event this socket sends to the server
    /// (`onAnyOutgoing`), as it leaves: at once when connected, at the
    /// flush after a (re)connection when it was buffered. Runs on the
    /// driver task.
    pub fn on_any_outgoing(&self, handler: impl FnMut(&str, &Args) + Send + 'static) {
        self.register(Handler::AnyOutgoing(Box::new(handler)));
    }

    /// Handles the server's `event`: its arguments are read as `T` (a tuple,
    /// a `Vec`…); events whose arguments do not deserialize are not passed.
    /// The responder is there when the server asked for an acknowledgement.
    /// Handlers run on the driver task: hand long work to a task of your own.
    pub fn on<T, F>(&self, event: &str, mut handler: F)
    where
        T: DeserializeOwned,
        F: FnMut(T, Option<AckResponder>) + Send + 'static,
    {
        let wrapped = move |args: Args, ack: Option<AckResponder>| {
            if let Ok(value) = args.to_owned_value::<T>() {
                handler(value, ack);
            }
        };
        self.register(Handler::Event(event.to_string(), Box::new(wrapped)));
    }

    /// Called each time the namespace is joined.
    pub fn on_connect(&self, handler: impl FnMut() + Send + 'static) {
        self.register(Handler::Connect(Box::new(handler)));
    }

    /// Called each time the socket leaves the namespace, with why.
    pub fn on_disconnect(&self, handler: impl FnMut(DisconnectReason) + Send + 'static) {
        self.register(Handler::Disconnect(Box::new(handler)));
    }

    /// Called when joining fails (refusal, or a failed connection attempt).
    pub fn on_connect_error(&self, handler: impl FnMut(&str) + Send + 'static) {
        self.register(Handler::ConnectError(Box::new(handler)));
    }

    /// Leaves the namespace; [`ClientSocket::connect`] joins it again.
    pub fn disconnect(&self) {
        let _ = self.commands.send(Command::Disconnect { namespace: self.namespace.clone() });
    }

    fn register(&self, handler: Handler) {
        let _ = self.commands.send(Command::On { namespace: self.namespace.clone(), handler });
    }

    fn send(&self, command: Command) -> Result<(), ClientError> {
        self.commands.send(command).map_err(|_| ClientError::Closed)
    }

    async fn emit_inner(
        &self,
        event: &str,
        args: Args,
        options: EmitOptions,
        ack: Option<oneshot::Sender<Result<Args, AckError>>>,
    ) -> Result<(), ClientError> {
        let accepted = self.queue_emit(event, args, options, ack)?;
        Ok(accepted.await.map_err(|_| ClientError::Closed)??)
    }

    /// Hands the emit to the driver now; the receiver says whether the
    /// manager took it.
    fn queue_emit(
        &self,
        event: &str,
        args: Args,
        options: EmitOptions,
        ack: Option<oneshot::Sender<Result<Args, AckError>>>,
    ) -> Result<oneshot::Receiver<Result<(), EmitError>>, ClientError> {
        let (accepted, answer) = oneshot::channel();
        let namespace = self.namespace.clone();
        self.send(Command::Emit { namespace, name: event.to_string(), args, options, accepted, ack })?;
        Ok(answer)
    }

    async fn ack_inner<R: DeserializeOwned>(
        &self,
        event: &str,
        args: Args,
        options: EmitOptions,
    ) -> Result<R, ClientError> {
        let args = self.emit_args_with_ack(event, args, options.timeout).await?;
        args.to_owned_value().map_err(ClientError::Deserialize)
    }
}

/// Answers one event the server sent with an acknowledgement request.
#[derive(Debug)]
pub struct AckResponder {
    commands: mpsc::WeakUnboundedSender<Command>,
    namespace: String,
    ack_id: u64,
}

impl AckResponder {
    /// Acknowledges with one argument.
    pub fn send<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ClientError> {
        let args = one_argument(value)?;
        self.send_args(args)
    }

    /// Acknowledges with `args`.
    pub fn send_args(self, args: Args) -> Result<(), ClientError> {
        let commands = self.commands.upgrade().ok_or(ClientError::Closed)?;
        let command = Command::Ack { namespace: self.namespace, ack_id: self.ack_id, args };
        commands.send(command).map_err(|_| ClientError::Closed)
    }
}

/// `value` as a single argument.
fn one_argument<T: Serialize + ?Sized>(value: &T) -> Result<Args, ClientError> {
    Ok(Args::builder().arg(value).map_err(ClientError::Serialize)?.build())
}

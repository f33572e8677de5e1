//! An Engine.IO server on hyper 1, usable on its own (like the `engine.io`
//! npm package) and the layer the Socket.IO server stands on.
//!
//! ```text
//!   HTTP/1.1 (hyper)            session tasks                   application
//!  ┌──────────────────┐  Command  ┌─────────────────────┐  Event  ┌──────────────┐
//!  │ GET / POST       │ ────────▶ │ engineio_proto      │ ──────▶ │ EngineSocket │
//!  │ WebSocket frames │ ◀──────── │ server::Session     │ ◀────── │ send / close │
//!  └──────────────────┘  answers  │ + its timer         │         └──────────────┘
//!                                 └─────────────────────┘
//! ```
//!
//! - [`EngineServer::new`] gives the server and its [`Connections`], the
//!   stream of new [`EngineSocket`]s.
//! - [`EngineServer::serve_connection`] serves one HTTP/1.1 connection on
//!   any I/O implementing hyper's `rt` traits; the `tokio` feature adds the
//!   TCP accept loop ([`crate::tokio`]).
//! - Each request is classified by [`engineio_proto::server::classify`]. A
//!   handshake creates a [`Session`](engineio_proto::server::Session) and
//!   spawns its task, which owns the machine (the session itself, or for the
//!   [Socket.IO server](crate::socketio) the `Connection` that owns it: one
//!   loop drives both) and runs the proto run loop over
//!   an inbox (polls with their responders, POST bodies, WebSocket messages,
//!   the application's sends and closes) and the timer from `poll_timeout()`.
//!   Requests for a session find its task through the sid map.
//! - WebSocket: tokio-tungstenite over hyper's upgraded connection, for
//!   WebSocket handshakes and upgrades from polling. Messages over
//!   `max_http_buffer_size` are refused by tungstenite and the session closes
//!   that WebSocket with 1009. A writer task per WebSocket keeps a slow
//!   reader from blocking its session, and flushes once per burst. (Chosen
//!   over fastwebsockets and tokio-websockets by a loopback echo measurement:
//!   with writes batched per burst, as here, tungstenite echoed 64-byte
//!   messages fastest and 16 KiB ones on par; it also gives `Stream`/`Sink`
//!   and a typed "message too long" error.)
//! - POST bodies are read up to `max_http_buffer_size` (413 beyond).
//! - A parked GET whose connection closes: hyper drops the request's future
//!   when it sees the client's EOF, and the session is told the poll was
//!   aborted (it closes with "transport error", as the reference does).
//! - CORS ([`Cors`]): any origin (`*`, the default), one fixed origin, a
//!   list or a predicate, with or without credentials; an `OPTIONS`
//!   preflight gets `204` with the methods and the requested headers allowed.
//! - [`AllowRequest`]: the reference's `allowRequest` hook, asked on
//!   handshakes; a refusal is `403 {"code":4,"message":…}`.
//! - A client must send a request's head within
//!   [`EngineOptions::header_read_timeout`] (10 s by default; also the
//!   longest an idle keep-alive connection stays open), against slowloris
//!   clients. hyper times it with [`RuntimeTimer`], on the server's runtime.
//! - Mounting into another HTTP stack: [`EngineServer::handle`], or the
//!   tower `Layer`/`Service` of [`crate::tower`].
//!
//! Queues: session inboxes and event queues are unbounded; the send buffer
//! of a session (messages waiting for a GET on polling; on WebSocket every
//! frame not yet taken by the socket, the pongs tungstenite queues for the
//! client's pings included) is bounded by `max_buffered_packets` and
//! `max_buffered_bytes`, and a client that leaves it full is closed ("send
//! buffer full"). A client's Close frame is answered with a Close, and a
//! frame breaking RFC 6455 with close frame 1002, before the hang-up.
//! Request heads are read up to [`EngineOptions::max_header_size`] (431
//! beyond).

mod accept;
mod admission;
mod cors;
mod http;
mod session_task;
mod socket;
mod timer;
mod websocket;

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use ::http::HeaderValue;
use engineio_proto::server::{CloseReason, ServerConfig};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;

pub use admission::{AllowRequest, RemoteAddr, Verdict, VerdictFuture};
pub use cors::{Cors, CorsOrigin, OriginPredicate};
pub use engineio_proto::server::{Event, SendError};
pub use socket::{Connections, EngineSocket};
pub use timer::RuntimeTimer;

use crate::runtime::Runtime;
pub(crate) use http::HandshakeOrigin;
use session_task::Registry;
pub(crate) use session_task::{Command, Machine};

/// The default request path, as the reference server's.
pub const DEFAULT_PATH: &str = "/engine.io/";

/// The default [`EngineOptions::header_read_timeout`], as common servers'.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The default [`EngineOptions::max_header_size`]: 16 KiB, node's
/// `maxHeaderSize`.
pub const DEFAULT_MAX_HEADER_SIZE: usize = 16 * 1024;

/// How many new sockets wait for [`Connections::accept`] before handshakes wait too.
const PENDING_CONNECTIONS: usize = 64;

/// The settings of an [`EngineServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineOptions {
    /// The protocol settings (reference defaults).
    pub config: ServerConfig,
    /// The path prefix served (default [`DEFAULT_PATH`]); other paths get 404.
    pub path: String,
    /// The CORS policy (default: any origin, no credentials).
    pub cors: Cors,
    /// Asked before each handshake; `None` (the default) lets every client in.
    pub allow_request: Option<AllowRequest>,
    /// How long a client may take to send a request's head (default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`]); `None` waits forever.
    pub header_read_timeout: Option<Duration>,
    /// The largest request head (request line and headers) read, in bytes
    /// (default [`DEFAULT_MAX_HEADER_SIZE`], node's `maxHeaderSize`); a
    /// larger one is answered `431 Request Header Fields Too Large` and the
    /// connection closed. It also bounds what a CORS preflight answer
    /// echoes of `Access-Control-Request-Headers`. Applies to the
    /// connections this crate serves ([`EngineServer::serve_connection`]);
    /// a server mounted in another HTTP stack has that stack's limit.
    pub max_header_size: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            config: ServerConfig::default(),
            path: DEFAULT_PATH.to_owned(),
            cors: Cors::default(),
            allow_request: None,
            header_read_timeout: Some(DEFAULT_HEADER_READ_TIMEOUT),
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
        }
    }
}

impl EngineOptions {
    /// Sets [`EngineOptions::config`].
    pub fn with_config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets [`EngineOptions::path`].
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Allows `origin` alone, with credentials (shorthand for
    /// [`EngineOptions::with_cors`] of [`Cors::exact`]).
    pub fn with_cors_origin(self, origin: HeaderValue) -> Self {
        self.with_cors(Cors::exact(origin).with_credentials(true))
    }

    /// Sets [`EngineOptions::cors`].
    pub fn with_cors(mut self, cors: Cors) -> Self {
        self.cors = cors;
        self
    }

    /// Sets [`EngineOptions::allow_request`].
    pub fn with_allow_request(mut self, allow: AllowRequest) -> Self {
        self.allow_request = Some(allow);
        self
    }

    /// Sets [`EngineOptions::header_read_timeout`].
    pub fn with_header_read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`EngineOptions::max_header_size`].
    pub fn with_max_header_size(mut self, bytes: usize) -> Self {
        self.max_header_size = bytes;
        self
    }
}

/// Who the new sessions go to.
#[derive(Debug)]
enum Application {
    /// The Engine.IO application, through its [`Connections`].
    Engine(tokio::sync::mpsc::Sender<EngineSocket>),
    /// The Socket.IO server: each session is a Socket.IO connection.
    SocketIo(Arc<crate::socketio::ServerState>),
}

/// What the request handlers and session tasks share.
#[derive(Debug)]
struct Shared {
    options: EngineOptions,
    runtime: Arc<dyn Runtime>,
    registry: Arc<Registry>,
    next_request: AtomicU64,
    application: Application,
}

/// An Engine.IO server: serves HTTP/1.1 connections, keeps the sessions,
/// hands new ones to the application. Cheap to clone (one shared state).
#[derive(Debug, Clone)]
pub struct EngineServer {
    shared: Arc<Shared>,
}

impl EngineServer {
    /// A server with `options` whose tasks and timers run on `runtime`; new
    /// sessions arrive on the returned [`Connections`].
    pub fn new(options: EngineOptions, runtime: Arc<dyn Runtime>) -> (EngineServer, Connections) {
        let (sender, receiver) = tokio::sync::mpsc::channel(PENDING_CONNECTIONS);
        let shared = Shared {
            options,
            runtime,
            registry: Arc::new(Registry::default()),
            next_request: AtomicU64::new(0),
            application: Application::Engine(sender),
        };
        (EngineServer { shared: Arc::new(shared) }, Connections::new(receiver))
    }

    /// A server whose sessions are the Socket.IO connections of `socketio`.
    pub(crate) fn for_socketio(
        options: EngineOptions,
        runtime: Arc<dyn Runtime>,
        socketio: Arc<crate::socketio::ServerState>,
    ) -> EngineServer {
        let shared = Shared {
            options,
            runtime,
            registry: Arc::new(Registry::default()),
            next_request: AtomicU64::new(0),
            application: Application::SocketIo(socketio),
        };
        EngineServer { shared: Arc::new(shared) }
    }

    /// The settings.
    pub fn options(&self) -> &EngineOptions {
        &self.shared.options
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.shared.registry.len()
    }

    /// Answers one HTTP request (to mount the server in another hyper
    /// service; [`crate::tower`] wraps it as a tower `Service`). WebSocket
    /// upgrades need the request as hyper's server connection gave it, with
    /// upgrades enabled. A [`RemoteAddr`] extension, when present, is given
    /// to the [`AllowRequest`] hook.
    pub async fn handle<B>(&self, request: ::http::Request<B>) -> ::http::Response<http_body_util::Full<bytes::Bytes>>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        http::handle(&self.shared, request).await
    }

    /// Serves one HTTP/1.1 connection until it closes (or is upgraded to a
    /// WebSocket, which then lives on in its session).
    pub async fn serve_connection<I>(&self, io: I) -> Result<(), hyper::Error>
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        self.serve_connection_from(io, None).await
    }

    /// [`EngineServer::serve_connection`] for a connection from `peer`: its
    /// requests carry it as a [`RemoteAddr`] (for the [`AllowRequest`] hook).
    pub async fn serve_connection_from<I>(&self, io: I, peer: Option<SocketAddr>) -> Result<(), hyper::Error>
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        let service = service_fn(move |mut request: ::hyper::Request<Incoming>| {
            let shared = Arc::clone(&shared);
            if let Some(peer) = peer {
                request.extensions_mut().insert(RemoteAddr(peer));
            }
            async move { Ok::<_, std::convert::Infallible>(http::handle(&shared, request).await) }
        });
        let mut builder = http1::Builder::new();
        // hyper answers a head over the limit with 431.
        builder.max_header_size(self.shared.options.max_header_size);
        if let Some(timeout) = self.shared.options.header_read_timeout {
            builder.timer(RuntimeTimer::new(Arc::clone(&self.shared.runtime))).header_read_timeout(timeout);
        } else {
            builder.header_read_timeout(None);
        }
        builder.serve_connection(io, service).with_upgrades().await
    }

    /// Resolves once the application has dropped its [`Connections`]: the
    /// accept loops stop then. Never, for a Socket.IO server.
    pub async fn closed(&self) {
        match &self.shared.application {
            Application::Engine(connections) => connections.closed().await,
            Application::SocketIo(_) => std::future::pending().await,
        }
    }

    /// Closes every session with "server shutting down".
    pub fn close_all(&self) {
        self.shared.registry.broadcast(|| Command::Close(CloseReason::ServerShuttingDown));
    }
}

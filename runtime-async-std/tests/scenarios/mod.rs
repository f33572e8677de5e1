//! The interop scenarios, written once and run on every runtime: each is a
//! function generic over [`RuntimeUnderTest`] (one for the role under test,
//! or two for a Rust client against a Rust server), instantiated per
//! runtime by `tests/runtimes.rs`.
//!
//! - [`engine`]: the Engine.IO server under test against the npm
//!   `engine.io-client` 6 and 3 (text and binary echoes; polling, WebSocket,
//!   upgrade), and against the `ws` client opening a second WebSocket for an
//!   upgraded session.
//! - [`server`]: the Socket.IO server under test against the official npm
//!   `socket.io-client` 4.8 (polling, WebSocket, upgrade; events, acks,
//!   binary, namespaces, middleware, rooms).
//! - [`python`]: the same server against the python-socketio client
//!   (polling, WebSocket; acks, binary, server emits with ack).
//! - [`recovery`]: connection state recovery with the npm `socket.io-client`.
//! - [`client`]: the Socket.IO client under test against the official npm
//!   `socket.io` 4.8 server (events and acks both ways; emits buffered while
//!   the server is down arrive once, in order, after it restarts; v2 mode's
//!   auth with `allowEIO3`), and against go-socket.io's frames.
//! - [`pairs`]: the client on one runtime against the server on another
//!   (the [`greeting`] server, which the python client also talks to).
//!
//! Test bodies time themselves with [`peers::within`] (a thread), so no
//! timer of the runtime under test is needed outside its own tasks, and the
//! smol and async-std builds run with no tokio runtime anywhere in their
//! process threads' context.

#![allow(dead_code)]

pub mod client;
pub mod engine;
#[path = "../../../runtime-tokio/tests/go_socketio/mod.rs"]
pub mod go_socketio;
pub mod greeting;
pub mod pairs;
#[path = "../../../runtime-tokio/tests/peers/mod.rs"]
pub mod peers;
pub mod python;
pub mod recovery;
pub mod server;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use engineio_proto::{Instant, TransportKind};
use runtime_async_std::client::{Client, ClientBuilder, ClientError};
use runtime_async_std::engine::{Connections, EngineOptions, EngineServer};
use runtime_async_std::runtime::Runtime;
use runtime_async_std::socketio::{SocketIo, SocketIoBuilder};

/// How long any single wait of a scenario may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// A sendable future of a bound Socket.IO server.
pub type Bound = Pin<Box<dyn Future<Output = io::Result<(SocketAddr, SocketIo)>> + Send>>;

/// A sendable future of a bound Engine.IO server.
pub type BoundEngine = Pin<Box<dyn Future<Output = io::Result<(SocketAddr, EngineServer, Connections)>> + Send>>;

/// A runtime build under test: how to run a test body on it, and its
/// entry points for the server and client roles.
pub trait RuntimeUnderTest: 'static {
    /// Runs a test body to completion on this executor.
    fn block_on<F: Future>(future: F) -> F::Output;
    /// This executor's [`Runtime`] (for the scenario's own server handlers).
    fn runtime() -> Arc<dyn Runtime>;
    /// This runtime's `bind` (Engine.IO) on 127.0.0.1, port 0.
    fn bind_engine(options: EngineOptions) -> BoundEngine;
    /// This runtime's `bind_socketio` on 127.0.0.1, port 0.
    fn bind_socketio(builder: SocketIoBuilder) -> Bound;
    /// This runtime's client entry point (`build`).
    fn build_client(builder: ClientBuilder) -> Result<Client, ClientError>;
}

/// The tokio build (`runtime_tokio::tokio`), on one multi-threaded runtime
/// shared by the tests.
pub struct Tokio;

fn tokio_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime")
    })
}

impl RuntimeUnderTest for Tokio {
    fn block_on<F: Future>(future: F) -> F::Output {
        tokio_runtime().block_on(future)
    }

    fn runtime() -> Arc<dyn Runtime> {
        Arc::new(runtime_tokio::tokio::TokioRuntime::new(tokio_runtime().handle().clone()))
    }

    fn bind_engine(options: EngineOptions) -> BoundEngine {
        let bound = tokio_runtime().spawn(runtime_tokio::tokio::bind("127.0.0.1:0", options));
        Box::pin(async move { bound.await.expect("the bind task ran") })
    }

    fn bind_socketio(builder: SocketIoBuilder) -> Bound {
        let bound = tokio_runtime().spawn(runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder));
        Box::pin(async move { bound.await.expect("the bind task ran") })
    }

    fn build_client(builder: ClientBuilder) -> Result<Client, ClientError> {
        let _context = tokio_runtime().enter();
        builder.build()
    }
}

/// The smol build (`runtime_async_std::smol`).
pub struct Smol;

impl RuntimeUnderTest for Smol {
    fn block_on<F: Future>(future: F) -> F::Output {
        smol::block_on(future)
    }

    fn runtime() -> Arc<dyn Runtime> {
        Arc::new(runtime_async_std::smol::SmolRuntime::new())
    }

    fn bind_engine(options: EngineOptions) -> BoundEngine {
        Box::pin(runtime_async_std::smol::bind("127.0.0.1:0", options))
    }

    fn bind_socketio(builder: SocketIoBuilder) -> Bound {
        Box::pin(runtime_async_std::smol::bind_socketio("127.0.0.1:0", builder))
    }

    fn build_client(builder: ClientBuilder) -> Result<Client, ClientError> {
        runtime_async_std::smol::build(builder)
    }
}

/// The async-std build (`runtime_async_std::async_std`).
pub struct AsyncStd;

impl RuntimeUnderTest for AsyncStd {
    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn runtime() -> Arc<dyn Runtime> {
        Arc::new(runtime_async_std::async_std::AsyncStdRuntime::new())
    }

    fn bind_engine(options: EngineOptions) -> BoundEngine {
        Box::pin(runtime_async_std::async_std::bind("127.0.0.1:0", options))
    }

    fn bind_socketio(builder: SocketIoBuilder) -> Bound {
        Box::pin(runtime_async_std::async_std::bind_socketio("127.0.0.1:0", builder))
    }

    fn build_client(builder: ClientBuilder) -> Result<Client, ClientError> {
        runtime_async_std::async_std::build(builder)
    }
}

/// Sleeps `duration` on `runtime`'s timer.
pub async fn sleep(runtime: &dyn Runtime, duration: Duration) {
    let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    runtime.sleep_until(Instant::from_millis(runtime.now().as_millis().saturating_add(millis))).await;
}

/// The client transports of a mode: `polling`, `websocket` or `upgrade`.
pub fn transports(mode: &str) -> (&'static [TransportKind], bool) {
    match mode {
        "polling" => (&[TransportKind::Polling], false),
        "websocket" => (&[TransportKind::WebSocket], false),
        _ => (&[TransportKind::Polling, TransportKind::WebSocket], true),
    }
}

/// A client of `url` over `mode` on runtime `R`, with short reconnection delays.
pub fn client<R: RuntimeUnderTest>(url: &str, mode: &str) -> Client {
    let (kinds, upgrade) = transports(mode);
    let builder = Client::builder(url)
        .transports(kinds)
        .upgrade(upgrade)
        .reconnection_delay(Duration::from_millis(100), Duration::from_millis(300))
        .ack_timeout(Duration::from_secs(5));
    R::build_client(builder).expect("the client starts")
}

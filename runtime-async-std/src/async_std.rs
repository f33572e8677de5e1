//! The async-std runtime: [`AsyncStdRuntime`] (the [`Runtime`] implementation),
//! the TCP accept loop ([`serve`], [`bind`], [`bind_socketio`]) and the
//! client's [`AsyncStdConnector`] (with [`build`]) — the same names and shapes
//! as `runtime_tokio::tokio`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use async_std::net::{TcpListener, TcpStream, ToSocketAddrs};
use engineio_proto::Instant;
use runtime_tokio::client::{Client, ClientBuilder, ClientError, ConnectFuture, Connector};
use runtime_tokio::engine::{Connections, EngineOptions, EngineServer};
use runtime_tokio::runtime::{BoxFuture, Runtime};
use runtime_tokio::socketio::{SocketIo, SocketIoBuilder};

use crate::net::{self, Clock, Net};

/// [`Runtime`] on async-std: tasks on its global task pool, its timers, and
/// a clock counting milliseconds from the creation of this value.
#[derive(Debug, Clone)]
pub struct AsyncStdRuntime {
    clock: Clock,
}

impl AsyncStdRuntime {
    /// A runtime spawning with `async_std::task::spawn`.
    pub fn new() -> AsyncStdRuntime {
        AsyncStdRuntime { clock: Clock::new() }
    }
}

impl Default for AsyncStdRuntime {
    fn default() -> Self {
        AsyncStdRuntime::new()
    }
}

impl Runtime for AsyncStdRuntime {
    fn spawn(&self, task: BoxFuture) {
        // Dropping async-std's handle detaches the task.
        drop(async_std::task::spawn(task));
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture {
        let at = self.clock.instant_of(deadline);
        Box::pin(async_std::task::sleep(at.saturating_duration_since(std::time::Instant::now())))
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }
}

/// async-std's TCP for the shared accept loop and connector.
struct AsyncStdNet;

impl Net for AsyncStdNet {
    type Listener = TcpListener;
    type Stream = TcpStream;

    async fn accept(listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
        listener.accept().await
    }

    fn local_addr(listener: &TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    async fn connect(host: String, port: u16) -> io::Result<TcpStream> {
        TcpStream::connect((host.as_str(), port)).await
    }

    fn set_nodelay(stream: &TcpStream) {
        let _ = stream.set_nodelay(true);
    }
}

/// Accepts connections on `listener` for `server` until the application
/// drops its [`Connections`], each served in its own task.
pub async fn serve(listener: TcpListener, server: EngineServer) {
    server.serve_incoming(net::incoming::<AsyncStdNet>(listener)).await;
}

/// Binds `addr`, starts [`serve`] in a task on async-std's task pool and
/// returns the bound address, the server and its [`Connections`].
pub async fn bind(
    addr: impl ToSocketAddrs,
    options: EngineOptions,
) -> io::Result<(SocketAddr, EngineServer, Connections)> {
    let listener = TcpListener::bind(addr).await?;
    net::bind::<AsyncStdNet>(listener, options, Arc::new(AsyncStdRuntime::new()))
}

/// Binds `addr`, builds the Socket.IO server of `builder` on async-std's task
/// pool, starts [`serve`] for it, and returns the bound address and the
/// server (register its namespaces next).
pub async fn bind_socketio(addr: impl ToSocketAddrs, builder: SocketIoBuilder) -> io::Result<(SocketAddr, SocketIo)> {
    let listener = TcpListener::bind(addr).await?;
    net::bind_socketio::<AsyncStdNet>(listener, builder, Arc::new(AsyncStdRuntime::new()))
}

/// The client's [`Connector`] on async-std: `async_std::net::TcpStream`, with
/// `TCP_NODELAY`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncStdConnector;

impl Connector for AsyncStdConnector {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture {
        net::connect::<AsyncStdNet>(host, port)
    }
}

/// Starts the client of `builder` on async-std's task pool with
/// [`AsyncStdConnector`]; it starts connecting at once (the counterpart of
/// `runtime-tokio`'s `ClientBuilder::build`).
pub fn build(builder: ClientBuilder) -> Result<Client, ClientError> {
    builder.build_with(Arc::new(AsyncStdRuntime::new()), Arc::new(AsyncStdConnector))
}

//! The smol runtime: [`SmolRuntime`] (the [`Runtime`] implementation),
//! the TCP accept loop ([`serve`], [`bind`], [`bind_socketio`]) and the
//! client's [`SmolConnector`] (with [`build`]) — the same names and shapes
//! as `runtime_tokio::tokio`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use engineio_proto::Instant;
use runtime_tokio::client::{Client, ClientBuilder, ClientError, ConnectFuture, Connector};
use runtime_tokio::engine::{Connections, EngineOptions, EngineServer};
use runtime_tokio::runtime::{BoxFuture, Runtime};
use runtime_tokio::socketio::{SocketIo, SocketIoBuilder};
use smol::net::{AsyncToSocketAddrs, TcpListener, TcpStream};

use crate::net::{self, Clock, Net};

/// Where a [`SmolRuntime`] starts its tasks.
#[derive(Clone)]
enum Spawner {
    /// `smol::spawn`: smol's global executor (`SMOL_THREADS` threads).
    Global,
    /// An executor the application runs itself.
    Executor(Arc<smol::Executor<'static>>),
}

/// [`Runtime`] on smol: tasks on its global executor (or on one the
/// application runs), `smol::Timer`s, and a clock counting milliseconds from
/// the creation of this value.
#[derive(Clone)]
pub struct SmolRuntime {
    spawner: Spawner,
    clock: Clock,
}

impl std::fmt::Debug for SmolRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let spawner = match self.spawner {
            Spawner::Global => "global",
            Spawner::Executor(_) => "executor",
        };
        f.debug_struct("SmolRuntime").field("spawner", &spawner).field("clock", &self.clock).finish()
    }
}

impl SmolRuntime {
    /// A runtime spawning on smol's global executor (`smol::spawn`).
    pub fn new() -> SmolRuntime {
        SmolRuntime { spawner: Spawner::Global, clock: Clock::new() }
    }

    /// A runtime spawning on `executor`, which the application runs
    /// (`executor.run(…)` on one or more threads).
    pub fn with_executor(executor: Arc<smol::Executor<'static>>) -> SmolRuntime {
        SmolRuntime { spawner: Spawner::Executor(executor), clock: Clock::new() }
    }
}

impl Default for SmolRuntime {
    fn default() -> Self {
        SmolRuntime::new()
    }
}

impl Runtime for SmolRuntime {
    fn spawn(&self, task: BoxFuture) {
        match &self.spawner {
            Spawner::Global => smol::spawn(task).detach(),
            Spawner::Executor(executor) => executor.spawn(task).detach(),
        }
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture {
        let at = self.clock.instant_of(deadline);
        Box::pin(async move {
            smol::Timer::at(at).await;
        })
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }
}

/// smol's TCP for the shared accept loop and connector.
struct SmolNet;

impl Net for SmolNet {
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
    server.serve_incoming(net::incoming::<SmolNet>(listener)).await;
}

/// Binds `addr`, starts [`serve`] in a task on smol's global executor and
/// returns the bound address, the server and its [`Connections`].
pub async fn bind(
    addr: impl AsyncToSocketAddrs,
    options: EngineOptions,
) -> io::Result<(SocketAddr, EngineServer, Connections)> {
    let listener = TcpListener::bind(addr).await?;
    net::bind::<SmolNet>(listener, options, Arc::new(SmolRuntime::new()))
}

/// Binds `addr`, builds the Socket.IO server of `builder` on smol's global
/// executor, starts [`serve`] for it, and returns the bound address and the
/// server (register its namespaces next).
pub async fn bind_socketio(
    addr: impl AsyncToSocketAddrs,
    builder: SocketIoBuilder,
) -> io::Result<(SocketAddr, SocketIo)> {
    let listener = TcpListener::bind(addr).await?;
    net::bind_socketio::<SmolNet>(listener, builder, Arc::new(SmolRuntime::new()))
}

/// The client's [`Connector`] on smol: `smol::net::TcpStream`, with
/// `TCP_NODELAY`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmolConnector;

impl Connector for SmolConnector {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture {
        net::connect::<SmolNet>(host, port)
    }
}

/// Starts the client of `builder` on smol's global executor with
/// [`SmolConnector`]; it starts connecting at once (the counterpart of
/// `runtime-tokio`'s `ClientBuilder::build`).
pub fn build(builder: ClientBuilder) -> Result<Client, ClientError> {
    builder.build_with(Arc::new(SmolRuntime::new()), Arc::new(SmolConnector))
}

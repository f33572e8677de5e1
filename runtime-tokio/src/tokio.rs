//! The tokio runtime: [`TokioRuntime`] (the [`Runtime`] implementation),
//! the TCP accept loop ([`serve`], [`bind`]) and the client's TCP
//! [`TokioConnector`] (with `ClientBuilder::build`). The only module of the crate
//! that starts tasks or timers with tokio itself.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ::tokio::net::{TcpListener, ToSocketAddrs};
use ::tokio::runtime::{Handle, TryCurrentError};
use engineio_proto::Instant;
use hyper_util::rt::TokioIo;

use crate::client::{BoxStream, Client, ClientBuilder, ClientError, ConnectFuture, Connector};
use crate::engine::{Connections, EngineOptions, EngineServer};
use crate::runtime::{BoxFuture, Runtime};
use crate::socketio::{SocketIo, SocketIoBuilder};

/// [`Runtime`] on a tokio runtime: tasks on its handle, tokio timers, and a
/// clock counting milliseconds from the creation of this value on
/// `tokio::time::Instant` (so `tokio::time::pause()` works in tests).
#[derive(Debug, Clone)]
pub struct TokioRuntime {
    handle: Handle,
    epoch: ::tokio::time::Instant,
}

impl TokioRuntime {
    /// A runtime spawning on `handle`. Call it inside that runtime's context
    /// when the clock is paused, so the epoch is read from the paused clock.
    pub fn new(handle: Handle) -> TokioRuntime {
        TokioRuntime { handle, epoch: ::tokio::time::Instant::now() }
    }

    /// The runtime this is called from; an error outside any tokio runtime.
    pub fn current() -> Result<TokioRuntime, TryCurrentError> {
        Handle::try_current().map(TokioRuntime::new)
    }
}

impl Runtime for TokioRuntime {
    fn spawn(&self, task: BoxFuture) {
        self.handle.spawn(task);
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture {
        let at = self.epoch + Duration::from_millis(deadline.as_millis());
        Box::pin(::tokio::time::sleep_until(at))
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }
}

/// Accepts connections on `listener` for `server` until the application
/// drops its [`Connections`] ([`EngineServer::serve_incoming`] over tokio's
/// listener, with `TCP_NODELAY`).
pub async fn serve(listener: TcpListener, server: EngineServer) {
    let incoming = futures_util::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, peer)| {
            let _ = stream.set_nodelay(true);
            (TokioIo::new(stream), peer)
        });
        Some((accepted, listener))
    });
    server.serve_incoming(incoming).await;
}

/// Binds `addr`, starts [`serve`] in a task on the current tokio runtime and
/// returns the bound address, the server and its [`Connections`].
pub async fn bind(
    addr: impl ToSocketAddrs,
    options: EngineOptions,
) -> io::Result<(SocketAddr, EngineServer, Connections)> {
    let runtime = TokioRuntime::current().map_err(io::Error::other)?;
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let (server, connections) = EngineServer::new(options, Arc::new(runtime));
    ::tokio::spawn(serve(listener, server.clone()));
    Ok((local_addr, server, connections))
}

/// Binds `addr`, builds the Socket.IO server of `builder` on the current
/// tokio runtime, starts [`serve`] for it in a task, and returns the bound
/// address and the server (register its namespaces next).
pub async fn bind_socketio(addr: impl ToSocketAddrs, builder: SocketIoBuilder) -> io::Result<(SocketAddr, SocketIo)> {
    let runtime = TokioRuntime::current().map_err(io::Error::other)?;
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let io = builder.build(Arc::new(runtime));
    ::tokio::spawn(serve(listener, io.engine().clone()));
    Ok((local_addr, io))
}

/// The client's [`Connector`] on tokio: `tokio::net::TcpStream`, with
/// `TCP_NODELAY`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioConnector;

impl Connector for TokioConnector {
    fn connect(&self, host: &str, port: u16) -> ConnectFuture {
        let host = host.to_string();
        Box::pin(async move {
            let stream = ::tokio::net::TcpStream::connect((host.as_str(), port)).await?;
            let _ = stream.set_nodelay(true);
            Ok(Box::new(TokioIo::new(stream)) as BoxStream)
        })
    }
}

impl ClientBuilder {
    /// Starts the client on the current tokio runtime with [`TokioConnector`];
    /// it starts connecting at once. Fails outside a tokio runtime.
    pub fn build(self) -> Result<Client, ClientError> {
        let runtime = TokioRuntime::current().map_err(|error| ClientError::Runtime(error.to_string()))?;
        self.build_with(Arc::new(runtime), Arc::new(TokioConnector))
    }
}

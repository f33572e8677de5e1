//! The part of the async-std and smol modules that is the same for both,
//! written once over [`Net`]: the clock of their runtimes, the stream of
//! accepted connections given to
//! [`EngineServer::serve_incoming`], binding a server, and the client's
//! TCP connect. Each executor's module implements [`Net`] for its TCP types.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use engineio_proto::Instant;
use futures_io::{AsyncRead, AsyncWrite};
use futures_util::Stream;
use runtime_tokio::client::{BoxStream, ConnectFuture};
use runtime_tokio::engine::{Connections, EngineOptions, EngineServer};
use runtime_tokio::runtime::Runtime;
use runtime_tokio::socketio::{SocketIo, SocketIoBuilder};

use crate::io::FuturesIo;

/// An executor's TCP: its listener and stream types.
pub(crate) trait Net: Send + Sync + 'static {
    /// The listening socket.
    type Listener: Send + Sync + 'static;
    /// A connection.
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Accepts the next connection.
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send;
    /// The address `listener` is bound to.
    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr>;
    /// Connects to `host:port`.
    fn connect(host: String, port: u16) -> impl Future<Output = io::Result<Self::Stream>> + Send;
    /// Turns Nagle's algorithm off: frames go out as they are written.
    fn set_nodelay(stream: &Self::Stream);
}

/// A runtime's clock: milliseconds since its creation, on the monotonic
/// `std::time::Instant` that both executors' timers take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch: std::time::Instant,
}

impl Clock {
    /// A clock starting now.
    pub(crate) fn new() -> Clock {
        Clock { epoch: std::time::Instant::now() }
    }

    /// Milliseconds since the epoch, rounded down.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// When `deadline` falls on the monotonic clock (so a timer ending then
    /// finds [`Clock::now`] at or past it).
    pub(crate) fn instant_of(&self, deadline: Instant) -> std::time::Instant {
        let since_epoch = Duration::from_millis(deadline.as_millis());
        self.epoch.checked_add(since_epoch).unwrap_or_else(|| std::time::Instant::now() + Duration::from_secs(86_400))
    }
}

/// The connections accepted on `listener`, with `TCP_NODELAY`, as
/// [`EngineServer::serve_incoming`] takes them.
pub(crate) fn incoming<N: Net>(
    listener: N::Listener,
) -> impl Stream<Item = io::Result<(FuturesIo<N::Stream>, SocketAddr)>> + Send {
    futures_util::stream::unfold(listener, |listener| async move {
        let accepted = N::accept(&listener).await.map(|(stream, peer)| {
            N::set_nodelay(&stream);
            (FuturesIo::new(stream), peer)
        });
        Some((accepted, listener))
    })
}

/// Serves `listener` for `server` in a task on `runtime`; the bound address.
fn start_serving<N: Net>(listener: N::Listener, server: EngineServer, runtime: &dyn Runtime) -> io::Result<SocketAddr> {
    let local_addr = N::local_addr(&listener)?;
    runtime.spawn(Box::pin(async move { server.serve_incoming(incoming::<N>(listener)).await }));
    Ok(local_addr)
}

/// An Engine.IO server on `runtime` serving `listener`.
pub(crate) fn bind<N: Net>(
    listener: N::Listener,
    options: EngineOptions,
    runtime: Arc<dyn Runtime>,
) -> io::Result<(SocketAddr, EngineServer, Connections)> {
    let (server, connections) = EngineServer::new(options, Arc::clone(&runtime));
    let local_addr = start_serving::<N>(listener, server.clone(), runtime.as_ref())?;
    Ok((local_addr, server, connections))
}

/// The Socket.IO server of `builder` on `runtime` serving `listener`.
pub(crate) fn bind_socketio<N: Net>(
    listener: N::Listener,
    builder: SocketIoBuilder,
    runtime: Arc<dyn Runtime>,
) -> io::Result<(SocketAddr, SocketIo)> {
    let io = builder.build(Arc::clone(&runtime));
    let local_addr = start_serving::<N>(listener, io.engine().clone(), runtime.as_ref())?;
    Ok((local_addr, io))
}

/// A client connection to `host:port`, with `TCP_NODELAY`.
pub(crate) fn connect<N: Net>(host: &str, port: u16) -> ConnectFuture {
    let host = host.to_owned();
    Box::pin(async move {
        let stream = N::connect(host, port).await?;
        N::set_nodelay(&stream);
        Ok(Box::new(FuturesIo::new(stream)) as BoxStream)
    })
}

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

/// The TCP entry points of one executor's module, with the names and shapes
/// of `runtime_tokio::tokio`: its [`Net`] (the executor's `TcpListener` and
/// `TcpStream`), `serve`, `bind`, `bind_socketio`, the client's connector
/// and `build`. Written once here so the smol and async-std modules differ
/// only in their runtime and their types.
macro_rules! tcp_entry_points {
    (
        executor: $executor:literal,
        net: $net:ident,
        runtime: $runtime:ident,
        connector: $connector:ident,
        listener: $listener:ty,
        stream: $stream:ty,
        addresses: $addresses:path $(,)?
    ) => {
        #[doc = concat!($executor, "'s TCP for the shared accept loop and connector.")]
        struct $net;

        impl $crate::net::Net for $net {
            type Listener = $listener;
            type Stream = $stream;

            async fn accept(listener: &$listener) -> std::io::Result<($stream, std::net::SocketAddr)> {
                listener.accept().await
            }

            fn local_addr(listener: &$listener) -> std::io::Result<std::net::SocketAddr> {
                listener.local_addr()
            }

            async fn connect(host: String, port: u16) -> std::io::Result<$stream> {
                <$stream>::connect((host.as_str(), port)).await
            }

            fn set_nodelay(stream: &$stream) {
                let _ = stream.set_nodelay(true);
            }
        }

        /// Accepts connections on `listener` for `server` until the
        /// application drops its `Connections`, each served in its own task.
        pub async fn serve(listener: $listener, server: runtime_tokio::engine::EngineServer) {
            server.serve_incoming($crate::net::incoming::<$net>(listener)).await;
        }

        #[doc = concat!(
                    "Binds `addr`, starts [`serve`] in a task on ", $executor, " and returns the bound address, ",
                    "the server and its `Connections`."
                )]
        pub async fn bind(
            addr: impl $addresses,
            options: runtime_tokio::engine::EngineOptions,
        ) -> std::io::Result<(
            std::net::SocketAddr,
            runtime_tokio::engine::EngineServer,
            runtime_tokio::engine::Connections,
        )> {
            let listener = <$listener>::bind(addr).await?;
            $crate::net::bind::<$net>(listener, options, std::sync::Arc::new($runtime::new()))
        }

        #[doc = concat!(
                    "Binds `addr`, builds the Socket.IO server of `builder` on ", $executor, ", starts [`serve`] ",
                    "for it, and returns the bound address and the server (register its namespaces next)."
                )]
        pub async fn bind_socketio(
            addr: impl $addresses,
            builder: runtime_tokio::socketio::SocketIoBuilder,
        ) -> std::io::Result<(std::net::SocketAddr, runtime_tokio::socketio::SocketIo)> {
            let listener = <$listener>::bind(addr).await?;
            $crate::net::bind_socketio::<$net>(listener, builder, std::sync::Arc::new($runtime::new()))
        }

        #[doc = concat!("The client's `Connector` on ", $executor, ": its `TcpStream`, with `TCP_NODELAY`.")]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $connector;

        impl runtime_tokio::client::Connector for $connector {
            fn connect(&self, host: &str, port: u16) -> runtime_tokio::client::ConnectFuture {
                $crate::net::connect::<$net>(host, port)
            }
        }

        #[doc = concat!(
                    "Starts the client of `builder` on ", $executor, " with [`", stringify!($connector), "`]; it ",
                    "starts connecting at once (the counterpart of `runtime-tokio`'s `ClientBuilder::build`)."
                )]
        pub fn build(
            builder: runtime_tokio::client::ClientBuilder,
        ) -> Result<runtime_tokio::client::Client, runtime_tokio::client::ClientError> {
            builder.build_with(std::sync::Arc::new($runtime::new()), std::sync::Arc::new($connector))
        }
    };
}

pub(crate) use tcp_entry_points;

//! [`Connector`], the seam through which the client opens TCP streams
//! (tokio-tungstenite runs over them through `crate::io_compat`).

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;

/// A byte stream to the server, with hyper's executor-neutral I/O traits.
pub trait ClientStream: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static {}

impl<T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static> ClientStream for T {}

/// A boxed [`ClientStream`].
pub type BoxStream = Box<dyn ClientStream>;

/// A future of a connected stream.
pub type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<BoxStream>> + Send + 'static>>;

/// Opens connections to the server: the client's only I/O dependency on an
/// executor (`TokioConnector` in the `tokio` module implements it with
/// `tokio::net::TcpStream`).
pub trait Connector: Send + Sync + fmt::Debug + 'static {
    /// Connects to `host:port` (a name to resolve or an address).
    fn connect(&self, host: &str, port: u16) -> ConnectFuture;
}

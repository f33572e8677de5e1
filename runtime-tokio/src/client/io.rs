//! [`Connector`], the seam through which the client opens TCP streams, and
//! [`TokioIoCompat`], which lets tokio-tungstenite run over such a stream.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

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

/// A [`ClientStream`] seen through the `tokio::io` traits (which need no
/// tokio runtime), for tokio-tungstenite.
pub(crate) struct TokioIoCompat {
    inner: BoxStream,
}

impl TokioIoCompat {
    pub(crate) fn new(inner: BoxStream) -> TokioIoCompat {
        TokioIoCompat { inner }
    }
}

impl tokio::io::AsyncRead for TokioIoCompat {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut hyper_buf = hyper::rt::ReadBuf::new(buf.initialize_unfilled());
        ready!(hyper::rt::Read::poll_read(Pin::new(&mut self.inner), cx, hyper_buf.unfilled()))?;
        let read = hyper_buf.filled().len();
        buf.advance(read);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for TokioIoCompat {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write(Pin::new(&mut self.inner), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_flush(Pin::new(&mut self.inner), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_shutdown(Pin::new(&mut self.inner), cx)
    }
}

//! [`FuturesIo`]: a `futures-io` stream (async-std's and smol's
//! `TcpStream`, or any other) seen through hyper's executor-neutral I/O
//! traits, which the driver of `runtime-tokio` serves and connects over.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// `T` (`futures_io::AsyncRead` + `AsyncWrite`) implementing
/// `hyper::rt::{Read, Write}`: give it to
/// [`EngineServer::serve_connection`](runtime_tokio::engine::EngineServer::serve_connection)
/// or return it from a client [`Connector`](runtime_tokio::client::Connector).
#[derive(Debug)]
pub struct FuturesIo<T> {
    inner: T,
}

/// The most one read takes from the stream (hyper's first read buffer).
const READ_CHUNK: usize = 8 * 1024;

impl<T> FuturesIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> FuturesIo<T> {
        FuturesIo { inner }
    }

    /// The wrapped stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for FuturesIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // futures-io reads into initialized memory and hyper's cursor is not:
        // read into a chunk on the stack, then copy what was read (no
        // `unsafe`, and no buffer kept per connection).
        let mut chunk = [0u8; READ_CHUNK];
        let room = buf.remaining().min(READ_CHUNK);
        let chunk = chunk.get_mut(..room).unwrap_or_default();
        let read = ready!(Pin::new(&mut self.inner).poll_read(cx, chunk))?;
        buf.put_slice(chunk.get(..read).unwrap_or_default());
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for FuturesIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
}

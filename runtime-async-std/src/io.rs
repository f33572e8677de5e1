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
    scratch: Box<[u8]>,
}

/// The most one read takes from the stream (hyper's first read buffer).
const SCRATCH_SIZE: usize = 16 * 1024;

impl<T> FuturesIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> FuturesIo<T> {
        FuturesIo { inner, scratch: vec![0; SCRATCH_SIZE].into_boxed_slice() }
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
        // read into the scratch buffer, then copy what was read (no `unsafe`).
        let this = &mut *self;
        let room = buf.remaining().min(this.scratch.len());
        let scratch = this.scratch.get_mut(..room).unwrap_or_default();
        let read = ready!(Pin::new(&mut this.inner).poll_read(cx, scratch))?;
        buf.put_slice(scratch.get(..read).unwrap_or_default());
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

//! [`HyperIoCompat`]: a stream with hyper's executor-neutral I/O traits seen
//! through the `tokio::io` traits (which need no tokio runtime), so
//! tokio-tungstenite can run over it on any executor: an upgraded server
//! connection, or a client stream from a `Connector`.
//!
//! hyper-util's `TokioIo` does the same, but it lives behind hyper-util's
//! `tokio` feature (which compiles tokio's runtime); this adapter keeps the
//! generic driver free of it, and does it without `unsafe`: reads go into the
//! initialized part of tokio's buffer.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// `T` (hyper's `Read` + `Write`) implementing `tokio::io::{AsyncRead, AsyncWrite}`.
#[derive(Debug)]
pub(crate) struct HyperIoCompat<T> {
    inner: T,
}

impl<T> HyperIoCompat<T> {
    pub(crate) fn new(inner: T) -> HyperIoCompat<T> {
        HyperIoCompat { inner }
    }
}

impl<T: hyper::rt::Read + Unpin> tokio::io::AsyncRead for HyperIoCompat<T> {
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

impl<T: hyper::rt::Write + Unpin> tokio::io::AsyncWrite for HyperIoCompat<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write(Pin::new(&mut self.inner), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_flush(Pin::new(&mut self.inner), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_shutdown(Pin::new(&mut self.inner), cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write_vectored(Pin::new(&mut self.inner), cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        hyper::rt::Write::is_write_vectored(&self.inner)
    }
}

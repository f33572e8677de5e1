//! [`EngineServer::serve_incoming`]: the accept loop, written once for every
//! executor. An executor's module (`crate::tokio` here, the async-std and smol
//! modules of `runtime-async-std`) turns its TCP listener into a stream of
//! accepted connections; this loop serves each one in a task on the server's
//! [`Runtime`](crate::runtime::Runtime).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use engineio_proto::Instant;
use futures_util::future::{select, Either};
use futures_util::{Stream, StreamExt};

use super::EngineServer;

/// How long the loop pauses after an accept error (out of file descriptors, …).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

impl EngineServer {
    /// Serves every connection of `incoming` (accepted streams with hyper's
    /// I/O traits and their peer addresses), each in its own task on the
    /// server's runtime, until `incoming` ends or the application drops its
    /// [`Connections`](super::Connections). An accept error pauses the loop
    /// briefly; a connection's own error concerns that client alone.
    pub async fn serve_incoming<S, I>(&self, incoming: S)
    where
        S: Stream<Item = io::Result<(I, SocketAddr)>>,
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let runtime = Arc::clone(&self.shared.runtime);
        let mut incoming = std::pin::pin!(incoming);
        loop {
            let accepted = match select(incoming.next(), std::pin::pin!(self.closed())).await {
                Either::Left((Some(accepted), _)) => accepted,
                Either::Left((None, _)) | Either::Right(_) => return,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let server = self.clone();
                    runtime.spawn(Box::pin(async move {
                        let _ = server.serve_connection_from(stream, Some(peer)).await;
                    }));
                }
                Err(_) => {
                    let pause = u64::try_from(ACCEPT_ERROR_PAUSE.as_millis()).unwrap_or(u64::MAX);
                    let resume = Instant::from_millis(runtime.now().as_millis().saturating_add(pause));
                    runtime.sleep_until(resume).await;
                }
            }
        }
    }
}

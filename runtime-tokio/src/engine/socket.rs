//! [`EngineSocket`]: the application's end of one Engine.IO session, and
//! [`Connections`], the stream of new ones.

use std::pin::Pin;
use std::task::{Context, Poll};

use engineio_proto::server::{CloseReason, Event, SendError};
use engineio_proto::{Message, Sid};
use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};

use crate::queue;

use super::session_task::Command;

/// One Engine.IO session, as the application sees it: its id, a way to send
/// and close, and its [`Event`]s (messages, the upgrade, the close).
///
/// Dropping the socket closes the session ([`CloseReason::ForcedClose`]):
/// keep it as long as the connection should live.
#[derive(Debug)]
pub struct EngineSocket {
    sid: Sid,
    commands: queue::UnboundedSender<Command>,
    events: queue::UnboundedReceiver<Event>,
}

impl EngineSocket {
    pub(crate) fn new(
        sid: Sid,
        commands: queue::UnboundedSender<Command>,
        events: queue::UnboundedReceiver<Event>,
    ) -> EngineSocket {
        EngineSocket { sid, commands, events }
    }

    /// The session id (the `sid` of the handshake).
    pub fn id(&self) -> &Sid {
        &self.sid
    }

    /// Sends `message` to the client: at once on WebSocket, with the next
    /// GET on polling. Fails with [`SendError::BufferFull`] when the send
    /// buffer is full (`max_buffered_packets` messages, or this one would
    /// take it past `max_buffered_bytes`), and with [`SendError::Closed`]
    /// once the session is closing or gone. A client whose WebSocket pongs
    /// or heartbeats no longer fit is closed ("send buffer full").
    pub async fn send(&self, message: impl Into<Message>) -> Result<(), SendError> {
        let message = message.into();
        let (responder, verdict) = oneshot::channel();
        let command = Command::Send { message: message.clone(), responder };
        if self.commands.send(command).is_err() {
            return Err(SendError::Closed(message));
        }
        verdict.await.unwrap_or(Err(SendError::Closed(message)))
    }

    /// Closes the session from the server side (orderly: on polling, what is
    /// queued still reaches the client with the close packet). The last
    /// event is then [`Event::Closed`] with [`CloseReason::ForcedClose`].
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close(CloseReason::ForcedClose));
    }

    /// The next event; `None` after [`Event::Closed`] has been received.
    pub async fn recv(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Polls for the next event, as [`EngineSocket::recv`].
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for EngineSocket {
    fn drop(&mut self) {
        self.close();
    }
}

/// The sessions the server opens, in handshake order; see
/// [`EngineServer::new`](super::EngineServer::new).
///
/// Handshakes wait while the application does not take their sockets (the
/// channel holds a few), and dropping `Connections` makes new sockets close
/// at once; the tokio accept loop also stops then.
#[derive(Debug)]
pub struct Connections {
    receiver: mpsc::Receiver<EngineSocket>,
}

impl Connections {
    pub(crate) fn new(receiver: mpsc::Receiver<EngineSocket>) -> Connections {
        Connections { receiver }
    }

    /// The next new session; `None` once the server is gone.
    pub async fn accept(&mut self) -> Option<EngineSocket> {
        self.receiver.recv().await
    }

    /// Polls for the next new session, as [`Connections::accept`].
    pub fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Option<EngineSocket>> {
        self.receiver.poll_recv(cx)
    }
}

impl Stream for Connections {
    type Item = EngineSocket;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EngineSocket>> {
        self.poll_accept(cx)
    }
}

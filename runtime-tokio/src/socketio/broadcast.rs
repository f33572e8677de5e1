//! Broadcasts ([`BroadcastOperator`], the reference `BroadcastOperator`) and
//! the handles on selected sockets they fetch ([`RemoteSocket`]).

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use crate::queue;
use engineio_proto::Sid;
use serde::Serialize;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::broadcast_ack::AckOutcome;
use socketio_proto::rooms::Room;
use socketio_proto::Args;

use super::data::SharedData;
use super::error::{BroadcastAckError, EmitError};
use super::machine::Command;
use super::namespace::NamespaceShared;
use crate::engine::Command as SessionCommand;

/// A broadcast being aimed: rooms to reach and rooms to skip, and its flags
/// (the reference `BroadcastOperator`). The packet is encoded once and
/// queued on every target connection in the same order as other
/// broadcasts.
#[derive(Debug, Clone)]
pub struct BroadcastOperator {
    shared: Arc<NamespaceShared>,
    options: BroadcastOptions,
}

impl BroadcastOperator {
    pub(crate) fn new(shared: Arc<NamespaceShared>, options: BroadcastOptions) -> BroadcastOperator {
        BroadcastOperator { shared, options }
    }

    /// Also reaches the sockets in `room` (with no room: everyone).
    pub fn to(mut self, room: &str) -> BroadcastOperator {
        self.options = self.options.to(room);
        self
    }

    /// Skips the sockets in `room`.
    pub fn except(mut self, room: &str) -> BroadcastOperator {
        self.options = self.options.except(room);
        self
    }

    /// Drops the packet for each connection that cannot write it at once
    /// (a polling client with no GET waiting, an upgrade in progress); a
    /// volatile packet is never kept for connection state recovery.
    pub fn volatile(mut self) -> BroadcastOperator {
        self.options = self.options.volatile();
        self
    }

    /// Only the sockets of this server: every socket, as this server is one
    /// node (kept for parity with the reference API).
    pub fn local(mut self) -> BroadcastOperator {
        self.options = self.options.local();
        self
    }

    /// Whether the packet may be compressed (the reference `compress`,
    /// default true): a polling answer made only of packets with `false` is
    /// sent without HTTP compression (see
    /// [`SocketIoBuilder::http_compression_threshold`](super::SocketIoBuilder::http_compression_threshold)).
    /// WebSocket frames are never compressed (no per-message deflate; the
    /// reference leaves it off by default too).
    pub fn compress(mut self, compress: bool) -> BroadcastOperator {
        self.options = self.options.compress(compress);
        self
    }

    /// How long [`BroadcastOperator::emit_with_ack`] waits for the answers.
    pub fn timeout(mut self, timeout: Duration) -> BroadcastOperator {
        self.options = self.options.timeout(timeout);
        self
    }

    /// Emits `event` with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.emit_args(event, args);
        Ok(())
    }

    /// Emits `event` with `args` as they are (several arguments, attachments).
    pub fn emit_args(&self, event: &str, args: Args) {
        self.shared.broadcast(event, args, &self.options);
    }

    /// Emits `event` with one argument, asking every target for an ack, and
    /// waits for all the answers (socket id and arguments, in arrival
    /// order) or for the [`BroadcastOperator::timeout`]: then
    /// [`BroadcastAckError::Timeout`] has the answers received and the
    /// sockets that did not answer (the reference `(err, responses)`).
    /// Without a timeout, as in the reference, the wait ends at once.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        value: &T,
    ) -> Result<Vec<(Sid, Args)>, BroadcastAckError> {
        let args = Args::from_tuple(&(value,)).map_err(BroadcastAckError::Serialize)?;
        self.emit_args_with_ack(event, args).await
    }

    /// [`BroadcastOperator::emit_with_ack`] with `args` as they are.
    pub async fn emit_args_with_ack(&self, event: &str, args: Args) -> Result<Vec<(Sid, Args)>, BroadcastAckError> {
        let timeout = self.options.flags.timeout.unwrap_or(Duration::ZERO);
        let outcome = self.shared.broadcast_with_ack(event, args, &self.options, timeout);
        match outcome.await {
            Ok(AckOutcome::Complete(responses)) => Ok(responses),
            Ok(AckOutcome::TimedOut { responses, missing }) => Err(BroadcastAckError::Timeout { responses, missing }),
            // The namespace went away with the broadcast pending.
            Err(_) => Err(BroadcastAckError::Timeout { responses: Vec::new(), missing: Vec::new() }),
        }
    }

    /// Handles on the selected sockets (the reference `fetchSockets`).
    pub fn fetch_sockets(&self) -> Vec<RemoteSocket> {
        self.shared.fetch_sockets(&self.options)
    }

    /// Makes the selected sockets join `room` (the reference `socketsJoin`).
    pub fn sockets_join(&self, room: &str) {
        self.shared.lock().rooms.sockets_join(&self.options, &[Room::from(room)]);
    }

    /// Makes the selected sockets leave `room` (the reference `socketsLeave`).
    pub fn sockets_leave(&self, room: &str) {
        self.shared.lock().rooms.sockets_leave(&self.options, &[Room::from(room)]);
    }

    /// Disconnects the selected sockets; with `close`, their whole
    /// connections (every namespace) as well (the reference `disconnectSockets`).
    pub fn disconnect_sockets(&self, close: bool) {
        self.shared.disconnect_sockets(&self.options, close);
    }
}

/// A socket as [`BroadcastOperator::fetch_sockets`] saw it: its id, rooms
/// and data at that moment, and a way to reach it.
#[derive(Debug, Clone)]
pub struct RemoteSocket {
    pub(crate) id: Sid,
    pub(crate) rooms: Vec<String>,
    pub(crate) data: SharedData,
    pub(crate) commands: queue::UnboundedSender<SessionCommand>,
    pub(crate) namespace: Arc<NamespaceShared>,
}

impl RemoteSocket {
    /// The socket id.
    pub fn id(&self) -> &Sid {
        &self.id
    }

    /// The rooms the socket was in when fetched (its own room first).
    pub fn rooms(&self) -> &[String] {
        &self.rooms
    }

    /// A copy of the socket's value of type `T` (see [`Socket::set_data`](super::Socket::set_data)).
    pub fn data<T: Any + Send + Sync + Clone>(&self) -> Option<T> {
        self.data.get()
    }

    /// Emits `event` with one argument to the socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.namespace.emit_to(&self.id, &self.commands, event, args, true)
    }

    /// Makes the socket join `room`.
    pub fn join(&self, room: &str) {
        self.namespace.lock().rooms.join(&self.id, &room.into());
    }

    /// Makes the socket leave `room`.
    pub fn leave(&self, room: &str) {
        self.namespace.lock().rooms.leave(&self.id, &room.into());
    }

    /// Disconnects the socket (DISCONNECT to the client).
    pub fn disconnect(&self) {
        let command = Command::Disconnect { namespace: self.namespace.name.clone() };
        let _ = self.commands.send(SessionCommand::SocketIo(command));
    }
}

//! [`Socket`]: one client on one namespace, as the application sees it —
//! its event handlers, emits, acks, rooms, handshake, data and
//! disconnection.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use engineio_proto::{Sid, Str};
use serde::de::{DeserializeOwned, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::server::DisconnectReason;
use socketio_proto::{Args, Event};
use tokio::sync::oneshot;

use crate::queue;

use super::broadcast::BroadcastOperator;
use super::data::SharedData;
use super::error::{AckError, EmitError};
use super::machine::Command;
use super::namespace::{Handshake, NamespaceRef, NamespaceShared};
use crate::engine::Command as SessionCommand;
use crate::runtime::BoxFuture;

/// Event arguments a handler can take: [`Args`] as they came (every
/// argument, binary attachments included), or [`Data<T>`], the first argument
/// deserialized.
pub trait FromArgs: Sized + Send + 'static {
    /// Reads the handler's value from the event's arguments.
    fn from_args(args: Args) -> Result<Self, serde_json::Error>;
}

impl FromArgs for Args {
    fn from_args(args: Args) -> Result<Args, serde_json::Error> {
        Ok(args)
    }
}

/// The first argument of an event, deserialized into `T` (binary values as
/// [`socketio_proto::Binary`]); further arguments are ignored. An event whose
/// first argument does not fit `T` is not given to the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data<T>(pub T);

/// Reads the first element of a sequence and skips the rest.
struct First<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<First<T>, D::Error> {
        struct FirstVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for FirstVisitor<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("at least one argument")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First<T>, A::Error> {
                let first = seq.next_element()?.ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        deserializer.deserialize_seq(FirstVisitor(std::marker::PhantomData))
    }
}

impl<T: DeserializeOwned + Send + 'static> FromArgs for Data<T> {
    fn from_args(args: Args) -> Result<Data<T>, serde_json::Error> {
        args.deserialize::<First<T>>().map(|First(value)| Data(value))
    }
}

/// An event handler, type-erased.
type EventHandler = Arc<dyn Fn(Socket, Args, Option<AckSender>) -> BoxFuture + Send + Sync>;

/// A handler of every incoming event, type-erased.
type AnyHandler = Arc<dyn Fn(Socket, String, Args) -> BoxFuture + Send + Sync>;

/// A listener of every outgoing event.
type OutgoingListener = Arc<dyn Fn(&Socket, &str, &Args) + Send + Sync>;

/// A disconnect (or disconnecting) handler, type-erased.
type DisconnectHandler = Arc<dyn Fn(Socket, DisconnectReason) -> BoxFuture + Send + Sync>;

/// What a socket is made of, besides its handlers.
pub(crate) struct SocketParts {
    pub(crate) id: Sid,
    pub(crate) namespace: Arc<NamespaceShared>,
    pub(crate) commands: queue::UnboundedSender<SessionCommand>,
    pub(crate) handshake: Arc<Handshake>,
    pub(crate) data: SharedData,
    pub(crate) recovered: bool,
}

struct SocketInner {
    parts: SocketParts,
    handlers: Mutex<HashMap<String, EventHandler>>,
    on_any: Mutex<Option<AnyHandler>>,
    on_any_outgoing: Mutex<Option<OutgoingListener>>,
    on_disconnecting: Mutex<Option<DisconnectHandler>>,
    on_disconnect: Mutex<Option<DisconnectHandler>>,
    /// The rooms the socket was in when it started leaving.
    rooms_when_leaving: Mutex<Option<Vec<String>>>,
}

/// One client connected on one namespace. Cheap to clone.
///
/// The handlers of a socket run one after the other, in the order the
/// events arrived (an event waits for the previous handler to finish), and
/// emits from them reach the client in the order they are made.
#[derive(Clone)]
pub struct Socket {
    inner: Arc<SocketInner>,
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.inner.parts.id)
            .field("namespace", &self.inner.parts.namespace.name)
            .finish()
    }
}

impl Socket {
    pub(crate) fn new(parts: SocketParts) -> Socket {
        Socket {
            inner: Arc::new(SocketInner {
                parts,
                handlers: Mutex::new(HashMap::new()),
                on_any: Mutex::new(None),
                on_any_outgoing: Mutex::new(None),
                on_disconnecting: Mutex::new(None),
                on_disconnect: Mutex::new(None),
                rooms_when_leaving: Mutex::new(None),
            }),
        }
    }

    /// The socket id (the `sid` of the CONNECT reply; also its own room).
    pub fn id(&self) -> &Sid {
        &self.inner.parts.id
    }

    /// Whether the socket got its previous session back (connection state
    /// recovery: same id, rooms and data, missed packets delivered).
    pub fn recovered(&self) -> bool {
        self.inner.parts.recovered
    }

    /// The CONNECT that made the socket: auth, handshake headers and query.
    pub fn handshake(&self) -> &Handshake {
        &self.inner.parts.handshake
    }

    /// The rooms the socket is in, its own room first; once it is leaving
    /// (in [`Socket::on_disconnecting`] and [`Socket::on_disconnect`]),
    /// the rooms it was in.
    pub fn rooms(&self) -> Vec<String> {
        if let Some(rooms) = self.inner.rooms_when_leaving.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            return rooms.clone();
        }
        let state = self.inner.parts.namespace.lock();
        state.rooms.disconnecting(&self.inner.parts.id).iter().map(|room| room.as_str().to_owned()).collect()
    }

    /// Attaches `value` to the socket (one value per type; the reference
    /// `socket.data`), replacing the previous value of its type. Kept with
    /// the session for connection state recovery, and seen by
    /// [`BroadcastOperator::fetch_sockets`].
    pub fn set_data<T: Any + Send + Sync>(&self, value: T) {
        self.inner.parts.data.set(value);
    }

    /// A copy of the socket's value of type `T`, if any.
    pub fn data<T: Any + Send + Sync + Clone>(&self) -> Option<T> {
        self.inner.parts.data.get()
    }

    /// Takes the socket's value of type `T` away.
    pub fn remove_data<T: Any + Send + Sync>(&self) -> Option<T> {
        self.inner.parts.data.remove()
    }

    /// The namespace's name.
    pub fn namespace(&self) -> &str {
        self.inner.parts.namespace.name.as_str()
    }

    /// The socket's namespace (the reference `socket.nsp`): broadcasts that
    /// include this socket, `socket.ns().to(room).emit(…)`.
    pub fn ns(&self) -> NamespaceRef {
        NamespaceRef { shared: Arc::clone(&self.inner.parts.namespace) }
    }

    /// Handles `event`: `handler` gets the socket, the arguments (see
    /// [`FromArgs`]) and, when the client asked for one, an [`AckSender`].
    /// A later `on` for the same event replaces the handler.
    pub fn on<T, F, Fut>(&self, event: &str, handler: F)
    where
        T: FromArgs,
        F: Fn(Socket, T, Option<AckSender>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let erased: EventHandler = Arc::new(move |socket, args, ack| match T::from_args(args) {
            Ok(value) => Box::pin(handler(socket, value, ack)),
            Err(_) => Box::pin(async {}),
        });
        self.inner.handlers.lock().unwrap_or_else(PoisonError::into_inner).insert(event.to_owned(), erased);
    }

    /// Handles every incoming event (the reference `onAny`), before the
    /// event's own handler: `handler` gets the socket, the event name and
    /// its arguments. A later `on_any` replaces it.
    pub fn on_any<F, Fut>(&self, handler: F)
    where
        F: Fn(Socket, String, Args) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let erased: AnyHandler = Arc::new(move |socket, name, args| Box::pin(handler(socket, name, args)));
        *self.inner.on_any.lock().unwrap_or_else(PoisonError::into_inner) = Some(erased);
    }

    /// Sees every event this socket emits to its client (the reference
    /// `onAnyOutgoing`), as it is emitted: name and arguments. Broadcasts
    /// are not seen. A later `on_any_outgoing` replaces it.
    pub fn on_any_outgoing<F>(&self, listener: F)
    where
        F: Fn(&Socket, &str, &Args) + Send + Sync + 'static,
    {
        *self.inner.on_any_outgoing.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(listener));
    }

    /// Handles the start of the socket's disconnection (the reference
    /// "disconnecting"): [`Socket::rooms`] still lists its rooms.
    pub fn on_disconnecting<F, Fut>(&self, handler: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let erased: DisconnectHandler = Arc::new(move |socket, reason| Box::pin(handler(socket, reason)));
        *self.inner.on_disconnecting.lock().unwrap_or_else(PoisonError::into_inner) = Some(erased);
    }

    /// Handles the socket's disconnection, with its reason.
    pub fn on_disconnect<F, Fut>(&self, handler: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let erased: DisconnectHandler = Arc::new(move |socket, reason| Box::pin(handler(socket, reason)));
        *self.inner.on_disconnect.lock().unwrap_or_else(PoisonError::into_inner) = Some(erased);
    }

    /// Emits `event` with one argument to this client. The packet waits in
    /// the connection's send buffer until written; a client that leaves
    /// `max_buffered_packets` (or `max_buffered_bytes`) unread is disconnected with
    /// [`DisconnectReason::SendBufferFull`] (see
    /// [`SocketIoBuilder::max_buffered_packets`](super::SocketIoBuilder::max_buffered_packets)).
    /// The error only tells a value that does not serialize or a closed
    /// connection.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.emit_args(event, args)
    }

    /// Emits `event` with `args` as they are to this client.
    pub fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError> {
        self.emit_args_compressed(event, args, true)
    }

    fn emit_args_compressed(&self, event: &str, args: Args, compress: bool) -> Result<(), EmitError> {
        self.notify_outgoing(event, &args);
        let parts = &self.inner.parts;
        parts.namespace.emit_to(&parts.id, &parts.commands, event, args, compress)
    }

    fn notify_outgoing(&self, event: &str, args: &Args) {
        let listener = self.inner.on_any_outgoing.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(listener) = listener {
            listener(self, event, args);
        }
    }

    /// An emit to this client only if its transport can write it at once
    /// (the reference `socket.volatile.emit`): dropped otherwise, and never
    /// kept for connection state recovery.
    pub fn volatile(&self) -> SocketOperator {
        self.operator().volatile()
    }

    /// An emit with ack to this client that waits at most `timeout` (the
    /// reference `socket.timeout(ms).emit(…, callback)`).
    pub fn timeout(&self, timeout: Duration) -> SocketOperator {
        self.operator().timeout(timeout)
    }

    /// An emit to this client with the reference `compress` flag (see
    /// [`BroadcastOperator::compress`]).
    pub fn compress(&self, compress: bool) -> SocketOperator {
        self.operator().compress(compress)
    }

    fn operator(&self) -> SocketOperator {
        SocketOperator { socket: self.clone(), volatile: false, timeout: None, compress: true }
    }

    /// Emits `event` with one argument and waits for the client's answer
    /// (its arguments), at most `timeout`.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        value: &T,
        timeout: Duration,
    ) -> Result<Args, AckError> {
        let args = Args::from_tuple(&(value,)).map_err(|error| AckError::Send(EmitError::Serialize(error)))?;
        self.emit_args_with_ack(event, args, timeout).await
    }

    /// Emits `event` with `args` as they are and waits for the answer, at most `timeout`.
    pub async fn emit_args_with_ack(&self, event: &str, args: Args, timeout: Duration) -> Result<Args, AckError> {
        self.emit_args_with_optional_timeout(event, args, Some(timeout), true).await
    }

    /// Emits with an ack that waits at most `timeout`, or until answered or disconnected.
    async fn emit_args_with_optional_timeout(
        &self,
        event: &str,
        args: Args,
        timeout: Option<Duration>,
        compress: bool,
    ) -> Result<Args, AckError> {
        self.notify_outgoing(event, &args);
        let namespace = self.inner.parts.namespace.name.clone();
        let (ack_id, encoded) = self.inner.parts.namespace.lock().rooms.socket_emit_with_ack(event.to_owned(), args);
        let encoded = encoded.with_compress(compress);
        let (responder, answer) = oneshot::channel();
        let command = Command::EmitWithAck { namespace, encoded, ack_id, timeout, responder };
        self.command(command).map_err(AckError::Send)?;
        answer.await.unwrap_or(Err(AckError::Disconnected))
    }

    /// Joins `room`.
    pub fn join(&self, room: &str) {
        self.inner.parts.namespace.lock().rooms.join(&self.inner.parts.id, &room.into());
    }

    /// Leaves `room`.
    pub fn leave(&self, room: &str) {
        self.inner.parts.namespace.lock().rooms.leave(&self.inner.parts.id, &room.into());
    }

    /// A broadcast to the sockets in `room`, this one excepted (the reference `socket.to`).
    pub fn to(&self, room: &str) -> BroadcastOperator {
        let options = BroadcastOptions::everyone().except_sender(&self.inner.parts.id);
        BroadcastOperator::new(Arc::clone(&self.inner.parts.namespace), options).to(room)
    }

    /// A broadcast to every socket of the namespace but this one (the reference `socket.broadcast`).
    pub fn broadcast(&self) -> BroadcastOperator {
        let options = BroadcastOptions::everyone().except_sender(&self.inner.parts.id);
        BroadcastOperator::new(Arc::clone(&self.inner.parts.namespace), options)
    }

    /// Disconnects the socket (DISCONNECT to the client; the connection stays open).
    pub fn disconnect(&self) {
        let _ = self.command(Command::Disconnect { namespace: self.inner.parts.namespace.name.clone() });
    }

    fn command(&self, command: Command) -> Result<(), EmitError> {
        self.inner.parts.commands.send(SessionCommand::SocketIo(command)).map_err(|_| EmitError::Closed)
    }

    /// Runs the handler of `event`, if any, to completion.
    pub(crate) async fn dispatch(&self, event: Event) {
        let any = self.inner.on_any.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(any) = any {
            any(self.clone(), event.name.as_str().to_owned(), event.arguments.clone()).await;
        }
        let handler =
            self.inner.handlers.lock().unwrap_or_else(PoisonError::into_inner).get(event.name.as_str()).cloned();
        let Some(handler) = handler else {
            return;
        };
        let ack = event.ack_id.map(|ack_id| AckSender {
            namespace: self.inner.parts.namespace.name.clone(),
            ack_id,
            commands: self.inner.parts.commands.clone(),
        });
        handler(self.clone(), event.arguments, ack).await;
    }

    /// Keeps the rooms the socket is leaving and runs the disconnecting handler, if any.
    pub(crate) async fn disconnecting(&self, reason: DisconnectReason, rooms: Vec<String>) {
        *self.inner.rooms_when_leaving.lock().unwrap_or_else(PoisonError::into_inner) = Some(rooms);
        let handler = self.inner.on_disconnecting.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(handler) = handler {
            handler(self.clone(), reason).await;
        }
    }

    /// Runs the disconnect handler, if any, then forgets every handler.
    pub(crate) async fn disconnected(&self, reason: DisconnectReason) {
        let handler = self.inner.on_disconnect.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.inner.handlers.lock().unwrap_or_else(PoisonError::into_inner).clear();
        self.inner.on_any.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.inner.on_any_outgoing.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(handler) = handler {
            handler(self.clone(), reason).await;
        }
    }
}

/// An emit to one socket with flags (the reference `socket.volatile`,
/// `socket.timeout(ms)`, `socket.compress(bool)`), made by [`Socket::volatile`],
/// [`Socket::timeout`] and [`Socket::compress`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SocketOperator {
    socket: Socket,
    volatile: bool,
    timeout: Option<Duration>,
    compress: bool,
}

impl SocketOperator {
    /// Drops the packet when the transport cannot write it at once (see [`Socket::volatile`]).
    pub fn volatile(mut self) -> SocketOperator {
        self.volatile = true;
        self
    }

    /// How long [`SocketOperator::emit_with_ack`] waits for the answer.
    pub fn timeout(mut self, timeout: Duration) -> SocketOperator {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the reference `compress` flag (see [`BroadcastOperator::compress`]).
    pub fn compress(mut self, compress: bool) -> SocketOperator {
        self.compress = compress;
        self
    }

    /// Emits `event` with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.emit_args(event, args)
    }

    /// Emits `event` with `args` as they are.
    pub fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError> {
        if !self.volatile {
            return self.socket.emit_args_compressed(event, args, self.compress);
        }
        self.socket.notify_outgoing(event, &args);
        let parts = &self.socket.inner.parts;
        let options = BroadcastOptions::everyone().to(&parts.id).volatile().compress(self.compress);
        let now = parts.namespace.runtime.now();
        // Encoded (and not recorded, being volatile) by the namespace, under its lock.
        let encoded = parts.namespace.lock().rooms.broadcast(now, event.to_owned(), args, &options).encoded;
        self.socket.command(Command::EmitVolatile { namespace: parts.namespace.name.clone(), encoded })
    }

    /// Emits `event` with one argument and waits for the client's answer:
    /// at most the [`SocketOperator::timeout`] ([`AckError::Timeout`]), or
    /// without one until the answer comes or the socket disconnects. An
    /// emit with ack is never volatile: it is sent even when the operator is.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<Args, AckError> {
        let args = Args::from_tuple(&(value,)).map_err(|error| AckError::Send(EmitError::Serialize(error)))?;
        self.emit_args_with_ack(event, args).await
    }

    /// [`SocketOperator::emit_with_ack`] with `args` as they are.
    pub async fn emit_args_with_ack(&self, event: &str, args: Args) -> Result<Args, AckError> {
        self.socket.emit_args_with_optional_timeout(event, args, self.timeout, self.compress).await
    }
}

/// The answer to a client's event with ack: send it once.
#[derive(Debug)]
pub struct AckSender {
    namespace: Str,
    ack_id: u64,
    commands: queue::UnboundedSender<SessionCommand>,
}

impl AckSender {
    /// Answers with one argument.
    pub fn send<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.send_args(args)
    }

    /// Answers with `args` as they are (several arguments, attachments).
    pub fn send_args(self, args: Args) -> Result<(), EmitError> {
        let command = Command::Ack { namespace: self.namespace, ack_id: self.ack_id, args };
        self.commands.send(SessionCommand::SocketIo(command)).map_err(|_| EmitError::Closed)
    }
}

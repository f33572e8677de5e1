//! [`Socket`]: one client on one namespace, as the application sees it —
//! its event handlers, emits, acks, rooms and disconnection.

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
use socketio_proto::{Args, Event, Packet};
use tokio::sync::{mpsc, oneshot};

use super::error::{AckError, EmitError};
use super::machine::Command;
use super::namespace::{BroadcastOperator, NamespaceRef, NamespaceShared};
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

/// A disconnect handler, type-erased.
type DisconnectHandler = Arc<dyn Fn(Socket, DisconnectReason) -> BoxFuture + Send + Sync>;

struct SocketInner {
    id: Sid,
    namespace: Arc<NamespaceShared>,
    commands: mpsc::UnboundedSender<SessionCommand>,
    handlers: Mutex<HashMap<String, EventHandler>>,
    on_disconnect: Mutex<Option<DisconnectHandler>>,
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
        f.debug_struct("Socket").field("id", &self.inner.id).field("namespace", &self.inner.namespace.name).finish()
    }
}

impl Socket {
    pub(crate) fn new(
        id: Sid,
        namespace: Arc<NamespaceShared>,
        commands: mpsc::UnboundedSender<SessionCommand>,
    ) -> Socket {
        Socket {
            inner: Arc::new(SocketInner {
                id,
                namespace,
                commands,
                handlers: Mutex::new(HashMap::new()),
                on_disconnect: Mutex::new(None),
            }),
        }
    }

    /// The socket id (the `sid` of the CONNECT reply; also its own room).
    pub fn id(&self) -> &Sid {
        &self.inner.id
    }

    /// The namespace's name.
    pub fn namespace(&self) -> &str {
        self.inner.namespace.name.as_str()
    }

    /// The socket's namespace (the reference `socket.nsp`): broadcasts that
    /// include this socket, `socket.ns().to(room).emit(…)`.
    pub fn ns(&self) -> NamespaceRef {
        NamespaceRef { shared: Arc::clone(&self.inner.namespace) }
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

    /// Handles the socket's disconnection, with its reason.
    pub fn on_disconnect<F, Fut>(&self, handler: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let erased: DisconnectHandler = Arc::new(move |socket, reason| Box::pin(handler(socket, reason)));
        *self.inner.on_disconnect.lock().unwrap_or_else(PoisonError::into_inner) = Some(erased);
    }

    /// Emits `event` with one argument to this client. Like the reference,
    /// the packet is dropped when the socket is gone or a polling client
    /// leaves `max_buffered_packets` unread; the error only tells a value
    /// that does not serialize or a closed connection.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.emit_args(event, args)
    }

    /// Emits `event` with `args` as they are to this client.
    pub fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError> {
        let namespace = self.inner.namespace.name.clone();
        let encoded = Packet::event(namespace.clone(), event.to_owned(), args, None).encode();
        self.command(Command::Emit { namespace, encoded })
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
        let namespace = self.inner.namespace.name.clone();
        let (ack_id, encoded) = self.inner.namespace.lock().rooms.socket_emit_with_ack(event.to_owned(), args);
        let (responder, answer) = oneshot::channel();
        let command = Command::EmitWithAck { namespace, encoded, ack_id, timeout, responder };
        self.command(command).map_err(AckError::Send)?;
        answer.await.unwrap_or(Err(AckError::Disconnected))
    }

    /// Joins `room`.
    pub fn join(&self, room: &str) {
        self.inner.namespace.lock().rooms.join(&self.inner.id, &room.into());
    }

    /// Leaves `room`.
    pub fn leave(&self, room: &str) {
        self.inner.namespace.lock().rooms.leave(&self.inner.id, &room.into());
    }

    /// A broadcast to the sockets in `room`, this one excepted (the reference `socket.to`).
    pub fn to(&self, room: &str) -> BroadcastOperator {
        let options = BroadcastOptions::everyone().except_sender(&self.inner.id);
        BroadcastOperator::new(Arc::clone(&self.inner.namespace), options).to(room)
    }

    /// A broadcast to every socket of the namespace but this one (the reference `socket.broadcast`).
    pub fn broadcast(&self) -> BroadcastOperator {
        let options = BroadcastOptions::everyone().except_sender(&self.inner.id);
        BroadcastOperator::new(Arc::clone(&self.inner.namespace), options)
    }

    /// Disconnects the socket (DISCONNECT to the client; the connection stays open).
    pub fn disconnect(&self) {
        let _ = self.command(Command::Disconnect { namespace: self.inner.namespace.name.clone() });
    }

    fn command(&self, command: Command) -> Result<(), EmitError> {
        self.inner.commands.send(SessionCommand::SocketIo(command)).map_err(|_| EmitError::Closed)
    }

    /// Runs the handler of `event`, if any, to completion.
    pub(crate) async fn dispatch(&self, event: Event) {
        let handler =
            self.inner.handlers.lock().unwrap_or_else(PoisonError::into_inner).get(event.name.as_str()).cloned();
        let Some(handler) = handler else {
            return;
        };
        let ack = event.ack_id.map(|ack_id| AckSender {
            namespace: self.inner.namespace.name.clone(),
            ack_id,
            commands: self.inner.commands.clone(),
        });
        handler(self.clone(), event.arguments, ack).await;
    }

    /// Runs the disconnect handler, if any, then forgets every handler.
    pub(crate) async fn disconnected(&self, reason: DisconnectReason) {
        let handler = self.inner.on_disconnect.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.inner.handlers.lock().unwrap_or_else(PoisonError::into_inner).clear();
        if let Some(handler) = handler {
            handler(self.clone(), reason).await;
        }
    }
}

/// The answer to a client's event with ack: send it once.
#[derive(Debug)]
pub struct AckSender {
    namespace: Str,
    ack_id: u64,
    commands: mpsc::UnboundedSender<SessionCommand>,
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

//! Dynamic namespaces (the reference `io.of(regex | fn)`, its
//! `ParentNamespace`): a predicate picks the namespace names a client may
//! connect to; the first client of a matching name creates that child
//! namespace, with the parent's connection handler and middlewares.
//! Broadcasts on the parent reach every child.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde::Serialize;
use socketio_proto::broadcast::BroadcastOptions;
use socketio_proto::Args;

use super::error::{ConnectError, EmitError};
use super::namespace::{ConnectionHandler, Handshake, Middleware, NamespaceRef, NamespaceShared};

/// Which namespace names a dynamic namespace accepts, type-erased.
pub(crate) type NamespacePredicate = Arc<dyn Fn(&str, &Handshake) -> bool + Send + Sync>;

/// One parent namespace: its predicate, what its children are made with,
/// and the children created so far.
pub(crate) struct ParentNamespace {
    pub(crate) predicate: NamespacePredicate,
    pub(crate) on_connection: ConnectionHandler,
    middlewares: RwLock<Vec<Middleware>>,
    children: Mutex<Vec<Arc<NamespaceShared>>>,
}

impl std::fmt::Debug for ParentNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParentNamespace").field("children", &self.children().len()).finish_non_exhaustive()
    }
}

impl ParentNamespace {
    pub(crate) fn new(predicate: NamespacePredicate, on_connection: ConnectionHandler) -> ParentNamespace {
        ParentNamespace {
            predicate,
            on_connection,
            middlewares: RwLock::new(Vec::new()),
            children: Mutex::new(Vec::new()),
        }
    }

    /// The middlewares a new child starts with (the reference copies them at creation).
    pub(crate) fn middlewares(&self) -> Vec<Middleware> {
        self.middlewares.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn adopt(&self, child: Arc<NamespaceShared>) {
        self.children.lock().unwrap_or_else(PoisonError::into_inner).push(child);
    }

    /// Whether `child` is one of this parent's children.
    pub(crate) fn is_parent_of(&self, child: &Arc<NamespaceShared>) -> bool {
        self.children.lock().unwrap_or_else(PoisonError::into_inner).iter().any(|known| Arc::ptr_eq(known, child))
    }

    /// Forgets `child`.
    pub(crate) fn disown(&self, child: &Arc<NamespaceShared>) {
        self.children.lock().unwrap_or_else(PoisonError::into_inner).retain(|known| !Arc::ptr_eq(known, child));
    }

    fn children(&self) -> Vec<Arc<NamespaceShared>> {
        self.children.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// The application's handle on a dynamic namespace (the reference
/// `ParentNamespace`): middlewares for the children to come, the children,
/// and broadcasts to all of them.
#[derive(Debug, Clone)]
pub struct ParentNamespaceRef {
    pub(crate) parent: Arc<ParentNamespace>,
}

impl ParentNamespaceRef {
    /// Adds a middleware every child created from now on runs (the
    /// reference copies the parent's middlewares when it creates a child).
    pub fn middleware<F, Fut>(self, middleware: F) -> ParentNamespaceRef
    where
        F: Fn(Arc<Handshake>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        let erased: Middleware = Arc::new(move |handshake| Box::pin(middleware(handshake)));
        self.parent.middlewares.write().unwrap_or_else(PoisonError::into_inner).push(erased);
        self
    }

    /// The child namespaces created so far, in creation order.
    pub fn children(&self) -> Vec<NamespaceRef> {
        self.parent.children().into_iter().map(|shared| NamespaceRef { shared }).collect()
    }

    /// A broadcast to every socket of every child, to narrow.
    pub fn all(&self) -> ParentBroadcastOperator {
        ParentBroadcastOperator { parent: Arc::clone(&self.parent), options: BroadcastOptions::everyone() }
    }

    /// A broadcast to the sockets in `room` of every child.
    pub fn to(&self, room: &str) -> ParentBroadcastOperator {
        self.all().to(room)
    }

    /// A broadcast to the sockets of every child not in `room`.
    pub fn except(&self, room: &str) -> ParentBroadcastOperator {
        self.all().except(room)
    }

    /// Emits `event` with one argument to every socket of every child.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        self.all().emit(event, value)
    }
}

/// A broadcast over every child of a dynamic namespace (the reference
/// `ParentBroadcastAdapter`): each child broadcasts it with the same rooms
/// and flags.
#[derive(Debug, Clone)]
pub struct ParentBroadcastOperator {
    parent: Arc<ParentNamespace>,
    options: BroadcastOptions,
}

impl ParentBroadcastOperator {
    /// Also reaches the sockets in `room`.
    pub fn to(mut self, room: &str) -> ParentBroadcastOperator {
        self.options = self.options.to(room);
        self
    }

    /// Skips the sockets in `room`.
    pub fn except(mut self, room: &str) -> ParentBroadcastOperator {
        self.options = self.options.except(room);
        self
    }

    /// Drops the packet for each connection that cannot write it at once
    /// (see [`BroadcastOperator::volatile`](super::BroadcastOperator::volatile)).
    pub fn volatile(mut self) -> ParentBroadcastOperator {
        self.options = self.options.volatile();
        self
    }

    /// Emits `event` with one argument.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, value: &T) -> Result<(), EmitError> {
        let args = Args::from_tuple(&(value,)).map_err(EmitError::Serialize)?;
        self.emit_args(event, args);
        Ok(())
    }

    /// Emits `event` with `args` as they are.
    pub fn emit_args(&self, event: &str, args: Args) {
        for child in self.parent.children() {
            child.broadcast(event, args.clone(), &self.options);
        }
    }
}

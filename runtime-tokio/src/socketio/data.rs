//! Socket data: the application's typed values attached to one socket
//! (the reference `socket.data`), one value per type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// The values of one socket, keyed by their type.
#[derive(Default)]
pub(crate) struct SocketData {
    values: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl fmt::Debug for SocketData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketData").field("values", &self.values.len()).finish()
    }
}

/// A socket's data, shared by its [`Socket`](super::Socket) handles and the
/// namespace (which shows it to `fetch_sockets`). With connection state
/// recovery on, the namespace keeps it with a disconnected session and the
/// recovered socket gets it back.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedData(Arc<Mutex<SocketData>>);

impl SharedData {
    /// Stores `value`, replacing the previous value of its type.
    pub(crate) fn set<T: Any + Send + Sync>(&self, value: T) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).values.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// A copy of the value of type `T`, if any.
    pub(crate) fn get<T: Any + Send + Sync + Clone>(&self) -> Option<T> {
        let data = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        data.values.get(&TypeId::of::<T>()).and_then(|value| value.downcast_ref::<T>()).cloned()
    }

    /// Removes and returns the value of type `T`, if any.
    pub(crate) fn remove<T: Any + Send + Sync>(&self) -> Option<T> {
        let mut data = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        data.values.remove(&TypeId::of::<T>()).and_then(|value| value.downcast::<T>().ok()).map(|value| *value)
    }
}

//! The async-std runtime: [`AsyncStdRuntime`] (the [`Runtime`] implementation),
//! the TCP accept loop ([`serve`], [`bind`], [`bind_socketio`]) and the
//! client's [`AsyncStdConnector`] (with [`build`]) — the same names and shapes
//! as `runtime_tokio::tokio`.

use engineio_proto::Instant;
use runtime_tokio::runtime::{BoxFuture, Runtime};

use crate::net::Clock;

/// [`Runtime`] on async-std: tasks on its global task pool, its timers, and
/// a clock counting milliseconds from the creation of this value.
#[derive(Debug, Clone)]
pub struct AsyncStdRuntime {
    clock: Clock,
}

impl AsyncStdRuntime {
    /// A runtime spawning with `async_std::task::spawn`.
    pub fn new() -> AsyncStdRuntime {
        AsyncStdRuntime { clock: Clock::new() }
    }
}

impl Default for AsyncStdRuntime {
    fn default() -> Self {
        AsyncStdRuntime::new()
    }
}

impl Runtime for AsyncStdRuntime {
    fn spawn(&self, task: BoxFuture) {
        // Dropping async-std's handle detaches the task.
        drop(async_std::task::spawn(task));
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture {
        let at = self.clock.instant_of(deadline);
        Box::pin(async_std::task::sleep(at.saturating_duration_since(std::time::Instant::now())))
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }
}

crate::net::tcp_entry_points! {
    executor: "async-std",
    net: AsyncStdNet,
    runtime: AsyncStdRuntime,
    connector: AsyncStdConnector,
    listener: async_std::net::TcpListener,
    stream: async_std::net::TcpStream,
    addresses: async_std::net::ToSocketAddrs,
}

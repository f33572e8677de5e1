//! The smol runtime: [`SmolRuntime`] (the [`Runtime`] implementation),
//! the TCP accept loop ([`serve`], [`bind`], [`bind_socketio`]) and the
//! client's [`SmolConnector`] (with [`build`]) — the same names and shapes
//! as `runtime_tokio::tokio`.

use std::sync::Arc;

use engineio_proto::Instant;
use runtime_tokio::runtime::{BoxFuture, Runtime};

use crate::net::Clock;

/// Where a [`SmolRuntime`] starts its tasks.
#[derive(Clone)]
enum Spawner {
    /// `smol::spawn`: smol's global executor (`SMOL_THREADS` threads).
    Global,
    /// An executor the application runs itself.
    Executor(Arc<smol::Executor<'static>>),
}

/// [`Runtime`] on smol: tasks on its global executor (or on one the
/// application runs), `smol::Timer`s, and a clock counting milliseconds from
/// the creation of this value.
#[derive(Clone)]
pub struct SmolRuntime {
    spawner: Spawner,
    clock: Clock,
}

impl std::fmt::Debug for SmolRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let spawner = match self.spawner {
            Spawner::Global => "global",
            Spawner::Executor(_) => "executor",
        };
        f.debug_struct("SmolRuntime").field("spawner", &spawner).field("clock", &self.clock).finish()
    }
}

impl SmolRuntime {
    /// A runtime spawning on smol's global executor (`smol::spawn`).
    pub fn new() -> SmolRuntime {
        SmolRuntime { spawner: Spawner::Global, clock: Clock::new() }
    }

    /// A runtime spawning on `executor`, which the application runs
    /// (`executor.run(…)` on one or more threads).
    pub fn with_executor(executor: Arc<smol::Executor<'static>>) -> SmolRuntime {
        SmolRuntime { spawner: Spawner::Executor(executor), clock: Clock::new() }
    }
}

impl Default for SmolRuntime {
    fn default() -> Self {
        SmolRuntime::new()
    }
}

impl Runtime for SmolRuntime {
    fn spawn(&self, task: BoxFuture) {
        match &self.spawner {
            Spawner::Global => smol::spawn(task).detach(),
            Spawner::Executor(executor) => executor.spawn(task).detach(),
        }
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture {
        let at = self.clock.instant_of(deadline);
        Box::pin(async move {
            smol::Timer::at(at).await;
        })
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }
}

crate::net::tcp_entry_points! {
    executor: "smol",
    net: SmolNet,
    runtime: SmolRuntime,
    connector: SmolConnector,
    listener: smol::net::TcpListener,
    stream: smol::net::TcpStream,
    addresses: smol::net::AsyncToSocketAddrs,
}

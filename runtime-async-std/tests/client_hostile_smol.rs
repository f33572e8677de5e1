//! The client on smol against a hostile server
//! (`runtime-tokio/tests/client_hostile/`): its tasks, timers and sockets
//! on smol, the hostile server on tokio in a thread of its own.

#[path = "../../runtime-tokio/tests/client_hostile/mod.rs"]
mod client_hostile;

use std::sync::{Arc, OnceLock};

use runtime_async_std::smol::{SmolConnector, SmolRuntime};
use runtime_tokio::client::{Client, ClientBuilder, ClientError};

/// The smol executor of the clients, run by three threads (smol's global
/// executor runs one unless `SMOL_THREADS` says otherwise): a test's
/// handler that blocks one of them leaves the client's other tasks running.
fn executor() -> Arc<smol::Executor<'static>> {
    static EXECUTOR: OnceLock<Arc<smol::Executor<'static>>> = OnceLock::new();
    EXECUTOR
        .get_or_init(|| {
            let executor = Arc::new(smol::Executor::new());
            for _ in 0..3 {
                let runner = executor.clone();
                std::thread::spawn(move || smol::block_on(runner.run(smol::future::pending::<()>())));
            }
            executor
        })
        .clone()
}

/// Starts the client under test: smol's.
pub fn build_client(builder: ClientBuilder) -> Result<Client, ClientError> {
    builder.build_with(Arc::new(SmolRuntime::with_executor(executor())), Arc::new(SmolConnector))
}

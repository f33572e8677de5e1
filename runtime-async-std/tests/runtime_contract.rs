//! The `Runtime` contract of `runtime_tokio::runtime::Runtime`, on smol and
//! async-std: a sleep never ends before the runtime's clock reaches its
//! deadline (so a session woken by its timer finds the deadline due), and
//! spawned tasks run.

use std::sync::Arc;
use std::time::Duration;

use engineio_proto::Instant;
use runtime_async_std::async_std::AsyncStdRuntime;
use runtime_async_std::runtime::Runtime;
use runtime_async_std::smol::SmolRuntime;
use tokio::sync::oneshot;

/// Sleeps until 30 ms from now and checks the clock has reached the deadline.
async fn sleep_ends_at_or_after_its_deadline(runtime: &dyn Runtime) {
    let deadline = Instant::from_millis(runtime.now().as_millis() + 30);
    runtime.sleep_until(deadline).await;
    assert!(runtime.now() >= deadline, "woken at {:?}, before {deadline:?}", runtime.now());
}

/// A task spawned on `runtime` runs and can hand a value back.
async fn spawned_task_runs(runtime: &dyn Runtime) {
    let (sender, receiver) = oneshot::channel();
    runtime.spawn(Box::pin(async move {
        let _ = sender.send(7);
    }));
    assert_eq!(receiver.await.ok(), Some(7));
}

#[test]
fn smol_sleep_ends_at_or_after_its_deadline_on_the_runtime_clock() {
    smol::block_on(sleep_ends_at_or_after_its_deadline(&SmolRuntime::new()));
}

#[test]
fn async_std_sleep_ends_at_or_after_its_deadline_on_the_runtime_clock() {
    async_std::task::block_on(sleep_ends_at_or_after_its_deadline(&AsyncStdRuntime::new()));
}

#[test]
fn smol_runtime_spawns_on_the_global_executor() {
    smol::block_on(spawned_task_runs(&SmolRuntime::new()));
}

#[test]
fn async_std_runtime_spawns_on_its_task_pool() {
    async_std::task::block_on(spawned_task_runs(&AsyncStdRuntime::new()));
}

#[test]
fn smol_runtime_with_an_executor_spawns_on_that_executor() {
    let executor = Arc::new(smol::Executor::new());
    let runtime = SmolRuntime::with_executor(Arc::clone(&executor));
    let (sender, mut receiver) = oneshot::channel();
    runtime.spawn(Box::pin(async move {
        let _ = sender.send(7);
    }));
    // Were it on smol's global executor, its threads would run it meanwhile.
    std::thread::sleep(Duration::from_millis(100));
    assert!(receiver.try_recv().is_err(), "nothing but the application's executor runs the task");
    assert!(executor.try_tick(), "the task waits on the application's executor");
    assert_eq!(receiver.try_recv().ok(), Some(7));
}

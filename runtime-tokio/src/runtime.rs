//! [`Runtime`]: the seam between the executor-neutral driver and an async runtime.
//!
//! The Engine.IO driver ([`crate::engine`]) needs exactly three things from an
//! executor, in the style of quinn's `Runtime` trait: start a task, sleep until
//! a point in time, and read the clock. Everything else it uses runs on any
//! executor: hyper 1's HTTP/1.1 connection (through hyper's own I/O traits),
//! `tokio::sync` channels (runtime-agnostic: they need no tokio reactor),
//! `futures-util`, and tokio-tungstenite over the executor-neutral
//! `tokio::io` traits.
//!
//! This crate implements the trait for tokio (`TokioRuntime`, with the
//! `tokio` feature). `runtime-async-std` depends on this crate with that
//! feature off and implements it for async-std and smol, so the two runtime
//! crates share one driver instead of holding twins of it (issue #6).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use engineio_proto::Instant;

/// A boxed, sendable future, as the [`Runtime`] methods take and give them.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// What the driver needs from an async runtime: tasks, timers and a clock.
///
/// Time is the proto crates' [`Instant`]: milliseconds since an epoch the
/// runtime picks (typically when it was created). [`Runtime::now`] and
/// [`Runtime::sleep_until`] must use the same epoch, and a sleep must not end
/// before [`Runtime::now`] reaches its deadline, so a session woken by its
/// timer always finds the deadline due.
///
/// `TokioRuntime` (in the `tokio` module, with the `tokio` feature) is the
/// implementation for tokio, in some twenty lines; an implementation for
/// another executor maps the three methods to its spawn, its timer and its
/// monotonic clock the same way.
pub trait Runtime: Send + Sync + fmt::Debug + 'static {
    /// Runs `task` to completion in the background.
    fn spawn(&self, task: BoxFuture);

    /// A future that completes once [`Runtime::now`] has reached `deadline`
    /// (at once when it already has).
    fn sleep_until(&self, deadline: Instant) -> BoxFuture;

    /// The current time. Allows simulating the flow of time in tests (tokio's
    /// paused clock, for instance).
    fn now(&self) -> Instant;
}

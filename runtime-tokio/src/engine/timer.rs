//! [`RuntimeTimer`]: hyper's timer on any [`Runtime`], so hyper's own
//! timeouts (the header read timeout against slowloris clients) work
//! whatever the executor.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use engineio_proto::Instant;
use hyper::rt::{Sleep, Timer};

use crate::runtime::{BoxFuture, Runtime};

/// A [`hyper::rt::Timer`] whose sleeps are [`Runtime::sleep_until`] on the
/// runtime's clock. Deadlines given as `std::time::Instant` are turned into
/// durations from now, rounded up to the millisecond.
#[derive(Debug, Clone)]
pub struct RuntimeTimer {
    runtime: Arc<dyn Runtime>,
}

impl RuntimeTimer {
    /// A timer on `runtime`.
    pub fn new(runtime: Arc<dyn Runtime>) -> RuntimeTimer {
        RuntimeTimer { runtime }
    }

    fn deadline_after(&self, duration: Duration) -> Instant {
        let millis = duration.as_nanos().div_ceil(1_000_000);
        let millis = u64::try_from(millis).unwrap_or(u64::MAX);
        Instant::from_millis(self.runtime.now().as_millis().saturating_add(millis))
    }
}

impl Timer for RuntimeTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        let deadline = self.deadline_after(duration);
        Box::pin(RuntimeSleep { sleep: Mutex::new(self.runtime.sleep_until(deadline)) })
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn Sleep>> {
        self.sleep(deadline.saturating_duration_since(std::time::Instant::now()))
    }
}

/// One sleep. hyper wants it `Sync`; the runtime's future is only `Send`,
/// so it sits in a mutex that polling reaches without locking.
struct RuntimeSleep {
    sleep: Mutex<BoxFuture>,
}

impl Future for RuntimeSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        let sleep = self.get_mut().sleep.get_mut().unwrap_or_else(PoisonError::into_inner);
        sleep.as_mut().poll(context)
    }
}

impl Sleep for RuntimeSleep {}

//! The reconnection delay (`backo2`, as `socket.io-client` bundles it).

use core::time::Duration;

/// Exponential backoff with jitter: attempt `n` (from 0) waits
/// `min * 2^n`, moved by up to `jitter` of itself, capped at `max`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Backoff {
    min_ms: f64,
    max_ms: f64,
    jitter: f64,
    /// Delays handed out since the last reset.
    pub(crate) attempts: u32,
}

const FACTOR: f64 = 2.0;
/// Beyond this the delay is capped anyway; keeps the arithmetic finite.
const CEILING_MS: f64 = 1e300;

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration, jitter: f64) -> Backoff {
        let jitter = if jitter > 0.0 && jitter <= 1.0 { jitter } else { 0.0 };
        Backoff { min_ms: millis(min), max_ms: millis(max), jitter, attempts: 0 }
    }

    /// The next delay, counting one more attempt. `random` is uniform over
    /// `u32`, read as the fraction `random / 2^32` in `[0, 1)` (the
    /// reference's `Math.random()`): the deviation is `floor(fraction *
    /// jitter * delay)`, subtracted when `floor(fraction * 10)` is even and
    /// added otherwise.
    pub(crate) fn duration(&mut self, random: u32) -> Duration {
        let mut ms = self.min_ms;
        for _ in 0..self.attempts {
            ms = (ms * FACTOR).min(CEILING_MS);
        }
        self.attempts = self.attempts.saturating_add(1);
        if self.jitter > 0.0 {
            let fraction = f64::from(random) / 4_294_967_296.0;
            let deviation = floor(fraction * self.jitter * ms);
            let tenth = (u64::from(random) * 10) >> 32;
            ms = if tenth & 1 == 0 { ms - deviation } else { ms + deviation };
        }
        Duration::from_millis(floor(ms.min(self.max_ms).max(0.0)) as u64)
    }

    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_millis() as f64
}

/// `floor` of a non-negative value (`f64::floor` needs `std`); values past
/// `u64::MAX` saturate, far beyond any delay cap.
fn floor(value: f64) -> f64 {
    value as u64 as f64
}

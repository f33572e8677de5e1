//! Time as an input: a millisecond timestamp the driver reads from its own clock.
//!
//! The machines never read a clock. Every call that depends on time takes a
//! [`Instant`]; every machine reports when it next needs attention with a
//! `poll_timeout() -> Option<Instant>`. A driver converts its runtime's clock at
//! the edge (for example milliseconds since the driver started).

use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

/// A point on the driver's monotonic clock, in whole milliseconds since an
/// arbitrary origin chosen by the driver.
///
/// Arithmetic saturates: time never wraps, and `earlier - later` is zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The origin of the driver's clock.
    pub const ZERO: Instant = Instant(0);

    /// An instant `millis` milliseconds after the driver's origin.
    pub const fn from_millis(millis: u64) -> Self {
        Instant(millis)
    }

    /// Milliseconds since the driver's origin.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

fn millis_of(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_add(millis_of(rhs)))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

/// The earlier of two optional deadlines (`None` means "no deadline").
pub fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_a_duration_moves_forward_in_milliseconds() {
        assert_eq!(Instant::from_millis(10) + Duration::from_millis(15), Instant::from_millis(25));
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(Instant::from_millis(u64::MAX) + Duration::from_secs(1), Instant::from_millis(u64::MAX));
        assert_eq!(Instant::from_millis(5) - Instant::from_millis(9), Duration::ZERO);
    }

    #[test]
    fn earliest_ignores_missing_deadlines() {
        let a = Some(Instant::from_millis(3));
        assert_eq!(earliest(a, None), a);
        assert_eq!(earliest(None, a), a);
        assert_eq!(earliest(a, Some(Instant::from_millis(1))), Some(Instant::from_millis(1)));
        assert_eq!(earliest(None, None), None);
    }
}

//! An unbounded multi-producer, single-consumer queue for the inboxes of
//! session and handler tasks, small when idle.
//!
//! tokio's unbounded channel allocates its first block of 32 slots up front:
//! with the driver's command and event types that is 4–5 KiB for every
//! connection, most of the memory of an idle one. This queue is a `VecDeque`
//! behind a mutex: it holds nothing until used and keeps only the capacity a
//! connection's traffic needed. Producers wake the consumer only when the
//! queue goes from empty to not empty; the consumer drains it before it waits
//! again, so nothing is missed. Executor-neutral: it needs only a `Waker`.

use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Capacity kept by a queue that has run empty: a connection that once
/// received a burst does not hold the burst's capacity for its lifetime.
const RETAINED_CAPACITY: usize = 16;

struct State<T> {
    items: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
    waker: Option<Waker>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Creates a queue: any number of senders (clone the one returned), one receiver.
pub(crate) fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State { items: VecDeque::new(), senders: 1, receiver_alive: true, waker: None }),
    });
    (UnboundedSender { shared: shared.clone() }, UnboundedReceiver { shared })
}

/// The sending side; see [`unbounded_channel`].
pub(crate) struct UnboundedSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> UnboundedSender<T> {
    /// Queues `item`; gives it back when the receiver is gone.
    pub(crate) fn send(&self, item: T) -> Result<(), T> {
        let waker = {
            let mut state = self.shared.lock();
            if !state.receiver_alive {
                return Err(item);
            }
            state.items.push_back(item);
            if state.items.len() == 1 {
                state.waker.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        UnboundedSender { shared: self.shared.clone() }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.shared.lock();
            state.senders -= 1;
            if state.senders == 0 {
                state.waker.take()
            } else {
                None
            }
        };
        // The last sender gone: the receiver learns it (after the queued items).
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender").finish_non_exhaustive()
    }
}

/// The receiving side; see [`unbounded_channel`].
pub(crate) struct UnboundedReceiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> UnboundedReceiver<T> {
    /// The next item; `None` once every sender is gone and the queue is empty.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.shared.lock();
        if let Some(item) = state.items.pop_front() {
            if state.items.is_empty() && state.items.capacity() > RETAINED_CAPACITY {
                state.items.shrink_to(RETAINED_CAPACITY);
            }
            return Poll::Ready(Some(item));
        }
        if state.senders == 0 {
            return Poll::Ready(None);
        }
        if !state.waker.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            state.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// The next item; `None` once every sender is gone and the queue is empty.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }
}

impl<T> Drop for UnboundedReceiver<T> {
    fn drop(&mut self) {
        let items = {
            let mut state = self.shared.lock();
            state.receiver_alive = false;
            state.waker = None;
            std::mem::take(&mut state.items)
        };
        // Dropped outside the lock: an item may own a sender of this queue.
        drop(items);
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    #[test]
    fn items_come_out_in_the_order_they_were_sent() {
        let (sender, mut receiver) = unbounded_channel();
        let (_, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        for item in 0..100 {
            sender.send(item).unwrap();
        }
        let received: Vec<i32> = (0..100)
            .map(|_| match receiver.poll_recv(&mut cx) {
                Poll::Ready(Some(item)) => item,
                other => panic!("expected an item, got {other:?}"),
            })
            .collect();
        assert_eq!(received, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn a_waiting_receiver_is_woken_once_by_a_burst() {
        let (sender, mut receiver) = unbounded_channel();
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(receiver.poll_recv(&mut cx).is_pending());
        sender.send(1).unwrap();
        sender.send(2).unwrap();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_receiver_sees_the_end_after_the_queued_items_once_every_sender_is_gone() {
        let (sender, mut receiver) = unbounded_channel();
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let second = sender.clone();
        sender.send(1).unwrap();
        drop(sender);
        drop(second);
        assert_eq!(receiver.poll_recv(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(receiver.poll_recv(&mut cx), Poll::Ready(None));
        assert_eq!(counter.0.load(Ordering::SeqCst), 0, "the queue was not empty: no wake needed");
    }

    #[test]
    fn the_last_sender_leaving_wakes_a_waiting_receiver() {
        let (sender, mut receiver) = unbounded_channel::<i32>();
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(receiver.poll_recv(&mut cx).is_pending());
        drop(sender);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(receiver.poll_recv(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn sending_to_a_dropped_receiver_gives_the_item_back() {
        let (sender, receiver) = unbounded_channel();
        drop(receiver);
        assert_eq!(sender.send(7), Err(7));
    }

    #[test]
    fn a_drained_queue_gives_back_the_capacity_of_a_burst() {
        let (sender, mut receiver) = unbounded_channel();
        let (_, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        for item in 0..1000 {
            sender.send(item).unwrap();
        }
        while let Poll::Ready(Some(_)) = receiver.poll_recv(&mut cx) {}
        assert!(receiver.shared.lock().items.capacity() <= RETAINED_CAPACITY);
    }
}

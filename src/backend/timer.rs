//! A sleep that needs no async runtime: a timer thread wakes the waiting task. Used by the
//! default [`Clock::sleep`](crate::backend::Clock::sleep), for waits of seconds (polling a CA),
//! where a thread per wait costs nothing that matters.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[derive(Default)]
struct State {
    done: bool,
    waker: Option<Waker>,
}

/// Completes once `duration` has passed.
pub(crate) fn sleep(duration: Duration) -> Sleep {
    Sleep {
        duration,
        state: Arc::new(Mutex::new(State::default())),
        started: false,
    }
}

pub(crate) struct Sleep {
    duration: Duration,
    state: Arc<Mutex<State>>,
    started: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.done {
                return Poll::Ready(());
            }
            state.waker = Some(cx.waker().clone());
        }
        if !self.started {
            self.started = true;
            if self.duration.is_zero() {
                return Poll::Ready(());
            }
            let (state, duration) = (self.state.clone(), self.duration);
            let spawned = std::thread::Builder::new()
                .name("certdesk-timer".into())
                .spawn(move || {
                    std::thread::sleep(duration);
                    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                    state.done = true;
                    if let Some(w) = state.waker.take() {
                        w.wake();
                    }
                });
            if spawned.is_err() {
                // No thread to wait on: do not wait rather than never wake.
                return Poll::Ready(());
            }
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_at_least_its_duration_without_a_runtime() {
        let started = std::time::Instant::now();
        // A minimal executor: poll, park until woken.
        let thread = std::thread::current();
        let waker = Waker::from(Arc::new(Unpark(thread)));
        let mut cx = Context::from_waker(&waker);
        let mut fut = Box::pin(sleep(Duration::from_millis(30)));
        while fut.as_mut().poll(&mut cx).is_pending() {
            std::thread::park_timeout(Duration::from_millis(100));
        }
        assert!(started.elapsed() >= Duration::from_millis(30));
    }

    struct Unpark(std::thread::Thread);

    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
}

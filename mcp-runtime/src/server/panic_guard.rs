//! Keeps panic payloads of tool handlers out of stderr.
//!
//! A handler's panic message may quote anything the handler had in hand, arguments included.
//! The default panic hook prints it; while a tool future is being polled, this hook prints
//! nothing and records only the code location, which the call's log line carries with its error id.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

thread_local! {
    static IN_TOOL: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the hook once per process, delegating every panic outside tool futures to the hook
/// that was there before.
pub(super) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TOOL.get() {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LOCATION.with_borrow_mut(|slot| *slot = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// The code location of the last tool panic on this thread.
pub(super) fn take_location() -> Option<String> {
    LOCATION.with_borrow_mut(Option::take)
}

/// A handler's future (a tool's, a resource's, a prompt's), polled with the "inside a handler"
/// flag raised.
pub(super) struct Guarded<F>(pub(super) F);

impl<F: Future + Unpin> Future for Guarded<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Lower;
        impl Drop for Lower {
            // Runs on return and on unwind alike.
            fn drop(&mut self) {
                IN_TOOL.set(false);
            }
        }
        IN_TOOL.set(true);
        let _lower = Lower;
        Pin::new(&mut self.0).poll(cx)
    }
}

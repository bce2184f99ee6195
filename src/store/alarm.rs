//! A sleep that another task can cut short: the poller waits on one between polls, and a send,
//! the panel opening or the tab becoming visible wakes it at once.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Default)]
pub struct Alarm {
    resolve: Rc<RefCell<Option<js_sys::Function>>>,
    /// A wake that came while nobody slept: the next sleep returns at once.
    rung: Rc<Cell<bool>>,
}

impl Alarm {
    /// Waits `ms` milliseconds, or less if [`Alarm::wake`] is called.
    pub async fn sleep(&self, ms: u32) {
        if self.rung.replace(false) {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let slot = self.resolve.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u32) as i32,
            );
            *slot.borrow_mut() = Some(resolve);
        });
        let _ = JsFuture::from(promise).await;
        self.resolve.borrow_mut().take();
    }

    /// Forgets the wakes that came before now: the work about to start (a poll) covers them, so
    /// several wakes at once (a send, the panel opening, the tab showing) cost one request.
    pub fn settle(&self) {
        self.rung.set(false);
    }

    pub fn wake(&self) {
        let resolve = self.resolve.borrow_mut().take();
        match resolve {
            Some(resolve) => {
                let _ = resolve.call0(&JsValue::NULL);
            }
            None => self.rung.set(true),
        }
    }
}

/// Sleeps `ms` milliseconds (no early wake).
pub async fn sleep(ms: u32) {
    Alarm::default().sleep(ms).await;
}

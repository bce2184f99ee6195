//! The team's availability as the header shows it, kept true to the clock: the session says
//! whether the team is in and when that changes; at that moment the header flips (once), and
//! a renewed session (a little later, so a merchant's visitors do not all ask at 09:00:00)
//! says what holds next. A visitor's clock ahead of the server's only delays that renewal: the
//! loop asks again every half minute until the server has passed the change too.

use connect360_model::wire::Availability;
use leptos::prelude::*;

use super::alarm::sleep;
use super::session::Renew;
use super::Chat;

/// With no change announced, how often the loop looks again (a renewal may bring hours).
const IDLE_CHECK_MS: f64 = 10.0 * 60_000.0;
/// Renewals after a change are spread over this long.
const SPREAD_MS: f64 = 20_000.0;
/// After a renewal that failed, or that the server answered as before (its clock behind the
/// visitor's), the next try.
const RETRY_MS: u32 = 30_000;

impl Chat {
    /// Runs while the widget is mounted (started with the session's other tasks).
    pub(super) async fn availability_loop(self) {
        // The change the header has flipped for: it flips once per change.
        let mut flipped_for = 0.0;
        loop {
            let Ok(inner) = self.alive() else {
                return;
            };
            let (changes_at, said) = inner.session.borrow().as_ref().map_or((0.0, None), |s| {
                (s.availability_changes_at, s.availability.clone())
            });
            drop(inner);
            let now = js_sys::Date::now();
            if changes_at <= 0.0 {
                sleep(IDLE_CHECK_MS as u32).await;
                continue;
            }
            if now < changes_at {
                sleep((changes_at - now).min(IDLE_CHECK_MS) as u32).await;
                continue;
            }
            if flipped_for != changes_at {
                // Due: the header flips now, from what the session said; the details (the
                // next change) follow with the renewed session.
                flipped_for = changes_at;
                if let Some(said) = said {
                    self.availability.try_set(Some(Availability {
                        online: !said.online,
                        reply_minutes: said.reply_minutes,
                        changes_at: None,
                    }));
                }
                sleep((js_sys::Math::random() * SPREAD_MS) as u32).await;
            }
            let renewed = self.session(Renew::Always).await;
            let moved_on = renewed.is_ok_and(|s| s.availability_changes_at != changes_at);
            if !moved_on {
                sleep(RETRY_MS).await;
            }
        }
    }
}

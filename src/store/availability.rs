//! The team's availability as the header shows it, kept true to the clock: the session says
//! whether the team is in and when that changes; at that moment the header flips, and a
//! renewed session (a little later, so a merchant's visitors do not all ask at 09:00:00) says
//! what holds next.

use connect360_model::wire::Availability;
use leptos::prelude::*;

use super::alarm::sleep;
use super::session::Renew;
use super::Chat;

/// With no change announced, how often the loop looks again (a renewal may bring hours).
const IDLE_CHECK_MS: f64 = 10.0 * 60_000.0;
/// Renewals after a change are spread over this long.
const SPREAD_MS: f64 = 20_000.0;
/// After a failed renewal (offline), the next try.
const RETRY_MS: u32 = 30_000;

impl Chat {
    /// Runs while the widget is mounted (started with the session's other tasks).
    pub(super) async fn availability_loop(self) {
        loop {
            let Ok(inner) = self.alive() else {
                return;
            };
            let changes_at = inner
                .session
                .borrow()
                .as_ref()
                .map_or(0.0, |s| s.availability_changes_at);
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
            // Due: the header flips now, the details follow with the renewed session.
            self.availability.try_update(|shown| {
                if let Some(shown) = shown {
                    *shown = Availability {
                        online: !shown.online,
                        reply_minutes: shown.reply_minutes,
                        changes_at: None,
                    };
                }
            });
            sleep((js_sys::Math::random() * SPREAD_MS) as u32).await;
            if self.session(Renew::IfStale).await.is_err() {
                sleep(RETRY_MS).await;
            }
        }
    }
}

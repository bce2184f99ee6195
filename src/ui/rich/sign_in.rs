//! The sign-in button of an `authenticationRequest` (`rich-messages.md` §5.8): it opens the
//! popup synchronously (so the browser allows it), asks the gateway for the authorization URL,
//! and sends the popup there; it stays busy until the result arrives, the popup is closed or
//! ten minutes pass. A blocked popup shows an inline notice with "Try again"; a browser that
//! cannot keep the gateway's sign-in cookie is told that sign-in is unavailable here.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::Text;
use crate::store::alarm::sleep;
use crate::store::{Chat, SuggestionPlace as Place};

/// How long a sign-in may stay busy.
const SIGN_IN_TIMEOUT_MS: f64 = 10.0 * 60.0 * 1000.0;
/// How often the popup is checked for being closed.
const POPUP_CHECK_MS: u32 = 500;

#[component]
pub fn SignInButton(
    place: Place,
    label: String,
    class: &'static str,
    used: Memo<bool>,
    inactive: Signal<bool>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let busy = RwSignal::new(false);
    let blocked = RwSignal::new(false);
    let unavailable = chat.sign_in_unavailable;
    let start = move || {
        if used.get_untracked() || busy.get_untracked() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        // Opened now, inside the click, or the browser blocks it.
        let popup = window
            .open_with_url_and_target_and_features(
                "about:blank",
                "c360-signin",
                "popup,width=480,height=640",
            )
            .ok()
            .flatten();
        let Some(popup) = popup else {
            blocked.set(true);
            return;
        };
        blocked.set(false);
        unavailable.set(false);
        busy.set(true);
        let place = place.clone();
        spawn_local(async move {
            match chat.start_sign_in(&place).await {
                Ok(url) => {
                    let _ = popup.location().set_href(&url);
                }
                Err(error) => {
                    let _ = popup.close();
                    busy.try_set(false);
                    unavailable.try_set(error == crate::store::SignInError::Unavailable);
                    return;
                }
            }
            let started = js_sys::Date::now();
            loop {
                sleep(POPUP_CHECK_MS).await;
                let done = used.try_get_untracked().unwrap_or(true)
                    || popup.closed().unwrap_or(true)
                    || js_sys::Date::now() - started > SIGN_IN_TIMEOUT_MS;
                if done {
                    busy.try_set(false);
                    return;
                }
            }
        });
    };
    let retry = start.clone();
    view! {
        <button
            type="button"
            class=class
            class:c360-chosen=move || used.get()
            aria-disabled=move || used.get().then_some("true")
            aria-busy=move || busy.get().then_some("true")
            tabindex=super::suggestion::tab_stop(inactive)
            on:click=move |_| start()
        >
            {super::suggestion::Icon::Key.view()}
            {move || if busy.get() { Text::SigningIn.get(lang).to_owned() } else { label.clone() }}
            <Show when=move || used.get()>
                <span class="c360-sr-only">{Text::Chosen.get(lang)}</span>
            </Show>
        </button>
        <Show when=move || blocked.get()>
            <p class="c360-notice" role="alert">
                {Text::PopupBlocked.get(lang)}
                <button type="button" class="c360-link-button" on:click={
                    let retry = retry.clone();
                    move |_| retry()
                }>
                    {Text::TryAgain.get(lang)}
                </button>
            </p>
        </Show>
        <Show when=move || unavailable.get()>
            <p class="c360-notice" role="alert">{Text::SignInUnavailable.get(lang)}</p>
        </Show>
    }
}

//! The chat panel: header (title, what to expect or the connection state, close), the
//! transcript, the composer, and the one live region that announces incoming messages.

use leptos::prelude::*;

use connect360_model::wire::Availability;
use connect360_model::Lang;

use super::composer::Composer;
use super::contact::{ContactForm, ContactValues};
use super::earlier::{earlier_chats_view, Earlier};
use super::life::{EndMenu, EndPanel, EndUi};
use super::time;
use super::transcript::TranscriptView;
use super::{on_demand, PanelState};
use crate::i18n::{self, Text};
use crate::store::{Chat, Connection};

/// The panel's element id, referenced by the launcher's `aria-controls`.
pub const PANEL_ID: &str = "c360-panel";

/// What the header says of the team at `now` (Unix milliseconds): its opening hours' state,
/// or what it always said when the merchant set none.
pub fn presence(availability: Option<&Availability>, now: f64, lang: Lang) -> String {
    let Some(availability) = availability else {
        return Text::Presence.get(lang).to_owned();
    };
    if availability.online {
        let duration = availability.reply_minutes.map(|m| time::duration(m, lang));
        return i18n::team_online(duration.as_deref(), lang);
    }
    let back = availability
        .changes_at
        .as_deref()
        .and_then(time::parse_millis)
        .map(|at| time::return_time(at, now, lang));
    i18n::team_away(back.as_ref().map(|(d, t)| (d.as_str(), t.as_str())), lang)
}

#[component]
pub fn Panel(state: PanelState) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let title_id = "c360-panel-title";
    let title = chat.title();
    let status = move || match chat.connection.get() {
        _ if chat.offline.get() => Text::Offline.get(lang).to_owned(),
        Connection::Reconnecting => Text::Reconnecting.get(lang).to_owned(),
        Connection::Connecting if !chat.loaded.get() => Text::Connecting.get(lang).to_owned(),
        _ => chat
            .availability
            .with(|a| presence(a.as_ref(), js_sys::Date::now(), lang)),
    };
    let reconnecting =
        move || chat.offline.get() || chat.connection.get() == Connection::Reconnecting;
    // Redrawn only when what it asks changes (not with every message), so typing goes on.
    let contact_form = Memo::new(move |_| chat.contact_form());
    let contact_values = ContactValues::new();
    let end_ui = EndUi::new();
    // The chats view belongs to this visitor and this look at the panel: closing the panel, a
    // logout, a sign-in or a new chat (the history loads again) closes it.
    Effect::new(move |_| {
        let shown = chat.open.get() && chat.loaded.get();
        if !shown && end_ui.earlier.get_untracked() != Earlier::Closed {
            end_ui.earlier.set(Earlier::Closed);
        }
    });
    // Drawn while the visitor looks at their chats (not again for each step in there).
    let chats_open = Memo::new(move |_| end_ui.earlier.get() != Earlier::Closed);
    // The dot before the team's state, once connected.
    let team = move |online: bool| {
        move || {
            !reconnecting()
                && chat.loaded.get()
                && chat
                    .availability
                    .with(|a| a.as_ref().is_some_and(|a| a.online == online))
        }
    };
    view! {
        <section
            id=PANEL_ID
            class="c360-panel"
            class:c360-panel--chats=move || chats_open.get()
            role="dialog"
            aria-labelledby=title_id
            hidden=move || !chat.open.get()
            on:dragover=move |event: leptos::ev::DragEvent| event.prevent_default()
            on:drop=move |event: leptos::ev::DragEvent| {
                // Not into a chat the visitor cannot see (the chats view is open).
                if end_ui.earlier.get_untracked() != Earlier::Closed {
                    return;
                }
                let files = super::attachments::files_of(event.data_transfer().and_then(|d| d.files()));
                if !files.is_empty() {
                    event.prevent_default();
                    chat.attach(files);
                }
            }
        >
            <header class="c360-header">
                <div class="c360-heading">
                    <h2 class="c360-title" id=title_id>{title}</h2>
                    <p
                        class="c360-presence"
                        class:c360-presence--warning=reconnecting
                        class:c360-presence--online=team(true)
                        class:c360-presence--away=team(false)
                        role="status"
                    >
                        {status}
                    </p>
                </div>
                <EndMenu ui=end_ui/>
                <button
                    type="button"
                    class="c360-close"
                    aria-label=Text::CloseChat.get(lang)
                    on:click=move |_| state.close()
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d="M6 6l12 12M18 6L6 18"></path>
                    </svg>
                </button>
            </header>
            // A frame of its own: what it holds (the view, or the notice that its module could
            // not be fetched) shows while the rest of the panel's body waits.
            <div class="c360-chats-frame" hidden=move || !chats_open.get()>
                {move || chats_open.get().then(|| on_demand(move || earlier_chats_view(end_ui)))}
            </div>
            <TranscriptView/>
            {move || contact_form.get().map(|asked| view! {
                <ContactForm asked=asked values=contact_values composer=state.composer/>
            })}
            <EndPanel ui=end_ui/>
            <Composer input=state.composer/>
            // Each entry is added on its own, so each is read out: a burst is heard in full.
            <div class="c360-sr-only c360-announcer" aria-live="polite" aria-relevant="additions">
                <For each=move || chat.announcements.get() key=|a| a.id let:entry>
                    <p>{entry.text}</p>
                </For>
            </div>
        </section>
    }
}

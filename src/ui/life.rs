//! The chat's end, as the visitor meets it: a menu in the header ("Download transcript", and
//! "End chat", which asks for a confirmation), and, once the chat has ended (their doing or an agent's), a notice
//! with a rating from 1 to 5 — each choice named in words — and an optional comment, sent
//! once. The composer stays: writing again opens the chat.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::download::save_transcript;
use super::earlier::Earlier;
use super::on_demand;
use crate::i18n::Text;
use crate::store::Chat;

/// The menu's and the confirmation's state, shared by the header and the panel.
#[derive(Clone, Copy)]
pub struct EndUi {
    menu_open: RwSignal<bool>,
    confirming: RwSignal<bool>,
    /// The transcript file could not be made (an earlier page did not come).
    download_failed: RwSignal<bool>,
    /// The visitor's chats, when they look at them instead of the current one.
    pub earlier: RwSignal<Earlier>,
    /// The visitor just ended the chat: the rating takes focus once it is there.
    focus_rating: RwSignal<bool>,
    button: NodeRef<html::Button>,
}

impl EndUi {
    pub fn new() -> Self {
        EndUi {
            menu_open: RwSignal::new(false),
            confirming: RwSignal::new(false),
            download_failed: RwSignal::new(false),
            earlier: RwSignal::new(Earlier::Closed),
            focus_rating: RwSignal::new(false),
            button: NodeRef::new(),
        }
    }

    /// Back from the chats to the current one: at its newest message, focus on the menu's
    /// button (where the visitor went there from).
    pub fn close_earlier(&self) {
        self.earlier.set(Earlier::Closed);
        let button = self.button;
        request_animation_frame(move || {
            let Some(button) = button.get_untracked() else {
                return;
            };
            let log = wasm_bindgen::JsCast::dyn_into::<web_sys::ShadowRoot>(button.get_root_node())
                .ok()
                .and_then(|root| root.query_selector(".c360-transcript").ok().flatten());
            if let Some(log) = log {
                log.set_scroll_top(log.scroll_height());
            }
            let _ = button.focus();
        });
    }

    fn back_to_menu_button(&self) {
        if let Some(button) = self.button.get_untracked() {
            let _ = button.focus();
        }
    }
}

impl Default for EndUi {
    fn default() -> Self {
        EndUi::new()
    }
}

const RATINGS: [Text; 5] = [
    Text::Rating1,
    Text::Rating2,
    Text::Rating3,
    Text::Rating4,
    Text::Rating5,
];

/// Downloads the whole conversation as a text file (its earlier pages fetched first).
fn download_transcript(chat: Chat, failed: RwSignal<bool>) {
    failed.set(false);
    spawn_local(async move {
        if !chat.load_all_history().await {
            failed.try_set(true);
            return;
        }
        let lang = chat.lang();
        let saved = chat.transcript.with_untracked(|t| {
            save_transcript(t.messages(), &chat.title(), js_sys::Date::now(), lang)
        });
        if saved.is_err() {
            failed.try_set(true);
        }
    });
}

/// Moves focus to the next (or previous) item of the menu holding `from`, round the ends.
fn move_in_menu(from: &web_sys::Element, forward: bool) {
    let Some(menu) = from.closest("[role=menu]").ok().flatten() else {
        return;
    };
    let Ok(items) = menu.query_selector_all("[role=menuitem]:not([hidden])") else {
        return;
    };
    let count = items.length();
    let at = (0..count).find(|i| {
        items
            .get(*i)
            .is_some_and(|item| item.is_same_node(Some(from)))
    });
    let next = match (at, forward) {
        (Some(i), true) => (i + 1) % count.max(1),
        (Some(i), false) => (i + count - 1) % count.max(1),
        (None, _) => 0,
    };
    if let Some(item) = items.get(next) {
        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(item).focus();
    }
}

/// The header's "More options" button and its menu: Download transcript, and End chat while
/// the chat is open. Arrow keys move between the items, Escape closes it.
#[component]
pub fn EndMenu(ui: EndUi) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let item: NodeRef<html::Button> = NodeRef::new();
    let close = move |focus_button: bool| {
        ui.menu_open.set(false);
        if focus_button {
            ui.back_to_menu_button();
        }
    };
    view! {
        <div
            class="c360-menu"
            hidden=move || !chat.loaded.get()
            on:keydown=move |event: leptos::ev::KeyboardEvent| {
                // Escape closes an open menu (focus on its button or an item), not the panel.
                if event.key() == "Escape" && ui.menu_open.get_untracked() {
                    event.stop_propagation();
                    close(true);
                }
            }
        >
            <button
                type="button"
                class="c360-menu-button"
                node_ref=ui.button
                aria-label=Text::MoreOptions.get(lang)
                aria-haspopup="menu"
                aria-expanded=move || if ui.menu_open.get() { "true" } else { "false" }
                aria-controls="c360-menu-items"
                on:click=move |_| {
                    let open = !ui.menu_open.get_untracked();
                    ui.menu_open.set(open);
                    if open {
                        request_animation_frame(move || {
                            if let Some(item) = item.get_untracked() {
                                let _ = item.focus();
                            }
                        });
                    }
                }
            >
                <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <circle cx="12" cy="5" r="1.6"></circle>
                    <circle cx="12" cy="12" r="1.6"></circle>
                    <circle cx="12" cy="19" r="1.6"></circle>
                </svg>
            </button>
            <div
                id="c360-menu-items"
                class="c360-menu-items"
                role="menu"
                aria-label=Text::MoreOptions.get(lang)
                hidden=move || !ui.menu_open.get()
                // Browsers that do not focus a pressed button (Safari, Firefox on macOS) would
                // move focus out of the menu on the press and close it before the click.
                on:mousedown=move |event: leptos::ev::MouseEvent| event.prevent_default()
                on:keydown=move |event: leptos::ev::KeyboardEvent| {
                    let key = event.key();
                    if key == "ArrowDown" || key == "ArrowUp" {
                        event.prevent_default();
                        if let Some(from) = event
                            .target()
                            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                        {
                            move_in_menu(&from, key == "ArrowDown");
                        }
                    }
                }
                on:focusout=move |event: leptos::ev::FocusEvent| {
                    // Focus left the menu (not to another item, nor to its button): it closes.
                    let to = event
                        .related_target()
                        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok());
                    let menu = event
                        .current_target()
                        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok());
                    let inside = to.as_ref().is_some_and(|to| {
                        menu.as_ref().is_some_and(|m| m.contains(Some(to)))
                            || ui.button.get_untracked().is_some_and(|b| b.is_same_node(Some(to)))
                    });
                    if !inside {
                        close(false);
                    }
                }
            >
                <button
                    type="button"
                    role="menuitem"
                    class="c360-menu-item"
                    node_ref=item
                    on:click=move |_| {
                        // Of the current chat, which shows again (its notice shows there).
                        ui.earlier.set(Earlier::Closed);
                        close(true);
                        download_transcript(chat, ui.download_failed);
                    }
                >
                    {Text::DownloadTranscript.get(lang)}
                </button>
                <button
                    type="button"
                    role="menuitem"
                    class="c360-menu-item"
                    on:click=move |_| {
                        // Focus waits on the menu's button until the list's heading takes it.
                        close(true);
                        ui.earlier.set(Earlier::List);
                    }
                >
                    {Text::EarlierChats.get(lang)}
                </button>
                <button
                    type="button"
                    role="menuitem"
                    class="c360-menu-item"
                    hidden=move || chat.life.get().ended
                    on:click=move |_| {
                        // The confirmation sits above the current chat's composer.
                        ui.earlier.set(Earlier::Closed);
                        ui.menu_open.set(false);
                        ui.confirming.set(true);
                    }
                >
                    {Text::EndChat.get(lang)}
                </button>
            </div>
        </div>
    }
}

/// Above the composer: the confirmation to end, then the ended chat's notice and rating.
#[component]
pub fn EndPanel(ui: EndUi) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let confirm: NodeRef<html::Button> = NodeRef::new();
    Effect::new(move |_| {
        if ui.confirming.get() {
            request_animation_frame(move || {
                if let Some(button) = confirm.get_untracked() {
                    let _ = button.focus();
                }
            });
        }
    });
    let cancel = move || {
        ui.confirming.set(false);
        failed.set(false);
        ui.back_to_menu_button();
    };
    let end = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failed.set(false);
        spawn_local(async move {
            let result = chat.end_chat().await;
            busy.try_set(false);
            match result {
                Ok(()) => {
                    // The confirmation's button is gone: focus goes to the rating (once it is
                    // drawn: in the split build its module may still be on its way).
                    ui.focus_rating.try_set(true);
                    ui.confirming.try_set(false);
                }
                Err(_) => {
                    failed.try_set(true);
                }
            }
        });
    };
    view! {
        <Show when=move || ui.download_failed.get()>
            <div class="c360-notice-band">
                <p class="c360-notice" role="alert">{Text::TranscriptFailed.get(lang)}</p>
            </div>
        </Show>
        <Show when=move || ui.confirming.get() && !chat.life.get().ended>
            <div
                class="c360-confirm"
                role="alertdialog"
                aria-labelledby="c360-confirm-text"
                on:keydown=move |event: leptos::ev::KeyboardEvent| {
                    if event.key() == "Escape" {
                        event.stop_propagation();
                        cancel();
                    }
                }
            >
                <p id="c360-confirm-text">{Text::EndChatConfirm.get(lang)}</p>
                <p class="c360-notice" role="alert">
                    {move || failed.get().then(|| Text::EndFailed.get(lang))}
                </p>
                <div class="c360-confirm-actions">
                    <button type="button" class="c360-contact-submit" node_ref=confirm
                        aria-disabled=move || busy.get().then_some("true")
                        on:click=move |_| end()
                    >
                        {Text::EndChat.get(lang)}
                    </button>
                    <button type="button" class="c360-link-button" on:click=move |_| cancel()>
                        {Text::Cancel.get(lang)}
                    </button>
                </div>
            </div>
        </Show>
        <Show when=move || chat.life.get().ended>
            {on_demand(move || rating_view(ui))}
        </Show>
    }
}

on_demand_view! {
    /// The ended chat's notice and rating, in a module of its own in the split build.
    fn rating_view(ui: EndUi) {
        view! { <Rating ui=ui/> }.into_any()
    }
}

/// The ended chat's notice and its rating.
#[component]
fn Rating(ui: EndUi) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let chosen = RwSignal::new(None::<u8>);
    let form: NodeRef<html::Form> = NodeRef::new();
    // Tracked: the visitor's end may be confirmed after the rating is drawn (a poll brought
    // the end first).
    Effect::new(move |_| {
        if ui.focus_rating.get() {
            ui.focus_rating.set(false);
            request_animation_frame(move || {
                let first = form
                    .get_untracked()
                    .and_then(|f| f.query_selector(".c360-rating input").ok().flatten());
                if let Some(input) = first {
                    let _ =
                        wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(input).focus();
                }
            });
        }
    });
    let comment = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<Text>);
    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let Some(rating) = chosen.get_untracked() else {
            problem.set(Some(Text::ChooseRating));
            return;
        };
        let text = comment.get_untracked();
        let comment = Some(text.trim().to_owned()).filter(|c| !c.is_empty());
        busy.set(true);
        problem.set(None);
        let root = form.get_untracked().map(|f| f.get_root_node());
        spawn_local(async move {
            let result = chat.rate_chat(rating, comment).await;
            busy.try_set(false);
            if result.is_ok() {
                // The form is gone: focus goes back to the composer (writing opens the chat).
                request_animation_frame(move || focus_in(root, "textarea.c360-input"));
            }
            if result.is_err() && !chat.life.get_untracked().rated {
                problem.try_set(Some(Text::RatingFailed));
            }
        });
    };
    let starting = RwSignal::new(false);
    let start_failed = RwSignal::new(false);
    let start_new = move |root: Option<web_sys::Node>| {
        if starting.get_untracked() {
            return;
        }
        starting.set(true);
        start_failed.set(false);
        spawn_local(async move {
            let result = chat.new_chat().await;
            starting.try_set(false);
            match result {
                // This notice is gone with the ended chat: the composer is where to go on.
                Ok(()) => request_animation_frame(move || focus_in(root, "textarea.c360-input")),
                Err(_) => {
                    start_failed.try_set(true);
                }
            }
        });
    };
    view! {
        <section class="c360-ended" aria-labelledby="c360-ended-title">
            <h3 class="c360-contact-title" id="c360-ended-title">{Text::ChatEnded.get(lang)}</h3>
            <div class="c360-confirm-actions">
                <button
                    type="button"
                    class="c360-link-button c360-new-chat"
                    aria-disabled=move || starting.get().then_some("true")
                    on:click=move |event: leptos::ev::MouseEvent| {
                        let root = event
                            .target()
                            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok())
                            .map(|n| n.get_root_node());
                        start_new(root);
                    }
                >
                    {Text::StartNewChat.get(lang)}
                </button>
            </div>
            <p class="c360-notice" role="alert">
                {move || start_failed.get().then(|| Text::NewChatFailed.get(lang))}
            </p>
            <Show
                when=move || !chat.life.get().rated
                fallback=move || view! {
                    <p class="c360-contact-intro" role="status">
                        {Text::RatingThanks.get(lang)} " " {Text::WriteAgain.get(lang)}
                    </p>
                }
            >
                <form
                    novalidate
                    node_ref=form
                    on:submit=move |event: leptos::ev::SubmitEvent| {
                        event.prevent_default();
                        submit();
                    }
                >
                    <fieldset class="c360-rating" aria-describedby="c360-rating-problem">
                        <legend>{Text::RateQuestion.get(lang)}</legend>
                        {RATINGS
                            .iter()
                            .enumerate()
                            .map(|(i, text)| rating_choice(i as u8 + 1, *text, chosen, problem, lang))
                            .collect_view()}
                    </fieldset>
                    <div class="c360-field">
                        <label for="c360-rating-comment">{Text::RatingComment.get(lang)}</label>
                        <textarea
                            id="c360-rating-comment"
                            class="c360-rating-comment"
                            rows="2"
                            maxlength="500"
                            dir="auto"
                            prop:value=move || comment.get()
                            on:input=move |event| comment.set(event_target_value(&event))
                        ></textarea>
                    </div>
                    <p id="c360-rating-problem" class="c360-notice" role="alert">
                        {move || problem.get().map(|p| p.get(lang))}
                    </p>
                    <button type="submit" class="c360-contact-submit"
                        aria-disabled=move || busy.get().then_some("true")>
                        {Text::SendRating.get(lang)}
                    </button>
                </form>
            </Show>
        </section>
    }
}

/// Focuses the first element matching `selector` in `root` (the widget's shadow root).
fn focus_in(root: Option<web_sys::Node>, selector: &str) {
    use wasm_bindgen::JsCast;
    let found = root
        .and_then(|r| r.dyn_into::<web_sys::ShadowRoot>().ok())
        .and_then(|r| r.query_selector(selector).ok().flatten());
    if let Some(element) = found {
        let _ = element.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

/// One choice of the rating: a radio button named "4 — Good".
fn rating_choice(
    value: u8,
    text: Text,
    chosen: RwSignal<Option<u8>>,
    problem: RwSignal<Option<Text>>,
    lang: connect360_model::Lang,
) -> AnyView {
    // The input inside its label: named by it ("4 Good") without ids.
    view! {
        <label class="c360-rating-choice">
            <input
                type="radio"
                name="c360-rating"
                value=value.to_string()
                prop:checked=move || chosen.get() == Some(value)
                on:change=move |_| {
                    chosen.set(Some(value));
                    problem.set(None);
                }
            />
            // The space makes the name "4 Good" for every reading of it, not "4Good".
            <span class="c360-rating-number">{value.to_string()}</span>
            " "
            <span>{text.get(lang)}</span>
        </label>
    }
    .into_any()
}

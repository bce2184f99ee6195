//! The visitor's chats, from the header's menu: a list of them (each with its day and its
//! newest message), and any earlier one read in full — as lines of text, the way its
//! transcript file has them, since nothing in it can be answered or pressed any more.
//! It takes the panel's body while open; the composer keeps what was typed.

use connect360_model::wire::{ChatSummary, Message};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::download::{save_transcript, MessageLine};
use super::life::EndUi;
use super::time::{clock, day, day_key, parse_millis};
use crate::i18n::Text;
use crate::store::Chat;
use connect360_model::Lang;

/// What the chats view shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Earlier {
    #[default]
    Closed,
    List,
    /// An earlier chat: its id and when it started.
    Chat {
        id: String,
        started_at: String,
    },
}

/// A fetch's state.
#[derive(Debug, Clone, PartialEq)]
enum Load<T> {
    Loading,
    Failed,
    Loaded(T),
}

/// The newest message of a chat, as its list entry says it.
fn preview(message: Option<&Message>, lang: Lang) -> String {
    match message {
        Some(message) => {
            let line = MessageLine::of(message, js_sys::Date::now(), lang);
            format!("{}: {}", line.name, line.text)
        }
        None => Text::NoMessages.get(lang).to_owned(),
    }
}

/// "Tuesday 3 December, 14:05": when a chat started.
fn started(started_at: &str, lang: Lang) -> String {
    let at = parse_millis(started_at).unwrap_or_else(js_sys::Date::now);
    format!("{}, {}", day(at, lang), clock(at, lang))
}

on_demand_view! {
    /// The chats view, in a module of its own in the split build.
    pub fn earlier_chats_view(ui: EndUi) {
        view! { <EarlierChats ui=ui/> }.into_any()
    }
}

#[component]
fn EarlierChats(ui: EndUi) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let chats = RwSignal::new(Load::<Vec<ChatSummary>>::Loading);
    let messages = RwSignal::new(Load::<Vec<Message>>::Loading);
    // The chat last opened from the list: going back to the list gives it focus again.
    let opened = RwSignal::new(None::<String>);
    // Saving an earlier chat's transcript failed (said in the view's alert).
    let save_failed = RwSignal::new(false);
    let section: NodeRef<html::Section> = NodeRef::new();
    let heading: NodeRef<html::H3> = NodeRef::new();
    let focus_heading = move || {
        request_animation_frame(move || {
            if let Some(heading) = heading.get_untracked() {
                let _ = heading.focus();
            }
        })
    };
    // Each view fetches what it shows when it opens; a reply for a view left meanwhile (the
    // visitor went on to another chat) is dropped.
    Effect::new(move |_| {
        let view = ui.earlier.get();
        // A failed download belongs to the view it was asked from.
        save_failed.set(false);
        match view {
            Earlier::Closed => opened.set(None),
            Earlier::List => {
                chats.set(Load::Loading);
                if opened.get_untracked().is_none() {
                    focus_heading();
                }
                spawn_local(async move {
                    let loaded = chat.chats().await;
                    if ui.earlier.try_get_untracked() != Some(Earlier::List) {
                        return;
                    }
                    chats.try_set(loaded.map_or(Load::Failed, Load::Loaded));
                    if let Some(id) = opened.try_get_untracked().flatten() {
                        request_animation_frame(move || focus_chat_item(section, &id));
                    }
                });
            }
            Earlier::Chat { id, .. } => {
                messages.set(Load::Loading);
                opened.set(Some(id.clone()));
                focus_heading();
                spawn_local(async move {
                    let loaded = chat.chat_messages(&id).await;
                    let still_shown = ui
                        .earlier
                        .try_with_untracked(
                            |e| matches!(e, Earlier::Chat { id: shown, .. } if *shown == id),
                        )
                        .unwrap_or(false);
                    if still_shown {
                        messages.try_set(loaded.map_or(Load::Failed, Load::Loaded));
                    }
                });
            }
        }
    });
    let back = move || match ui.earlier.get_untracked() {
        Earlier::Chat { .. } => ui.earlier.set(Earlier::List),
        _ => ui.close_earlier(),
    };
    let open = move |summary: ChatSummary| {
        if summary.current {
            ui.close_earlier();
        } else {
            ui.earlier.set(Earlier::Chat {
                id: summary.conversation_id,
                started_at: summary.started_at,
            });
        }
    };
    let title = move || match ui.earlier.get() {
        Earlier::Chat { started_at, .. } => started(&started_at, lang),
        _ => Text::EarlierChats.get(lang).to_owned(),
    };
    // One status and one alert for both views, there before their text (so it is read out).
    let loading = move || match ui.earlier.get() {
        Earlier::List => chats.with(|c| matches!(c, Load::Loading)),
        Earlier::Chat { .. } => messages.with(|m| matches!(m, Load::Loading)),
        Earlier::Closed => false,
    };
    let failed = move || match ui.earlier.get() {
        Earlier::List => chats.with(|c| matches!(c, Load::Failed)),
        Earlier::Chat { .. } => messages.with(|m| matches!(m, Load::Failed)),
        Earlier::Closed => false,
    };
    view! {
        <section
            class="c360-chats"
            aria-labelledby="c360-chats-title"
            node_ref=section
            hidden=move || ui.earlier.get() == Earlier::Closed
            on:keydown=move |event: leptos::ev::KeyboardEvent| {
                // Escape steps back (to the list, then to the chat), not out of the panel.
                if event.key() == "Escape" {
                    event.stop_propagation();
                    back();
                }
            }
        >
            <button type="button" class="c360-link-button c360-chats-back" on:click=move |_| back()>
                {move || match ui.earlier.get() {
                    Earlier::Chat { .. } => Text::AllChats.get(lang),
                    _ => Text::BackToChat.get(lang),
                }}
            </button>
            <h3 class="c360-contact-title" id="c360-chats-title" tabindex="-1" node_ref=heading>
                {title}
            </h3>
            <p class="c360-contact-intro" role="status">
                {move || loading().then(|| Text::LoadingChats.get(lang))}
            </p>
            <p class="c360-notice" role="alert">
                {move || failed().then(|| Text::ChatsFailed.get(lang))}
                {move || save_failed.get().then(|| Text::TranscriptFailed.get(lang))}
            </p>
            {move || match ui.earlier.get() {
                Earlier::Closed => ().into_any(),
                Earlier::List => chat_list(chats, open, lang),
                Earlier::Chat { started_at, .. } => {
                    let started = parse_millis(&started_at);
                    let save = move |list: &[Message]| {
                        // A second failure is read out again.
                        save_failed.set(false);
                        let day = started.unwrap_or_else(js_sys::Date::now);
                        if save_transcript(list, &chat.title(), day, lang).is_err() {
                            save_failed.set(true);
                        }
                    };
                    chat_lines(messages, started.map(day_key), save, lang)
                }
            }}
        </section>
    }
}

/// Focuses the list's entry for chat `id`.
fn focus_chat_item(section: NodeRef<html::Section>, id: &str) {
    let Some(section) = section.get_untracked() else {
        return;
    };
    if let Ok(items) = section.query_selector_all(".c360-chat-item") {
        for i in 0..items.length() {
            let Some(item) = items.get(i) else { continue };
            let item: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(item);
            if item.get_attribute("data-chat").as_deref() == Some(id) {
                let _ = item.focus();
            }
        }
    }
}

/// The list of the visitor's chats, newest first; the current one leads back to it.
fn chat_list(
    chats: RwSignal<Load<Vec<ChatSummary>>>,
    open: impl Fn(ChatSummary) + Copy + Send + Sync + 'static,
    lang: Lang,
) -> AnyView {
    (move || {
        let Load::Loaded(list) = chats.get() else {
            return ().into_any();
        };
        let none_earlier = list.iter().all(|c| c.current);
        view! {
            {none_earlier.then(|| view! {
                <p class="c360-contact-intro">{Text::NoEarlierChats.get(lang)}</p>
            })}
            <ul class="c360-chat-list">
                {list
                    .into_iter()
                    .map(|summary| {
                        let when = started(&summary.started_at, lang);
                        let last = preview(summary.last_message.as_ref(), lang);
                        let current = summary.current;
                        let id = summary.conversation_id.clone();
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="c360-chat-item"
                                    data-chat=id
                                    on:click=move |_| open(summary.clone())
                                >
                                    <span class="c360-chat-when">
                                        {when}
                                        {current.then(|| view! {
                                            <span class="c360-chat-current">
                                                " · " {Text::CurrentChat.get(lang)}
                                            </span>
                                        })}
                                    </span>
                                    <span class="c360-chat-last" dir="auto">{last}</span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    })
    .into_any()
}

/// An earlier chat's messages, read-only: a line each (who, when, what), grouped by day (the
/// day it started is in its heading already).
fn chat_lines(
    messages: RwSignal<Load<Vec<Message>>>,
    start: Option<(u32, u32, u32)>,
    save: impl Fn(&[Message]) + Copy + Send + Sync + 'static,
    lang: Lang,
) -> AnyView {
    (move || {
        let Load::Loaded(list) = messages.get() else {
            return ().into_any();
        };
        let now = js_sys::Date::now();
        // (the day's heading, unless it is the start's; its lines)
        let mut days: Vec<(Option<String>, Vec<AnyView>)> = Vec::new();
        let mut last_day = None;
        for message in &list {
            let millis = parse_millis(&message.created_at).unwrap_or(now);
            let key = day_key(millis);
            if days.is_empty() || last_day != Some(key) {
                let heading = (Some(key) != start).then(|| day(millis, lang));
                days.push((heading, Vec::new()));
                last_day = Some(key);
            }
            let line = MessageLine::of(message, now, lang);
            let files = message
                .attachments
                .iter()
                .map(|f| view! { <p class="c360-chats-file" dir="auto">"📎 " {f.name.clone()}</p> })
                .collect_view();
            if let Some((_, lines)) = days.last_mut() {
                lines.push(
                    view! {
                        <li class="c360-chats-line">
                            <p class="c360-chats-meta">
                                <span class="c360-chats-name">{line.name}</span>
                                " "
                                <span>{line.time}</span>
                            </p>
                            <p class="c360-chats-text" dir="auto">{line.text}</p>
                            {files}
                        </li>
                    }
                    .into_any(),
                );
            }
        }
        let empty = list.is_empty();
        view! {
            <p class="c360-contact-intro">{Text::ReadOnlyChat.get(lang)}</p>
            {empty.then(|| view! {
                <p class="c360-contact-intro">{Text::NoMessages.get(lang)}</p>
            })}
            {(!empty).then(|| view! {
                <button
                    type="button"
                    class="c360-link-button c360-chats-download"
                    // This chat's, named by its heading: the menu's item downloads the current one.
                    aria-describedby="c360-chats-title"
                    on:click=move |_| messages.with_untracked(|m| {
                        if let Load::Loaded(list) = m {
                            save(list);
                        }
                    })
                >
                    {Text::DownloadTranscript.get(lang)}
                </button>
            })}
            {days
                .into_iter()
                .map(|(heading, lines)| view! {
                    {heading.map(|h| view! { <h4 class="c360-chats-day">{h}</h4> })}
                    <ol class="c360-chats-lines">{lines}</ol>
                })
                .collect_view()}
        }
        .into_any()
    })
    .into_any()
}

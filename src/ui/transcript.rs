//! The transcript: every message in server order, then the visitor's unconfirmed ones; grouped
//! by sender (name and avatar once per group), with day separators and times in the visitor's
//! locale. Long conversations render their newest rows; older ones appear as the visitor
//! scrolls up, with the scroll position kept where it was.

use connect360_model::safety::image_url;
use connect360_model::wire::{Message, SenderType};
use connect360_model::Lang;
use leptos::html;
use leptos::prelude::*;

use super::message::{MessageBubble, PendingBubble};
use super::time::{clock, day, day_key, parse_millis};
use crate::i18n::Text;
use crate::store::transcript::{Pending, Transcript};
use crate::store::Chat;

/// Rows rendered at first, and added per step when scrolling up.
const WINDOW_STEP: usize = 50;
/// Messages of one sender this close together form one group.
const GROUP_GAP_MS: f64 = 5.0 * 60.0 * 1000.0;
/// Within this distance of the bottom, new messages keep the view at the bottom.
const STICKY_PX: i32 = 80;

#[derive(Clone, PartialEq)]
enum RowItem {
    Stored(Message),
    Pending(Pending),
}

/// Who opens a group of agent messages.
#[derive(Clone, PartialEq)]
struct GroupHeader {
    name: String,
    avatar: Option<String>,
}

#[derive(Clone, PartialEq)]
struct Row {
    key: String,
    /// A day separator before this row.
    day: Option<String>,
    header: Option<GroupHeader>,
    mine: bool,
    time: String,
    item: RowItem,
}

/// Turns the transcript into rows: separators where the local day changes, a header where
/// the sender changes or pauses.
fn rows_of(transcript: &Transcript, lang: Lang, endpoint: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut previous: Option<(String, f64, (u32, u32, u32))> = None;
    let mut push = |key: String,
                    sender: String,
                    millis: f64,
                    header: Option<GroupHeader>,
                    mine: bool,
                    item: RowItem| {
        let today = day_key(millis);
        let new_day = previous.as_ref().is_none_or(|(_, _, d)| *d != today);
        let new_group = new_day
            || previous
                .as_ref()
                .is_none_or(|(s, t, _)| *s != sender || millis - t > GROUP_GAP_MS);
        rows.push(Row {
            key: format!("{key}|{new_day}|{new_group}"),
            day: new_day.then(|| day(millis, lang)),
            header: header.filter(|_| new_group),
            mine,
            time: clock(millis, lang),
            item,
        });
        previous = Some((sender, millis, today));
    };
    for message in transcript.messages() {
        let millis = parse_millis(&message.created_at).unwrap_or_else(js_sys::Date::now);
        let mine = message.sender.kind == SenderType::Customer;
        let header = (!mine).then(|| GroupHeader {
            name: message
                .sender
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| Text::SupportTeam.get(lang).to_owned()),
            avatar: message
                .sender
                .image
                .as_deref()
                .and_then(|url| image_url(url).ok())
                .map(|url| connect360_model::safety::resolve_image_url(&url, endpoint)),
        });
        let sender = format!("{:?}:{}", message.sender.kind, message.sender.id);
        push(
            message.id.clone(),
            sender,
            millis,
            header,
            mine,
            RowItem::Stored(message.clone()),
        );
    }
    for pending in transcript.pending() {
        push(
            format!("{}|{:?}", pending.local_id, pending.state),
            "Customer:me".into(),
            pending.created_at,
            None,
            true,
            RowItem::Pending(pending.clone()),
        );
    }
    rows
}

#[component]
pub fn TranscriptView() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let endpoint = chat.config().endpoint;
    let log: NodeRef<html::Div> = NodeRef::new();
    let window = RwSignal::new(WINDOW_STEP);
    let sticky = StoredValue::new(true);

    let all_rows = Memo::new(move |_| chat.transcript.with(|t| rows_of(t, lang, &endpoint)));
    let hidden = move || all_rows.with(|rows| rows.len().saturating_sub(window.get()));
    let shown = move || {
        let skip = hidden();
        all_rows.with(|rows| rows[skip..].to_vec())
    };

    // New rows keep the view at the bottom if it was there (or the visitor just wrote).
    Effect::new(move |_| {
        let last_mine = all_rows.with(|rows| rows.last().is_some_and(|r| r.mine));
        if sticky.get_value() || last_mine {
            request_animation_frame(move || {
                // The widget may be gone by the next frame.
                if let Some(log) = log.try_get_untracked().flatten() {
                    log.set_scroll_top(log.scroll_height());
                }
            });
        }
    });
    // Opening the panel shows the newest messages.
    Effect::new(move |_| {
        if chat.open.get() {
            request_animation_frame(move || {
                // The widget may be gone by the next frame.
                if let Some(log) = log.try_get_untracked().flatten() {
                    log.set_scroll_top(log.scroll_height());
                }
            });
        }
    });

    let show_earlier = move || {
        let Some(log) = log.get_untracked() else {
            return;
        };
        let from_bottom = log.scroll_height() - log.scroll_top();
        window.update(|w| *w += WINDOW_STEP);
        request_animation_frame(move || {
            if let Some(log) = log_node(log) {
                log.set_scroll_top(log.scroll_height() - from_bottom);
            }
        });
    };
    let on_scroll = move |_| {
        let Some(log) = log.get_untracked() else {
            return;
        };
        sticky.set_value(log.scroll_height() - log.scroll_top() - log.client_height() < STICKY_PX);
        if log.scroll_top() < 40 && hidden() > 0 {
            show_earlier();
        }
    };

    view! {
        <div
            class="c360-transcript"
            role="log"
            aria-live="off"
            aria-label=Text::Transcript.get(lang)
            tabindex="0"
            node_ref=log
            on:scroll=on_scroll
        >
            <Show when=move || { hidden() > 0 }>
                <button type="button" class="c360-earlier" on:click=move |_| show_earlier()>
                    {Text::EarlierMessages.get(lang)}
                </button>
            </Show>
            <p class="c360-greeting">
                {chat.config().texts.greeting.unwrap_or_else(|| Text::Greeting.get(lang).to_owned())}
            </p>
            <For each=shown key=|row| row.key.clone() let:row>
                <RowView row=row lang=lang/>
            </For>
        </div>
    }
}

fn log_node(log: web_sys::HtmlDivElement) -> Option<web_sys::HtmlDivElement> {
    log.is_connected().then_some(log)
}

#[component]
fn RowView(row: Row, lang: Lang) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let sign_in = chat.sign_in_configured();
    let side = if row.mine {
        "c360-row c360-row--mine"
    } else {
        "c360-row c360-row--agent"
    };
    let separator = row.day.map(|label| {
        view! { <div class="c360-day" role="separator">{label}</div> }
    });
    let header = row.header.map(|header| {
        let initial = header.name.chars().next().unwrap_or('?').to_string();
        let avatar = match header.avatar {
            Some(src) => view! { <img class="c360-avatar" src=src alt="" loading="lazy"/> }.into_any(),
            None => view! { <span class="c360-avatar" aria-hidden="true">{initial}</span> }.into_any(),
        };
        view! {
            <div class="c360-sender">{avatar}<span class="c360-sender-name">{header.name}</span></div>
        }
    });
    let body = match row.item {
        RowItem::Stored(message) => {
            view! { <MessageBubble message=message lang=lang sign_in_configured=sign_in/> }
                .into_any()
        }
        RowItem::Pending(pending) => {
            view! { <PendingBubble pending=pending lang=lang/> }.into_any()
        }
    };
    view! {
        {separator}
        <div class=side>
            {header}
            {body}
            <span class="c360-time">{row.time}</span>
        </div>
    }
}

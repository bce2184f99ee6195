//! The transcript: every message in server order, then the visitor's unconfirmed ones; grouped
//! by sender (name and avatar once per group), with day separators and times in the visitor's
//! locale. Long conversations render their newest rows; older ones appear as the visitor
//! scrolls up, with the scroll position kept where it was.

use std::collections::HashMap;

use connect360_model::content::RepresentativeType;
use connect360_model::display::{view_message, MessageView};
use connect360_model::safety::{image_url, resolve_image_url};
use connect360_model::strings::MessageString;
use connect360_model::validate::Options;
use connect360_model::wire::{Message, SenderType};
use connect360_model::Lang;
use leptos::html;
use leptos::prelude::*;

use super::message::{side_of, MessageBody, PendingBody};
use super::time::{clock, day, day_key, parse_millis};
use crate::i18n::Text;
use crate::store::announce::shown_name;
use crate::store::transcript::{Pending, Transcript};
use crate::store::{Chat, OlderLoad};

/// Rows rendered at first, and added per step when scrolling up.
const WINDOW_STEP: usize = 50;
/// Messages of one sender this close together form one group.
const GROUP_GAP_MS: f64 = 5.0 * 60.0 * 1000.0;
/// Within this distance of the bottom, new messages keep the view at the bottom.
const STICKY_PX: i32 = 80;

#[derive(Clone, PartialEq)]
enum RowItem {
    Stored(Box<Message>, Box<MessageView>),
    Pending(Pending),
}

/// Who opens a group of agent messages: the effective representative (`rich-messages.md`
/// §5.1) — the value's valid representative, else the sender's name and image.
#[derive(Clone, PartialEq)]
struct GroupHeader {
    name: String,
    avatar: Option<String>,
    bot: bool,
}

impl GroupHeader {
    fn of(message: &Message, view: &MessageView, lang: Lang, endpoint: &str) -> GroupHeader {
        let name = shown_name(message, view, lang);
        let checked = |url: &str| image_url(url).ok().map(|u| resolve_image_url(&u, endpoint));
        match &view.representative {
            Some(rep) => GroupHeader {
                name,
                avatar: rep.avatar_image.as_deref().and_then(checked),
                bot: rep.representative_type == RepresentativeType::Bot,
            },
            None => GroupHeader {
                name,
                avatar: message.sender.image.as_deref().and_then(checked),
                bot: message.sender.kind == SenderType::Ai,
            },
        }
    }

    /// The name a message is announced and labelled by ("Order bot, Bot").
    fn label(&self, lang: Lang) -> String {
        if self.bot {
            format!("{}, {}", self.name, MessageString::BotBadge.text(lang))
        } else {
            self.name.clone()
        }
    }
}

/// A compact quote of the message a reply answers.
#[derive(Clone, PartialEq)]
struct Quote {
    author: String,
    text: String,
}

#[derive(Clone, PartialEq)]
struct Row {
    key: String,
    /// A day separator before this row.
    day: Option<String>,
    /// Shown on the first message of a group.
    header: Option<GroupHeader>,
    /// The first message of a run by one sender: the run's time shows on its last message
    /// only (the stylesheet hides the others' times, except from screen readers).
    starts_group: bool,
    /// The message's name for assistive technology, shown or not.
    label: String,
    mine: bool,
    time: String,
    quote: Option<Quote>,
    item: RowItem,
}

/// Decoded views by message id: a message is decoded once, not on every poll.
type ViewCache = HashMap<String, MessageView>;

/// Turns the transcript into rows: separators where the local day changes, a header where
/// the effective representative changes or pauses.
fn rows_of(
    transcript: &Transcript,
    lang: Lang,
    endpoint: &str,
    sign_in: bool,
    cache: &mut ViewCache,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut previous: Option<(GroupKey, f64, (u32, u32, u32))> = None;
    let you = Text::You.get(lang).to_owned();
    for message in transcript.messages() {
        let view = cache
            .entry(message.id.clone())
            .or_insert_with(|| {
                let options = Options {
                    sign_in_configured: Some(sign_in),
                };
                view_message(
                    &message.content,
                    side_of(message),
                    Some(lang),
                    lang,
                    !message.attachments.is_empty(),
                    options,
                )
            })
            .clone();
        let millis = parse_millis(&message.created_at).unwrap_or_else(js_sys::Date::now);
        let mine = message.sender.kind == SenderType::Customer;
        let header = (!mine).then(|| GroupHeader::of(message, &view, lang, endpoint));
        let key = match &header {
            Some(h) => GroupKey::Agent(h.name.clone(), h.avatar.clone(), h.bot),
            None => GroupKey::Visitor,
        };
        let label = header
            .as_ref()
            .map_or_else(|| you.clone(), |h| h.label(lang));
        let (new_day, new_group) = breaks(&previous, &key, millis);
        // Answers to suggestions are plain bubbles without a quote (§5.7).
        let quote = message
            .parent_id
            .as_deref()
            .filter(|_| !is_suggestion_answer(message))
            .and_then(|parent| transcript.messages().iter().find(|m| m.id == parent))
            .map(|parent| Quote {
                author: if parent.sender.kind == SenderType::Customer {
                    you.clone()
                } else {
                    parent
                        .sender
                        .name
                        .clone()
                        .unwrap_or_else(|| Text::SupportTeam.get(lang).to_owned())
                },
                text: super::super::store::transcript::plain_text_of(parent)
                    .map(|t| t.chars().take(80).collect())
                    .unwrap_or_else(|| Text::NewMessage.get(lang).to_owned()),
            });
        rows.push(Row {
            key: format!("{}|{new_day}|{new_group}", message.id),
            day: new_day.then(|| day(millis, lang)),
            header: header.filter(|_| new_group),
            starts_group: new_group,
            label,
            mine,
            time: clock(millis, lang),
            quote,
            item: RowItem::Stored(Box::new(message.clone()), Box::new(view)),
        });
        previous = Some((key, millis, day_key(millis)));
    }
    for pending in transcript.pending() {
        let millis = pending.created_at;
        let (new_day, new_group) = breaks(&previous, &GroupKey::Visitor, millis);
        rows.push(Row {
            key: format!(
                "{}|{}|{new_day}|{new_group}",
                pending.local_id,
                <&str>::from(pending.state)
            ),
            day: new_day.then(|| day(millis, lang)),
            header: None,
            starts_group: new_group,
            label: you.clone(),
            mine: true,
            time: clock(millis, lang),
            quote: None,
            item: RowItem::Pending(pending.clone()),
        });
        previous = Some((GroupKey::Visitor, millis, day_key(millis)));
    }
    rows
}

/// Who a row belongs to, for grouping.
#[derive(Clone, PartialEq)]
enum GroupKey {
    Visitor,
    Agent(String, Option<String>, bool),
}

/// Whether a row at `millis` by `key` starts a new day and a new group.
fn breaks(
    previous: &Option<(GroupKey, f64, (u32, u32, u32))>,
    key: &GroupKey,
    millis: f64,
) -> (bool, bool) {
    match previous {
        None => (true, true),
        Some((last, at, day)) => {
            let new_day = *day != day_key(millis);
            (
                new_day,
                new_day || last != key || millis - at > GROUP_GAP_MS,
            )
        }
    }
}

fn is_suggestion_answer(message: &Message) -> bool {
    message
        .content
        .values()
        .any(|v| connect360_model::content::answer::read(v).is_some())
}

/// A row's content drawn after the row (a view fetched on demand, `super::on_demand`): the
/// transcript stays at its newest message if it was there (a scroll event never says the
/// log grew below the view).
#[derive(Clone, Copy)]
pub struct LateContent {
    log: NodeRef<html::Div>,
    sticky: StoredValue<bool>,
}

impl LateContent {
    pub fn drawn(&self) {
        let (log, sticky) = (self.log, self.sticky);
        request_animation_frame(move || {
            if sticky.try_get_value().unwrap_or(false) {
                if let Some(log) = log.try_get_untracked().flatten() {
                    log.set_scroll_top(log.scroll_height());
                }
            }
        });
    }
}

#[component]
pub fn TranscriptView() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let endpoint = chat.config().endpoint;
    let log: NodeRef<html::Div> = NodeRef::new();
    let window = RwSignal::new(WINDOW_STEP);
    let sticky = StoredValue::new(true);
    provide_context(LateContent { log, sticky });
    // Messages came in below while the visitor was reading older ones.
    let unseen_below = RwSignal::new(false);

    let cache = StoredValue::new_local(ViewCache::new());
    let all_rows = Memo::new(move |_| {
        let sign_in = chat.sign_in_configured();
        chat.transcript.with(|t| {
            cache
                .try_update_value(|cache| rows_of(t, lang, &endpoint, sign_in, cache))
                .unwrap_or_default()
        })
    });
    let hidden = move || all_rows.with(|rows| rows.len().saturating_sub(window.get()));
    let shown = move || {
        let skip = hidden();
        all_rows.with(|rows| rows[skip..].to_vec())
    };

    // New rows keep the view at the bottom if it was there (or the visitor just wrote).
    Effect::new(move |_| {
        chat.streaming.track();
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
    // An incoming message while scrolled up offers the pill instead of moving the view.
    Effect::new(move |previous: Option<usize>| {
        let (count, incoming) =
            all_rows.with(|rows| (rows.len(), rows.last().is_some_and(|r| !r.mine)));
        if previous.is_some_and(|p| count > p) && incoming && !sticky.get_value() {
            unseen_below.set(true);
        }
        count
    });
    let jump_to_newest = move || {
        unseen_below.set(false);
        if let Some(log) = log.get_untracked() {
            log.set_scroll_top(log.scroll_height());
        }
    };
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

    // Older rows held but not rendered are shown first; then the page before the oldest
    // message held is fetched, and shown as it arrives. Either way the view stays where the
    // visitor was reading.
    let older_held = move || chat.transcript.with(|t| t.older_cursor().is_some());
    // Where the visitor was, as the distance from the content's end to the view's top: rows
    // added above leave it unchanged. Measured once until the next frame puts the view back,
    // so a second reveal before then (a page arriving just after the visitor scrolled) keeps
    // the visitor's place instead of measuring the half-updated view.
    let restore_from_bottom = StoredValue::new(None::<i32>);
    let reveal_earlier = move || {
        let Some(log) = log.get_untracked() else {
            return;
        };
        let measured = log.scroll_height() - log.scroll_top();
        restore_from_bottom.try_update_value(|pending| {
            pending.get_or_insert(measured);
        });
        window.update(|w| *w += WINDOW_STEP);
        request_animation_frame(move || {
            if let Some(log) = log_node(log) {
                // The first frame after the reveals puts the view back; later ones find
                // nothing left to do.
                if let Some(from_bottom) =
                    restore_from_bottom.try_update_value(Option::take).flatten()
                {
                    log.set_scroll_top(log.scroll_height() - from_bottom);
                }
            }
        });
    };
    let show_earlier = move || {
        if hidden() > 0 {
            reveal_earlier();
        } else if older_held() {
            // The store asks once, however often this runs while a page is on its way.
            leptos::task::spawn_local(async move {
                if chat.load_older().await > 0 {
                    reveal_earlier();
                }
            });
        }
    };
    let on_scroll = move |_| {
        let Some(log) = log.get_untracked() else {
            return;
        };
        let at_bottom = at_newest(&log);
        sticky.set_value(at_bottom);
        if at_bottom && unseen_below.get_untracked() {
            unseen_below.set(false);
        }
        if log.scroll_top() < 40 && chat.older_load.get_untracked() != OlderLoad::Failed {
            show_earlier();
        }
    };
    let earlier_label = move || match chat.older_load.get() {
        OlderLoad::Loading if hidden() == 0 => Text::LoadingEarlier.get(lang),
        OlderLoad::Failed if hidden() == 0 => Text::EarlierFailed.get(lang),
        _ => Text::EarlierMessages.get(lang),
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
            <Show when=move || { hidden() > 0 || older_held() }>
                <button
                    type="button"
                    class="c360-earlier"
                    aria-disabled=move || {
                        (hidden() == 0 && chat.older_load.get() == OlderLoad::Loading)
                            .then_some("true")
                    }
                    on:click=move |_| show_earlier()
                >
                    {earlier_label}
                </button>
            </Show>
            <p class="c360-greeting">
                {chat.config().texts.greeting.unwrap_or_else(|| Text::Greeting.get(lang).to_owned())}
            </p>
            <For each=shown key=|row| row.key.clone() let:row>
                <RowView row=row/>
            </For>
            <StreamingRow/>
            <Show when=move || unseen_below.get()>
                <button type="button" class="c360-jump" on:click=move |_| jump_to_newest()>
                    {Text::NewMessagesBelow.get(lang)}
                    <svg class="c360-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d="M12 5v14M6 13l6 6 6-6"></path>
                    </svg>
                </button>
            </Show>
        </div>
    }
}

/// Whether the transcript `log` is scrolled to (about) its newest message.
pub(crate) fn at_newest(log: &web_sys::Element) -> bool {
    log.scroll_height() - log.scroll_top() - log.client_height() < STICKY_PX
}

fn log_node(log: web_sys::HtmlDivElement) -> Option<web_sys::HtmlDivElement> {
    log.is_connected().then_some(log)
}

/// The AI reply while it streams: a typing indicator, then the growing text; it gives way to
/// the stored message as soon as that is in the transcript.
#[component]
fn StreamingRow() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let visible = move || {
        chat.streaming.get().filter(|s| {
            s.message_id
                .as_ref()
                .is_none_or(|id| !chat.transcript.with(|t| t.contains(id)))
        })
    };
    move || {
        visible().map(|reply| {
            let body = if reply.text.is_empty() {
                view! {
                    <div class="c360-bubble c360-typing">
                        <span class="c360-sr-only">{Text::Typing.get(lang)}</span>
                        <span class="c360-dot" aria-hidden="true"></span>
                        <span class="c360-dot" aria-hidden="true"></span>
                        <span class="c360-dot" aria-hidden="true"></span>
                    </div>
                }
                .into_any()
            } else {
                view! { <div class="c360-bubble c360-text" dir="auto">{reply.text}</div> }.into_any()
            };
            view! {
                <article class="c360-row c360-row--agent c360-streaming" aria-label=Text::Assistant.get(lang)>
                    {body}
                </article>
            }
        })
    }
}

#[component]
fn RowView(row: Row) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let side = if row.mine {
        "c360-row c360-row--mine"
    } else {
        "c360-row c360-row--agent"
    };
    let separator = row.day.map(|label| {
        // A heading, not a separator: a separator's content is presentational, and screen
        // readers skip the date; a heading also lets them jump from day to day.
        view! { <h3 class="c360-day">{label}</h3> }
    });
    let header = row.header.map(|header| {
        let initial = header.name.chars().next().unwrap_or('?').to_string();
        // A picture that does not load gives way to the initial, as an image gives way to its
        // alt text: never the browser's broken-image icon.
        let broken = RwSignal::new(false);
        let avatar = move || match header.avatar.clone().filter(|_| !broken.get()) {
            Some(src) => view! {
                <img class="c360-avatar" src=src alt="" on:error=move |_| broken.set(true)/>
            }
            .into_any(),
            None => view! { <span class="c360-avatar" aria-hidden="true">{initial.clone()}</span> }.into_any(),
        };
        view! {
            <div class="c360-sender" aria-hidden="true">
                {avatar}
                <span class="c360-sender-name">{header.name}</span>
                {header.bot.then(|| view! { <span class="c360-badge-bot">{MessageString::BotBadge.text(lang)}</span> })}
            </div>
        }
    });
    let quote = row.quote.map(|quote| {
        view! {
            <blockquote class="c360-quote">
                <span class="c360-sr-only">{Text::InReplyTo.get(lang)}" "</span>
                <span class="c360-quote-author">{quote.author}</span>
                <span class="c360-quote-text" dir="auto">{quote.text}</span>
            </blockquote>
        }
    });
    let body = match row.item {
        RowItem::Stored(message, view) => {
            view! { <MessageBody message=*message shown=*view/> }.into_any()
        }
        RowItem::Pending(pending) => view! { <PendingBody pending=pending/> }.into_any(),
    };
    view! {
        {separator}
        <article class=side class:c360-row--first=row.starts_group aria-label=row.label>
            {header}
            {quote}
            {body}
            <span class="c360-time">{row.time}</span>
        </article>
    }
}

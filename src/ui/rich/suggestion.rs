//! One suggestion as a native control (`rich-messages.md` §5.7, §6): a reply or live-agent
//! request is a `<button>` that posts the answer; an open-URL or dial action is a link that the
//! browser follows while the widget posts alongside (never `preventDefault`); a sign-in request
//! runs the relay flow. A used card button stays focusable with `aria-disabled` and a check.

use connect360_model::content::{Action, Suggestion, SuggestionResponseType};
use connect360_model::safety::dial_link;
use connect360_model::strings::MessageString;
use connect360_model::Lang;
use leptos::prelude::*;

use super::sign_in::SignInButton;
use crate::i18n::Text;
use crate::store::outbox::SuggestionAnswer;
use crate::store::{Chat, SuggestionPlace as Place};

/// The controls of `suggestions`, found at `<base>suggestions[i]` inside the value.
pub fn controls(
    suggestions: &[Suggestion],
    value: &super::ValueContext,
    base: &str,
    chip: bool,
    inactive: Signal<bool>,
) -> Vec<impl IntoView> {
    suggestions
        .iter()
        .enumerate()
        .map(|(i, suggestion)| {
            view! {
                <SuggestionControl
                    suggestion=suggestion.clone()
                    place=Place {
                        message_id: value.message_id.clone(),
                        lang: value.lang,
                        path: format!("{base}suggestions[{i}]"),
                    }
                    chip=chip
                    inactive=inactive
                />
            }
        })
        .collect()
}

/// `tabindex` for a control that leaves the tab order while `inactive` (roving tabindex).
pub fn tab_stop(inactive: Signal<bool>) -> impl Fn() -> &'static str + Copy {
    move || if inactive.get() { "-1" } else { "0" }
}

/// The label a suggestion shows and posts.
pub fn label_of(suggestion: &Suggestion, lang: Lang) -> String {
    match suggestion {
        Suggestion::Reply(r) => r.text.clone(),
        Suggestion::Action(a) => a.text.clone(),
        Suggestion::LiveAgentRequest(_) => MessageString::TalkToAPerson.text(lang).to_owned(),
        Suggestion::AuthenticationRequest(_) => MessageString::SignIn.text(lang).to_owned(),
    }
}

#[component]
pub fn SuggestionControl(
    suggestion: Suggestion,
    place: Place,
    /// A chip (message-level) or a card button.
    chip: bool,
    /// Out of the tab order (a carousel card that is not the current one).
    #[prop(into)]
    inactive: Signal<bool>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let ui_lang = chat.lang();
    let label = label_of(&suggestion, place.lang);
    let kind = suggestion.response_type();
    let postback = suggestion.postback_data().to_owned();
    let class = if chip {
        "c360-chip"
    } else {
        "c360-card-button"
    };
    let used = {
        let (message_id, label, postback) =
            (place.message_id.clone(), label.clone(), postback.clone());
        Memo::new(move |_| {
            chat.transcript
                .with(|t| t.answered(&message_id, kind, &postback, &label))
        })
    };
    let answer = {
        let (place, label, postback) = (place.clone(), label.clone(), postback.clone());
        move || {
            chat.answer_suggestion(
                &place.path,
                &label,
                SuggestionAnswer {
                    parent_id: place.message_id.clone(),
                    lang: place.lang.code().to_owned(),
                    postback_data: postback.clone(),
                    kind: kind.as_str().to_owned(),
                },
            );
        }
    };
    let tabindex = tab_stop(inactive);
    // Chips go away once one is used: focus then goes on in the composer, not to the page.
    let panel = use_context::<crate::ui::PanelState>();
    let focus_on = move || {
        if let Some(panel) = panel.filter(|_| chip) {
            panel.focus_composer();
        }
    };

    match suggestion {
        Suggestion::Action(action) => {
            let (href, icon, extra) = match &action.action {
                Action::OpenUrlAction(open) => (
                    open.url.clone(),
                    Icon::Link,
                    Text::OpensInNewTab.get(ui_lang).to_owned(),
                ),
                Action::DialAction(dial) => (
                    dial_link(&dial.phone_number).unwrap_or_default(),
                    Icon::Phone,
                    format!(", {} {}", Text::Call.get(ui_lang), dial.phone_number),
                ),
            };
            let new_tab = matches!(action.action, Action::OpenUrlAction(_));
            // Links stay active: a later activation opens the URL again without posting.
            view! {
                <a
                    class=class
                    href=href
                    target=new_tab.then_some("_blank")
                    rel="noopener noreferrer"
                    tabindex=tabindex
                    on:click=move |_| {
                        if !used.get_untracked() {
                            answer();
                            focus_on();
                        }
                    }
                >
                    {icon.view()}
                    {label}
                    <span class="c360-sr-only">{extra}</span>
                </a>
            }
            .into_any()
        }
        Suggestion::AuthenticationRequest(_) => view! {
            <SignInButton place=place label=label class=class used=used inactive=inactive/>
        }
        .into_any(),
        Suggestion::Reply(_) | Suggestion::LiveAgentRequest(_) => {
            let icon = (kind == SuggestionResponseType::LiveAgent).then_some(Icon::Person);
            let chosen = format!("{} {label}", Text::YouChose.get(ui_lang));
            view! {
                <button
                    type="button"
                    class=class
                    class:c360-chosen=move || used.get()
                    aria-disabled=move || used.get().then_some("true")
                    tabindex=tabindex
                    on:click=move |_| {
                        if !used.get_untracked() {
                            answer();
                            chat.announce(chosen.clone());
                            focus_on();
                        }
                    }
                >
                    {icon.map(Icon::view)}
                    <Show when=move || used.get()>{Icon::Check.view()}</Show>
                    {label.clone()}
                    <Show when=move || used.get()>
                        <span class="c360-sr-only">{Text::Chosen.get(ui_lang)}</span>
                    </Show>
                </button>
            }
            .into_any()
        }
    }
}

/// The small icons of suggestions, drawn inline (no icon font, no emoji font needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Link,
    Phone,
    Person,
    Key,
    Check,
}

impl Icon {
    pub fn view(self) -> impl IntoView {
        let path = match self {
            Icon::Link => "M14 4h6v6M20 4l-9 9M18 14v6H4V6h6",
            Icon::Phone => "M5 4h4l2 5-3 2a11 11 0 0 0 5 5l2-3 5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
            Icon::Person => "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0",
            Icon::Key => "M15 7a4 4 0 1 1-4 4l-7 7v3h3l1-1v-2h2v-2l3-3a4 4 0 0 1 2-6",
            Icon::Check => "M5 12l5 5 9-10",
        };
        view! {
            <svg class="c360-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d=path></path>
            </svg>
        }
    }
}

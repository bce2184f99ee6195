//! The merchant's contact form (`[prechat]`), above the composer before a guest's first
//! message: labelled fields, each error linked to its field (`aria-describedby`) and read out
//! as focus moves to it, 16 px inputs (no zoom on iOS), Enter submits. The values are checked
//! with the gateway's own rules first (`connect360_model::contact`); what the visitor typed
//! stays, in the form and in the composer, until it is accepted, and a message they tried to
//! send goes out then.

use connect360_model::contact::{check, Ask, Asked, Contact, ContactInput, Field, Problem};
use connect360_model::safety::web_link;
use connect360_model::Lang;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::i18n::Text;
use crate::store::Chat;

/// What the visitor typed, kept by the panel so it outlives the form being redrawn.
#[derive(Clone, Copy)]
pub struct ContactValues {
    name: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    consent: RwSignal<bool>,
}

impl ContactValues {
    pub fn new() -> Self {
        ContactValues {
            name: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            consent: RwSignal::new(false),
        }
    }

    /// What the form as it asks now holds: a value typed into a field it no longer shows (the
    /// team came back, and the e-mail asked for while away went) is left out.
    fn input(&self, asked: &Asked) -> ContactInput {
        let text = |ask: Ask, value: RwSignal<String>| {
            Some(value.get_untracked()).filter(|v| ask != Ask::Off && !v.trim().is_empty())
        };
        ContactInput {
            conversation_id: String::new(),
            name: text(asked.name, self.name),
            email: text(asked.email, self.email),
            phone: text(asked.phone, self.phone),
            consent: asked.consent && self.consent.get_untracked(),
        }
    }
}

impl Default for ContactValues {
    fn default() -> Self {
        ContactValues::new()
    }
}

/// The id of a field's input.
fn field_id(field: Field) -> String {
    format!("c360-contact-{}", field.key())
}

fn problem_text(field: Field, problem: Problem) -> Text {
    match (field, problem) {
        (Field::Name, Problem::Missing) => Text::NameMissing,
        (Field::Name, _) => Text::NameBad,
        (Field::Email, Problem::Missing) => Text::EmailMissing,
        (Field::Email, _) => Text::EmailBad,
        (Field::Phone, Problem::Missing) => Text::PhoneMissing,
        (Field::Phone, _) => Text::PhoneBad,
        (Field::Consent, _) => Text::ConsentMissing,
    }
}

type Problems = RwSignal<Vec<(Field, Problem)>>;

// Not on demand: a merchant who sets a form shows it to every new visitor at once, and the
// composer's Enter submits it.
#[component]
pub fn ContactForm(
    asked: Asked,
    values: ContactValues,
    composer: NodeRef<html::Textarea>,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let problems: Problems = RwSignal::new(Vec::new());
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let form: NodeRef<html::Form> = NodeRef::new();
    let away = chat.availability.get_untracked().is_some_and(|a| !a.online);

    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let input = values.input(&asked);
        match check(&asked, &input) {
            Err(found) => {
                let first = found[0].0;
                problems.set(found);
                // After the errors are in the page, so the field is read with its error.
                request_animation_frame(move || {
                    if let Some(field) = form
                        .get_untracked()
                        .and_then(|f| f.query_selector(&format!("#{}", field_id(first))).ok())
                        .flatten()
                    {
                        let _ = field.unchecked_into::<web_sys::HtmlElement>().focus();
                    }
                });
            }
            Ok(contact) if contact == Contact::default() => {
                // Nothing asked for was given (every field optional): nothing to record.
                problems.set(Vec::new());
                chat.contact_given.set(true);
                send_what_was_typed(composer);
            }
            Ok(_) => {
                problems.set(Vec::new());
                failed.set(false);
                busy.set(true);
                spawn_local(async move {
                    let result = chat.submit_contact(input).await;
                    busy.try_set(false);
                    match result {
                        Ok(()) => send_what_was_typed(composer),
                        Err(_) => {
                            failed.try_set(true);
                        }
                    }
                });
            }
        }
    };

    let consent = asked
        .consent
        .then(|| consent_field(&chat, values.consent, problems, lang));
    view! {
        <section class="c360-contact" aria-labelledby="c360-contact-title">
            <h3 class="c360-contact-title" id="c360-contact-title">
                {Text::ContactTitle.get(lang)}
            </h3>
            {away.then(|| view! { <p class="c360-contact-intro">{Text::ContactAway.get(lang)}</p> })}
            <form
                node_ref=form
                novalidate
                on:submit=move |event: leptos::ev::SubmitEvent| {
                    event.prevent_default();
                    submit();
                }
            >
                {text_field(Field::Name, asked.name, values.name, problems, lang)}
                {text_field(Field::Email, asked.email, values.email, problems, lang)}
                {text_field(Field::Phone, asked.phone, values.phone, problems, lang)}
                {consent}
                <p class="c360-notice" role="alert">
                    {move || failed.get().then(|| Text::ContactFailed.get(lang))}
                </p>
                <button type="submit" class="c360-contact-submit" aria-disabled=move || busy.get().then_some("true")>
                    {Text::ContactSubmit.get(lang)}
                </button>
            </form>
        </section>
    }
}

/// After the details are accepted: focus back in the composer, and the message the visitor
/// tried to send before (still there) goes out.
fn send_what_was_typed(composer: NodeRef<html::Textarea>) {
    let Some(input) = composer.get_untracked() else {
        return;
    };
    let _ = input.focus();
    if !input.value().trim().is_empty() {
        if let Some(form) = input.form() {
            let _ = form.request_submit();
        }
    }
}

/// One text field: label ("(optional)" when it is), input, and its error under it.
fn text_field(
    field: Field,
    ask: Ask,
    value: RwSignal<String>,
    problems: Problems,
    lang: Lang,
) -> AnyView {
    if ask == Ask::Off {
        return ().into_any();
    }
    let (label, kind, autocomplete, dir) = match field {
        Field::Name => (Text::FieldName, "text", "name", "auto"),
        Field::Email => (Text::FieldEmail, "email", "email", "ltr"),
        _ => (Text::FieldPhone, "tel", "tel", "ltr"),
    };
    let id = field_id(field);
    let error_id = format!("{id}-error");
    let problem = move || problems.with(|p| p.iter().find(|(f, _)| *f == field).map(|p| p.1));
    let optional = (ask == Ask::Optional).then(|| format!(" {}", Text::Optional.get(lang)));
    view! {
        <div class="c360-field">
            <label for=id.clone()>{label.get(lang)}{optional}</label>
            <input
                id=id
                type=kind
                autocomplete=autocomplete
                dir=dir
                maxlength="254"
                aria-required=(ask == Ask::Required).then_some("true")
                aria-invalid=move || problem().map(|_| "true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || problem().map(|_| error_id.clone())
                }
                prop:value=move || value.get()
                on:input=move |event| {
                    value.set(event_target_value(&event));
                    problems.update(|p| p.retain(|(f, _)| *f != field));
                }
            />
            <p id=error_id class="c360-field-error" hidden=move || problem().is_none()>
                {move || problem().map(|p| problem_text(field, p).get(lang))}
            </p>
        </div>
    }
    .into_any()
}

/// The consent checkbox, with a link to the merchant's privacy notice.
fn consent_field(chat: &Chat, consent: RwSignal<bool>, problems: Problems, lang: Lang) -> AnyView {
    let id = field_id(Field::Consent);
    let error_id = format!("{id}-error");
    let problem = move || problems.with(|p| p.iter().any(|(f, _)| *f == Field::Consent));
    // The gateway checked it; checked again, as every link the widget renders is.
    let link = chat
        .prechat
        .get_untracked()
        .and_then(|form| form.consent_url)
        .and_then(|url| web_link(&url).ok());
    view! {
        <div class="c360-field c360-field--consent">
            <input
                id=id.clone()
                type="checkbox"
                aria-required="true"
                aria-invalid=move || problem().then_some("true")
                aria-describedby={
                    let error_id = error_id.clone();
                    move || problem().then(|| error_id.clone())
                }
                prop:checked=move || consent.get()
                on:change=move |event| {
                    consent.set(event_target_checked(&event));
                    problems.update(|p| p.retain(|(f, _)| *f != Field::Consent));
                }
            />
            <label for=id>{Text::ConsentLabel.get(lang)}</label>
            {link.map(|href| view! {
                <a class="c360-consent-link" href=href target="_blank" rel="noopener noreferrer">
                    {Text::PrivacyNotice.get(lang)}
                    <span class="c360-sr-only">{format!(" {}", Text::OpensInNewTab.get(lang))}</span>
                </a>
            })}
            <p id=error_id class="c360-field-error" hidden=move || !problem()>
                {Text::ConsentMissing.get(lang)}
            </p>
        </div>
    }
    .into_any()
}

//! The conversation as a text file, made in the browser: a title line, then each day and
//! each message — its time and who wrote it in the visitor's locale, what it shows (as the
//! live region says it: text, a picture's description, card titles), its files by name.

use connect360_model::display::view_message;
use connect360_model::validate::Options;
use connect360_model::wire::{Message, SenderType};
use connect360_model::Lang;
use wasm_bindgen::JsCast;

use super::message::side_of;
use super::time::{clock, day, day_key, parse_millis};
use crate::i18n::Text;
use crate::store::announce::{shown_name, shown_text};

/// The transcript of `messages` (oldest first), titled `title`, made at `now`.
pub fn transcript_text(messages: &[Message], title: &str, now: f64, lang: Lang) -> String {
    let mut text = format!(
        "{title} — {}\n{} {}\n",
        Text::TranscriptFile.get(lang),
        day(now, lang),
        clock(now, lang)
    );
    let mut last_day = None;
    for message in messages {
        let millis = parse_millis(&message.created_at).unwrap_or(now);
        if last_day != Some(day_key(millis)) {
            last_day = Some(day_key(millis));
            text.push_str(&format!("\n{}\n", day(millis, lang)));
        }
        let line = MessageLine::of(message, now, lang);
        text.push_str(&format!("[{}] {}: {}\n", line.time, line.name, line.text));
        for file in &message.attachments {
            text.push_str(&format!("    📎 {}\n", file.name));
        }
    }
    text
}

/// A message as one line of a transcript: when, who, what it shows.
pub struct MessageLine {
    pub time: String,
    pub name: String,
    pub text: String,
}

impl MessageLine {
    /// `message`'s line (`now` stands in for a time it lacks).
    pub fn of(message: &Message, now: f64, lang: Lang) -> MessageLine {
        let millis = parse_millis(&message.created_at).unwrap_or(now);
        let view = view_message(
            &message.content,
            side_of(message),
            Some(lang),
            lang,
            !message.attachments.is_empty(),
            Options::default(),
        );
        let name = match message.sender.kind {
            SenderType::Customer => Text::You.get(lang).to_owned(),
            _ => shown_name(message, &view, lang),
        };
        MessageLine {
            time: clock(millis, lang),
            name,
            text: shown_text(&view, lang),
        }
    }
}

/// Downloads the transcript of `messages` as `chat-transcript-YYYY-MM-DD.txt`, named after the
/// day `day_millis` (today for the current chat, the day it started for an earlier one).
pub fn save_transcript(
    messages: &[Message],
    title: &str,
    day_millis: f64,
    lang: Lang,
) -> Result<(), wasm_bindgen::JsValue> {
    let text = transcript_text(messages, title, js_sys::Date::now(), lang);
    let (year, month, date) = day_key(day_millis);
    save_text_file(
        &format!("chat-transcript-{year}-{:02}-{date:02}.txt", month + 1),
        &text,
    )
}

/// Saves `text` as `file_name` (a text file the browser downloads).
pub fn save_text_file(file_name: &str, text: &str) -> Result<(), wasm_bindgen::JsValue> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("no document"))?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    // After the click has started the download.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}

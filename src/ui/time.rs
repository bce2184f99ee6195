//! Timestamps and day separators in the visitor's locale, formatted by the browser's `Intl`
//! (no date library in the bundle).

use connect360_model::Lang;
use wasm_bindgen::JsValue;

/// Unix milliseconds of an ISO-8601 timestamp; `None` if it does not parse.
pub fn parse_millis(iso: &str) -> Option<f64> {
    let millis = js_sys::Date::parse(iso);
    (!millis.is_nan()).then_some(millis)
}

fn format(millis: f64, lang: Lang, options: &[(&str, &str)]) -> String {
    let object = js_sys::Object::new();
    for (key, value) in options {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    js_sys::Date::new(&JsValue::from_f64(millis))
        .to_locale_string(lang.code(), &object)
        .into()
}

/// "14:05" / "2:05 PM", as the locale writes a time of day.
pub fn clock(millis: f64, lang: Lang) -> String {
    format(millis, lang, &[("hour", "numeric"), ("minute", "2-digit")])
}

/// "Sunday, 22 November 2026", for a day separator.
pub fn day(millis: f64, lang: Lang) -> String {
    format(
        millis,
        lang,
        &[
            ("weekday", "long"),
            ("day", "numeric"),
            ("month", "long"),
            ("year", "numeric"),
        ],
    )
}

/// The visitor's local calendar day of `millis`, for grouping.
pub fn day_key(millis: f64) -> (u32, u32, u32) {
    let date = js_sys::Date::new(&JsValue::from_f64(millis));
    (date.get_full_year(), date.get_month(), date.get_date())
}

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

/// "5 minutes" / "5 dakika" / "٥ دقائق": a reply time as the locale writes it (whole hours
/// in hours), plural rules and digits included.
pub fn duration(minutes: u32, lang: Lang) -> String {
    let (value, unit) = if minutes >= 60 && minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    let options = js_sys::Object::new();
    for (key, value) in [("style", "unit"), ("unit", unit), ("unitDisplay", "long")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    let locales = js_sys::Array::of1(&lang.code().into());
    js_sys::Intl::NumberFormat::new(&locales, &options)
        .format()
        .call1(&JsValue::NULL, &value.into())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| value.to_string())
}

/// When the team is back, as (day, time) in the visitor's time zone: "today" / "tomorrow"
/// (the locale's words), a weekday within the week, else the date; and the time of day.
pub fn return_time(millis: f64, now: f64, lang: Lang) -> (String, String) {
    let days = days_between(now, millis);
    let day = if days <= 1 {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
        let locales = js_sys::Array::of1(&lang.code().into());
        js_sys::Intl::RelativeTimeFormat::new(&locales, &options)
            .format(days.max(0) as f64, "day")
            .into()
    } else if days < 7 {
        format(millis, lang, &[("weekday", "long")])
    } else {
        format(millis, lang, &[("day", "numeric"), ("month", "long")])
    };
    (day, clock(millis, lang))
}

/// Calendar days from `from` to `to` in the visitor's time zone (a 23- or 25-hour day counts
/// as one).
fn days_between(from: f64, to: f64) -> i32 {
    let midnight = |millis: f64| {
        let (year, month, day) = day_key(millis);
        js_sys::Date::new_with_year_month_day(year, month as i32, day as i32).get_time()
    };
    ((midnight(to) - midnight(from)) / 86_400_000.0).round() as i32
}

/// The visitor's local calendar day of `millis`, for grouping.
pub fn day_key(millis: f64) -> (u32, u32, u32) {
    let date = js_sys::Date::new(&JsValue::from_f64(millis));
    (date.get_full_year(), date.get_month(), date.get_date())
}

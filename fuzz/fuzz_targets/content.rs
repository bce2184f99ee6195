//! Agent and customer content, rich text, URLs and the AI stream decoder: no input panics or
//! hangs, and whatever is accepted as a link or image is of an allowed kind.
#![no_main]

use connect360_model::rich_text;
use connect360_model::safety;
use connect360_model::validate::{self, Options, Side};
use connect360_model::wire::SseDecoder;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let mut sse = SseDecoder::new();
    let _ = sse.feed(data);

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = rich_text::parse(text);
    if let Ok(link) = safety::web_link(text) {
        assert!(
            link.starts_with("https://") || link.starts_with("http://"),
            "{link}"
        );
    }
    if let Ok(image) = safety::image_url(text) {
        let remote = image.starts_with("https://");
        let own = image.starts_with('/') && !image.starts_with("//");
        assert!(remote || own, "{image}");
    }
    if let Ok(mail) = safety::mailto_link(text) {
        assert!(mail.starts_with("mailto:"), "{mail}");
    }
    if let Ok(tel) = safety::dial_link(text) {
        assert!(tel.starts_with("tel:+"), "{tel}");
    }

    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return;
    };
    for lang in ["en", "ar", "tr"] {
        let _ = validate::decode_agent_value(&value, lang, Options::default());
        let _ = validate::decode_agent_value(
            &value,
            lang,
            Options {
                sign_in_configured: Some(false),
            },
        );
        let _ = validate::decode_customer_value(&value, lang);
    }
    if let Value::Object(content) = &value {
        for side in [Side::Agent, Side::Customer] {
            let _ = validate::check_content(Some(content), side, true);
        }
    }
});

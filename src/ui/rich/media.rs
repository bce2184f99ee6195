//! Images in fixed boxes (`rich-messages.md` §5.3, §5.4): the thumbnail at once, the full image
//! in parallel replacing it when loaded; a failed image leaves the thumbnail or the alt text,
//! never the browser's broken-image icon. The box never changes size, so nothing jumps.

use connect360_model::content::ContentInfo;
use connect360_model::safety::resolve_image_url;
use leptos::prelude::*;

/// How an image fills its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The whole image visible (image messages).
    Contain,
    /// Centre-cropped (card media).
    Cover,
}

/// The images of `info` in a box; `height` in px (card media) or the 4:3 image box.
#[component]
pub fn ImageBox(
    info: ContentInfo,
    endpoint: String,
    alt: String,
    fit: Fit,
    #[prop(optional)] height: Option<u32>,
) -> impl IntoView {
    let full = resolve_image_url(&info.file_url, &endpoint);
    let thumbnail = info
        .thumbnail_url
        .as_deref()
        .map(|t| resolve_image_url(t, &endpoint));
    let has_thumbnail = thumbnail.is_some();
    let full_loaded = RwSignal::new(false);
    let full_failed = RwSignal::new(false);
    let thumb_failed = RwSignal::new(!has_thumbnail);
    let class = match fit {
        Fit::Contain => "c360-image c360-image--contain",
        Fit::Cover => "c360-image c360-image--cover",
    };
    let alt_for_text = alt.clone();
    let thumb_alt = alt.clone();
    view! {
        <span class="c360-image-box" style:height=height.map(|h| format!("{h}px"))>
            {thumbnail.map(|src| view! {
                <img
                    class=class
                    class:c360-image--gone=move || full_loaded.get() || thumb_failed.get()
                    src=src
                    alt=thumb_alt
                    on:error=move |_| thumb_failed.set(true)
                />
            })}
            <img
                class=class
                src=full
                alt=alt
                loading="lazy"
                // Transparent, not hidden, until loaded: a lazy image that is not laid out
                // would never load.
                class:c360-image--gone=move || !full_loaded.get()
                on:load=move |_| full_loaded.set(true)
                on:error=move |_| full_failed.set(true)
            />
            <Show when=move || full_failed.get() && thumb_failed.get()>
                <span class="c360-image-missing">{alt_for_text.clone()}</span>
            </Show>
        </span>
    }
}

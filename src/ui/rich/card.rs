//! Rich cards (`rich-messages.md` §5.4, §5.5, §6): a standalone card, and the carousel — one
//! horizontally scrolling strip of equal-width cards with one tab stop (roving `tabindex`),
//! ←/→ (mirrored in RTL), Home and End, only the current card's buttons in the tab order, and
//! pointer-only previous/next arrows. Scrolling moves only the strip, never the host page.

use connect360_model::content::{CardContent, CarouselCard};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::media::{Fit, ImageBox};
use super::suggestion::{controls, tab_stop};
use super::ValueContext;
use crate::i18n::Text;
use crate::ui::rich_text::plain;

/// The strip's gap between cards (`.c360-strip` in conversation.css).
const CARD_GAP_PX: u32 = 8;

/// One card; `position` is `(index, count)` inside a carousel.
#[component]
pub fn Card(
    card: CardContent,
    value: ValueContext,
    /// Path of the card content inside the value, e.g. `richCard.standaloneCard.cardContent`.
    path: String,
    #[prop(optional)] position: Option<(usize, usize)>,
    /// Not the carousel's current card: out of the tab order.
    #[prop(into, optional)]
    inactive: Signal<bool>,
) -> impl IntoView {
    let lang = value.ui_lang;
    let title = card.title.clone().filter(|t| !t.is_empty());
    let description = card.description.clone().filter(|d| !d.is_empty());
    let described_by = description.as_ref().map(|_| {
        format!(
            "c360-desc-{}-{}",
            value.message_id,
            path.replace(['.', '[', ']'], "-")
        )
    });
    let media = card.media.clone().map(|media| {
        let alt = media.content_info.alt_text.clone().unwrap_or_else(|| {
            if title.is_some() || description.is_some() {
                String::new()
            } else {
                Text::Image.get(lang).to_owned()
            }
        });
        view! {
            <ImageBox
                info=media.content_info.clone()
                endpoint=value.endpoint.clone()
                alt=alt
                fit=Fit::Cover
                height=media.effective_height().pixels()
            />
        }
    });
    let label = {
        let name = title
            .clone()
            .or_else(|| {
                card.media
                    .as_ref()
                    .and_then(|m| m.content_info.alt_text.clone())
            })
            .unwrap_or_else(|| Text::Card.get(lang).to_owned());
        match position {
            Some((index, count)) => crate::i18n::card_position(index + 1, count, &name, lang),
            None => name,
        }
    };
    let description_id = described_by.clone();
    let buttons = controls(
        &card.suggestions,
        &value,
        &format!("{path}."),
        false,
        inactive,
    );
    view! {
        <div
            class="c360-card"
            role="group"
            aria-roledescription=Text::Card.get(lang)
            aria-label=label
            aria-describedby=described_by
            tabindex=position.map(|_| tab_stop(inactive))
        >
            {media}
            {title.map(|t| view! { <p class="c360-card-title">{t}</p> })}
            {description.map(|d| view! { <p class="c360-card-description" id=description_id>{plain(&d)}</p> })}
            <div class="c360-card-buttons">{buttons}</div>
        </div>
    }
}

#[component]
pub fn Carousel(carousel: CarouselCard, value: ValueContext) -> impl IntoView {
    let lang = value.ui_lang;
    let count = carousel.card_contents.len();
    let width = carousel.effective_width().pixels();
    let current = RwSignal::new(0usize);
    let strip: NodeRef<html::Div> = NodeRef::new();
    let rtl = value.lang.direction() == connect360_model::Direction::Rtl;
    // True while the strip scrolls (smoothly) because an arrow or a key asked for a card: the
    // scroll events on the way must not make the cards passed current, or a quick second
    // click would start from one of them. The visitor's own wheel or touch clears it.
    let steering = StoredValue::new(false);
    let by_visitor = move || steering.set_value(false);

    // Shows card `index` fully inside the strip (the strip's scroll only) and focuses it.
    let go_to = move |index: usize, focus: bool| {
        let index = index.min(count.saturating_sub(1));
        current.set(index);
        steering.set_value(true);
        let Some(strip) = strip.get_untracked() else {
            return;
        };
        let Ok(Some(card)) =
            strip.query_selector(&format!(":scope > .c360-card:nth-child({})", index + 1))
        else {
            return;
        };
        let card: web_sys::HtmlElement = card.unchecked_into();
        // Measured from the first card, which sits at scroll 0: independent of the strip's
        // padding, and negative in a right-to-left strip as its scroll position is.
        let first = strip.first_element_child().map_or(0, |c| {
            c.unchecked_into::<web_sys::HtmlElement>().offset_left()
        });
        strip.set_scroll_left(card.offset_left() - first);
        if focus {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = card.focus_with_options(&options);
        }
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        // Only keys pressed on a card itself; its buttons keep their own keys.
        let on_card = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.class_list().contains("c360-card"));
        if !on_card {
            return;
        }
        let now = current.get_untracked();
        let (back, forward) = if rtl {
            ("ArrowRight", "ArrowLeft")
        } else {
            ("ArrowLeft", "ArrowRight")
        };
        let target = match event.key().as_str() {
            k if k == forward => now + 1,
            k if k == back => now.saturating_sub(1),
            "Home" => 0,
            "End" => count - 1,
            _ => return,
        };
        event.prevent_default();
        go_to(target, true);
    };
    let cards: Vec<_> = carousel
        .card_contents
        .iter()
        .enumerate()
        .map(|(i, card)| {
            view! {
                <Card
                    card=card.clone()
                    value=value.clone()
                    path=format!("richCard.carouselCard.cardContents[{i}]")
                    position=(i, count)
                    inactive=Signal::derive(move || current.get() != i)
                />
            }
        })
        .collect();
    let label = format!("{count} {}", Text::Cards.get(lang));
    view! {
        <div
            class="c360-carousel"
            role="group"
            aria-roledescription=Text::Carousel.get(lang)
            aria-label=label
        >
            <div
                class="c360-strip"
                node_ref=strip
                style:--c360-card-width=format!("{width}px")
                on:keydown=on_keydown
                on:wheel=move |_| by_visitor()
                on:pointerdown=move |_| by_visitor()
                on:scroll=move |_| {
                    // Scrolled by touch, trackpad or wheel: the card at the start is current,
                    // so the arrows and the tab stop follow.
                    if steering.get_value() { return }
                    let Some(strip) = strip.get_untracked() else { return };
                    let step = f64::from(width + CARD_GAP_PX);
                    let scrolled = strip.scroll_left().abs();
                    let at_end = scrolled >= strip.scroll_width() - strip.client_width() - 2;
                    let at = if at_end {
                        count.saturating_sub(1)
                    } else {
                        ((f64::from(scrolled) / step).round() as usize).min(count.saturating_sub(1))
                    };
                    if current.get_untracked() != at {
                        current.set(at);
                    }
                }
                on:focusin=move |event: leptos::ev::FocusEvent| {
                    // Clicking or tabbing into another card's button makes that card current.
                    let Some(strip) = strip.get_untracked() else { return };
                    let Some(target) = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
                    let cards = strip.children();
                    for i in 0..cards.length() {
                        if cards.item(i).is_some_and(|c| c.contains(Some(&target))) {
                            current.set(i as usize);
                        }
                    }
                }
            >
                {cards}
            </div>
            <button
                type="button"
                class="c360-strip-arrow c360-strip-arrow--previous"
                aria-hidden="true"
                tabindex="-1"
                title=Text::Previous.get(lang)
                hidden=move || { current.get() == 0 }
                on:click=move |_| go_to(current.get_untracked().saturating_sub(1), false)
            >
                "‹"
            </button>
            <button
                type="button"
                class="c360-strip-arrow c360-strip-arrow--next"
                aria-hidden="true"
                tabindex="-1"
                title=Text::Next.get(lang)
                hidden=move || { current.get() + 1 >= count }
                on:click=move |_| go_to(current.get_untracked() + 1, false)
            >
                "›"
            </button>
        </div>
    }
}

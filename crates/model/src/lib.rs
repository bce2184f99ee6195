//! The Connect360 message model shared by the widget (wasm) and the server (native).
//!
//! It owns the wire shapes of the Connect360 API ([`wire`]), the rich content model of
//! `rich-messages.md` ([`content`]), its validation ([`validate`]), the rich-text parser
//! ([`rich_text`]), URL/phone safety ([`safety`]), language choice ([`lang`]) and what a
//! renderer should show for a value ([`display`]). It has no I/O dependencies (in wasm it parses URLs with the browser's `URL`): the
//! server and the widget validate with the same code, so the two cannot drift.

pub mod contact;
pub mod content;
pub mod display;
pub mod lang;
mod punycode;
pub mod rich_text;
pub mod safety;
pub mod strings;
pub mod validate;
pub mod whatwg;
pub mod wire;

pub use lang::{Direction, Lang};
pub use validate::{Rule, Violation};

//! Connect360 Chat widget: a Leptos client-side app mounted inside an open shadow root.
//!
//! Modules, one concept each: [`mount`] (shadow root, stylesheet, mounting), [`i18n`] (the UI
//! string catalogue), [`ui`] (Leptos components). Message shapes, validation and rich text come
//! from the shared `connect360-model` crate.

pub mod i18n;
pub mod mount;
pub mod ui;

pub use mount::{mount_widget, MountError};

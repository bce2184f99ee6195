//! Connect360 Chat widget: a Leptos client-side app mounted inside an open shadow root.
//!
//! Modules, one concept each: [`config`] (what the embed said), [`api`] (transport),
//! [`store`] (the conversation as reactive state, the outbox, sync), [`ui`] (Leptos
//! components), [`i18n`] (the UI string catalogue), [`mount`] (shadow root, stylesheet,
//! mounting), [`embed`] (the surface the embed loader and `window.Connect360` call). Message shapes, validation and rich text come from the shared
//! `connect360-model` crate. Data flows one way: api → store → ui.

pub mod api;
pub mod config;
pub mod embed;
pub mod i18n;
pub mod mount;
pub mod store;
pub mod ui;

pub use mount::{mount_widget, MountError};

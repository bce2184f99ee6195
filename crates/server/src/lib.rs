//! Connect360 Chat server: the visitor **gateway** a merchant runs in front of Connect360, and
//! a **local Connect360** (SQLite) that the demo and every test run against.
//!
//! Modules: [`config`] (command line and secrets), [`store`] (SQLite and migrations),
//! [`local`] (the Connect360 procedures over the store), [`gateway`] (visitor sessions,
//! tokens and policy), [`trpc`] (the tRPC HTTP wire format), [`rest`] (uploads, assets, AI stream),
//! [`upstream`] (where the gateway's calls go: local or a remote Connect360), [`error`] (error
//! envelopes), [`clock`] (ids and timestamps), [`app`] (the router).

pub mod app;
pub mod clock;
pub mod config;
pub mod console;
pub mod error;
pub mod gateway;
pub mod local;
pub mod precompress;
pub mod rest;
pub mod serve;
pub mod site;
pub mod store;
pub mod trpc;
pub mod upstream;

pub use app::{router, AppState};
pub use config::Config;

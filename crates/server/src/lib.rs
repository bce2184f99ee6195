//! Connect360 Chat server: the visitor **gateway** a merchant runs in front of Connect360, and
//! a **local Connect360** (SQLite) that the demo and every test run against.
//!
//! Modules: [`config`] (command line and secrets), [`store`] (SQLite and migrations),
//! [`local`] (the Connect360 procedures over the store), [`gateway`] (visitor sessions,
//! tokens and policy), [`trpc`] (the tRPC HTTP wire format), [`rest`] (uploads, assets, AI stream),
//! [`upstream`] (where the gateway's calls go: local or a remote Connect360), [`error`] (error
//! envelopes, and [`error::parse_input`] for procedure inputs), [`credentials`] (the key or token a
//! request presents), [`media_type`] (file types by extension), [`sse`] (event-stream answers), [`clock`] (ids and timestamps),
//! [`app`] (the router), [`compose`] (the composition root: `main` and the tests wire a
//! server there). `gateway/` never names `local/`: the local Connect360 builds the gateway
//! in front of itself (`Gateway::in_front_of_local`, in `local/`).

pub mod app;
pub mod caller;
pub mod clock;
pub mod compose;
pub mod config;
pub mod console;
pub mod credentials;
pub mod error;
pub mod gateway;
pub mod handoff;
pub mod local;
pub mod media_type;
pub mod metrics;
pub mod operator;
pub mod precompress;
pub mod rest;
pub mod serve;
pub mod settings;
pub mod site;
pub mod sse;
pub mod store;
pub mod trpc;
pub mod upstream;

pub use app::{router, AppState};
pub use config::Config;

//! The local Connect360: every `v1.connect` procedure of `connect360-api.md` §3 over the
//! SQLite [`Store`], for one configured workspace, its member, API keys and AI agents.
//!
//! Procedures are synchronous (SQLite); the HTTP layer runs them on the blocking pool.

pub mod ai;
pub mod ai_stream;
pub mod auth;
pub mod bot;
pub mod files;
mod procedures;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::error::{parse_input, ApiError};
use crate::gateway::{Gateway, GatewayConfig};
use crate::store::Store;
use crate::upstream::Upstream;
use auth::{ApiKey, Permission};
use connect360_model::wire::{procedure, ErrorCode};

pub use ai::AiJob;

/// The workspace member every key belongs to (the default sender).
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub image: Option<String>,
}

/// A configured AI agent.
#[derive(Debug, Clone)]
pub struct AiAgent {
    pub id: String,
    pub name: String,
    /// Its picture (`sender.image` of its messages), if any.
    pub image: Option<String>,
}

/// Configuration of the local workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub id: String,
    pub member: Member,
    pub agents: Vec<AiAgent>,
    /// Where this server is reachable, for file URLs (`http://127.0.0.1:8787`).
    pub public_base: String,
}

impl Workspace {
    pub fn agent(&self, id: &str) -> Option<&AiAgent> {
        self.agents.iter().find(|a| a.id == id)
    }
}

pub struct LocalConnect {
    /// Shared with the gateway, whose records (grants, idempotency) live in the same file.
    pub store: Arc<Store>,
    pub workspace: Workspace,
    /// Uploaded files live in `<data_dir>/files`.
    data_dir: PathBuf,
    keys: Vec<ApiKey>,
    ai_jobs: mpsc::UnboundedSender<AiJob>,
    /// Every stored customer message, for the demo bot.
    customer_messages: tokio::sync::broadcast::Sender<connect360_model::wire::Message>,
    /// The conversation of every stored message, whoever sent it, and of every conversation
    /// updated or deleted: the gateway's event streams are woken here instead of polling.
    changes: tokio::sync::broadcast::Sender<String>,
}

/// Whether a procedure is a query (GET) or a mutation (POST); `None` for unknown paths.
pub fn is_query(path: &str) -> Option<bool> {
    match path {
        procedure::LIST_MESSAGES => Some(true),
        procedure::GET_OR_CREATE_CONVERSATION
        | procedure::CREATE_SUB_CONVERSATION
        | procedure::UPDATE_CONVERSATION
        | procedure::DELETE_CONVERSATION
        | procedure::SEND
        | procedure::CLAIM_GUEST_CONVERSATIONS => Some(false),
        _ => None,
    }
}

impl LocalConnect {
    /// A local Connect360; the receiver yields the AI replies `send.ai` asks for, to be run
    /// by [`ai::run_worker`].
    pub fn new(
        store: Arc<Store>,
        workspace: Workspace,
        keys: Vec<ApiKey>,
        data_dir: PathBuf,
    ) -> (LocalConnect, mpsc::UnboundedReceiver<AiJob>) {
        let (ai_jobs, receiver) = mpsc::unbounded_channel();
        let local = LocalConnect {
            store,
            workspace,
            data_dir,
            keys,
            ai_jobs,
            customer_messages: tokio::sync::broadcast::channel(256).0,
            changes: tokio::sync::broadcast::channel(1024).0,
        };
        (local, receiver)
    }

    /// Customer messages as they are stored (the demo bot listens here).
    pub fn subscribe_customer_messages(
        &self,
    ) -> tokio::sync::broadcast::Receiver<connect360_model::wire::Message> {
        self.customer_messages.subscribe()
    }

    /// The id of each conversation as a message is stored in it (console, API, bot, AI
    /// alike) or it is updated or deleted.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// Tells the listeners that `conversation_id` changed.
    fn announce_change(&self, conversation_id: &str) {
        // Nobody listening (no event stream open) is fine.
        let _ = self.changes.send(conversation_id.to_owned());
    }

    /// Whether `message` is its sender's first in the conversation.
    /// A conversation as stored (a read: its `updatedAt` stays).
    pub fn conversation(&self, id: &str) -> Result<connect360_model::wire::Conversation, ApiError> {
        self.store
            .transaction(|tx| crate::store::conversations::require(tx, id))
    }

    pub fn is_first_customer_message(
        &self,
        message: &connect360_model::wire::Message,
    ) -> Result<bool, ApiError> {
        self.store.transaction(|tx| {
            let earlier: i64 = tx.sql.query_row(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND sender_type = 'customer'
                 AND seq < (SELECT seq FROM messages WHERE id = ?2)",
                [&message.conversation_id, &message.id],
                |r| r.get(0),
            )?;
            Ok(earlier == 0)
        })
    }

    /// The key whose secret was presented, or 401.
    pub fn authenticate(&self, presented: Option<&str>) -> Result<&ApiKey, ApiError> {
        let presented = presented
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "An API key is required."))?;
        self.keys
            .iter()
            .find(|k| crate::credentials::constant_time_eq(&k.secret, presented))
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "Invalid API key."))
    }

    /// Runs procedure `path` for `key`.
    pub fn call(&self, key: &ApiKey, path: &str, input: Value) -> Result<Value, ApiError> {
        use Permission::*;
        let output = match path {
            procedure::GET_OR_CREATE_CONVERSATION => {
                key.require(&[Engage])?;
                to_value(self.get_or_create_conversation(parse_input(input)?)?)
            }
            procedure::CREATE_SUB_CONVERSATION => {
                key.require(&[Engage])?;
                to_value(self.create_sub_conversation(parse_input(input)?)?)
            }
            procedure::UPDATE_CONVERSATION => {
                key.require(&[Engage])?;
                to_value(self.update_conversation(parse_input(input)?)?)
            }
            procedure::DELETE_CONVERSATION => {
                key.require(&[Delete])?;
                to_value(self.delete_conversation(parse_input(input)?)?)
            }
            procedure::SEND => {
                key.require(&[Engage])?;
                to_value(self.send(parse_input(input)?)?)
            }
            procedure::LIST_MESSAGES => {
                key.require(&[Read])?;
                to_value(self.list_messages(parse_input(input)?)?)
            }
            procedure::CLAIM_GUEST_CONVERSATIONS => {
                key.require(&[Engage])?;
                to_value(self.claim_guest_conversations(parse_input(input)?)?)
            }
            _ => {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("No procedure \"{path}\"."),
                ))
            }
        };
        output
    }
}

fn to_value(output: impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(output).map_err(|e| ApiError::internal(format!("encoding failed: {e}")))
}

/// The gateway is built here, not in `gateway/`, which never names the local Connect360.
impl Gateway {
    /// A gateway in front of the in-process local Connect360, acting with `key`; its records
    /// share the local store's file.
    pub fn in_front_of_local(config: GatewayConfig, local: Arc<LocalConnect>, key: ApiKey) -> Self {
        let records = crate::gateway::records::Records::Sqlite(local.store.clone());
        Gateway::new(
            config,
            Upstream::Local {
                connect: local,
                key,
            },
            records,
        )
    }
}

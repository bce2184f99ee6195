//! Messages: the output object, the `send` input and `listMessages` paging.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Content, CustomerInput, FileRef};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SenderType {
    Workspace,
    Customer,
    Ai,
    /// Missing or unknown (`sender: {}` occurs in the docs); rendered on the agent side.
    #[default]
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sender {
    #[serde(default, rename = "type")]
    pub kind: SenderType,
    /// Member id, customer id or AI agent id.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    #[serde(default)]
    pub conversation_id: String,
    /// The message this one replies to.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// `{}` for attachment-only or template-only messages.
    #[serde(default)]
    pub content: Content,
    #[serde(default)]
    pub attachments: Vec<FileRef>,
    #[serde(default)]
    pub sender: Sender,
    #[serde(default)]
    pub flags: Vec<String>,
    /// ISO-8601 UTC with milliseconds.
    #[serde(default)]
    pub created_at: String,
}

/// `send`'s `sender`: a plain string, never `"ai"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SendAs {
    #[default]
    Workspace,
    Customer,
}

/// `send.ai`: ask for an AI reply after the message is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AiRequest {
    pub agent_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
}

/// The `send` input, every documented field.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendInput {
    pub conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_context: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<SendAs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai: Option<AiRequest>,
}

/// `listMessages`: forward paging with an inclusive cursor (`connect360-api.md` §3.6).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListMessagesInput {
    pub conversation_id: String,
    /// 1..=100, default 50; the server refuses anything else (no clamping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One page, oldest → newest; `nextCursor` is the first id of the next page.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    #[serde(default)]
    pub items: Vec<Message>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

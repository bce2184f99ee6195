//! `claimGuestConversations`: attach a guest's conversations to a known customer.

use serde::{Deserialize, Serialize};

use super::{CustomerInput, Json};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimGuestConversationsInput {
    /// At least 8 characters.
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_local_conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_metadata: Option<Json>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClaimGuestConversationsOutput {
    pub claimed: u64,
    pub reparented: u64,
}

//! The seven `v1.connect` procedures (`connect360-api.md` §3.1–§3.7).

use std::collections::HashMap;

use connect360_model::lang::Lang;
use connect360_model::validate::{
    check_content, decode_customer_value, suggestion_response_matches, Rule, Side, Violation,
};
use connect360_model::wire::limits::{LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, MIN_FINGERPRINT_CHARS};
use connect360_model::wire::*;

use super::{AiJob, LocalConnect};
use crate::clock::new_id;
use crate::error::ApiError;
use crate::store::conversations::{self, new_metadata};
use crate::store::messages::{self, MessageRow};
use crate::store::{channels, customers, files, merge_metadata, Tx};

/// Our convention: a message carries at most this many files (two full uploads).
const MAX_MESSAGE_ATTACHMENTS: usize = 10;

/// The fields `getOrCreateConversation` and `createSubConversation` share.
struct ConversationSpec<'a> {
    name: Option<&'a String>,
    kind: ConversationType,
    customer_id: Option<String>,
    member_ids: &'a [String],
    channel_ids: &'a [String],
    channel_identifier: Option<&'a String>,
    metadata: Option<&'a Json>,
    parent_id: Option<String>,
}

impl LocalConnect {
    pub fn get_or_create_conversation(
        &self,
        input: GetOrCreateConversationInput,
    ) -> Result<Conversation, ApiError> {
        let members = input.member_ids.clone().unwrap_or_default();
        if input.customer_id.is_none() && input.customer.is_none() && members.is_empty() {
            return Err(ApiError::bad_request(
                "One of customerId, customer or a non-empty memberIds is required.",
            ));
        }
        self.store.transaction(|tx| {
            let customer =
                customers::resolve(tx, input.customer_id.as_deref(), input.customer.as_ref())?;
            self.check_members(&members)?;
            let all_members = self.with_key_member(&members);
            let existing = match &customer {
                Some(customer) => conversations::oldest_top_level_of_customer(tx, &customer.id)?,
                None => conversations::top_level_with_members(tx, &all_members)?,
            };
            if let Some(conversation) = existing {
                return Ok(conversation);
            }
            let channel_ids = input.channel_ids.clone().unwrap_or_default();
            self.create_conversation(
                tx,
                ConversationSpec {
                    name: input.name.as_ref(),
                    kind: input.kind.unwrap_or(ConversationType::Direct),
                    customer_id: customer.map(|c| c.id),
                    member_ids: &members,
                    channel_ids: &channel_ids,
                    channel_identifier: input.channel_identifier.as_ref(),
                    metadata: input.metadata.as_ref(),
                    parent_id: None,
                },
            )
        })
    }

    pub fn create_sub_conversation(
        &self,
        input: CreateSubConversationInput,
    ) -> Result<Conversation, ApiError> {
        self.store.transaction(|tx| {
            let parent = conversations::require(tx, &input.parent_id)?;
            let customer =
                customers::resolve(tx, input.customer_id.as_deref(), input.customer.as_ref())?;
            let members = input.member_ids.clone().unwrap_or_default();
            self.check_members(&members)?;
            let inherit_channels =
                input.channel_ids.is_none() && input.channel_identifier.is_none();
            let channel_ids = if inherit_channels {
                parent.channel_ids.clone()
            } else {
                input.channel_ids.clone().unwrap_or_default()
            };
            let channel_identifier = if inherit_channels {
                parent.channel_identifier.as_ref()
            } else {
                input.channel_identifier.as_ref()
            };
            self.create_conversation(
                tx,
                ConversationSpec {
                    name: input.name.as_ref(),
                    kind: input.kind.unwrap_or(ConversationType::Group),
                    customer_id: customer.map(|c| c.id).or(parent.customer_id.clone()),
                    member_ids: &members,
                    channel_ids: &channel_ids,
                    channel_identifier,
                    metadata: input.metadata.as_ref(),
                    parent_id: Some(parent.id.clone()),
                },
            )
        })
    }

    pub fn update_conversation(
        &self,
        input: UpdateConversationInput,
    ) -> Result<Conversation, ApiError> {
        self.store.transaction(|tx| {
            let mut conversation = conversations::require(tx, &input.id)?;
            match input.name {
                Patch::Unchanged => {}
                Patch::Clear => conversation.name = None,
                Patch::Set(name) => conversation.name = Some(name),
            }
            if let Some(patch) = &input.metadata {
                merge_metadata(&mut conversation.metadata, patch);
            }
            match input.parent_id {
                Patch::Unchanged => {}
                Patch::Clear => conversation.parent_id = None,
                Patch::Set(parent_id) => {
                    conversations::require(tx, &parent_id)?;
                    if conversations::is_self_or_descendant(tx, &conversation.id, &parent_id)? {
                        return Err(ApiError::bad_request(
                            "A conversation cannot be moved under itself or one of its sub-conversations.",
                        ));
                    }
                    conversation.parent_id = Some(parent_id);
                }
            }
            conversation.updated_at = tx.now();
            conversations::save(tx, &conversation)?;
            Ok(conversation)
        })
        .inspect(|conversation| self.announce_change(&conversation.id))
    }

    pub fn delete_conversation(
        &self,
        input: DeleteConversationInput,
    ) -> Result<DeleteConversationOutput, ApiError> {
        let (deleted_files, tree) = self.store.transaction(|tx| {
            let tree = conversations::self_and_descendants(tx, &input.id)?;
            let attached = conversations::attachment_ids(tx, &tree)?;
            if !conversations::delete(tx, &input.id)? {
                return Err(ApiError::not_found("Conversation"));
            }
            // The files only these messages named go too, and the gateway's grants to all
            // of it (its records share this store): nothing deleted stays reachable.
            let files = crate::store::files::delete_unreferenced(tx, &attached)?;
            crate::store::grants::revoke_conversations(tx, &tree)?;
            crate::store::grants::revoke_files(tx, &files)?;
            Ok((files, tree))
        })?;
        for id in &tree {
            self.announce_change(id);
        }
        for id in deleted_files {
            let _ = std::fs::remove_file(self.file_path(&id));
        }
        Ok(DeleteConversationOutput {
            id: input.id.clone(),
            deleted: true,
        })
    }

    pub fn send(&self, input: SendInput) -> Result<Message, ApiError> {
        let as_customer = input.sender == Some(SendAs::Customer);
        let attachment_ids = dedupe(input.attachment_ids.clone().unwrap_or_default());
        if attachment_ids.len() > MAX_MESSAGE_ATTACHMENTS {
            return Err(ApiError::bad_request(format!(
                "attachmentIds: at most {MAX_MESSAGE_ATTACHMENTS} files per message."
            )));
        }
        let content_required = attachment_ids.is_empty() && input.template_id.is_none();
        let side = if as_customer {
            Side::Customer
        } else {
            Side::Agent
        };
        let violations = check_content(input.content.as_ref(), side, content_required);
        if !violations.is_empty() {
            return Err(ApiError::invalid_content(violations));
        }
        let agent = match &input.ai {
            Some(ai) => Some(
                self.workspace
                    .agent(&ai.agent_id)
                    .ok_or_else(|| ApiError::not_found("AI agent"))?
                    .clone(),
            ),
            None => None,
        };
        let message = self.store.transaction(|tx| {
            let conversation = conversations::require(tx, &input.conversation_id)?;
            let content = input.content.clone().unwrap_or_default();
            let parent = match &input.parent_id {
                Some(parent_id) => Some(
                    messages::get(tx, parent_id)?
                        .filter(|m| m.conversation_id == conversation.id)
                        .ok_or_else(|| ApiError::not_found("Parent message"))?,
                ),
                None => None,
            };
            if as_customer {
                check_suggestion_responses(&content, parent.as_ref())?;
            }
            for id in &attachment_ids {
                files::get(tx, id)?.ok_or_else(|| ApiError::not_found("Attachment"))?;
            }
            let (sender_type, sender_id) = if as_customer {
                let customer =
                    customers::resolve(tx, input.customer_id.as_deref(), input.customer.as_ref())?;
                let id = customer
                    .map(|c| c.id)
                    .or(conversation.customer_id.clone())
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "sender \"customer\" needs customerId or customer: this conversation has no customer.",
                        )
                    })?;
                ("customer", id)
            } else {
                ("workspace", self.workspace.member.id.clone())
            };
            let channel_id = match (&input.channel_id, &input.channel_identifier) {
                (Some(id), _) => {
                    if !channels::exists(tx, id)? {
                        return Err(ApiError::not_found("Channel"));
                    }
                    Some(id.clone())
                }
                (None, Some(identifier)) => Some(channels::ensure(tx, identifier)?),
                (None, None) => conversation.channel_ids.first().cloned(),
            };
            let row = MessageRow {
                id: new_id("msg"),
                conversation_id: conversation.id.clone(),
                parent_id: input.parent_id.clone(),
                content,
                attachment_ids: attachment_ids.clone(),
                sender_type: sender_type.into(),
                sender_id,
                flags: input.flags.clone().unwrap_or_default(),
                template_id: input.template_id.clone(),
                template_context: input.template_context.clone(),
                channel_id,
                created_at: tx.now(),
            };
            messages::insert(tx, &row)?;
            self.to_message(tx, row, &mut HashMap::new())
        })?;
        self.announce_change(&message.conversation_id);
        if as_customer {
            // Nobody listening (no bot) is fine.
            let _ = self.customer_messages.send(message.clone());
        }
        if let Some(agent) = agent {
            // The AI reply runs asynchronously, after the visitor's message is stored.
            let _ = self.ai_jobs.send(AiJob {
                agent_id: agent.id,
                conversation_id: message.conversation_id.clone(),
                reply_to: message.clone(),
            });
        }
        Ok(message)
    }

    pub fn list_messages(&self, input: ListMessagesInput) -> Result<MessagePage, ApiError> {
        let limit = match input.limit {
            None => LIST_LIMIT_DEFAULT as usize,
            Some(n) if (1..=i64::from(LIST_LIMIT_MAX)).contains(&n) => n as usize,
            Some(_) => {
                return Err(ApiError::bad_request(
                    "limit must be an integer from 1 to 100.",
                ))
            }
        };
        self.store.transaction(|tx| {
            conversations::require(tx, &input.conversation_id)?;
            let page = messages::page(tx, &input.conversation_id, input.cursor.as_deref(), limit)?
                .ok_or_else(|| ApiError::bad_request("Invalid cursor."))?;
            let next_cursor = page.next_cursor;
            let mut names = HashMap::new();
            let items = page
                .items
                .into_iter()
                .map(|row| self.to_message(tx, row, &mut names))
                .collect::<Result<_, _>>()?;
            Ok(MessagePage { items, next_cursor })
        })
    }

    pub fn claim_guest_conversations(
        &self,
        input: ClaimGuestConversationsInput,
    ) -> Result<ClaimGuestConversationsOutput, ApiError> {
        if input.fingerprint.chars().count() < MIN_FINGERPRINT_CHARS {
            return Err(ApiError::bad_request(
                "fingerprint must have at least 8 characters.",
            ));
        }
        if input.customer_id.is_none() && input.customer.is_none() {
            return Err(ApiError::bad_request(
                "One of customerId or customer is required.",
            ));
        }
        self.store.transaction(|tx| {
            let target =
                customers::resolve(tx, input.customer_id.as_deref(), input.customer.as_ref())?
                    .ok_or_else(|| {
                        ApiError::bad_request("One of customerId or customer is required.")
                    })?;
            if let Some(parent) = &input.target_parent_id {
                conversations::require(tx, parent)?;
            }
            let candidates = conversations::claim_candidates(
                tx,
                input.guest_external_id.as_deref(),
                input.guest_local_conversation_id.as_deref(),
                &input.fingerprint,
            )?;
            let mut output = ClaimGuestConversationsOutput::default();
            for mut conversation in candidates {
                if conversation.customer_id.as_deref() == Some(target.id.as_str()) {
                    continue;
                }
                conversation.customer_id = Some(target.id.clone());
                if let Some(claim) = &input.claim_metadata {
                    merge_metadata(&mut conversation.metadata, claim);
                }
                output.claimed += 1;
                if let Some(parent) = &input.target_parent_id {
                    if conversation.parent_id.is_none() && &conversation.id != parent {
                        conversation.parent_id = Some(parent.clone());
                        output.reparented += 1;
                    }
                }
                conversation.updated_at = tx.now();
                conversations::save(tx, &conversation)?;
            }
            Ok(output)
        })
    }

    fn create_conversation(
        &self,
        tx: &Tx<'_>,
        spec: ConversationSpec<'_>,
    ) -> Result<Conversation, ApiError> {
        let mut channel_ids = Vec::new();
        for id in spec.channel_ids {
            if !channels::exists(tx, id)? {
                return Err(ApiError::not_found("Channel"));
            }
            channel_ids.push(id.clone());
        }
        if let Some(identifier) = spec.channel_identifier {
            let id = channels::ensure(tx, identifier)?;
            if !channel_ids.contains(&id) {
                channel_ids.push(id);
            }
        }
        let now = tx.now();
        let conversation = Conversation {
            id: new_id("conv"),
            name: spec.name.cloned(),
            kind: spec.kind,
            parent_id: spec.parent_id,
            customer_id: spec.customer_id,
            member_ids: self.with_key_member(spec.member_ids),
            channel_ids,
            channel_identifier: spec.channel_identifier.cloned(),
            metadata: new_metadata(spec.metadata),
            created_at: now.clone(),
            updated_at: now,
        };
        conversations::insert(tx, &conversation)?;
        Ok(conversation)
    }

    /// 404 unless every member id is this workspace's member.
    fn check_members(&self, members: &[String]) -> Result<(), ApiError> {
        if members.iter().all(|m| *m == self.workspace.member.id) {
            Ok(())
        } else {
            Err(ApiError::not_found("Member"))
        }
    }

    /// `members` plus the key's member, once.
    fn with_key_member(&self, members: &[String]) -> Vec<String> {
        let mut all = vec![self.workspace.member.id.clone()];
        for m in members {
            if !all.contains(m) {
                all.push(m.clone());
            }
        }
        all
    }

    /// The wire message: sender name and image resolved, attachments as file references.
    /// `names` caches customer lookups across one page.
    pub(crate) fn to_message(
        &self,
        tx: &Tx<'_>,
        row: MessageRow,
        names: &mut HashMap<String, (Option<String>, Option<String>)>,
    ) -> Result<Message, ApiError> {
        let sender = match row.sender_type.as_str() {
            "customer" => {
                if !names.contains_key(&row.sender_id) {
                    let profile = customers::get(tx, &row.sender_id)?
                        .map(|c| (c.name, c.image))
                        .unwrap_or_default();
                    names.insert(row.sender_id.clone(), profile);
                }
                let (name, image) = names[&row.sender_id].clone();
                Sender {
                    kind: SenderType::Customer,
                    id: row.sender_id.clone(),
                    name,
                    image,
                }
            }
            "ai" => {
                let agent = self.workspace.agent(&row.sender_id);
                Sender {
                    kind: SenderType::Ai,
                    name: agent.map(|a| a.name.clone()),
                    id: row.sender_id.clone(),
                    image: agent.and_then(|a| a.image.clone()),
                }
            }
            _ => Sender {
                kind: SenderType::Workspace,
                name: (row.sender_id == self.workspace.member.id)
                    .then(|| self.workspace.member.name.clone()),
                image: self.workspace.member.image.clone(),
                id: row.sender_id.clone(),
            },
        };
        let mut attachments = Vec::with_capacity(row.attachment_ids.len());
        for id in &row.attachment_ids {
            if let Some(file) = files::get(tx, id)? {
                attachments.push(file.to_ref(&self.workspace.public_base));
            }
        }
        Ok(Message {
            id: row.id,
            conversation_id: row.conversation_id,
            parent_id: row.parent_id,
            content: row.content,
            attachments,
            sender,
            flags: row.flags,
            created_at: row.created_at,
        })
    }
}

/// Rule K2: a customer value with a `suggestionResponse` needs a parent whose value under the
/// same language key carries that suggestion.
fn check_suggestion_responses(
    content: &Content,
    parent: Option<&MessageRow>,
) -> Result<(), ApiError> {
    let mut violations = Vec::new();
    for lang in Lang::ALL {
        let Some(value) = content.get(lang.code()).filter(|v| !v.is_null()) else {
            continue;
        };
        let Some(decoded) = decode_customer_value(value, lang.code()).value else {
            continue;
        };
        if decoded.suggestion_response.is_none() {
            continue;
        }
        let path = format!("content.{lang}.suggestionResponse");
        let message = match parent {
            None => Some("a suggestion response needs the parentId of the message that carried the suggestion"),
            Some(parent) if !suggestion_response_matches(&parent.content, lang.code(), &decoded) => {
                Some("the parent message carries no matching suggestion under this language")
            }
            Some(_) => None,
        };
        if let Some(message) = message {
            violations.push(Violation {
                rule: Rule::K2,
                path,
                message: message.into(),
            });
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_content(violations))
    }
}

fn dedupe(ids: Vec<String>) -> Vec<String> {
    let mut unique = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    unique
}

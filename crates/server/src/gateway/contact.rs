//! `POST /api/widget/contact`: what a guest filled in the pre-chat form (or the e-mail asked
//! for while the team is away), checked by the model's rules against what the merchant's
//! `[prechat]` asks for, and recorded as **unverified** contact details for the team: on the
//! conversation (`visitorContact`, through `updateConversation`) and on the customer
//! (`unverifiedContact`, and `consent` with its time, merged through
//! `getOrCreateConversation`). Nothing here decides who the customer is: the customer is the
//! token's, and the details are never written where customer matching reads.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::Json;
use connect360_model::contact::{check, Contact, ContactInput};
use connect360_model::wire::{
    procedure, ConversationType, CustomerInput, ErrorCode, GetOrCreateConversationInput,
    UpdateConversationInput,
};
use serde_json::{json, Map, Value};

use super::token::VisitorClaims;
use super::Gateway;
use crate::caller::Visitor;
use crate::error::ApiError;

/// The conversation metadata key of the details a visitor gave:
/// `{"name": …, "email": …, "phone": …, "verified": false, "at": "…"}`.
pub const CONTACT_KEY: &str = "visitorContact";

const MAX_ID_CHARS: usize = 200;

pub async fn contact(
    Visitor { gateway, claims }: Visitor,
    input: Result<Json<ContactInput>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(input) = input.map_err(|e| ApiError::rejected_body("The contact form", &e))?;
    if input.conversation_id.is_empty() || input.conversation_id.chars().count() > MAX_ID_CHARS {
        return Err(ApiError::bad_request(
            "conversationId is an id of 1 to 200 characters.",
        ));
    }
    gateway
        .rate_check(
            &format!("contact:{}", claims.external_id),
            gateway.config.rate_limits.contact_forms_per_visitor,
        )
        .await?;
    gateway.record_contact(&claims, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl Gateway {
    async fn record_contact(
        &self,
        claims: &VisitorClaims,
        input: &ContactInput,
    ) -> Result<(), ApiError> {
        let form = self
            .config
            .prechat
            .as_ref()
            .filter(|form| form.when != connect360_model::contact::When::Never)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Forbidden,
                    "This site asks for no contact details.",
                )
            })?;
        if claims.identified() {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "A signed-in customer's details come from the merchant's sign-in, not this form.",
            ));
        }
        self.require_current_conversation(claims, &input.conversation_id)
            .await?;
        // An offline form stays valid if the team comes back while it is filled in.
        let away = self.config.away_until().is_some()
            || form.when == connect360_model::contact::When::Offline;
        let contact = check(&form.asked(away), input).map_err(|problems| {
            let said: Vec<String> = problems
                .iter()
                .map(|(field, problem)| format!("{}: {}", field.key(), problem.describe()))
                .collect();
            ApiError::bad_request(format!("{}.", said.join("; ")))
        })?;
        let at = crate::clock::format_millis(crate::clock::now_millis());
        let details = details(&contact, &at);

        let mut on_conversation = Map::new();
        on_conversation.insert(CONTACT_KEY.into(), Value::Object(details.clone()));
        let update = UpdateConversationInput {
            id: input.conversation_id.clone(),
            metadata: Some(on_conversation),
            ..Default::default()
        };
        self.call_upstream_with(procedure::UPDATE_CONVERSATION, &update)
            .await?;

        // The customer's metadata is merged when the customer is matched: the visitor's own
        // top-level conversation comes back unchanged.
        let mut on_customer = Map::new();
        on_customer.insert("unverifiedContact".into(), Value::Object(details));
        if let (true, Some(url)) = (contact.consent, &form.consent_url) {
            on_customer.insert("consent".into(), json!({"url": url, "at": at}));
        }
        let upsert = GetOrCreateConversationInput {
            kind: Some(ConversationType::Direct),
            customer: Some(CustomerInput {
                external_id: Some(claims.external_id.clone()),
                metadata: Some(on_customer),
                ..Default::default()
            }),
            channel_identifier: Some(claims.channel.clone()),
            ..Default::default()
        };
        self.call_upstream_with(procedure::GET_OR_CREATE_CONVERSATION, &upsert)
            .await?;
        // Details given and no message yet (the team is away): the empty-chat sweep keeps it.
        self.records
            .keep_conversation(&input.conversation_id)
            .await?;
        Ok(())
    }
}

/// The details as the team reads them, marked unverified.
fn details(contact: &Contact, at: &str) -> Map<String, Value> {
    let mut details = Map::new();
    for (key, value) in [
        ("name", &contact.name),
        ("email", &contact.email),
        ("phone", &contact.phone),
    ] {
        if let Some(value) = value {
            details.insert(key.into(), json!(value));
        }
    }
    details.insert("verified".into(), json!(false));
    details.insert("at".into(), json!(at));
    details
}

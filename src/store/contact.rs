//! The merchant's contact form (`[prechat]`): whether the visitor is asked for their details
//! now, and recording what they filled in. The form is checked with the model's rules before
//! it is sent, so the gateway's refusals are the exception.

use connect360_model::contact::{Asked, ContactInput};
use leptos::prelude::*;

use super::Chat;
use crate::api::ApiError;

impl Chat {
    /// What the form asks for now, if it is shown: the merchant has one, the visitor has
    /// neither given their details nor written yet, and it is shown at this hour (`offline`
    /// forms only while the team is away, and then with an e-mail field at least).
    pub fn contact_form(&self) -> Option<Asked> {
        let form = self.prechat.get()?;
        if self.contact_given.get() || self.transcript.with(|t| t.visitor_wrote()) {
            return None;
        }
        let away = self
            .availability
            .with(|a| a.as_ref().is_some_and(|a| !a.online));
        form.shown(away).then(|| form.asked(away))
    }

    /// Records `input` (its conversation is the session's) as the visitor's details.
    pub async fn submit_contact(&self, input: ContactInput) -> Result<(), ApiError> {
        self.authorised(|api, session| {
            let input = ContactInput {
                conversation_id: session.conversation_id.clone(),
                ..input.clone()
            };
            async move { api.contact(&session.token, &input).await }
        })
        .await?;
        let inner = self.alive()?;
        if let Some(session) = inner.session.borrow_mut().as_mut() {
            session.contact_given = true;
            inner.persisted.save_session(session);
        }
        self.contact_given.try_set(true);
        Ok(())
    }
}

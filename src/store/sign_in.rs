//! A sign-in suggestion's relay (`rich-messages.md` §5.8): the authorization URL, once the
//! gateway confirmed this browser kept the cookie that binds the sign-in to it.

use connect360_model::Lang;

use super::Chat;
use crate::api::ApiError;

/// Where a suggestion sits, as its answer and a sign-in need to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionPlace {
    pub message_id: String,
    /// The language of the value it belongs to (the answer goes under the same key).
    pub lang: Lang,
    /// Its path inside the value, e.g. `suggestions[0]`.
    pub path: String,
}

/// Why a sign-in did not start.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInError {
    /// This browser did not keep the relay's binding cookie: sign-in cannot run here.
    Unavailable,
    /// Anything else (the network, the gateway refusing the request).
    Failed(ApiError),
}

impl Chat {
    /// The authorization URL for the sign-in suggestion at `place` (the gateway re-reads the
    /// suggestion from the stored message), once the gateway confirmed this browser kept the
    /// cookie that binds the sign-in to it.
    pub async fn start_sign_in(&self, place: &SuggestionPlace) -> Result<String, SignInError> {
        let started = self
            .authorised(|api, session| {
                let request = connect360_model::wire::SignInStartRequest {
                    conversation_id: session.conversation_id.clone(),
                    message_id: place.message_id.clone(),
                    lang: place.lang.code().to_owned(),
                    suggestion: place.path.clone(),
                };
                async move { api.start_sign_in(&session.token, &request).await }
            })
            .await
            .map_err(SignInError::Failed)?;
        let bound = self
            .authorised(|api, session| async move { api.sign_in_binding(&session.token).await })
            .await;
        match bound {
            Ok(()) => Ok(started.authorization_url),
            Err(ApiError::Http { status: 403, .. }) => Err(SignInError::Unavailable),
            Err(error) => Err(SignInError::Failed(error)),
        }
    }
}

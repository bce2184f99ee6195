//! A visitor's request for a person: `metadata.handoff = {"requestedAt": "…"}` on the
//! conversation. The gateway records it when a visitor answers a live-agent chip; the console
//! marks such conversations and the demo bot stays quiet in them. Resolving the conversation
//! clears it (the console and a visitor's end write `handoff: null`); a resolution through the
//! API that leaves it is told by `resolvedAt` coming after it.

use connect360_model::wire::life;
use serde_json::{Map, Value};

/// Whether the visitor asked for a person after the conversation was last resolved
/// (`resolvedAt`). A chat resolved since, and opened again by the visitor writing, is not.
pub fn handed_over(metadata: &Map<String, Value>) -> bool {
    let at = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .and_then(crate::clock::parse_millis)
    };
    let Some(requested) = at(metadata
        .get(life::HANDOFF)
        .and_then(|h| h.get(life::HANDOFF_REQUESTED_AT)))
    else {
        return false;
    };
    at(metadata.get(life::RESOLVED_AT)).is_none_or(|resolved| resolved < requested)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_for_a_person_stands_until_the_conversation_is_resolved() {
        let metadata = |v: Value| v.as_object().unwrap().clone();
        assert!(!handed_over(&metadata(json!({}))));
        let asked = json!({"handoff": {"requestedAt": "2026-12-07T10:00:00Z"}});
        assert!(handed_over(&metadata(asked.clone())));
        let mut resolved = asked.clone();
        resolved["status"] = json!("resolved");
        resolved["resolvedAt"] = json!("2026-12-07T11:00:00Z");
        assert!(!handed_over(&metadata(resolved.clone())));
        // Opened again by the visitor writing: no request stands.
        resolved["status"] = json!("open");
        assert!(!handed_over(&metadata(resolved.clone())));
        // Asked again after that resolution: it stands again.
        resolved["handoff"] = json!({"requestedAt": "2026-12-07T12:00:00Z"});
        assert!(handed_over(&metadata(resolved.clone())));
        // Cleared by a resolution.
        resolved["handoff"] = Value::Null;
        assert!(!handed_over(&metadata(resolved)));
    }
}

//! New chats and earlier ones: after an end the visitor starts a new chat (a sub-conversation
//! of their top-level one) and every session opens it; their earlier chats are listed and
//! readable, never written in; a sign-in takes a guest's chats along; other visitors, expired
//! tokens and none get nothing.

mod common;

use common::{
    as_visitor, conversation_metadata, customer_of, end_chat, expired_token, identity_for, session,
    visitor, visitor_reads, TestServer, CHANNEL,
};
use serde_json::{json, Value};

async fn post(server: &TestServer, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
    common::widget_post(server, token, path, body).await
}

async fn list(server: &TestServer, token: Option<&str>) -> (u16, Value) {
    let mut request = server
        .client
        .get(format!("{}/api/widget/chats", server.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn say(conversation: &str, text: &str) -> Value {
    json!({"conversationId": conversation, "content": {"en": text}})
}

fn field<'a>(body: &'a Value, key: &str) -> &'a str {
    body[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {body}"))
}

/// The conversation as the local Connect360 returns it (an update that changes nothing).
async fn conversation(server: &TestServer, id: &str) -> Value {
    server
        .ok("v1.connect.updateConversation", json!({"id": id}))
        .await
}

#[tokio::test]
async fn a_new_chat_follows_an_ended_one_and_the_earlier_stays_readable() {
    let form = "[prechat]\nwhen = \"always\"\nname = \"off\"\nemail = \"required\"\n";
    let (server, _dir) = TestServer::start_with_settings(
        connect360_server::settings::Settings::parse(form).unwrap(),
    )
    .await;
    let (first_token, visitor_id, first) = visitor(&server).await;
    let (status, _) = as_visitor(
        &server,
        &first_token,
        "v1.connect.send",
        say(&first, "Hello from the first chat"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = post(
        &server,
        Some(&first_token),
        "contact",
        json!({"conversationId": first, "email": "ada@example.com"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    // Not before the chat has ended.
    let start = json!({"conversationId": first});
    let (status, body) = post(&server, Some(&first_token), "chats", start.clone()).await;
    assert_eq!(status, 409, "{body}");
    assert!(field(&body, "message").contains("still open"), "{body}");

    end_chat(&server, &first_token, &first).await;
    let (status, opened) = post(&server, Some(&first_token), "chats", start.clone()).await;
    assert_eq!(status, 200, "{opened}");
    let (token, second) = (field(&opened, "token"), field(&opened, "conversationId"));
    assert_ne!(second, first);
    assert_eq!(field(&opened, "visitorId"), visitor_id);
    assert_eq!(
        opened["conversation"],
        json!({"ended": false, "rated": false})
    );

    // A sub-conversation of the visitor's top-level one, for the same customer, with the
    // contact details carried over.
    let stored = conversation(&server, second).await;
    assert_eq!(stored["parentId"], first.as_str());
    assert_eq!(
        customer_of(&server, second).await["externalId"],
        visitor_id.as_str()
    );
    let metadata = conversation_metadata(&server, second).await;
    assert_eq!(metadata["previousChat"], first.as_str());
    assert_eq!(metadata["visitorContact"]["email"], "ada@example.com");
    assert_eq!(opened["contactGiven"], true);

    // Every session of this browser opens the new chat now.
    let resumed = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": visitor_id}),
    )
    .await;
    assert_eq!(field(&resumed, "conversationId"), second);

    // The list: the new chat (current, empty) and the earlier one with its last message.
    let (status, listed) = list(&server, Some(token)).await;
    assert_eq!(status, 200, "{listed}");
    let chats = listed["chats"].as_array().unwrap();
    assert_eq!(chats.len(), 2, "{listed}");
    assert_eq!(chats[0]["conversationId"], second);
    assert_eq!(chats[0]["current"], true);
    assert!(chats[0].get("lastMessage").is_none(), "{listed}");
    assert_eq!(chats[1]["conversationId"], first.as_str());
    assert_eq!(chats[1]["current"], false);
    assert_eq!(
        chats[1]["lastMessage"]["content"]["en"],
        "Hello from the first chat"
    );
    assert!(chats[1]["startedAt"].as_str().unwrap() <= chats[0]["startedAt"].as_str().unwrap());

    // The earlier chat is readable …
    let (status, page) = visitor_reads(&server, token, &first).await;
    assert_eq!(status, 200, "{page}");
    let history = server
        .client
        .get(format!("{}/api/widget/history", server.base))
        .query(&[("conversationId", first.as_str())])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(history.status(), 200);

    // … and not writable: no message, end, rating or contact goes into it.
    let before = server.all_messages(&first).await.len();
    let (status, body) = as_visitor(&server, token, "v1.connect.send", say(&first, "late")).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("Earlier chats"), "{body}");
    for (path, body) in [
        ("rating", json!({"conversationId": first, "rating": 5})),
        ("end", json!({"conversationId": first})),
        (
            "contact",
            json!({"conversationId": first, "email": "eve@example.com"}),
        ),
    ] {
        let (status, reply) = post(&server, Some(token), path, body).await;
        assert_eq!(status, 403, "{path}: {reply}");
    }
    assert_eq!(server.all_messages(&first).await.len(), before);
    assert!(conversation_metadata(&server, &first)
        .await
        .get("rating")
        .is_none());

    // The new chat is written in as usual.
    let (status, body) =
        as_visitor(&server, token, "v1.connect.send", say(second, "Hi again")).await;
    assert_eq!(status, 200, "{body}");

    // The first chat's token no longer writes anywhere: its chat was followed by a newer one
    // (another tab, say), so it is sent for a new session (401), and nothing is stored.
    let before = server.all_messages(&first).await.len();
    let (status, body) = as_visitor(
        &server,
        &first_token,
        "v1.connect.send",
        say(&first, "old tab"),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(body.to_string().contains("newer chat"), "{body}");
    for (path, body) in [
        ("rating", json!({"conversationId": first, "rating": 2})),
        (
            "seen",
            json!({"conversationId": first, "messageId": "msg_x"}),
        ),
    ] {
        let (status, reply) = post(&server, Some(&first_token), path, body).await;
        assert_eq!(status, 401, "{path}: {reply}");
    }
    assert_eq!(server.all_messages(&first).await.len(), before);

    // Nor start another chat: none is made.
    let (status, body) = post(&server, Some(&first_token), "chats", start).await;
    assert_eq!(status, 401, "{body}");
    assert!(field(&body, "message").contains("newer chat"), "{body}");
    assert_eq!(
        list(&server, Some(token)).await.1["chats"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn two_tabs_starting_a_new_chat_at_once_make_one() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, first) = visitor(&server).await;
    end_chat(&server, &token, &first).await;
    let start = json!({"conversationId": first});
    let (a, b) = tokio::join!(
        post(&server, Some(&token), "chats", start.clone()),
        post(&server, Some(&token), "chats", start.clone()),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let (_, listed) = list(&server, Some(&token)).await;
    assert_eq!(listed["chats"].as_array().unwrap().len(), 2, "{listed}");
}

#[tokio::test]
async fn a_sign_in_takes_the_guests_chats_along() {
    let (server, _dir) = TestServer::start().await;
    let (guest_token, visitor_id, first) = visitor(&server).await;
    as_visitor(
        &server,
        &guest_token,
        "v1.connect.send",
        say(&first, "as a guest"),
    )
    .await;
    end_chat(&server, &guest_token, &first).await;
    let (_, opened) = post(
        &server,
        Some(&guest_token),
        "chats",
        json!({"conversationId": first}),
    )
    .await;
    let second = field(&opened, "conversationId").to_owned();
    as_visitor(
        &server,
        field(&opened, "token"),
        "v1.connect.send",
        say(&second, "still a guest"),
    )
    .await;

    let known = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": visitor_id,
               "identityToken": identity_for("ada_1", "Ada", "ada@shop.test")}),
    )
    .await;
    let known_token = field(&known, "token");
    let own = field(&known, "conversationId");
    assert_ne!(own, first);
    assert_ne!(own, second);
    let (status, listed) = list(&server, Some(known_token)).await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&str> = listed["chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conversationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{listed}");
    assert!(ids.contains(&own) && ids.contains(&first.as_str()) && ids.contains(&second.as_str()));
    let current: Vec<&str> = listed["chats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["current"] == true)
        .map(|c| c["conversationId"].as_str().unwrap())
        .collect();
    assert_eq!(current, [own]);
    let (status, _) = visitor_reads(&server, known_token, &second).await;
    assert_eq!(status, 200);
    // The guest's tokens lost them all: their session is over.
    let (status, listed) = list(&server, Some(&guest_token)).await;
    assert_eq!(status, 401, "{listed}");
    assert!(listed.get("chats").is_none(), "{listed}");
}

#[tokio::test]
async fn only_the_visitor_lists_or_starts_their_own_chats() {
    let (server, _dir) = TestServer::start().await;
    let (victim_token, _, victim) = visitor(&server).await;
    as_visitor(
        &server,
        &victim_token,
        "v1.connect.send",
        say(&victim, "my address is 12 Elm St"),
    )
    .await;
    end_chat(&server, &victim_token, &victim).await;
    let (eve, _, _) = visitor(&server).await;
    for (token, status) in [
        (Some(eve.clone()), 403),
        (Some(expired_token()), 401),
        (None, 401),
    ] {
        let (got, reply) = post(
            &server,
            token.as_deref(),
            "chats",
            json!({"conversationId": victim}),
        )
        .await;
        assert_eq!(got, status, "{reply}");
        assert!(!reply.to_string().contains("Elm"), "{reply}");
    }
    for token in [Some(expired_token()), None] {
        let (got, reply) = list(&server, token.as_deref()).await;
        assert_eq!(got, 401, "{reply}");
        assert!(reply.get("chats").is_none(), "{reply}");
    }
    // Eve's own list names only her chat.
    let (_, listed) = list(&server, Some(&eve)).await;
    assert_eq!(listed["chats"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&victim), "{listed}");
    assert!(!listed.to_string().contains("Elm"), "{listed}");
    // The victim still has their one chat, and no new one was made.
    let (_, listed) = list(&server, Some(&victim_token)).await;
    assert_eq!(listed["chats"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_new_chat_request_is_refused_with_its_reason() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, first) = visitor(&server).await;
    end_chat(&server, &token, &first).await;
    let long = "c".repeat(201);
    for (body, says) in [
        (json!({}), "conversationId"),
        (json!({"conversationId": ""}), "conversationId"),
        (json!({"conversationId": long}), "conversationId"),
        (
            json!({"conversationId": first, "parentId": "x"}),
            "parentId",
        ),
        (json!({"conversationId": 7}), "conversationId"),
    ] {
        let (status, reply) = post(&server, Some(&token), "chats", body.clone()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert!(reply.to_string().contains(says), "{body}: {reply}");
    }
    // Nothing was made.
    let (_, listed) = list(&server, Some(&token)).await;
    assert_eq!(listed["chats"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_empty_chat_sweep_keeps_a_parent_of_chats_and_a_deleted_chat_falls_back() {
    let (server, _dir) = TestServer::start().await;
    // A guest ends their first chat without writing, and writes in the new one.
    let (token, visitor_id, first) = visitor(&server).await;
    end_chat(&server, &token, &first).await;
    let (_, opened) = post(
        &server,
        Some(&token),
        "chats",
        json!({"conversationId": first}),
    )
    .await;
    let second = field(&opened, "conversationId").to_owned();
    let (status, _) = as_visitor(
        &server,
        field(&opened, "token"),
        "v1.connect.send",
        say(&second, "kept, please"),
    )
    .await;
    assert_eq!(status, 200);
    // Days later the sweep deletes empty guest conversations, but not the parent of chats
    // (deleting it would delete the new chat and its messages).
    let days_later = connect360_server::clock::now_millis() + 3 * 24 * 3_600_000;
    server.gateway.sweep(days_later).await.unwrap();
    assert_eq!(server.all_messages(&second).await.len(), 1);
    assert!(!conversation_metadata(&server, &first).await.is_null());

    // The merchant deletes the new chat: the next session opens the top-level one.
    server
        .ok("v1.connect.deleteConversation", json!({"id": second}))
        .await;
    let resumed = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": visitor_id}),
    )
    .await;
    assert_eq!(field(&resumed, "conversationId"), first);
    let (status, listed) = list(&server, Some(field(&resumed, "token"))).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["chats"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["chats"][0]["current"], true);
}

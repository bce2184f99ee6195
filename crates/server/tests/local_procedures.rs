//! The local Connect360 over real HTTP: every procedure, its validation and error envelope.

mod common;

use common::{code, TestServer, AGENT, KEY, READ_ONLY_KEY};
use serde_json::{json, Value};

#[tokio::test]
async fn the_worked_example_runs_as_documented() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"type":"DIRECT","customer":{"externalId":"website_user_123","name":"Jane Customer",
                   "email":"jane@example.com"},"channelIdentifier":"example.com","metadata":{"source":"website-chat"}}),
        )
        .await;
    assert_eq!(conversation["type"], "DIRECT");
    assert_eq!(conversation["memberIds"], json!(["mem_01"]));
    assert_eq!(conversation["channelIdentifier"], "example.com");
    assert_eq!(conversation["channelIds"].as_array().unwrap().len(), 1);
    assert_eq!(conversation["metadata"], json!({"source": "website-chat"}));
    assert!(conversation["createdAt"].as_str().unwrap().ends_with('Z'));
    let id = conversation["id"].as_str().unwrap();

    let visitor = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": id, "sender": "customer", "customer": {"externalId": "website_user_123"},
                   "channelIdentifier": "example.com", "content": {"en": "I need help with my order."}}),
        )
        .await;
    assert_eq!(visitor["sender"]["type"], "customer");
    assert_eq!(visitor["sender"]["name"], "Jane Customer");
    assert_eq!(visitor["attachments"], json!([]));
    assert_eq!(visitor["flags"], json!([]));

    let reply = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": id, "parentId": visitor["id"], "content": {"en": "Happy to help. Order number?"}}),
        )
        .await;
    assert_eq!(
        reply["sender"],
        json!({"type": "workspace", "id": "mem_01", "name": "Sam", "image": null})
    );
    assert_eq!(reply["parentId"], visitor["id"]);

    let page = server
        .ok(
            "v1.connect.listMessages",
            json!({"conversationId": id, "limit": 50}),
        )
        .await;
    let ids: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(ids, [&visitor["id"], &reply["id"]]);
    assert_eq!(page["nextCursor"], Value::Null);

    let again = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": "website_user_123"},
             "metadata": {"ignored": true}}),
        )
        .await;
    assert_eq!(again["id"], id, "an existing conversation is reused");
    assert_eq!(
        again["metadata"],
        json!({"source": "website-chat"}),
        "and returned unchanged"
    );
}

#[tokio::test]
async fn keys_are_required_and_permissions_enforced() {
    let (server, _dir) = TestServer::start().await;
    let input = json!({"customer": {"externalId": "x"}});
    let (status, body) = server
        .mutate_with("v1.connect.getOrCreateConversation", input.clone(), None)
        .await;
    assert_eq!((status, code(&body)), (401, "UNAUTHORIZED"));
    let (status, body) = server
        .mutate_with(
            "v1.connect.getOrCreateConversation",
            input.clone(),
            Some("plato_wrong"),
        )
        .await;
    assert_eq!((status, code(&body)), (401, "UNAUTHORIZED"));
    let (status, body) = server
        .mutate_with(
            "v1.connect.getOrCreateConversation",
            input.clone(),
            Some(READ_ONLY_KEY),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "FORBIDDEN"));
    assert_eq!(
        body["error"]["message"],
        "Unauthorized API key permissions."
    );
    // x-api-key works too; Authorization wins when both are sent.
    let response = server
        .client
        .post(server.url("v1.connect.getOrCreateConversation"))
        .header("x-api-key", KEY)
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = server
        .client
        .post(server.url("v1.connect.getOrCreateConversation"))
        .header("x-api-key", KEY)
        .bearer_auth("plato_wrong")
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // ?apiKey= is never read.
    let response = server
        .client
        .post(format!(
            "{}?apiKey={KEY}",
            server.url("v1.connect.getOrCreateConversation")
        ))
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_wire_format_errors_use_the_envelope() {
    let (server, _dir) = TestServer::start().await;
    // Unknown procedure.
    let (status, body) = server.mutate("v1.connect.nope", json!({})).await;
    assert_eq!((status, code(&body)), (404, "NOT_FOUND"));
    assert_eq!(body["error"]["data"]["path"], Value::Null);
    // Wrong method both ways.
    let response = server
        .client
        .get(server.url("v1.connect.send"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "METHOD_NOT_SUPPORTED");
    assert_eq!(body["error"]["code"], -32005);
    let (status, _) = server.mutate("v1.connect.listMessages", json!({})).await;
    assert_eq!(status, 405);
    // Invalid JSON.
    let response = server
        .client
        .post(server.url("v1.connect.send"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (code(&body), body["error"]["code"].as_i64()),
        ("PARSE_ERROR", Some(-32700))
    );
    // Unknown field and wrong type.
    let (status, body) = server
        .mutate(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": "x"}, "apiKey": "k"}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"));
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("apiKey"));
    let (status, body) = server
        .mutate(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": 5}}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"));
    // Over 1 MiB.
    let big = json!({"conversationId": "c", "content": {"en": "x".repeat(1_100_000)}});
    let (status, body) = server.mutate("v1.connect.send", big).await;
    assert_eq!((status, code(&body)), (413, "PAYLOAD_TOO_LARGE"));
    // No stack traces.
    assert!(body["error"]["data"].get("stack").is_none());
}

#[tokio::test]
async fn bad_rich_content_is_refused_listing_every_violation_and_nothing_is_stored() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_rich").await;
    let (status, body) = server
        .mutate(
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"en": {
                "richCard": {"carouselCard": {"cardWidth": "SMALL", "cardContents": [
                    {"title": "Red", "media": {"height": "TALL", "contentInfo": {"fileUrl": "https://cdn.example.com/r.jpg"}}},
                    {"title": "x".repeat(201)}]}},
                "suggestions": [{"action": {"text": "Go", "openUrlAction": {"url": "javascript:alert(1)"}}}]},
                "fr": "Bonjour"}}),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"));
    let violations = body["error"]["data"]["violations"].as_array().unwrap();
    let mut rules: Vec<&str> = violations
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    rules.sort();
    assert_eq!(rules, ["CA3", "CD2", "E2", "S5"]);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .ends_with("(and 3 more)"));
    assert!(violations.iter().any(|v| v["path"]
        == "content.en.richCard.carouselCard.cardContents[1].title"
        && v["message"] == "201 characters, at most 200"));
    assert!(
        server.all_messages(&conversation).await.is_empty(),
        "nothing stored"
    );

    let (status, body) = server
        .mutate("v1.connect.send", json!({"conversationId": conversation}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "BAD_REQUEST"),
        "content, attachments or template required"
    );
    assert_eq!(body["error"]["data"]["violations"][0]["rule"], "E1");
}

#[tokio::test]
async fn send_checks_its_references() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_refs").await;
    let other = server.conversation_for("visitor_other").await;
    let foreign = server.customer_says(&other, "hello").await;
    for (input, expected) in [
        (
            json!({"conversationId": "conv_missing", "content": {"en": "hi"}}),
            404,
        ),
        (
            json!({"conversationId": conversation, "parentId": foreign["id"], "content": {"en": "hi"}}),
            404,
        ),
        (
            json!({"conversationId": conversation, "attachmentIds": ["file_missing"]}),
            404,
        ),
        (
            json!({"conversationId": conversation, "channelId": "ch_missing", "content": {"en": "hi"}}),
            404,
        ),
        (
            json!({"conversationId": conversation, "content": {"en": "hi"}, "ai": {"agentId": "agent_unknown"}}),
            404,
        ),
        (
            json!({"conversationId": conversation, "sender": "ai", "content": {"en": "hi"}}),
            400,
        ),
    ] {
        let (status, body) = server.mutate("v1.connect.send", input.clone()).await;
        assert_eq!(status, expected, "{input}: {body}");
    }
    assert!(server.all_messages(&conversation).await.is_empty());
    // A conversation without customer cannot take sender "customer" without naming one.
    let team = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"memberIds": ["mem_01"]}),
        )
        .await;
    let (status, _) = server
        .mutate(
            "v1.connect.send",
            json!({"conversationId": team["id"], "sender": "customer", "content": {"en": "hi"}}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn suggestion_responses_must_answer_a_suggestion_of_their_parent() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_chips").await;
    let chips = server
        .ok("v1.connect.send", json!({"conversationId": conversation, "content": {"en": {
            "text": "What can I help you with?",
            "suggestions": [{"reply": {"text": "Store hours", "postbackData": "topic:hours"}}, {"liveAgentRequest": {}}]}}}))
        .await;
    let answer = |text: &str, postback: &str, kind: &str, parent: Value| {
        json!({"conversationId": conversation, "sender": "customer", "parentId": parent,
               "content": {"en": {"text": text, "suggestionResponse": {"postbackData": postback, "type": kind}}}})
    };
    let (status, body) = server
        .mutate(
            "v1.connect.send",
            answer("Store hours", "topic:hours", "REPLY", chips["id"].clone()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server
        .mutate(
            "v1.connect.send",
            answer("Talk to a person", "", "LIVE_AGENT", chips["id"].clone()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for forged in [
        answer("Store hours", "topic:admin", "REPLY", chips["id"].clone()),
        answer("Store hours", "topic:hours", "ACTION", chips["id"].clone()),
        answer("Store hours", "topic:hours", "REPLY", Value::Null),
    ] {
        let (status, body) = server.mutate("v1.connect.send", forged).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["data"]["violations"][0]["rule"], "K2");
    }
}

#[tokio::test]
async fn conversations_are_created_reused_updated_and_deleted() {
    let (server, _dir) = TestServer::start().await;
    let (status, body) = server
        .mutate("v1.connect.getOrCreateConversation", json!({}))
        .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"));
    let (status, _) = server
        .mutate(
            "v1.connect.getOrCreateConversation",
            json!({"memberIds": ["mem_unknown"]}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .mutate(
            "v1.connect.getOrCreateConversation",
            json!({"customerId": "cus_unknown"}),
        )
        .await;
    assert_eq!(status, 404);

    let parent = server.conversation_for("visitor_tree").await;
    let sub = server
        .ok(
            "v1.connect.createSubConversation",
            json!({"parentId": parent, "name": "Order #1042"}),
        )
        .await;
    assert_eq!(sub["type"], "GROUP");
    assert_eq!(sub["parentId"], parent);
    assert_eq!(
        sub["channelIdentifier"], "example.com",
        "channels are inherited"
    );
    let parent_row = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": "visitor_tree"}}),
        )
        .await;
    assert_eq!(
        parent_row["id"], parent,
        "the top-level conversation is reused, not the sub"
    );
    assert_eq!(sub["customerId"], parent_row["customerId"]);
    let (status, _) = server
        .mutate(
            "v1.connect.createSubConversation",
            json!({"parentId": "conv_missing"}),
        )
        .await;
    assert_eq!(status, 404);

    let updated = server
        .ok(
            "v1.connect.updateConversation",
            json!({"id": parent, "name": "VIP", "metadata": {"tier": "gold", "source": null}}),
        )
        .await;
    assert_eq!(updated["name"], "VIP");
    assert_eq!(updated["metadata"], json!({"tier": "gold"}));
    let cleared = server
        .ok(
            "v1.connect.updateConversation",
            json!({"id": parent, "name": null, "metadata": null}),
        )
        .await;
    assert_eq!(cleared["name"], Value::Null);
    assert_eq!(
        cleared["metadata"],
        json!({"tier": "gold"}),
        "metadata null leaves it unchanged"
    );
    let (status, _) = server
        .mutate(
            "v1.connect.updateConversation",
            json!({"id": parent, "parentId": sub["id"]}),
        )
        .await;
    assert_eq!(status, 400, "no cycles");
    let (status, _) = server
        .mutate(
            "v1.connect.updateConversation",
            json!({"id": parent, "parentId": "conv_missing"}),
        )
        .await;
    assert_eq!(status, 404);
    let moved = server
        .ok(
            "v1.connect.updateConversation",
            json!({"id": sub["id"], "parentId": null}),
        )
        .await;
    assert_eq!(moved["parentId"], Value::Null);
    server
        .ok(
            "v1.connect.updateConversation",
            json!({"id": sub["id"], "parentId": parent}),
        )
        .await;

    server
        .customer_says(sub["id"].as_str().unwrap(), "inside the sub")
        .await;
    let deleted = server
        .ok("v1.connect.deleteConversation", json!({"id": parent}))
        .await;
    assert_eq!(deleted, json!({"id": parent, "deleted": true}));
    let (status, _) = server
        .mutate("v1.connect.deleteConversation", json!({"id": parent}))
        .await;
    assert_eq!(status, 404, "deleting again is 404");
    let (status, _) = server
        .query(
            "v1.connect.listMessages",
            json!({"conversationId": sub["id"]}),
        )
        .await;
    assert_eq!(status, 404, "sub-conversations go with their parent");
    let (status, body) = server
        .mutate_with(
            "v1.connect.deleteConversation",
            json!({"id": "x"}),
            Some(READ_ONLY_KEY),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "FORBIDDEN"));
}

#[tokio::test]
async fn guest_conversations_are_claimed_once() {
    let (server, _dir) = TestServer::start().await;
    let guest = server
        .ok("v1.connect.getOrCreateConversation", json!({"customer": {"externalId": "guest_abc", "metadata": {"fingerprint": "0123456789abcdef"}}}))
        .await;
    let known = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": "user_42", "name": "Known"}}),
        )
        .await;
    let (status, _) = server
        .mutate(
            "v1.connect.claimGuestConversations",
            json!({"fingerprint": "short", "customer": {"externalId": "user_42"}}),
        )
        .await;
    assert_eq!(status, 400);
    let claim = json!({"fingerprint": "0123456789abcdef", "guestExternalId": "guest_abc",
                       "targetParentId": known["id"], "customer": {"externalId": "user_42"},
                       "claimMetadata": {"source": "website-login"}});
    let result = server
        .ok("v1.connect.claimGuestConversations", claim.clone())
        .await;
    assert_eq!(result, json!({"claimed": 1, "reparented": 1}));
    let again = server.ok("v1.connect.claimGuestConversations", claim).await;
    assert_eq!(again, json!({"claimed": 0, "reparented": 0}));
    let moved = server
        .ok("v1.connect.updateConversation", json!({"id": guest["id"]}))
        .await;
    assert_eq!(moved["parentId"], known["id"]);
    assert_eq!(moved["customerId"], known["customerId"]);
    assert_eq!(moved["metadata"]["source"], "website-login");
}

#[tokio::test]
async fn superjson_inputs_get_wrapped_replies_and_batches_run_in_order() {
    let (server, _dir) = TestServer::start().await;
    let (status, body) = server
        .mutate(
            "v1.connect.getOrCreateConversation",
            json!({"json": {"customer": {"externalId": "sj"}}, "meta": {"values": {}}}),
        )
        .await;
    assert_eq!(status, 200);
    let id = body["result"]["data"]["json"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = server
        .mutate(
            "v1.connect.send",
            json!({"json": {"conversationId": "conv_missing", "content": {"en": "x"}}}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["json"]["data"]["code"], "NOT_FOUND");

    let response = server
        .client
        .post(format!(
            "{}?batch=1",
            server.url("v1.connect.send,v1.connect.send")
        ))
        .bearer_auth(KEY)
        .json(
            &json!({"0": {"conversationId": id, "content": {"en": "first"}},
                      "1": {"conversationId": "conv_missing", "content": {"en": "second"}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 207, "mixed statuses");
    let replies: Vec<Value> = response.json().await.unwrap();
    assert_eq!(replies[0]["result"]["data"]["content"]["en"], "first");
    assert_eq!(code(&replies[1]), "NOT_FOUND");

    let input = json!({"0": {"conversationId": id, "limit": 1}, "1": {"conversationId": id}});
    let response = server
        .client
        .get(format!(
            "{}?batch=1",
            server.url("v1.connect.listMessages,v1.connect.listMessages")
        ))
        .query(&[("input", input.to_string())])
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let replies: Vec<Value> = response.json().await.unwrap();
    assert_eq!(replies.len(), 2);
}

#[tokio::test]
async fn an_ai_request_yields_a_stored_ai_reply_later() {
    let (server, _dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_ai").await;
    let message = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "sender": "customer",
             "content": {"en": "Where is my parcel?"}, "ai": {"agentId": AGENT}}),
        )
        .await;
    assert_eq!(
        message["sender"]["type"], "customer",
        "send returns the message, not the reply"
    );
    let mut reply = None;
    for _ in 0..50 {
        let messages = server.all_messages(&conversation).await;
        if messages.len() == 2 {
            reply = Some(messages[1].clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let reply = reply.expect("the AI reply arrives");
    assert_eq!(
        reply["sender"],
        json!({"type": "ai", "id": AGENT, "name": "Acme AI", "image": "/demo/img/assistant.png"})
    );
    assert_eq!(reply["parentId"], message["id"]);
    assert!(reply["content"]["en"]
        .as_str()
        .unwrap()
        .contains("Where is my parcel?"));
}

#[tokio::test]
async fn data_survives_a_restart() {
    let (server, dir) = TestServer::start().await;
    let conversation = server.conversation_for("visitor_persist").await;
    let sent = server.customer_says(&conversation, "remember me").await;
    server.stop();
    let restarted = TestServer::start_in(dir.path().to_path_buf()).await;
    let messages = restarted.all_messages(&conversation).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0], sent);
    let after = restarted.customer_says(&conversation, "and this").await;
    assert!(after["createdAt"].as_str() >= sent["createdAt"].as_str());
    assert_eq!(
        restarted.conversation_for("visitor_persist").await,
        conversation
    );
}

//! The demo bot through the gateway, as a visitor meets it: a greeting with chips after the
//! first message, a product carousel after "Browse products".

mod common;

use common::{as_visitor, open_session, TestServer, CHANNEL, SHOP_ORIGIN};
use serde_json::{json, Value};

async fn wait_for(
    server: &TestServer,
    token: &str,
    conversation: &str,
    count: usize,
) -> Vec<Value> {
    for _ in 0..60 {
        let (_, body) = as_visitor(
            server,
            token,
            "v1.connect.listMessages",
            json!({"conversationId": conversation}),
        )
        .await;
        let items = body["result"]["data"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if items.len() >= count {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("fewer than {count} messages arrived");
}

#[tokio::test]
async fn the_bot_greets_then_shows_products_for_the_chosen_chip() {
    let (server, _dir) = TestServer::start_with_bot().await;
    let (_, session) = open_session(
        &server,
        json!({"channelIdentifier": CHANNEL}),
        Some(SHOP_ORIGIN),
    )
    .await;
    let token = session["token"].as_str().unwrap();
    let conversation = session["conversationId"].as_str().unwrap();
    as_visitor(
        &server,
        token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": "Hello"}}),
    )
    .await;
    let messages = wait_for(&server, token, conversation, 2).await;
    let greeting = &messages[1];
    assert_eq!(greeting["sender"]["type"], "workspace");
    assert_eq!(greeting["parentId"], messages[0]["id"]);
    let chips = greeting["content"]["en"]["suggestions"].as_array().unwrap();
    assert_eq!(chips.len(), 4);
    assert_eq!(chips[0]["reply"]["text"], "Browse products");

    let (status, body) = as_visitor(
        &server,
        token,
        "v1.connect.send",
        json!({"conversationId": conversation,
        "parentId": greeting["id"], "content": {"en": {"text": "Browse products",
        "suggestionResponse": {"postbackData": "menu:products", "type": "REPLY"}}}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let messages = wait_for(&server, token, conversation, 4).await;
    let carousel = &messages[3]["content"]["en"]["richCard"]["carouselCard"]["cardContents"];
    assert_eq!(carousel.as_array().unwrap().len(), 3);
    assert_eq!(
        messages.len(),
        4,
        "one answer per message: no second greeting"
    );

    let image = server
        .client
        .get(format!("{}/demo/img/blue-runner.png", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 404, "the test server serves no demo site");
}

/// A visitor's session on `server`: (token, conversation id).
async fn new_visitor(server: &TestServer) -> (String, String) {
    let (_, session) = open_session(
        server,
        json!({"channelIdentifier": CHANNEL}),
        Some(SHOP_ORIGIN),
    )
    .await;
    (
        session["token"].as_str().unwrap().to_owned(),
        session["conversationId"].as_str().unwrap().to_owned(),
    )
}

async fn says(server: &TestServer, token: &str, conversation: &str, content: Value) {
    answers(server, token, conversation, content, Value::Null).await;
}

/// Sends `content` answering the message `parent` (a chip's response names its message).
async fn answers(
    server: &TestServer,
    token: &str,
    conversation: &str,
    content: Value,
    parent: Value,
) {
    let (status, body) = as_visitor(
        server,
        token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": content, "parentId": parent}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_bot_answers_a_turkish_or_arabic_visitor_in_their_language() {
    let (server, _dir) = TestServer::start_with_bot().await;
    let (token, conversation) = new_visitor(&server).await;
    says(&server, &token, &conversation, json!({"tr": "Merhaba"})).await;
    let greeting = &wait_for(&server, &token, &conversation, 2).await[1]["content"];
    assert_eq!(
        greeting["tr"]["suggestions"][0]["reply"]["text"],
        "Ürünlere göz at"
    );
    assert_eq!(
        greeting["ar"]["suggestions"][0]["reply"]["text"],
        "تصفّح المنتجات"
    );
    assert_eq!(
        greeting["en"]["suggestions"][0]["reply"]["text"],
        "Browse products"
    );
    assert_eq!(
        greeting["ar"]["representative"]["displayName"],
        "Acme assistant"
    );
}

#[tokio::test]
async fn the_bot_stays_quiet_after_a_person_is_asked_for_until_the_chat_is_resolved() {
    let (server, _dir) = TestServer::start_with_bot().await;
    let (token, conversation) = new_visitor(&server).await;
    says(&server, &token, &conversation, json!({"en": "Hello"})).await;
    let greeting = wait_for(&server, &token, &conversation, 2).await[1]["id"].clone();
    answers(
        &server,
        &token,
        &conversation,
        json!({"en": {"text": "Talk to a person",
                      "suggestionResponse": {"postbackData": "", "type": "LIVE_AGENT"}}}),
        greeting.clone(),
    )
    .await;
    let messages = wait_for(&server, &token, &conversation, 4).await;
    assert!(messages[3]["content"]["en"]["text"]
        .as_str()
        .unwrap()
        .contains("member of our team"));
    let metadata = common::conversation_metadata(&server, &conversation).await;
    assert!(metadata["handoff"]["requestedAt"].is_string(), "{metadata}");

    // The bot no longer answers, not even a chip.
    let browse = json!({"en": {"text": "Browse products",
                               "suggestionResponse": {"postbackData": "menu:products", "type": "REPLY"}}});
    answers(
        &server,
        &token,
        &conversation,
        browse.clone(),
        greeting.clone(),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(wait_for(&server, &token, &conversation, 5).await.len(), 5);

    // Resolved by the team: the bot answers again.
    server
        .ok(
            "v1.connect.updateConversation",
            json!({"id": conversation, "metadata": {"status": "resolved",
                   "resolvedAt": connect360_server::clock::format_millis(
                       connect360_server::clock::now_millis() + 1000)}}),
        )
        .await;
    answers(&server, &token, &conversation, browse, greeting).await;
    let messages = wait_for(&server, &token, &conversation, 7).await;
    assert!(messages[6]["content"]["en"]["richCard"].is_object());
}

#[tokio::test]
async fn a_request_for_a_person_is_marked_by_the_gateway_whatever_bot_answers() {
    // No demo bot: the gateway itself records the request, for the console to mark.
    let (server, _dir) = TestServer::start().await;
    let (token, conversation) = new_visitor(&server).await;
    says(&server, &token, &conversation, json!({"en": "Hello"})).await;
    let metadata = common::conversation_metadata(&server, &conversation).await;
    assert!(metadata.get("handoff").is_none(), "{metadata}");

    let chips = server
        .ok(
            "v1.connect.send",
            json!({"conversationId": conversation, "content": {"ar": {
            "text": "كيف يمكننا المساعدة؟", "suggestions": [{"liveAgentRequest": {}}]}}}),
        )
        .await;
    // The widget's answer to the chip, in Arabic.
    let ask_for_person = || {
        answers(
            &server,
            &token,
            &conversation,
            json!({"ar": {"text": "تحدث إلى شخص",
                          "suggestionResponse": {"postbackData": "", "type": "LIVE_AGENT"}}}),
            chips["id"].clone(),
        )
    };
    ask_for_person().await;
    let metadata = common::conversation_metadata(&server, &conversation).await;
    let requested = metadata["handoff"]["requestedAt"].as_str().unwrap();
    assert!(
        connect360_server::clock::parse_millis(requested).is_some(),
        "{metadata}"
    );

    // Asked again: the first time is kept.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    ask_for_person().await;
    let metadata = common::conversation_metadata(&server, &conversation).await;
    assert_eq!(metadata["handoff"]["requestedAt"], requested);

    // The visitor ends the chat: the request is cleared with it.
    common::end_chat(&server, &token, &conversation).await;
    let metadata = common::conversation_metadata(&server, &conversation).await;
    assert!(metadata["handoff"].is_null(), "{metadata}");
}

#[tokio::test]
async fn a_refused_live_agent_answer_records_no_request() {
    // Without a parent no chip was pressed: Connect360 refuses it (rule K2), and the gateway
    // records a request only for a stored answer to a message.
    let (server, _dir) = TestServer::start().await;
    let (token, conversation) = new_visitor(&server).await;
    let (status, body) = as_visitor(
        &server,
        &token,
        "v1.connect.send",
        json!({"conversationId": conversation, "content": {"en": {"text": "Talk to a person",
               "suggestionResponse": {"postbackData": "", "type": "LIVE_AGENT"}}}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let metadata = common::conversation_metadata(&server, &conversation).await;
    assert!(metadata.get("handoff").is_none(), "{metadata}");
}

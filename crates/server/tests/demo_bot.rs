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

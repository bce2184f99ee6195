//! Who a visitor is: nothing a browser says about itself resolves the customer, a sign-in on a
//! shared browser takes nothing of the previous person's, and grants end with a merge.

mod common;

use common::{
    as_visitor, customer_of, identity_for, session, visitor, visitor_reads, TestServer, CHANNEL,
};
use serde_json::{json, Value};

fn say(conversation: &str, text: &str) -> Value {
    json!({"conversationId": conversation, "content": {"en": text}})
}

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name].as_str().unwrap_or_default()
}

/// The customer behind a conversation, as the merchant sees it.
#[tokio::test]
async fn an_email_a_guest_claims_never_reaches_the_identified_customer() {
    let (server, _dir) = TestServer::start().await;
    let victim = session(
        &server,
        json!({"channelIdentifier": CHANNEL,
               "identityToken": identity_for("victim_1", "Vic Tim", "victim@shop.test")}),
    )
    .await;
    let victim_conversation = field(&victim, "conversationId").to_owned();
    as_visitor(
        &server,
        field(&victim, "token"),
        "v1.connect.send",
        say(&victim_conversation, "my order 1234"),
    )
    .await;

    // Eve opens a guest session claiming the victim's address, in another case.
    let eve = session(
        &server,
        json!({"channelIdentifier": CHANNEL,
               "customer": {"name": "Eve", "email": "VICTIM@shop.test"}}),
    )
    .await;
    assert_ne!(field(&eve, "conversationId"), victim_conversation);
    let (status, body) = visitor_reads(&server, field(&eve, "token"), &victim_conversation).await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.to_string().contains("my order"), "{body}");
    let (status, _) = as_visitor(
        &server,
        field(&eve, "token"),
        "v1.connect.send",
        say(&victim_conversation, "I am the victim"),
    )
    .await;
    assert_eq!(status, 403);

    // The victim's customer is untouched; Eve's address is recorded as unverified only.
    let victim_customer = customer_of(&server, &victim_conversation).await;
    assert_eq!(victim_customer["name"], "Vic Tim");
    assert_eq!(victim_customer["externalId"], "victim_1");
    let eve_customer = customer_of(&server, field(&eve, "conversationId")).await;
    assert_eq!(eve_customer["email"], Value::Null, "{eve_customer}");
    assert_eq!(
        eve_customer["metadata"]["unverifiedContact"],
        json!({"name": "Eve", "email": "VICTIM@shop.test", "verified": false})
    );

    // Signing in again still finds the victim's own conversation, and Eve still reads nothing.
    let again = session(
        &server,
        json!({"channelIdentifier": CHANNEL,
               "identityToken": identity_for("victim_1", "Vic Tim", "victim@shop.test")}),
    )
    .await;
    assert_eq!(field(&again, "conversationId"), victim_conversation);
    let (status, _) = visitor_reads(&server, field(&eve, "token"), &victim_conversation).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_guest_who_claims_an_address_first_does_not_capture_that_persons_sign_in() {
    let (server, _dir) = TestServer::start().await;
    let eve = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "customer": {"email": "new@shop.test"}}),
    )
    .await;
    let eve_conversation = field(&eve, "conversationId").to_owned();
    as_visitor(
        &server,
        field(&eve, "token"),
        "v1.connect.send",
        say(&eve_conversation, "bait"),
    )
    .await;
    // The real owner of the address signs in for the first time, on their own browser.
    let owner = session(
        &server,
        json!({"channelIdentifier": CHANNEL,
               "identityToken": identity_for("owner_1", "Owner", "new@shop.test")}),
    )
    .await;
    let owner_conversation = field(&owner, "conversationId").to_owned();
    assert_ne!(owner_conversation, eve_conversation);
    let (_, body) = visitor_reads(&server, field(&owner, "token"), &owner_conversation).await;
    assert_eq!(body["result"]["data"]["items"], json!([]), "{body}");
    as_visitor(
        &server,
        field(&owner, "token"),
        "v1.connect.send",
        say(&owner_conversation, "private"),
    )
    .await;
    let (status, body) = visitor_reads(&server, field(&eve, "token"), &owner_conversation).await;
    assert_eq!(status, 403, "{body}");
    // Eve's guest customer kept its own external id.
    let eve_customer = customer_of(&server, &eve_conversation).await;
    assert_eq!(eve_customer["externalId"], field(&eve, "visitorId"));
}

#[tokio::test]
async fn a_second_sign_in_on_a_shared_browser_takes_nothing_of_the_first() {
    let (server, _dir) = TestServer::start().await;
    let (guest_token, browser, guest_conversation) = visitor(&server).await;
    as_visitor(
        &server,
        &guest_token,
        "v1.connect.send",
        say(&guest_conversation, "alice as a guest"),
    )
    .await;
    let alice = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": browser,
               "identityToken": identity_for("alice", "Alice", "alice@shop.test")}),
    )
    .await;
    let alice_conversation = field(&alice, "conversationId").to_owned();
    as_visitor(
        &server,
        field(&alice, "token"),
        "v1.connect.send",
        say(&alice_conversation, "alice signed in"),
    )
    .await;
    // The guest token of this browser lost the merged conversation with the merge.
    let (status, body) = visitor_reads(&server, &guest_token, &guest_conversation).await;
    assert_eq!(status, 401, "a merge revokes the guest's grants: {body}");
    assert!(body.to_string().contains("open a new one"), "{body}");
    // Only guests carry the browser's fingerprint.
    let alice_customer = customer_of(&server, &alice_conversation).await;
    assert_eq!(
        alice_customer["metadata"].get("fingerprint"),
        None,
        "{alice_customer}"
    );

    // Bob signs in on the same browser, presenting the same visitor id.
    let bob = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": browser,
               "identityToken": identity_for("bob", "Bob", "bob@shop.test")}),
    )
    .await;
    assert_ne!(
        field(&bob, "visitorId"),
        browser,
        "Bob gets a new visitor id"
    );
    let bob_token = field(&bob, "token").to_owned();
    for conversation in [&alice_conversation, &guest_conversation] {
        let (status, body) = visitor_reads(&server, &bob_token, conversation).await;
        assert_eq!(status, 403, "{body}");
    }
    // Alice's history stays hers, guest part included.
    let again = session(
        &server,
        json!({"channelIdentifier": CHANNEL, "visitorId": browser,
               "identityToken": identity_for("alice", "Alice", "alice@shop.test")}),
    )
    .await;
    assert_eq!(field(&again, "conversationId"), alice_conversation);
    assert_eq!(field(&again, "visitorId"), browser);
    let (_, body) = visitor_reads(&server, field(&again, "token"), &alice_conversation).await;
    assert_eq!(
        body["result"]["data"]["items"][0]["content"]["en"],
        "alice signed in"
    );
    let (status, body) = visitor_reads(&server, field(&again, "token"), &guest_conversation).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["result"]["data"]["items"][0]["content"]["en"],
        "alice as a guest"
    );
}

#[tokio::test]
async fn identity_subjects_cannot_pose_as_guests() {
    let (server, _dir) = TestServer::start().await;
    let (_, guest, _) = visitor(&server).await;
    let (status, body) = common::open_session(
        &server,
        json!({"channelIdentifier": CHANNEL, "identityToken": identity_for(&guest, "X", "x@y.z")}),
        Some(common::SHOP_ORIGIN),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(body.to_string().contains("guest_"), "{body}");
}

#[tokio::test]
async fn an_email_match_never_rewrites_another_customers_external_id() {
    let (server, _dir) = TestServer::start().await;
    let open = |external: &'static str, email: &'static str| {
        server.ok(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"externalId": external, "email": email}}),
        )
    };
    let first = open("shop_a", "same@shop.test").await;
    let second = open("shop_b", "SAME@shop.test").await;
    assert_ne!(first["customerId"], second["customerId"]);
    assert_eq!(
        customer_of(&server, field(&first, "id")).await["externalId"],
        "shop_a"
    );
    // A customer without an external id is still found by address, as documented.
    let plain = server
        .ok(
            "v1.connect.getOrCreateConversation",
            json!({"customer": {"email": "plain@shop.test"}}),
        )
        .await;
    let linked = open("shop_c", "plain@shop.test").await;
    assert_eq!(plain["customerId"], linked["customerId"]);
}

#[tokio::test]
async fn team_notes_never_reach_a_visitor_through_pages_cursors_or_the_ai() {
    let (server, _dir) = TestServer::start().await;
    let (token, _, conversation) = visitor(&server).await;
    common::internal_notes_stay_internal(
        &server.base,
        &server.base,
        common::KEY,
        &token,
        &conversation,
    )
    .await;
}

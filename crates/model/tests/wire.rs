//! The wire shapes against the worked example of `connect360-api.md` §7 and its rules for
//! strict inputs and tolerant outputs.

use connect360_model::validate::Rule;
use connect360_model::wire::*;
use serde_json::json;

#[test]
fn the_worked_example_outputs_parse() {
    let conversation: TrpcResponse<Conversation> = serde_json::from_value(json!(
        {"result":{"data":{"id":"conv_8Jf2Lq","name":null,"type":"DIRECT","parentId":null,
         "customerId":"cus_3Wk9","memberIds":["mem_01"],"channelIds":["ch_web1"],
         "channelIdentifier":"example.com","metadata":{"source":"website-chat"},
         "createdAt":"2025-03-04T10:15:02.118Z","updatedAt":"2025-03-04T10:15:02.118Z"}}}
    ))
    .unwrap();
    let TrpcResponse::Ok(ok) = conversation else {
        panic!()
    };
    assert_eq!(ok.result.data.id, "conv_8Jf2Lq");
    assert_eq!(ok.result.data.kind, ConversationType::Direct);
    assert_eq!(ok.result.data.metadata["source"], "website-chat");

    let page: TrpcSuccess<MessagePage> = serde_json::from_value(json!(
        {"result":{"data":{"items":[{"id":"msg_C5e3","conversationId":"conv_8Jf2Lq","parentId":null,
         "content":{"en":"Order #1042."},"attachments":[],
         "sender":{"type":"customer","id":"cus_3Wk9","name":"Jane Customer","image":null},
         "flags":[],"createdAt":"2025-03-04T10:17:12.874Z"}],"nextCursor":null}}}
    ))
    .unwrap();
    let message = &page.result.data.items[0];
    assert_eq!(message.sender.kind, SenderType::Customer);
    assert_eq!(message.content["en"], "Order #1042.");
    assert_eq!(page.result.data.next_cursor, None);
}

#[test]
fn outputs_are_read_tolerantly() {
    let message: Message = serde_json::from_value(json!(
        {"id": "m1", "sender": {}, "content": {"en": "hi"}, "somethingNew": 1}
    ))
    .unwrap();
    assert_eq!(message.sender.kind, SenderType::Unknown);
    assert!(message.attachments.is_empty() && message.flags.is_empty());
    let odd: Sender = serde_json::from_value(json!({"type": "robot", "id": "x"})).unwrap();
    assert_eq!(odd.kind, SenderType::Unknown);
    // Older tRPC versions add `id` and `result.type`.
    let ok: TrpcSuccess<DeleteConversationOutput> = serde_json::from_value(json!(
        {"id": null, "result": {"type": "data", "data": {"id": "c", "deleted": true}}}
    ))
    .unwrap();
    assert!(ok.result.data.deleted);
}

#[test]
fn the_visitor_send_input_serialises_as_documented() {
    let mut content = Content::new();
    content.insert("en".into(), json!("I need help with my order."));
    let input = SendInput {
        conversation_id: "conv_8Jf2Lq".into(),
        sender: Some(SendAs::Customer),
        customer: Some(CustomerInput {
            external_id: Some("website_user_123".into()),
            ..Default::default()
        }),
        channel_identifier: Some("example.com".into()),
        content: Some(content),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        json!({"conversationId":"conv_8Jf2Lq","sender":"customer","customer":{"externalId":"website_user_123"},
               "channelIdentifier":"example.com","content":{"en":"I need help with my order."}})
    );
}

#[test]
fn every_documented_send_field_is_accepted_and_unknown_ones_refused() {
    let full: SendInput = serde_json::from_value(json!({
        "conversationId": "c", "content": {"en": "hi"}, "attachmentIds": ["f"], "flags": ["internal"],
        "parentId": "m", "templateId": "t", "templateContext": {"a": 1}, "channelId": "ch",
        "channelIdentifier": "example.com", "sender": "workspace", "customerId": "cus",
        "customer": {"id": null, "externalId": "x", "name": "n", "email": "e@example.com", "phone": "+1",
                     "image": null, "metadata": {"k": "v"}},
        "ai": {"agentId": "agent_1", "channelId": null}
    }))
    .unwrap();
    assert_eq!(full.ai.unwrap().agent_id, "agent_1");
    let unknown =
        serde_json::from_value::<SendInput>(json!({"conversationId": "c", "apiKey": "x"}));
    assert!(unknown
        .unwrap_err()
        .to_string()
        .contains("unknown field `apiKey`"));
    let ai_sender =
        serde_json::from_value::<SendInput>(json!({"conversationId": "c", "sender": "ai"}));
    assert!(ai_sender.is_err(), "send's sender is never \"ai\"");
}

#[test]
fn update_conversation_keeps_absent_and_null_apart() {
    let absent: UpdateConversationInput = serde_json::from_value(json!({"id": "c"})).unwrap();
    assert_eq!(absent.name, Patch::Unchanged);
    assert_eq!(absent.parent_id, Patch::Unchanged);
    let cleared: UpdateConversationInput = serde_json::from_value(
        json!({"id": "c", "name": null, "parentId": null, "metadata": null}),
    )
    .unwrap();
    assert_eq!(cleared.name, Patch::Clear);
    assert_eq!(cleared.parent_id, Patch::Clear);
    assert_eq!(cleared.metadata, None);
    let set: UpdateConversationInput =
        serde_json::from_value(json!({"id": "c", "name": "Order", "parentId": "p"})).unwrap();
    assert_eq!(set.name, Patch::Set("Order".into()));
    assert_eq!(
        serde_json::to_value(&cleared).unwrap(),
        json!({"id": "c", "name": null, "parentId": null})
    );
    assert_eq!(serde_json::to_value(&absent).unwrap(), json!({"id": "c"}));
}

#[test]
fn other_inputs_and_outputs_have_their_documented_shape() {
    let claim: ClaimGuestConversationsInput = serde_json::from_value(json!({
        "fingerprint": "0123456789abcdef", "guestExternalId": "guest_1", "guestLocalConversationId": "c",
        "targetParentId": null, "customer": {"externalId": "user_1"}, "claimMetadata": {"source": "website-login"}
    }))
    .unwrap();
    assert_eq!(claim.guest_external_id.as_deref(), Some("guest_1"));
    let out: ClaimGuestConversationsOutput =
        serde_json::from_value(json!({"claimed": 2, "reparented": 1})).unwrap();
    assert_eq!(out.claimed, 2);
    let sub: CreateSubConversationInput = serde_json::from_value(json!({
        "parentId": "p", "name": "Order #1042", "type": "GROUP", "customer": {"externalId": "x"},
        "channelIdentifier": "example.com"
    }))
    .unwrap();
    assert_eq!(sub.kind, Some(ConversationType::Group));
    let list: ListMessagesInput =
        serde_json::from_value(json!({"conversationId": "c", "limit": 50, "cursor": null}))
            .unwrap();
    assert_eq!(list.limit, Some(50));
    let upload: UploadResponse =
        serde_json::from_value(json!({"files":[{"id":"file_123","name":"receipt.pdf",
        "s3Key":"workspace/path/receipt.pdf","type":"application/pdf",
        "url":"https://app.plato.ae/api/assets/workspace%2Fpath%2Freceipt.pdf"}]}))
        .unwrap();
    assert_eq!(upload.files[0].mime_type, "application/pdf");
    let stream: AiStreamInput = serde_json::from_value(
        json!({"agentId": "a", "conversationId": "c", "lastMessageId": "m"}),
    )
    .unwrap();
    assert_eq!(stream.last_message_id.as_deref(), Some("m"));
    let rest: RestError =
        serde_json::from_value(json!({"error": "Unauthorized API key permissions."})).unwrap();
    assert_eq!(rest.text(), "Unauthorized API key permissions.");
}

#[test]
fn error_envelopes_carry_codes_statuses_and_violations() {
    let envelope: TrpcResponse<Message> = serde_json::from_value(json!(
        {"error": {"message": "content.en.richCard.carouselCard.cardContents[0].media.height: TALL media is not allowed when cardWidth is SMALL", "code": -32600,
          "data": {"code": "BAD_REQUEST", "httpStatus": 400, "path": "v1.connect.send",
            "violations": [{"rule": "CA3", "path": "content.en.richCard.carouselCard.cardContents[0].media.height", "message": "TALL media is not allowed when cardWidth is SMALL"}]}}}
    ))
    .unwrap();
    let TrpcResponse::Err(err) = envelope else {
        panic!()
    };
    assert_eq!(err.error.data.code, ErrorCode::BadRequest);
    assert_eq!(err.error.data.violations[0].rule, Rule::CA3);
    let unknown: TrpcErrorData = serde_json::from_value(
        json!({"code": "UNPROCESSABLE_CONTENT", "httpStatus": 422, "stack": "x"}),
    )
    .unwrap();
    assert_eq!(unknown.code, ErrorCode::Other);
    for (code, status, rpc) in [
        (ErrorCode::ParseError, 400, -32700),
        (ErrorCode::Unauthorized, 401, -32001),
        (ErrorCode::Forbidden, 403, -32003),
        (ErrorCode::NotFound, 404, -32004),
        (ErrorCode::MethodNotSupported, 405, -32005),
        (ErrorCode::PayloadTooLarge, 413, -32013),
        (ErrorCode::Conflict, 409, -32009),
        (ErrorCode::TooManyRequests, 429, -32029),
        (ErrorCode::BadGateway, 502, -32603),
    ] {
        let e = TrpcErrorEnvelope::new(code, "x", Some("v1.connect.send"));
        assert_eq!((e.error.data.http_status, e.error.code), (status, rpc));
        if code != ErrorCode::ParseError {
            assert_eq!(ErrorCode::from_http_status(status), code, "{status}");
        }
    }
    // A status with no code of its own is handled as a server failure.
    assert_eq!(
        ErrorCode::from_http_status(422),
        ErrorCode::InternalServerError
    );
    let json = serde_json::to_value(TrpcErrorEnvelope::new(
        ErrorCode::NotFound,
        "Conversation not found.",
        Some("v1.connect.send"),
    ))
    .unwrap();
    assert_eq!(
        json,
        json!({"error":{"message":"Conversation not found.","code":-32004,
        "data":{"code":"NOT_FOUND","httpStatus":404,"path":"v1.connect.send"}}})
    );
}

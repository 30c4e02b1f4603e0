//! POST /api/users/{user_id}/chats/{chat_id}/shares/{share_id}/whitelist-entries

neptun_dynamo::lambda_main!(CreateShareWhitelistEntries);

//! GET /api/users/{user_id}/chats/{chat_id}/shares

neptun_dynamo::lambda_main!(GetChatShare);

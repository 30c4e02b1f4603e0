//! GET /api/users/{user_id}/chats/{chat_id}/messages

neptun_dynamo::lambda_main!(ListChatMessages);

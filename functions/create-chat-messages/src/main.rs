//! POST /api/users/{user_id}/chats/{chat_id}/messages

neptun_dynamo::lambda_main!(CreateChatMessages);
